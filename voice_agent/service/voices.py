"""Enrolled speakers: recordings on disk, their cloned voices and comparisons."""


from __future__ import annotations

import dataclasses
import logging
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_agent.service.errors import UnknownIdError
from voice_agent.service.outputs import ID_PATTERN, shown_id

log = logging.getLogger(__name__)

_SUFFIX = re.compile(r"^\.[a-z0-9]{1,5}$")
DEFAULT_SPEAKER = "default"




@dataclass(frozen=True)
class SpeakerInfo:
    """An enrolled speaker: id, recording, and what enrolment said about it."""

    speaker_id: str
    source: str
    duration_s: float
    warnings: tuple[str, ...] = ()
    cache_hit: bool | None = None
    enrolment_score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self) | {"warnings": list(self.warnings)}


class VoiceLab:
    """Enrolled speakers: their recordings on disk, their cloned voices, their comparison.

    ``make_cloned(path)`` builds an unloaded cloned speaker for a recording (its ``load()``
    enrols, or reads the profile cached by the recording's sha256); ``make_comparer(
    reference, held_out)`` a voice comparer; ``check(path)`` validates a recording and
    returns its :class:`~voice_agent.speech.enrol.EnrolmentClip`. The real ones are in
    :func:`real_voice_lab`; ``--fake`` mode passes fakes.
    """

    def __init__(self, folder: str | Path, make_cloned: Callable[[Path], Any],
                 make_comparer: Callable[[Path, bool], Any], check: Callable[[Path], Any],
                 default_recording: Path | None = None, default_reference: Path | None = None,
                 max_loaded: int = 3) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.make_cloned, self.make_comparer, self.check = make_cloned, make_comparer, check
        self.default_recording = default_recording
        self.default_reference = default_reference
        self.max_loaded = max_loaded
        self._loaded: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._enrolling = threading.Lock()

    def recording(self, speaker_id: str) -> Path:
        """The stored recording of an enrolled speaker."""
        if speaker_id == DEFAULT_SPEAKER and self.default_recording is not None:
            return self.default_recording
        if not ID_PATTERN.fullmatch(speaker_id or ""):
            raise UnknownIdError(f"'{shown_id(speaker_id)}' is not a speaker id (12 hex digits, or "
                                 f"'{DEFAULT_SPEAKER}').")
        found = sorted(self.folder.glob(f"{speaker_id}.*"))
        if not found:
            raise UnknownIdError(f"No enrolled speaker '{speaker_id}'. Enrol a recording first.")
        return found[0]

    def speaker_ids(self) -> list[str]:
        """Every enrolled speaker, oldest first."""
        files = sorted(self.folder.iterdir(), key=lambda p: p.stat().st_mtime)
        return [p.stem for p in files if ID_PATTERN.fullmatch(p.stem)]

    def enrol(self, upload: Path, name: str = "") -> SpeakerInfo:
        """Validate ``upload``, store it, build its voice (minutes on a cache miss)."""
        clip = self.check(upload)  # raises SpeakerClipError with what to do
        speaker_id = clip.sha256[:12]
        suffix = Path(name or upload.name).suffix.lower()
        stored = self.folder / (speaker_id + (suffix if _SUFFIX.match(suffix) else ".wav"))
        with self._enrolling:  # one search at a time: each takes both cores for minutes
            speaker = self._build(speaker_id, upload, stored)
        profile = getattr(speaker, "profile", None)
        score = profile.scores.get("best") if profile is not None else None
        return SpeakerInfo(speaker_id, name or upload.name, round(clip.duration_s, 2),
                           tuple(clip.warnings), getattr(speaker, "cache_hit", None), score)

    def _build(self, speaker_id: str, upload: Path, stored: Path) -> Any:
        """Build the voice from a staged copy; the id is listed only once that worked."""
        if stored.exists():
            return self.cloned(speaker_id)
        staged = stored.with_name(f".partial-{stored.name}")  # keeps the extension
        shutil.copyfile(upload, staged)
        try:
            speaker = self.make_cloned(staged)
            speaker.load()
            staged.replace(stored)
        finally:
            staged.unlink(missing_ok=True)
        self._remember(speaker_id, speaker)
        return speaker

    def _remember(self, speaker_id: str, speaker: Any) -> None:
        with self._lock:
            self._loaded[speaker_id] = speaker
            while len(self._loaded) > self.max_loaded:
                self._loaded.popitem(last=False)

    def cloned(self, speaker_id: str) -> Any:
        """The loaded cloned voice of ``speaker_id`` (kept for the next few requests)."""
        with self._lock:
            if speaker_id in self._loaded:
                self._loaded.move_to_end(speaker_id)
                return self._loaded[speaker_id]
        speaker = self.make_cloned(self.recording(speaker_id))
        speaker.load()
        self._remember(speaker_id, speaker)
        return speaker

    def comparer(self, speaker_id: str, reference: Path | None) -> Any:
        """A comparer against ``reference`` (a held-out recording), else the bundled speaker's
        held-out clip for the bundled speaker, else the enrolment recording itself."""
        if reference is not None:
            return self.make_comparer(reference, True)
        if speaker_id == DEFAULT_SPEAKER and self.default_reference is not None:
            return self.make_comparer(self.default_reference, True)
        return self.make_comparer(self.recording(speaker_id), False)


def real_voice_lab(folder: str | Path, default_recording: str | Path | None) -> VoiceLab:
    """The product's voice lab: Kokoro+WORLD cloned voices, Resemblyzer comparison."""
    from voice_agent.speech import (
        DEFAULT_SPEAKER_WAV,
        HELDOUT_SPEAKER_WAV,
        make_cloned_speaker,
    )
    from voice_agent.speech.compare import VoiceComparer
    from voice_agent.speech.enrol import load_enrolment_clip
    from voice_agent.speech.kokoro import KOKORO_RATE

    return VoiceLab(folder, make_cloned=lambda path: make_cloned_speaker(path),
                    make_comparer=VoiceComparer,
                    check=lambda path: load_enrolment_clip(path, KOKORO_RATE),
                    default_recording=Path(default_recording or DEFAULT_SPEAKER_WAV),
                    default_reference=None if default_recording else HELDOUT_SPEAKER_WAV)


def fake_voice_lab(folder: str | Path) -> VoiceLab:
    """``--fake`` mode: real validation of the recording, fake voices and fake scores."""
    from voice_agent.fakes import FakeComparer, FakeSpeaker
    from voice_agent.speech import DEFAULT_SPEAKER_WAV, HELDOUT_SPEAKER_WAV
    from voice_agent.speech.enrol import load_enrolment_clip

    return VoiceLab(folder, make_cloned=lambda path: FakeSpeaker(freq=330.0),
                    make_comparer=FakeComparer,
                    check=lambda path: load_enrolment_clip(path, 24_000),
                    default_recording=DEFAULT_SPEAKER_WAV, default_reference=HELDOUT_SPEAKER_WAV)

