"""Lyrics from the real llama.cpp model: how many are usable, how long they take, what they say.

Usage (from the repo root, after scripts/setup.sh):

    .venv/bin/python benchmarks/lyrics_bench.py --out benchmarks/results/lyrics

Runs the lyrics requests of benchmarks/intents/commands.tsv (intent "lyrics") through
voice_agent.library.LyricsWriter with the default Qwen2.5 0.5B GGUF. "llm" means the
model's lyrics passed the checks (structure, language, not repetitive, not copied from
the prompt's examples); otherwise the templates wrote them and the note says why.
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

from intent_bench import load_commands  # noqa: E402

from voice_agent.library import LyricsWriter, parse_lyrics_request  # noqa: E402
from voice_agent.pipeline.record import library_versions  # noqa: E402


def main() -> int:
    """Write results.json and results.md into --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/lyrics")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    from voice_agent.responder.llama_cpp import LlamaCppResponder

    responder = LlamaCppResponder(threads=args.threads)
    responder.load()
    writer = LyricsWriter(responder.complete_json)
    rows = []
    for command in (c for c in load_commands() if c["intent"] == "lyrics"):
        start = time.perf_counter()
        lyrics = writer.write(parse_lyrics_request(command["text"], command["lang"]))
        rows.append({"id": command["id"], "request": command["text"], "source": lyrics.source,
                     "note": lyrics.note, "seconds": round(time.perf_counter() - start, 2),
                     "lyrics": lyrics.text()})
        print(f"{command['id']}: {lyrics.source} {rows[-1]['seconds']}s {lyrics.note}",
              file=sys.stderr)
    usable = sum(r["source"] == "llm" for r in rows)
    results = {"requests": len(rows), "model_lyrics_used": usable,
               "seconds_median": statistics.median(r["seconds"] for r in rows),
               "rows": rows, "versions": library_versions()}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    lines = [f"model lyrics used: {usable}/{len(rows)}; median seconds per request "
             f"{results['seconds_median']:.1f}", ""]
    for row in rows:
        lines += [f"## {row['id']} ({row['source']}, {row['seconds']} s): {row['request']}",
                  *([f"note: {row['note']}"] if row["note"] else []), "", "```",
                  row["lyrics"], "```", ""]
    (out / "results.md").write_text("\n".join(lines), encoding="utf-8")
    print(lines[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
