"""Music benchmark: render speed, peak memory and prompt adherence of the composer.

Renders a fixed set of requests (one plan per style, with keys, tempi and instruments
that differ from the style defaults) and measures, from the audio alone, whether the
estimated tempo is within 5 % of the plan (half/double allowed) and whether the
estimated key and mode match; instrument presence is read back from the clip's MIDI.

    python benchmarks/music_bench.py [--engine auto|fluidsynth|numpy] [--duration 20] [--repeat 3]

Prints a JSON report, then a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_agent.music.composer import ComposerRenderer  # noqa: E402
from voice_agent.music.analysis import estimate_key, estimate_tempo, tempo_matches  # noqa: E402
from voice_agent.music.arrangement import program_for  # noqa: E402
from voice_agent.music.midi import instruments_in_midi  # noqa: E402
from voice_agent.music.styles import recipe_for  # noqa: E402
from voice_agent.core.types import MusicPlan  # noqa: E402

# (request as a person might say it, the plan a responder would make of it)
REQUESTS: tuple[tuple[str, MusicPlan], ...] = (
    ("chill lo-fi beat for studying", MusicPlan("lofi", 84, "F", "minor", ("electric piano", "bass", "drums"), "relaxed", seed=101)),
    ("jazz trio with a sax, swinging", MusicPlan("jazz", 132, "Bb", "major", ("piano", "upright bass", "drums", "saxophone"), "smooth", seed=102)),
    ("una bossa nova suave con flauta", MusicPlan("bossa_nova", 126, "G", "major", ("nylon guitar", "upright bass", "drums", "flute"), "relaxed", seed=103)),
    ("pon una salsa alegre para bailar", MusicPlan("salsa", 190, "C", "minor", ("piano", "bass", "congas", "trumpet"), "happy", seed=104)),
    ("una cumbia con acordeón", MusicPlan("cumbia", 98, "E", "minor", ("accordion", "bass", "guiro", "congas"), "festive", seed=105)),
    ("reggaeton para perrear", MusicPlan("reggaeton", 92, "C#", "minor", ("synth", "bass", "drums"), "energetic", seed=106)),
    ("rumba flamenca con palmas", MusicPlan("flamenco", 116, "B", "minor", ("nylon guitar", "bass", "palmas"), "passionate", seed=107)),
    ("un tango dramático con bandoneón", MusicPlan("tango", 116, "G", "minor", ("bandoneon", "violin", "piano", "bass"), "dramatic", seed=108)),
    ("energetic rock with electric guitar", MusicPlan("rock", 132, "E", "major", ("electric guitar", "bass", "drums"), "energetic", seed=109)),
    ("heavy metal, fast and aggressive", MusicPlan("metal", 160, "E", "minor", ("distorted guitar", "bass", "drums"), "aggressive", seed=110)),
    ("a happy pop song", MusicPlan("pop", 116, "A", "major", ("piano", "synth", "bass", "drums"), "happy", seed=111)),
    ("una balada romántica al piano", MusicPlan("ballad", 66, "Eb", "major", ("piano", "strings"), "romantic", seed=112)),
    ("something slow and sad on the cello", MusicPlan("classical", 72, "D", "minor", ("cello", "strings", "piano"), "sad", seed=113)),
    ("calm ambient music for sleeping", MusicPlan("ambient", 64, "F#", "major", ("pad", "piano"), "calm", seed=114)),
    ("80s synthwave night drive", MusicPlan("synthwave", 100, "A", "minor", ("synth", "bass", "drums"), "nostalgic", seed=115)),
    ("house music for a party", MusicPlan("edm", 126, "F", "minor", ("synth", "bass", "drums"), "energetic", seed=116)),
    ("slow blues with guitar and piano", MusicPlan("blues", 76, "A", "major", ("electric guitar", "piano", "bass", "drums"), "soulful", seed=117)),
    ("country tune with fiddle", MusicPlan("country", 112, "G", "major", ("acoustic guitar", "fiddle", "bass", "drums"), "warm", seed=118)),
    ("funky groove with brass", MusicPlan("funk", 104, "E", "minor", ("electric guitar", "bass", "drums", "brass"), "groovy", seed=119)),
    ("algo de k-pop", MusicPlan("k-pop", 120, "D", "major", ("synth", "bass", "drums"), "happy", seed=120)),
    ("dark jazz in C minor, more piano", MusicPlan("jazz", 96, "C", "minor", ("piano", "upright bass", "drums"), "dark", seed=121)),
    ("fast pop with banjo and harmonica", MusicPlan("pop", 150, "D", "major", ("banjo", "harmonica", "bass", "drums"), "happy", seed=122)),
)


def timed_render(renderer: ComposerRenderer, plan: MusicPlan, text: str, repeat: int):
    """The clip and the fastest of ``repeat`` render times (the least disturbed by load)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        clip = renderer.render(plan, text)
        best = min(best, time.perf_counter() - started)
    return clip, best


def measure(renderer: ComposerRenderer, text: str, plan: MusicPlan, duration: float,
            repeat: int = 1) -> dict:
    """Render one request and check the clip against its plan."""
    clip, seconds = timed_render(renderer, plan.replace(duration_s=duration), text, repeat)
    tempo = estimate_tempo(clip.audio)
    key = estimate_key(clip.audio)
    tracks = instruments_in_midi(clip.midi or b"")
    recipe = recipe_for(clip.plan.genre)
    missing = [name for name in clip.plan.instruments if name not in tracks
               or (not tracks[name][1] and tracks[name][0] != program_for(name, recipe))]
    return {
        "request": text, "genre": clip.plan.genre, "bpm": clip.plan.bpm,
        "key": f"{clip.plan.key} {clip.plan.mode}", "render_s": round(seconds, 3),
        "rtf": round(seconds / clip.audio.duration_s, 4),
        "duration_s": round(clip.audio.duration_s, 3), "peak": round(clip.audio.peak, 3),
        "rms": round(clip.audio.rms, 4), "est_bpm": round(tempo, 1),
        "tempo_ok": tempo_matches(tempo, clip.plan.bpm),
        "est_key": f"{key.key} {key.mode}",
        "key_ok": (key.key, key.mode) == (clip.plan.key, clip.plan.mode),
        "mode_ok": key.mode == clip.plan.mode,
        "instruments_ok": not missing, "missing": missing,
    }


def run(engine: str, duration: float, repeat: int = 1) -> dict:
    """The whole benchmark as one JSON-able report."""
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    renderer = ComposerRenderer(engine=engine)
    started = time.perf_counter()
    renderer.load()
    load_s = time.perf_counter() - started
    renderer.render(REQUESTS[0][1].replace(duration_s=2.0))  # warm-up
    tracemalloc.start()
    rows = [measure(renderer, text, plan, duration, repeat) for text, plan in REQUESTS]
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = len(rows)
    return {
        "model_id": renderer.model_id, "clip_s": duration, "clips": n, "repeat": repeat,
        "cpu_count": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
        "load_s": round(load_s, 3),
        "render_s_median": round(sorted(r["render_s"] for r in rows)[n // 2], 3),
        "render_s_max": max(r["render_s"] for r in rows),
        "rtf_median": round(sorted(r["rtf"] for r in rows)[n // 2], 4),
        "python_heap_peak_mb": round(traced_peak / 2**20, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_load_mb": round(rss_start, 1),
        "tempo_ok": sum(r["tempo_ok"] for r in rows), "key_ok": sum(r["key_ok"] for r in rows),
        "mode_ok": sum(r["mode_ok"] for r in rows),
        "instruments_ok": sum(r["instruments_ok"] for r in rows), "rows": rows,
    }


def markdown(report: dict) -> str:
    """A summary line and one table row per clip."""
    n = report["clips"]
    lines = [
        f"{report['model_id']}: {n} clips of {report['clip_s']:g} s; render median "
        f"{report['render_s_median']} s (max {report['render_s_max']} s), "
        f"{report['rtf_median']} s compute per s of audio; load {report['load_s']} s; "
        f"peak RSS {report['process_peak_rss_mb']} MB, Python heap peak "
        f"{report['python_heap_peak_mb']} MB (machine load average "
        f"{report['load_average_1min']} on {report['cpu_count']} CPUs)",
        f"tempo within 5 %: {report['tempo_ok']}/{n}; key+mode: {report['key_ok']}/{n}; "
        f"mode: {report['mode_ok']}/{n}; named instruments present: {report['instruments_ok']}/{n}",
        "", "| request | genre | plan bpm | est. bpm | plan key | est. key | render s | instruments |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        tempo = ("✓ " if r["tempo_ok"] else "✗ ") + str(r["est_bpm"])
        key = ("✓ " if r["key_ok"] else "✗ ") + r["est_key"]
        inst = "✓" if r["instruments_ok"] else "✗ " + ", ".join(r["missing"])
        lines.append(f"| {r['request']} | {r['genre']} | {r['bpm']} | {tempo} | {r['key']} | "
                     f"{key} | {r['render_s']} | {inst} |")
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print JSON, then markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="auto", choices=("auto", "fluidsynth", "numpy"))
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=1, help="renders per clip; the fastest counts")
    args = parser.parse_args()
    report = run(args.engine, args.duration, max(1, args.repeat))
    print(json.dumps(report, indent=1, ensure_ascii=False))
    print()
    print(markdown(report))


if __name__ == "__main__":
    main()
