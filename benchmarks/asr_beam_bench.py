"""Greedy vs beam-5 Whisper decoding: WER and seconds on the dev and held-out requests.

Usage (from the repo root): .venv/bin/python benchmarks/asr_beam_bench.py

The default (beam 5) was kept because greedy tied on the dev set but lost on the
held-out set; see README "Measured".
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from voice_agent.core.audio import read_audio  # noqa: E402
from voice_agent.asr.faster_whisper import FasterWhisperTranscriber  # noqa: E402
from voice_agent.core.language import word_error_rate  # noqa: E402


def measure(folder: Path, beam: int) -> str:
    """One line: mean WER per language, their mean, median seconds per request."""
    with open(folder / "requests.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    asr = FasterWhisperTranscriber(beam_size=beam)
    asr.load()
    errors: dict[str, list[float]] = {}
    seconds = []
    for row in rows:
        audio = read_audio(folder / f"{row['id']}.wav", 16_000)
        start = time.perf_counter()
        text = asr.transcribe(audio).text
        seconds.append(time.perf_counter() - start)
        errors.setdefault(row["language"], []).append(word_error_rate(row["text"], text))
    means = {lang: statistics.fmean(v) for lang, v in sorted(errors.items())}
    per_language = ", ".join(f"{lang} {value:.3f}" for lang, value in means.items())
    return (f"{folder.name:13s} beam {beam}: WER {per_language}, mean "
            f"{statistics.fmean(means.values()):.3f}; median {statistics.median(seconds):.2f} s")


if __name__ == "__main__":
    for name in ("requests_dev", "requests"):
        for beam_size in (5, 1):
            print(measure(HERE / name, beam_size), flush=True)
