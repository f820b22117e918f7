"""Does the model answer in the person's language when a session switches languages?

Usage (from the repo root, after scripts/setup.sh):

    .venv/bin/python benchmarks/language_mix_bench.py

Types the 24 request texts of benchmarks/requests/requests.tsv into one session (history
kept): two English then one Spanish four times, then two Spanish then one English four
times, and counts the replies whose text came out in the wrong language (the agent then
speaks a template in the right one).
"""

from __future__ import annotations

import csv
import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from voice_agent.core.config import AgentConfig  # noqa: E402
from voice_agent import responder as responders  # noqa: E402
from voice_agent.pipeline.turns import Pipeline  # noqa: E402


def interleaved(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """en, en, es x4 then es, es, en x4 (12 of each language)."""
    english = [r for r in rows if r["language"] == "en"]
    spanish = [r for r in rows if r["language"] == "es"]
    order: list[dict[str, str]] = []
    for i in range(4):
        order += [english[2 * i], english[2 * i + 1], spanish[i]]
    for i in range(4):
        order += [spanish[4 + 2 * i], spanish[5 + 2 * i], english[8 + i]]
    return order


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    with open(HERE / "requests" / "requests.tsv", encoding="utf-8") as table:
        rows = list(csv.DictReader(table, delimiter="\t"))
    pipeline = Pipeline(None, responders.select(AgentConfig().llm), None, {})
    pipeline.load()
    order = interleaved(rows)
    wrong = 0
    history = pipeline.new_history()  # one session: each turn sees the ones before it
    for row in order:
        turn = pipeline.run(text=row["text"], language=row["language"], history=history)
        history.append(turn)
        missed = "wrong language" in turn.reply.note
        wrong += missed
        print(row["id"], "WRONG" if missed else "ok   ", turn.reply.say[:70], flush=True)
    print(f"replies in the wrong language: {wrong}/{len(order)}")


if __name__ == "__main__":
    main()
