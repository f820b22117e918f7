"""What the beam's alternatives cost: Whisper base recognising the same requests with the
next-best hypotheses kept (``BeamHypotheses``, 4 per pass) and without (1), in turn.

CTranslate2 returns the other hypotheses from the same beam search, but a search that must
finish four hypotheses may run a few steps longer than one that finishes the best. This
measures it on spoken requests cached by the conversation benchmark (or any folder of
WAV files), each recognised both ways, the order alternating per request, with a budget
wide enough that no pass is cut.

    python benchmarks/asr_alternatives_cost.py --limit 60 --out benchmarks/results/asr_alternatives_cost
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from load_bench import percentile  # noqa: E402  (nearest rank, as the load benchmark's)

from voice_agent.asr.faster_whisper import BeamHypotheses, FasterWhisperTranscriber  # noqa: E402
from voice_agent.core import cpu  # noqa: E402
from voice_agent.core.audio import read_audio  # noqa: E402

DEFAULT_AUDIO = HERE / "conversations" / "audio"


def recognise(transcriber: FasterWhisperTranscriber, wav: Path, hypotheses: int) -> dict:
    """One recognition of ``wav`` keeping ``hypotheses`` per pass: seconds, words, alternatives."""
    beam = transcriber._model.model
    assert isinstance(beam, BeamHypotheses)
    beam.hypotheses = hypotheses
    transcriber._model.encode._key = None  # encode anew: the memo would spare the second run
    audio = read_audio(wav)
    start = time.perf_counter()
    transcript = transcriber.transcribe(audio)
    return {"seconds": time.perf_counter() - start, "text": transcript.text,
            "alternatives": len(transcript.alternatives)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio-dir", default=str(DEFAULT_AUDIO))
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)
    wavs = sorted(Path(args.audio_dir).glob("*.wav"))[:args.limit]
    if not wavs:
        print(f"no WAV files in {args.audio_dir}: run the conversation benchmark's spoken "
              "variant first, or give --audio-dir", file=sys.stderr)
        return 2
    transcriber = FasterWhisperTranscriber(max_seconds=30.0)
    transcriber.load()
    recognise(transcriber, wavs[0], 1)  # warm-up: the first encode pays one-time costs
    rows = []
    for index, wav in enumerate(wavs):
        order = (4, 1) if index % 2 == 0 else (1, 4)
        runs = {n: recognise(transcriber, wav, n) for n in order}
        rows.append({"wav": wav.name, "with_s": round(runs[4]["seconds"], 4),
                     "without_s": round(runs[1]["seconds"], 4),
                     "same_words": runs[4]["text"] == runs[1]["text"],
                     "alternatives": runs[4]["alternatives"]})
    extra = [r["with_s"] - r["without_s"] for r in rows]
    summary = {
        "cpu": cpu.describe(), "requests": len(rows),
        "without_median_s": round(statistics.median(r["without_s"] for r in rows), 3),
        "with_median_s": round(statistics.median(r["with_s"] for r in rows), 3),
        "extra_median_s": round(statistics.median(extra), 3),
        "extra_p95_s": round(percentile(extra, 95), 3),
        "without_p95_s": round(percentile([r["without_s"] for r in rows], 95), 3),
        "with_p95_s": round(percentile([r["with_s"] for r in rows], 95), 3),
        "same_words": sum(r["same_words"] for r in rows),
        "with_alternatives": sum(r["alternatives"] > 0 for r in rows),
    }
    print(json.dumps(summary, indent=2))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (out / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows),
                                        encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
