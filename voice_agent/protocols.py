"""One small protocol per stage, each with a single verb and an idempotent ``load()``.

Constructors do no I/O; all weight loading happens in ``load()``, which may be called
any number of times. ``model_id`` names the weights for the turn record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from voice_agent.types import Audio, MusicClip, MusicPlan, Reply, Transcript, Turn


@runtime_checkable
class Transcriber(Protocol):
    """Speech to text."""

    model_id: str

    def load(self) -> None:
        """Load weights (idempotent)."""

    def transcribe(self, audio: Audio, language: str | None = None) -> Transcript:
        """Transcribe 16 kHz mono ``audio``; ``language`` None means detect it.

        Raises :class:`~voice_agent.errors.NoSpeechError` when there is no speech.
        """


@runtime_checkable
class Responder(Protocol):
    """Transcript (plus recent turns) to a reply and a music plan."""

    model_id: str

    def load(self) -> None:
        """Load weights (idempotent)."""

    def respond(self, transcript: Transcript, history: Sequence[Turn] = ()) -> Reply:
        """Decide what to say and what music to make."""


@runtime_checkable
class MusicRenderer(Protocol):
    """A music plan (and its text prompt) to audio."""

    model_id: str

    def load(self) -> None:
        """Load weights or sound banks (idempotent)."""

    def render(self, plan: MusicPlan, prompt: str = "") -> MusicClip:
        """Render ``plan``; ``prompt`` is the free-text description for text-to-music models."""


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
