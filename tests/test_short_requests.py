"""A short spoken request in a conversation is heard in the conversation's language first."""

from __future__ import annotations

import numpy as np

from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber
from voice_agent.core.errors import UnclearSpeechError
from voice_agent.core.types import Audio, Transcript
from voice_agent.pipeline.turns import Pipeline, conversation_language


def _audio(seconds: float) -> Audio:
    rng = np.random.default_rng(0)
    return Audio((0.1 * rng.standard_normal(int(16_000 * seconds))).astype(np.float32), 16_000)


class LanguageIdGuessesWrong(FakeTranscriber):
    """Hears "deshaz" only when told it is Spanish; language ID takes it for English,
    which comes back unclear, as Whisper base did with 0.7 s of "Deshaz"."""

    def __init__(self, unclear_in: str | None = None) -> None:
        super().__init__("deshaz", "es")
        self.unclear_in = unclear_in

    def transcribe(self, audio, language=None):
        self.calls.append((audio, language))
        if language is None or language == self.unclear_in:
            raise UnclearSpeechError("Sorry, I didn't catch that.", "en")
        return Transcript(self.text, language, duration_s=audio.duration_s)


def _pipeline(transcriber) -> Pipeline:
    return Pipeline(transcriber, FakeResponder(), FakeRenderer(), {"cloned": FakeSpeaker()})


def test_a_short_request_is_heard_in_the_conversations_language():
    transcriber = LanguageIdGuessesWrong()
    pipeline = _pipeline(transcriber)
    first = pipeline.run(text="una cumbia con acordeón", language="es")
    turn = pipeline.run(audio=_audio(0.7), history=[first])
    assert turn.transcript is not None and turn.transcript.text == "deshaz"
    assert [language for _, language in transcriber.calls] == ["es"]


def test_if_it_is_unclear_in_that_language_language_id_gets_its_turn():
    transcriber = LanguageIdGuessesWrong(unclear_in="es")
    pipeline = _pipeline(transcriber)
    first = pipeline.run(text="una cumbia con acordeón", language="es")
    turn = pipeline.run(audio=_audio(0.7), history=[first])
    assert [language for _, language in transcriber.calls] == ["es", None]
    assert turn.transcript is None and turn.errors  # still honest: "didn't catch that"


def test_a_longer_request_or_a_first_one_uses_language_id():
    transcriber = FakeTranscriber("play some salsa", "en")
    pipeline = _pipeline(transcriber)
    pipeline.run(audio=_audio(0.7))  # no conversation yet
    first = pipeline.run(text="una cumbia", language="es")
    pipeline.run(audio=_audio(3.0), history=[first])  # long enough for language ID
    assert [language for _, language in transcriber.calls] == [None, None]
    assert conversation_language([first]) == "es" and conversation_language([]) is None


def test_a_streaming_session_hears_a_short_request_in_the_conversations_language_too():
    # talk streams by default: its session's finish stands in for the recogniser
    from voice_agent.asr.streaming import StreamingRecognizer, StreamingSession, WordHypothesis

    class Streams(LanguageIdGuessesWrong):
        def transcribe_words(self, samples, language, prompt=""):
            return WordHypothesis((), "en", 0.5)

    transcriber = Streams()
    pipeline = _pipeline(transcriber)
    first = pipeline.run(text="una cumbia con acordeón", language="es")
    session = StreamingSession(StreamingRecognizer(transcriber))
    audio = _audio(0.7)
    session.feed(audio.samples, audio.rate)
    turn = pipeline.run(audio=audio, history=[first], transcribe=session.finish)
    assert turn.transcript is not None and turn.transcript.text == "deshaz"
    assert [language for _, language in transcriber.calls] == ["es"]
