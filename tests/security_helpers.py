"""Shared by the security tests and benchmarks/abuse_bench.py: attack payloads, a Gradio
API call, a voice lab whose enrolment is slow, and a fake server in a subprocess."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent


def flac_hours(hours: float = 1.0, rate: int = 16_000) -> bytes:
    """A silent FLAC of ``hours``: a few hundred KB on the wire, GBs once decoded."""
    buffer = io.BytesIO()
    with sf.SoundFile(buffer, "w", rate, 1, format="FLAC", subtype="PCM_16") as out:
        block = np.zeros(rate * 60, np.int16)
        for _ in range(int(hours * 60)):
            out.write(block)
    return buffer.getvalue()


def file_data(path: str | Path) -> dict:
    """How a Gradio API call names a file: by a path on the server."""
    return {"path": str(path), "meta": {"_type": "gradio.FileData"}}


def gradio_call(client: httpx.Client, api_name: str, data: list,
                timeout_s: float = 60.0) -> tuple[str, object]:
    """Call a Gradio event by its API name as any HTTP client can: (event, data).

    ``event`` is "complete" (``data`` the outputs) or "error"; an HTTP refusal before the
    call starts gives ("http <status>", body).
    """
    started = client.post(f"/gradio_api/call/{api_name}", json={"data": data})
    if started.status_code != 200:
        return f"http {started.status_code}", started.text
    event_id = started.json()["event_id"]
    event, payload = "", None
    with client.stream("GET", f"/gradio_api/call/{api_name}/{event_id}",
                       timeout=timeout_s) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                text = line.split(":", 1)[1].strip()
                try:
                    payload = json.loads(text)
                except ValueError:
                    payload = text
                return event, payload
    return event or "none", payload


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc")


@contextmanager
def fake_server(out: Path, web: bool = False, *extra: str,
                timeout_s: float = 120.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """``voice-agent serve --fake`` (or ``web``) on loopback in a subprocess: (url, process)."""
    port = free_port()
    cmd = [sys.executable, "-m", "voice_agent.cli", "web" if web else "serve", "--fake",
           "--host", "127.0.0.1", "--port", str(port), "--out", str(out), *extra]
    with _started(cmd, port, timeout_s) as started:
        yield started


class SlowCloned:
    """A fake cloned speaker whose enrolment (load) takes ``seconds``."""

    model_id = "slow-fake-clone"

    def __init__(self, seconds: float) -> None:
        from voice_agent.fakes import FakeSpeaker

        self.seconds, self.inner, self.cache_hit = seconds, FakeSpeaker(freq=330.0), False

    def load(self) -> None:
        time.sleep(self.seconds)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def slow_voice_lab(folder: Path, seconds: float):
    """The fake voice lab, with enrolment taking ``seconds`` per recording."""
    from voice_agent.fakes import FakeComparer
    from voice_agent.service.voices import VoiceLab
    from voice_agent.speech.enrol import load_enrolment_clip

    return VoiceLab(folder, make_cloned=lambda path, on_step=None: SlowCloned(seconds),
                    make_comparer=FakeComparer,
                    check=lambda path: load_enrolment_clip(path, 24_000))


def distinct_recordings(source: Path, count: int) -> list[bytes]:
    """``count`` WAV files of the same speech, each a different file (a different id)."""
    samples, rate = sf.read(str(source), dtype="float32")
    clips = []
    for i in range(count):
        changed = samples.copy()
        changed[i] += 1e-3
        buffer = io.BytesIO()
        sf.write(buffer, changed, rate, format="WAV", subtype="PCM_16")
        clips.append(buffer.getvalue())
    return clips


def serve_slow_enrolment(port: int, out: str, seconds: float) -> None:
    """A fake API server whose enrolments take ``seconds`` each (run in a subprocess)."""
    import uvicorn

    from voice_agent.fakes import fake_pipeline
    from voice_agent.modes.api import create_app
    from voice_agent.service import AgentService, Limits

    service = AgentService(fake_pipeline(), Path(out) / "requests",
                           slow_voice_lab(Path(out) / "speakers", seconds), Limits())
    service.load()
    uvicorn.run(create_app(service), host="127.0.0.1", port=port, log_level="warning")


@contextmanager
def slow_enrolment_server(out: Path, seconds: float) -> Iterator[tuple[str, subprocess.Popen]]:
    """:func:`serve_slow_enrolment` in a subprocess on loopback: (url, process)."""
    port = free_port()
    code = (f"from tests.security_helpers import serve_slow_enrolment; "
            f"serve_slow_enrolment({port}, {str(out)!r}, {seconds})")
    with _started([sys.executable, "-c", code], port) as started:
        yield started


@contextmanager
def _started(cmd: list[str], port: int,
             timeout_s: float = 120.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``cmd`` (a server on ``port``) until its health check answers; stop it after."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server exited: " + process.stderr.read().decode()[-2000:])
            try:
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def concurrent_posts(url: str, files: list[Path], field: str = "file") -> list[int]:
    """POST each file at once from its own thread; the statuses (run in a subprocess, so
    the caller's own requests do not queue behind these threads for the interpreter)."""
    from concurrent.futures import ThreadPoolExecutor

    def post(path: Path) -> int:
        try:
            return httpx.post(url, files={field: (path.name, path.read_bytes())},
                              timeout=120).status_code
        except httpx.HTTPError:
            return 0

    with ThreadPoolExecutor(len(files)) as pool:
        return list(pool.map(post, files))


def concurrent_posts_process(url: str, files: list[Path]) -> subprocess.Popen:
    """:func:`concurrent_posts` in a subprocess; its stdout is the statuses as JSON."""
    code = ("import json, sys; from pathlib import Path; "
            "from tests.security_helpers import concurrent_posts; "
            "print(json.dumps(concurrent_posts(sys.argv[1], [Path(p) for p in sys.argv[2:]])))")
    return subprocess.Popen([sys.executable, "-c", code, url, *map(str, files)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, text=True)
