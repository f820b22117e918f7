"""Replay what a spoken run heard, typed, through today's code: how much of speech's cost
is still mishearing, and what a change to the repairs or the reading wins on it.

Usage (from the repo root, after one spoken run of ``benchmarks/conversation_bench.py``):

    .venv/bin/python benchmarks/heard_replay.py benchmarks/results/conversations_fresh15_spoken \\
        benchmarks/results/conversations_fresh16_spoken --out /tmp/heard

Each spoken turn's transcript (as the recogniser wrote it then, in ``rows.jsonl``) is
mended by today's ``asr.repair.mend`` and put in place of the turn's text in a copy of its
conversation; the copies are then played typed with the rules responder, every turn in
one process, and scored by the conversation benchmark's own checks. No audio is needed
and no model runs, so a round of repairs can be measured in minutes, on any machine.

It is not a spoken run: the recogniser's other beam hypotheses (which the agent reads
when the words ask for nothing) are not stored and play no part, and each turn is read in
the language its script says rather than the one detected. Every transcript replayed here
was seen when the repairs were tuned, so its figures are tuning figures: a blind spoken
run is the clean one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import conversation_bench  # noqa: E402
from voice_agent.asr.repair import mend  # noqa: E402

#: what stands for a turn the recogniser heard nothing of (the agent says it did not catch it)
SILENT = "..."


def heard_turns(results: Path) -> dict[str, dict[tuple[str, int], tuple[str, str]]]:
    """Conversation file -> (conversation id, turn number) -> (transcript, language heard)."""
    heard: dict[str, dict[tuple[str, int], tuple[str, str]]] = defaultdict(dict)
    with open(results / "rows.jsonl", encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            if row.get("input") == "spoken":
                heard[row["file"]][(row["conversation"], row["turn"])] = (
                    row.get("transcript") or "", row.get("heard_language") or row["language"])
    return heard


def heard_conversations(script: dict[str, Any], heard: dict[tuple[str, int], tuple[str, str]]
                        ) -> list[dict[str, Any]]:
    """The conversations of ``script`` that were spoken, each turn's text the mended
    transcript (the text as written kept as ``written``)."""
    played = []
    for conversation in script["conversations"]:
        if (conversation["id"], 1) not in heard:
            continue
        turns = []
        for number, turn in enumerate(conversation["turns"], 1):
            text, language = heard.get((conversation["id"], number), ("", turn.get("language", "en")))
            turns.append({**turn, "text": mend(text, language) if text.strip() else SILENT,
                          "written": turn["text"]})
        played.append({**conversation, "turns": turns})
    return played


def write_heard_scripts(result_dirs: list[Path], scripts: Path, folder: Path) -> list[str]:
    """One heard conversation file per conversation file of the runs; their names."""
    names = []
    for results in result_dirs:
        for file, heard in heard_turns(results).items():
            script = json.loads((scripts / file).read_text(encoding="utf-8"))
            name = f"heard_{results.name}_{file}"
            about = f"What {results} heard of {file}, mended by today's repairs (heard_replay.py)."
            (folder / name).write_text(json.dumps(
                {"about": about, "conversations": heard_conversations(script, heard)},
                ensure_ascii=False, indent=1), encoding="utf-8")
            names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    """Write the heard scripts, play them typed with the rules, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="results folders of spoken runs")
    parser.add_argument("--scripts", type=Path, default=conversation_bench.DEFAULT_SCRIPTS,
                        help="folder of the conversation files the runs played")
    parser.add_argument("--out", default=str(HERE / "results" / "heard_replay"), help="results folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="heard-replay-") as folder:
        names = write_heard_scripts(args.results, args.scripts, Path(folder))
        if not names:
            print("no spoken turns in those results", file=sys.stderr)
            return 2
        return conversation_bench.main(["--scripts", folder, "--only", ",".join(names),
                                        "--typed-only", "--llm-backend", "rules",
                                        "--separate-share", "0", "--out", args.out])


if __name__ == "__main__":
    sys.exit(main())
