"""Caption benchmark: do the captions state the tempo, key and mode the music was made in?

Renders clips with the embedded composer from known plans (several genres, tempi, keys and
both modes; plans not used to set any threshold), captions each one as ``voice-agent
caption`` does, reads the tempo and key back out of the caption's words
(:func:`voice_agent.responder.truth.facts_in`) and compares them with the plan.

    python benchmarks/caption_bench.py [--llm] [--limit N] [--duration 20] [--out DIR]

Figures: tempo match (caption's BPM within 5 % of the plan; and allowing half/double, the
usual octave error of tempo estimation), key and mode match (exact), all three. Writes
``caption_bench_<captioner>_<seconds>s.json`` (every clip) and ``.md`` into ``--out`` (default
benchmarks/results/caption_<date>/). ``--llm`` uses the local language model (the
llama.cpp responder's GGUF) for the captions, checked by the judge; without it the template.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_agent.core.audio import write_wav  # noqa: E402
from voice_agent.core.plan import normalize_key  # noqa: E402
from voice_agent.core.types import MusicPlan  # noqa: E402
from voice_agent.music.analysis import tempo_matches  # noqa: E402
from voice_agent.music.composer import ComposerRenderer  # noqa: E402
from voice_agent.responder.truth import facts_in  # noqa: E402
from voice_agent.workshop.batch import caption_batch  # noqa: E402
from voice_agent.workshop.caption import Captioner  # noqa: E402

#: (genre, bpm, key, mode, seed): 16 plans over 16 styles, 72-176 BPM, 12 keys, both modes
PLANS: tuple[tuple[str, int, str, str, int], ...] = (
    ("jazz", 112, "Eb", "major", 201), ("rock", 138, "A", "minor", 202),
    ("ambient", 72, "F#", "major", 203), ("salsa", 176, "G", "minor", 204),
    ("tango", 118, "D", "minor", 205), ("lofi", 78, "Ab", "major", 206),
    ("funk", 104, "E", "minor", 207), ("country", 122, "C", "major", 208),
    ("edm", 128, "B", "minor", 209), ("bossa_nova", 96, "F", "major", 210),
    ("blues", 88, "Bb", "minor", 211), ("synthwave", 100, "C#", "minor", 212),
    ("cumbia", 94, "A", "major", 213), ("metal", 160, "D", "major", 214),
    ("classical", 84, "G", "major", 215), ("pop", 116, "E", "major", 216),
)


def plan_of(row: tuple[str, int, str, str, int], duration: float) -> MusicPlan:
    genre, bpm, key, mode, seed = row
    return MusicPlan(genre=genre, bpm=bpm, key=key, mode=mode, duration_s=duration, seed=seed)


def judged(caption: str, plan: MusicPlan) -> dict[str, object]:
    """What the caption's words say about tempo and key, against the plan."""
    facts = facts_in(caption)
    bpm = facts.bpms[0] if facts.bpms else None
    key = facts.keys[0] if facts.keys else None
    strict = bpm is not None and abs(bpm - plan.bpm) <= 0.05 * plan.bpm
    octave = bpm is not None and tempo_matches(float(bpm), float(plan.bpm))
    key_ok = key is not None and normalize_key(key[0]) == plan.key and key[1] == plan.mode
    return {"caption_bpm": bpm, "caption_key": " ".join(key) if key else None,
            "tempo_match": strict, "tempo_match_octave": octave, "key_mode_match": key_ok,
            "all_match": strict and key_ok}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", action="store_true", help="captions by the language model")
    parser.add_argument("--limit", type=int, default=None, help="first N plans only")
    parser.add_argument("--duration", type=float, default=20.0, help="clip length (s)")
    parser.add_argument("--out", default=None, help="results folder")
    args = parser.parse_args(argv)
    out = Path(args.out or f"benchmarks/results/caption_{date.today().isoformat()}")
    out.mkdir(parents=True, exist_ok=True)
    plans = [plan_of(row, args.duration) for row in PLANS[: args.limit]]
    complete = None
    if args.llm:
        from voice_agent.responder.llama_cpp import LlamaCppResponder

        llm = LlamaCppResponder()
        llm.load()
        complete = llm.complete_json
    renderer = ComposerRenderer()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for plan in plans:
            path = Path(folder) / f"{plan.genre}_{plan.bpm}_{plan.key}_{plan.mode}.wav"
            write_wav(path, renderer.render(plan).audio)
        dataset = Path(folder) / "captions.jsonl"
        start = time.perf_counter()
        caption_batch([folder], dataset, Captioner(complete, "en"))
        seconds = time.perf_counter() - start
        by_name = {Path(r["audio"]).name: r
                   for r in map(json.loads, dataset.read_text().splitlines())}
    for plan in plans:
        row = by_name[f"{plan.genre}_{plan.bpm}_{plan.key}_{plan.mode}.wav"]
        features = row["features"] or {}
        rows.append({"plan": {"genre": plan.genre, "bpm": plan.bpm, "key": plan.key,
                              "mode": plan.mode, "seed": plan.seed},
                     "caption": row["caption"], "caption_source": row["caption_source"],
                     "rejected": row.get("rejected"), "measured_bpm": features.get("tempo_bpm"),
                     "measured_key": f"{features.get('key')} {features.get('mode')}",
                     **judged(row["caption"] or "", plan)})
    report = summary(rows, args, seconds)
    stem = f"caption_bench_{'llm' if args.llm else 'template'}_{args.duration:g}s"
    (out / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / f"{stem}.md").write_text(markdown(report))
    print(markdown(report))
    return 0


def summary(rows: list[dict[str, object]], args: argparse.Namespace,
            seconds: float) -> dict[str, object]:
    n = len(rows)
    count = lambda name: sum(bool(r[name]) for r in rows)  # noqa: E731
    return {"captioner": "llm (qwen2.5-0.5b GGUF) + judge" if args.llm else "template",
            "clips": n, "clip_seconds": args.duration,
            "tempo_match": count("tempo_match"), "tempo_match_octave": count("tempo_match_octave"),
            "key_mode_match": count("key_mode_match"), "all_match": count("all_match"),
            "llm_captions_kept": sum(r["caption_source"] == "llm" for r in rows),
            "caption_seconds_total": round(seconds, 1),
            "machine": f"{platform.processor() or platform.machine()}, shared with other jobs",
            "date": date.today().isoformat(), "rows": rows}


def markdown(report: dict[str, object]) -> str:
    n = report["clips"]
    lines = [f"# Caption benchmark ({report['captioner']}, {report['date']})", "",
             f"{n} composer clips of {report['clip_seconds']:g} s from known plans.", "",
             "| figure | clips | share |", "|---|---|---|"]
    for name, label in (("tempo_match", "tempo within 5 % of the plan"),
                        ("tempo_match_octave", "tempo, half/double allowed"),
                        ("key_mode_match", "key and mode"),
                        ("all_match", "tempo (5 %), key and mode")):
        lines.append(f"| {label} | {report[name]}/{n} | {report[name] / n:.0%} |")
    lines += ["", f"LLM captions kept by the judge: {report['llm_captions_kept']}/{n}; "
              f"captioning took {report['caption_seconds_total']} s in all "
              f"({report['machine']}).", "", "| plan | caption | tempo | key |", "|---|---|---|---|"]
    for r in report["rows"]:
        p = r["plan"]
        lines.append(f"| {p['genre']} {p['bpm']} {p['key']} {p['mode']} | {r['caption']} | "
                     f"{'ok' if r['tempo_match'] else 'no'} | "
                     f"{'ok' if r['key_mode_match'] else 'no'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
