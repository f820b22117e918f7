"""The HTTP API on a real uvicorn server on loopback, with fake stages (--fake mode)."""

from __future__ import annotations

import base64
import io
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import soundfile as sf

from voice_agent.core.audio import wav_bytes
from voice_agent.fakes import FAKE_TRANSCRIPT, FakeRenderer, FakeTranscriber
from voice_agent.core.errors import NoSpeechError
from voice_agent.modes.api import create_app
from voice_agent.service import Limits, build_service
from tests.conftest import ASSETS, REQUESTS
from tests.fakes import tone
from tests.live_server import live_server

LIMITS = Limits(max_upload_bytes=2 * 1024 * 1024, max_request_s=30.0)


@pytest.fixture
def service(tmp_path):
    service = build_service(None, tmp_path, fake=True, limits=LIMITS)
    service.load()
    return service


@pytest.fixture
def api(service):
    with live_server(create_app(service)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def _wav_seconds(data: bytes) -> float:
    samples, rate = sf.read(io.BytesIO(data))
    assert len(samples) > 0
    return len(samples) / rate


def _error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body["error"]) == {"kind", "message"} and body["error"]["message"]
    return body["error"]


def test_health_models_and_docs(api):
    health = api.get("/api/health").json()
    assert health["status"] == "ok" and health["loaded"] and health["fake"]
    models = api.get("/api/models").json()
    assert models["stages"]["asr"] == "fake-asr" and models["fake"]
    schema = api.get("/openapi.json").json()
    assert {"/api/audio/generate", "/api/turn", "/api/audio/{audio_id}", "/api/health",
            "/api/models"} <= set(schema["paths"])
    assert api.get("/docs").status_code == 200


def test_generate_returns_the_improved_prompt_and_the_audio(api):
    response = api.post("/api/audio/generate", json={"prompt": "relaxing jazz with piano",
                                                     "duration_s": 3, "bpm": 90})
    assert response.status_code == 200, response.text
    body = response.json()
    plan = body["plan"]
    assert body["improved_prompt"].startswith(f"{plan['mood']} jazz, piano")
    assert body["improved_prompt"].endswith(f"90 bpm, {plan['key']} {plan['mode']}")
    audio = base64.b64decode(body["audio_base64"])
    assert _wav_seconds(audio) == pytest.approx(3.0, abs=0.01)
    fetched = api.get(f"/api/audio/{body['audio_id']}")
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "audio/wav"
    assert fetched.content == audio
    midi = httpx.get(body["midi_url"])
    assert midi.status_code == 200 and midi.content.startswith(b"MThd")


def test_turn_from_an_uploaded_request(api):
    with open(REQUESTS / "example_en.wav", "rb") as file:
        response = api.post("/api/turn", files={"file": ("example_en.wav", file, "audio/wav")},
                            data={"language": "en", "session": "s1"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] and body["transcript"]["text"] == FAKE_TRANSCRIPT
    assert body["reply"]["plan"]["genre"] == "jazz" and body["request"] == "example_en.wav"
    assert set(body["audio"]) == {"music", "reply_cloned", "reply_base"}
    for item in body["audio"].values():
        fetched = httpx.get(item["url"])
        assert fetched.status_code == 200 and _wav_seconds(fetched.content) > 0
    assert set(body["timings"]) >= {"asr", "llm", "music", "tts_cloned", "tts_base", "total"}


def test_turn_with_an_enrolled_speaker(api):
    with open(ASSETS / "speakers" / "librivox_austen_enrol.wav", "rb") as file:
        enrolled = api.post("/api/speakers", files={"file": ("me.wav", file, "audio/wav")})
    assert enrolled.status_code == 200, enrolled.text
    speaker_id = enrolled.json()["speaker_id"]
    assert speaker_id in api.get("/api/speakers").json()["speakers"]
    response = api.post("/api/turn", files={"file": ("r.wav", wav_bytes(tone(1.0)), "audio/wav")},
                        data={"speaker_id": speaker_id})
    assert response.status_code == 200 and "reply_cloned" in response.json()["audio"]
    unknown = api.post("/api/turn", files={"file": ("r.wav", wav_bytes(tone(1.0)), "audio/wav")},
                       data={"speaker_id": "0123456789ab"})
    assert "No enrolled speaker" in _error(unknown, 404)["message"]


def test_a_bad_speaker_recording_is_refused(api):
    response = api.post("/api/speakers", files={"file": ("s.wav", wav_bytes(tone(1.0, 24_000)),
                                                         "audio/wav")})
    assert "only 1.0 s" in _error(response, 400)["message"]


def test_no_body(api):
    assert "body" in _error(api.post("/api/audio/generate"), 422)["message"]
    assert "file" in _error(api.post("/api/turn"), 422)["message"]


def test_bad_json_fields_are_named(api):
    error = _error(api.post("/api/audio/generate", json={"prompt": "jazz", "bpm": 999,
                                                         "tempo": 3}), 422)
    assert "bpm" in error["message"] and "tempo" in error["message"]
    assert "empty" in _error(api.post("/api/audio/generate", json={"prompt": "   "}), 400)["message"]
    assert _error(api.post("/api/audio/generate", content=b"{not json",
                           headers={"content-type": "application/json"}), 422)


def test_huge_upload_is_refused_with_413(api):
    huge = b"\0" * (LIMITS.max_upload_bytes + 200 * 1024)
    response = api.post("/api/turn", files={"file": ("big.wav", huge, "audio/wav")})
    assert "limit is 2.0 MiB" in _error(response, 413)["message"]


def test_huge_chunked_upload_without_length_is_refused(api):
    def chunks():
        for _ in range(40):
            yield b"\0" * (64 * 1024)

    response = api.post("/api/audio/generate", content=chunks(),
                        headers={"content-type": "application/json"})
    assert _error(response, 413)["kind"] == "too_large"


def test_not_audio_and_empty_uploads(api):
    response = api.post("/api/turn", files={"file": ("notes.txt", b"hello, not audio" * 50,
                                                     "text/plain")})
    error = _error(response, 400)
    assert error["kind"] == "bad_audio" and "not audio" in error["message"]
    assert "empty" in _error(api.post("/api/turn", files={"file": ("e.wav", b"", "audio/wav")}),
                             400)["message"]


def test_too_long_and_too_short_requests(api):
    long = wav_bytes(tone(31.0, 8000))
    assert "at most 30 s" in _error(api.post("/api/turn", files={"file": ("l.wav", long)}),
                                    400)["message"]
    short = wav_bytes(tone(0.1))
    assert "0.10 s" in _error(api.post("/api/turn", files={"file": ("s.wav", short)}),
                              400)["message"]


def test_a_request_with_no_speech_is_422_with_the_record(service, api):
    service.pipeline.transcriber = FakeTranscriber(error=NoSpeechError("No speech detected."))
    response = api.post("/api/turn", files={"file": ("r.wav", wav_bytes(tone(1.0)))})
    assert _error(response, 422)["kind"] == "no_speech"
    assert response.json()["turn"]["errors"][0]["stage"] == "asr"


@pytest.mark.parametrize("audio_id", ["0123456789ab-music", "nope", "0123456789ab-reply_base"])
def test_unknown_audio_id(api, audio_id):
    assert _error(api.get(f"/api/audio/{audio_id}"), 404)["kind"] == "not_found"


def test_unknown_route_and_format(api):
    assert _error(api.get("/api/nothing-here"), 404)
    assert "format" in _error(api.get("/api/audio/0123456789ab-music?format=mp3"), 422)["message"]


def test_concurrent_requests_are_queued_and_keep_their_own_outputs(service, api):
    service.pipeline.renderer = renderer = FakeRenderer(delay_s=0.1)
    durations = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]

    def generate(seconds: float) -> tuple[float, httpx.Response]:
        return seconds, api.post("/api/audio/generate", json={"prompt": "happy pop",
                                                              "duration_s": seconds})

    def talk(_: int) -> httpx.Response:
        return api.post("/api/turn", files={"file": ("r.wav", wav_bytes(tone(1.0)))})

    with ThreadPoolExecutor(max_workers=8) as pool:
        generated = list(pool.map(generate, durations))
        turns = list(pool.map(talk, range(2)))
    assert renderer.max_in_flight == 1
    ids = set()
    for seconds, response in generated:
        assert response.status_code == 200, response.text
        body = response.json()
        ids.add(body["audio_id"])
        assert _wav_seconds(base64.b64decode(body["audio_base64"])) == pytest.approx(seconds, abs=0.01)
        fetched = api.get(f"/api/audio/{body['audio_id']}").content
        assert _wav_seconds(fetched) == pytest.approx(seconds, abs=0.01)
    assert len(ids) == len(durations)
    assert all(t.status_code == 200 and t.json()["ok"] for t in turns)
    assert len({t.json()["request_id"] for t in turns}) == 2


def test_busy_server_answers_503(tmp_path):
    service = build_service(None, tmp_path, fake=True, limits=Limits(max_waiting=0))
    with live_server(create_app(service)) as url:
        response = httpx.post(url + "/api/audio/generate", json={"prompt": "jazz"})
    assert _error(response, 503)["kind"] == "busy" and response.headers["retry-after"]


def test_record_is_json_serialisable_on_disk(service, api):
    body = api.post("/api/turn", files={"file": ("r.wav", wav_bytes(tone(1.0)))}).json()
    on_disk = json.loads((service.store.root / body["request_id"] / "turn.json").read_text())
    assert on_disk["turn_id"] == body["turn_id"] and on_disk["request_id"] == body["request_id"]


def test_a_session_is_kept_on_disk_and_a_bad_name_is_a_400(tmp_path):
    from voice_agent.library import Library, LibrarySession, LyricsWriter

    service = build_service(None, tmp_path, fake=True)
    service.pipeline.library = LibrarySession(Library(tmp_path / "lib"), LyricsWriter(None))
    request = (REQUESTS / "example_en.wav").read_bytes()
    with live_server(create_app(service)) as url, httpx.Client(base_url=url, timeout=60) as api:
        for _ in range(2):
            ok = api.post("/api/turn", files={"file": ("r.wav", request, "audio/wav")},
                          data={"session": "tab-7"})
            assert ok.status_code == 200, ok.text
        assert ok.json()["library"]["session"] == "tab-7"
        assert ok.json()["library"]["version"] == 2
        bad = api.post("/api/turn", files={"file": ("r.wav", request, "audio/wav")},
                       data={"session": "../../etc"})
        assert _error(bad, 400)["kind"] == "library"
    assert [len(h) for h in service.pipeline.responder.histories] == [0, 1]


def test_a_32_bit_seed_is_accepted_and_repeats_the_clip(api):
    big = {"prompt": "relaxing jazz with piano", "duration_s": 2, "seed": 2**32 - 1}
    first, second = api.post("/api/audio/generate", json=big), api.post("/api/audio/generate",
                                                                          json=big)
    assert first.status_code == 200, first.text
    assert first.json()["plan"]["seed"] == 2**32 - 1
    assert first.json()["audio_base64"] == second.json()["audio_base64"]
    assert api.post("/api/audio/generate", json={**big, "seed": 2**32}).status_code in (400, 422)
