"""Where recognition time goes per request: VAD, features, encoder, language ID, decode.

Usage (repo root): .venv/bin/python benchmarks/asr_profile.py [FOLDER ...]
(default: benchmarks/requests and benchmarks/requests_hard). Loads Whisper once, runs
each request ``--repeats`` times through FasterWhisperTranscriber.transcribe, and prints
per-request medians of each stage plus the decoding passes (language, temperature,
tokens, seconds). On a shared machine every figure is an upper bound.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from voice_agent.asr.faster_whisper import FasterWhisperTranscriber  # noqa: E402
from voice_agent.core.audio import read_audio  # noqa: E402
from voice_agent.core.errors import VoiceAgentError  # noqa: E402
from voice_agent.core.language import word_error_rate  # noqa: E402


class Timed:
    """Delegates to ``inner``, adding each named call's seconds to ``log``."""

    def __init__(self, inner, log: dict, names: tuple[str, ...]) -> None:
        self._inner, self._log, self._names = inner, log, names

    def __getattr__(self, name):
        value = getattr(self._inner, name)
        if name not in self._names:
            return value

        def timed(*args, **kwargs):
            start = time.perf_counter()
            out = value(*args, **kwargs)
            self._log[name].append(time.perf_counter() - start)
            if name == "generate":
                self._log["tokens"].append(len(out[0].sequences_ids[0]))
            return out
        return timed


class TimedCall:
    """A callable's stand-in that records its seconds and passes attributes through."""

    def __init__(self, inner, log: dict, name: str) -> None:
        self._inner, self._log, self._name = inner, log, name

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self._inner(*args, **kwargs)
        finally:
            self._log[self._name].append(time.perf_counter() - start)


def instrument(asr: FasterWhisperTranscriber) -> dict:
    """Wrap the loaded model's stages; returns the dict they record into."""
    log: dict = defaultdict(list)
    model = asr._model
    model.model = Timed(model.model, log, ("encode", "detect_language", "generate"))
    model.feature_extractor = TimedCall(model.feature_extractor, log, "features")
    voiced = asr._voiced

    def vad(samples):
        start = time.perf_counter()
        try:
            return voiced(samples)
        finally:
            log["vad"].append(time.perf_counter() - start)
    asr._voiced = vad
    return log


def rows_of(folder: Path) -> list[dict]:
    with open(folder / "requests.tsv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path,
                        default=[HERE / "requests", HERE / "requests_hard"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asr = FasterWhisperTranscriber()
    asr.load()
    log = instrument(asr)
    asr.transcribe(read_audio(HERE / "requests" / "en01.wav", 16_000))  # warm-up
    stages = ("vad", "features", "encode", "detect_language", "generate")
    print("request        total  " + "  ".join(f"{s[:8]:>8s}" for s in stages)
          + "  passes(tokens)  WER")
    for folder in args.folders:
        for row in rows_of(folder):
            audio = read_audio(folder / f"{row['id']}.wav", 16_000)
            runs = []
            for _ in range(args.repeats):
                log.clear()
                start = time.perf_counter()
                try:
                    text = asr.transcribe(audio).text
                except VoiceAgentError as exc:
                    text = f"<{type(exc).__name__}>"
                runs.append((time.perf_counter() - start, {k: list(v) for k, v in log.items()}))
            total = statistics.median(r[0] for r in runs)
            median_log = runs[sorted(range(len(runs)), key=lambda i: runs[i][0])[len(runs) // 2]][1]
            cells = "  ".join(f"{sum(median_log.get(s, [])):8.3f}" for s in stages)
            wer = word_error_rate(row["text"], text) if not text.startswith("<") else float("nan")
            print(f"{row['id']:13s} {total:6.2f}  {cells}  "
                  f"{len(median_log.get('generate', []))}({','.join(map(str, median_log.get('tokens', [])))})"
                  f"  {wer:.2f} max {max(r[0] for r in runs):.2f} {text[:40]!r}", flush=True)


if __name__ == "__main__":
    main()
