"""Make benchmarks/requests_hard/: shipped requests made hard, for the worst case.

Noise (white and pink, 5-10 dB SNR), telephone band (300-3400 Hz at 8 kHz), a
reverberant room (sox reverb), robotic voices (espeak-ng's robot variants) and
code-switching (an English and a Spanish phrase from espeak-ng voices, concatenated).
Needs sox and espeak-ng on PATH. Reproducible: fixed noise seeds.

    python benchmarks/make_hard_requests.py   # then: voice-agent bench --requests benchmarks/requests_hard
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice_agent.core.audio import Audio, read_audio, write_wav  # noqa: E402

SOURCE = ROOT / "benchmarks" / "requests"
OUT = ROOT / "benchmarks" / "requests_hard"
RATE = 16_000


def shipped() -> dict[str, dict[str, str]]:
    with open(SOURCE / "requests.tsv", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle, delimiter="\t")}


def with_noise(samples: np.ndarray, snr_db: float, seed: int, pink: bool) -> np.ndarray:
    """``samples`` plus white or pink noise at ``snr_db`` (speech power over noise power)."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(len(samples))
    if pink:  # 1/f: shape the spectrum by 1/sqrt(f)
        spectrum = np.fft.rfft(noise)
        spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
        noise = np.fft.irfft(spectrum, len(samples))
    speech_power = np.mean(samples ** 2)
    noise *= np.sqrt(speech_power / (10 ** (snr_db / 10)) / np.mean(noise ** 2))
    mixed = samples + noise
    return (mixed / max(1.0, np.abs(mixed).max() / 0.95)).astype(np.float32)


def sox(source: Path, target: Path, *effects: str, rate: int = RATE) -> None:
    subprocess.run(["sox", str(source), "-r", str(rate), "-c", "1", "-b", "16", str(target),
                    *effects], check=True)


def espeak(text: str, voice: str, target: Path, speed: int = 150) -> None:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(target), text],
                   check=True)


def main() -> None:
    rows = shipped()
    OUT.mkdir(exist_ok=True)
    table: list[tuple[str, str, str, str]] = []

    def add(name: str, base: str, language: str | None = None, genre: str | None = None,
            text: str | None = None) -> None:
        row = rows.get(base, {})
        table.append((name, language or row["language"], genre or row["genre"],
                      text or row["text"]))

    for name, base, snr, pink in (("h-noise-en01", "en01", 5.0, False),
                                  ("h-noise-es02", "es02", 8.0, True),
                                  ("h-noise-en07", "en07", 10.0, True)):
        audio = read_audio(SOURCE / f"{base}.wav", RATE)
        write_wav(OUT / f"{name}.wav", Audio(with_noise(audio.samples, snr, len(table), pink),
                                             RATE))
        add(name, base)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, base in (("h-phone-en03", "en03"), ("h-phone-es04", "es04")):
            narrow = work / f"{name}-8k.wav"
            sox(SOURCE / f"{base}.wav", narrow, "sinc", "300-3400", rate=8000)
            sox(narrow, OUT / f"{name}.wav")  # back to 16 kHz: the band stays narrow
            add(name, base)
        for name, base in (("h-reverb-en05", "en05"), ("h-reverb-es07", "es07")):
            sox(SOURCE / f"{base}.wav", OUT / f"{name}.wav", "reverb", "85", "50", "100",
                "100", "20", "4")
            add(name, base)
        for name, base, voice in (("h-robot-en08", "en08", "en-us+UniRobot"),
                                  ("h-robot-es10", "es10", "es+anikaRobot")):
            raw = work / f"{name}.wav"
            espeak(rows[base]["text"], voice, raw)
            sox(raw, OUT / f"{name}.wav")
            add(name, base)
        for name, language, genre, parts in (
                ("h-mix-en", "en", "salsa", (("Play some salsa", "en-us"),
                                             ("con trompetas y piano.", "es"))),
                ("h-mix-es", "es", "cumbia", (("Pon una cumbia alegre", "es"),
                                              ("with an accordion, please.", "en-us")))):
            pieces = []
            for index, (text, voice) in enumerate(parts):
                raw = work / f"{name}-{index}.wav"
                espeak(text, voice, raw)
                pieces.append(read_audio(raw, RATE).samples)
            gap = np.zeros(int(0.15 * RATE), np.float32)
            write_wav(OUT / f"{name}.wav", Audio(np.concatenate([pieces[0], gap, pieces[1]]),
                                                 RATE))
            add(name, "", language, genre, " ".join(text for text, _ in parts))
    with open(OUT / "requests.tsv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(("id", "language", "genre", "text"))
        writer.writerows(table)
    print(f"wrote {len(table)} requests to {OUT}")


if __name__ == "__main__":
    main()
