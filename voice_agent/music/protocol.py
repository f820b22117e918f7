"""The music stage's contract."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from voice_agent.core.types import MusicClip, MusicPlan


@runtime_checkable
class MusicRenderer(Protocol):
    """A music plan (and its text prompt) to audio."""

    model_id: str

    def load(self) -> None:
        """Load weights or sound banks (idempotent)."""

    def render(self, plan: MusicPlan, prompt: str = "") -> MusicClip:
        """Render ``plan``; ``prompt`` is the free-text description for text-to-music models."""
