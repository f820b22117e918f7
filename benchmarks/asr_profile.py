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


#: A/B variants: name -> (label, transcriber settings) for each side
VARIANTS = {
    "threads": (("2 threads", {}), ("1 thread", {"threads": 1})),
    "compute": (("int8", {"compute_type": "int8"}), ("int8_float32", {"compute_type": "int8_float32"})),
    "beam": (("beam 5", {"beam_size": 5}), ("beam 2", {"beam_size": 2}), ("greedy", {"beam_size": 1})),
    "timestamps": (("timestamps", {}), ("text only", {"timestamps": False})),
}


def transcriber(settings: dict) -> FasterWhisperTranscriber:
    """A loaded, warmed-up recogniser with ``settings`` (constructor arguments)."""
    asr = FasterWhisperTranscriber(**settings)
    asr.load()
    asr.transcribe(read_audio(HERE / "requests" / "en01.wav", 16_000))  # warm-up
    return asr


def timed_text(asr: FasterWhisperTranscriber, audio) -> tuple[float, str | None]:
    """Seconds and transcript (None for "didn't catch that" / no speech)."""
    start = time.perf_counter()
    try:
        text = asr.transcribe(audio).text
    except VoiceAgentError:
        text = None
    return time.perf_counter() - start, text


def ab(folders: list[Path], variant: str, repeats: int) -> None:
    """Both sides interleaved request by request, repeat by repeat, in one process."""
    sides = [(label, transcriber(settings)) for label, settings in VARIANTS[variant]]
    seconds: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[float]] = defaultdict(list)
    for folder in folders:
        for row in rows_of(folder):
            audio = read_audio(folder / f"{row['id']}.wav", 16_000)
            per_side: dict[str, list[float]] = defaultdict(list)
            for repeat in range(repeats):
                order = sides if repeat % 2 == 0 else sides[::-1]
                for label, asr in order:
                    took, text = timed_text(asr, audio)
                    per_side[label].append(took)
                    if repeat == 0:
                        errors[label].append(word_error_rate(row["text"], text or ""))
            for label, values in per_side.items():
                seconds[label].append(statistics.median(values))
            print(row["id"], "  ".join(f"{k} {statistics.median(v):.2f}"
                                       for k, v in per_side.items()), flush=True)
    for label, _ in sides:
        print(f"{label:14s} median {statistics.median(seconds[label]):.2f} s, worst "
              f"{max(seconds[label]):.2f} s, mean WER {statistics.fmean(errors[label]):.3f} "
              f"over {len(errors[label])} requests", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path,
                        default=[HERE / "requests", HERE / "requests_hard"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ab", choices=sorted(VARIANTS),
                        help="compare two settings (WER and seconds) instead of profiling")
    args = parser.parse_args()
    if args.ab:
        ab(args.folders, args.ab, args.repeats)
        return
    profile(args.folders, args.repeats)


def profile(folders: list[Path], repeats: int) -> None:
    """Per request: median seconds per stage, the passes, WER; then the worst case."""
    asr = FasterWhisperTranscriber()
    asr.load()
    log = instrument(asr)
    asr.transcribe(read_audio(HERE / "requests" / "en01.wav", 16_000))  # warm-up
    stages = ("vad", "features", "encode", "detect_language", "generate")
    print("request        total  " + "  ".join(f"{s[:8]:>8s}" for s in stages)
          + "  passes(tokens)  WER")
    worst: list[tuple[float, str]] = []
    for folder in folders:
        for row in rows_of(folder):
            audio = read_audio(folder / f"{row['id']}.wav", 16_000)
            runs = []
            for _ in range(repeats):
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
            worst.append((max(r[0] for r in runs), row["id"]))
    slowest, request = max(worst)
    over = sum(1 for seconds, _ in worst if seconds > asr.max_seconds)
    print(f"worst case {slowest:.2f} s ({request}); {over} of {len(worst)} requests over the "
          f"{asr.max_seconds:.2f} s budget (shared machine: upper bounds)")




if __name__ == "__main__":
    main()
