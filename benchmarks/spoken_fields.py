"""Does the agent read the same request from speech as from its text? Field by field.

Usage (from the repo root, after scripts/setup.sh and one spoken run of
``benchmarks/conversation_bench.py``, which caches the synthesised requests):

    .venv/bin/python benchmarks/spoken_fields.py                         # every cached request
    .venv/bin/python benchmarks/spoken_fields.py --only eval_fresh8.json --out /tmp/fields

Every request of the conversation files whose spoken version is cached under
``benchmarks/conversations/audio/`` (said by Piper in English, Kokoro in Spanish) is heard
by the configured speech recogniser, language left to detection, and mended
(``asr.repair``) as the pipeline does. Then the same readers the agent uses pull out of the
transcript and of the typed text: the genre, instruments, mood, tempo, tempo direction,
key, mode, length and library/version command. A field *agrees* when both readings give
the same value (both none included). Recognition has a generous time budget here
(``--max-seconds``, default 30 s), so the figures measure what is heard, not how fast:
they are comparable between runs on any machine, busy or idle.

Writes ``rows.jsonl`` (per request: text, transcript, each field from both) and
``summary.md`` / ``summary.json`` (agreement per field and language, requests with every
field in agreement, word error rate) into ``--out`` (default
``benchmarks/results/spoken_fields``). The requests were written for the conversation
sets, and the ASR repairs were tuned on some of them (docs/sessions.md says which sets were
blind when), so compare runs with each other rather than reading one as a clean figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import platform
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from conversation_bench import AUDIO_CACHE, DEFAULT_SCRIPTS, audio_path, load_conversations  # noqa: E402
from voice_agent.asr import select as select_transcriber  # noqa: E402
from voice_agent.asr.repair import mend_transcript  # noqa: E402
from voice_agent.core.audio import read_audio  # noqa: E402
from voice_agent.core.config import load_config  # noqa: E402
from voice_agent.core import cpu  # noqa: E402
from voice_agent.core.errors import VoiceAgentError  # noqa: E402
from voice_agent.core.language import word_error_rate  # noqa: E402
from voice_agent.core.types import Transcript  # noqa: E402
from voice_agent.core.vocabulary import find_genre, find_instruments  # noqa: E402
from voice_agent.responder.reading import read_request  # noqa: E402
from voice_agent.responder.grounding import (find_bpm, find_duration, find_key,  # noqa: E402
                                             find_mood, tempo_direction)

DEFAULT_OUT = HERE / "results" / "spoken_fields"
FIELDS = ("genre", "instruments", "mood", "bpm", "tempo", "key", "mode", "length", "command")


def read_fields(text: str, language: str) -> dict[str, Any]:
    """What the agent's readers take from ``text``, one value per field (None: not said);
    the command as read with no question pending ("vale, súbele el tempo" is no yes)."""
    key, mode = find_key(text)
    command = read_request(text, language, awaiting_answer=False).command
    return {"genre": find_genre(text), "instruments": sorted(find_instruments(text)),
            "mood": find_mood(text), "bpm": find_bpm(text), "tempo": tempo_direction(text),
            "key": key, "mode": mode, "length": find_duration(text),
            "command": command.intent.value if command else None}


def requests_with_audio(scripts: Path, only: list[str], audio_dir: Path) -> list[dict[str, str]]:
    """Every distinct (text, language) of the conversation files whose audio is cached."""
    seen, found = set(), []
    for conversation in load_conversations(scripts, only):
        for turn in conversation.turns:
            item = (turn["text"], turn.get("language", "en"))
            path = audio_path(*item, audio_dir)
            if item not in seen and path.exists():
                seen.add(item)
                found.append({"text": item[0], "language": item[1], "file": conversation.file,
                              "audio": str(path)})
    return found


def hear(transcriber, request: dict[str, str]) -> dict[str, Any]:
    """One request heard and read both ways."""
    try:
        heard = mend_transcript(transcriber.transcribe(read_audio(request["audio"])))
    except VoiceAgentError as error:  # silence, garble: nothing read from speech
        heard = Transcript("", request["language"])
        note = str(error)
    else:
        note = ""
    typed = read_fields(request["text"], request["language"])
    spoken = read_fields(heard.text, heard.language)
    agree = {name: typed[name] == spoken[name] for name in FIELDS}
    return {**request, "transcript": heard.text, "heard_language": heard.language,
            "note": note, "typed": typed, "spoken": spoken, "agree": agree,
            "all_agree": all(agree.values()),
            "wer": word_error_rate(request["text"], heard.text)}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Agreement per field, per language and overall."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups["all"].append(row)
        groups[row["language"]].append(row)
    table = {}
    for name, members in groups.items():
        said = {field: [r for r in members if r["typed"][field] not in (None, [])]
                for field in FIELDS}
        table[name] = {
            "requests": len(members),
            "all_fields": sum(r["all_agree"] for r in members) / len(members),
            "wer": sum(r["wer"] for r in members) / len(members),
            # a field's agreement where the text says it (a field not said is easy to agree on)
            **{f"{field}_said": (len(said[field]),
                                 sum(r["agree"][field] for r in said[field]) / len(said[field])
                                 if said[field] else None) for field in FIELDS},
        }
    return table


def write_report(rows: list[dict[str, Any]], out: Path, settings: dict[str, Any]) -> str:
    """rows.jsonl, summary.json and summary.md; returns the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "rows.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    table = summarise(rows)
    (out / "summary.json").write_text(json.dumps({"settings": settings, "groups": table},
                                                 indent=1, ensure_ascii=False))
    lines = [f"# Fields read from speech vs text ({settings['started']})", "",
             f"{len(rows)} requests; {settings['asr']}; {settings['cpu']}.", "",
             "| group | requests | every field agrees | WER | "
             + " | ".join(FIELDS) + " |", "|---" * (4 + len(FIELDS)) + "|"]
    for name, row in table.items():
        cells = [f"{row[f + '_said'][1]:.1%} ({row[f + '_said'][0]})"
                 if row[f + "_said"][1] is not None else "-" for f in FIELDS]
        lines.append(f"| {name} | {row['requests']} | {row['all_fields']:.1%} | "
                     f"{row['wer']:.3f} | " + " | ".join(cells) + " |")
    lines += ["", "A field's column: how often speech gives the text's value, over the requests "
              "whose text says it (their count in brackets).", "", "## Requests read differently",
              ""]
    for row in rows:
        if not row["all_agree"]:
            wrong = [f"{f}: {row['typed'][f]} -> {row['spoken'][f]}" for f in FIELDS
                     if not row["agree"][f]]
            lines.append(f"- ({row['language']}) {row['text']!r} heard {row['transcript']!r}: "
                         + "; ".join(wrong))
    markdown = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(markdown, encoding="utf-8")
    return markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scripts", default=str(DEFAULT_SCRIPTS), help="conversation files folder")
    parser.add_argument("--only", default="", help="comma-separated conversation file names")
    parser.add_argument("--audio-dir", default=str(AUDIO_CACHE), help="cached request audio")
    parser.add_argument("--config", help="TOML config file (its [asr] section is used)")
    parser.add_argument("--max-seconds", type=float, default=30.0,
                        help="recognition's time budget per request (generous: accuracy)")
    parser.add_argument("--limit", type=int, help="only the first N requests")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="results folder")
    args = parser.parse_args(argv)
    requests = requests_with_audio(Path(args.scripts), [f for f in args.only.split(",") if f],
                                   Path(args.audio_dir))[:args.limit]
    if not requests:
        raise SystemExit("no cached request audio: run benchmarks/conversation_bench.py "
                         "--spoken-only once first")
    config = load_config(args.config)
    asr = dataclasses.replace(config.asr, max_seconds=args.max_seconds)
    transcriber = select_transcriber(asr)
    transcriber.load()
    settings = {"started": datetime.datetime.now().isoformat(timespec="seconds"),
                "asr": f"{asr.backend} {transcriber.model_id}, bias {asr.bias_music_vocabulary}",
                "cpu": cpu.describe(), "machine": platform.machine()}
    rows = []
    for index, request in enumerate(requests, 1):
        rows.append(hear(transcriber, request))
        if index % 25 == 0:
            print(f"{index}/{len(requests)}", file=sys.stderr, flush=True)
    print(write_report(rows, Path(args.out), settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
