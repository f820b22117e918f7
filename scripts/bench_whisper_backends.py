#!/usr/bin/env python
"""Seconds to transcribe one spoken request with each Whisper backend (median after a warm-up).

    python scripts/bench_whisper_backends.py REQUEST.wav [--runs 3] [--beam-size 5]

Both backends run the same Whisper base weights: faster-whisper int8 (CTranslate2) and
openai-whisper fp32 (PyTorch, the converted checkpoint), with the product's settings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from voice_agent.core.audio import read_audio
from voice_agent.asr.faster_whisper import FasterWhisperTranscriber
from voice_agent.asr.openai_whisper import OpenAIWhisperTranscriber


def time_backend(transcriber, audio, runs: int) -> tuple[list[float], str]:
    """Load, warm up once, then time ``runs`` transcriptions."""
    transcriber.load()
    transcriber.transcribe(audio)
    seconds, text = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        text = transcriber.transcribe(audio).text
        seconds.append(time.perf_counter() - start)
    return seconds, text


def main() -> None:
    """Print one line per backend: median, all runs, transcript."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wav")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    audio = read_audio(args.wav)
    print(f"audio {audio.duration_s:.2f} s, beam {args.beam_size}, threads {args.threads}, "
          f"load average before {os.getloadavg()[0]:.1f}")
    backends = {
        "faster-whisper int8": FasterWhisperTranscriber(beam_size=args.beam_size,
                                                        threads=args.threads),
        "openai-whisper fp32": OpenAIWhisperTranscriber(beam_size=args.beam_size,
                                                        threads=args.threads),
    }
    for name, transcriber in backends.items():
        seconds, text = time_backend(transcriber, audio, args.runs)
        runs = ", ".join(f"{s:.2f}" for s in seconds)
        print(f"{name}: median {statistics.median(seconds):.2f} s (runs {runs}) "
              f"load average {os.getloadavg()[0]:.1f} -> {text!r}")


if __name__ == "__main__":
    main()
