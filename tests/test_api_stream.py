"""`/api/turn/stream`: a spoken request sent in PCM16 pieces over a WebSocket."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import REQUESTS
from tests.fakes import FakeResponder
from tests.live_server import live_server
from tests.test_asr_streaming import ScriptedWords, hyp
from voice_agent.core.audio import read_audio, resample
from voice_agent.modes.api import create_app
from voice_agent.pipeline.turns import Pipeline
from voice_agent.service import Limits, build_service
from voice_agent.service.errors import ServiceError
from voice_agent.service.streamed import StreamedRequest


@pytest.fixture
def ws_url(tmp_path):
    service = build_service(None, tmp_path, fake=True,
                            limits=Limits(max_upload_bytes=2 * 1024 * 1024, max_request_s=30.0))
    service.load()
    with live_server(create_app(service)) as url:
        yield url.replace("http://", "ws://") + "/api/turn/stream"


def pcm16_pieces(seconds: float = 0.03) -> list[bytes]:
    audio = read_audio(next(iter(sorted(REQUESTS.glob("*.wav")))))
    samples = resample(audio, 16_000).samples if audio.rate != 16_000 else audio.samples
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    size = int(seconds * 16_000) * 2
    return [pcm[i:i + size] for i in range(0, len(pcm), size)]


def send_request(url: str, pieces: list[bytes], query: str = "") -> dict:
    with connect(url + query, open_timeout=30, close_timeout=5) as socket:
        try:
            for piece in pieces:
                socket.send(piece)
            socket.send("end")
        except ConnectionClosed:  # the server refused a piece and closed: its answer waits
            pass
        return json.loads(socket.recv(timeout=120))


def test_pieces_then_end_answer_like_a_whole_upload(ws_url):
    body = send_request(ws_url, pcm16_pieces())
    assert body["ok"] is True and body["transcript"]["text"]
    assert body["audio"]["music"]["url"].startswith("http")


def test_a_half_sample_is_refused_with_one_line(ws_url):
    body = send_request(ws_url, [b"\x00\x01\x02"])
    assert body["error"]["kind"] and "2-byte samples" in body["error"]["message"]


def test_end_before_any_audio_is_refused(ws_url):
    assert "No audio arrived" in send_request(ws_url, [])["error"]["message"]


def test_an_impossible_rate_is_refused_at_once(ws_url):
    with connect(ws_url + "?rate=1000", open_timeout=30) as socket:
        body = json.loads(socket.recv(timeout=30))  # before any audio is sent
    assert "sample rate" in body["error"]["message"]


def test_streaming_recognises_while_the_pieces_arrive():
    model = ScriptedWords([hyp("toca", "un", "tango")])
    request = StreamedRequest(Pipeline(model, FakeResponder()), 16_000, 30.0, stream=True)
    piece = (np.full(480, 0.1 * 32767)).astype("<i2").tobytes()
    for _ in range(67):  # 2 s in 30 ms pieces
        request.add(piece)
    assert request.seconds == pytest.approx(2.01, abs=0.01)
    for _ in range(500):  # the session steps on its own thread as audio arrives
        if model.calls:
            break
        time.sleep(0.01)
    transcript = request.transcriber()(request.audio(), None)
    assert transcript.text.startswith("toca un tango") and request.session is not None
    assert len(model.calls) >= 2  # steps while the pieces came, then the tail at the end


def test_batch_is_the_default_and_the_length_is_bounded():
    model = ScriptedWords([hyp("toca")])
    request = StreamedRequest(Pipeline(model, FakeResponder()), 16_000, 0.05)
    assert request.transcriber() is None and request.session is None
    with pytest.raises(ServiceError, match="too long"):
        request.add(np.zeros(1600, "<i2").tobytes())
