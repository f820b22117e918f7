"""What the library hands out: stored clips, playlist entries, playlist summaries.

All are frozen dataclasses with a ``to_dict()`` that is JSON-ready (paths as strings, the
plan and lyrics as plain data), for turn records, the CLI's ``--json`` and the web UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_agent.core.plan import MusicPlan, plan_to_dict
from voice_agent.core.types import Lyrics

#: ``MusicClip.backend`` of a clip played from the library (``library_clip_id`` says which)
LIBRARY_BACKEND = "library"


@dataclass(frozen=True)
class ClipRecord:
    """One stored clip and everything about the turn that made it."""

    clip_id: int
    uid: str
    created_at: str
    request: str
    transcript: str
    language: str
    say: str
    prompt: str
    plan: MusicPlan | None
    seed: int
    audio_path: Path
    midi_path: Path | None
    duration_s: float
    sample_rate: int
    backend: str
    turn_id: str
    lyrics: Lyrics | None = None
    lyrics_audio_path: Path | None = None

    @property
    def title(self) -> str:
        """A short human name: the lyrics' title, else the genre and mood."""
        if self.lyrics is not None and self.lyrics.title:
            return self.lyrics.title
        if self.plan is None:
            return f"clip {self.clip_id}"
        return f"{self.plan.mood} {self.plan.genre.replace('_', ' ')}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "clip_id": self.clip_id, "uid": self.uid, "created_at": self.created_at,
            "title": self.title, "request": self.request, "transcript": self.transcript,
            "language": self.language, "say": self.say, "prompt": self.prompt,
            "plan": plan_to_dict(self.plan) if self.plan else None, "seed": self.seed,
            "audio_path": str(self.audio_path),
            "midi_path": str(self.midi_path) if self.midi_path else None,
            "duration_s": round(self.duration_s, 3), "sample_rate": self.sample_rate,
            "backend": self.backend, "turn_id": self.turn_id,
            "lyrics": self.lyrics.to_dict() if self.lyrics else None,
            "lyrics_audio_path": str(self.lyrics_audio_path) if self.lyrics_audio_path else None,
        }


@dataclass(frozen=True)
class PlaylistEntry:
    """A clip in a playlist; ``number`` is its 1-based position as the person hears it."""

    playlist: str
    number: int
    added_at: str
    clip: ClipRecord

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"playlist": self.playlist, "number": self.number, "added_at": self.added_at,
                "clip": self.clip.to_dict()}


@dataclass(frozen=True)
class PlaylistSummary:
    """A playlist's name and how many clips it holds."""

    name: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"name": self.name, "count": self.count}
