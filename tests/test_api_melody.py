"""A melody in the HTTP API: ``POST /api/audio/generate`` as multipart with a ``melody``
file, ``melody`` on ``POST /api/turn``, their limits and JSON errors, and the OpenAPI.

The service is the fake one (tone music), but the melody is really decoded and
transcribed (pYIN), so what is "heard" is the real thing.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("librosa", reason="the speech extra (librosa) is not installed")

import httpx  # noqa: E402

from voice_agent.core.audio import wav_bytes  # noqa: E402
from voice_agent.core.types import Audio  # noqa: E402
from voice_agent.modes.api import create_app  # noqa: E402
from voice_agent.service import Limits, build_service  # noqa: E402
from tests.conftest import REQUESTS  # noqa: E402
from tests.live_server import live_server  # noqa: E402
from tests.test_music_melody import RATE, sing  # noqa: E402

LIMITS = Limits(max_upload_bytes=2 * 1024 * 1024, max_request_s=30.0, max_melody_s=8.0)
#: a short tune: A C E D C A (it comes home to A, with a minor third above it)
TUNE = [57, 60, 64, 62, 60, 57]
BEATS = [1, 1, 1, 1, 1, 2]


@pytest.fixture(scope="module")
def hum() -> bytes:
    return wav_bytes(sing(TUNE, BEATS, 150))


@pytest.fixture
def service(tmp_path):
    service = build_service(None, tmp_path, fake=True, limits=LIMITS)
    service.load()
    return service


@pytest.fixture
def api(service):
    with live_server(create_app(service)) as url, httpx.Client(base_url=url, timeout=120) as client:
        yield client


def _error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    return response.json()["error"]


def _generate(api, melody: bytes | None, name: str = "hum.wav", **fields):
    files = {"melody": (name, melody, "audio/wav")} if melody is not None else None
    data = {"prompt": "a bossa nova", **{k: str(v) for k, v in fields.items()}}
    return api.post("/api/audio/generate", data=data, files=files)


def test_a_hummed_melody_is_heard_and_followed(service, api, hum):
    response = _generate(api, hum, duration_s=5, seed=3)
    assert response.status_code == 200, response.text
    body = response.json()
    heard = body["melody"]
    assert (heard["notes"], heard["key"], heard["mode"]) == (6, "A", "minor")
    assert heard["bpm"] == pytest.approx(150, abs=5)  # onsets are read to a 12 ms hop
    assert 2.5 < heard["seconds"] < 3.5
    assert body["plan"]["seed"] == 3 and body["duration_s"] == pytest.approx(5.0, abs=0.01)
    given = service.pipeline.renderer.melodies[-1]
    assert isinstance(given, Audio) and given.duration_s == pytest.approx(3.3, abs=0.2)


def test_json_still_works_and_carries_no_melody(service, api):
    response = api.post("/api/audio/generate", json={"prompt": "relaxing jazz", "duration_s": 2})
    assert response.status_code == 200, response.text
    assert response.json()["melody"] is None and service.pipeline.renderer.melodies[-1] is None


def test_a_silent_melody_is_422(api):
    error = _error(_generate(api, wav_bytes(Audio(np.zeros(3 * RATE, np.float32), RATE))), 422)
    assert error["kind"] == "no_melody" and "silent" in error["message"]


def test_noise_is_no_tune(api):
    noise = np.random.default_rng(0).uniform(-0.3, 0.3, 3 * RATE).astype(np.float32)
    error = _error(_generate(api, wav_bytes(Audio(noise, RATE))), 422)
    assert error["kind"] == "no_melody" and "No melody was heard" in error["message"]


def test_too_short_too_long_odd_and_empty_melodies(api, hum):
    short = wav_bytes(Audio(np.full(RATE // 2, 0.2, np.float32), RATE))
    error = _error(_generate(api, short), 422)
    assert error["kind"] == "no_melody" and "0.50 s" in error["message"]
    long = wav_bytes(sing(TUNE * 4, BEATS * 4, 90))  # 14 s, over the 8 s limit here
    error = _error(_generate(api, long), 400)
    assert "too long" in error["message"] and "8 s" in error["message"]
    error = _error(_generate(api, b"this is not audio at all" * 10, name="tune.mp3"), 400)
    assert error["kind"] == "bad_audio"
    assert _error(_generate(api, b""), 400)["message"].startswith("The melody file is empty")
    # an HTML form's empty file input (no name, no bytes) is no melody, not an error
    response = _generate(api, b"", name="", duration_s=2)
    assert response.status_code == 200, response.text
    assert response.json()["melody"] is None
    error = _error(_generate(api, hum, name="../etc/hum.wav"), 400)
    assert "plain file name" in error["message"]


def test_a_melody_sent_as_text_or_with_bad_fields(api, hum):
    response = api.post("/api/audio/generate", data={"prompt": "jazz", "melody": "la la la"})
    assert "must be a file" in _error(response, 400)["message"]
    error = _error(_generate(api, hum, duration_s="long"), 422)
    assert error["kind"] == "invalid_request" and "body.duration_s" in error["message"]
    error = _error(_generate(api, hum, tempo=120), 422)
    assert "body.tempo" in error["message"]


def test_a_huge_melody_is_413(api):
    big = b"RIFF" + b"\0" * (3 * 1024 * 1024)
    assert _error(_generate(api, big), 413)["kind"] in ("too_large", "http")


def test_an_unknown_engine_is_422_with_the_choices(api, hum):
    error = _error(api.post("/api/audio/generate", json={"prompt": "jazz", "engine": "mozart"}),
                   422)
    assert error["kind"] == "unknown_engine" and "Choose one of: default" in error["message"]
    assert _error(_generate(api, hum, engine="mozart"), 422)["kind"] == "unknown_engine"
    models = api.get("/api/models").json()
    assert models["music_engines"] == ["default"]


def test_a_turn_follows_a_melody(service, api, hum):
    with open(REQUESTS / "example_en.wav", "rb") as request:
        response = api.post("/api/turn", files={"file": ("request.wav", request, "audio/wav"),
                                                "melody": ("hum.wav", hum, "audio/wav")})
    assert response.status_code == 200, response.text
    assert isinstance(service.pipeline.renderer.melodies[-1], Audio)
    silent = wav_bytes(Audio(np.zeros(2 * RATE, np.float32), RATE))
    with open(REQUESTS / "example_en.wav", "rb") as request:
        response = api.post("/api/turn", files={"file": ("request.wav", request, "audio/wav"),
                                                "melody": ("hum.wav", silent, "audio/wav")})
    assert _error(response, 422)["kind"] == "no_melody"


def test_openapi_documents_json_and_multipart_with_a_melody(api):
    schema = api.get("/openapi.json").json()
    body = schema["paths"]["/api/audio/generate"]["post"]["requestBody"]["content"]
    components = schema["components"]["schemas"]

    def resolve(ref):
        return components[ref["$ref"].rsplit("/", 1)[-1]]

    assert resolve(body["application/json"]["schema"])["properties"]["prompt"]["maxLength"] == 600
    form = resolve(body["multipart/form-data"]["schema"])["properties"]
    assert form["melody"]["format"] == "binary" and "engine" in form and "prompt" in form
    turn = schema["paths"]["/api/turn"]["post"]["requestBody"]["content"]
    turn_form = next(iter(turn.values()))["schema"]
    if "$ref" in turn_form:
        turn_form = resolve(turn_form)
    assert {"melody", "engine", "file"} <= set(turn_form["properties"])
