"""The responder starts on streaming recognition's committed words (early prefill)."""

from __future__ import annotations

import threading

import pytest

from tests.fakes import FakeResponder, FakeTranscriber
from voice_agent.asr.streaming import Word
from voice_agent.core.types import Transcript
from voice_agent.pipeline.turns import Pipeline


class PrefillingFake(FakeResponder):
    """Records what it was asked to prefill."""

    def __init__(self) -> None:
        super().__init__()
        self.prefilled: list[Transcript] = []
        self.called = threading.Event()

    def prefill(self, partial, history=()):
        self.prefilled.append(partial)
        self.called.set()
        return len(partial.text.split())


def words(*texts: str) -> list[Word]:
    return [Word(i * 0.3, i * 0.3 + 0.25, f" {t}") for i, t in enumerate(texts)]


def test_committed_words_are_prefilled_once_the_language_is_known():
    responder = PrefillingFake()
    language: list[str | None] = [None]
    on_commit = Pipeline(FakeTranscriber(), responder,
                         prefill_while_speaking=True).early_prefill(lambda: language[0])
    on_commit(words("Toca", "un"))
    assert not responder.called.wait(0.2)  # the prompt names the language before the words
    language[0] = "es"
    on_commit(words("tango"))
    assert responder.called.wait(5)
    assert responder.prefilled == [Transcript("Toca un tango", "es")]


def test_a_responder_that_cannot_prefill_gets_no_callback():
    assert Pipeline(FakeTranscriber(), FakeResponder(),
                    prefill_while_speaking=True).early_prefill(lambda: "en") is None


def test_no_prefill_unless_switched_on():
    # off by default: measured idle on two cores, it cost time (docs/speed.md)
    assert Pipeline(FakeTranscriber(), PrefillingFake()).early_prefill(lambda: "en") is None


@pytest.mark.real_model
def test_after_a_prefill_the_answer_evaluates_only_the_last_words(monkeypatch):
    pytest.importorskip("llama_cpp")
    from voice_agent.responder.llama_cpp import LlamaCppResponder

    responder = LlamaCppResponder(threads=1, max_tokens=160)
    responder.load()
    evaluated = responder.prefill(Transcript("play a calm jazz song with soft piano and", "en"))
    assert evaluated > 5
    counts: list[int] = []
    original = responder.llm.eval
    monkeypatch.setattr(responder.llm, "eval", lambda t: (counts.append(len(t)), original(t))[1])
    transcript = Transcript("play a calm jazz song with soft piano and brushes", "en")
    reply = responder.respond(transcript)
    # the genre is named, so the prompt goes on with the answer's head (words_plan)
    from voice_agent.responder.reading import read_request
    from voice_agent.responder.replies import answer_head, words_plan

    plan = words_plan(read_request(transcript.text, "en"), transcript, 15.0)
    head = len(responder.llm.tokenize(answer_head(plan, "en").encode("utf-8"), add_bos=False))
    assert counts[0] <= 12 + head, counts  # the last words, the prompt's closing, the head
    assert reply.source == "llm" and reply.plan.genre == "jazz"  # the state it reused is sound
