"""Stock phrases stored on disk per voice: a new process says "Sure!" without synthesising it."""

from __future__ import annotations

import numpy as np

import pytest

from voice_agent.core.types import Audio
from voice_agent.speech import phrase_store
from voice_agent.speech.streaming import SentenceSpeaker

pytestmark = pytest.mark.usefixtures("isolated_cache")


class CountingSpeaker(SentenceSpeaker):
    """A voice that counts its syntheses (pitch from ``freq``, so voices differ)."""

    def __init__(self, model_id: str = "voice-a", freq: float = 220.0) -> None:
        self.model_id = model_id
        self.freq = freq
        self.calls = 0
        self.phrase_store = True

    def load(self) -> None:
        pass

    def synthesize(self, sentence: str, language: str) -> Audio:
        self.calls += 1
        t = np.arange(2400) / 24_000
        return Audio(np.sin(2 * np.pi * self.freq * t).astype(np.float32) * 0.3, 24_000)


def test_a_new_process_reads_the_phrase_instead_of_synthesising_it():
    first = CountingSpeaker()
    made = first.synthesize_phrase("Sure!", "en")
    later = CountingSpeaker()  # a new process: empty memory cache, same voice
    heard = later.synthesize_phrase("Sure!", "en")
    assert first.calls == 1 and later.calls == 0
    assert heard.rate == made.rate and np.allclose(heard.samples, made.samples)


def test_another_voice_language_or_wording_is_never_served_from_the_store():
    CountingSpeaker().synthesize_phrase("Sure!", "en")
    for speaker, sentence, language in ((CountingSpeaker("voice-b", 330.0), "Sure!", "en"),
                                        (CountingSpeaker(), "Sure!", "es"),
                                        (CountingSpeaker(), "Okay!", "en")):
        speaker.synthesize_phrase(sentence, language)
        assert speaker.calls == 1, (speaker.model_id, sentence, language)


def test_long_sentences_and_a_switched_off_store_are_not_kept():
    speaker = CountingSpeaker()
    speaker.synthesize_phrase("Here is a long sentence about jazz.", "en")
    off = CountingSpeaker()
    off.phrase_store = False
    off.synthesize_phrase("Sure!", "en")
    assert phrase_store.load("voice-a", "en", "Here is a long sentence about jazz.") is None
    assert phrase_store.load("voice-a", "en", "Sure!") is None


def test_an_unreadable_stored_phrase_is_synthesised_and_written_again():
    path = phrase_store.phrase_file("voice-a", "en", "Sure!")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a file")
    speaker = CountingSpeaker()
    speaker.synthesize_phrase("Sure!", "en")
    assert speaker.calls == 1
    assert phrase_store.load("voice-a", "en", "Sure!") is not None
