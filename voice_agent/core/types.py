"""Typed values that cross stage boundaries.

Everything a stage takes or returns is one of these frozen dataclasses; no bare dicts
travel between stages. ``Audio`` is the one audio type used everywhere (float32 mono,
values in [-1, 1], with its sample rate); conversions live in :mod:`voice_agent.core.audio`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

# The plan has its own module with every rule about it; re-exported here because a Reply
# carries one and callers read all boundary types from this module.
from voice_agent.core.plan import MusicPlan  # noqa: F401


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono float32 samples in [-1, 1] at ``rate`` Hz."""

    samples: np.ndarray
    rate: int

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"Audio must be mono (1-D); got shape {samples.shape}")
        if self.rate <= 0:
            raise ValueError(f"Audio rate must be positive; got {self.rate}")
        object.__setattr__(self, "samples", samples)

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / float(self.rate)

    @property
    def peak(self) -> float:
        """Largest absolute sample value (0.0 for empty audio)."""
        return float(np.max(np.abs(self.samples))) if len(self.samples) else 0.0

    @property
    def rms(self) -> float:
        """Root-mean-square level (0.0 for empty audio)."""
        if not len(self.samples):
            return 0.0
        return float(np.sqrt(np.mean(np.square(self.samples, dtype=np.float64))))


@dataclass(frozen=True)
class Segment:
    """One timed piece of a transcript."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """What the person said, as the ASR stage heard it."""

    text: str
    language: str
    language_probability: float = 1.0
    duration_s: float = 0.0
    segments: tuple[Segment, ...] = ()
    #: the recogniser's next-best readings of the same speech, best first (its beam's
    #: other hypotheses), for when ``text`` asks for nothing the agent can do
    alternatives: tuple[str, ...] = ()
    #: the recogniser's best hypothesis, when ``text`` is one of its ``alternatives``
    #: instead (the best asked for nothing; see the pipeline's ``_understood``)
    first_heard: str | None = None


class Intent(str, enum.Enum):
    """What the person wants from this turn."""

    MAKE_MUSIC = "make_music"
    REFINE = "refine"
    REPLAY = "replay"
    CHAT = "chat"
    # the clip library (voice_agent.library): commands about stored clips and playlists
    SAVE = "save"
    LIST = "list"
    PLAY = "play"
    REMOVE = "remove"
    CLEAR = "clear"
    CONFIRM = "confirm"
    CANCEL = "cancel"
    ANOTHER_LIKE = "another_like"
    LYRICS = "lyrics"
    # versions of the piece in this session (voice_agent.library.sessions)
    UNDO = "undo"
    GO_TO_VERSION = "go_to_version"
    PLAY_VERSION = "play_version"
    COMPARE = "compare"


#: commands about the session's versions; recognised from the person's words only (the
#: language model's schema does not offer them)
VERSION_INTENTS = frozenset({Intent.UNDO, Intent.GO_TO_VERSION, Intent.PLAY_VERSION,
                             Intent.COMPARE})
LIBRARY_INTENTS = frozenset({Intent.SAVE, Intent.LIST, Intent.PLAY, Intent.REMOVE, Intent.CLEAR,
                             Intent.CONFIRM, Intent.CANCEL}) | VERSION_INTENTS


@dataclass(frozen=True)
class LyricsSection:
    """One part of a song: ``kind`` is "verse", "chorus" or "bridge"."""

    kind: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Lyrics:
    """Short structured lyrics; ``source`` says who wrote them ("llm" or "template")."""

    title: str
    language: str
    genre: str
    sections: tuple[LyricsSection, ...]
    source: str = "llm"
    note: str = ""
    request: str = ""  # the words that asked for them, so "another one" can ask again

    def text(self) -> str:
        """The lyrics as display text: the title, then each section under its name."""
        parts = [self.title]
        for section in self.sections:
            parts.append(f"[{section.kind.capitalize()}]\n" + "\n".join(section.lines))
        return "\n\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"title": self.title, "language": self.language, "genre": self.genre,
                "sections": [{"kind": s.kind, "lines": list(s.lines)} for s in self.sections],
                "source": self.source, "note": self.note, "request": self.request}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Lyrics":
        """The inverse of :meth:`to_dict`."""
        sections = tuple(LyricsSection(str(s["kind"]), tuple(str(x) for x in s["lines"]))
                         for s in data.get("sections", ()))
        return cls(title=str(data.get("title", "")), language=str(data.get("language", "")),
                   genre=str(data.get("genre", "")), sections=sections,
                   source=str(data.get("source", "llm")), note=str(data.get("note", "")),
                   request=str(data.get("request", "")))


@dataclass(frozen=True)
class Reply:
    """What the responder decided: words to say, music to make.

    ``source`` records who produced it: ``"llm"`` when the language model's answer was
    used, ``"fallback"`` when that answer was unusable and the deterministic parser of the
    transcript stood in (``note`` then says why).
    """

    say: str
    music_prompt: str
    intent: Intent
    plan: MusicPlan | None
    language: str
    source: str = "llm"
    note: str = ""
    # library commands: the playlist and item number named ("play number 2" -> item 2;
    # "the last one" -> item -1), and lyrics written this turn
    playlist: str | None = None
    item: int | None = None
    lyrics: Lyrics | None = None


@dataclass(frozen=True)
class ClipScore:
    """How well a clip follows its description, and what measured it.

    ``scorer`` is ``"clap"`` (the cosine of CLAP's text and audio embeddings, -1..1) or
    ``"audio-features"`` (tempo, key and percussion measured from the audio against the
    plan, 0..1); the two are different figures and are never reported under one name
    (see :meth:`as_dict`). ``candidates`` are every candidate's scores in render order
    when the clip was the best of several; ``details`` the parts of an adherence score.
    """

    value: float
    scorer: str
    model_id: str = ""
    details: tuple[tuple[str, float], ...] = ()
    candidates: tuple[float, ...] = ()
    seed: int | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: ``clap_score`` only for CLAP, ``adherence_score`` otherwise."""
        name = "clap_score" if self.scorer == "clap" else "adherence_score"
        found: dict[str, object] = {name: round(self.value, 4), "scorer": self.scorer,
                                    "model": self.model_id}
        if self.details:
            found["details"] = {k: round(v, 4) for k, v in self.details}
        if self.candidates:
            found["best_of"] = len(self.candidates)
            found["candidate_scores"] = [round(c, 4) for c in self.candidates]
            found["seed"] = self.seed
        return found


@dataclass(frozen=True)
class MusicClip:
    """A rendered clip and the plan it came from (``score``: see :class:`ClipScore`)."""

    audio: Audio
    plan: MusicPlan
    midi: bytes | None = None
    backend: str = ""
    #: the stored clip this was played from (voice_agent.library); None when rendered now
    library_clip_id: int | None = None
    score: ClipScore | None = None


@dataclass(frozen=True)
class SpokenReply:
    """The reply spoken in one voice, with how fast it was made."""

    voice: str  # "cloned" or "base"
    audio: Audio
    backend: str
    synth_s: float
    first_audio_s: float

    @property
    def rtf(self) -> float:
        """Real-time factor: synthesis seconds per second of speech."""
        return self.synth_s / self.audio.duration_s if self.audio.duration_s else 0.0


@dataclass(frozen=True)
class StageTiming:
    """Wall-clock seconds one stage took, measured by the pipeline."""

    stage: str
    seconds: float


@dataclass(frozen=True)
class StageError:
    """A stage that failed or was skipped, and why, in words a user can act on."""

    stage: str
    kind: str
    message: str


class LibraryResult(Protocol):
    """What the clip library did in a turn (``Turn.library``).

    The library (``voice_agent.library.LibraryAction``) fills it; the turn only needs its
    record and the lyrics spoken over the music, if any.
    """

    @property
    def lyrics_audio(self) -> Audio | None:
        """The lyrics spoken over the clip this turn, when that is switched on."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data for the turn record."""


@dataclass(frozen=True)
class Turn:
    """Everything one request produced. Stages that failed leave ``None`` and an error."""

    turn_id: str
    created_at: str
    request: str
    transcript: Transcript | None
    reply: Reply | None
    music: MusicClip | None = None
    speech: tuple[SpokenReply, ...] = ()
    timings: tuple[StageTiming, ...] = ()
    errors: tuple[StageError, ...] = ()
    skipped: tuple[StageError, ...] = ()
    models: dict[str, str] = field(default_factory=dict)
    #: seconds from the start of the turn (end of speech) to llm_first_token, llm_first_sentence,
    #: first_audio (first synthesised sample of the primary voice) and music_ready
    latency: dict[str, float] = field(default_factory=dict)
    library: LibraryResult | None = None  # what the clip library did, if it ran
    #: True when the person cancelled the turn: it was stopped, and nothing of it was
    #: stored in the library or kept in a session
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """True when no stage failed."""
        return not self.errors

    def seconds(self, stage: str) -> float | None:
        """Seconds spent in ``stage``, or None if it did not run."""
        for timing in self.timings:
            if timing.stage == stage:
                return timing.seconds
        return None
