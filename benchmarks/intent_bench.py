"""Intent accuracy on a fixed set of spoken-style commands (English and Spanish).

Usage (from the repo root, after scripts/setup.sh):

    .venv/bin/python benchmarks/intent_bench.py --spoken --out benchmarks/results/intents  # all readers
    .venv/bin/python benchmarks/intent_bench.py --rules-only --out out/intents

Each row of benchmarks/intents/commands.tsv names the expected intent, playlist and item
number. Every command runs after one earlier music turn (so refine / replay are possible).
Three readers are scored:

- ``rules``: the deterministic parser alone (plan_parsing.detect_intent + command_parsing).
- ``model``: the raw intent (and playlist / item fields) in the llama.cpp model's JSON
  answer, before any grounding.
- ``agent``: what the agent acts on: the model's answer grounded by
  replies.reply_from_model_output (clear command words are authoritative).

"intent" counts the intent alone; "exact" also needs the right playlist and item.

``--spoken`` also speaks every command with the base voice (Piper for English, Kokoro for
Spanish), transcribes it with Whisper base (language detected between en and es) and
scores the rule parser on those transcripts (``spoken_rules``): real ASR output, with its
casing, punctuation and mistakes.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from voice_agent.responder.commands import canonical_playlist, parse_command  # noqa: E402
from voice_agent.responder.grounding import detect_intent  # noqa: E402
from voice_agent.pipeline.record import library_versions  # noqa: E402
from voice_agent.responder.replies import (REPLY_SCHEMA, chat_messages, parse_json_object,  # noqa: E402
                                 reply_from_model_output)
from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn  # noqa: E402

COMMANDS = HERE / "intents" / "commands.tsv"
HISTORY = (Turn("bench", "now", "text", Transcript("play some relaxing jazz", "en"),
                Reply("Here's some relaxing jazz.", "calm jazz", Intent.MAKE_MUSIC,
                      MusicPlan(genre="jazz", bpm=100, mood="calm", seed=11), "en")),)


def load_commands(path: Path = COMMANDS) -> list[dict[str, object]]:
    """The labelled commands: id, lang, intent, playlist (None), item (None), text."""
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    for row in rows:
        row["playlist"] = None if row["playlist"] == "-" else row["playlist"]
        row["item"] = None if row["item"] == "-" else int(row["item"])
    return rows


def rules_reading(text: str) -> tuple[str, str | None, int | None]:
    """(intent, playlist, item) by the deterministic parser."""
    command = parse_command(text)
    intent = detect_intent(text, HISTORY)
    return intent.value, command.playlist if command else None, command.item if command else None


def model_reading(raw: str) -> tuple[str, str | None, int | None]:
    """(intent, playlist, item) as the model wrote them (unknown when not parseable)."""
    try:
        data = parse_json_object(raw)
    except ValueError:
        return "unparseable", None, None
    playlist = data.get("playlist")
    item = data.get("item")
    return (str(data.get("intent", "")),
            canonical_playlist(playlist) if isinstance(playlist, str) else None,
            item if isinstance(item, int) and item != 0 else None)


def score(rows: list[dict], reader: str) -> dict[str, object]:
    """Overall and per-intent accuracy of one reader's readings."""
    per_intent: dict[str, list[tuple[bool, bool]]] = collections.defaultdict(list)
    for row in rows:
        intent, playlist, item = row[reader]
        right = intent == row["intent"]
        per_intent[row["intent"]].append((right, right and (playlist, item) == (
            row["playlist"], row["item"])))
    flat = [r for results in per_intent.values() for r in results]
    return {
        "intent_accuracy": round(sum(r for r, _ in flat) / len(flat), 4),
        "exact_accuracy": round(sum(e for _, e in flat) / len(flat), 4),
        "per_intent": {name: {"n": len(results),
                              "intent": round(sum(r for r, _ in results) / len(results), 4),
                              "exact": round(sum(e for _, e in results) / len(results), 4)}
                       for name, results in sorted(per_intent.items())},
        "misses": [{"id": row["id"], "text": row["text"], "expected": [row["intent"],
                    row["playlist"], row["item"]], "got": list(row[reader])}
                   for row in rows if list(row[reader]) != [row["intent"], row["playlist"],
                                                            row["item"]]],
    }


def run_model(rows: list[dict], threads: int) -> float:
    """Ask llama.cpp about each command; store raw and grounded readings; median seconds."""
    from voice_agent.responder.llama_cpp import LlamaCppResponder

    responder = LlamaCppResponder(threads=threads)
    responder.load()
    seconds = []
    for row in rows:
        transcript = Transcript(row["text"], row["lang"])
        start = time.perf_counter()
        raw = responder.complete_json(chat_messages(transcript, HISTORY), REPLY_SCHEMA,
                                      responder.max_tokens)
        seconds.append(time.perf_counter() - start)
        reply = reply_from_model_output(raw, transcript, HISTORY, 15.0)
        row["raw"] = raw
        row["model"] = model_reading(raw)
        row["agent"] = (reply.intent.value, reply.playlist, reply.item)
        print(f"{row['id']}: {row['intent']:>12} model {row['model'][0]:>12} agent "
              f"{row['agent'][0]:>12}  {seconds[-1]:.1f}s", file=sys.stderr)
    return statistics.median(seconds)


def run_spoken(rows: list[dict]) -> float:
    """Speak, transcribe and rule-parse each command; word error rate of the transcripts."""
    from voice_agent.core.audio import ASR_RATE, resample
    from voice_agent.core.config import AgentConfig
    from voice_agent import asr
    from voice_agent.core.language import word_error_rate
    from voice_agent.speech import make_base_speaker

    speaker, transcriber = make_base_speaker(), asr.select(AgentConfig().asr)
    speaker.load()
    transcriber.load()
    errors = []
    for row in rows:
        audio = resample(speaker.speak(row["text"], row["lang"]), ASR_RATE)
        transcript = transcriber.transcribe(audio, None)
        row["heard"] = f"({transcript.language}) {transcript.text}"
        row["spoken_rules"] = rules_reading(transcript.text)
        errors.append(word_error_rate(row["text"], transcript.text))
        print(f"{row['id']}: heard {row['heard']!r} -> {row['spoken_rules'][0]}", file=sys.stderr)
    return statistics.mean(errors)


def markdown(results: dict) -> str:
    """A table per reader: accuracy per intent and overall."""
    readers = [r for r in ("rules", "spoken_rules", "model", "agent") if r in results["scores"]]
    lines = [f"{results['commands']} commands ({results['by_language']}); each after one "
             "earlier music turn.", "",
             "| intent | n | " + " | ".join(f"{r} intent | {r} exact" for r in readers) + " |",
             "|---|---|" + "---|---|" * len(readers)]
    first = results["scores"][readers[0]]["per_intent"]
    for name, data in first.items():
        cells = [f"{results['scores'][r]['per_intent'][name]['intent']:.2f} | "
                 f"{results['scores'][r]['per_intent'][name]['exact']:.2f}" for r in readers]
        lines.append(f"| {name} | {data['n']} | " + " | ".join(cells) + " |")
    cells = [f"**{results['scores'][r]['intent_accuracy']:.3f}** | "
             f"**{results['scores'][r]['exact_accuracy']:.3f}**" for r in readers]
    lines.append("| **all** | " + str(results["commands"]) + " | " + " | ".join(cells) + " |")
    if "spoken_wer" in results:
        lines += ["", f"spoken_rules: the commands spoken by the base voice and transcribed by "
                      f"Whisper base (mean WER {results['spoken_wer']:.3f}), then rule-parsed."]
    if "model_seconds_median" in results:
        lines += ["", f"llama.cpp seconds per command (median): {results['model_seconds_median']:.2f}"]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Score the readers and write results.json + results.md into --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/intents")
    parser.add_argument("--rules-only", action="store_true", help="skip the language model")
    parser.add_argument("--threads", type=int, default=1,
                        help="llama.cpp threads (1 is faster on a busy 2-core machine)")
    parser.add_argument("--spoken", action="store_true",
                        help="also speak each command (base voice), transcribe it and rule-parse it")
    args = parser.parse_args()
    rows = load_commands()
    for row in rows:
        row["rules"] = rules_reading(row["text"])
    results: dict[str, object] = {
        "commands": len(rows),
        "by_language": ", ".join(f"{n} {lang}" for lang, n in sorted(
            collections.Counter(r["lang"] for r in rows).items())),
        "scores": {"rules": score(rows, "rules")}, "versions": library_versions()}
    if args.spoken:
        results["spoken_wer"] = round(run_spoken(rows), 4)
        results["scores"]["spoken_rules"] = score(rows, "spoken_rules")
        results["heard"] = {row["id"]: row["heard"] for row in rows}
    if not args.rules_only:
        results["model_seconds_median"] = round(run_model(rows, args.threads), 3)
        results["scores"]["model"] = score(rows, "model")
        results["scores"]["agent"] = score(rows, "agent")
        results["raw_answers"] = {row["id"]: row["raw"] for row in rows}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    (out / "results.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
