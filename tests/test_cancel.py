"""Cancelling a running turn: it stops within a bound, says ``cancelled`` in its record,
stores nothing, keeps the library and the session consistent and frees the service."""

from __future__ import annotations

import threading
import time

import pytest

from voice_agent.core.cancel import CancelToken, TurnCancelledError
from voice_agent.core.events import EVENT_SPEECH_CHUNK
from voice_agent.library import Library, LibrarySession, LyricsWriter
from voice_agent.pipeline.record import turn_record, write_outputs
from voice_agent.pipeline.turns import Pipeline
from voice_agent.service import AgentService
from voice_agent.service.sessions import run_in_session
from voice_agent.service.voices import fake_voice_lab
from tests.fakes import FakeRenderer, FakeTranscriber, PacedFakeSpeaker, StreamingFakeResponder

#: a long reply: 40 sentences, so an uncancelled turn takes many seconds
SENTENCES = " ".join(f"Sentence number {i} of a long answer." for i in range(40))
ANSWER = ('{"say": "%s", "intent": "make_music", "plan": {"genre": "jazz", "bpm": 90, '
          '"key": "F", "mode": "major", "instruments": ["piano"], "mood": "relaxed", '
          '"duration_s": 2}}' % SENTENCES)
#: how long a cancelled turn may go on (one sentence of work plus scheduling)
BOUND_S = 1.5


class SlowStreamingResponder(StreamingFakeResponder):
    """Writes its answer slowly, as a language model does (``pause_s`` per piece)."""

    def __init__(self, pause_s: float = 0.05) -> None:
        super().__init__(ANSWER, pieces=len(ANSWER) // 8)
        self.pause_s = pause_s
        self.pieces_written = 0

    def respond_stream(self, transcript, history=(), on_sentence=None, reading=None,
                       on_plan=None):
        def slow(sentence: str) -> None:
            time.sleep(self.pause_s * 4)
            on_sentence(sentence)
            self.pieces_written += 1

        return super().respond_stream(transcript, history, slow if on_sentence else None,
                                      reading, on_plan)


def _pipeline(library: Library | None) -> Pipeline:
    hook = LibrarySession(library, LyricsWriter(None)) if library is not None else None
    return Pipeline(FakeTranscriber(), SlowStreamingResponder(), FakeRenderer(),
                    {"cloned": PacedFakeSpeaker(0.05), "base": PacedFakeSpeaker(0.05)},
                    library=hook)


def _cancel_at_first_speech(token: CancelToken, cancelled_at: list[float]):
    def on_event(event) -> None:
        if event.kind == EVENT_SPEECH_CHUNK and not token.cancelled:
            cancelled_at.append(time.perf_counter())
            threading.Thread(target=token.cancel).start()  # as a web request would, elsewhere
    return on_event


def test_token_check_raises_only_once_cancelled():
    token = CancelToken()
    token.check()
    token.cancel()
    assert token.cancelled
    with pytest.raises(TurnCancelledError):
        token.check()


def test_a_turn_cancelled_mid_reply_stops_promptly_and_stores_nothing(tmp_path):
    library = Library(tmp_path / "lib")
    pipeline = _pipeline(library)
    run_in_session(pipeline, "kitchen", text="make some relaxing jazz with piano")  # one finished turn first
    clips_before = library.count()
    token, cancelled_at = CancelToken(), []
    turn = run_in_session(pipeline, "kitchen", text="make some relaxing jazz with piano",
                          on_event=_cancel_at_first_speech(token, cancelled_at), cancel=token)
    stopped_after = time.perf_counter() - cancelled_at[0]
    assert turn.cancelled and stopped_after < BOUND_S
    assert pipeline.responder.pieces_written < 10  # it did not write the whole answer
    assert turn.music is None and turn.speech == () and turn.reply is None
    assert [e.kind for e in turn.errors] == ["cancelled"]
    record = write_outputs(turn, tmp_path / "out")
    assert record["cancelled"] is True and turn_record(turn)["cancelled"] is True
    # nothing half-written: no clip stored, the session kept only the finished turn
    assert library.count() == clips_before
    stored, history = pipeline.library.open_session("kitchen")
    assert len(history) == 1 and history[0].transcript.text == "make some relaxing jazz with piano"
    finished = run_in_session(pipeline, "kitchen", text="save this")  # the hook still works
    assert finished.ok and not finished.cancelled and finished.library.done


def test_a_turn_cancelled_before_it_starts_runs_no_stage():
    pipeline = _pipeline(None)
    token = CancelToken()
    token.cancel()
    turn = pipeline.run(text="make some relaxing jazz with piano", cancel=token)
    assert turn.cancelled and turn.transcript is None
    assert pipeline.renderer.plans == [] and pipeline.responder.pieces_written == 0


def test_an_uncancelled_turn_is_not_marked():
    turn = _pipeline(None).run(text="make some relaxing jazz with piano")
    assert not turn.cancelled and turn.music is not None and turn_record(turn)["cancelled"] is False


def test_the_service_cancels_by_ticket_and_frees_the_models(tmp_path):
    service = AgentService(_pipeline(Library(tmp_path / "lib")), tmp_path / "requests",
                           fake_voice_lab(tmp_path / "speakers"))
    outcome: dict = {}
    started = threading.Event()

    def on_event(event) -> None:
        if event.kind == EVENT_SPEECH_CHUNK:
            started.set()

    def work() -> None:
        outcome["result"] = service.turn(None, text="make some relaxing jazz with piano", session="web-1",
                                         on_event=on_event, ticket="web-1")

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(10)
    asked = time.perf_counter()
    assert service.cancel("web-1") is True
    thread.join(10)
    assert time.perf_counter() - asked < BOUND_S
    result = outcome["result"]
    assert result.turn.cancelled and result.record["cancelled"] is True
    assert service.pipeline.library.library.count() == 0
    assert service.cancel("web-1") is False and service.cancel("nobody") is False
    quick = service.turn(None, text="make some relaxing jazz with piano", session="web-1")  # the lock is free
    assert quick.turn.ok and not quick.turn.cancelled


def test_the_api_cancels_a_posted_turn_by_its_turn_id(tmp_path):
    import httpx

    from tests.conftest import REQUESTS
    from tests.live_server import live_server
    from voice_agent.modes.api import create_app
    from voice_agent.service import build_service

    service = build_service(None, tmp_path, fake=True)
    service.pipeline.renderer.delay_s = 1.5  # a render to cancel during
    service.load()
    with live_server(create_app(service)) as url, httpx.Client(base_url=url, timeout=30) as api:
        outcome: dict = {}

        def post() -> None:
            with open(REQUESTS / "example_en.wav", "rb") as file:
                outcome["response"] = api.post(
                    "/api/turn", files={"file": ("example_en.wav", file, "audio/wav")},
                    data={"language": "en", "turn_id": "mine-1"})

        thread = threading.Thread(target=post)
        thread.start()
        deadline = time.monotonic() + 10
        while "api:mine-1" not in service._tickets and time.monotonic() < deadline:
            time.sleep(0.02)
        cancelled = api.delete("/api/turn/mine-1")
        thread.join(20)
        assert cancelled.status_code == 202, cancelled.text
        body = outcome["response"].json()
        assert body["cancelled"] is True and body["music"] is None
        assert api.delete("/api/turn/mine-1").status_code == 404
        assert api.post("/api/turn", files={"file": ("a.wav", b"x")},
                        data={"turn_id": "bad id!"}).status_code == 422
