"""A private Ray on this machine: ``ray start --block`` on loopback, in its own process group.

The process group is the point: stopping it ends every process that Ray started for it
(GCS, raylet, agents, workers), and nothing else on the machine; ``ray stop`` would end
every Ray of every user. Each node gets free ports of its own (the agents' ports are given
rather than left for the raylet to wait for: on a busy 2-core machine that wait times out),
a private temporary folder, and a fresh token for Ray's token authentication.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from voice_agent.core.errors import VoiceAgentError

START_TIMEOUT_S = 180.0


class LocalRayError(VoiceAgentError):
    """The private Ray did not start."""

    kind = "ray_start"


def free_ports(count: int) -> list[int]:
    """``count`` loopback ports nobody listens on right now."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def private_ray_env(multi_node: bool = False) -> str:
    """Set this process's environment for a private Ray, before Ray is imported (Ray reads
    it once, on import): token authentication with a fresh token, and (one node) every
    address on loopback. On Linux Ray swaps 127.0.0.1 for the machine's own network
    address and refuses more than one node on loopback, so ``multi_node`` (the fault test's
    head and worker) keeps Ray's own choice of address; the token still guards it.
    Returns the token; the nodes this process starts inherit all of it."""
    token = os.environ.get("RAY_AUTH_TOKEN") or secrets.token_hex(32)
    os.environ.update({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token,
                       "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "1" if multi_node else "0",
                       "RAY_USAGE_STATS_ENABLED": "0"})
    # the agents' registration may take minutes on a busy machine (their Python start-up);
    # the raylet's own wait for their port files is fixed (about 15 s each in Ray 2.60):
    # a start that misses it is tried again (start_node's attempts)
    os.environ.setdefault("RAY_agent_register_timeout_ms", "300000")
    return token


@dataclass
class LocalNode:
    """One ``ray start --block`` process group (a head, or a worker joining ``head``)."""

    process: subprocess.Popen
    address: str
    temp_dir: Path
    log: Path
    token: str

    def stop(self, timeout_s: float = 15.0) -> None:
        """End the node: SIGTERM to ``ray start`` (it stops its children), then the whole
        process group, then SIGKILL to what is left of the group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + timeout_s / 3
            while time.monotonic() < deadline and group_alive(self.process.pid):
                time.sleep(0.2)
        if self.process.poll() is None:
            self.process.wait(5)

    def kill(self) -> None:
        """End the node at once (a crashed machine): SIGKILL to the whole process group."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)


def group_alive(pgid: int) -> bool:
    """True while a process of group ``pgid`` still runs."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _end_with_parent() -> None:
    """In the child before it runs ``ray start``: SIGTERM it when this process dies, however
    it dies (Ray's own signal handlers abort the process on a SIGTERM during start-up)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: Ctrl-C and SIGTERM after start-up still stop the node
        pass


def _ray_executable() -> str:
    found = Path(sys.executable).with_name("ray")
    return str(found) if found.exists() else "ray"


def start_node(head: LocalNode | None = None, num_cpus: float = 2,
               object_store_mb: int = 200, token: str | None = None,
               resources: str | None = None, attempts: int = 4) -> LocalNode:
    """Start a head (``head`` None) or a worker joining ``head``; return once it runs.

    A start is tried ``attempts`` times: on a busy machine the raylet may give up waiting
    for its agents (a fixed wait in Ray), and the next try usually finds them quicker.
    """
    for attempt in range(attempts):
        try:
            return _start_node(head, num_cpus, object_store_mb, token, resources)
        except LocalRayError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _start_node(head: LocalNode | None, num_cpus: float, object_store_mb: int,
                token: str | None, resources: str | None) -> LocalNode:
    if token is None and head is None:
        # private_ray_env has normally run already (before Ray was imported): keep it
        token = os.environ.get("RAY_AUTH_TOKEN") or private_ray_env()
    token = token or head.token
    temp_dir = head.temp_dir if head else Path(tempfile.mkdtemp(prefix="va-ray-"))
    gcs, grpc, listen, metrics, runtime, manager, objects = free_ports(7)
    args = [_ray_executable(), "start", "--block", "--disable-usage-stats",
            "--node-ip-address=127.0.0.1", f"--num-cpus={num_cpus}",
            f"--object-store-memory={object_store_mb * 1024 * 1024}",
            f"--dashboard-agent-grpc-port={grpc}", f"--dashboard-agent-listen-port={listen}",
            f"--metrics-export-port={metrics}", f"--runtime-env-agent-port={runtime}",
            f"--node-manager-port={manager}", f"--object-manager-port={objects}"]
    if resources:
        args.append(f"--resources={resources}")
    if head is None:
        args += ["--head", f"--port={gcs}", "--include-dashboard=false",
                 f"--temp-dir={temp_dir}"]
        address = f"127.0.0.1:{gcs}"
    else:
        args.append(f"--address={head.address}")
        address = head.address
    log = temp_dir / f"ray-start-{'head' if head is None else manager}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, preexec_fn=_end_with_parent,
                                   env={**os.environ, "RAY_AUTH_TOKEN": token},
                                   start_new_session=True)
    node = LocalNode(process, address, temp_dir, log, token)
    _wait_started(node)
    return node


def _wait_started(node: LocalNode) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        text = node.log.read_text(errors="replace")
        if "Ray runtime started" in text:
            return
        if node.process.poll() is not None:
            break
        time.sleep(0.5)
    node.stop()
    tail = node.log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
    raise LocalRayError(f"The local Ray did not start: {tail[0][:200]} (log: {node.log})")
