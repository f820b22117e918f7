"""One agent shared by the web app and the HTTP API: loaded once, used by one request at a time.

:class:`AgentService` owns the loaded :class:`~voice_agent.pipeline.turns.Pipeline`. The models
are one set of weights that is not safe to call from two threads at once, so every use
of them goes through one queue (:class:`~voice_agent.service.queue.WorkQueue`), first
come first served; a bounded number of requests of each kind may wait (more get
:class:`BusyError`). Every request gets its own folder under the output root, named by a
fresh request id and renamed into place only once written, and its audio is addressed by
``<request id>-<name>`` ids, so concurrent requests never write to or read from each
other's files. Audio is checked against the limits from its header before it is decoded.

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

import logging
import threading
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from voice_agent.core.audio import (AudioTooLongError, check_audio_info, decode_audio,
                                    probe_audio, write_wav)
from voice_agent.core.cancel import CancelToken
from voice_agent.core.errors import AudioInputError, NoMelodyError
from voice_agent.core.events import EventCallback
from voice_agent.core.types import Audio, Intent, MusicPlan, Reply, SpokenReply, Turn
from voice_agent.library import LibraryScope
from voice_agent.pipeline.record import write_outputs
from voice_agent.pipeline.turns import Pipeline, speak_timed
from voice_agent.responder import JsonCompleter
from voice_agent.responder.replies import compose_music_prompt
from voice_agent.service.compose import ComposeOptions, ComposeResult, Limits
from voice_agent.music.melody import MelodyHeard
from voice_agent.service.errors import (ServiceError, StageFailedError, StageUnavailableError,
                                        TooLargeError, UnknownEngineError, busy_stage_error,
                                        mib)
from voice_agent.service.outputs import (
    IdempotencyStore,
    OutputStore,
    TurnResult,
    write_json,
    produced_audio,
)
from voice_agent.service.queue import WorkQueue
from voice_agent.library.sessions import SessionInfo
from voice_agent.service.sessions import (SessionDetail, go_back_words, session_detail,
                                          session_store)
from voice_agent.speech.protocol import Speaker
from voice_agent.service.voices import (
    DEFAULT_SPEAKER,
    SpeakerInfo,
    StepCallback,
    VoiceLab,
    fake_voice_lab,
    real_voice_lab,
)

log = logging.getLogger(__name__)

MAX_SESSIONS = 256
COMPOSE_STAGES = ("llm", "music")  # the timings a compose result reports
MAX_NAME_BYTES = 255  # what a file name may be on every common file system


def check_upload_name(name: str) -> str:
    """An uploaded file's name as a client sent it, refused when it is not a plain name.

    The name is only shown and its extension kept; it never becomes a path. A name that
    is empty, ``.``/``..``, holds a separator or a NUL, or is too long is a bad request.
    """
    if (not name or name in (".", "..") or any(c in name for c in "/\\\0")
            or len(name.encode("utf-8", "replace")) > MAX_NAME_BYTES):
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise ServiceError(f"The file name '{shown}' cannot be used: give a plain file name "
                           f"such as 'speaker.wav' (no folders, at most {MAX_NAME_BYTES} "
                           "bytes).")
    return name




class AgentService:
    """The loaded agent, shared safely by every request (see the module docstring)."""

    def __init__(self, pipeline: Pipeline, out_dir: str | Path, voices: VoiceLab,
                 limits: Limits = Limits(), fake: bool = False,
                 spare_pipelines: Sequence[Pipeline] = (), engine: str = "in-process",
                 describe_engine: Callable[[], dict[str, Any]] | None = None) -> None:
        # One pipeline per slot of the queue: with the models in this process there is
        # one; when the stages live elsewhere (the Ray engine) the spares let that many
        # requests run at once, each with its own library hook.
        self._pipelines = [pipeline, *spare_pipelines]
        self._slot = threading.local()
        self.engine = engine
        self._describe_engine = describe_engine
        self.store = OutputStore(out_dir, limits.keep_requests)
        # beside the request folders, not among them: a key outlives its request folder
        self.idempotency = IdempotencyStore(self.store.root.with_name(
            self.store.root.name + "-idempotency"))
        self.voices = voices
        self.limits = limits
        self.fake = fake
        self.loaded: dict[str, float] | None = None
        self.queue = WorkQueue(len(self._pipelines))
        self._histories: OrderedDict[str, deque[Turn]] = OrderedDict()
        self._tickets: dict[str, CancelToken] = {}  # running or waiting turns, by ticket
        self._tickets_lock = threading.Lock()

    @property
    def pipeline(self) -> Pipeline:
        """The pipeline of the slot this thread holds (the first one when it holds none)."""
        return self._pipelines[getattr(self._slot, "number", None) or 0]

    def describe_engine(self) -> dict[str, Any]:
        """Where the stages run: ``{"engine": ...}`` plus what the engine says of itself
        (the Ray engine: each deployment's replicas)."""
        extra = self._describe_engine() if self._describe_engine else {}
        return {"engine": self.engine, **extra}

    # -- models ---------------------------------------------------------------------------

    def load(self) -> dict[str, float]:
        """Load every model now (seconds per stage); idempotent."""
        with self._exclusive():
            if self.loaded is None:
                self.loaded = self.pipeline.load(later=self.pipeline.comparison_stages())
        return self.loaded

    def models(self) -> dict[str, Any]:
        """Each stage's model id, and the stages that cannot run with their reasons."""
        return {"fake": self.fake, "loaded": self.loaded is not None,
                "stages": self.pipeline.model_ids(),
                "music_engines": list(self.pipeline.music_engines()),
                "unavailable": dict(self.pipeline.unavailable)}

    @property
    def waiting(self) -> int:
        """Requests waiting for the models right now (the one running not counted)."""
        return self.queue.waiting

    @contextmanager
    def _exclusive(self, kind: str = "work") -> Iterator[None]:
        """Hold the models, in arrival order; refuse when too many of ``kind`` wait.

        Enrolments (minutes each) have their own, smaller cap, so they cannot fill the
        queue that turns and compositions wait in.
        """
        if kind == "enrol":
            cap, what = self.limits.max_enrol_waiting, "enrolments"
        else:
            cap, what = self.limits.max_waiting, "requests"
        with self.queue.hold(kind, cap, what) as slot:
            outer = getattr(self._slot, "number", None)
            self._slot.number = slot
            try:
                yield
            finally:
                self._slot.number = outer

    @contextmanager
    def _cancellable(self, ticket: str | None) -> Iterator[CancelToken]:
        """A cancel token for the turn, findable by ``ticket`` (see :meth:`cancel`) while
        it waits and while it runs."""
        token = CancelToken()
        if ticket:
            with self._tickets_lock:
                self._tickets[ticket] = token
        try:
            yield token
        finally:
            if ticket:
                with self._tickets_lock:
                    if self._tickets.get(ticket) is token:
                        del self._tickets[ticket]

    def cancel(self, ticket: str) -> bool:
        """Cancel the turn started with ``ticket`` (waiting or running); False when none is.

        The turn stops at its next check point (within one reply sentence's work), comes
        back ``cancelled`` with nothing stored, and frees the models for the next request.
        """
        with self._tickets_lock:
            token = self._tickets.get(ticket)
        if token is None:
            return False
        token.cancel()
        return True

    def _history(self, session: str | None) -> deque[Turn]:
        """The session's own turn history (no session: a fresh, empty one).

        Called with the models held, so no two requests use a history at once.
        """
        if not session:
            return self.pipeline.new_history()
        history = self._histories.pop(session, None)
        if history is None:  # (an empty deque is falsy: test for None)
            history = self.pipeline.new_history()
        self._histories[session] = history
        while len(self._histories) > MAX_SESSIONS:
            self._histories.popitem(last=False)
        return history

    def _voices(self, speaker_id: str | None) -> dict[str, Speaker] | None:
        """The voices for ``speaker_id``'s cloned voice (None: the configured ones)."""
        if speaker_id in (None, "", DEFAULT_SPEAKER) or "cloned" not in self.pipeline.speakers:
            return None
        return {**self.pipeline.speakers, "cloned": self.voices.cloned(speaker_id)}

    # -- input checks ---------------------------------------------------------------------

    def decode_request(self, data: bytes, name: str = "request") -> Audio:
        """Decode an uploaded spoken request, refusing what is too big, long or short.

        The length is read from the header before decoding (a small compressed file can
        hold hours), and decoding stops at the limit whatever the header says.
        """
        from voice_agent.asr.checks import MIN_DURATION_S, check_has_signal

        if not data:
            raise ServiceError("The uploaded request is empty (0 bytes). Record it again.")
        self.check_size(len(data), "upload")
        limit = self.limits.max_request_s
        try:
            audio = decode_audio(data, name=name, max_s=limit)
        except AudioTooLongError as exc:
            raise ServiceError(f"The request is too long ({exc}); say it in at most "
                               f"{limit:.0f} s.") from None
        if audio.duration_s < MIN_DURATION_S:  # the ASR's own words speak of a talk key
            raise AudioInputError(f"The recording is only {audio.duration_s:.2f} s long; send "
                                  "a recording of your whole request.")
        check_has_signal(audio)
        return audio

    def check_size(self, size: int, what: str = "upload") -> None:
        """Refuse ``size`` bytes over the upload limit (in MiB, as the limit is given)."""
        if size > self.limits.max_upload_bytes:
            raise TooLargeError(f"The {what} is {mib(size)}; the limit is "
                                f"{mib(self.limits.max_upload_bytes)}.")

    def check_recording(self, path: Path, name: str) -> None:
        """Refuse a speaker recording over the size or length limit, from its header."""
        self.check_size(path.stat().st_size, "recording")
        check_audio_info(probe_audio(path.read_bytes(), name), name, self.limits.max_speaker_s)

    def decode_melody(self, data: bytes, name: str = "melody") -> Audio:
        """Decode an uploaded melody (hummed, whistled, sung or played), refusing what is
        empty, too big, too long, too short or silent. Its length is read from the header
        first, and decoding stops at the limit whatever the header says."""
        from voice_agent.asr.checks import SILENCE_PEAK

        if not data:
            raise ServiceError("The melody file is empty (0 bytes). Record the tune again.")
        self.check_size(len(data), "melody")
        limits = self.limits
        try:
            audio = decode_audio(data, name=name, max_s=limits.max_melody_s)
        except AudioTooLongError as exc:
            raise ServiceError(f"The melody is too long ({exc}); hum, whistle or play at most "
                               f"{limits.max_melody_s:.0f} s of it.") from None
        if audio.duration_s < limits.min_melody_s:
            raise NoMelodyError(f"The melody is only {audio.duration_s:.2f} s long, too short "
                                f"to hold a tune; hum, whistle or play a few notes (at least "
                                f"{limits.min_melody_s:.0f} s).", "short", audio.duration_s)
        if audio.peak < SILENCE_PEAK:
            raise NoMelodyError("The melody recording is silent. Check that the right "
                                "microphone is selected and not muted, then hum the tune "
                                "again.", "silent", audio.duration_s)
        return audio

    def hear_melody(self, melody: Audio) -> MelodyHeard:
        """The notes, key and tempo heard in ``melody``; NoMelodyError for noise or one note.

        CPU work without the models (about a second per 10 s of tune), so it runs before
        the queue; the composer reuses the transcription.
        """
        from voice_agent.music.melody import heard, transcribe

        return heard(transcribe(melody))

    def check_engine(self, engine: str | None, melody: bool = False) -> str | None:
        """``engine`` when the pipeline has it (None/"": the default); UnknownEngineError
        listing the choices otherwise. With ``melody``, the engine must follow one."""
        choices = self.pipeline.music_engines()
        if engine and engine not in choices:
            listed = ", ".join(choices) or "none (music is switched off)"
            raise UnknownEngineError(f"Unknown music engine '{engine}'. Choose one of: "
                                     f"{listed}.")
        renderer = self.pipeline.renderer_for(engine) if choices else None
        if melody and renderer is not None and not renderer.takes_melody:
            raise ServiceError(f"The {engine or choices[0]} engine here ({renderer.model_id}) "
                               "does not follow a melody: choose the composer, or give "
                               "MusicGen-melody weights.")
        return engine or None

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

    def turn(self, audio: Audio | None, request: str = "upload", language: str | None = None,
             speaker_id: str | None = None, session: str | None = None,
             on_event: EventCallback | None = None, text: str | None = None,
             melody: Audio | None = None, engine: str | None = None,
             transcribe: Callable[[Audio, str | None], Any] | None = None,
             ticket: str | None = None) -> TurnResult:
        """Run one request through the whole pipeline; write its files.

        ``audio`` is a spoken request; with ``text`` instead, a typed one (no ASR). A clip
        it makes follows ``melody`` (see :meth:`decode_melody`), by music ``engine``.
        ``transcribe`` stands in for the recogniser (a streaming session's finish).
        With ``ticket``, :meth:`cancel` (ticket) stops the turn; its record then says
        ``cancelled`` and nothing of it is stored in the library or the session.
        """
        if text is not None:
            text = self.check_prompt(text)
        engine = self.check_engine(engine, melody is not None)
        if melody is not None:
            self.hear_melody(melody)  # no tune in it: say so now, not after the reply
        if speaker_id and speaker_id != DEFAULT_SPEAKER:
            self.voices.recording(speaker_id)  # an unknown id fails before the queue
        with self._cancellable(ticket) as cancel, self._exclusive():
            turn = self._run_turn(session, audio=None if text is not None else audio, text=text,
                                  language=language, request=request, on_event=on_event,
                                  speakers=self._voices(speaker_id), melody=melody,
                                  engine=engine, transcribe=transcribe, cancel=cancel)
        busy = busy_stage_error(turn)
        if busy is not None:  # a half-made turn is not an answer: ask again (503)
            raise busy
        with self.store.writing() as (request_id, partial):
            record = write_outputs(turn, partial, request_id=request_id)
        ids = {name: f"{request_id}-{name}" for name in produced_audio(record)}
        return TurnResult(request_id, turn, record, self.store.folder(request_id), ids)

    def _run_turn(self, session: str | None, **run: Any) -> Turn:
        """One turn in ``session``: kept on disk with the clip library when it is on (it
        survives a restart and is shared with ``run --session`` and ``talk``), else in
        this process's memory.

        The session's own library state ("current clip", pending "yes") is named by the
        turn's scope; without a session it is a one-off, dropped afterwards, never another
        request's.
        """
        from voice_agent.service.sessions import keeps_sessions, run_in_session

        if session and keeps_sessions(self.pipeline):
            return run_in_session(self.pipeline, session, owner=session, **run)
        owner = session or f"once-{uuid.uuid4().hex}"
        history = self._history(session)
        try:
            turn = self.pipeline.run(history=history, scope=LibraryScope(owner=owner), **run)
        finally:
            if not session and self.pipeline.library is not None:
                self.pipeline.library.forget_session(owner)
        if not turn.cancelled:
            history.append(turn)
        return turn

    # -- stored sessions ---------------------------------------------------------------------

    def sessions(self) -> list[SessionInfo]:
        """Every stored session, most recently used first (SessionsOffError when the
        library is off). Reads need no models, so they do not queue behind a turn."""
        return session_store(self.pipeline).sessions()

    def session(self, name: str) -> SessionDetail:
        """Session ``name`` with its turns and versions (NoSuchSessionError when none)."""
        return session_detail(self.pipeline, name)

    def go_to_version(self, session: str, number: int, language: str | None = None,
                      speaker_id: str | None = None,
                      on_event: EventCallback | None = None) -> TurnResult:
        """Make version ``number`` of ``session`` current, so the next edit starts from it.

        This is the voice command itself: the turn is the typed request "go back to
        version N" ("vuelve a la versión N"), so the reply, the record and the session say
        what happened exactly as when it is spoken.
        """
        session_store(self.pipeline).version(session, number)  # a missing one fails first
        return self.turn(None, request=f"go to version {number}", language=language,
                         speaker_id=speaker_id, session=session, on_event=on_event,
                         text=go_back_words(number, language))

    # -- a typed prompt to music ------------------------------------------------------------

    def compose(self, prompt: str, options: ComposeOptions = ComposeOptions(),
                language: str | None = None, melody: Audio | None = None,
                engine: str | None = None) -> ComposeResult:
        """Rewrite ``prompt`` into a plan with the responder, apply ``options``, render it.

        ``melody`` (from :meth:`decode_melody`) is the tune the clip follows: the composer
        plays it as the lead line, MusicGen-melody is conditioned on it. ``engine`` names
        one of the pipeline's music engines (None: the default).
        """
        prompt = self.check_prompt(prompt)
        engine, heard = self._music_request(engine, melody)
        with self._exclusive():
            self._check_renderer(engine)
            turn = self.pipeline.compose(text=prompt, language=language, adjust=options.apply,
                                         melody=melody, engine=engine,
                                         best_of=options.best_of)
        return self._composed(prompt, turn, heard, engine)

    def recompose(self, plan: MusicPlan, options: ComposeOptions = ComposeOptions(),
                  prompt: str = "", melody: Audio | None = None,
                  engine: str | None = None) -> ComposeResult:
        """Render ``plan`` again with new overrides, without asking the language model."""
        engine, heard = self._music_request(engine, melody)
        with self._exclusive():
            self._check_renderer(engine)
            turn = self.pipeline.compose(plan=options.apply(plan), request="recompose",
                                         melody=melody, engine=engine,
                                         best_of=options.best_of)
        return self._composed(prompt, turn, heard, engine)

    def _music_request(self, engine: str | None,
                       melody: Audio | None) -> tuple[str | None, MelodyHeard | None]:
        """The checked engine name and what the melody holds, before the queue."""
        engine = self.check_engine(engine, melody is not None)
        return engine, self.hear_melody(melody) if melody is not None else None

    def _check_renderer(self, engine: str | None = None) -> None:
        if self.pipeline.renderer_for(engine) is None:
            reason = self.pipeline.unavailable.get("music", "no music renderer is configured")
            raise StageUnavailableError(f"Music cannot be made here: {reason}")

    def _composed(self, prompt: str, turn: Turn, heard: MelodyHeard | None = None,
                  engine: str | None = None) -> ComposeResult:
        """Write a music-only turn's clip and ``compose.json``; a turn without one fails."""
        if turn.music is None:
            raise StageFailedError.from_turn(turn)
        clip = turn.music
        improved = compose_music_prompt(clip.plan)  # the plan as rendered, overrides and all
        timings = {t.stage: t.seconds for t in turn.timings if t.stage in COMPOSE_STAGES}
        with self.store.writing() as (request_id, partial):
            write_wav(partial / "music.wav", clip.audio)
            if clip.midi:
                (partial / "music.mid").write_bytes(clip.midi)
            folder = self.store.folder(request_id)
            result = ComposeResult(request_id, prompt, improved, turn.reply, clip.plan, clip,
                                   folder / "music.wav",
                                   folder / "music.mid" if clip.midi else None, timings,
                                   heard, engine or self.pipeline.engine)
            write_json(partial / "compose.json", result.record())
        return result

    # -- captions (the workshop) ------------------------------------------------------------

    def caption_completer(self) -> Callable[..., str] | None:
        """The responder's JSON completion for captions, each call queued with the other
        work; None when it cannot answer to a schema (or in --fake mode): template captions."""
        responder = self.pipeline.responder
        if self.fake or not isinstance(responder, JsonCompleter):
            return None

        def complete(*args: Any, **kwargs: Any) -> str:
            with self._exclusive():
                return responder.complete_json(*args, **kwargs)
        return complete

    def clap_scorer(self) -> Any:
        """The CLAP scorer the music stage was given (--clap-model), or None."""
        from voice_agent.music.clap import ClapScorer
        from voice_agent.music.scoring import ScoringRenderer

        renderer = self.pipeline.renderer
        if isinstance(renderer, ScoringRenderer) and isinstance(renderer.scorer, ClapScorer):
            return renderer.scorer
        return None

    # -- speakers ---------------------------------------------------------------------------

    def enrol(self, upload: Path, name: str = "", speaker_name: str = "",
              on_step: StepCallback | None = None) -> SpeakerInfo:
        """Validate and enrol a speaker recording (see :meth:`VoiceLab.enrol`).

        The size and the header's length are checked at once; the enrolment itself
        (minutes on a cache miss) waits in the one queue, with its own cap.
        ``speaker_name`` is what the person calls the speaker; ``on_step`` gets each
        enrolment step (for a progress display).
        """
        name = check_upload_name(name or upload.name)
        self.check_recording(upload, name)
        with self._exclusive("enrol"):
            return self.voices.enrol(upload, name, speaker_name, on_step)

    def compare_voices(self, speaker_id: str, text: str, language: str,
                       reference: Path | None = None) -> dict[str, Any]:
        """Speak ``text`` in the cloned voice of ``speaker_id`` and the base voice; score both.

        Returns ``{"request_id", "reference", "reference_is_held_out", "voices": {voice:
        {"audio_id", "similarity", "round_trip_wer", "heard"}}}``.
        """
        text = self.check_prompt(text)
        reply = Reply(say=text, music_prompt="", intent=Intent.CHAT, plan=None, language=language)
        if reference is not None:
            self.check_recording(reference, reference.name)
        if speaker_id != DEFAULT_SPEAKER:
            self.voices.recording(speaker_id)  # an unknown id fails before the queue
        with self._exclusive():
            comparer = self.voices.comparer(speaker_id, reference)  # embeds: model work
            spoken = self._speak_both(reply, self._voices(speaker_id) or self.pipeline.speakers)
            scores = {s.voice: comparer.score(s, text, self.pipeline.transcriber) for s in spoken}
        with self.store.writing() as (request_id, partial):
            for s in spoken:
                write_wav(partial / f"reply_{s.voice}.wav", s.audio)
        voices = {}
        for s in spoken:
            score = scores[s.voice]
            voices[s.voice] = {"audio_id": f"{request_id}-reply_{s.voice}",
                               "similarity": round(float(score.similarity), 4),
                               "round_trip_wer": round(float(score.round_trip_wer), 4),
                               "heard": score.heard, "backend": s.backend}
        return {"request_id": request_id, "speaker_id": speaker_id, **comparer.describe(),
                "voices": voices}

    def _speak_both(self, reply: Reply, speakers: Mapping[str, Speaker]) -> list[SpokenReply]:
        voices = [v for v in ("cloned", "base") if v in speakers]
        if not voices:
            reason = self.pipeline.unavailable.get("tts", "no voice is configured")
            raise StageUnavailableError(f"Speech cannot be made here: {reason}")
        return [speak_timed(speakers[v], v, reply) for v in voices]

    def audio_path(self, audio_id: str, midi: bool = False) -> Path:
        """The file behind an audio id (see :meth:`OutputStore.audio_path`)."""
        return self.store.audio_path(audio_id, midi)



def build_service(config, out_dir: str | Path, fake: bool = False,
                  limits: Limits = Limits(),
                  speakers_dir: str | Path | None = None) -> AgentService:
    """The service for ``config`` (real models), or of fakes when ``fake``.

    Enrolled speakers live in ``speakers_dir`` (default ``OUT/speakers``); the CLI passes
    the folder ``voice-agent enrol --name`` uses, so named speakers are shared.
    """
    out_dir = Path(out_dir)
    if fake:
        from voice_agent.fakes import fake_pipeline

        return AgentService(fake_pipeline(), out_dir / "requests",
                            fake_voice_lab(out_dir / "speakers"), limits, fake=True)
    from voice_agent.pipeline.build import build_pipeline

    voices = real_voice_lab(Path(speakers_dir or out_dir / "speakers"),
                            config.speech.speaker_wav)
    return AgentService(build_pipeline(config), out_dir / "requests", voices, limits)

