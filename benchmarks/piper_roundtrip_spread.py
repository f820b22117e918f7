"""How much does the Piper base voice's round-trip WER vary from one synthesis to the next?

Usage (from the repo root, after scripts/setup.sh):

    .venv/bin/python benchmarks/piper_roundtrip_spread.py --repeat 12

Piper samples noise on every call, so the same sentence comes out a little differently
each time. Each reply is synthesised ``--repeat`` times and heard back by the agent's
Whisper; the WER spread is what bounds tests/test_headless.py's base-voice check.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voice_agent.asr.faster_whisper import FasterWhisperTranscriber  # noqa: E402
from voice_agent.speech.piper import PiperSpeaker  # noqa: E402
from voice_agent.core.language import word_error_rate  # noqa: E402

REPLIES = ("Here's some calm bossa nova at 130 BPM with nylon guitar, flute and upright bass. Enjoy!",
           "Sure, here's a smooth jazz beat with a saxophone for a rainy evening.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=12)
    args = parser.parse_args()
    speaker, asr = PiperSpeaker(), FasterWhisperTranscriber()
    speaker.load()
    asr.load()
    for text in REPLIES:
        wers = [word_error_rate(text, asr.transcribe(speaker.speak(text, "en")).text)
                for _ in range(args.repeat)]
        print(f"{text[:40]}...: mean {statistics.mean(wers):.3f}, "
              f"min {min(wers):.3f}, max {max(wers):.3f} over {len(wers)}", flush=True)


if __name__ == "__main__":
    main()
