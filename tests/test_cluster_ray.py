"""The Ray engine on a real (private) Ray cluster on loopback: a head and one worker node.

One cluster for the module (starting Ray is most of the time): the same request gives
the same answer through either engine; then, with requests in flight, a stage replica
is killed, then the worker node: every request gets its result or a 503 with
Retry-After, nothing stored is lost, the deployments recover, and at the end every Ray
process is gone. ASR, the language model and the voices are the fakes (fast); the music
is the real composer. Marked slow (about 2-3 minutes on 2 busy cores).
"""

from __future__ import annotations

import base64
import concurrent.futures
import threading
import time
from pathlib import Path

import httpx
import pytest

from voice_agent.core.config import AgentConfig, LibraryConfig
from voice_agent.library import Library
from voice_agent.modes.api import create_app
from voice_agent.modes.cluster import parse_replicas
from voice_agent.modes.cluster.local import free_ports, group_alive, start_node
from voice_agent.modes.cluster.options import ClusterOptions
from voice_agent.modes.cluster.stages import StageRecipe
from voice_agent.pipeline.turns import Pipeline
from voice_agent.service import AgentService
from voice_agent.service.voices import fake_voice_lab
from tests.conftest import REQUESTS

pytestmark = pytest.mark.slow

FAKED = frozenset({"asr", "responder", "voice"})
REQUEST_WAV = (REQUESTS / "example_en.wav").read_bytes()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import ray

    from voice_agent.modes.cluster.app import IngressSettings
    from voice_agent.modes.cluster.run import start

    root = tmp_path_factory.mktemp("cluster")
    config = AgentConfig(library=LibraryConfig(path=str(root / "library")))
    head = start_node(num_cpus=6, object_store_mb=80)
    nodes = [head]
    running = None
    try:
        nodes.append(start_node(head, num_cpus=3, object_store_mb=80))
        ray.init(address=head.address, log_to_driver=False, configure_logging=False)
        options = ClusterOptions(address=head.address, scaling=parse_replicas("music=2"),
                                 port=free_ports(1)[0], shared_dir=root / "shared")
        settings = IngressSettings(root / "shared", config=config, slots=4, retry_s=90)
        running = start(options, StageRecipe(config, FAKED), settings)
        yield {"url": running.url, "head": head, "worker": nodes[1], "config": config,
               "root": root}
    finally:
        if running is not None:
            running.stop()
        if ray.is_initialized():
            ray.shutdown()
        for node in reversed(nodes):
            node.stop()
        assert not any(group_alive(node.process.pid) for node in nodes), "a Ray process is left"


def _turn(client: httpx.Client) -> httpx.Response:
    return client.post("/api/turn", files={"file": ("example_en.wav", REQUEST_WAV, "audio/wav")})


def _in_process_client(tmp_path: Path) -> httpx.Client:
    """The in-process service over the very same stage builders as the replicas."""
    from fastapi.testclient import TestClient

    recipe = StageRecipe(AgentConfig(), FAKED)
    pipeline = Pipeline(recipe.build("asr"), recipe.build("responder"), recipe.build("music"),
                        recipe.build("voice"))
    service = AgentService(pipeline, tmp_path / "requests", fake_voice_lab(tmp_path / "sp"))
    service.load()
    return TestClient(create_app(service), base_url="http://127.0.0.1")


def test_health_names_the_engine_and_each_deployment_s_replicas(cluster):
    health = httpx.get(cluster["url"] + "/api/health", timeout=30).json()
    assert health["engine"] == "ray" and health["status"] == "ok"
    deployments = health["deployments"]
    assert set(deployments) == {"ingress", "asr", "responder", "music", "voice"}
    assert deployments["music"]["replicas"].get("RUNNING") == 2
    assert deployments["asr"]["replicas"].get("RUNNING") == 1
    docs = httpx.get(cluster["url"] + "/openapi.json", timeout=30).json()
    assert "/api/turn" in docs["paths"] and "/api/audio/generate" in docs["paths"]


def test_the_same_request_gives_the_same_answer_through_either_engine(cluster, tmp_path):
    body = {"prompt": "calm jazz with piano", "seed": 7, "duration_s": 3}
    with httpx.Client(base_url=cluster["url"], timeout=120) as ray_client, \
            _in_process_client(tmp_path) as local:
        by_ray, in_process = (c.post("/api/audio/generate", json=body) for c in (ray_client, local))
        assert by_ray.status_code == in_process.status_code == 200, by_ray.text
        a, b = by_ray.json(), in_process.json()
        assert a["plan"] == b["plan"] and a["improved_prompt"] == b["improved_prompt"]
        assert base64.b64decode(a["audio_base64"]) == base64.b64decode(b["audio_base64"])
        # a spoken turn: the same transcript, reply, plan, clip and spoken reply
        turn_ray, turn_local = _turn(ray_client), _turn(local)
        assert turn_ray.status_code == turn_local.status_code == 200, turn_ray.text
        t1, t2 = turn_ray.json(), turn_local.json()
        assert t1["reply"] == t2["reply"] and t1["transcript"] == t2["transcript"]
        for name in ("music", "reply_base"):
            wav_ray = ray_client.get(f"/api/audio/{t1['audio'][name]['audio_id']}")
            wav_local = local.get(f"/api/audio/{t2['audio'][name]['audio_id']}")
            assert wav_ray.status_code == 200 and wav_ray.content == wav_local.content


def _replica_names(stage: str) -> list[str]:
    import ray

    return [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
            if a["name"].startswith("SERVE_REPLICA::") and f"#{stage}#" in a["name"]]


def _kill_replica(stage: str) -> str:
    import ray

    name = _replica_names(stage)[0]
    ray.kill(ray.get_actor(name, namespace="serve"), no_restart=True)
    return name


def _flood(client: httpx.Client, count: int, fault, after_s: float) -> list[httpx.Response]:
    """``count`` callers sending turns back to back from before ``fault`` (run after
    ``after_s``) until each has sent one after it: calls are in flight when the fault
    strikes however fast this machine renders (on a fast CPU six single turns had all
    finished within the second, and nothing was there to lose)."""
    struck = threading.Event()

    def caller() -> list[httpx.Response]:
        answers = []
        while True:
            after_fault = struck.is_set()
            answers.append(_turn(client))
            if after_fault or len(answers) >= 50:
                return answers

    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(caller) for _ in range(count)]
        time.sleep(after_s)
        fault()
        struck.set()
        return [answer for f in futures for answer in f.result()]


def _check_answers(answers: list[httpx.Response]) -> list[dict]:
    done = []
    for answer in answers:
        if answer.status_code == 503:
            assert int(answer.headers["Retry-After"]) > 0
            assert answer.json()["error"]["kind"] in ("stage_busy", "busy")
        else:
            assert answer.status_code == 200, answer.text
            done.append(answer.json())
    return done


def _recovered(url: str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            health = httpx.get(url + "/api/health", timeout=10).json()
            deployments = health.get("deployments", {})
            if deployments and all(d["status"] == "HEALTHY" for d in deployments.values()) \
                    and deployments["music"]["replicas"].get("RUNNING") == 2:
                return health
        except httpx.HTTPError:
            pass
        time.sleep(2)
    raise AssertionError(f"the deployments did not recover: {health}")


def test_a_killed_replica_then_a_lost_node_lose_no_request_and_nothing_stored(cluster):
    library = Library(cluster["config"].library.path)
    with httpx.Client(base_url=cluster["url"], timeout=180) as client:
        first = _turn(client)
        assert first.status_code == 200, first.text
        stored_before = library.count()
        done = []
        # A music replica dies while turns are being rendered. The one killed may have
        # been between calls at that instant (nothing to send again: CI once saw that),
        # so the fault strikes again, up to three times, until a call was in flight.
        for _ in range(3):
            done += _check_answers(_flood(client, 6, lambda: _kill_replica("music"), 1.0))
            if sum(_recovered(cluster["url"])["resent_calls"].values()) >= 1:
                break
        done += _check_answers(_flood(client, 6, cluster["worker"].kill, 1.0))
        assert done, "every request was refused"
        health = _recovered(cluster["url"])
        assert sum(health["resent_calls"].values()) >= 1  # a call was sent again, not lost
        after = _turn(client)
        assert after.status_code == 200, after.text
        # nothing stored is lost: every answered turn's files and its clip are still there
        for record in [first.json(), *done, after.json()]:
            for audio in record["audio"].values():
                assert client.get(f"/api/audio/{audio['audio_id']}").status_code == 200
        assert library.count() == stored_before + len(done) + 1


def _our_processes(token: str) -> list[int]:
    """Processes whose environment holds ``token`` (only a Ray the test started has it)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"RAY_AUTH_TOKEN={token}".encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def test_serve_engine_ray_starts_a_private_ray_and_sigterm_leaves_nothing(tmp_path):
    import os
    import secrets
    import signal
    import subprocess
    import sys

    token = secrets.token_hex(16)  # marks every process this server starts
    port = free_ports(1)[0]
    env = {**os.environ, "RAY_AUTH_TOKEN": token}
    import threading

    server = subprocess.Popen([sys.executable, "-m", "voice_agent.cli", "serve", "--engine", "ray",
                               "--fake", "--port", str(port), "--out", str(tmp_path / "out")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True).start()
    try:
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and server.poll() is None and not any(
                line.startswith("API (Ray Serve engine)") for line in lines):
            time.sleep(1)
        assert server.poll() is None, "".join(lines)[-2000:]
        health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=30).json()
        assert health["engine"] == "ray" and set(health["deployments"]) >= {"asr", "music"}
        assert _our_processes(token)  # the private Ray runs
        server.send_signal(signal.SIGTERM)
        code = server.wait(120)
        assert code == 0, "".join(lines)[-3000:]
        time.sleep(1)
        assert _our_processes(token) == [], "a Ray process outlived the server"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
