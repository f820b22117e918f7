"""The speech-recognition stage's contract."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from voice_agent.core.types import Audio, Transcript


@runtime_checkable
class Transcriber(Protocol):
    """Speech to text. Constructors do no I/O; ``load()`` reads the weights (idempotent)."""

    model_id: str

    def load(self) -> None:
        """Load weights (idempotent)."""

    def transcribe(self, audio: Audio, language: str | None = None) -> Transcript:
        """Transcribe 16 kHz mono ``audio``; ``language`` None means detect it.

        Raises :class:`~voice_agent.core.errors.NoSpeechError` when there is no speech.
        """
