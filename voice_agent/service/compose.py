"""Limits of the service and the typed-prompt (Compose) request and result."""


from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_agent.core.types import (
    MusicClip,
    MusicPlan,
    Reply,
)
from voice_agent.core.plan import plan_to_dict
from voice_agent.music.melody import MelodyHeard

log = logging.getLogger(__name__)


#: The longest typed prompt: the service and the API's schema both use this one figure.
MAX_PROMPT_CHARS = 600


@dataclass(frozen=True)
class Limits:
    """What the service accepts. Sizes are in bytes and given to people in MiB.

    ``max_upload_bytes`` bounds each uploaded file and each request body;
    ``max_upload_files`` the files in one upload request; ``max_waiting`` the turns and
    compositions waiting for the models, ``max_enrol_waiting`` the enrolments (minutes
    each) waiting; ``max_request_s``/``max_speaker_s`` the seconds of audio decoded;
    ``min_melody_s``/``max_melody_s`` a melody's shortest and longest length.
    """

    max_upload_bytes: int = 20 * 1024 * 1024
    max_upload_files: int = 2
    max_request_s: float = 60.0
    max_speaker_s: float = 60.0
    #: a melody to follow: MusicGen-melody reads at most 30 s of it
    max_melody_s: float = 30.0
    min_melody_s: float = 1.0
    max_prompt_chars: int = MAX_PROMPT_CHARS
    max_waiting: int = 8
    max_enrol_waiting: int = 2
    keep_requests: int = 200


@dataclass(frozen=True)
class ComposeOptions:
    """Overrides applied to the responder's plan before rendering (None: keep the plan's)."""

    duration_s: float | None = None
    seed: int | None = None
    genre: str | None = None
    bpm: int | None = None
    key: str | None = None
    mode: str | None = None
    #: render this many candidates and keep the best-scoring (not a plan field)
    best_of: int | None = None

    def apply(self, plan: MusicPlan) -> MusicPlan:
        """``plan`` with every override that is set."""
        changes = {k: v for k, v in dataclasses.asdict(self).items()
                   if v not in (None, "") and k != "best_of"}
        return dataclasses.replace(plan, **changes)


@dataclass(frozen=True)
class ComposeResult:
    """A rendered prompt: the improved prompt, the plan actually rendered, and its files."""

    request_id: str
    prompt: str
    improved_prompt: str
    reply: Reply | None
    plan: MusicPlan
    clip: MusicClip
    wav_path: Path
    midi_path: Path | None
    timings: dict[str, float]
    #: what was heard in the melody the clip follows (None: no melody)
    melody: MelodyHeard | None = None
    #: the music engine that made it ("composer", "musicgen")
    engine: str = ""

    @property
    def audio_id(self) -> str:
        """Id of the rendered clip for :meth:`AgentService.audio_path`."""
        return f"{self.request_id}-music"

    def record(self) -> dict[str, Any]:
        """JSON-ready description (what ``compose.json`` holds)."""
        return {"request_id": self.request_id, "audio_id": self.audio_id, "prompt": self.prompt,
                "improved_prompt": self.improved_prompt, "plan": plan_to_dict(self.plan),
                "say": self.reply.say if self.reply else "",
                "source": self.reply.source if self.reply else "regenerate",
                "duration_s": round(self.clip.audio.duration_s, 3),
                "backend": self.clip.backend, "has_midi": self.midi_path is not None,
                "engine": self.engine,
                "melody": self.melody.as_dict() if self.melody else None,
                "score": self.clip.score.as_dict() if self.clip.score else None,
                "timings": {k: round(v, 4) for k, v in self.timings.items()}}

