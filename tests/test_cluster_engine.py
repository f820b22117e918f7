"""``serve --engine ray`` without starting Ray: its flags, its missing extra, the queue's
slots, and the stage proxies riding out lost replicas (through a stand-in handle)."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from fastapi.testclient import TestClient

from voice_agent.cli import main
from voice_agent.modes.api import create_app
from voice_agent.modes.cluster import ClusterFlagError, Scaling, parse_gpus, parse_replicas
from voice_agent.modes.cluster.options import check_address
from voice_agent.pipeline.turns import Pipeline
from voice_agent.service import AgentService, BusyError
from voice_agent.service.errors import StageBusyError
from voice_agent.service.queue import WorkQueue
from voice_agent.service.voices import fake_voice_lab
from tests.conftest import REQUESTS
from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber

import ray.exceptions as ray_exceptions  # noqa: E402  (the cluster extra: setup.sh installs it)


# -- flags ----------------------------------------------------------------------------------

def test_replicas_take_a_count_or_a_range_and_default_to_one():
    scaling = parse_replicas("asr=2, music=1-3")
    assert scaling["asr"] == Scaling(2, 2)
    assert scaling["music"] == Scaling(1, 3)
    assert scaling["responder"] == scaling["voice"] == Scaling(1, 1)
    config = scaling["music"].autoscaling_config()
    assert (config["min_replicas"], config["max_replicas"], config["initial_replicas"]) == (1, 3, 1)
    assert parse_gpus("music=1,voice=0.5") == {"music": 1.0, "voice": 0.5}


@pytest.mark.parametrize("text, words", [
    ("tts=2", "unknown stage 'tts'"), ("asr=two", "whole number"), ("asr=0", "between 1"),
    ("asr=3-1", "lower bound first"), ("asr", "STAGE=VALUE")])
def test_bad_replicas_are_refused_in_words(text, words):
    with pytest.raises(ClusterFlagError, match=words):
        parse_replicas(text)


@pytest.mark.parametrize("argv, words", [
    (["--replicas", "speech=2"], "unknown stage 'speech'"),
    (["--replicas", "asr=1.5"], "whole number"),
    (["--num-gpus", "music=lots"], "needs a number"),
    (["--address", "nowhere"], "HOST:PORT"),
])
def test_serve_refuses_bad_engine_flags_with_one_line_and_exit_2(argv, words, capsys):
    code = main(["serve", "--engine", "ray", "--fake", *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2 and words in err and len(err.splitlines()) == 1


def test_engine_flags_need_the_ray_engine(capsys):
    assert main(["serve", "--fake", "--replicas", "asr=2"]) == 2
    assert "need --engine ray" in capsys.readouterr().err


def test_missing_cluster_extra_names_it_in_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    assert main(["serve", "--engine", "ray", "--fake", "--address", "auto"]) == 2
    err = capsys.readouterr().err.strip()
    assert "pip install 'voice-agent[cluster]'" in err and len(err.splitlines()) == 1


def test_address_is_auto_or_host_and_port():
    assert check_address("auto") == "auto" and check_address("10.0.0.5:6379") == "10.0.0.5:6379"
    assert check_address(None) is None
    with pytest.raises(ClusterFlagError):
        check_address("10.0.0.5:99999")


# -- the queue's slots -------------------------------------------------------------------------

def test_a_queue_with_slots_lets_that_many_hold_at_once_in_arrival_order():
    queue = WorkQueue(slots=2)
    held, release = [], threading.Event()

    def hold():
        with queue.hold("work", 8) as slot:
            held.append(slot)
            release.wait(5)

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while (len(held) < 2 or queue.waiting < 1) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(held) == [0, 1] and queue.waiting == 1  # the third waits
    release.set()
    for t in threads:
        t.join(5)
    assert len(held) == 3 and held[2] in (0, 1)


def _service(tmp_path, slots: int, renderer: FakeRenderer) -> AgentService:
    def pipeline():
        return Pipeline(FakeTranscriber(), FakeResponder(), renderer,
                        {"cloned": FakeSpeaker(freq=330.0), "base": FakeSpeaker()})
    pipelines = [pipeline() for _ in range(slots)]
    return AgentService(pipelines[0], tmp_path / "requests", fake_voice_lab(tmp_path / "sp"),
                        fake=True, spare_pipelines=pipelines[1:], engine="ray")


def test_spare_pipelines_run_requests_side_by_side_one_slot_serialises(tmp_path):
    audio_bytes = (REQUESTS / "example_en.wav").read_bytes()
    for slots, expected in ((1, 1), (3, 3)):
        renderer = FakeRenderer(delay_s=0.4)
        service = _service(tmp_path / str(slots), slots, renderer)
        audio = service.decode_request(audio_bytes, "example_en.wav")
        threads = [threading.Thread(target=service.turn, args=(audio,)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert renderer.max_in_flight == expected


# -- proxies over a stand-in handle --------------------------------------------------------------

class _Response:
    def __init__(self, outcome):
        self.outcome = outcome

    def result(self):
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


class _Method:
    def __init__(self, handle, name):
        self.handle, self.name = handle, name

    def remote(self, *args, **kwargs):
        self.handle.calls += 1
        outcome = self.handle.script.pop(0) if self.handle.script else self.handle.backend(
            *args, **kwargs)
        return _Response(outcome)


class FlakyHandle:
    """Stands in for a DeploymentHandle: the scripted failures first, then the real call."""

    def __init__(self, script, backend):
        self.script, self.backend, self.calls = list(script), backend, 0

    def __getattr__(self, name):
        return _Method(self, name)


def _died():
    return ray_exceptions.ActorDiedError()


def test_a_call_that_meets_a_dead_replica_is_sent_again():
    from voice_agent.modes.cluster.proxies import RendererProxy, StageClient
    from voice_agent.modes.cluster.stages import StageRecipe, StageReplica

    replica = StageReplica("music", StageRecipe(None))
    handle = FlakyHandle([_died(), ray_exceptions.ActorUnavailableError("gone", None)],
                         lambda method, *a, **k: replica.call(method, *a, **k))
    client = StageClient(handle, "music", retry_s=10)
    from voice_agent.core.types import MusicPlan

    clip = RendererProxy(client, "fake-music").render(MusicPlan(duration_s=1.0), "")
    assert clip.audio.duration_s == pytest.approx(1.0, abs=0.05)
    assert handle.calls == 3 and client.retries == 2


def test_a_stage_error_crosses_as_itself_and_is_not_retried():
    from voice_agent.core.errors import NoSpeechError
    from voice_agent.modes.cluster.proxies import StageClient, TranscriberProxy
    from voice_agent.modes.cluster.stages import StageRecipe, StageReplica

    replica = StageReplica("asr", StageRecipe(None))
    replica.backend = FakeTranscriber(error=NoSpeechError("No speech detected."))
    handle = FlakyHandle([], lambda method, *a, **k: replica.call(method, *a, **k))
    proxy = TranscriberProxy(StageClient(handle, "asr"), "fake-asr")
    with pytest.raises(NoSpeechError, match="No speech"):
        proxy.transcribe(FakeSpeaker().speak("x", "en"))
    assert handle.calls == 1


def test_no_live_replica_in_time_is_a_503_with_retry_after(tmp_path):
    from voice_agent.modes.cluster.proxies import RendererProxy, StageClient

    dead = FlakyHandle([_died()] * 1000, None)
    renderer = RendererProxy(StageClient(dead, "music", retry_s=0.3), "fake-music")
    pipeline = Pipeline(FakeTranscriber(), FakeResponder(), renderer,
                        {"base": FakeSpeaker()})
    service = AgentService(pipeline, tmp_path / "requests", fake_voice_lab(tmp_path / "sp"),
                           fake=True, engine="ray")
    with pytest.raises(StageBusyError):
        renderer.render(None, "")
    client = TestClient(create_app(service), base_url="http://127.0.0.1")
    wav = (REQUESTS / "example_en.wav").read_bytes()
    answer = client.post("/api/turn", files={"file": ("example_en.wav", wav, "audio/wav")})
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.json()["error"]["kind"] == "stage_busy"
    assert "music stage has no live replica" in answer.json()["error"]["message"]
    generate = client.post("/api/audio/generate", json={"prompt": "calm jazz"})
    assert generate.status_code == 503 and generate.headers["Retry-After"]
    health = client.get("/api/health").json()
    assert health["engine"] == "ray"
    assert not list((tmp_path / "requests").glob("*/music.wav"))  # nothing half-made stored


def test_busy_error_is_still_the_queue_s_own():
    assert BusyError.status == StageBusyError.status == 503
