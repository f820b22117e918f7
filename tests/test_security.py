"""Issue 19: safe to run as a server. Each test is an attack from the issue, on loopback.

The web app and the API run with fake stages (``--fake``) on 127.0.0.1; the file-read
attack is the issue's own reproduction through the Gradio API.
"""

from __future__ import annotations

import io
import json
import time

import httpx
import numpy as np
import pytest
import soundfile as sf

from voice_agent.core.audio import wav_bytes
from voice_agent.modes.api import create_app
from voice_agent.modes.guard import Access, allowed_hosts, bind_problem, is_loopback
from voice_agent.service import AgentService, Limits, build_service
from tests.conftest import ASSETS
from tests.fakes import tone
from tests.live_server import live_server
from tests.security_helpers import (concurrent_posts_process, distinct_recordings,
                                    fake_server, file_data, flac_hours, gradio_call,
                                    peak_rss_mb, slow_enrolment_server)

SPEAKER_WAV = ASSETS / "speakers" / "librivox_austen_enrol.wav"


# -- 1. no file is read from a path the client names ---------------------------------------

@pytest.fixture
def web(tmp_path, monkeypatch):
    """The web app (fake stages) on loopback; its upload folder is private to the test."""
    from voice_agent.modes.web.app import create_web_app

    uploads = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(uploads))
    service = build_service(None, tmp_path / "server", fake=True)
    service.load()
    app = create_web_app(service, tmp_path / "bench", library_dir=tmp_path / "library")
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client, service, uploads


@pytest.fixture
def secret(tmp_path):
    """A readable audio file planted outside every folder the server may serve or read."""
    folder = tmp_path / "private"
    folder.mkdir()
    path = folder / "diary.wav"
    samples, rate = sf.read(str(SPEAKER_WAV), dtype="float32")
    sf.write(str(path), samples, rate)
    return path


def _copies_of(data: bytes, folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file() and p.read_bytes() == data]


@pytest.mark.parametrize("api_name, inputs", [
    ("check_speaker", lambda f: [f]),
    ("enrol", lambda f: [f, ""]),  # the recording, the speaker's name
    ("talk", lambda f: [f, "", "default", "auto", None, []]),  # + typed text, session, log
    ("compare", lambda f: ["default", "hello there", "en", f]),
])
def test_a_server_path_named_in_a_gradio_call_is_never_read(web, secret, api_name, inputs):
    client, service, uploads = web
    for target in (secret, "/etc/passwd"):
        event, data = gradio_call(client, api_name, inputs(file_data(target)))
        shown = str(data)
        assert "not uploaded" in shown and "Can be used" not in shown, (event, shown[:500])
    assert not _copies_of(secret.read_bytes(), uploads)  # never copied where it is served
    assert service.voices.speaker_ids() == []  # and never enrolled


def test_an_uploaded_file_is_still_read(web):
    client, _service, _uploads = web
    uploaded = client.post("/gradio_api/upload",
                           files={"files": ("me.wav", SPEAKER_WAV.read_bytes(), "audio/wav")})
    assert uploaded.status_code == 200, uploaded.text
    event, data = gradio_call(client, "check_speaker", [file_data(uploaded.json()[0])])
    assert event == "complete" and "Can be used" in str(data)


def test_library_database_and_speaker_recordings_are_not_static_files(web, tmp_path):
    client, service, _uploads = web
    enrolled = service.enrol(_copy(SPEAKER_WAV, tmp_path / "s.wav"), "s.wav")
    recording = service.voices.recording(enrolled.speaker_id)
    private = [tmp_path / "library" / "library.sqlite3", recording,
               service.store.root / "x.json"]
    for path in private:
        response = client.get(f"/gradio_api/file={path}")
        assert response.status_code in (403, 404), (path, response.status_code)
    event, data = gradio_call(client, "library_delete", [1, "all clips", False])
    assert event in ("complete", "error")  # no clip 1; and no deletion without the box


def _copy(source, target):
    target.write_bytes(source.read_bytes())
    return target


def test_the_upload_route_has_a_per_request_count_cap(web):
    client, _service, _uploads = web
    files = [("files", (f"{i}.wav", b"RIFF" + bytes(1000), "audio/wav")) for i in range(5)]
    response = client.post("/gradio_api/upload", files=files)
    assert response.status_code == 413 and "at most 2 file" in response.text


# -- 2. limits before work ------------------------------------------------------------------

def test_an_hour_of_flac_is_refused_with_little_memory(tmp_path):
    hour = flac_hours(1.0)
    assert len(hour) < 1_000_000  # small on the wire
    with fake_server(tmp_path / "out") as (url, process), httpx.Client(base_url=url,
                                                                      timeout=60) as client:
        client.get("/api/health")
        before = peak_rss_mb(process.pid)
        turn = client.post("/api/turn", files={"file": ("hour.flac", hour, "audio/flac")})
        enrol = client.post("/api/speakers", files={"file": ("hour.flac", hour, "audio/flac")})
        grown = peak_rss_mb(process.pid) - before
    assert turn.status_code == 400 and "3600 s long" in turn.json()["error"]["message"]
    assert enrol.status_code == 400 and "limit is 60 s" in enrol.json()["error"]["message"]
    assert grown < 100, f"peak memory grew by {grown:.0f} MiB"


def test_decoding_stops_at_the_limit_when_the_header_does_not_say(tmp_path):
    """A WAV streamed without its length (size 0xFFFFFFFF) is cut off, not decoded whole."""
    from voice_agent.core.audio import AudioTooLongError, decode_audio

    data = bytearray(wav_bytes(tone(5.0, 16_000)))
    data[40:44] = (0xFFFFFFFF).to_bytes(4, "little")
    with pytest.raises(AudioTooLongError, match="limit is 2 s"):
        decode_audio(bytes(data), "stream.wav", max_s=2.0)


# -- 3. one bounded FIFO queue; health never waits -----------------------------------------

def test_fifty_enrolments_do_not_freeze_health(tmp_path):
    """The issue's freeze: enrolments (minutes each; 2 s here) once took every worker
    thread, and health waited behind all of them (50 x 2 s)."""
    clips = []
    for i, data in enumerate(distinct_recordings(SPEAKER_WAV, 50)):
        clips.append(tmp_path / f"speaker{i}.wav")
        clips[-1].write_bytes(data)
    latencies: list[float] = []
    with slow_enrolment_server(tmp_path / "out", 2.0) as (url, _process), \
            httpx.Client(base_url=url, timeout=5) as client:
        attack = concurrent_posts_process(url + "/api/speakers", clips)
        deadline = time.monotonic() + 15
        try:
            while attack.poll() is None and time.monotonic() < deadline:
                start = time.perf_counter()
                assert client.get("/api/health").status_code == 200  # times out at 5 s
                latencies.append(time.perf_counter() - start)
                time.sleep(0.05)
            # the admitted few finish in turn (those arriving later may be admitted as
            # the queue drains); the rest were refused at once
            statuses = json.loads(attack.communicate(timeout=150)[0])
        finally:
            attack.kill()
    # The test machine is shared (load ~20 on 2 cores): a probe can lose the CPU for a
    # moment, so the bound is on nine probes in ten.
    ordered = sorted(latencies)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    assert len(latencies) >= 5 and p90 < 1.0, f"health p90 {p90:.2f} s: {ordered}"
    assert statuses.count(200) >= 1 and statuses.count(503) >= 40, statuses
    assert set(statuses) <= {200, 503}


def test_the_queue_is_first_come_first_served():
    from voice_agent.service.queue import WorkQueue
    import threading

    queue, order = WorkQueue(), []
    gate = threading.Event()

    def first() -> None:
        with queue.hold("work", 10):
            gate.wait(5)

    def later(i: int) -> None:
        with queue.hold("work", 10):
            order.append(i)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    time.sleep(0.1)
    for i in range(6):
        threads.append(threading.Thread(target=later, args=(i,)))
        threads[-1].start()
        time.sleep(0.05)  # arrive in order
    gate.set()
    for thread in threads:
        thread.join(5)
    assert order == list(range(6))


def test_enrolments_have_their_own_cap(tmp_path):
    from voice_agent.service import BusyError
    from voice_agent.service.queue import WorkQueue

    queue = WorkQueue()
    with queue.hold("work", 1):
        import threading

        waiting = threading.Thread(target=lambda: queue.hold("enrol", 1).__enter__())
        waiting.daemon = True
        waiting.start()
        time.sleep(0.1)
        assert queue.waiting_for("enrol") == 1
        with pytest.raises(BusyError, match="enrolments waiting"):
            with queue.hold("enrol", 1, "enrolments"):
                pass


# -- 4. authentication, Host header, origins -----------------------------------------------

def test_off_loopback_needs_a_token():
    assert is_loopback("127.0.0.1") and is_loopback("127.0.0.2") and is_loopback("::1")
    assert is_loopback("localhost") and not is_loopback("0.0.0.0")
    assert bind_problem("127.0.0.1", None) is None
    assert "without a token" in bind_problem("0.0.0.0", None)
    assert "without a token" in bind_problem("192.168.1.20", "")
    assert bind_problem("0.0.0.0", "s3cret") is None


def test_the_cli_refuses_0000_without_a_token(capsys, monkeypatch):
    from voice_agent.cli import main

    monkeypatch.delenv("VOICE_AGENT_TOKEN", raising=False)
    assert main(["serve", "--fake", "--host", "0.0.0.0", "--port", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "without a token" in err


@pytest.fixture
def guarded_api(tmp_path):
    service = build_service(None, tmp_path, fake=True)
    service.load()
    access = Access("127.0.0.1", token="s3cret", allow_origins=("https://app.example",))
    with live_server(create_app(service, access=access)) as url:
        yield url


def test_the_api_needs_the_bearer_token(guarded_api):
    assert httpx.get(guarded_api + "/api/health").status_code == 401
    wrong = httpx.get(guarded_api + "/api/health", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    right = httpx.get(guarded_api + "/api/health", headers={"Authorization": "Bearer s3cret"})
    assert right.status_code == 200 and right.json()["status"] == "ok"


def test_a_bad_host_header_is_refused(guarded_api):
    auth = {"Authorization": "Bearer s3cret"}
    for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example"):
        response = httpx.get(guarded_api + "/api/health", headers={**auth, "Host": host})
        assert response.status_code == 421, host
        assert response.json()["error"]["kind"] == "bad_host"
    assert httpx.get(guarded_api + "/api/health",
                     headers={**auth, "Host": "localhost:1234"}).status_code == 200
    assert "*" in allowed_hosts("0.0.0.0") and "evil.example" not in allowed_hosts("127.0.0.1")
    assert "*" not in allowed_hosts("0.0.0.0", ["music.example"])


def test_cross_site_writes_are_refused_and_cors_is_same_origin(guarded_api):
    auth = {"Authorization": "Bearer s3cret"}
    wav = wav_bytes(tone(1.0, 16_000))
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "http://localhost:9999"}):
        response = httpx.post(guarded_api + "/api/turn", headers={**auth, **headers},
                              files={"file": ("r.wav", wav)})
        assert response.status_code == 403, headers
    allowed = httpx.get(guarded_api + "/api/health",
                        headers={**auth, "Origin": "https://app.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = httpx.get(guarded_api + "/api/health",
                      headers={**auth, "Origin": "http://localhost:9999"})
    assert "access-control-allow-origin" not in other.headers
    preflight = httpx.options(guarded_api + "/api/turn", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403


def test_the_web_app_drops_gradios_localhost_cors(web):
    client, _service, _uploads = web
    response = client.get("/gradio_api/info", headers={"Origin": "http://localhost:9999"})
    assert "access-control-allow-origin" not in response.headers
    write = client.post("/gradio_api/upload", headers={"Origin": "http://localhost:9999"},
                        files={"files": ("a.wav", b"RIFF")})
    assert write.status_code == 403


def test_the_web_app_asks_for_the_token(tmp_path, monkeypatch):
    from voice_agent.modes.web.app import create_web_app

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    service = build_service(None, tmp_path / "server", fake=True)
    app = create_web_app(service, tmp_path / "bench", library_dir=tmp_path / "library",
                         access=Access("127.0.0.1", token="s3cret"))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/gradio_api/info").status_code == 401
        assert client.post("/login", data={"username": "me", "password": "nope"}
                           ).status_code >= 400
        assert client.post("/login", data={"username": "me", "password": "s3cret"}
                           ).status_code == 200
        assert client.get("/gradio_api/info").status_code == 200


# -- 5. sessions keep their own library state ----------------------------------------------

@pytest.fixture
def library_service(tmp_path):
    """A service whose pipeline has a real library; the transcriber says what it is told."""
    from voice_agent.library import Library, LibrarySession, LyricsWriter
    from voice_agent.pipeline.turns import Pipeline
    from voice_agent.service.voices import fake_voice_lab
    from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber

    library = Library(tmp_path / "library")
    pipeline = Pipeline(FakeTranscriber(), FakeResponder(), FakeRenderer(),
                        {"cloned": FakeSpeaker()},
                        library=LibrarySession(library, LyricsWriter(None)))
    service = AgentService(pipeline, tmp_path / "requests", fake_voice_lab(tmp_path / "sp"))
    service.load()

    def say(text: str, session: str | None):
        pipeline.transcriber.text = text
        return service.turn(tone(1.0, 16_000), session=session).turn

    return service, library, say


def test_two_sessions_confirmations_are_kept_apart(library_service):
    _service, library, say = library_service
    say("play some jazz", "alice")
    say("save this", "alice")
    assert len(library.playlist()) == 1
    asked = say("clear the playlist", "alice")
    assert "Say yes to confirm" in asked.reply.say
    bob = say("yes", "bob")  # bob's yes is not alice's
    assert not bob.library.done and len(library.playlist()) == 1
    assert not say("save this", "bob").library.done  # bob has made nothing to save
    assert say("yes", "alice").library.done and library.playlist() == []


def test_a_request_without_a_session_shares_nothing(library_service):
    _service, library, say = library_service
    say("play some salsa", "alice")
    assert not say("save this", None).library.done
    assert library.get_state("current_clip") is None  # nothing process-wide


# -- 6. crash consistency: idempotent retries, no half-written folders ---------------------

def test_an_idempotent_retry_returns_the_stored_result(library_service):
    service, library, _say = library_service
    service.pipeline.transcriber.text = "play some jazz"
    wav = wav_bytes(tone(1.0, 16_000))
    with live_server(create_app(service)) as url:
        def post(key: str):
            return httpx.post(url + "/api/turn", headers={"Idempotency-Key": key},
                              files={"file": ("r.wav", wav)}, timeout=60)

        first, retry = post("key-1"), post("key-1")
        assert first.status_code == retry.status_code == 200
        assert retry.json()["request_id"] == first.json()["request_id"]
        assert retry.headers["idempotent-replayed"] == "true"
        assert library.count() == 1  # stored once
        assert post("key-2").json()["request_id"] != first.json()["request_id"]
        assert library.count() == 2
        bad = httpx.post(url + "/api/turn", headers={"Idempotency-Key": "x" * 200},
                         files={"file": ("r.wav", wav)})
        assert bad.status_code == 400
    requests = [p for p in service.store.root.iterdir()]
    assert len(requests) == 2


def test_a_half_written_request_folder_is_never_served(tmp_path):
    from voice_agent.service import UnknownIdError

    service = build_service(None, tmp_path, fake=True)
    with pytest.raises(RuntimeError):
        with service.store.writing() as (request_id, partial):
            (partial / "music.wav").write_bytes(wav_bytes(tone(1.0, 16_000)))
            with pytest.raises(UnknownIdError):
                service.audio_path(f"{request_id}-music")
            raise RuntimeError("crash")
    assert list(service.store.root.iterdir()) == []


# -- 7. the "lower" list -----------------------------------------------------------

@pytest.fixture
def api(tmp_path):
    service = build_service(None, tmp_path, fake=True,
                            limits=Limits(max_upload_bytes=2 * 1024 * 1024))
    service.load()
    with live_server(create_app(service)) as url, httpx.Client(base_url=url, timeout=60) as c:
        yield c, service


def test_bad_speaker_filenames_are_400(api):
    client, _service = api
    for name in ("..", ".", "/", "a/b.wav", "x" * 300 + ".wav"):
        response = client.post("/api/speakers",
                               files={"file": (name, SPEAKER_WAV.read_bytes(), "audio/wav")})
        assert response.status_code in (400, 422), (name, response.status_code)
        assert "Traceback" not in response.text


def test_errors_carry_no_server_paths(api, tmp_path):
    client, service = api
    response = client.post("/api/speakers", files={"file": ("junk.wav", b"not audio" * 50)})
    message = response.json()["error"]["message"]
    assert response.status_code == 400
    assert str(tmp_path) not in message and str(service.store.root) not in message


def test_a_truncated_wav_is_refused_with_a_message(api):
    client, _service = api
    data = wav_bytes(tone(4.0, 16_000))
    response = client.post("/api/turn", files={"file": ("cut.wav", data[: len(data) // 2])})
    assert response.status_code == 400 and "cut short" in response.json()["error"]["message"]


def test_sizes_are_in_mib_everywhere(api):
    client, _service = api
    response = client.post("/api/turn", files={"file": ("big.wav", bytes(3 * 1024 * 1024))})
    message = response.json()["error"]["message"]
    assert response.status_code == 413 and "MiB" in message and " MB" not in message


def test_the_prompt_limit_is_one_figure(api):
    client, service = api
    schema = client.get("/openapi.json").json()
    limit = schema["components"]["schemas"]["GenerateRequest"]["properties"]["prompt"]
    assert limit["maxLength"] == service.limits.max_prompt_chars


def test_silence_and_noise_get_the_same_status(api):
    from voice_agent.core.errors import NoSpeechError
    from tests.fakes import FakeTranscriber

    client, service = api
    silent = client.post("/api/turn", files={"file": ("s.wav", wav_bytes(tone(1.0, 16_000, 0.0)))})
    service.pipeline.transcriber = FakeTranscriber(error=NoSpeechError("No speech detected."))
    noise = np.random.default_rng(0).normal(0, 0.3, 16_000).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, noise, 16_000, format="WAV")
    noisy = client.post("/api/turn", files={"file": ("n.wav", buffer.getvalue())})
    assert silent.status_code == noisy.status_code == 422
    assert silent.json()["error"]["kind"] == noisy.json()["error"]["kind"] == "no_speech"


def test_too_short_says_nothing_of_a_talk_key(api):
    client, _service = api
    response = client.post("/api/turn", files={"file": ("s.wav", wav_bytes(tone(0.1, 16_000)))})
    message = response.json()["error"]["message"]
    assert response.status_code == 400 and "0.10 s" in message and "talk key" not in message


def test_ids_are_matched_whole_and_not_echoed_long(api):
    client, service = api
    result = service.compose("jazz", language="en")
    assert client.get(f"/api/audio/{result.audio_id}").status_code == 200
    assert client.get(f"/api/audio/{result.audio_id}%0A").status_code == 404
    long_id = "a" * 60_000  # httpx sends at most 64 KiB of URL
    response = client.get(f"/api/audio/{long_id}")
    assert response.status_code in (404, 414) and len(response.content) < 2000


def test_the_docs_are_served_offline(api):
    client, _service = api
    page = client.get("/docs").text
    assert "/docs-static/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200


def test_run_refuses_an_unusable_speaker_and_long_audio(tmp_path, capsys):
    from voice_agent.cli import main

    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio" * 100)
    assert main(["run", "--text", "jazz", "--speaker", str(junk), "--out",
                 str(tmp_path / "o")]) != 0
    assert "Speaker recording" in capsys.readouterr().err
    hour = tmp_path / "hour.flac"
    hour.write_bytes(flac_hours(0.25))
    assert main(["run", str(hour), "--out", str(tmp_path / "o")]) != 0  # before any model
    err = capsys.readouterr().err
    assert "900 s long" in err and "--max-audio-s" in err
