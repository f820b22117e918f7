"""The Talk tab's microphone, recognised while the person speaks (issue 13).

With the web recorder's streaming on (``voice-agent web --stream``), the Talk tab gets a
microphone of its own that sends what it records every half second (Gradio's streaming
``gr.Audio`` and its ``.stream`` event). Each browser tab keeps one
:class:`RecorderStream` in a ``gr.State``: the pieces as received (the turn record keeps
the whole request) and a LocalAgreement-2 streaming session
(:mod:`voice_agent.asr.streaming`) that transcribes them on a worker thread. The committed
words show on the page as they settle ("Heard so far: ..."); when recording stops the turn
runs exactly as for a recording sent whole (same outputs, session, versions and events),
except that its transcript is the streaming session's finish, which decodes the whole
recording as an upload would (``Pipeline.run(transcribe=...)``, as ``talk`` and the API do).

Uploading a file keeps the batch path (the upload box). With streaming off, or a
recogniser without word timestamps (the fakes of ``--fake``), the Talk tab is as before:
one recorder, transcribed after it stops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from voice_agent.asr.streaming import StreamingRecognizer, StreamingSession, WordTranscriber
from voice_agent.core.types import Audio, Transcript
from voice_agent.modes.ui_text import t
from voice_agent.modes.web.common import message

if TYPE_CHECKING:
    from voice_agent.modes.web.app import WebActions

log = logging.getLogger(__name__)

#: how often the browser sends what it recorded (seconds): LocalAgreement needs a new
#: hypothesis about this often, and each send is one queued Gradio event
STREAM_EVERY_S = 0.5
#: the request name in the turn record (an upload keeps its file name)
REQUEST_NAME = "microphone"


class RecorderStream:
    """One recording in progress: the pieces as received, and their recognition.

    ``session`` None keeps the pieces only (the recogniser cannot stream): the turn then
    recognises the whole recording at the end, like an upload.
    """

    def __init__(self, session: StreamingSession | None, max_s: float) -> None:
        self.session = session
        self.max_s = max_s
        self.rate = 0
        self._pieces: list[np.ndarray] = []
        self._samples = 0
        self.too_long = False
        self.stopped = False  # recording stopped: the next piece starts a new stream

    @property
    def seconds(self) -> float:
        """Audio received so far."""
        return self._samples / self.rate if self.rate else 0.0

    def add(self, rate: int, data: np.ndarray) -> None:
        """One piece as Gradio hands it: int16 (or float) samples, mono or (n, channels).

        Past ``max_s`` the rest is dropped (and recognition stops): the request is cut at
        the service's limit, as an upload of that length would be refused.
        """
        samples = _mono_float(data)
        if self.rate and rate != self.rate:  # a browser keeps its rate; never mix two
            log.warning("web recorder: the rate changed from %d to %d Hz", self.rate, rate)
            samples = _resampled(samples, rate, self.rate)
            rate = self.rate
        self.rate = rate
        if self.seconds + len(samples) / rate > self.max_s:
            self.too_long = True
            self.close()
            return
        self._pieces.append(samples)
        self._samples += len(samples)
        if self.session is not None:
            self.session.feed(samples, rate)

    def heard(self) -> str:
        """The words committed so far (they will not change any more)."""
        if self.session is None:
            return ""
        return " ".join(w.text.strip() for w in self.session.recognizer.buffer.committed)

    @property
    def gave_up(self) -> bool:
        """True when the CPU could not keep up and recognition waits for the stop."""
        session = self.session
        return session is not None and (session.gave_up or session.error is not None)

    def audio(self) -> Audio | None:
        """The whole recording, or None when nothing arrived."""
        if not self._samples:
            return None
        return Audio(np.concatenate(self._pieces), self.rate)

    def transcriber(self) -> Callable[[Audio, str | None], Transcript] | None:
        """What the turn recognises with: the streaming session's finish, or None
        (the pipeline's own recogniser on the whole recording)."""
        session = self.session
        if session is None:
            return None
        return lambda _audio, language=None: session.finish(language=language)

    def close(self) -> None:
        """Stop recognising (a new recording started, or the tab went away)."""
        session, self.session = self.session, None
        if session is not None:
            session.close()


def _mono_float(data: np.ndarray) -> np.ndarray:
    """float32 mono in [-1, 1] from what the browser recorder sends."""
    samples = np.asarray(data)
    if samples.ndim == 2:
        samples = samples.mean(axis=1) if np.issubdtype(samples.dtype, np.floating) \
            else samples.astype(np.float32).mean(axis=1) / 32768.0
        return samples.astype(np.float32)
    if np.issubdtype(samples.dtype, np.integer):
        return samples.astype(np.float32) / 32768.0
    return samples.astype(np.float32)


def _resampled(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    from voice_agent.core.audio import resample

    return resample(Audio(samples, rate), target).samples


def close_stream(stream: Any) -> None:
    """gr.State's delete callback: a tab that goes away stops its recognition."""
    if isinstance(stream, RecorderStream):
        stream.close()


class StreamingRecorder:
    """What the streaming microphone's events do (plain methods, tested without a browser).

    ``enabled`` is the web recorder's switch; it streams only when the recogniser can
    (a :class:`~voice_agent.asr.streaming.WordTranscriber`).
    """

    def __init__(self, actions: WebActions, enabled: bool) -> None:
        self.actions = actions
        self.enabled = enabled

    @property
    def streams(self) -> bool:
        """True when the Talk tab gets the streaming microphone."""
        return self.enabled and isinstance(self.actions.service.pipeline.transcriber,
                                           WordTranscriber)

    @property
    def request_sources(self) -> list[str]:
        """The sources of the Talk tab's request box: upload only when the microphone
        is the streaming one."""
        return ["upload"] if self.streams else ["microphone", "upload"]

    @property
    def request_label(self) -> str:
        """The ui_text key of the request box's label."""
        return "talk.input_upload" if self.streams else "talk.input"

    def start(self, language: str) -> RecorderStream:
        """A recording's stream (recognising it when the recogniser can stream)."""
        pipeline = self.actions.service.pipeline
        max_s = self.actions.service.limits.max_request_s
        transcriber = pipeline.transcriber
        if not self.streams or not isinstance(transcriber, WordTranscriber):
            return RecorderStream(None, max_s)
        spoken = None if language == "auto" else language
        recognizer = StreamingRecognizer(transcriber, language=spoken)
        session = StreamingSession(recognizer, on_commit=pipeline.early_prefill(
            lambda: recognizer.language))
        return RecorderStream(session, max_s)

    def chunk(self, piece: tuple[int, np.ndarray] | None, stream: RecorderStream | None,
              language: str) -> tuple[RecorderStream, str]:
        """One piece from the browser; returns the stream and the "heard so far" line."""
        if stream is None or stream.stopped:  # the first piece of a new recording
            close_stream(stream)
            stream = self.start(language)
        if piece is not None:
            rate, data = piece
            stream.add(int(rate), data)
        return stream, self.heard_line(stream)

    def heard_line(self, stream: RecorderStream | None) -> str:
        """The live line under the microphone."""
        lang = self.actions.lang
        if stream is None:
            return ""
        if stream.too_long:
            return message(t("talk.live_too_long", lang,
                             seconds=stream.max_s), "error", lang)
        words = stream.heard()
        if stream.gave_up:  # steps slower than speech: recognised at the stop instead
            return t("talk.live_gave_up", lang, words=words or "…")
        if not words:
            return t("talk.live_listening", lang, seconds=stream.seconds)
        return t("talk.live_heard", lang, words=words)

    def stop(self, stream: RecorderStream | None, speaker: str, language: str,
             session: str | None,
             history: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
        """Recording stopped: run the turn on the recording, its transcript finished by the
        streaming session; yields the same updates as :meth:`WebActions.talk`."""
        audio = stream.audio() if stream is not None else None
        if stream is not None:
            stream.stopped = True
            if stream.too_long:  # refused, as an upload that long would be
                yield {"status": self.heard_line(stream), "session": session}
                return
        if audio is None:
            close_stream(stream)
            yield from self.actions.talk(None, speaker, language, session, history=history)
            return
        yield from self.actions.spoken_turn(audio, REQUEST_NAME, speaker, language, session,
                                            history, transcribe=stream.transcriber())


def streaming_microphone(recorder: StreamingRecorder, outputs: dict[str, Any],
                         bind: Callable[[dict[str, Any]], dict[Any, Any]],
                         speaker: Any, language: Any) -> list[Any]:
    """The streaming microphone and its live line (inside the Talk tab's column), wired;
    returns its turn event (for Cancel and the session panel), or [] when off.

    ``outputs``: the Talk tab's name -> component (``session`` and ``log`` among them);
    ``bind`` maps an update's names to them.
    """
    if not recorder.streams:
        return []
    import gradio as gr

    lang = recorder.actions.lang
    mic = gr.Audio(sources=["microphone"], streaming=True, type="numpy",
                   label=t("talk.live_input", lang), elem_id="talk-mic")
    live = gr.Markdown(elem_id="talk-live")
    state = gr.State(None, delete_callback=close_stream)
    # No start_recording event: queued apart from the pieces, it could run after the
    # first of them and drop it; the first piece after a stop starts a new stream instead.
    # Feeding returns at once (recognition runs on the session's own thread), so pieces
    # of several tabs need not queue behind one another.
    mic.stream(recorder.chunk, [mic, state, language], [state, live],
               stream_every=STREAM_EVERY_S, concurrency_limit=None, api_name=False)
    names = list(outputs.values())

    def stop(stream, speaker_id, lang_choice, session, history):
        for update in recorder.stop(stream, speaker_id, lang_choice, session, history):
            if "log" in update:
                update = {**update, "typed": ""}  # the request is done: clear the box
            yield bind(update)

    return [mic.stop_recording(stop, [state, speaker, language, outputs["session"],
                                      outputs["log"]], names, api_name=False)]
