"""The music stage's contract."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from voice_agent.core.types import Audio, MusicClip, MusicPlan


@runtime_checkable
class MusicRenderer(Protocol):
    """A music plan (and its text prompt, and optionally a tune to follow) to audio."""

    model_id: str

    @property
    def takes_melody(self) -> bool:
        """True when :meth:`render` follows a ``melody`` (without loading the model)."""

    def load(self) -> None:
        """Load weights or sound banks (idempotent)."""

    def render(self, plan: MusicPlan, prompt: str = "", melody: Audio | None = None) -> MusicClip:
        """Render ``plan``; ``prompt`` is the free-text description for text-to-music models;
        ``melody`` a hummed, whistled or played tune to follow (when :attr:`takes_melody`)."""
