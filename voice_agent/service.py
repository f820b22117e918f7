"""One agent shared by the web app and the HTTP API: loaded once, used by one request at a time.

:class:`AgentService` owns the loaded :class:`~voice_agent.pipeline.Pipeline`. The models
are one set of weights that is not safe to call from two threads at once, so every use
of them goes through one lock, in arrival order; a bounded number of requests may wait
(more get :class:`BusyError`). Every request gets its own folder under the output root,
named by a fresh request id, and its audio is addressed by ``<request id>-<name>``
ids, so concurrent requests never write to or read from each other's files.

Three kinds of work:

* :meth:`AgentService.turn` - a spoken request through the whole pipeline (the Talk tab
  and ``POST /api/turn``), optionally in an enrolled speaker's cloned voice;
* :meth:`AgentService.compose` - a typed prompt to music only (the Compose tab and
  ``POST /api/audio/generate``): the responder rewrites the prompt into a grounded plan
  and its ``music_prompt`` (the "improved prompt"), the overrides are applied, and the
  clip is rendered; :meth:`AgentService.recompose` re-renders a plan without the LLM;
* speakers - :meth:`AgentService.enrol` and :meth:`AgentService.compare_voices` (the
  Voices tab and ``/api/speakers``), through :class:`VoiceLab`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voice_agent.audio import decode_audio, write_wav
from voice_agent.errors import VoiceAgentError
from voice_agent.events import EventCallback
from voice_agent.pipeline import Pipeline, guess_language, speak_timed
from voice_agent.replies import compose_music_prompt, plan_to_dict
from voice_agent.types import (Audio, Intent, MusicClip, MusicPlan, Reply, SpokenReply,
                               Transcript, Turn)

log = logging.getLogger(__name__)

AUDIO_NAMES = ("music", "reply_cloned", "reply_base")
_ID = re.compile(r"^[0-9a-f]{12}$")  # request ids and speaker ids: 12 hex digits
_AUDIO_ID = re.compile(r"^([0-9a-f]{12})-(" + "|".join(AUDIO_NAMES) + r")$")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,5}$")
DEFAULT_SPEAKER = "default"
MAX_SESSIONS = 256


class ServiceError(VoiceAgentError):
    """A request the service refuses; ``status`` is the HTTP status it maps to."""

    kind = "bad_request"
    status = 400


class UnknownIdError(ServiceError):
    """An audio, request or speaker id that does not exist (or no longer does)."""

    kind = "not_found"
    status = 404


class BusyError(ServiceError):
    """Too many requests are already waiting for the models."""

    kind = "busy"
    status = 503


class StageUnavailableError(ServiceError):
    """The stage this request needs is not configured or could not load."""

    kind = "unavailable"
    status = 503


@dataclass(frozen=True)
class Limits:
    """What the service accepts. Uploads are refused above ``max_upload_bytes``."""

    max_upload_bytes: int = 20 * 1024 * 1024
    max_request_s: float = 60.0
    max_speaker_s: float = 60.0
    max_prompt_chars: int = 600
    max_waiting: int = 8
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

    def apply(self, plan: MusicPlan) -> MusicPlan:
        """``plan`` with every override that is set."""
        changes = {k: v for k, v in dataclasses.asdict(self).items() if v not in (None, "")}
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
                "timings": {k: round(v, 4) for k, v in self.timings.items()}}


@dataclass(frozen=True)
class TurnResult:
    """A finished turn, the folder it was written to and the ids of its audio."""

    request_id: str
    turn: Turn
    record: dict[str, Any]
    folder: Path
    audio_ids: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> Path | None:
        """The WAV file of ``name`` ("music", "reply_cloned", "reply_base"), if made."""
        file = produced_audio(self.record).get(name)
        return self.folder / file if file else None


def produced_audio(record: dict[str, Any]) -> dict[str, str]:
    """Audio name -> WAV file name, for the audio a turn record says was written."""
    files = {"music": (record.get("music") or {}).get("file")}
    files.update({f"reply_{voice}": spoken.get("file")
                  for voice, spoken in (record.get("speech") or {}).items()})
    return {name: file for name, file in files.items() if file and name in AUDIO_NAMES}


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


class OutputStore:
    """One folder per request under ``root``; keeps the newest ``keep`` of them."""

    def __init__(self, root: str | Path, keep: int = 200) -> None:
        self.root = Path(root).resolve()
        self.keep = keep
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def new_request(self) -> tuple[str, Path]:
        """A fresh request id and its (new, empty) folder."""
        with self._lock:
            self._prune()
            request_id = uuid.uuid4().hex[:12]
            folder = self.root / request_id
            folder.mkdir()
            return request_id, folder

    def _prune(self) -> None:
        folders = sorted((p for p in self.root.iterdir() if _ID.match(p.name)),
                         key=lambda p: p.stat().st_mtime)
        for old in folders[: max(0, len(folders) - self.keep + 1)]:
            shutil.rmtree(old, ignore_errors=True)

    def audio_path(self, audio_id: str, midi: bool = False) -> Path:
        """The file of ``audio_id`` (its MIDI score when ``midi``); UnknownIdError if none."""
        match = _AUDIO_ID.match(audio_id or "")
        if not match:
            raise UnknownIdError(f"'{audio_id}' is not an audio id; ids look like "
                                 f"'0123456789ab-music' (request id, then one of "
                                 f"{', '.join(AUDIO_NAMES)}).")
        request_id, name = match.groups()
        if midi and name != "music":
            raise UnknownIdError(f"Only music clips have a MIDI score; '{audio_id}' is speech.")
        path = self.root / request_id / (f"{name}.mid" if midi else f"{name}.wav")
        if not path.is_file():
            what = "MIDI score" if midi else "audio"
            raise UnknownIdError(f"No {what} with id '{audio_id}' (unknown, or removed to make "
                                 "room for newer requests).")
        return path


class VoiceLab:
    """Enrolled speakers: their recordings on disk, their cloned voices, their comparison.

    ``make_cloned(path)`` builds an unloaded cloned speaker for a recording (its ``load()``
    enrols, or reads the profile cached by the recording's sha256); ``make_comparer(
    reference, held_out)`` a voice comparer; ``check(path)`` validates a recording and
    returns its :class:`~voice_agent.voice.enrol.EnrolmentClip`. The real ones are in
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
        if not _ID.match(speaker_id or ""):
            raise UnknownIdError(f"'{speaker_id}' is not a speaker id (12 hex digits, or "
                                 f"'{DEFAULT_SPEAKER}').")
        found = sorted(self.folder.glob(f"{speaker_id}.*"))
        if not found:
            raise UnknownIdError(f"No enrolled speaker '{speaker_id}'. Enrol a recording first.")
        return found[0]

    def speaker_ids(self) -> list[str]:
        """Every enrolled speaker, oldest first."""
        files = sorted(self.folder.iterdir(), key=lambda p: p.stat().st_mtime)
        return [p.stem for p in files if _ID.match(p.stem)]

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
    from voice_agent.backends.kokoro_tts import KOKORO_RATE
    from voice_agent.voice import DEFAULT_SPEAKER_WAV, HELDOUT_SPEAKER_WAV, make_cloned_speaker
    from voice_agent.voice.compare import VoiceComparer
    from voice_agent.voice.enrol import load_enrolment_clip

    return VoiceLab(folder, make_cloned=lambda path: make_cloned_speaker(path),
                    make_comparer=VoiceComparer,
                    check=lambda path: load_enrolment_clip(path, KOKORO_RATE),
                    default_recording=Path(default_recording or DEFAULT_SPEAKER_WAV),
                    default_reference=None if default_recording else HELDOUT_SPEAKER_WAV)


def fake_voice_lab(folder: str | Path) -> VoiceLab:
    """``--fake`` mode: real validation of the recording, fake voices and fake scores."""
    from voice_agent.fakes import FakeComparer, FakeSpeaker
    from voice_agent.voice import DEFAULT_SPEAKER_WAV, HELDOUT_SPEAKER_WAV
    from voice_agent.voice.enrol import load_enrolment_clip

    return VoiceLab(folder, make_cloned=lambda path: FakeSpeaker(freq=330.0),
                    make_comparer=FakeComparer,
                    check=lambda path: load_enrolment_clip(path, 24_000),
                    default_recording=DEFAULT_SPEAKER_WAV, default_reference=HELDOUT_SPEAKER_WAV)


class AgentService:
    """The loaded agent, shared safely by every request (see the module docstring)."""

    def __init__(self, pipeline: Pipeline, out_dir: str | Path, voices: VoiceLab,
                 limits: Limits = Limits(), fake: bool = False) -> None:
        self.pipeline = pipeline
        self.store = OutputStore(out_dir, limits.keep_requests)
        self.voices = voices
        self.limits = limits
        self.fake = fake
        self.loaded: dict[str, float] | None = None
        self._models = threading.Lock()
        self._state = threading.Lock()
        self._waiting = 0
        self._histories: OrderedDict[str, deque[Turn]] = OrderedDict()

    # -- models ---------------------------------------------------------------------------

    def load(self) -> dict[str, float]:
        """Load every model now (seconds per stage); idempotent."""
        with self._exclusive():
            if self.loaded is None:
                self.loaded = self.pipeline.load()
        return self.loaded

    def models(self) -> dict[str, Any]:
        """Each stage's model id, and the stages that cannot run with their reasons."""
        return {"fake": self.fake, "loaded": self.loaded is not None,
                "stages": {name: getattr(backend, "model_id", type(backend).__name__)
                           for name, backend in self.pipeline.stages().items()},
                "unavailable": dict(self.pipeline.unavailable)}

    @property
    def waiting(self) -> int:
        """Requests waiting for the models right now (the one running not counted)."""
        return self._waiting

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold the models; refuse when too many requests are already waiting."""
        with self._state:
            if self._waiting >= self.limits.max_waiting:
                raise BusyError(f"The agent is busy ({self._waiting} requests waiting); "
                                "try again in a minute.")
            self._waiting += 1
        try:
            self._models.acquire()
        finally:
            with self._state:
                self._waiting -= 1
        try:
            yield
        finally:
            self._models.release()

    @contextmanager
    def _session(self, session: str | None) -> Iterator[None]:
        """Run with the session's own turn history (no session: no history)."""
        history = self._history(session)
        saved = self.pipeline.history
        self.pipeline.history = history
        try:
            yield
        finally:
            self.pipeline.history = saved

    def _history(self, session: str | None) -> deque[Turn]:
        maxlen = self.pipeline.history.maxlen
        if not session:
            return deque(maxlen=maxlen)
        history = self._histories.pop(session, None) or deque(maxlen=maxlen)
        self._histories[session] = history
        while len(self._histories) > MAX_SESSIONS:
            self._histories.popitem(last=False)
        return history

    @contextmanager
    def _voice(self, speaker_id: str | None) -> Iterator[None]:
        """Speak this turn in ``speaker_id``'s cloned voice (the configured one when None)."""
        if speaker_id in (None, "", DEFAULT_SPEAKER) or "cloned" not in self.pipeline.speakers:
            yield
            return
        saved = dict(self.pipeline.speakers)
        self.pipeline.speakers["cloned"] = self.voices.cloned(speaker_id)
        try:
            yield
        finally:
            self.pipeline.speakers = saved

    # -- input checks ---------------------------------------------------------------------

    def decode_request(self, data: bytes, name: str = "request") -> Audio:
        """Decode an uploaded spoken request, refusing what is too big, long or short."""
        from voice_agent.speech_checks import check_has_signal

        if not data:
            raise ServiceError("The uploaded request is empty (0 bytes). Record it again.")
        if len(data) > self.limits.max_upload_bytes:
            raise ServiceError(f"The upload is {len(data) / 1e6:.1f} MB; the limit is "
                               f"{self.limits.max_upload_bytes / 1e6:.0f} MB.")
        audio = decode_audio(data, name=name)  # AudioInputError when it is not audio
        if audio.duration_s > self.limits.max_request_s:
            raise ServiceError(f"The request is {audio.duration_s:.0f} s long; say it in at "
                               f"most {self.limits.max_request_s:.0f} s.")
        check_has_signal(audio)
        return audio

    def check_prompt(self, prompt: str) -> str:
        """A typed prompt with its whitespace tidied; refuses empty or very long ones."""
        cleaned = " ".join((prompt or "").split())
        if not cleaned:
            raise ServiceError("The prompt is empty; describe the music you want, e.g. "
                               "'relaxing jazz with piano'.")
        if len(cleaned) > self.limits.max_prompt_chars:
            raise ServiceError(f"The prompt has {len(cleaned)} characters; the limit is "
                               f"{self.limits.max_prompt_chars}.")
        return cleaned

    # -- a spoken turn ----------------------------------------------------------------------

    def turn(self, audio: Audio, request: str = "upload", language: str | None = None,
             speaker_id: str | None = None, session: str | None = None,
             on_event: EventCallback | None = None) -> TurnResult:
        """Run one spoken request through the whole pipeline; write its files."""
        if speaker_id and speaker_id != DEFAULT_SPEAKER:
            self.voices.recording(speaker_id)  # an unknown id fails before the queue
        with self._exclusive(), self._session(session), self._voice(speaker_id):
            turn = self.pipeline.run(audio=audio, language=language, request=request,
                                     on_event=on_event)
        from voice_agent.modes.headless import write_outputs

        request_id, folder = self.store.new_request()

        record = write_outputs(turn, folder)
        record["request_id"] = request_id
        _write_json(folder / "turn.json", record)
        ids = {name: f"{request_id}-{name}" for name in produced_audio(record)}
        return TurnResult(request_id, turn, record, folder, ids)

    # -- a typed prompt to music ------------------------------------------------------------

    def compose(self, prompt: str, options: ComposeOptions = ComposeOptions(),
                language: str | None = None) -> ComposeResult:
        """Rewrite ``prompt`` into a plan with the responder, apply ``options``, render it."""
        prompt = self.check_prompt(prompt)
        transcript = Transcript(prompt, language or guess_language(prompt))
        with self._exclusive():
            renderer = self._renderer()
            start = time.perf_counter()
            reply = self.pipeline.responder.respond(transcript, ())
            llm_s = time.perf_counter() - start
            plan = reply.plan or self._plan_from_words(transcript)
            return self._render(renderer, prompt, reply, options.apply(plan), {"llm": llm_s})

    def recompose(self, plan: MusicPlan, options: ComposeOptions = ComposeOptions(),
                  prompt: str = "") -> ComposeResult:
        """Render ``plan`` again with new overrides, without asking the language model."""
        with self._exclusive():
            return self._render(self._renderer(), prompt, None, options.apply(plan), {})

    def _renderer(self) -> Any:
        if self.pipeline.renderer is None:
            reason = self.pipeline.unavailable.get("music", "no music renderer is configured")
            raise StageUnavailableError(f"Music cannot be made here: {reason}")
        return self.pipeline.renderer

    def _plan_from_words(self, transcript: Transcript) -> MusicPlan:
        """A plan for a prompt the responder took for chat: music is what was asked for."""
        from voice_agent.plan_parsing import plan_from_text, transcript_plan_seed

        return plan_from_text(transcript.text, seed=transcript_plan_seed(transcript))

    def _render(self, renderer: Any, prompt: str, reply: Reply | None, plan: MusicPlan,
                timings: dict[str, float]) -> ComposeResult:
        start = time.perf_counter()
        clip = renderer.render(plan, compose_music_prompt(plan))
        timings = {**timings, "music": time.perf_counter() - start}
        request_id, folder = self.store.new_request()
        wav = write_wav(folder / "music.wav", clip.audio)
        midi = None
        if clip.midi:
            midi = folder / "music.mid"
            midi.write_bytes(clip.midi)
        improved = compose_music_prompt(clip.plan)  # the plan as rendered, overrides and all
        result = ComposeResult(request_id, prompt, improved, reply, clip.plan, clip, wav, midi,
                               timings)
        _write_json(folder / "compose.json", result.record())
        return result

    # -- speakers ---------------------------------------------------------------------------

    def enrol(self, upload: Path, name: str = "") -> SpeakerInfo:
        """Validate and enrol a speaker recording (see :meth:`VoiceLab.enrol`)."""
        if upload.stat().st_size > self.limits.max_upload_bytes:
            raise ServiceError(f"The recording is {upload.stat().st_size / 1e6:.1f} MB; the "
                               f"limit is {self.limits.max_upload_bytes / 1e6:.0f} MB.")
        return self.voices.enrol(upload, name)

    def compare_voices(self, speaker_id: str, text: str, language: str,
                       reference: Path | None = None) -> dict[str, Any]:
        """Speak ``text`` in the cloned voice of ``speaker_id`` and the base voice; score both.

        Returns ``{"request_id", "reference", "reference_is_held_out", "voices": {voice:
        {"audio_id", "similarity", "round_trip_wer", "heard"}}}``.
        """
        text = self.check_prompt(text)
        reply = Reply(say=text, music_prompt="", intent=Intent.CHAT, plan=None, language=language)
        comparer = self.voices.comparer(speaker_id, reference)
        with self._exclusive(), self._voice(speaker_id):
            spoken = self._speak_both(reply)
            scores = {s.voice: comparer.score(s, text, self.pipeline.transcriber) for s in spoken}
        request_id, folder = self.store.new_request()
        voices = {}
        for s in spoken:
            write_wav(folder / f"reply_{s.voice}.wav", s.audio)
            score = scores[s.voice]
            voices[s.voice] = {"audio_id": f"{request_id}-reply_{s.voice}",
                               "similarity": round(float(score.similarity), 4),
                               "round_trip_wer": round(float(score.round_trip_wer), 4),
                               "heard": score.heard, "backend": s.backend}
        return {"request_id": request_id, "speaker_id": speaker_id, **comparer.describe(),
                "voices": voices}

    def _speak_both(self, reply: Reply) -> list[SpokenReply]:
        voices = [v for v in ("cloned", "base") if v in self.pipeline.speakers]
        if not voices:
            reason = self.pipeline.unavailable.get("tts", "no voice is configured")
            raise StageUnavailableError(f"Speech cannot be made here: {reason}")
        return [speak_timed(self.pipeline.speakers[v], v, reply) for v in voices]

    def audio_path(self, audio_id: str, midi: bool = False) -> Path:
        """The file behind an audio id (see :meth:`OutputStore.audio_path`)."""
        return self.store.audio_path(audio_id, midi)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def build_service(config, out_dir: str | Path, fake: bool = False,
                  limits: Limits = Limits()) -> AgentService:
    """The service for ``config`` (real models), or of fakes when ``fake``."""
    out_dir = Path(out_dir)
    if fake:
        from voice_agent.fakes import fake_pipeline

        return AgentService(fake_pipeline(), out_dir / "requests",
                            fake_voice_lab(out_dir / "speakers"), limits, fake=True)
    from voice_agent.factory import build_pipeline

    voices = real_voice_lab(out_dir / "speakers", config.speech.speaker_wav)
    return AgentService(build_pipeline(config), out_dir / "requests", voices, limits)
