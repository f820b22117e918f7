""""Sure!" at the end of speech, from what the streaming steps heard, before the final words.

The final transcript still comes from the whole request; the acknowledgement is said only
when the words heard while speaking ask for music in a language the steps are sure of,
is never said twice, and the reply on record begins with it because it was heard.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from voice_agent.asr.streaming import StreamingRecognizer, Word, WordHypothesis
from voice_agent.core import events
from voice_agent.core.errors import UnclearSpeechError
from voice_agent.core.types import Transcript
from voice_agent.pipeline.turns import Pipeline
from tests.fakes import (FakeRenderer, FakeSpeaker, FakeTranscriber, StreamingFakeResponder,
                         tone)

ANSWER = json.dumps({"intent": "make_music", "genre": "jazz", "instruments": ["piano"],
                     "mood": "relaxed", "say": "Sure! Here is some relaxing jazz with piano."})
CHAT = json.dumps({"intent": "chat", "say": "Hi! I can make music for you."})


def heard(text: str, language: str = "en", p: float = 0.95) -> Transcript:
    return Transcript(text, language, language_probability=p)


class SlowTranscriber(FakeTranscriber):
    """Records whether anything was said before the final words were recognised."""

    def __init__(self, *args, said: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.said_before = None
        self._said = said

    def transcribe(self, audio, language=None):
        self.said_before = list(self._said)
        return super().transcribe(audio, language)


def run(heard_words: Transcript | None, final: str = "play some relaxing jazz with piano",
        final_language: str = "en", answer: str = ANSWER, error=None, history=()):
    seen: list[events.TurnEvent] = []
    said: list[str] = []

    def on_event(event: events.TurnEvent) -> None:
        seen.append(event)
        if event.kind == events.EVENT_SAY:
            said.append(event.text)

    transcriber = SlowTranscriber(final, final_language, error=error, said=said)
    pipeline = Pipeline(transcriber, StreamingFakeResponder(answer), FakeRenderer(),
                        {"cloned": FakeSpeaker(), "base": FakeSpeaker()})
    turn = pipeline.run(audio=tone(), on_event=on_event, heard=heard_words, history=history)
    return turn, said, transcriber.said_before


def test_music_heard_while_speaking_is_acknowledged_before_the_words_are_final():
    turn, said, before = run(heard("play some relaxing jazz"))
    assert before == ["Sure!"]  # said while the final words were still being recognised
    assert said == ["Sure!", "Here is some relaxing jazz with piano."]  # "Sure!" once
    assert turn.reply.say == "Sure! Here is some relaxing jazz with piano."
    assert turn.latency["early_acknowledgement"] <= turn.latency["first_audio"]
    assert turn.music is not None and turn.ok


def test_without_a_preview_the_acknowledgement_waits_for_the_words():
    turn, said, before = run(None)
    assert before == [] and said[0] == "Sure!"
    assert "early_acknowledgement" not in turn.latency


@pytest.mark.parametrize("words", [
    heard("xq zz jazz", p=0.55),                # language not sure, words no help
    heard("pon una salsa", "en", p=0.55),       # unsure, and the words are not English
    heard("hello, how are you today"),          # no music asked for
    heard("   "),                               # nothing heard
])
def test_no_early_acknowledgement_when_the_preview_is_not_clear_music(words):
    _turn, _said, before = run(words)
    assert before == []


def test_an_unsure_language_the_words_are_plainly_in_is_enough():
    turn, _said, before = run(heard("pon música electrónica con mucha energía", "es", p=0.63),
                              final="pon música electrónica con mucha energía",
                              final_language="es")
    assert before == ["¡Claro!"]


def test_an_unsure_language_that_is_the_conversations_is_enough():
    earlier, _, _ = run(None)
    turn, _said, before = run(heard("xq zz jazz", p=0.55), history=(earlier,))
    assert before == ["Sure!"] and turn.reply.say.startswith("Sure!")


def test_a_reply_that_does_not_acknowledge_still_begins_with_what_was_heard():
    # the steps heard music; the final words are chat, whose reply has its own opening
    turn, said, before = run(heard("play some jazz"), final="hello there", answer=CHAT)
    assert before == ["Sure!"] and said[0] == "Sure!"
    assert turn.reply.say.startswith("Sure! Hi!") and turn.reply.say == " ".join(said)


def test_the_rest_follows_in_the_language_of_the_final_words():
    answer = json.dumps({"intent": "make_music", "genre": "salsa", "instruments": ["trumpet"],
                         "mood": "happy", "say": "¡Claro! Aquí tienes una salsa alegre."})
    turn, said, before = run(heard("pon una salsa alegre", "en"), final="pon una salsa alegre",
                             final_language="es", answer=answer)
    # "Sure!" was heard (a wrong guess of the language); "¡Claro!" is not said after it
    assert before == ["Sure!"] and said == ["Sure!", "Aquí tienes una salsa alegre."]
    assert turn.reply.say == "Sure! Aquí tienes una salsa alegre."


def test_words_that_turn_out_unclear_end_the_turn_after_the_acknowledgement():
    turn, said, _before = run(heard("play some jazz"),
                              error=UnclearSpeechError("Sorry, I didn't catch that."))
    assert said == ["Sure!"] and turn.reply is None and turn.music is None
    assert "early_acknowledgement" in turn.latency  # the record says what was heard
    assert any(e.kind == "unclear" for e in turn.errors)


# -- what the steps heard --------------------------------------------------------------


class Steps:
    """transcribe_words returns scripted hypotheses; transcribe decodes the whole request."""

    def __init__(self, *script: WordHypothesis) -> None:
        self.script = list(script)
        self.batch: list[tuple[float, str | None]] = []

    def load(self) -> None:
        pass

    def transcribe_words(self, samples, language, prompt=""):
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def transcribe(self, audio, language=None):
        self.batch.append((audio.duration_s, language))
        return Transcript("play some jazz with piano please", language or "en", 0.9,
                          audio.duration_s)


def hypothesis(*texts: str, language: str = "en", p: float = 0.9) -> WordHypothesis:
    return WordHypothesis(tuple(Word(i * 0.4, i * 0.4 + 0.3, t) for i, t in enumerate(texts)),
                          language, p)


def second(seconds: float) -> np.ndarray:
    return np.full(int(16_000 * seconds), 0.1, np.float32)


def test_heard_is_the_committed_words_then_the_last_steps_others():
    recognizer = StreamingRecognizer(Steps(hypothesis("play", "some"),
                                           hypothesis("play", "some", "jazz")))
    assert recognizer.heard() is None  # no step yet
    recognizer.feed(second(0.6))
    recognizer.step()
    recognizer.feed(second(0.6))
    recognizer.step()
    preview = recognizer.heard()
    assert preview.text == "play some jazz" and preview.language == "en"
    assert [w.text for w in recognizer.buffer.committed] == ["play", "some"]


def test_the_final_words_come_from_the_whole_request_even_after_trimming():
    model = Steps(hypothesis("play", "some", "jazz."), hypothesis("play", "some", "jazz."))
    recognizer = StreamingRecognizer(model, trim_s=1.0)
    for _ in range(3):
        recognizer.feed(second(0.6))
        recognizer.step()
    assert recognizer._offset > 0  # the steps' buffer was cut at a sentence end
    transcript = recognizer.finish()
    # one decode of all 1.8 s, in no given language (language ID of the whole request)
    assert model.batch == [(pytest.approx(1.8), None)]
    assert transcript.text == "play some jazz with piano please"
    assert recognizer.finish("es") and model.batch[-1][1] == "es"  # a language, when given


def test_decode_tail_keeps_whisper_streamings_way():
    model = Steps(hypothesis("play"), hypothesis("play", "some"), hypothesis("jazz"))
    recognizer = StreamingRecognizer(model, decode_tail=True)
    for _ in range(2):
        recognizer.feed(second(0.6))
        recognizer.step()
    recognizer.feed(second(0.6))
    assert recognizer.finish().text.startswith("play") and model.batch == []


def test_the_end_of_speech_reaches_a_recogniser_that_can_use_it():
    class Timed(Steps):
        def transcribe(self, audio, language=None, *, started=None):
            self.started = started
            return super().transcribe(audio, language)

    timed, plain = Timed(hypothesis("play")), Steps(hypothesis("play"))
    for model in (timed, plain):
        recognizer = StreamingRecognizer(model)
        recognizer.feed(second(0.6))
        recognizer.finish(started=12.5)  # a recogniser without ``started`` is not given it
    assert timed.started == 12.5 and len(plain.batch) == 1


def test_a_session_stops_stepping_once_what_it_heard_is_enough():
    from voice_agent.asr.streaming import StreamingSession, feed_in_real_time
    from voice_agent.core.types import Audio

    model = Steps(hypothesis("play"), hypothesis("play", "some"),
                  hypothesis("play", "some", "jazz"), hypothesis("play", "some", "jazz", "now"))
    calls = []

    def enough(heard: Transcript) -> bool:
        calls.append(heard.text)
        return "jazz" in heard.text

    session = StreamingSession(StreamingRecognizer(model, min_step_s=0.1), enough=enough)
    feed_in_real_time(session, Audio(second(1.2), 16_000), chunk_s=0.03)
    transcript = session.finish()
    # three steps, then none: the fourth hypothesis was never asked for
    assert session.settled and calls[-1] == "play some jazz" and len(calls) == 3
    assert session.heard().text == "play some jazz"
    assert transcript.text == "play some jazz with piano please"  # the whole request's


def test_the_pipeline_says_when_what_was_heard_is_enough():
    pipeline = Pipeline(FakeTranscriber(), StreamingFakeResponder(ANSWER), FakeRenderer(),
                        {"cloned": FakeSpeaker()})
    assert pipeline.early_opener(heard("toca una cumbia alegre", "es")) == "¡Claro!"
    assert pipeline.early_opener(heard("toca una cumbia", "es", p=0.5)) == "¡Claro!"  # words
    assert pipeline.early_opener(heard("toca una cumbia", "en", p=0.5)) is None
    assert pipeline.early_opener(heard("what time is it")) is None
    assert pipeline.early_opener(None) is None
