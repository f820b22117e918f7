"""Whisper's encoder on the voiced request plus a margin instead of the fixed 30 s window.

    python benchmarks/asr_window_bench.py [--margins 0,600,1000]   (frames of 10 ms; 0 = full)

CTranslate2 accepts a shorter mel input and the encoder is two thirds of recognition, so
this looked like the biggest saving left; it costs accuracy (docs/speed.md), so the product
keeps the full window. Prints WER per language and seconds per request for the dev and the
shipped requests.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice_agent.asr import faster_whisper as fw  # noqa: E402
from voice_agent.core.audio import read_audio  # noqa: E402
from voice_agent.core.errors import VoiceAgentError  # noqa: E402
from voice_agent.core.language import word_error_rate  # noqa: E402

STATE: dict[str, int | None] = {"margin": None, "content": None}


def _patch() -> None:
    """Trim the encoder's input to the voiced frames + margin (an experiment, not the product)."""
    encode, voiced = fw.EncoderMemo.__call__, fw.FasterWhisperTranscriber._speech_only

    def trimmed(self, features):
        if STATE["margin"] and STATE["content"] is not None:
            frames = min(features.shape[-1], STATE["content"] + STATE["margin"])
            features = features[..., :frames + frames % 2]
        return encode(self, features)

    def speech_only(self, samples):
        speech = voiced(self, samples)
        STATE["content"] = int(np.ceil(len(speech) / 160))
        return speech

    fw.EncoderMemo.__call__, fw.FasterWhisperTranscriber._speech_only = trimmed, speech_only


def _requests(folder: Path) -> list[tuple[Path, dict[str, str]]]:
    with open(folder / "requests.tsv", encoding="utf-8") as table:
        return [(folder / f"{row['id']}.wav", row) for row in csv.DictReader(table, delimiter="\t")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--margins", default="0,600,1000")
    args = parser.parse_args()
    _patch()
    transcriber = fw.FasterWhisperTranscriber(threads=2)
    transcriber.load()
    sets = {name: _requests(ROOT / "benchmarks" / name) for name in ("requests_dev", "requests")}
    transcriber.transcribe(read_audio(str(sets["requests"][0][0])))  # warm-up
    for margin in (int(m) for m in args.margins.split(",")):
        STATE["margin"] = margin
        for name, rows in sets.items():
            errors: dict[str, list[float]] = {"en": [], "es": []}
            seconds = []
            for path, row in rows:
                start = time.perf_counter()
                try:
                    text = transcriber.transcribe(read_audio(str(path))).text
                except VoiceAgentError:
                    text = ""
                seconds.append(time.perf_counter() - start)
                errors[row["language"]].append(word_error_rate(row["text"], text))
            print(f"margin {margin or 'full window':>11} {name:13s} WER en "
                  f"{statistics.mean(errors['en']):.3f} es {statistics.mean(errors['es']):.3f} "
                  f"all {statistics.mean(errors['en'] + errors['es']):.3f}; s/request median "
                  f"{statistics.median(seconds):.2f} max {max(seconds):.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
