"""Synthesise the spoken requests shipped in the repo (no microphone here, so TTS speaks them).

    .venv/bin/python scripts/make_spoken_requests.py

Writes, at 16 kHz mono:
- ``assets/requests/example_{en,es}.wav`` (+ ``.txt``): the bundled example requests.
- ``benchmarks/requests/<id>.wav`` for every row of ``requests.tsv``, rotating through
  several voices and engines (Piper joe, Kokoro American/British/Spanish voices, espeak-ng)
  so the ASR evaluation does not hinge on one synthetic voice. ``voices.tsv`` records which
  voice said what.

Needs the default install (Piper and Kokoro weights prepared by scripts/setup.sh).
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice_agent.core.audio import ASR_RATE, read_audio, resample, write_wav  # noqa: E402
from voice_agent.core.models import ensure_model, model_dir  # noqa: E402
from voice_agent.core.types import Audio  # noqa: E402

EXAMPLES = {
    "example_en": ("en", "piper:joe", "Play some relaxing bossa nova with a nylon guitar and a flute."),
    "example_es": ("es", "kokoro:ef_dora", "Pon una salsa alegre para bailar con trompetas."),
}
VOICES = {
    "en": ["kokoro:af_heart", "kokoro:am_michael", "kokoro:bf_emma", "espeak:en-us",
           "kokoro:bm_george", "kokoro:af_nicole"],
    "es": ["kokoro:em_alex", "kokoro:ef_dora", "kokoro:em_santa", "espeak:es"],
}


def _kokoro():
    from kokoro_onnx import Kokoro

    from voice_agent.core.models import KOKORO_82M

    model = ensure_model(KOKORO_82M) / "kokoro-v1.0.int8.onnx"
    voices = model_dir(KOKORO_82M).parent / "kokoro-js-voices" / "voices.npz"
    return Kokoro(str(model), str(voices))


def _piper():
    from piper import PiperVoice

    from voice_agent.core.models import PIPER_JOE

    folder = ensure_model(PIPER_JOE)
    return PiperVoice.load(str(next(folder.glob("*.onnx"))))


_ENGINES: dict[str, object] = {}


def speak(voice: str, language: str, text: str) -> Audio:
    """``text`` spoken by ``voice`` ("engine:name"), at 16 kHz."""
    engine, name = voice.split(":", 1)
    if engine == "kokoro":
        kokoro = _ENGINES.setdefault("kokoro", _kokoro())
        samples, rate = kokoro.create(text, voice=name, lang="es" if language == "es" else
                                      ("en-gb" if name.startswith("b") else "en-us"))
        audio = Audio(samples, rate)
    elif engine == "piper":
        import wave

        piper = _ENGINES.setdefault("piper", _piper())
        with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
            with wave.open(tmp.name, "wb") as handle:
                piper.synthesize_wav(text, handle)
            audio = read_audio(tmp.name)
    else:
        with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
            subprocess.run(["espeak-ng", "-v", name, "-s", "150", "-w", tmp.name, text], check=True)
            audio = read_audio(tmp.name)
    return resample(audio, ASR_RATE)


def main() -> int:
    requests_dir = ROOT / "assets" / "requests"
    for stem, (language, voice, text) in EXAMPLES.items():
        write_wav(requests_dir / f"{stem}.wav", speak(voice, language, text))
        (requests_dir / f"{stem}.txt").write_text(text + "\n", encoding="utf-8")
    bench_dir = ROOT / "benchmarks" / "requests"
    with open(bench_dir / "requests.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    used = []
    for i, row in enumerate(rows):
        voices = VOICES[row["language"]]
        voice = voices[i % len(voices)]
        write_wav(bench_dir / f"{row['id']}.wav", speak(voice, row["language"], row["text"]))
        used.append(f"{row['id']}\t{voice}")
    (bench_dir / "voices.tsv").write_text("id\tvoice\n" + "\n".join(used) + "\n")
    print(f"wrote {len(EXAMPLES)} examples and {len(rows)} benchmark requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
