"""One agent shared by the web app and the HTTP API: loaded once, used by one request at a time.

:class:`AgentService` owns the loaded :class:`~voice_agent.pipeline.turns.Pipeline`. The models
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

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from voice_agent.core.audio import decode_audio, write_wav
from voice_agent.core.events import EventCallback
from voice_agent.core.language import guess_language
from voice_agent.core.types import (
    Audio,
    Intent,
    MusicPlan,
    Reply,
    SpokenReply,
    Transcript,
    Turn,
)
from voice_agent.pipeline.turns import Pipeline, speak_timed
from voice_agent.responder.replies import compose_music_prompt
from voice_agent.service.compose import ComposeOptions, ComposeResult, Limits
from voice_agent.service.errors import BusyError, ServiceError, StageUnavailableError
from voice_agent.service.outputs import (
    OutputStore,
    TurnResult,
    write_json,
    produced_audio,
)
from voice_agent.service.voices import (
    DEFAULT_SPEAKER,
    SpeakerInfo,
    VoiceLab,
    fake_voice_lab,
    real_voice_lab,
)

log = logging.getLogger(__name__)

MAX_SESSIONS = 256




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
        from voice_agent.asr.checks import check_has_signal

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
        from voice_agent.pipeline.record import write_outputs

        request_id, folder = self.store.new_request()

        record = write_outputs(turn, folder)
        record["request_id"] = request_id
        write_json(folder / "turn.json", record)
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
        from voice_agent.responder.grounding import plan_from_text, transcript_plan_seed

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
        write_json(folder / "compose.json", result.record())
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



def build_service(config, out_dir: str | Path, fake: bool = False,
                  limits: Limits = Limits()) -> AgentService:
    """The service for ``config`` (real models), or of fakes when ``fake``."""
    out_dir = Path(out_dir)
    if fake:
        from voice_agent.fakes import fake_pipeline

        return AgentService(fake_pipeline(), out_dir / "requests",
                            fake_voice_lab(out_dir / "speakers"), limits, fake=True)
    from voice_agent.pipeline.build import build_pipeline

    voices = real_voice_lab(out_dir / "speakers", config.speech.speaker_wav)
    return AgentService(build_pipeline(config), out_dir / "requests", voices, limits)

