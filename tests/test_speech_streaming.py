"""Sentence streaming and the base voice's language routing and fallback (with fakes)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from voice_agent.core.errors import ModelNotFoundError, VoiceAgentError
from voice_agent.speech.protocol import Speaker
from voice_agent.core.types import Audio
from voice_agent.speech.routing import LanguageRouter
from voice_agent.core.language import base_language
from voice_agent.speech.streaming import SENTENCE_GAP_S, SentenceSpeaker


class RecordingSpeaker(SentenceSpeaker):
    """A fake backend: 0.1 s of tone per character count bucket; records what it was asked."""

    def __init__(self, name: str = "fake", fail_load: bool = False) -> None:
        self.model_id = name
        self.sample_rate = 1_000
        self.fail_load = fail_load
        self.loads = 0
        self.spoken: list[tuple[str, str]] = []

    def load(self) -> None:
        self.loads += 1
        if self.fail_load:
            raise ModelNotFoundError(f"{self.model_id} weights are missing")

    def synthesize(self, sentence: str, language: str) -> Audio:
        self.spoken.append((sentence, language))
        return Audio(np.full(len(sentence) * 10, 0.5, np.float32), self.sample_rate)


class SlowSpeaker(RecordingSpeaker):
    """Takes ``delay`` seconds per sentence, like a real synthesiser."""

    delay = 0.2

    def synthesize(self, sentence: str, language: str) -> Audio:
        time.sleep(self.delay)
        return super().synthesize(sentence, language)


def test_stream_yields_the_first_sentence_before_the_rest_are_made():
    speaker = SlowSpeaker()
    start = time.perf_counter()
    chunks = speaker.stream("First one. Second one! Third?", "en")
    first = next(chunks)
    assert time.perf_counter() - start < 2.5 * speaker.delay
    assert first.duration_s == pytest.approx(len("First one.") * 10 / 1000)
    assert "Third?" not in [s for s, _ in speaker.spoken]
    rest = list(chunks)
    assert [s for s, _ in speaker.spoken] == ["First one.", "Second one!", "Third?"]
    assert len(rest) == 2


def test_next_sentence_is_made_while_the_caller_plays_the_current_one():
    speaker = SlowSpeaker()
    start = time.perf_counter()
    for _ in speaker.stream("One. Two. Three. Four.", "en"):
        time.sleep(speaker.delay)  # "playing" the chunk
    elapsed = time.perf_counter() - start
    # serial would be 4 x (make + play) = 8 delays; overlapped it is 5 delays
    assert elapsed < 6.5 * speaker.delay


def test_a_failing_sentence_raises_from_the_stream():
    class Failing(RecordingSpeaker):
        def synthesize(self, sentence, language):
            if sentence.startswith("Bad"):
                raise VoiceAgentError("cannot say that")
            return super().synthesize(sentence, language)

    chunks = Failing().stream("Good. Bad. Good again.", "en")
    next(chunks)
    with pytest.raises(VoiceAgentError, match="cannot say that"):
        list(chunks)


def test_speak_joins_sentences_with_a_short_gap():
    speaker = RecordingSpeaker()
    audio = speaker.speak("One. Two.", "es-ES")
    expected = (len("One.") + len("Two.")) * 10 + round(SENTENCE_GAP_S * 1000)
    assert len(audio.samples) == expected
    assert {lang for _, lang in speaker.spoken} == {"es"}


def test_empty_reply_gives_empty_audio_at_the_speaker_rate():
    audio = RecordingSpeaker().speak("   ", "en")
    assert audio.duration_s == 0.0 and audio.rate == 1_000


def test_speakers_satisfy_the_protocol():
    assert isinstance(RecordingSpeaker(), Speaker)
    assert isinstance(LanguageRouter({"en": [RecordingSpeaker]}), Speaker)


def test_base_language_normalises_tags():
    assert [base_language(x) for x in ("en-US", "ES", "es_MX", "")] == ["en", "es", "es", "en"]


def test_router_picks_the_speaker_for_each_language():
    english, spanish = RecordingSpeaker("en-voice"), RecordingSpeaker("es-voice")
    router = LanguageRouter({"en": [lambda: english], "es": [lambda: spanish]})
    router.speak("Hello there.", "en")
    router.speak("Hola. ¿Qué tal?", "es")
    assert english.spoken == [("Hello there.", "en")]
    assert [s for s, _ in spanish.spoken] == ["Hola.", "¿Qué tal?"]
    assert router.model_id == "base[en=en-voice, es=es-voice]"
    assert router.fallbacks == {}


def test_router_falls_back_and_says_so():
    broken = RecordingSpeaker("piper", fail_load=True)
    last = RecordingSpeaker("espeak-ng")
    router = LanguageRouter({"en": [lambda: broken]}, last_resort=lambda: last)
    router.speak("Hello.", "en")
    assert last.spoken == [("Hello.", "en")]
    assert "piper weights are missing" in router.fallbacks["en"]
    assert router.last_backend == "espeak-ng (fallback)"
    assert "(fallback)" in router.model_id


def test_router_builds_each_voice_once():
    built = []

    def factory():
        built.append(RecordingSpeaker())
        return built[-1]

    router = LanguageRouter({"en": [factory]})
    router.load()
    router.load()
    router.speak("Hi.", "en")
    router.speak("Hi again.", "en")
    assert len(built) == 1 and len(built[0].spoken) == 2


def test_router_uses_english_for_an_unconfigured_language():
    english = RecordingSpeaker("en-voice")
    router = LanguageRouter({"en": [lambda: english]})
    router.speak("Bonjour.", "fr")
    assert english.spoken == [("Bonjour.", "en")]


def test_router_with_no_loadable_voice_raises_a_clear_error():
    router = LanguageRouter({"en": [lambda: RecordingSpeaker("a", fail_load=True)]})
    with pytest.raises(VoiceAgentError, match="No voice could load for 'en'"):
        router.load()


def test_short_stock_phrases_are_synthesised_once():
    from voice_agent.speech.streaming import SentenceSpeaker
    from tests.fakes import tone

    class Counting(SentenceSpeaker):
        def __init__(self):
            self.said = []

        def load(self):
            pass

        def synthesize(self, sentence, language):
            self.said.append(sentence)
            return tone(0.1, 24_000)

    speaker = Counting()
    first = list(speaker.stream("Sure! Here is some jazz with a piano for you.", "en"))
    again = list(speaker.stream("Sure! Here is some jazz with a piano for you.", "en"))
    assert speaker.said.count("Sure!") == 1 and again[0] is first[0]
    assert speaker.said.count("Here is some jazz with a piano for you.") == 2  # long: never cached
    speaker.phrase_cache = False
    list(speaker.stream("Sure!", "en"))
    assert speaker.said.count("Sure!") == 2


def test_the_pipeline_says_the_usual_openers_before_the_first_turn():
    from voice_agent.pipeline.turns import Pipeline
    from voice_agent.responder.replies import COMMON_OPENERS
    from tests.fakes import FakeResponder

    cloned, base = RecordingSpeaker("cloned"), RecordingSpeaker("base")
    pipeline = Pipeline(None, FakeResponder(), None, {"cloned": cloned, "base": base})
    assert pipeline.warm_phrases(COMMON_OPENERS) > 0
    assert sorted(cloned.spoken) == sorted((text, language) for language, texts
                                           in COMMON_OPENERS.items() for text in texts)
    assert base.spoken == []  # only the voice that is played as the reply streams
    list(cloned.stream("¡Claro! Aquí tienes una salsa alegre.", "es"))
    assert cloned.spoken.count(("¡Claro!", "es")) == 1  # the turn's opener came from the cache
