"""The Talk tab's streaming microphone without a browser: pieces in, live words out, and the
turn run on the streamed transcript (fake stages; a fake recogniser with word timings)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from voice_agent.fakes import FAKE_TRANSCRIPT, FakeWordTranscriber
from voice_agent.modes.web.app import WebActions
from voice_agent.modes.web.streaming_recorder import RecorderStream, StreamingRecorder
from voice_agent.service import build_service

RATE = 48_000
PIECE = 24_000  # half a second at the browser's rate, as Gradio sends it


def piece(seed: int) -> tuple[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    return RATE, (rng.standard_normal(PIECE) * 3000).astype(np.int16)


@pytest.fixture
def service(tmp_path):
    service = build_service(None, tmp_path / "server", fake=True)
    service.pipeline.transcriber = FakeWordTranscriber()
    return service


def recorder(service, enabled: bool = True, lang: str = "en") -> StreamingRecorder:
    return StreamingRecorder(WebActions(service, None, lang), enabled)


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def record(live: StreamingRecorder, pieces: int, language: str = "auto"):
    """Feed ``pieces`` half-second pieces, each once the session has stepped on the last
    (as a browser at 1x gives a 2-core machine time to); returns the stream and lines."""
    stream = live.start(language)
    model = live.actions.service.pipeline.transcriber
    lines = []
    for index in range(pieces):
        stream, line = live.chunk(piece(index), stream, language)
        lines.append(line)
        wait_for(lambda: sum(n for n, *_ in model.word_calls[-1:]) >= 8_000 * (index + 1))
    return stream, lines


def test_the_heard_line_grows_with_the_committed_words(service):
    live = recorder(service)
    stream, lines = record(live, 6)
    assert lines[0].startswith("Listening")
    assert stream.heard() and FAKE_TRANSCRIPT.startswith(stream.heard())
    assert live.heard_line(stream) == f"Heard so far: {stream.heard()}"
    assert stream.audio().rate == RATE and len(stream.audio().samples) == 6 * PIECE
    stream.close()


def test_stopping_runs_the_turn_on_the_streamed_transcript(service):
    live = recorder(service)
    stream, _ = record(live, 8)
    committed = stream.heard()
    updates = list(live.stop(stream, "default", "auto", "tab-1"))
    model = service.pipeline.transcriber
    # the final words come from the whole recording, decoded once as without streaming
    # (the steps' short-window hypotheses only made the live line)
    assert len(model.calls) == 1 and model.calls[0][0].duration_s == pytest.approx(4.0)
    final = updates[-1]
    assert final["status"].startswith("**Done.**") and "| total |" in final["timings"]
    assert final["transcript"] == f"(en) {FAKE_TRANSCRIPT}"
    assert final["transcript"].startswith(f"(en) {committed}") and final["log"]
    assert updates[0]["session"] == "tab-1" and final["plan"]["genre"] == "jazz"


def test_the_streamed_turn_has_the_same_outputs_as_a_batch_one(service, upload, tmp_path):
    import soundfile as sf

    live = recorder(service)
    stream, _ = record(live, 8)
    streamed = list(live.stop(stream, "default", "auto", "tab-1"))
    wav = tmp_path / "request.wav"
    sf.write(wav, stream.audio().samples, RATE)
    batch = list(live.actions.talk(upload(wav), "default", "auto", "tab-2"))
    assert set(streamed[-1]) == set(batch[-1])
    assert streamed[-1]["transcript"] == batch[-1]["transcript"]
    assert [sorted(u) for u in streamed[:2]] == [sorted(u) for u in batch[:2]]


def test_a_chosen_language_is_fixed_from_the_start(service):
    live = recorder(service)
    stream, _ = record(live, 2, language="es")
    assert stream.session.recognizer.language == "es"
    assert {language for _, language, _ in service.pipeline.transcriber.word_calls} == {"es"}
    stream.close()


def test_a_recording_past_the_limit_stops_recognising(service):
    live = recorder(service)
    stream = live.start("auto")
    stream.max_s = 1.0
    for index in range(3):
        stream, line = live.chunk(piece(index), stream, "auto")
    assert stream.too_long and stream.session is None and "over 1 s" in line
    assert len(stream.audio().samples) == 2 * PIECE  # the rest was dropped
    updates = list(live.stop(stream, "default", "auto", "tab-1"))
    assert len(updates) == 1 and "over 1 s" in updates[0]["status"]
    assert service.pipeline.transcriber.calls == []  # no turn ran


def test_stopping_with_nothing_recorded_says_so(service):
    live = recorder(service)
    updates = list(live.stop(live.start("auto"), "default", "auto", "tab-1"))
    assert "Record, upload or type" in updates[-1]["status"]


def test_off_or_without_word_timings_the_tab_is_as_before(service, tmp_path):
    assert recorder(service, enabled=False).request_sources == ["microphone", "upload"]
    assert recorder(service, enabled=True).request_sources == ["upload"]
    batch_only = build_service(None, tmp_path / "other", fake=True)  # no transcribe_words
    live = recorder(batch_only, enabled=True)
    assert not live.streams and live.request_sources == ["microphone", "upload"]
    stream = live.start("auto")
    assert stream.session is None and stream.transcriber() is None


def test_stereo_float_and_int16_pieces_become_mono_float():
    stream = RecorderStream(None, 60.0)
    stream.add(RATE, np.full((4, 2), 16384, np.int16))
    stream.add(RATE, np.array([0.25, -0.25], np.float32))
    assert stream.audio().samples.tolist() == [0.5, 0.5, 0.5, 0.5, 0.25, -0.25]
    assert stream.heard() == "" and stream.seconds == pytest.approx(6 / RATE)


def test_spanish_page_lines(service):
    live = recorder(service, lang="es")
    stream, _ = record(live, 6)
    assert live.heard_line(stream).startswith("Lo que llevo oído: ")
    stream.close()


def test_the_first_piece_after_a_stop_starts_a_new_recording(service):
    live = recorder(service)
    first, _ = record(live, 6)
    list(live.stop(first, "default", "auto", "tab-1"))
    second, line = live.chunk(piece(99), first, "auto")
    assert second is not first and first.stopped and not second.stopped
    assert len(second.audio().samples) == PIECE and line.startswith("Listening")
    second.close()


@pytest.mark.parametrize("flags, streams", [([], False), (["--stream"], True)])
def test_web_stream_flag_reaches_the_web_app(monkeypatch, tmp_path, flags, streams):
    import voice_agent.modes.web.app as web_app
    from voice_agent.cli import main

    class Built(Exception):
        pass

    def create_web_app(service, bench_dir, **options):
        raise Built(options["stream"])

    monkeypatch.setattr(web_app, "create_web_app", create_web_app)
    with pytest.raises(Built) as built:
        main(["web", "--fake", "--out", str(tmp_path), *flags])
    assert built.value.args == (streams,)


def test_a_cpu_too_slow_to_keep_up_is_told_and_the_stop_still_answers(service):
    live = recorder(service)
    stream = live.start("auto")
    stream.session.max_step_s = 0.0  # every step "too slow": the session gives up
    stream, _ = live.chunk(piece(0), stream, "auto")
    wait_for(lambda: stream.gave_up)
    stream, line = live.chunk(piece(1), stream, "auto")
    assert "too busy to keep up" in line
    final = list(live.stop(stream, "default", "auto", "tab-1"))[-1]
    assert final["transcript"].startswith("(en) play") and final["status"].startswith("**Done")
