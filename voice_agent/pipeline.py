"""One turn: audio (or typed text) in; transcript, reply, music and speech out.

The pipeline, not the backends, times every stage with ``time.perf_counter``. A stage
that fails records a :class:`StageError` and the turn goes on with what it has: a failed
music render still leaves the spoken reply, a failed voice still leaves the other one.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

from voice_agent.errors import VoiceAgentError
from voice_agent.protocols import MusicRenderer, Responder, Speaker, Transcriber
from voice_agent.types import (Audio, Intent, MusicClip, Reply, SpokenReply, StageError,
                               StageTiming, Transcript, Turn)

log = logging.getLogger(__name__)

T = TypeVar("T")

STAGE_ASR = "asr"
STAGE_LLM = "llm"
STAGE_MUSIC = "music"
SPEECH_STAGE_PREFIX = "tts_"


class _TurnRecorder:
    """Collects timings and errors while a turn runs."""

    def __init__(self) -> None:
        self.timings: list[StageTiming] = []
        self.errors: list[StageError] = []
        self.skipped: list[StageError] = []

    def run(self, stage: str, work: Callable[[], T]) -> T | None:
        """Run one stage, timing it; on failure record the error and return None."""
        start = time.perf_counter()
        try:
            return work()
        except VoiceAgentError as exc:
            log.warning("%s failed: %s", stage, exc)
            self.errors.append(StageError(stage, exc.kind, str(exc)))
        except Exception as exc:  # a bug or a library failure: keep the turn alive
            log.exception("%s crashed", stage)
            self.errors.append(StageError(stage, "internal",
                                          f"{type(exc).__name__}: {exc} (see the log)"))
        finally:
            self.timings.append(StageTiming(stage, time.perf_counter() - start))
        return None

    def skip(self, stage: str, reason: str) -> None:
        """Record that a stage did not run, and why."""
        self.skipped.append(StageError(stage, "not_run", reason))


class Pipeline:
    """Runs turns through the configured stages and keeps recent turns as history."""

    def __init__(
        self,
        transcriber: Transcriber | None,
        responder: Responder,
        renderer: MusicRenderer | None = None,
        speakers: Mapping[str, Speaker] | None = None,
        history_turns: int = 4,
        unavailable: Mapping[str, str] | None = None,
        library: Any = None,
    ) -> None:
        self.transcriber = transcriber
        self.responder = responder
        self.renderer = renderer
        self.speakers = dict(speakers or {})
        self.history: deque[Turn] = deque(maxlen=max(0, history_turns))
        self.unavailable = dict(unavailable or {})
        self.library = library  # voice_agent.library.LibrarySession, or None

    def stages(self) -> dict[str, Any]:
        """Stage name -> backend, for the stages that are configured."""
        found: dict[str, Any] = {STAGE_ASR: self.transcriber, STAGE_LLM: self.responder,
                                 STAGE_MUSIC: self.renderer}
        found.update({SPEECH_STAGE_PREFIX + v: s for v, s in self.speakers.items()})
        return {name: backend for name, backend in found.items() if backend is not None}

    def load(self) -> dict[str, float]:
        """Load every stage's weights now (seconds per stage).

        ASR and LLM errors propagate: no turn can run without them. An optional stage
        (music, a voice) that cannot load is dropped, and its reason is reported as
        "not run" in every turn, so e.g. a bad speaker clip still leaves the base voice.
        """
        seconds: dict[str, float] = {}
        for name, backend in self.stages().items():
            start = time.perf_counter()
            try:
                backend.load()
            except VoiceAgentError as exc:
                if name in (STAGE_ASR, STAGE_LLM):
                    raise
                log.warning("%s unavailable: %s", name, exc)
                self._drop(name, str(exc))
                continue
            seconds[name] = time.perf_counter() - start
        return seconds

    def _drop(self, stage: str, reason: str) -> None:
        """Stop running an optional stage, remembering why."""
        if stage == STAGE_MUSIC:
            self.renderer = None
        else:
            self.speakers.pop(stage.removeprefix(SPEECH_STAGE_PREFIX), None)
        self.unavailable[stage] = reason

    def run(self, audio: Audio | None = None, text: str | None = None,
            language: str | None = None, request: str = "") -> Turn:
        """Run one turn from ``audio`` or, when given, typed ``text``."""
        if (audio is None) == (text is None):
            raise ValueError("give exactly one of audio or text")
        recorder = _TurnRecorder()
        start = time.perf_counter()
        transcript = self._transcript(recorder, audio, text, language)
        reply = None
        if transcript is not None:
            reply = recorder.run(STAGE_LLM,
                                 lambda: self.responder.respond(transcript, tuple(self.history)))
        reply, played, library_action = self._library_command(recorder, reply, transcript)
        music = played if played is not None else self._music(recorder, reply)
        speech = self._speech(recorder, reply)
        recorder.timings.append(StageTiming("total", time.perf_counter() - start))
        turn = self._turn(request, transcript, reply, music, speech, recorder)
        if self.library is not None:  # store the new clip; record what the library did
            turn = self.library.after_turn(turn, library_action, self.speakers)
        self.history.append(turn)
        return turn

    def _library_command(self, recorder: _TurnRecorder, reply: Reply | None,
                         transcript: Transcript | None) -> tuple[Reply | None, MusicClip | None, Any]:
        """Apply a library command or lyrics request (voice_agent.library) to the reply."""
        if self.library is None or reply is None or transcript is None:
            return reply, None, None
        outcome = recorder.run("library", lambda: self.library.before_music(
            reply, transcript, tuple(self.history)))
        if outcome is None:
            return reply, None, None
        if outcome[1] is not None:
            recorder.skip(STAGE_MUSIC, "played from the library")
        return outcome

    def failed_turn(self, request: str, error: StageError) -> Turn:
        """A turn that never reached the models (e.g. the input file is corrupt)."""
        recorder = _TurnRecorder()
        recorder.errors.append(error)
        return self._turn(request, None, None, None, (), recorder)

    def _transcript(self, recorder: _TurnRecorder, audio: Audio | None, text: str | None,
                    language: str | None) -> Transcript | None:
        if text is not None:
            recorder.skip(STAGE_ASR, "typed request: no audio to transcribe")
            cleaned = " ".join(text.split())
            if not cleaned:
                recorder.errors.append(StageError("input", "empty_request",
                                                  "The typed request is empty; type what music you want."))
                return None
            return Transcript(text=cleaned, language=language or guess_language(cleaned))
        if self.transcriber is None:
            recorder.errors.append(StageError(STAGE_ASR, "missing_model",
                                              "No speech recogniser is configured."))
            return None
        return recorder.run(STAGE_ASR, lambda: self.transcriber.transcribe(audio, language))

    def _music(self, recorder: _TurnRecorder, reply: Reply | None) -> MusicClip | None:
        if reply is None or reply.plan is None:
            recorder.skip(STAGE_MUSIC, "no music was asked for in this turn")
            return None
        if reply.intent is Intent.REPLAY:
            previous = next((t.music for t in reversed(self.history) if t.music), None)
            if previous is not None:
                recorder.skip(STAGE_MUSIC, "replay: the previous clip is played again")
                return previous
        if self.renderer is None:
            recorder.skip(STAGE_MUSIC, self.unavailable.get(STAGE_MUSIC,
                                                            "no music renderer is configured"))
            return None
        return recorder.run(STAGE_MUSIC, lambda: self.renderer.render(reply.plan, reply.music_prompt))

    def _speech(self, recorder: _TurnRecorder, reply: Reply | None) -> tuple[SpokenReply, ...]:
        if reply is None or not reply.say:
            return ()
        if not self.speakers:
            recorder.skip("tts", self.unavailable.get("tts", "no voice is configured"))
        for stage, reason in self.unavailable.items():
            if stage.startswith(SPEECH_STAGE_PREFIX):
                recorder.skip(stage, reason)
        spoken = []
        for voice, speaker in self.speakers.items():
            result = recorder.run(SPEECH_STAGE_PREFIX + voice,
                                  lambda s=speaker, v=voice: speak_timed(s, v, reply))
            if result is not None:
                spoken.append(result)
        return tuple(spoken)

    def _turn(self, request: str, transcript: Transcript | None, reply: Reply | None,
              music: MusicClip | None, speech: tuple[SpokenReply, ...],
              recorder: _TurnRecorder) -> Turn:
        return Turn(
            turn_id=uuid.uuid4().hex[:12],
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            request=request,
            transcript=transcript,
            reply=reply,
            music=music,
            speech=speech,
            timings=tuple(recorder.timings),
            errors=tuple(recorder.errors),
            skipped=tuple(recorder.skipped),
            models={name: getattr(b, "model_id", type(b).__name__)
                    for name, b in self.stages().items()},
        )


def speak_timed(speaker: Speaker, voice: str, reply: Reply) -> SpokenReply:
    """Speak ``reply.say`` sentence by sentence, timing the first chunk and the whole."""
    from voice_agent.audio import concatenate

    start = time.perf_counter()
    first_audio_s = 0.0
    chunks: list[Audio] = []
    for chunk in speaker.stream(reply.say, reply.language):
        if not chunks:
            first_audio_s = time.perf_counter() - start
        chunks.append(chunk)
    if not chunks:
        raise VoiceAgentError(f"The {voice} voice produced no audio for: {reply.say!r}")
    audio = concatenate(chunks)
    return SpokenReply(voice=voice, audio=audio, backend=getattr(speaker, "model_id", ""),
                       synth_s=time.perf_counter() - start, first_audio_s=first_audio_s)


def guess_language(text: str) -> str:
    """English or Spanish for a typed request, from its function words."""
    from voice_agent.replies import looks_like

    return "es" if looks_like(text, "es") and not looks_like(text, "en") else "en"
