"""ASR + LLM on held-out spoken requests: word error rate, genre match, per-stage seconds.

Usage (from the repo root, after scripts/setup.sh):

    .venv/bin/python benchmarks/core_bench.py --runs 3 --out out/bench-core

Each request in benchmarks/requests/requests.tsv has a spoken WAV beside it (made by
scripts/make_spoken_requests.py with voices none of the tests or prompts use). One warm-up
turn runs first; per-stage seconds are medians over ``--runs`` passes. WER uses jiwer after
lower-casing and removing punctuation.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from voice_agent.core.audio import read_audio  # noqa: E402
from voice_agent.core.config import AgentConfig, override  # noqa: E402
from voice_agent import asr, responder as responders  # noqa: E402
from voice_agent.pipeline.record import library_versions  # noqa: E402
from voice_agent.core.language import normalise  # noqa: E402
from voice_agent.core.types import Transcript  # noqa: E402

REQUESTS = HERE / "requests"


def load_requests(folder: Path = REQUESTS) -> list[dict[str, str]]:
    """Rows of requests.tsv whose audio exists."""
    with open(folder / "requests.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r for r in rows if (folder / f"{r['id']}.wav").is_file()]


def timed(work):
    """(result, seconds) of calling ``work``."""
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def run_once(transcriber, responder, row: dict[str, str], language: str | None) -> dict:
    """One request through ASR and the responder."""
    audio = read_audio(REQUESTS / f"{row['id']}.wav")
    transcript, asr_s = timed(lambda: transcriber.transcribe(audio, language))
    reply, llm_s = timed(lambda: responder.respond(transcript, ()))
    return {"id": row["id"], "language": row["language"], "reference": row["text"],
            "hypothesis": transcript.text, "detected_language": transcript.language,
            "audio_s": audio.duration_s, "asr_s": asr_s, "llm_s": llm_s,
            "genre_expected": row["genre"], "genre": reply.plan.genre if reply.plan else None,
            "source": reply.source, "say": reply.say}


def text_only_genre(responder, rows: list[dict[str, str]]) -> float:
    """Genre match from the reference text alone (the responder without ASR errors)."""
    hits = 0
    for row in rows:
        reply = responder.respond(Transcript(row["text"], row["language"]), ())
        hits += bool(reply.plan and reply.plan.genre == row["genre"])
    return hits / len(rows)


def summarise(results: list[dict], runs: int) -> dict:
    """WER per language, genre match, fallback rate and median stage seconds."""
    import jiwer

    first = {r["id"]: r for r in results}.values()  # one result per request for quality
    summary: dict = {"requests": len(first), "runs": runs}
    for lang in ("en", "es"):
        rows = [r for r in first if r["language"] == lang]
        if rows:
            summary[f"wer_{lang}"] = jiwer.wer([normalise(r["reference"]) for r in rows],
                                               [normalise(r["hypothesis"]) for r in rows])
            summary[f"language_id_{lang}"] = sum(r["detected_language"] == lang for r in rows) / len(rows)
    summary["wer_mean"] = statistics.mean(summary[k] for k in ("wer_en", "wer_es") if k in summary)
    summary["genre_match"] = sum(r["genre"] == r["genre_expected"] for r in first) / len(first)
    summary["llm_fallback_rate"] = sum(r["source"] != "llm" for r in first) / len(first)
    for stage in ("asr_s", "llm_s"):
        values = [r[stage] for r in results]
        summary[f"{stage}_median"] = statistics.median(values)
        summary[f"{stage}_p95"] = sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]
    summary["audio_s_median"] = statistics.median(r["audio_s"] for r in results)
    return summary


def markdown(summary: dict) -> str:
    """The summary as a Markdown table."""
    lines = ["| metric | value |", "|---|---|"]
    for key, value in summary.items():
        lines.append(f"| {key} | {value:.3f} |" if isinstance(value, float) else f"| {key} | {value} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default="out/bench-core")
    parser.add_argument("--asr-backend", default="faster-whisper")
    parser.add_argument("--llm-backend", default="llama-cpp")
    parser.add_argument("--language", default=None, help="force a language (default: detect)")
    parser.add_argument("--llm-threads", type=int, default=AgentConfig().llm.threads)
    args = parser.parse_args()

    config = override(AgentConfig(), asr__backend=args.asr_backend, llm__backend=args.llm_backend,
                      llm__threads=args.llm_threads)
    transcriber = asr.select(config.asr)
    responder = responders.select(config.llm, config.music.default_duration_s)
    (_, asr_load), (_, llm_load) = timed(transcriber.load), timed(responder.load)
    rows = load_requests()
    if not rows:
        print("no request audio found: run scripts/make_spoken_requests.py first", file=sys.stderr)
        return 2
    run_once(transcriber, responder, rows[0], args.language)  # warm-up
    results = [run_once(transcriber, responder, row, args.language)
               for _ in range(args.runs) for row in rows]
    summary = summarise(results, args.runs)
    summary.update(asr_load_s=asr_load, llm_load_s=llm_load,
                   genre_match_from_text=text_only_genre(responder, rows))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"summary": summary, "results": results, "versions": library_versions(),
              "models": {"asr": transcriber.model_id, "llm": responder.model_id},
              "llm_threads": args.llm_threads}
    (out / "core_bench.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (out / "core_bench.md").write_text(markdown(summary) + "\n")
    print(markdown(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
