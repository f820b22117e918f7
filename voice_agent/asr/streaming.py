"""Streaming recognition while the person speaks: the LocalAgreement-2 policy.

Whisper is not a streaming model, but it can re-transcribe a growing buffer. Following
whisper_streaming (Machácek, Dabre and Bojar, 2023, "Turning Whisper into Real-Time
Transcription System"), each time new audio has arrived the buffer is transcribed again
with word timestamps, and the words two consecutive hypotheses agree on (their longest
common prefix) are committed: they will not change any more.

What the steps hear serves the time while the person speaks: live words, and the moment
speech ends, :meth:`StreamingSession.heard` tells the pipeline whether music was asked
for, so "Sure!" is said at once. The final words are then decoded from the whole request
as without streaming (the steps are greedy over a short encoder window, less accurate);
whisper_streaming's way, decoding only the audio after the last committed word, is kept
as ``decode_tail`` but was no faster on two cores: it still runs the 30 s window once.

- :class:`AgreementBuffer` is the commit policy alone (pure, tested with scripted
  hypotheses).
- :class:`StreamingRecognizer` holds the audio, runs one step per call (:meth:`step`),
  trims the buffer at committed sentence ends, and :meth:`finish` returns the Transcript.
- :class:`StreamingSession` runs the steps on a worker thread in the idle time while audio
  is fed in pieces (:meth:`feed`, from a microphone callback or a network upload).

The language is detected until one detection is confident, then fixed for the request.

Python API::

    session = StreamingSession(StreamingRecognizer(transcriber))
    for piece in pieces:          # float32 mono at ``rate``, 20-40 ms each
        session.feed(piece, rate)
    transcript = session.finish() # at the end of speech
"""

from __future__ import annotations

import inspect
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from voice_agent.core import cpu
from voice_agent.core.audio import ASR_RATE, resample
from voice_agent.core.errors import NoSpeechError
from voice_agent.core.types import Audio, Segment, Transcript

log = logging.getLogger(__name__)

#: a language ID at least this sure fixes the language for the rest of the request
CONFIDENT_LANGUAGE = 0.75
#: ... but only over this much audio: half a second of Spanish is often "English"
LANGUAGE_AFTER_S = 2.0
#: words starting this much before the last committed word's end are the same words again
OVERLAP_S = 0.1
#: the longest committed tail checked against a new hypothesis's head for repeats
MAX_NGRAM = 5
SENTENCE_END = re.compile(r"[.!?¿¡…]$")


@dataclass(frozen=True)
class Word:
    """One recognised word with its start and end in the request (seconds)."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class WordHypothesis:
    """One transcription of the buffer: its words (buffer time), language and certainty."""

    words: tuple[Word, ...]
    language: str
    probability: float


@runtime_checkable
class WordTranscriber(Protocol):
    """A recogniser that can return word timestamps (faster-whisper can)."""

    def load(self) -> None:
        """Load weights (idempotent)."""

    def transcribe_words(self, samples: np.ndarray, language: str | None,
                         prompt: str = "") -> WordHypothesis:
        """Transcribe 16 kHz ``samples``; ``prompt`` is the committed text before them."""


def _key(word: Word) -> str:
    """What two hypotheses must agree on: the word, without case or punctuation."""
    return re.sub(r"[^\w']", "", word.text.lower())


class AgreementBuffer:
    """LocalAgreement-2: commit the longest common prefix of the last two hypotheses."""

    def __init__(self) -> None:
        self.committed: list[Word] = []
        self._previous: list[Word] = []
        self.last_end = 0.0

    def insert(self, words: Sequence[Word]) -> list[Word]:
        """Add a hypothesis (request time); returns the words newly committed."""
        new = self._fresh(words)
        commit: list[Word] = []
        while new and self._previous and _key(new[0]) == _key(self._previous[0]):
            commit.append(new.pop(0))
            self._previous.pop(0)
        self._previous = new
        if commit:
            self.committed.extend(commit)
            self.last_end = commit[-1].end
        return commit

    def _fresh(self, words: Sequence[Word]) -> list[Word]:
        """The words after what is committed: later than the last committed end, and not
        a repeat of the committed tail (a word straddling the cut is heard twice)."""
        new = [w for w in words if w.start > self.last_end - OVERLAP_S]
        if new and self.committed and abs(new[0].start - self.last_end) < 1.0:
            for n in range(min(len(self.committed), len(new), MAX_NGRAM), 0, -1):
                tail = [_key(w) for w in self.committed[-n:]]
                if tail == [_key(w) for w in new[:n]]:
                    return new[n:]
        return new

    @property
    def pending(self) -> list[Word]:
        """The last hypothesis's words not yet committed."""
        return list(self._previous)

    def accept_rest(self, words: Sequence[Word]) -> list[Word]:
        """At the end of speech: commit a final hypothesis's words after the committed ones."""
        rest = self._fresh(words)
        self.committed.extend(rest)
        self._previous = []
        if rest:
            self.last_end = rest[-1].end
        return rest


class StreamingRecognizer:
    """Audio in pieces, committed words as they settle, a Transcript at the end.

    :meth:`feed` may be called from any thread while a step runs (it only appends under a
    short lock); :meth:`step` and :meth:`finish` must not run at the same time.
    """

    def __init__(self, model: WordTranscriber, language: str | None = None,
                 min_step_s: float = 0.5, trim_s: float = 12.0,
                 decode_tail: bool = False) -> None:
        self.model = model
        self.language = language
        self._given_language = language
        #: at the end, decode only the uncommitted tail (whisper_streaming's way) even when
        #: the model can decode the whole request; see :meth:`finish` for why it does not
        self.decode_tail = decode_tail
        self._last: WordHypothesis | None = None  # the last step's words, in request time
        self._guess = language or ""  # the likeliest language until one is confident
        self.probability = 1.0 if language else 0.0
        self.min_step_s = min_step_s
        self.trim_s = trim_s
        self.buffer = AgreementBuffer()
        self._audio = np.zeros(0, np.float32)
        self._request: list[np.ndarray] = []  # all of it, for the final decode (never trimmed)
        self._offset = 0.0  # request time of the buffer's first sample
        self._stepped_at = 0  # buffer length (samples) at the last step
        self._total = 0.0  # samples (at 16 kHz) fed in all
        self._incoming: list[tuple[np.ndarray, int]] = []
        self._incoming_lock = threading.Lock()
        self.steps = 0

    @property
    def fed_s(self) -> float:
        """Seconds of audio fed so far."""
        return self._total / ASR_RATE

    def feed(self, samples: np.ndarray, rate: int = ASR_RATE) -> None:
        """Append a piece of mono float audio at ``rate``."""
        piece = np.asarray(samples, np.float32).reshape(-1)
        with self._incoming_lock:
            self._incoming.append((piece, rate))
            self._total += len(piece) * ASR_RATE / rate

    def ready(self) -> bool:
        """True when enough new audio has arrived since the last step to be worth one."""
        with self._incoming_lock:
            waiting = sum(len(p) * ASR_RATE / rate for p, rate in self._incoming)
        return len(self._audio) + waiting - self._stepped_at >= self.min_step_s * ASR_RATE

    def _absorb(self) -> None:
        """Move the pieces fed since the last step into the buffer, resampled together
        (one resampling per run of same-rate pieces, not one per 20 ms piece)."""
        with self._incoming_lock:
            pieces, self._incoming = self._incoming, []
        runs: list[tuple[list[np.ndarray], int]] = []
        for piece, rate in pieces:
            if runs and runs[-1][1] == rate:
                runs[-1][0].append(piece)
            else:
                runs.append(([piece], rate))
        blocks = [resample(Audio(np.concatenate(run), rate), ASR_RATE).samples
                  for run, rate in runs]
        if blocks:
            self._audio = np.concatenate([self._audio, *blocks])
            self._request.extend(blocks)

    def step(self) -> list[Word]:
        """Transcribe the buffer once; returns the words this step committed."""
        self._absorb()
        self._stepped_at = len(self._audio)
        hypothesis = self._transcribe(self._audio)
        words = self._shift(hypothesis.words)
        self._last = WordHypothesis(tuple(words), hypothesis.language, hypothesis.probability)
        committed = self.buffer.insert(words)
        self.steps += 1
        if committed and len(self._audio) / ASR_RATE > self.trim_s:
            self._trim_at_sentence_end()
        return committed

    def heard(self) -> Transcript | None:
        """What the steps have heard so far (committed words, then the last step's other
        words), without waiting for anything: a preview, not the transcript. None before
        the first step found words. Its language is the steps' likeliest one."""
        words = list(self.buffer.committed)
        if self._last is not None:
            words += [w for w in self._last.words if w.start > self.buffer.last_end - OVERLAP_S]
        text = " ".join(w.text.strip() for w in words).strip()
        if not text:
            return None
        return Transcript(text=text, language=self.language or self._guess or "en",
                          language_probability=self.probability, duration_s=self.fed_s)

    def finish(self, language: str | None = None, started: float | None = None) -> Transcript:
        """The whole request's Transcript (in ``language`` when given); ``started`` is
        when speech ended (``time.perf_counter()``), handed to a recogniser whose time
        budget can start then (the wait for a step in flight is recognition time too).

        When the model can decode a whole request (``transcribe``: voice detection, both
        languages, the time budget), it does, with the full 30 s encoder window and beam
        search: the steps' short-window greedy hypotheses serve what happens while the
        person speaks (live words, the early prefill, the acknowledgement), and the final
        words are as good as without streaming. Measured on two cores (docs/speed.md),
        decoding only the uncommitted tail was no faster: it still runs the encoder's
        30 s window once. ``decode_tail`` keeps that way; it is also the way of a model
        without ``transcribe``. Raises NoSpeechError when no words were heard at all.
        """
        self._absorb()
        if language:
            self.language = language  # the tail decode, too, is then in that language
        batch = getattr(self.model, "transcribe", None)
        whole = not self.decode_tail or (not self.buffer.committed and self._offset == 0.0)
        if whole and callable(batch):
            log.debug("streaming ASR: %d steps; decoding the whole request", self.steps)
            request = np.concatenate(self._request) if self._request else self._audio
            timed = {"started": started} if started is not None and _takes(batch, "started") \
                else {}
            return batch(Audio(request, ASR_RATE), language or self._given_language, **timed)
        tail_from = max(0.0, self.buffer.last_end - 0.5 - self._offset)
        tail_from = min(tail_from, max(0.0, len(self._audio) / ASR_RATE - 1.0))
        start = int(tail_from * ASR_RATE)
        rest: list[Word] = []
        if len(self._audio) - start > int(0.2 * ASR_RATE):
            hypothesis = self._transcribe(self._audio[start:])
            offset = self._offset + start / ASR_RATE
            rest = self.buffer.accept_rest(
                [Word(w.start + offset, w.end + offset, w.text) for w in hypothesis.words])
        words = self.buffer.committed
        text = " ".join(w.text.strip() for w in words).strip()
        if not text:
            raise NoSpeechError("I heard sound but no words I could make out. Speak closer to "
                                "the microphone, in English or Spanish, and try again.")
        log.debug("streaming ASR: %d steps, %d words decoded at the end", self.steps, len(rest))
        segment = Segment(words[0].start, words[-1].end, text)
        return Transcript(text=text, language=self.language or self._guess or "en",
                          language_probability=self.probability, duration_s=self.fed_s,
                          segments=(segment,))

    def _transcribe(self, samples: np.ndarray) -> WordHypothesis:
        """One decode of ``samples``; detects the language until a detection is confident."""
        hypothesis = self.model.transcribe_words(samples, self.language, self._prompt())
        if self.language is None:
            self._guess, self.probability = hypothesis.language, hypothesis.probability
            if (hypothesis.probability >= CONFIDENT_LANGUAGE
                    and len(samples) >= LANGUAGE_AFTER_S * ASR_RATE):
                self.language = hypothesis.language  # fixed for the rest of the request
        return hypothesis

    def _shift(self, words: Sequence[Word]) -> list[Word]:
        return [Word(w.start + self._offset, w.end + self._offset, w.text) for w in words]

    def _prompt(self) -> str:
        """The committed text already trimmed out of the buffer (Whisper's context)."""
        before = [w.text.strip() for w in self.buffer.committed if w.end <= self._offset]
        return " ".join(before)[-200:]

    def _trim_at_sentence_end(self) -> None:
        """Drop the audio up to the last committed sentence end: it will not change."""
        ends = [w.end for w in self.buffer.committed if SENTENCE_END.search(w.text.strip())]
        if not ends or ends[-1] <= self._offset:
            return
        cut = int((ends[-1] - self._offset) * ASR_RATE)
        self._audio = self._audio[cut:]
        self._stepped_at = max(0, self._stepped_at - cut)
        self._offset = ends[-1]


class StreamingSession:
    """Runs a :class:`StreamingRecognizer`'s steps on a worker thread as audio arrives.

    :meth:`feed` never waits for recognition (safe from an audio callback); the worker
    steps whenever enough new audio is there. :meth:`heard` previews the words at any
    moment; :meth:`finish` waits for the step in flight, then decodes on the caller's
    thread (see :meth:`StreamingRecognizer.finish`).
    """

    def __init__(self, recognizer: StreamingRecognizer,
                 on_commit: Callable[[list[Word]], None] | None = None,
                 max_step_s: float = 1.5,
                 enough: Callable[[Transcript], bool] | None = None) -> None:
        self.recognizer = recognizer
        self.on_commit = on_commit
        #: stop stepping once what was heard is enough for the caller (the pipeline's
        #: acknowledgement needs only to know music was asked for): the final words are
        #: decoded from the whole request anyway, and with no step in flight at the end of
        #: speech they do not wait (two cores: a step in flight cost 0.3 s on average)
        self.enough = enough
        self.settled = False
        # a step slower than this means the CPU cannot keep up: stop stepping, so the end
        # of speech waits for at most the one step in flight
        self.max_step_s = max_step_s
        self.gave_up = False
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="asr-stream", daemon=True)
        self._thread.start()

    def feed(self, samples: np.ndarray, rate: int = ASR_RATE) -> None:
        """Hand over a piece of audio; returns at once."""
        self.recognizer.feed(samples, rate)
        with self._wake:
            self._wake.notify()

    def finish(self, audio: Audio | None = None, language: str | None = None) -> Transcript:
        """The request's Transcript, in ``language`` when given (so this can stand in for
        ``Transcriber.transcribe``; ``audio`` was already fed and is not used). Called
        again (another language), it decodes again."""
        ended = time.perf_counter()
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join()
        if time.perf_counter() - ended > 0.3:
            log.info("streaming ASR: the end of speech waited %.2f s for the step in flight",
                     time.perf_counter() - ended)
        if self.error is not None:
            log.warning("streaming steps failed (%s); decoding at the end only", self.error)
        return self.recognizer.finish(language, started=ended)

    def heard(self) -> Transcript | None:
        """What the steps have heard so far (see :meth:`StreamingRecognizer.heard`)."""
        return self.recognizer.heard()

    def close(self) -> None:
        """Stop without a transcript (a cancelled or lost recording); returns at once."""
        with self._wake:
            self._closed = True
            self._wake.notify()

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._closed and not self.recognizer.ready():
                    self._wake.wait(timeout=0.5)
                if self._closed:
                    return
            started = time.perf_counter()
            try:  # outside the lock: feed() never waits for a decode
                with cpu.working():  # a language model still answering gives way
                    committed = self.recognizer.step()
            except Exception as exc:  # recognition can still happen at the end
                self.error = exc
                return
            if time.perf_counter() - started > self.max_step_s:
                log.info("streaming ASR: a step took %.1f s; recognising at the end only",
                         time.perf_counter() - started)
                self.gave_up = True
                return
            if committed and self.on_commit is not None:
                self.on_commit(committed)
            if self.enough is not None and self._heard_enough():
                self.settled = True
                return

    def _heard_enough(self) -> bool:
        heard = self.recognizer.heard()
        try:
            return heard is not None and self.enough(heard)
        except Exception:  # a failing judge must not end recognition: keep stepping
            log.exception("streaming ASR: the 'enough' check failed")
            return False


def _takes(function: Callable, keyword: str) -> bool:
    """Whether ``function`` accepts ``keyword`` (a recogniser written before it may not)."""
    try:
        return keyword in inspect.signature(function).parameters
    except (TypeError, ValueError):  # a builtin or a C extension: do not guess
        return False


def feed_in_real_time(session: StreamingSession, audio: Audio, chunk_s: float = 0.03,
                      clock: Callable[[], float] = time.perf_counter,
                      sleep: Callable[[float], None] = time.sleep) -> None:
    """Feed ``audio`` at 1x in ``chunk_s`` pieces, as a microphone would (bench, tests)."""
    size = max(1, int(chunk_s * audio.rate))
    start = clock()
    for index in range(0, len(audio.samples), size):
        session.feed(audio.samples[index:index + size], audio.rate)
        due = start + (index + size) / audio.rate
        wait = due - clock()
        if wait > 0:
            sleep(wait)
