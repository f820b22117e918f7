"""Enrolled speakers: recordings on disk, their cloned voices and comparisons."""


from __future__ import annotations

import dataclasses
import json
import logging
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_agent.service.errors import ServiceError, UnknownIdError
from voice_agent.service.outputs import ID_PATTERN, shown_id
from voice_agent.speech.protocol import EnrolledSpeaker

#: Receives each enrolment step (a ``voice_agent.speech.cloning.EnrolmentStep``).
StepCallback = Callable[[Any], None]

log = logging.getLogger(__name__)

_SUFFIX = re.compile(r"^\.[a-z0-9]{1,5}$")
DEFAULT_SPEAKER = "default"
NAMES_FILE = "names.json"  # speaker id -> the name a person gave it
MAX_NAME_CHARS = 40
#: Names are shown on pages and in Markdown: letters (any script), digits and a few marks.
_NAME = re.compile(r"[^\W_][\w .'-]{0,%d}" % (MAX_NAME_CHARS - 1))



@dataclass(frozen=True)
class SpeakerInfo:
    """An enrolled speaker: id, recording, and what enrolment said about it."""

    speaker_id: str
    source: str
    duration_s: float
    warnings: tuple[str, ...] = ()
    cache_hit: bool | None = None
    enrolment_score: float | None = None
    name: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self) | {"warnings": list(self.warnings)}


class VoiceLab:
    """Enrolled speakers: their recordings on disk, their cloned voices, their comparison.

    ``make_cloned(path, on_step)`` builds an unloaded cloned speaker for a recording (its
    ``load()`` enrols, reporting each step to ``on_step`` when given, or reads the profile
    cached by the recording's sha256); ``make_comparer(
    reference, held_out)`` a voice comparer; ``check(path)`` validates a recording and
    returns its :class:`~voice_agent.speech.enrol.EnrolmentClip`. The real ones are in
    :func:`real_voice_lab`; ``--fake`` mode passes fakes.
    """

    def __init__(self, folder: str | Path, make_cloned: Callable[[Path, StepCallback | None], Any],
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
        """The stored recording of an enrolled speaker (by id or by name)."""
        if speaker_id == DEFAULT_SPEAKER and self.default_recording is not None:
            return self.default_recording
        speaker_id = self.resolve(speaker_id)
        found = sorted(self.folder.glob(f"{speaker_id}.*"))
        if not found:
            raise UnknownIdError(f"No enrolled speaker '{speaker_id}'. Enrol a recording first.")
        return found[0]

    def speaker_ids(self) -> list[str]:
        """Every enrolled speaker, oldest first."""
        files = sorted(self.folder.iterdir(), key=lambda p: p.stat().st_mtime)
        return [p.stem for p in files if ID_PATTERN.fullmatch(p.stem) and p.is_file()]

    # -- names ----------------------------------------------------------------------------

    def names(self) -> dict[str, str]:
        """Speaker id -> the name it was given (unnamed speakers are absent)."""
        try:
            data = json.loads((self.folder / NAMES_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write_names(self, names: dict[str, str]) -> None:
        target = self.folder / NAMES_FILE
        staged = target.with_name(f".partial-{NAMES_FILE}")
        staged.write_text(json.dumps(names, ensure_ascii=False, indent=2), encoding="utf-8")
        staged.replace(target)

    def name_of(self, speaker_id: str) -> str:
        """The speaker's name, or its id when it has none."""
        return self.names().get(speaker_id, speaker_id)

    def speakers(self) -> list[tuple[str, str]]:
        """Every enrolled speaker as (id, name), oldest first."""
        names = self.names()
        return [(sid, names.get(sid, sid)) for sid in self.speaker_ids()]

    def resolve(self, which: str) -> str:
        """The id of the speaker called ``which`` (a name, any case, or an id)."""
        which = (which or "").strip()
        if which == DEFAULT_SPEAKER:
            return which
        if ID_PATTERN.fullmatch(which):
            return which
        wanted = which.casefold()
        for speaker_id, name in self.names().items():
            if name.casefold() == wanted:
                return speaker_id
        known = ", ".join(name for _, name in self.speakers()) or "none yet"
        raise UnknownIdError(f"No enrolled speaker called '{shown_id(which)}' (enrolled: "
                             f"{known}). Enrol one with: voice-agent enrol FILE --name NAME")

    def rename(self, which: str, name: str) -> str:
        """Give speaker ``which`` (a name or an id) the name ``name``; returns its id."""
        speaker_id = self.resolve(which)
        self.recording(speaker_id)  # it must exist
        with self._lock:
            names = self.names()
            names[speaker_id] = self._check_name(name, names, speaker_id)
            self._write_names(names)
        return speaker_id

    def delete(self, which: str) -> tuple[str, str]:
        """Delete speaker ``which``: its recording and its name; returns (id, name)."""
        speaker_id = self.resolve(which)
        if speaker_id == DEFAULT_SPEAKER:
            raise ServiceError("The default speaker is the configured one; it cannot be deleted.")
        recording = self.recording(speaker_id)
        name = self.name_of(speaker_id)
        with self._lock:
            recording.unlink(missing_ok=True)
            self._loaded.pop(speaker_id, None)
            names = self.names()
            if names.pop(speaker_id, None) is not None:
                self._write_names(names)
        return speaker_id, name

    @staticmethod
    def _check_name(name: str, names: dict[str, str], speaker_id: str) -> str:
        cleaned = " ".join((name or "").split())
        if not _NAME.fullmatch(cleaned):
            raise ServiceError(f"A speaker's name is 1 to {MAX_NAME_CHARS} letters, digits, "
                               "spaces, dots, hyphens or apostrophes (e.g. Ana María).")
        if cleaned.casefold() == DEFAULT_SPEAKER or ID_PATTERN.fullmatch(cleaned):
            raise ServiceError(f"'{cleaned}' cannot be a name (it looks like an id); choose "
                               "another.")
        taken = [sid for sid, n in names.items() if n.casefold() == cleaned.casefold()]
        if taken and taken != [speaker_id]:
            raise ServiceError(f"Another speaker is already called '{cleaned}'; choose "
                               "another name.")
        return cleaned

    def enrol(self, upload: Path, name: str = "", speaker_name: str = "",
              on_step: StepCallback | None = None) -> SpeakerInfo:
        """Validate ``upload``, store it, build its voice (about a minute on a cache miss).

        ``name`` is the upload's original file name (for its extension); ``speaker_name``
        what the person calls the speaker (kept in ``names.json``); ``on_step`` gets each
        enrolment step, for a progress display.
        """
        clip = self.check(upload)  # raises SpeakerClipError with what to do
        speaker_id = clip.sha256[:12]
        if speaker_name:  # a taken or empty name fails now, not after minutes of enrolment
            self._check_name(speaker_name, self.names(), speaker_id)
        suffix = Path(name or upload.name).suffix.lower()
        stored = self.folder / (speaker_id + (suffix if _SUFFIX.match(suffix) else ".wav"))
        with self._enrolling:  # one search at a time: each takes both cores for minutes
            speaker = self._build(speaker_id, upload, stored, on_step)
        enrolled = isinstance(speaker, EnrolledSpeaker)
        profile = speaker.profile if enrolled else None
        score = profile.scores.get("best") if profile is not None else None
        if speaker_name:
            self.rename(speaker_id, speaker_name)
        return SpeakerInfo(speaker_id, name or upload.name, round(clip.duration_s, 2),
                           tuple(clip.warnings), speaker.cache_hit if enrolled else None, score,
                           self.name_of(speaker_id))

    def _build(self, speaker_id: str, upload: Path, stored: Path,
               on_step: StepCallback | None = None) -> Any:
        """Build the voice from a staged copy; the id is listed only once that worked."""
        if stored.exists():
            return self.cloned(speaker_id)
        staged = stored.with_name(f".partial-{stored.name}")  # keeps the extension
        shutil.copyfile(upload, staged)
        try:
            speaker = self.make_cloned(staged, on_step)
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
        speaker_id = self.resolve(speaker_id)
        with self._lock:
            if speaker_id in self._loaded:
                self._loaded.move_to_end(speaker_id)
                return self._loaded[speaker_id]
        speaker = self.make_cloned(self.recording(speaker_id), None)
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


def default_speakers_dir() -> Path:
    """Where ``voice-agent enrol --name`` keeps speakers: ``$VOICE_AGENT_HOME/speakers``."""
    from voice_agent.core.models import cache_home

    return cache_home() / "speakers"


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

    return VoiceLab(folder, make_cloned=lambda path, on_step: make_cloned_speaker(
                        path, show_progress=on_step is None, on_step=on_step),
                    make_comparer=VoiceComparer,
                    check=lambda path: load_enrolment_clip(path, KOKORO_RATE),
                    default_recording=Path(default_recording or DEFAULT_SPEAKER_WAV),
                    default_reference=None if default_recording else HELDOUT_SPEAKER_WAV)


def _fake_cloned(path: Path, on_step: StepCallback | None) -> Any:
    """``--fake`` mode's voice: a tone; it reports the enrolment's first and last step."""
    from voice_agent.fakes import FakeSpeaker
    from voice_agent.speech.cloning import EnrolmentStep

    if on_step is not None:
        on_step(EnrolmentStep("analyse", 1, 2, path.name))
        on_step(EnrolmentStep("save", 2, 2))
    return FakeSpeaker(freq=330.0)


def fake_voice_lab(folder: str | Path) -> VoiceLab:
    """``--fake`` mode: real validation of the recording, fake voices and fake scores."""
    from voice_agent.fakes import FakeComparer
    from voice_agent.speech import DEFAULT_SPEAKER_WAV, HELDOUT_SPEAKER_WAV
    from voice_agent.speech.enrol import load_enrolment_clip

    return VoiceLab(folder, make_cloned=_fake_cloned,
                    make_comparer=FakeComparer,
                    check=lambda path: load_enrolment_clip(path, 24_000),
                    default_recording=DEFAULT_SPEAKER_WAV, default_reference=HELDOUT_SPEAKER_WAV)

