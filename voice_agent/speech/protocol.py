"""The speech stage's contract, and the optional abilities a voice may have."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

from voice_agent.core.types import Audio


@runtime_checkable
class Speaker(Protocol):
    """Text to speech in one voice."""

    model_id: str

    def load(self) -> None:
        """Load weights and voice profiles (idempotent)."""

    def speak(self, text: str, language: str) -> Audio:
        """Speak ``text`` in ``language`` (ISO 639-1, e.g. "en", "es")."""

    def stream(self, text: str, language: str) -> Iterator[Audio]:
        """Speak sentence by sentence, yielding each chunk as soon as it is ready."""


@runtime_checkable
class PhraseCachingSpeaker(Speaker, Protocol):
    """A voice that keeps short stock phrases ("Sure!") once synthesised.

    ``phrase_cache`` False switches the cache off (to measure uncached synthesis);
    ``phrase_store`` True keeps the phrases on disk too, for the next process.
    """

    phrase_cache: bool
    phrase_store: bool

    def synthesize_phrase(self, sentence: str, language: str) -> Audio:
        """One sentence, from memory when it is a short phrase said before."""


@runtime_checkable
class EnrolledSpeaker(Speaker, Protocol):
    """A cloned voice built from a speaker recording (enrolled on ``load()``)."""

    profile: Any
    cache_hit: bool | None
