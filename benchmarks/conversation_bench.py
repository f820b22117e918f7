"""Scripted conversations, each turn a separate ``voice-agent run --session`` process.

Usage (from the repo root, after scripts/setup.sh):

    .venv/bin/python benchmarks/conversation_bench.py                     # every script
    .venv/bin/python benchmarks/conversation_bench.py --limit 2 --llm-backend rules

Reads the conversations in ``benchmarks/conversations/*.json`` (the format is described
in each file's "about"), runs every turn as its own process in one session per
conversation, with a fresh library per run, and checks each turn twice:

- *edit correctness*: the plan changed as the script asks, field by field (intent, equal
  fields, tempo/length up or down, fields kept, instruments had or lacked, the version
  made or gone back to, no language model for a command);
- *truthfulness*: every genre, instrument, key, tempo and length the reply names is true
  of the plan made (``voice_agent.responder.truth.check_say`` where that module exists;
  otherwise the column is empty and the summary says so).

Writes ``rows.jsonl`` (one row per turn) and ``summary.json`` into the output folder
(default ``benchmarks/results/conversations``), with rates per language. Each process
loads the models, so a full run takes minutes per conversation: on a shared machine run
a couple with ``--limit``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from voice_agent.core.plan import plan_from_dict  # noqa: E402

DEFAULT_OUT = HERE / "results" / "conversations"
PLAN_FIELDS = ("genre", "bpm", "key", "mode", "instruments", "mood", "duration_s", "seed")


def load_conversations(folder: Path, limit: int | None) -> list[dict[str, Any]]:
    """Every conversation in ``folder/*.json``, in file then script order."""
    found = []
    for path in sorted(folder.glob("*.json")):
        for conversation in json.loads(path.read_text(encoding="utf-8"))["conversations"]:
            found.append({**conversation, "file": path.name})
    return found[:limit] if limit else found


def run_turn(text: str, language: str, session: str, work: Path, index: int,
             flags: list[str]) -> tuple[dict[str, Any] | None, str, float]:
    """One ``voice-agent run`` process; (its turn record or None, its output, seconds)."""
    out = work / f"{session}-{index:02d}"
    command = [sys.executable, "-m", "voice_agent.cli", "run", "--text", text,
               "--language", language, "--session", session, "--no-speech", "--no-compare",
               "--library-dir", str(work / "library"), "--out", str(out), *flags]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - start
    record_path = out / "turn.json"
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.is_file() else None
    return record, result.stdout + result.stderr, seconds


def edit_failures(expect: dict[str, Any], record: dict[str, Any] | None,
                  previous: dict[str, Any] | None,
                  versions: dict[int, dict[str, Any]]) -> list[str]:
    """What in ``expect`` the turn did not do (empty when it did everything)."""
    if record is None or record.get("reply") is None:
        return ["the turn produced no reply"]
    reply, library = record["reply"], record.get("library") or {}
    plan = reply.get("plan")
    failures = []
    if "intent" in expect and reply["intent"] != expect["intent"]:
        failures.append(f"intent {reply['intent']} (expected {expect['intent']})")
    if expect.get("no_plan"):
        if plan is not None:
            failures.append("the turn has a plan (it should leave the current one alone)")
    elif any(k in expect for k in ("plan", "bpm", "duration", "same", "has", "lacks",
                                   "plan_of_version")) and plan is None:
        return failures + ["no plan"]
    for name, value in (expect.get("plan") or {}).items():
        if plan[name] != value:
            failures.append(f"{name} {plan[name]!r} (expected {value!r})")
    for name, field in (("bpm", "bpm"), ("duration", "duration_s")):
        direction = expect.get(name)
        if direction and previous is not None:
            before, after = previous[field], plan[field]
            if (direction == "up" and not after > before) or \
                    (direction == "down" and not after < before):
                failures.append(f"{field} {before} -> {after} (expected {direction})")
    for name in expect.get("same", ()):
        if previous is not None and plan[name] != previous[name]:
            failures.append(f"{name} changed {previous[name]!r} -> {plan[name]!r}")
    failures += [f"no {i}" for i in expect.get("has", ()) if i not in plan["instruments"]]
    failures += [f"still has {i}" for i in expect.get("lacks", ()) if i in plan["instruments"]]
    number = expect.get("plan_of_version")
    if number is not None and versions.get(number) != plan:
        failures.append(f"plan is not version {number}'s")
    if "version" in expect and library.get("version") != expect["version"]:
        failures.append(f"version {library.get('version')} (expected {expect['version']})")
    if "versions" in expect and list(library.get("versions") or []) != expect["versions"]:
        failures.append(f"played versions {library.get('versions')} "
                        f"(expected {expect['versions']})")
    if expect.get("no_llm") and "llm" in (record.get("timings") or {}):
        failures.append("the language model ran for a command")
    return failures


def untrue_claims(record: dict[str, Any] | None,
                  previous: dict[str, Any] | None) -> list[str] | None:
    """What the reply says that its plan does not bear out; None when it cannot be checked."""
    try:
        from voice_agent.responder.truth import check_say
    except ImportError:
        return None
    if record is None or record.get("reply") is None:
        return None
    reply = record["reply"]
    if reply["intent"] == "compare":
        return None  # the reply describes two plans, one per version
    plan = plan_from_dict(reply["plan"]) if reply.get("plan") else None
    before = plan_from_dict(previous) if previous else None
    return list(check_say(reply["say"], plan, reply["language"], before))


def run_conversation(conversation: dict[str, Any], work: Path,
                     flags: list[str]) -> list[dict[str, Any]]:
    """Every turn of one conversation, each in its own process; one row per turn."""
    session = f"bench-{conversation['id']}"
    rows, previous, versions = [], None, {}
    for index, turn in enumerate(conversation["turns"], 1):
        record, output, seconds = run_turn(turn["text"], turn["language"], session, work,
                                           index, flags)
        expect = turn.get("expect") or {}
        failures = edit_failures(expect, record, previous, versions)
        untrue = untrue_claims(record, previous)
        reply = (record or {}).get("reply") or {}
        library = (record or {}).get("library") or {}
        rows.append({"conversation": conversation["id"], "file": conversation["file"],
                     "turn": index, "language": turn["language"], "input": "typed",
                     "mode": "process", "text": turn["text"], "say": reply.get("say"),
                     "intent": reply.get("intent"), "plan": reply.get("plan"),
                     "version": library.get("version"), "edit_ok": not failures,
                     "edit_failures": failures,
                     "truth_ok": None if untrue is None else not untrue, "untrue": untrue,
                     "seconds": round(seconds, 2),
                     "error": None if record else output[-400:]})
        if library.get("version") is not None and reply.get("plan") and \
                library["version"] not in versions:
            versions[library["version"]] = reply["plan"]
        if reply.get("plan"):
            previous = reply["plan"]
        print(f"{conversation['id']} {index}: {'ok ' if not failures else 'BAD'} "
              f"{turn['text']!r} -> {reply.get('say')!r}"
              + (f"  [{'; '.join(failures)}]" if failures else "")
              + (f"  untrue: {untrue}" if untrue else ""), flush=True)
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Edit correctness and truthfulness, overall and per language."""
    def rates(subset: list[dict[str, Any]]) -> dict[str, Any]:
        checked = [r for r in subset if r["truth_ok"] is not None]
        return {"turns": len(subset),
                "edit_correct": round(sum(r["edit_ok"] for r in subset) / len(subset), 4)
                if subset else None,
                "truthful": round(sum(r["truth_ok"] for r in checked) / len(checked), 4)
                if checked else None,
                "truth_checked": len(checked)}

    by_language: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_language[row["language"]].append(row)
    return {"all": rates(rows), **{lang: rates(r) for lang, r in sorted(by_language.items())}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", default=str(HERE / "conversations"),
                        help="folder of conversation JSON files")
    parser.add_argument("--limit", type=int, help="run only the first N conversations")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="results folder")
    parser.add_argument("--llm-backend", help="passed to voice-agent run (e.g. rules)")
    parser.add_argument("--music-backend", help="passed to voice-agent run")
    args = parser.parse_args(argv)
    flags = []
    if args.llm_backend:
        flags += ["--llm-backend", args.llm_backend]
    if args.music_backend:
        flags += ["--music-backend", args.music_backend]
    conversations = load_conversations(Path(args.scripts), args.limit)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="conversation-bench-") as work:
        for conversation in conversations:
            rows += run_conversation(conversation, Path(work), flags)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "rows.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = {"conversations": len(conversations), "flags": flags,
               "rates": summarise(rows),
               "truth_check": "voice_agent.responder.truth.check_say"
               if any(r["truth_ok"] is not None for r in rows) else "not available"}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary["rates"], indent=2))
    print(f"wrote {out / 'rows.jsonl'} and {out / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
