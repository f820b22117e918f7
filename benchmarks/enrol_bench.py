"""Time ``voice-agent enrol`` for several speaker recordings: wall and CPU seconds per step.

Each recording is enrolled in a fresh process (model loading included, as ``voice-agent
enrol FILE --name N`` does it), into a fresh profile cache that shares one probe cache
(the first recording fills it: that run is the "cold" first enrolment of an installation).

    python benchmarks/enrol_bench.py CLIP.wav [CLIP.wav ...] [--home DIR] [--json OUT]

CPU seconds (user + system of the process) are what a shared machine cannot inflate much;
on two idle cores the wall time is at most about that. The wall-clock safety limit is
lifted here (``--wall-limit``) so a busy machine measures the whole search, not a cut one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
start = time.perf_counter()
from voice_agent.speech.cloning import DEFAULT_BUDGET, load_or_enrol
import dataclasses
budget = dataclasses.replace(DEFAULT_BUDGET, wall_limit_s=float(sys.argv[2]))
steps = []
def on_step(step):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    steps.append({"step": step.step, "done": step.done, "total": step.total, "note": step.note,
                  "wall_s": round(time.perf_counter() - start, 2),
                  "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)})
profile, hit = load_or_enrol(sys.argv[1], budget, show_progress=False, on_step=on_step)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall_s": round(time.perf_counter() - start, 2),
                  "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "cache_hit": hit,
                  "best": profile.scores.get("best"), "recipe": profile.recipe,
                  "steps": steps}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+")
    parser.add_argument("--home", default="/tmp/enrol-bench-home",
                        help="VOICE_AGENT_HOME for the run (models are linked in)")
    parser.add_argument("--wall-limit", type=float, default=1e9)
    parser.add_argument("--json")
    args = parser.parse_args()
    home = Path(args.home)
    home.mkdir(parents=True, exist_ok=True)
    models = home / "models"
    if not models.exists():
        real = Path(os.environ.get("VOICE_AGENT_HOME") or Path.home() / ".cache/voice_agent")
        models.symlink_to(real / "models")
    env = {**os.environ, "VOICE_AGENT_HOME": str(home)}
    runs = []
    for clip in args.clips:
        for old in (home / "speakers").glob("*-v*"):  # profiles only: keep the probes
            if old.is_dir() and not old.name.startswith("probes-"):
                for f in old.iterdir():
                    f.unlink()
                old.rmdir()
        load = os.getloadavg()[0]
        out = subprocess.run([sys.executable, "-c", CHILD, clip, str(args.wall_limit)],
                             env=env, capture_output=True, text=True, check=True)
        run = json.loads(out.stdout.strip().splitlines()[-1]) | {"clip": clip,
                                                                 "load_before": load}
        runs.append(run)
        print(f"{Path(clip).name}: wall {run['wall_s']} s, CPU {run['cpu_s']} s, "
              f"{run['steps'][-1]['done']} steps, score {run['best']}, load {load:.1f}",
              flush=True)
    warm = [r for r in runs[1:]] or runs
    summary = {"median_wall_s": statistics.median(r["wall_s"] for r in warm),
               "median_cpu_s": statistics.median(r["cpu_s"] for r in warm),
               "cold_first": {"wall_s": runs[0]["wall_s"], "cpu_s": runs[0]["cpu_s"]},
               "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    print(json.dumps(summary))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
