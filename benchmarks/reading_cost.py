"""How long reading a request takes: the repairs, the reading and the rule reply, per request.

Usage (from the repo root, after scripts/setup.sh):

    .venv/bin/python benchmarks/reading_cost.py --out benchmarks/results/reading_cost

Every request of the conversation sets (``benchmarks/conversations/*.json``) is read the
way a turn reads it, after a first clip exists: ``asr.repair.mend`` (what a recognised
request goes through), ``responder.reading.read_request`` against a previous plan, and
``responder.replies.rule_reply`` (the words-only reply an authoritative reading gets).
Each request is read ``--runs`` times; the report gives the median, 95th percentile and
slowest of the per-request medians, in milliseconds, with the CPU. The rules are regular
expressions that grow with each round of fixes: this keeps their cost in view, since it
is paid on every turn before the first word can be spoken.
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
from voice_agent.asr.repair import mend  # noqa: E402
from voice_agent.core import cpu  # noqa: E402
from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn  # noqa: E402
from voice_agent.responder.reading import read_request  # noqa: E402
from voice_agent.responder.replies import rule_reply  # noqa: E402

PREVIOUS = MusicPlan(genre="salsa", bpm=180, key="A", mode="minor",
                     instruments=("piano", "bass", "congas", "trumpet", "saxophone"),
                     mood="energetic", duration_s=15.0, seed=11)


def requests(folder: Path) -> list[tuple[str, str]]:
    """Every distinct (text, language) of the conversation files."""
    seen: dict[tuple[str, str], None] = {}
    for path in sorted(folder.glob("*.json")):
        for conversation in json.loads(path.read_text(encoding="utf-8"))["conversations"]:
            for turn in conversation["turns"]:
                seen.setdefault((turn["text"], turn.get("language", "en")), None)
    return list(seen)


def read_once(text: str, language: str, history: tuple[Turn, ...]) -> float:
    """Seconds to mend, read and answer one request from its words."""
    start = time.perf_counter()
    mended = mend(text, language)
    reading = read_request(mended, language, PREVIOUS, awaiting_answer=False)
    rule_reply(Transcript(mended, language), history, 15.0, reading=reading)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scripts", default=str(HERE / "conversations"))
    parser.add_argument("--runs", type=int, default=5, help="readings per request")
    parser.add_argument("--out", help="folder for summary.json (optional)")
    args = parser.parse_args(argv)
    first = Reply(say="", music_prompt="", intent=Intent.MAKE_MUSIC, plan=PREVIOUS, language="en")
    history = (Turn(turn_id="t0", created_at="", request="a salsa", transcript=None, reply=first),)
    texts = requests(Path(args.scripts))
    for text, language in texts[:50]:  # warm the compiled patterns and caches
        read_once(text, language, history)
    medians = [statistics.median(read_once(t, lang, history) for _ in range(args.runs)) * 1000
               for t, lang in texts]
    slowest = max(range(len(texts)), key=medians.__getitem__)
    summary = {"requests": len(texts), "runs": args.runs, "cpu": cpu.describe(),
               "median_ms": round(statistics.median(medians), 3),
               "p95_ms": round(percentile(medians, 95), 3),
               "max_ms": round(medians[slowest], 3), "slowest": texts[slowest][0]}
    print(f"{summary['requests']} requests on {summary['cpu']}: median {summary['median_ms']} ms, "
          f"p95 {summary['p95_ms']} ms, slowest {summary['max_ms']} ms ({summary['slowest']!r})")
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "summary.json").write_text(json.dumps(summary, indent=1,
                                                                ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
