"""Streaming recognition: the LocalAgreement-2 commit logic with scripted hypotheses, and
the recogniser/session around it with a scripted word transcriber (no Whisper needed)."""

from __future__ import annotations

import numpy as np
import pytest

from voice_agent.asr.streaming import (AgreementBuffer, StreamingRecognizer, StreamingSession,
                                       Word, WordHypothesis, feed_in_real_time)
from voice_agent.core.errors import NoSpeechError
from voice_agent.core.types import Audio


def words(*spec: str, start: float = 0.0, step: float = 0.4) -> list[Word]:
    return [Word(start + i * step, start + i * step + 0.3, text) for i, text in enumerate(spec)]


def texts(found: list[Word]) -> list[str]:
    return [w.text for w in found]


def test_nothing_is_committed_from_a_single_hypothesis():
    buffer = AgreementBuffer()
    assert buffer.insert(words("play", "some")) == []
    assert texts(buffer.pending) == ["play", "some"]


def test_the_common_prefix_of_two_hypotheses_is_committed():
    buffer = AgreementBuffer()
    buffer.insert(words("play", "sum"))
    assert texts(buffer.insert(words("play", "some", "jazz"))) == ["play"]
    assert texts(buffer.insert(words("play", "some", "jazz", "with"))) == ["some", "jazz"]
    assert texts(buffer.committed) == ["play", "some", "jazz"]
    assert texts(buffer.pending) == ["with"]


def test_case_and_punctuation_do_not_block_agreement():
    buffer = AgreementBuffer()
    buffer.insert(words("Play", "jazz"))
    assert texts(buffer.insert(words("play", "jazz.", "please"))) == ["play", "jazz."]


def test_committed_words_are_never_committed_twice():
    buffer = AgreementBuffer()
    buffer.insert(words("toca", "un", "tango"))
    buffer.insert(words("toca", "un", "tango", "triste"))
    again = words("toca", "un", "tango", "triste", "ahora")
    assert texts(buffer.insert(again)) == ["triste"]  # "ahora" is seen once so far
    assert texts(buffer.insert(again)) == ["ahora"]
    assert texts(buffer.committed) == ["toca", "un", "tango", "triste", "ahora"]


def test_a_repeat_of_the_committed_tail_across_a_cut_is_dropped():
    buffer = AgreementBuffer()
    buffer.insert(words("some", "jazz"))
    buffer.insert(words("some", "jazz"))
    # a decode of audio cut just before "jazz" ended hears it again, slightly later
    rest = buffer.accept_rest([Word(0.75, 1.0, "jazz"), Word(1.1, 1.4, "please")])
    assert texts(rest) == ["please"]


class ScriptedWords:
    """transcribe_words returns the next scripted hypothesis (buffer time)."""

    def __init__(self, script: list[WordHypothesis]) -> None:
        self.script = list(script)
        self.calls: list[tuple[int, str | None, str]] = []

    def load(self) -> None:
        pass

    def transcribe_words(self, samples, language, prompt=""):
        self.calls.append((len(samples), language, prompt))
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def hyp(*spec: str, language: str = "es", p: float = 0.9, start: float = 0.0) -> WordHypothesis:
    return WordHypothesis(tuple(words(*spec, start=start)), language, p)


def second(seconds: float) -> np.ndarray:
    return np.full(int(16000 * seconds), 0.1, np.float32)


def test_recognizer_commits_while_fed_and_decodes_only_the_tail_at_the_end():
    model = ScriptedWords([hyp("toca"), hyp("toca", "un"), hyp("toca", "un", "tango"),
                           hyp("tango", "triste", start=0.8)])
    recognizer = StreamingRecognizer(model, min_step_s=0.5)
    for _ in range(3):
        recognizer.feed(second(0.5))
        assert recognizer.ready()
        recognizer.step()
    assert texts(recognizer.buffer.committed) == ["toca", "un"]
    recognizer.feed(second(0.5))
    transcript = recognizer.finish()
    assert transcript.text == "toca un tango triste" and transcript.language == "es"
    # the final decode covered the tail, not the whole 2 s request
    assert model.calls[-1][0] < 2 * 16000
    assert transcript.duration_s == pytest.approx(2.0)


def test_language_is_fixed_after_the_first_confident_detection_over_two_seconds():
    model = ScriptedWords([hyp("play", language="en", p=0.9), hyp("play", language="en", p=0.55),
                           hyp("play", "jazz", language="en", p=0.9),
                           hyp("play", "jazz", language="en", p=0.9)])
    recognizer = StreamingRecognizer(model)
    for _ in range(4):
        recognizer.feed(second(0.7))
        recognizer.step()
    # 0.7 s: sure but too short; 1.4 s: unsure; 2.1 s: sure -> fixed from then on
    assert [call[1] for call in model.calls] == [None, None, None, "en"]
    assert recognizer.language == "en"


def test_nothing_committed_falls_back_to_the_batch_decode():
    from voice_agent.core.types import Transcript

    class WithBatch(ScriptedWords):
        def transcribe(self, audio, language=None):
            self.batch = (audio.duration_s, language)
            return Transcript("toca un tango", "es", 0.8, audio.duration_s)

    model = WithBatch([hyp("toca")])
    recognizer = StreamingRecognizer(model)
    recognizer.feed(second(0.6))
    recognizer.step()
    recognizer.feed(second(1.0))
    assert recognizer.finish().text == "toca un tango"
    assert model.batch == (pytest.approx(1.6), None) and len(model.calls) == 1


def test_resampled_pieces_count_at_16_khz():
    recognizer = StreamingRecognizer(ScriptedWords([hyp("hola")]))
    recognizer.feed(np.zeros(480, np.float32), 48000)  # 10 ms at 48 kHz
    assert recognizer.fed_s == pytest.approx(0.01, abs=1e-3)


def test_no_words_at_all_is_no_speech():
    recognizer = StreamingRecognizer(ScriptedWords([WordHypothesis((), "en", 0.3)]))
    recognizer.feed(second(1.0))
    with pytest.raises(NoSpeechError):
        recognizer.finish()


def test_session_steps_in_the_background_while_fed_in_real_time():
    model = ScriptedWords([hyp("pon"), hyp("pon", "una"), hyp("pon", "una", "cumbia"),
                           hyp("pon", "una", "cumbia", "alegre")])
    committed: list[str] = []
    session = StreamingSession(StreamingRecognizer(model, min_step_s=0.1),
                               on_commit=lambda found: committed.extend(texts(found)))
    feed_in_real_time(session, Audio(second(0.6), 16000), chunk_s=0.03)
    transcript = session.finish()
    assert len(model.calls) >= 2  # steps ran while the audio was still arriving
    assert committed and transcript.text.startswith("pon una")
    assert transcript.text.endswith("alegre")


def test_session_stops_stepping_when_the_cpu_cannot_keep_up():
    import time as real_time

    class Slow(ScriptedWords):
        def transcribe_words(self, samples, language, prompt=""):
            real_time.sleep(0.15)
            return super().transcribe_words(samples, language, prompt)

    model = Slow([hyp("pon", "una", "cumbia")])
    session = StreamingSession(StreamingRecognizer(model, min_step_s=0.05), max_step_s=0.1)
    feed_in_real_time(session, Audio(second(0.6), 16000), chunk_s=0.03)
    transcript = session.finish()
    assert session.gave_up and model.calls[0][0] < 0.6 * 16000
    assert len(model.calls) == 2  # the one step, then the end-of-speech decode
    assert transcript.text == "pon una cumbia"
