"""One turn: audio (or typed text) in; transcript, reply, music and speech out.

The pipeline, not the backends, times every stage with ``time.perf_counter``. A stage
that fails records a :class:`StageError` and the turn goes on with what it has: a failed
music render still leaves the spoken reply, a failed voice still leaves the other one.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from voice_agent.core import cpu
from voice_agent.core.cancel import CancelToken, TurnCancelledError
from voice_agent.core.errors import UnclearSpeechError, VoiceAgentError
from voice_agent.core.language import guess_language, split_sentences, written_in
from voice_agent.core.events import (EVENT_MUSIC_READY, EVENT_REPLY, EVENT_SAY, EVENT_SPEECH_CHUNK,
                                EVENT_STAGE_FAILED, EVENT_STAGE_FINISHED, EVENT_STAGE_STARTED,
                                EVENT_TRANSCRIPT, EVENT_TURN_DONE, EventCallback, TurnEvent,
                                safe_emit)
from voice_agent.asr import Transcriber
from voice_agent.asr.repair import mend_transcript
from voice_agent.library import LibraryOutcome, LibraryScope, LibrarySession
from voice_agent.music import MusicRenderer
from voice_agent.music.scoring import with_best_of
from voice_agent.responder import PrefillingResponder, Responder, StreamingResponder
from voice_agent.responder.grounding import plan_from_text, transcript_plan_seed
from voice_agent.responder.reading import RequestReading, is_library_intent, read_request
from voice_agent.responder.replies import (STAND_IN_OPENERS, acknowledgement,
                                           compose_music_prompt, keep_spoken, last_plan,
                                           rule_reply)
from voice_agent.speech.protocol import PhraseCachingSpeaker, Speaker
from voice_agent.speech.streaming import join_sentences
from voice_agent.core.types import (Audio, Intent, MusicClip, MusicPlan, Reply, SpokenReply, StageError,
                               StageTiming, Transcript, Turn)

log = logging.getLogger(__name__)

T = TypeVar("T")

STAGE_ASR = "asr"
STAGE_LLM = "llm"
STAGE_MUSIC = "music"
STAGE_LLM_TTFT = "llm_ttft"
SPEECH_STAGE_PREFIX = "tts_"
PRIMARY_VOICE = "cloned"


def _load_one(backend: Any) -> tuple[float, BaseException | None]:
    start = time.perf_counter()
    try:
        backend.load()
    except Exception as exc:  # judged by the caller, in stage order
        return time.perf_counter() - start, exc
    return time.perf_counter() - start, None


def _load_all(stages: Mapping[str, Any],
              parallel: bool) -> dict[str, tuple[float, BaseException | None]]:
    """Each stage's load time and error (None when it loaded), in threads when ``parallel``."""
    if not parallel or len(stages) < 2:
        return {name: _load_one(backend) for name, backend in stages.items()}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(stages), thread_name_prefix="load") as pool:
        futures = {name: pool.submit(_load_one, backend) for name, backend in stages.items()}
        return {name: future.result() for name, future in futures.items()}


class _TurnRecorder:
    """Collects timings, errors and latency marks while a turn runs, and emits events.

    The clock starts when the turn does; for spoken input that is the end of the
    person's speech, so every mark is "end of speech -> this".
    """

    def __init__(self, on_event: EventCallback | None = None,
                 cancel: CancelToken | None = None) -> None:
        self.cancel = cancel or CancelToken()
        self.timings: list[StageTiming] = []
        self.errors: list[StageError] = []
        self.skipped: list[StageError] = []
        self.marks: dict[str, float] = {}
        self.on_event = on_event
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds since the turn started."""
        return time.perf_counter() - self.started

    def emit(self, kind: str, **fields: Any) -> None:
        """Tell the front end (if any) what just happened."""
        safe_emit(self.on_event, TurnEvent(kind, elapsed_s=self.elapsed(), **fields))

    def mark(self, name: str) -> None:
        """Remember when ``name`` first happened (seconds since the turn started)."""
        self.marks.setdefault(name, round(self.elapsed(), 4))

    def run(self, stage: str, work: Callable[[], T]) -> T | None:
        """Run one stage, timing it; on failure record the error and return None.

        A cancelled turn is not a failure: the cancellation goes on up to :meth:`Pipeline.run`.
        """
        self.cancel.check()
        start = time.perf_counter()
        self.emit(EVENT_STAGE_STARTED, stage=stage)
        try:
            result = work()
        except TurnCancelledError:
            raise
        except Exception as exc:
            self.fail(stage, exc)
            return None
        finally:
            self.timings.append(StageTiming(stage, time.perf_counter() - start))
        self.emit(EVENT_STAGE_FINISHED, stage=stage)
        return result

    def fail(self, stage: str, exc: Exception) -> None:
        """Record that ``stage`` failed; the turn goes on with what it has."""
        if isinstance(exc, VoiceAgentError):
            log.warning("%s failed: %s", stage, exc)
            error = StageError(stage, exc.kind, str(exc))
        else:  # a bug or a library failure: keep the turn alive
            log.error("%s crashed", stage, exc_info=exc)
            error = StageError(stage, "internal", f"{type(exc).__name__}: {exc} (see the log)")
        self.errors.append(error)
        self.emit(EVENT_STAGE_FAILED, stage=stage, text=error.message)

    def skip(self, stage: str, reason: str) -> None:
        """Record that a stage did not run, and why."""
        self.skipped.append(StageError(stage, "not_run", reason))


class _VoiceWorker:
    """Speaks reply sentences in the primary voice as they arrive, on its own thread.

    The language model hands over each sentence of ``say`` while it is still writing the
    plan; synthesising it at once is what lets the person hear the reply seconds before
    the turn is over. Each synthesised chunk is emitted as a speech_chunk event.
    """

    def __init__(self, voice: str, speaker: Speaker, language: str,
                 recorder: _TurnRecorder) -> None:
        self.voice = voice
        self.speaker = speaker
        self.language = language
        self.recorder = recorder
        self.sentences: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._chunks: list[Audio] = []
        self._synth_s = 0.0
        self._first_audio_s = 0.0
        self._failed = False
        #: the acknowledgement said before the words were final (see :meth:`preface`)
        self.preface_said: str | None = None
        #: the responder's acknowledgement left unsaid because the preface was said
        self.swallowed: str | None = None
        self._preface_pending = False
        self._thread = threading.Thread(target=self._work, name=f"tts-{voice}", daemon=True)
        self._thread.start()

    @property
    def stage(self) -> str:
        """The stage name this voice is timed under."""
        return SPEECH_STAGE_PREFIX + self.voice

    def preface(self, sentence: str) -> None:
        """Say the acknowledgement now, before the request's words are final; the
        responder's own acknowledgement, when it comes, is then not said again."""
        self.preface_said = sentence
        self._preface_pending = True
        self.recorder.mark("early_acknowledgement")
        self._enqueue(sentence, STAGE_ASR)

    def say(self, sentence: str) -> None:
        """Queue one sentence (called by the language model as it writes).

        Also the language model's check point: a cancelled turn stops it here.
        """
        self.recorder.cancel.check()
        self.recorder.mark("llm_first_sentence")
        first, self._preface_pending = self._preface_pending, False
        if first and sentence in ACKNOWLEDGEMENTS:
            self.swallowed = sentence  # "Sure!" was said already, at the end of speech
            return
        self._enqueue(sentence, STAGE_LLM)

    def _enqueue(self, sentence: str, stage: str) -> None:
        """Note the sentence as said, tell the front end (``stage`` wrote it), and hand it
        to the voice thread."""
        self.sentences.append(sentence)
        self.recorder.emit(EVENT_SAY, stage=stage, text=sentence)
        self._queue.put(sentence)

    def finish(self, reply: Reply | None) -> SpokenReply | None:
        """Queue what is left of ``reply.say``, wait for the voice, and return it."""
        if reply is not None:
            for sentence in unspoken_sentences(reply.say, self.sentences, reply.language):
                self.say(sentence)
        self._queue.put(None)
        self._thread.join()
        self.recorder.timings.append(StageTiming(self.stage, self._synth_s))
        if self._failed or not self._chunks:
            return None
        self.recorder.emit(EVENT_STAGE_FINISHED, stage=self.stage)  # the whole reply is out
        return SpokenReply(voice=self.voice, audio=join_sentences(self._chunks),
                           backend=self.speaker.model_id,
                           synth_s=self._synth_s, first_audio_s=self._first_audio_s)

    def stop(self) -> None:
        """The turn was cancelled: speak nothing more and end the thread."""
        self._queue.put(None)
        self._thread.join()

    def _work(self) -> None:
        while (sentence := self._queue.get()) is not None:
            if self._failed or self.recorder.cancel.cancelled:
                continue  # drain: one failed sentence ends this voice for the turn
            try:
                self._speak(sentence)
            except Exception as exc:
                self._failed = True
                self.recorder.fail(self.stage, exc)

    def _speak(self, sentence: str) -> None:
        start = time.perf_counter()
        with cpu.working():
            self._stream(sentence, start)
        self._synth_s += time.perf_counter() - start

    def _stream(self, sentence: str, start: float) -> None:
        for chunk in self.speaker.stream(sentence, self.language):
            if self.recorder.cancel.cancelled:
                return  # the rest of the sentence is not wanted
            if not self._chunks:
                self._first_audio_s = time.perf_counter() - start
                self.recorder.mark("first_audio")
            self._chunks.append(chunk)
            self.recorder.emit(EVENT_SPEECH_CHUNK, stage=self.stage, audio=chunk,
                               voice=self.voice, text=sentence)


def unspoken_sentences(say: str, spoken: list[str], language: str) -> list[str]:
    """The sentences of ``say`` after those already spoken (all of them if they disagree)."""
    heard = " ".join(spoken)
    if not say.startswith(heard):  # e.g. the library answered a command the model missed
        log.warning("the reply changed after %r was spoken; speaking the new reply", heard)
        return split_sentences(say, language)
    return split_sentences(say[len(heard):], language)


class Pipeline:
    """Runs turns through the configured stages; holds no per-request state.

    The caller keeps each conversation's history (see :meth:`new_history`) and passes it,
    and optionally the voices to speak in, to :meth:`run`.
    """

    def __init__(
        self,
        transcriber: Transcriber | None,
        responder: Responder,
        renderer: MusicRenderer | None = None,
        speakers: Mapping[str, Speaker] | None = None,
        history_turns: int = 4,
        unavailable: Mapping[str, str] | None = None,
        library: LibrarySession | None = None,
        engine: str = "",
        other_engines: Mapping[str, MusicRenderer] | None = None,
        prefill_while_speaking: bool = False,
    ) -> None:
        self.transcriber = transcriber
        #: let the responder start on the words committed while the person speaks
        #: (see :meth:`early_prefill`; ``[llm] prefill_while_speaking``)
        self.prefill_while_speaking = prefill_while_speaking
        self.responder = responder
        self.renderer = renderer
        #: the name of ``renderer`` ("composer", "musicgen"), and the other music engines a
        #: request may ask for by name; those load on first use, so start-up stays fast
        self.engine = engine
        self.other_engines = dict(other_engines or {})
        self.speakers = dict(speakers or {})
        self.history_turns = max(0, history_turns)
        self.unavailable = dict(unavailable or {})
        self.library = library
        #: stages Pipeline.load deferred, loading in the background, and their seconds
        self._later: threading.Thread | None = None
        self.later_load_s: dict[str, float] = {}
        self._failed_later: set[str] = set()

    def music_engines(self) -> tuple[str, ...]:
        """The music engines a request may name, the default first (none: no music)."""
        first = (self.engine or "default",) if self.renderer is not None else ()
        return (*first, *self.other_engines)

    def renderer_for(self, engine: str | None) -> MusicRenderer | None:
        """The renderer of ``engine`` (None, "" or the default's name: the default).

        ValueError for a name not in :meth:`music_engines` (callers check names first).
        """
        if not engine or engine in (self.engine, "default"):
            return self.renderer
        if engine not in self.other_engines:
            raise ValueError(f"no music engine {engine!r}; have {self.music_engines()}")
        return self.other_engines[engine]

    def new_history(self) -> deque[Turn]:
        """An empty conversation history that keeps the last ``history_turns`` turns.

        Append each turn :meth:`run` returns and pass the history to the next call.
        """
        return deque(maxlen=self.history_turns)

    def stages(self, speakers: Mapping[str, Speaker] | None = None) -> dict[str, Any]:
        """Stage name -> backend, for the stages that are configured (or given ``speakers``)."""
        found: dict[str, Any] = {STAGE_ASR: self.transcriber, STAGE_LLM: self.responder,
                                 STAGE_MUSIC: self.renderer}
        voices = self.speakers if speakers is None else speakers
        found.update({SPEECH_STAGE_PREFIX + v: s for v, s in voices.items()})
        return {name: backend for name, backend in found.items() if backend is not None}

    def model_ids(self, speakers: Mapping[str, Speaker] | None = None) -> dict[str, str]:
        """Stage name -> the model it runs (every stage's protocol has ``model_id``)."""
        return {name: backend.model_id for name, backend in self.stages(speakers).items()}

    def load(self, parallel: bool = True, later: Sequence[str] = ()) -> dict[str, float]:
        """Load every stage's weights now (seconds per stage).

        Stages load in parallel threads (reading and mapping weights mostly waits on the
        disk and releases the GIL, so the cold start is about the slowest stage, not the
        sum). ASR and LLM errors propagate: no turn can run without them. An optional stage
        (music, a voice) that cannot load is dropped, and its reason is reported as
        "not run" in every turn, so e.g. a bad speaker clip still leaves the base voice.

        Stages named in ``later`` (a voice other than the primary one: it speaks only
        after the primary voice has) load on a background thread once the rest are ready,
        so a session is ready seconds sooner; a turn waits for them only where it needs
        them (:meth:`wait_for_later`). Their seconds are in :attr:`later_load_s`.
        """
        stages = self.stages()
        deferred = {name: stages.pop(name) for name in later
                    if name in stages and name != SPEECH_STAGE_PREFIX + (self.primary_voice()
                                                                          or "")}
        seconds = self._judge_loads(stages, _load_all(stages, parallel))
        if deferred:
            self._later = threading.Thread(target=self._load_later, args=(deferred,),
                                           name="load-later", daemon=True)
            self._later.start()
        # "Sure!" is said the moment a request is recognised: have it ready (stored on disk
        # by the first process, so this usually reads two small files)
        openers = self.warm_phrases({language: (opener,)
                                     for language, opener in STAND_IN_OPENERS.items()})
        if openers >= 0.05:
            seconds["openers"] = round(openers, 2)
        return seconds

    def _judge_loads(self, stages: Mapping[str, Any],
                     outcomes: Mapping[str, tuple[float, BaseException | None]]) -> dict[str, float]:
        """Seconds per loaded stage; a required stage's error is raised, an optional one's
        stage dropped (see :meth:`load`)."""
        seconds: dict[str, float] = {}
        for name in stages:
            elapsed, error = outcomes[name]
            if error is None:
                seconds[name] = elapsed
                continue
            if name in (STAGE_ASR, STAGE_LLM) or not isinstance(error, VoiceAgentError):
                raise error
            log.warning("%s unavailable: %s", name, error)
            self._drop(name, str(error))
        return seconds

    def _load_later(self, stages: Mapping[str, Any]) -> None:
        for name, (elapsed, error) in _load_all(stages, parallel=False).items():
            if error is None:
                self.later_load_s[name] = elapsed
                continue
            # whatever the error, it is an optional voice: it is not heard, nothing fails
            log.warning("%s unavailable: %s", name, error)
            self._failed_later.add(name)
            self._drop(name, str(error))

    def comparison_stages(self) -> tuple[str, ...]:
        """The stages of the voices other than the primary one (for ``load(later=...)``)."""
        primary = self.primary_voice()
        return tuple(SPEECH_STAGE_PREFIX + v for v in self.speakers if v != primary)

    def wait_for_later(self) -> None:
        """Wait until the stages :meth:`load` deferred have loaded (or were dropped)."""
        if self._later is not None:
            self._later.join()

    def early_prefill(self, language: Callable[[], str | None],
                      history: Sequence[Turn] = ()) -> Callable[[Sequence[Any]], None] | None:
        """An ``on_commit`` callback for a streaming recognition session: each time words
        are committed, the responder evaluates the prompt up to them on a side thread, so
        at the end of speech only the last words remain (None when the responder cannot).

        ``language`` tells the recognised language once known (the prompt names it before
        the words); nothing is evaluated until it does. A commit that arrives while an
        evaluation runs is skipped; the next one catches up. None too unless
        ``prefill_while_speaking`` is on (off by default: measured, it did not pay here).
        """
        if not (self.prefill_while_speaking and isinstance(self.responder, PrefillingResponder)):
            return None
        responder = self.responder
        words: list[str] = []

        def on_commit(new_words: Sequence[Any]) -> None:
            words.extend(w.text.strip() for w in new_words)
            spoken = language()
            if spoken is None:
                return
            partial = Transcript(text=" ".join(words).strip(), language=spoken)
            threading.Thread(target=responder.prefill, args=(partial, tuple(history)),
                             name="llm-prefill", daemon=True).start()

        return on_commit

    def warm_phrases(self, phrases: Mapping[str, Sequence[str]]) -> float:
        """Synthesise stock openings (language -> phrases) in the primary voice now.

        A session's first "Sure!" otherwise costs a synthesis (0.78 s in the talk bench)
        before the person hears anything; later ones come from the phrase cache. Returns
        the seconds spent. A phrase that cannot be said is skipped: it only costs time later.
        """
        voice = self.primary_voice()
        speaker = self.speakers.get(voice) if voice else None
        if not isinstance(speaker, PhraseCachingSpeaker):
            return 0.0
        start = time.perf_counter()
        speaker.load()
        for language, texts in phrases.items():
            for text in texts:
                try:
                    speaker.synthesize_phrase(text, language)
                except Exception as exc:  # a voice without this language, say
                    log.info("could not pre-synthesise %r in %s: %s", text, language, exc)
        return time.perf_counter() - start

    def _drop(self, stage: str, reason: str) -> None:
        """Stop running an optional stage, remembering why."""
        if stage == STAGE_MUSIC:
            self.renderer = None
        else:
            self.speakers.pop(stage.removeprefix(SPEECH_STAGE_PREFIX), None)
        self.unavailable[stage] = reason

    def run(self, audio: Audio | None = None, text: str | None = None,
            language: str | None = None, request: str = "",
            on_event: EventCallback | None = None, history: Sequence[Turn] = (),
            speakers: Mapping[str, Speaker] | None = None,
            transcribe: Callable[[Audio, str | None], Transcript] | None = None,
            melody: Audio | None = None, engine: str | None = None,
            adjust: Callable[[MusicPlan], MusicPlan] | None = None,
            cancel: CancelToken | None = None, scope: LibraryScope | None = None,
            heard: Transcript | None = None) -> Turn:
        """Run one turn from ``audio`` or, when given, typed ``text``; return it.

        ``history`` is the conversation so far (oldest first; the caller keeps it and
        appends the returned turn); ``speakers`` are the voices to speak in (None: the
        configured ones). ``transcribe`` replaces the transcriber for this turn: a
        streaming session that heard the audio while it was spoken finishes its transcript
        here (see :mod:`voice_agent.asr.streaming`). Stages overlap: the primary voice
        speaks each reply sentence as soon as the language model has written it, and the
        music renders while the reply is still being spoken. ``on_event`` (see
        :mod:`voice_agent.core.events`) hears about each step. A rendered clip follows
        ``melody`` (a tune) when given, made by music ``engine`` (None: the default).

        ``adjust`` changes the reply's music plan before it is rendered (``run --seed/--bpm``
        passes its overrides, as Compose does). ``cancel`` (see :mod:`voice_agent.core.cancel`)
        stops the turn at its next check point, between stages and at each reply sentence
        or spoken chunk: the turn comes back ``cancelled``, with no music or speech, and
        nothing of it is stored in the library or kept in a session. ``scope`` is whose
        library state the turn uses (its stored session, its "current clip"; default: one
        local user, no session).

        ``heard`` is what a streaming session heard by the end of speech (a preview of the
        words, :meth:`~voice_agent.asr.streaming.StreamingSession.heard`): when it asks
        for music in a language it is sure of, "Sure!" is said at once, while the words
        are still being recognised (see :meth:`_acknowledge_early`).
        """
        if (audio is None) == (text is None):
            raise ValueError("give exactly one of audio or text")
        voices = dict(self.speakers if speakers is None else speakers)
        recorder = _TurnRecorder(on_event, cancel)
        done = _Done()
        try:
            turn = self._run(recorder, done, request, audio, text, language, tuple(history),
                             voices, transcribe, adjust, scope or LibraryScope(),
                             (melody, engine), heard if audio is not None else None)
        except TurnCancelledError as exc:
            if done.worker is not None:
                done.worker.stop()
            recorder.errors.append(StageError("turn", exc.kind, str(exc)))
            recorder.timings.append(StageTiming("total", recorder.elapsed()))
            turn = dataclasses.replace(
                self._turn(request, done.transcript, None, None, (), recorder, voices, engine),
                cancelled=True, library=done.library)
            log.info("turn cancelled after %.2f s", recorder.elapsed())
        recorder.emit(EVENT_TURN_DONE, data=turn)
        return turn

    def _run(self, recorder: _TurnRecorder, done: "_Done", request: str, audio: Audio | None,
             text: str | None, language: str | None, history: tuple[Turn, ...],
             voices: dict[str, Speaker], transcribe, adjust, scope: LibraryScope,
             music_from: tuple[Audio | None, str | None],
             heard: Transcript | None = None) -> Turn:
        """The turn's stages in order (see :meth:`run`); ``done`` keeps what a cancel needs;
        ``music_from`` is (melody, engine)."""
        cancel = recorder.cancel
        melody, engine = music_from
        cancel.check()
        worker = done.worker = self._acknowledge_early(recorder, heard, history, voices, scope)
        transcript, reading = self._understood(
            self._transcript(recorder, audio, text, language, transcribe,
                             conversation_language(history)), history, scope)
        done.transcript = transcript
        reply, primary = None, None
        early = _EarlyMusic(lambda settled: self._render_early(recorder, settled, melody, engine))
        if transcript is not None:
            cancel.check()
            recorder.emit(EVENT_TRANSCRIPT, stage=STAGE_ASR, text=transcript.text, data=transcript)
            if worker is None:
                worker = done.worker = self._primary_worker(recorder, transcript.language, voices)
            else:  # acknowledged early: the rest is said in the language the words are in
                worker.language = transcript.language
            # the settled plan gets the same overrides as the final one, so the two compare
            reply = _adjusted(self._reply(recorder, transcript, history, worker,
                                          lambda settled: early.start(_adjusted(settled, adjust)),
                                          scope, reading),
                              adjust)
        outcome = self._library_command(recorder, reply, transcript, history, scope)
        done.library = outcome.action if outcome.action and outcome.action.done else None
        cancel.check()
        reply = _as_heard(outcome.reply, worker)
        if reply is not None:
            recorder.emit(EVENT_REPLY, stage=STAGE_LLM, text=reply.say, data=reply)
        # the music rendered (and was announced) while the words were written, or renders
        # now, while the worker is still speaking the reply
        used, music = early.take(reply if outcome.played is None else None)
        if not used:
            music = self._music(recorder, reply, history, outcome.played, melody, engine)
        cancel.check()
        if worker is not None:
            primary = worker.finish(reply)
            cancel.check()
        speech = self._speech(recorder, reply, primary, voices)
        cancel.check()
        recorder.timings.append(StageTiming("total", recorder.elapsed()))
        turn = self._turn(request, transcript, reply, music, speech, recorder, voices, engine)
        if self.library is not None:  # store the new clip; record what the library did
            turn = self.library.after_turn(turn, outcome.action, voices, scope)
        return turn

    def compose(self, text: str | None = None, language: str | None = None,
                plan: MusicPlan | None = None,
                adjust: Callable[[MusicPlan], MusicPlan] | None = None,
                request: str = "compose", on_event: EventCallback | None = None,
                melody: Audio | None = None, engine: str | None = None,
                best_of: int | None = None) -> Turn:
        """Music only, from a typed prompt (``text``) or a given ``plan``; nothing is spoken.

        With ``text`` the responder rewrites the prompt into a plan; a prompt it takes for
        chat still gets music, planned from its words. With ``plan`` the language model is
        not asked. ``adjust`` (the person's overrides, say) changes the plan before it is
        rendered. ``best_of`` renders that many candidates and keeps the best-scoring
        (:func:`voice_agent.music.scoring.with_best_of`). Stages are timed and failures
        recorded as in :meth:`run`; the returned turn's ``music.plan`` is the plan rendered;
        ``melody`` and ``engine`` as in :meth:`run`.
        """
        if (text is None) == (plan is None):
            raise ValueError("give exactly one of text or plan")
        recorder = _TurnRecorder(on_event)
        transcript, reply = None, None
        if text is not None:
            transcript = self._transcript(recorder, None, text, language)
            if transcript is not None:
                reply = recorder.run(STAGE_LLM, lambda: self.responder.respond(transcript, ()))
            plan = _planned(reply, transcript)
        else:
            recorder.skip(STAGE_LLM, "a plan was given: the language model is not asked")
        if plan is not None and adjust is not None:
            plan = adjust(plan)
        music = None
        if plan is not None:
            music = self._announce(recorder, self._render_plan(
                recorder, plan, compose_music_prompt(plan), melody, engine, best_of))
        recorder.skip("tts", "music only: nothing is spoken")
        recorder.timings.append(StageTiming("total", recorder.elapsed()))
        turn = self._turn(request, transcript, reply, music, (), recorder, {}, engine)
        recorder.emit(EVENT_TURN_DONE, data=turn)
        return turn

    def primary_voice(self, speakers: Mapping[str, Speaker] | None = None) -> str | None:
        """The voice a front end plays: the cloned one when there is one."""
        voices = self.speakers if speakers is None else speakers
        if PRIMARY_VOICE in voices:
            return PRIMARY_VOICE
        return next(iter(voices), None)

    def _acknowledge_early(self, recorder: _TurnRecorder, heard: Transcript | None,
                           history: tuple[Turn, ...], voices: Mapping[str, Speaker],
                           scope: LibraryScope) -> _VoiceWorker | None:
        """Say "Sure!" at the end of speech, before the final words are recognised, when
        :meth:`early_opener` finds what the streaming steps ``heard`` asks for music.
        Returns the primary voice's worker that said it.

        Recognising the whole request with the full encoder window is most of the time
        to the first answer (1.7-2.4 s on two cores); the person hears at once that the
        request was taken. It states nothing the plan could contradict.
        """
        opener = self.early_opener(heard, history, scope)
        if opener is None:
            return None
        worker = self._primary_worker(recorder, heard.language, voices)
        if worker is not None:
            worker.preface(opener)
        return worker

    def early_opener(self, heard: Transcript | None, history: Sequence[Turn] = (),
                     scope: LibraryScope | None = None) -> str | None:
        """The acknowledgement to say on what a streaming session ``heard`` (a preview of
        the words), or None: only when it asks for music (a new piece, an edit, another
        like it), read exactly as the final words will be (:func:`read_request`), in a
        language the steps are sure of (SURE_LANGUAGE), the conversation's, or the one
        the words themselves are plainly in (Whisper's language ID is unsure of most
        synthetic Spanish voices: "Pon música electrónica con mucha energía", p = 0.63).

        A streaming session stops stepping once this says yes (``StreamingSession(enough=)``):
        nothing more is needed before the end of speech, and no step is then in flight
        to delay the final words.
        """
        if heard is None or not heard.text.strip():
            return None
        if not (heard.language_probability >= SURE_LANGUAGE
                or heard.language == conversation_language(history)
                or written_in(heard.text, heard.language)):
            return None
        reading = self._read(mend_transcript(heard), tuple(history), scope or LibraryScope())
        return acknowledgement(reading, heard.language)

    def _primary_worker(self, recorder: _TurnRecorder, language: str,
                        voices: Mapping[str, Speaker]) -> _VoiceWorker | None:
        voice = self.primary_voice(voices)
        if voice is None:
            return None
        return _VoiceWorker(voice, voices[voice], language, recorder)

    def _respond(self, recorder: _TurnRecorder, transcript: Transcript,
                 history: tuple[Turn, ...], worker: _VoiceWorker | None,
                 reading: RequestReading,
                 on_plan: Callable[[Reply], None] | None = None) -> Reply:
        """Ask the responder (with the turn's one reading of the words), streaming ``say``
        sentences to the voice, and the settled plan to ``on_plan``, when it can."""
        asked_at = recorder.elapsed()
        if not (isinstance(self.responder, StreamingResponder) and worker is not None):
            return self.responder.respond(transcript, history, reading=reading)
        reply = self.responder.respond_stream(transcript, history, on_sentence=worker.say,
                                              reading=reading, on_plan=on_plan)
        first_token_s = self.responder.last_first_token_s
        if first_token_s is not None:  # time to first token: from the request, and from speech end
            recorder.timings.append(StageTiming(STAGE_LLM_TTFT, first_token_s))
            recorder.marks["llm_first_token"] = round(asked_at + first_token_s, 4)
        return reply

    def _reply(self, recorder: _TurnRecorder, transcript: Transcript,
               history: tuple[Turn, ...], worker: _VoiceWorker | None,
               on_plan: Callable[[Reply], None] | None = None,
               scope: LibraryScope = LibraryScope(),
               reading: RequestReading | None = None) -> Reply | None:
        """The request is read once (``reading``, when :meth:`_understood` already read
        it); when its words decide the turn (a clear library command, a clear edit or
        replay of the last clip) the language model is not asked: the reply is stated
        from templates and the plan, and the record says why."""
        reading = reading or self._read(transcript, history, scope)
        lyrics_without_library = reading.intent is Intent.LYRICS and self.library is None
        if reading.authoritative and not lyrics_without_library:
            recorder.skip(STAGE_LLM, reading.why)
            # no new plan is grounded here, so the default clip length is never used
            return rule_reply(transcript, history, 15.0, source="words", reading=reading)
        # a library command's words come from the library: do not speak the model's
        streams = worker is not None and not (self.library is not None
                                              and is_library_intent(reading.guess))
        return recorder.run(STAGE_LLM, lambda: self._respond(
            recorder, transcript, history, worker if streams else None, reading, on_plan))

    def _understood(self, transcript: Transcript | None, history: tuple[Turn, ...],
                    scope: LibraryScope) -> tuple[Transcript | None, RequestReading | None]:
        """``transcript``, or the recogniser's first alternative that clearly asks for
        something (:func:`_asks_clearly`) when its own words ask for nothing
        (:attr:`RequestReading.asks_for_nothing`); with the words' reading when it was
        made here (None when there was nothing to choose between).

        Whisper base turns a word it did not expect into another ("Vuelve a la versión
        dos" heard "Puelve a la versión 2"), and such words would get the help reply; the
        beam's next hypothesis often has the word right. Words that ask for something,
        thanks and questions are kept as heard: an alternative only replaces words that
        would have done nothing.
        """
        if transcript is None or not transcript.alternatives:
            return transcript, None
        heard = self._read(transcript, history, scope)
        if not heard.asks_for_nothing:
            return transcript, heard
        for alternative in transcript.alternatives:
            candidate = dataclasses.replace(transcript, text=alternative,
                                            first_heard=transcript.text)
            reading = self._read(candidate, history, scope)
            if _asks_clearly(reading):
                log.info("heard %r, which asks for nothing; read the recogniser's next "
                         "guess %r", transcript.text, alternative)
                return candidate, reading
        return transcript, heard

    def _read(self, words: Transcript, history: tuple[Turn, ...],
              scope: LibraryScope) -> RequestReading:
        """The one reading of ``words`` in this conversation: the last clip's plan, the
        library's playlist names, and whether a yes/no is awaited there."""
        awaiting = self.library.awaiting_answer(scope) if self.library is not None else True
        return read_request(words.text, words.language, last_plan(history),
                            self._playlist_names(), awaiting_answer=awaiting)

    def _playlist_names(self) -> tuple[str, ...]:
        """The library's playlist names (a command may name one bare: "add it to sunday")."""
        store = self.library.library if self.library is not None else None
        if store is None:
            return ()
        try:
            return tuple(p.name for p in store.playlists())
        except Exception as exc:  # the words are still read; only bare names are missed
            log.warning("could not list the playlists: %s", exc)
            return ()

    def _library_command(self, recorder: _TurnRecorder, reply: Reply | None,
                         transcript: Transcript | None, history: tuple[Turn, ...],
                         scope: LibraryScope = LibraryScope()) -> LibraryOutcome:
        """Apply a library command or lyrics request (voice_agent.library) to the reply."""
        library = self.library
        if library is None or reply is None or transcript is None:
            return LibraryOutcome(reply)
        outcome = recorder.run("library", lambda: library.before_music(reply, transcript, history,
                                                                       scope))
        if outcome is None:
            return LibraryOutcome(reply)
        if outcome.played is not None:
            recorder.skip(STAGE_MUSIC, "played from the library")
        return outcome

    def failed_turn(self, request: str, error: StageError) -> Turn:
        """A turn that never reached the models (e.g. the input file is corrupt)."""
        recorder = _TurnRecorder()
        recorder.errors.append(error)
        return self._turn(request, None, None, None, (), recorder, self.speakers)

    def _transcript(self, recorder: _TurnRecorder, audio: Audio | None, text: str | None,
                    language: str | None, transcribe=None,
                    conversation_in: str | None = None) -> Transcript | None:
        """The turn's transcript: typed ``text``, or ``audio`` recognised (by ``transcribe``
        when a streaming session heard it). A short request in a conversation is first
        heard in the language the conversation was spoken in (``conversation_in``; see
        :func:`short_request_transcript`)."""
        if text is not None:
            recorder.skip(STAGE_ASR, "typed request: no audio to transcribe")
            cleaned = " ".join(text.split())
            if not cleaned:
                recorder.errors.append(StageError("input", "empty_request",
                                                  "The typed request is empty; type what music you want."))
                return None
            return Transcript(text=cleaned, language=language or guess_language(cleaned))
        if transcribe is None and self.transcriber is None:
            recorder.errors.append(StageError(STAGE_ASR, "missing_model",
                                              "No speech recogniser is configured."))
            return None
        transcribe = transcribe or self.transcriber.transcribe
        if language is None and conversation_in is not None and audio.duration_s < SHORT_REQUEST_S:
            heard = recorder.run(STAGE_ASR, lambda: short_request_transcript(
                transcribe, audio, conversation_in))
        else:
            heard = recorder.run(STAGE_ASR, lambda: transcribe(audio, language))
        # Whisper's mishearings of music words ("con trabajo", "any minor") mended
        return mend_transcript(heard) if heard is not None else None

    def _music(self, recorder: _TurnRecorder, reply: Reply | None, history: tuple[Turn, ...],
               played: MusicClip | None = None, melody: Audio | None = None,
               engine: str | None = None) -> MusicClip | None:
        """The turn's clip (``played`` from the library, or rendered), announced when ready."""
        return self._announce(recorder, played if played is not None
                              else self._render(recorder, reply, history, melody, engine))

    @staticmethod
    def _announce(recorder: _TurnRecorder, clip: MusicClip | None) -> MusicClip | None:
        """Mark and emit that the turn's clip is ready to play (when there is one)."""
        if clip is not None:
            recorder.mark("music_ready")
            recorder.emit(EVENT_MUSIC_READY, stage=STAGE_MUSIC, audio=clip.audio, data=clip)
        return clip

    def _render_early(self, recorder: _TurnRecorder, settled: Reply, melody: Audio | None,
                      engine: str | None) -> MusicClip | None:
        """Render (on the early-music thread) the plan the model settled on before its
        words, and announce the clip the moment it is ready."""
        with cpu.working():  # the language model writing its words gives way to it
            clip = self._render_plan(recorder, settled.plan, settled.music_prompt, melody, engine)
        return None if recorder.cancel.cancelled else self._announce(recorder, clip)

    def _render(self, recorder: _TurnRecorder, reply: Reply | None,
                history: tuple[Turn, ...], melody: Audio | None = None,
                engine: str | None = None) -> MusicClip | None:
        if reply is None or reply.plan is None:
            recorder.skip(STAGE_MUSIC, "no music was asked for in this turn")
            return None
        if reply.intent is Intent.REPLAY:
            previous = next((t.music for t in reversed(history) if t.music), None)
            if previous is not None:
                recorder.skip(STAGE_MUSIC, "replay: the previous clip is played again")
                return previous
        return self._render_plan(recorder, reply.plan, reply.music_prompt, melody, engine)

    def _render_plan(self, recorder: _TurnRecorder, plan: MusicPlan, prompt: str,
                     melody: Audio | None = None, engine: str | None = None,
                     best_of: int | None = None) -> MusicClip | None:
        renderer = self.renderer_for(engine)
        if renderer is None:
            recorder.skip(STAGE_MUSIC, self.unavailable.get(STAGE_MUSIC,
                                                            "no music renderer is configured"))
            return None
        if best_of is not None:
            renderer = with_best_of(renderer, best_of)
        if melody is None:  # renderers written before melodies take (plan, prompt)
            return recorder.run(STAGE_MUSIC, lambda: renderer.render(plan, prompt))
        return recorder.run(STAGE_MUSIC, lambda: renderer.render(plan, prompt, melody=melody))

    def _speech(self, recorder: _TurnRecorder, reply: Reply | None, primary: SpokenReply | None,
                voices: Mapping[str, Speaker]) -> tuple[SpokenReply, ...]:
        """The primary voice (already spoken while streaming), then the others in turn."""
        if reply is None or not reply.say:
            return ()
        self.wait_for_later()  # a voice loading in the background (see load)
        if not voices:
            recorder.skip("tts", self.unavailable.get("tts", "no voice is configured"))
        for stage, reason in self.unavailable.items():
            if stage.startswith(SPEECH_STAGE_PREFIX):
                recorder.skip(stage, reason)
        spoken = [primary] if primary is not None else []
        for voice, speaker in voices.items():
            if voice == self.primary_voice(voices) or \
                    SPEECH_STAGE_PREFIX + voice in self._failed_later:
                continue
            result = recorder.run(SPEECH_STAGE_PREFIX + voice,
                                  lambda s=speaker, v=voice: speak_timed(s, v, reply,
                                                                         recorder.cancel))
            if result is not None:
                spoken.append(result)
        return tuple(spoken)

    def _turn(self, request: str, transcript: Transcript | None, reply: Reply | None,
              music: MusicClip | None, speech: tuple[SpokenReply, ...],
              recorder: _TurnRecorder, voices: Mapping[str, Speaker],
              engine: str | None = None) -> Turn:
        models = self.model_ids(voices)
        chosen = self.renderer_for(engine) if engine else None
        if chosen is not None:  # another engine made the music: the record names it
            models[STAGE_MUSIC] = chosen.model_id
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
            latency=dict(recorder.marks),
            models=models,
        )


class _EarlyMusic:
    """The music a turn starts rendering as soon as the model's plan is settled.

    The reply schema puts the plan before the words (see voice_agent.responder.replies),
    so the clip can be rendered, and played, while the model is still writing what to say
    about it. :meth:`take` hands the clip to the turn when the final reply has the same
    plan (the responder guarantees it; a library command or an unusable answer does not).
    """

    def __init__(self, render: Callable[[Reply], MusicClip | None]) -> None:
        self._render = render
        self._settled: Reply | None = None
        self._clip: MusicClip | None = None
        self._thread: threading.Thread | None = None

    def start(self, settled: Reply) -> None:
        """Begin rendering ``settled``'s plan on a thread (the responder's ``on_plan``)."""
        if self._thread is not None or settled.plan is None:
            return
        self._settled = settled
        self._thread = threading.Thread(target=self._work, name="early-music", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        self._clip = self._render(self._settled)

    def take(self, reply: Reply | None) -> tuple[bool, MusicClip | None]:
        """(whether the early render is the turn's music, the clip): waits for it."""
        if self._thread is None:
            return False, None
        self._thread.join()
        if reply is None:  # the turn failed or a library command answered it
            return False, None
        settled = self._settled
        if reply.plan != settled.plan or \
                reply.music_prompt != settled.music_prompt or reply.intent is Intent.REPLAY:
            log.warning("the reply's plan changed after its music was rendered early; "
                        "rendering it again")
            return False, None
        return True, self._clip


class _Done:
    """What a turn has so far, for the record of a turn cancelled part-way."""

    def __init__(self) -> None:
        self.transcript: Transcript | None = None
        self.worker: _VoiceWorker | None = None
        self.library: Any = None  # a library change already made (it stays made)


#: the acknowledgements a responder says first (see :meth:`_VoiceWorker.preface`)
ACKNOWLEDGEMENTS = frozenset(STAND_IN_OPENERS.values())
#: the language of what a streaming session heard must be at least this sure (or be the
#: conversation's, or the one its words are plainly in) before "Sure!" is said in it ahead
#: of the final words
SURE_LANGUAGE = 0.75


#: Below this, Whisper's language ID is close to a guess (0.7 s of "Deshaz" was taken
#: for English and came back as "didn't catch that"); a conversation's language is a
#: better one. Requests this short are one or two words: "undo", "otra vez", "más rápido".
SHORT_REQUEST_S = 1.5


def conversation_language(history: Sequence[Turn]) -> str | None:
    """The language the conversation's last recognised or typed request was in."""
    return next((t.transcript.language for t in reversed(history) if t.transcript), None)


def short_request_transcript(transcribe: Callable[[Audio, str | None], Transcript],
                             audio: Audio, language: str) -> Transcript:
    """A short request heard in the conversation's ``language`` first, and with language
    ID only if that comes back unclear (the person may have changed language)."""
    try:
        return transcribe(audio, language)
    except UnclearSpeechError:
        log.info("a short request was unclear in %s; trying language ID", language)
        return transcribe(audio, None)


def _as_heard(reply: Reply | None, worker: _VoiceWorker | None) -> Reply | None:
    """``reply`` as the person heard it: after an early acknowledgement it begins with
    that one (in place of the responder's own, which was left unsaid)."""
    said = worker.preface_said if worker is not None else None
    if reply is None or said is None:
        return reply
    swallowed = worker.swallowed
    if swallowed is not None and swallowed != said and reply.say.startswith(swallowed):
        reply = dataclasses.replace(reply, say=said + reply.say[len(swallowed):])
    return keep_spoken(reply, [said])


def _asks_clearly(reading: RequestReading) -> bool:
    """Whether the words decide what to do (a clear command, edit or replay) or name
    music to make: a guess of the recogniser is read only then, not when it merely
    guesses a request ("Japón le uno spots al tiro", heard for "Ya, ponle unos pads al
    tiro", would have made an unrelated clip)."""
    return (reading.intent is not None and reading.intent is not Intent.CHAT) \
        or bool(reading.genre or reading.instruments)


def _adjusted(reply: Reply | None, adjust: Callable[[MusicPlan], MusicPlan] | None) -> Reply | None:
    """``reply`` with ``adjust`` applied to its plan (and the music prompt redone)."""
    if reply is None or reply.plan is None or adjust is None:
        return reply
    plan = adjust(reply.plan)
    if plan == reply.plan:
        return reply
    return dataclasses.replace(reply, plan=plan, music_prompt=compose_music_prompt(plan))


def _planned(reply: Reply | None, transcript: Transcript | None) -> MusicPlan | None:
    """The plan of a music-only request: the reply's, else one read from the words."""
    if reply is None or transcript is None:
        return None  # the responder failed: the turn's errors say why
    if reply.plan is not None:
        return reply.plan
    return plan_from_text(transcript.text, seed=transcript_plan_seed(transcript))


def speak_timed(speaker: Speaker, voice: str, reply: Reply,
                cancel: CancelToken | None = None) -> SpokenReply:
    """Speak ``reply.say`` sentence by sentence, timing the first chunk and the whole.

    ``cancel`` is checked after each sentence (TurnCancelledError when it was cancelled).
    """
    start = time.perf_counter()
    first_audio_s = 0.0
    chunks: list[Audio] = []
    for chunk in speaker.stream(reply.say, reply.language):
        if cancel is not None:
            cancel.check()
        if not chunks:
            first_audio_s = time.perf_counter() - start
        chunks.append(chunk)
    if not chunks:
        raise VoiceAgentError(f"The {voice} voice produced no audio for: {reply.say!r}")
    return SpokenReply(voice=voice, audio=join_sentences(chunks), backend=speaker.model_id,
                       synth_s=time.perf_counter() - start, first_audio_s=first_audio_s)

