"""A comparison voice loads in the background: a session is ready before it, turns still use it."""

from __future__ import annotations

import threading
import time

from voice_agent.core.errors import ModelNotFoundError
from voice_agent.pipeline.turns import Pipeline
from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber


class SlowLoadingSpeaker(FakeSpeaker):
    """Takes ``load_s`` to load (or fails with ``error`` then), and counts its loads."""

    def __init__(self, load_s: float = 0.5, load_error: Exception | None = None) -> None:
        super().__init__()
        self.load_s = load_s
        self.load_error = load_error
        self.loaded = threading.Event()

    def load(self) -> None:
        time.sleep(self.load_s)
        if self.load_error is not None:
            raise self.load_error
        self.loaded.set()


def _pipeline(base) -> Pipeline:
    return Pipeline(FakeTranscriber(), FakeResponder(), FakeRenderer(),
                    {"cloned": FakeSpeaker(), "base": base})


def test_the_session_is_ready_before_the_comparison_voice_and_turns_wait_for_it():
    base = SlowLoadingSpeaker(load_s=0.6)
    pipeline = _pipeline(base)
    assert pipeline.comparison_stages() == ("tts_base",)
    start = time.perf_counter()
    seconds = pipeline.load(later=pipeline.comparison_stages())
    assert time.perf_counter() - start < 0.5 and "tts_base" not in seconds
    assert not base.loaded.is_set()
    turn = pipeline.run(text="some jazz with piano")
    assert base.loaded.is_set() and [s.voice for s in turn.speech] == ["cloned", "base"]
    assert pipeline.later_load_s["tts_base"] >= 0.6


def test_a_comparison_voice_that_fails_in_the_background_is_left_out_not_an_error():
    base = SlowLoadingSpeaker(load_s=0.1, load_error=ModelNotFoundError("no Piper voice here"))
    pipeline = _pipeline(base)
    pipeline.load(later=pipeline.comparison_stages())
    turn = pipeline.run(text="some jazz with piano")
    assert [s.voice for s in turn.speech] == ["cloned"]
    assert not turn.errors
    assert "no Piper voice" in pipeline.unavailable["tts_base"]


def test_the_primary_voice_is_never_deferred():
    pipeline = _pipeline(SlowLoadingSpeaker(load_s=0.0))
    seconds = pipeline.load(later=("tts_cloned", "tts_base"))
    assert "tts_cloned" in seconds
