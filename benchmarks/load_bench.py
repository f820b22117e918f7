"""Load benchmark of the HTTP service: the in-process engine and the Ray Serve engine, one run.

Bounded steps of concurrent clients (default 1, 2, 4, 8); each client sends ``--turns``
spoken requests (``POST /api/turn``, assets/requests/example_en.wav) one after another.
Per step and engine: throughput (successful turns per minute), p50/p95 latency, errors.
From the per-stage service times measured at one client, a capacity model (Erlang C, one
request per replica at a time): how many replicas of each stage serve K concurrent users
at a target p95. It is a MODEL from measured times, not a measurement of a cluster.

    PYTHONPATH=. python benchmarks/load_bench.py --fake            # fakes: engine overhead
    PYTHONPATH=. python benchmarks/load_bench.py --steps 1,2 --turns 2 --engines in-process

Writes ``load.json`` and ``load.md`` to ``benchmarks/results/load_<date>/`` (``--out``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import math
import os
import platform
import statistics
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUEST = ROOT / "assets" / "requests" / "example_en.wav"
STAGE_KEYS = {"asr": "asr", "llm": "responder", "music": "music", "tts_cloned": "voice",
              "tts_base": "voice"}


@dataclass
class Step:
    """One engine at one concurrency."""

    engine: str
    clients: int
    turns: int
    ok: int
    errors: dict[str, int]
    wall_s: float
    turns_per_min: float
    p50_s: float
    p95_s: float
    stage_mean_s: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def run_step(url: str, engine: str, clients: int, turns: int, timeout_s: float) -> Step:
    """``clients`` threads, each sending ``turns`` requests in a row."""
    import httpx

    wav = REQUEST.read_bytes()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stages: dict[str, list[float]] = {}
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=url, timeout=timeout_s) as http:
            for _ in range(turns):
                start = time.perf_counter()
                try:
                    answer = http.post("/api/turn", files={"file": ("r.wav", wav, "audio/wav")})
                    status = str(answer.status_code)
                    body = answer.json() if status == "200" else {}
                except Exception as exc:  # a timeout or a refused connection is an error too
                    status, body = type(exc).__name__, {}
                took = time.perf_counter() - start
                with lock:
                    if status == "200":
                        latencies.append(took)
                        for stage, seconds in (body.get("timings") or {}).items():
                            stages.setdefault(stage, []).append(seconds)
                    else:
                        errors[status] = errors.get(status, 0) + 1

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    wall = time.perf_counter() - start
    return Step(engine, clients, clients * turns, len(latencies), errors, round(wall, 2),
                round(len(latencies) / wall * 60, 2), round(percentile(latencies, 50), 3),
                round(percentile(latencies, 95), 3),
                {k: round(statistics.fmean(v), 4) for k, v in sorted(stages.items())})


# -- engines --------------------------------------------------------------------------------

@contextmanager
def in_process(args):
    """``voice-agent serve`` (the default engine) on a free loopback port."""
    from tests.live_server import live_server
    from voice_agent.modes.api import create_app
    from voice_agent.service import build_service

    config = None if args.fake else agent_config(args)
    service = build_service(config, Path(args.work) / "in-process", fake=args.fake)
    service.load()
    with live_server(create_app(service)) as url:
        yield url


@contextmanager
def on_ray(args):
    """``voice-agent serve --engine ray`` on a private Ray (started and stopped here)."""
    from voice_agent.modes.cluster.local import free_ports, private_ray_env

    private_ray_env()  # before Ray is imported
    from voice_agent.modes.cluster import parse_replicas
    from voice_agent.modes.cluster.app import IngressSettings, ingress_slots
    from voice_agent.modes.cluster.options import ClusterOptions
    from voice_agent.modes.cluster.run import start
    from voice_agent.modes.cluster.stages import StageRecipe

    config = None if args.fake else agent_config(args)
    shared = Path(args.work) / "ray"
    options = ClusterOptions(scaling=parse_replicas(args.replicas), port=free_ports(1)[0],
                             shared_dir=shared, local_cpus=args.ray_cpus)
    settings = IngressSettings(shared.resolve(), config, fake=args.fake,
                               slots=ingress_slots(options))
    running = start(options, StageRecipe(config), settings)
    try:
        yield running.url
    finally:
        running.stop()


def agent_config(args):
    """The real models' config (the library off: the bench measures turns, not storage)."""
    from voice_agent.core.config import load_config, override

    return override(load_config(None), library__enabled=False)


ENGINES = {"in-process": in_process, "ray": on_ray}


# -- the capacity model ----------------------------------------------------------------------

def erlang_c(servers: int, load: float) -> float:
    """Probability that a request waits, M/M/c with offered load ``load`` (Erlangs)."""
    if load >= servers:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, servers):
        term *= load / k
        total += term
    last = term * load / servers
    last_wait = last * servers / (servers - load)
    return last_wait / (total + last_wait)


def p95_time(servers: int, arrivals_per_s: float, service_s: float) -> float:
    """p95 of wait + service at one stage (M/M/c wait tail, service time as measured)."""
    load = arrivals_per_s * service_s
    if load >= servers:
        return math.inf
    waits = erlang_c(servers, load)
    rate = servers / service_s - arrivals_per_s  # the wait's exponential tail rate
    wait95 = 0.0 if waits <= 0.05 else math.log(waits / 0.05) / rate
    return wait95 + service_s


def plan_replicas(stage_s: dict[str, float], users: int, think_s: float,
                  target_p95_s: float) -> dict:
    """Fewest replicas per stage so that the sum of stage p95s stays under the target."""
    stage_s = {s: t for s, t in stage_s.items() if t > 0.0005}  # a stage that takes no time
    if not stage_s:
        return {}
    turn_s = sum(stage_s.values())
    rate = users / (think_s + turn_s)  # each user: a turn, then think_s of listening
    # enough replicas to keep up at all (load below 1 per replica), then greedily the one
    # that shortens the bound most, until it is under the target or nothing helps
    replicas = {s: max(1, math.ceil(rate * t * 1.0001)) for s, t in stage_s.items()}

    def bound(counts: dict[str, int]) -> dict[str, float]:
        return {s: p95_time(counts[s], rate, t) for s, t in stage_s.items()}

    p95 = bound(replicas)
    while sum(p95.values()) > target_p95_s:
        gains = {s: p95[s] - p95_time(replicas[s] + 1, rate, stage_s[s]) for s in stage_s}
        best = max(gains, key=lambda s: gains[s])
        if gains[best] < 0.01:
            break  # the waits are gone: the stages' own times exceed the target
        replicas[best] += 1
        p95 = bound(replicas)
    total = sum(p95.values())
    return {"users": users, "think_s": think_s, "turns_per_s": round(rate, 3),
            "target_p95_s": target_p95_s, "replicas": replicas,
            "stage_p95_s": {s: round(v, 2) for s, v in p95.items()},
            "turn_p95_s_bound": round(total, 2), "meets_target": total <= target_p95_s}


def stage_times(step: Step) -> dict[str, float]:
    """Seconds per turn each stage deployment is busy (both voices go to ``voice``)."""
    busy: dict[str, float] = {}
    for key, stage in STAGE_KEYS.items():
        if key in step.stage_mean_s:
            busy[stage] = busy.get(stage, 0.0) + step.stage_mean_s[key]
    return {s: round(v, 4) for s, v in busy.items()}


# -- main -------------------------------------------------------------------------------------

def markdown(report: dict) -> str:
    """The report as a Markdown table plus the capacity model."""
    lines = [f"# Load benchmark, {report['date']}", "",
             f"Command: `{report['command']}`  ", f"Machine: {report['machine']} "
             "(shared with other jobs: figures are upper bounds)  ",
             f"Stages: {'FAKE (engine overhead only)' if report['fake'] else 'real models'}",
             "", "| engine | clients | turns | ok | errors | turns/min | p50 s | p95 s |",
             "|---|---|---|---|---|---|---|---|"]
    for s in report["steps"]:
        lines.append(f"| {s['engine']} | {s['clients']} | {s['turns']} | {s['ok']} | "
                     f"{sum(s['errors'].values()) or 0} {s['errors'] or ''} | "
                     f"{s['turns_per_min']} | {s['p50_s']} | {s['p95_s']} |")
    if report.get("stage_s"):
        lines += ["", f"Per-stage busy time per turn at 1 client: `{report['stage_s']}`", "",
                  "Capacity model (a MODEL from the measured times, not a cluster measurement):"]
        for plan in report["capacity"]:
            lines.append(f"- {plan['users']} users, a turn every {plan['think_s']} s + the "
                         f"turn, p95 target {plan['target_p95_s']} s: replicas "
                         f"{plan['replicas']} (bound on turn p95 {plan['turn_p95_s_bound']} s)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run every engine at every step; write the JSON and Markdown reports."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fake", action="store_true", help="fake stages (engine overhead)")
    parser.add_argument("--engines", default="in-process,ray")
    parser.add_argument("--steps", default="1,2,4,8", help="concurrent clients per step")
    parser.add_argument("--turns", type=int, default=3, help="requests per client per step")
    parser.add_argument("--replicas", default="asr=2,responder=2,music=2,voice=2",
                        help="the Ray engine's --replicas")
    parser.add_argument("--ray-cpus", type=float, default=12,
                        help="logical CPUs of the private Ray (a replica asks for one)")
    parser.add_argument("--timeout", type=float, default=600, help="per request, seconds")
    parser.add_argument("--users", default="100", help="K for the capacity model")
    parser.add_argument("--think", type=float, default=30.0,
                        help="seconds a user listens between turns (capacity model)")
    parser.add_argument("--target-p95", type=float, default=30.0)
    parser.add_argument("--out", default=None)
    parser.add_argument("--work", default="/tmp/voice-agent-load")
    args = parser.parse_args(argv)
    date = dt.date.today().isoformat()
    out = Path(args.out or ROOT / "benchmarks" / "results" / f"load_{date}")
    steps = [int(s) for s in args.steps.split(",")]
    results: list[Step] = []
    for engine in args.engines.split(","):
        with ENGINES[engine](args) as url:
            run_step(url, engine, 1, 1, args.timeout)  # warm-up, not counted
            for clients in steps:
                step = run_step(url, engine, clients, args.turns, args.timeout)
                print(json.dumps(asdict(step)), flush=True)
                results.append(step)
    first = next((s for s in results if s.clients == 1 and s.engine == "in-process"), None)
    stage_s = stage_times(first) if first else {}
    capacity = [plan for k in args.users.split(",")
                if (plan := plan_replicas(stage_s, int(k), args.think, args.target_p95))]
    report = {"date": date, "command": "python benchmarks/load_bench.py " + " ".join(
                  argv if argv is not None else sys.argv[1:]),
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} "
                         "CPUs", "fake": args.fake, "steps": [asdict(s) for s in results],
              "stage_s": stage_s, "capacity": capacity}
    out.mkdir(parents=True, exist_ok=True)
    suffix = "_fake" if args.fake else ""
    (out / f"load{suffix}.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / f"load{suffix}.md").write_text(markdown(report))
    print(f"wrote {out}/load{suffix}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
