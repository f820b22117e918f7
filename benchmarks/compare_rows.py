"""Compare two conversation-benchmark runs turn by turn: which turns a change fixed, which
it broke, and which changed their plan or words without changing their score.

Usage (two ``rows.jsonl`` of ``benchmarks/conversation_bench.py`` over the same sets, e.g.
``--typed-only --llm-backend rules --separate-share 0 --music-backend none`` before and
after a change):

    .venv/bin/python benchmarks/compare_rows.py /tmp/before/rows.jsonl /tmp/after/rows.jsonl

A turn is keyed by its file, conversation, turn number, mode and input, so only turns both
runs played are compared. With the music off, version and playlist commands have no clips
to act on: a turn that "breaks" there may pass with music, and the absolute scores of such
a run are no edit-correctness result.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

Key = tuple[str, str, int, str, str]


def load_rows(path: Path) -> dict[Key, dict[str, Any]]:
    """The rows of one run by turn key."""
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows[(row["file"], row["conversation"], row["turn"], row["mode"], row["input"])] = row
    return rows


def passed(row: dict[str, Any]) -> bool:
    """Edited as asked and not untrue (a turn with nothing to judge is not untrue)."""
    return bool(row["edit_ok"]) and row["truth_ok"] is not False


def compare(before: dict[Key, dict[str, Any]], after: dict[Key, dict[str, Any]]) -> dict[str, list[Key]]:
    """The keys of turns fixed, broken, and changed in plan or words with the same score."""
    found: dict[str, list[Key]] = {"fixed": [], "broke": [], "changed": []}
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            continue
        if passed(old) != passed(new):
            found["fixed" if passed(new) else "broke"].append(key)
        elif old.get("plan") != new.get("plan") or old.get("say") != new.get("say"):
            found["changed"].append(key)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    before, after = load_rows(args.before), load_rows(args.after)
    found = compare(before, after)
    for kind in ("fixed", "broke", "changed"):
        for key in found[kind]:
            row = after[key]
            print(f"{kind.upper():8} {key[1]} turn {key[2]} {row['text'][:90]!r} | "
                  f"{row.get('edit_failures')} | {before[key].get('say', '')[:60]!r} => {row.get('say', '')[:60]!r}")
    print(f"{len(set(before) & set(after))} turns in both runs: {len(found['fixed'])} fixed, "
          f"{len(found['broke'])} broke, {len(found['changed'])} changed with the same score")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
