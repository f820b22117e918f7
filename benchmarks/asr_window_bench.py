"""Accuracy of the final decode's encoder window: Whisper's full 30 s, or the voiced
request plus a margin (what the recogniser falls back to when the full window would not
fit its time budget: FasterWhisperTranscriber._final_window).

    python benchmarks/asr_window_bench.py [--margins 0,1500,2000]   (frames of 10 ms; 0 = full)

Each margin decodes every shipped, dev and hard request with a roomy budget (30 s), so
only the window differs, exactly as the product decodes it (a shortened window doubts its
language ID below SHORT_WINDOW_UNSURE). Prints WER per language, genre hits (the words,
mended as the pipeline mends them, name the request's genre), language hits and "didn't
catch that" per folder, and the median seconds per request (idle machine: comparable).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice_agent.asr import faster_whisper as fw  # noqa: E402
from voice_agent.asr.repair import mend  # noqa: E402
from voice_agent.core.audio import read_audio  # noqa: E402
from voice_agent.core.errors import VoiceAgentError  # noqa: E402
from voice_agent.core.language import word_error_rate  # noqa: E402
from voice_agent.core.vocabulary import find_genre  # noqa: E402

FOLDERS = ("requests", "requests_dev", "requests_hard")


def _rows(folder: str) -> list[dict[str, str]]:
    with open(ROOT / "benchmarks" / folder / "requests.tsv", encoding="utf-8") as table:
        return list(csv.DictReader(table, delimiter="\t"))


def _with_margin(asr: fw.FasterWhisperTranscriber, margin: int) -> None:
    """Make ``asr`` always decode with ``margin`` frames past the voiced request (0: the
    full window), instead of deciding by the time left."""
    if margin == 0:
        asr._final_window = lambda *_: None
    else:
        asr._final_window = lambda samples, *_: asr._model.encode.window(
            samples // fw.HOP_SAMPLES + margin)


def score(asr: fw.FasterWhisperTranscriber, folder: str) -> str:
    """One folder's line: WER per language, genre, language, unclear, seconds."""
    errors: dict[str, list[float]] = {"en": [], "es": []}
    genre = language = unclear = 0
    seconds = []
    rows = _rows(folder)
    for row in rows:
        audio = read_audio(ROOT / "benchmarks" / folder / f"{row['id']}.wav", 16_000)
        start = time.perf_counter()
        try:
            transcript = asr.transcribe(audio)
            text, heard_in = transcript.text, transcript.language
            errors[row["language"]].append(word_error_rate(row["text"], text))
        except VoiceAgentError:
            text, heard_in = "", None
            unclear += 1
        seconds.append(time.perf_counter() - start)
        genre += find_genre(mend(text, heard_in or "en")) == row["genre"]
        language += heard_in == row["language"]
    wer = {k: statistics.mean(v) if v else float("nan") for k, v in errors.items()}
    return (f"{folder:14s} WER en {wer['en']:.3f} es {wer['es']:.3f}  genre {genre}/{len(rows)}"
            f"  language {language}/{len(rows)}  didn't catch {unclear}  s/request median "
            f"{statistics.median(seconds):.2f} max {max(seconds):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--margins", default="0,1500,2000")
    args = parser.parse_args()
    asr = fw.FasterWhisperTranscriber(max_seconds=30.0)
    asr.load()
    asr.transcribe(read_audio(ROOT / "benchmarks" / "requests" / "en01.wav", 16_000))  # warm-up
    for margin in (int(m) for m in args.margins.split(",")):
        _with_margin(asr, margin)
        for folder in FOLDERS:
            print(f"margin {margin or 'full window':>11} {score(asr, folder)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
