"""Abuse bench: each attack of issue 19, in a bounded loop, against `voice-agent web --fake`.

The server runs in a subprocess on 127.0.0.1 (nothing leaves loopback). For each attack
the bench reports what the server answered (and so what it refused), the server's peak
resident memory (VmHWM) after it, and /api/health's latency while it ran (a prober asks
every 50 ms on a kept-alive connection). Every loop is bounded in count and in time.

    PYTHONPATH=. python benchmarks/abuse_bench.py [--out benchmarks/results/abuse] [--quick]

Writes abuse.json and abuse.md in --out and prints the table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.security_helpers import (concurrent_posts_process, distinct_recordings,  # noqa: E402
                                    fake_server, file_data, flac_hours, gradio_call,
                                    peak_rss_mb)

SPEAKER_WAV = ROOT / "assets" / "speakers" / "librivox_austen_enrol.wav"


class Prober:
    """Asks /api/health every 50 ms in a thread; latencies are read per attack."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=10)
        self.samples: list[tuple[float, float]] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            start = time.perf_counter()
            try:
                ok = self.client.get("/api/health").status_code == 200
            except httpx.HTTPError:
                ok = False
            self.samples.append((time.monotonic(), time.perf_counter() - start))
            self.failures += not ok
            self._stop.wait(0.05)

    def __enter__(self) -> "Prober":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(15)
        self.client.close()

    def between(self, start: float, end: float) -> dict[str, float]:
        """p50/p90/max latency (s) of the probes sent in [start, end]."""
        values = sorted(s for t, s in self.samples if start <= t <= end)
        if not values:
            return {"probes": 0}
        return {"probes": len(values), "p50": round(values[len(values) // 2], 3),
                "p90": round(values[int(0.9 * (len(values) - 1))], 3),
                "max": round(values[-1], 3)}


def _statuses(values) -> str:
    return ", ".join(f"{code}x{n}" for code, n in sorted(Counter(values).items()))


def attack_file_read(client: httpx.Client, secret: Path) -> dict:
    """Name a planted file and /etc/passwd in every Gradio file input."""
    calls = {"check_speaker": lambda f: [f], "enrol": lambda f: [f],
             "talk": lambda f: [f, "default", "auto"],
             "compare": lambda f: ["default", "hello", "en", f]}
    outcomes = []
    for name, inputs in calls.items():
        for target in (secret, "/etc/passwd"):
            event, data = gradio_call(client, name, inputs(file_data(target)))
            outcomes.append("refused" if "not uploaded" in str(data) else f"READ ({event})")
    return {"attempts": len(outcomes), "answers": _statuses(outcomes)}


def attack_private_downloads(client: httpx.Client, out: Path) -> dict:
    """Ask Gradio's file route for the library database and a speaker recording."""
    enrolled = client.post("/api/speakers", files={"file": ("me.wav", SPEAKER_WAV.read_bytes())})
    speaker = enrolled.json().get("speaker_id", "0" * 12)
    targets = [out / "library" / "library.sqlite3", out / "speakers" / f"{speaker}.wav",
               out / "requests"]
    codes = [client.get(f"/gradio_api/file={path}").status_code for path in targets]
    return {"attempts": len(codes), "answers": _statuses(codes)}


def attack_flac(client: httpx.Client, repeats: int) -> dict:
    """POST a 1 h silent FLAC (~180 KB) to /api/turn and /api/speakers."""
    hour = flac_hours(1.0)
    codes = []
    for _ in range(repeats):
        for route in ("/api/turn", "/api/speakers"):
            codes.append(client.post(route, files={"file": ("hour.flac", hour)}).status_code)
    return {"attempts": len(codes), "answers": _statuses(codes), "upload_kb": len(hour) // 1024}


def attack_enrolment_flood(url: str, folder: Path, count: int) -> dict:
    """``count`` distinct enrolments at once, from another process."""
    clips = []
    for i, data in enumerate(distinct_recordings(SPEAKER_WAV, count)):
        clips.append(folder / f"speaker{i}.wav")
        clips[-1].write_bytes(data)
    attack = concurrent_posts_process(url + "/api/speakers", clips)
    try:
        codes = json.loads(attack.communicate(timeout=300)[0])
    finally:
        attack.kill()
    return {"attempts": count, "answers": _statuses(codes)}


def attack_upload_route(client: httpx.Client, mib_each: int) -> dict:
    """Five files of ``mib_each`` MiB in one request to Gradio's upload route."""
    files = [("files", (f"{i}.wav", bytes(mib_each * 2**20), "audio/wav")) for i in range(5)]
    code = client.post("/gradio_api/upload", files=files).status_code
    return {"attempts": 1, "answers": _statuses([code])}


def _stored_clip(library_folder: Path) -> int:
    """A clip in the server's library (written beside it: the library is process-safe)."""
    from voice_agent.core.audio import read_audio
    from voice_agent.library import Library
    from voice_agent.responder.grounding import plan_from_text

    library = Library(library_folder).open()
    clip = library.add_clip(read_audio(SPEAKER_WAV), plan_from_text("jazz"), request="bench",
                            transcript="jazz", language="en", say="", prompt="jazz")
    return clip.clip_id


def attack_web_origin(client: httpx.Client, library_folder: Path) -> dict:
    """A cross-site form POST, a DNS-rebinding Host, a 60 KB id, a delete without a yes."""
    wav = SPEAKER_WAV.read_bytes()
    clip_id = _stored_clip(library_folder)
    cross = client.post("/api/turn", headers={"Origin": "http://evil.example",
                                              "Sec-Fetch-Site": "cross-site"},
                        files={"file": ("r.wav", wav)}).status_code
    rebind = client.get("/api/health", headers={"Host": "evil.example:7860"}).status_code
    long_id = client.get("/api/audio/" + "a" * 60_000)
    _event, data = gradio_call(client, "library_delete", [clip_id, "all clips", False])
    said = next((str(v) for v in (data or []) if isinstance(v, str) and v), str(data))
    return {"attempts": 4,
            "answers": f"cross-site POST {cross}, rebound Host {rebind}, long id "
                       f"{long_id.status_code} ({len(long_id.content)} B body), delete "
                       f"without confirm: \"{said[:70]}\""}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/abuse")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (about a minute)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        secret = scratch / "private" / "diary.wav"
        secret.parent.mkdir()
        secret.write_bytes(SPEAKER_WAV.read_bytes())
        server_out = scratch / "server"
        with fake_server(server_out, True) as (url, process), \
                httpx.Client(base_url=url, timeout=120) as client, Prober(url) as prober:
            time.sleep(0.5)
            baseline = peak_rss_mb(process.pid)
            attacks = [
                ("file read via Gradio inputs", lambda: attack_file_read(client, secret)),
                ("library / speaker downloads",
                 lambda: attack_private_downloads(client, server_out)),
                ("1 h FLAC uploads", lambda: attack_flac(client, 1 if args.quick else 5)),
                ("50 concurrent enrolments",
                 lambda: attack_enrolment_flood(url, scratch, 50)),
                ("5 x 15 MiB in one upload", lambda: attack_upload_route(client, 15)),
                ("cross-site, rebinding, long id, delete",
                 lambda: attack_web_origin(client, server_out / "library")),
            ]
            for name, attack in attacks:
                start = time.monotonic()
                result = attack()
                end = time.monotonic()
                rows.append({"attack": name, **result, "seconds": round(end - start, 2),
                             "peak_rss_mib": round(peak_rss_mb(process.pid), 1),
                             "health": prober.between(start, end)})
            failures = prober.failures
    report = {"baseline_peak_rss_mib": round(baseline, 1), "health_failures": failures,
              "attacks": rows}
    (out / "abuse.json").write_text(json.dumps(report, indent=2) + "\n")
    table = _table(report)
    (out / "abuse.md").write_text(table + "\n")
    print(table)
    return 0


def _table(report: dict) -> str:
    lines = [f"Server peak memory before the attacks: {report['baseline_peak_rss_mib']} MiB; "
             f"failed health probes: {report['health_failures']}.", "",
             "| attack | tries | answers | s | peak MiB | health p50/p90/max s |",
             "|---|---:|---|---:|---:|---|"]
    for row in report["attacks"]:
        h = row["health"]
        health = (f"{h['p50']}/{h['p90']}/{h['max']} ({h['probes']})" if h.get("probes")
                  else "-")
        lines.append(f"| {row['attack']} | {row['attempts']} | {row['answers']} | "
                     f"{row['seconds']} | {row['peak_rss_mib']} | {health} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
