"""Whisper through faster-whisper (CTranslate2): the default speech recogniser.

Int8 on CPU, float16 on CUDA. The language is either given or chosen among the
configured languages (default English and Spanish) from Whisper's own language-ID
probabilities, rather than among all 99, which avoids e.g. Spanish heard as Portuguese
or Galician. Silero VAD (shipped inside faster-whisper) removes non-speech first, so
silence and noise raise :class:`NoSpeechError` instead of producing a hallucination.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from typing import Any

import numpy as np

from voice_agent.core.audio import ASR_RATE, resample
from voice_agent.core.errors import MissingDependencyError
from voice_agent.core.models import WHISPER_BASE, ensure_model
from voice_agent.asr.budget import (MAX_TOKENS, UNSURE_LANGUAGE, Budget, Decoded, StepCost,
                                    decode_within_budget)
from voice_agent.asr.streaming import Word, WordHypothesis
from voice_agent.asr.checks import (
    check_has_signal,
    confident_transcript,
    keep_confident,
    mean_logprob,
    language_candidates,
    silero_speech,
)
from voice_agent.core.types import Audio, Transcript
from voice_agent.asr.bias import asr_bias

log = logging.getLogger(__name__)

#: one mel frame is 10 ms of 16 kHz audio
HOP_SAMPLES = 160
#: frames past a streaming buffer's end the step's encoder also sees: 1 s of Whisper's
#: padding, which keeps the last word's ending (measured: docs/speed.md)
STEP_MARGIN_FRAMES = 100
#: Whisper's window: 30 s of 10 ms frames
FULL_WINDOW_FRAMES = 3000
#: frames past the voiced request the final decode's encoder sees when the full window
#: would not fit the time budget: 20 s of Whisper's padding. Measured (docs/speed.md,
#: benchmarks/asr_window_bench.py): as accurate as the full window on the shipped and hard
#: requests, a little worse on the dev ones; 15 s lost accuracy on all three. A 2-5 s
#: request's encode then takes 1.0 s instead of 1.5 s under the AVX2 preset.
FINAL_MARGIN_FRAMES = 2000
#: a shorter window's encode scaled by frames to the full window underestimates it
#: (attention is quadratic in the frames, and the full window's activations outgrow the
#: caches): the full one took 1.14x the scaled 2300-frame one and 1.44x the 2000-frame one
#: here (AVX2 preset, idle)
FULL_OVER_SCALED = 1.3
#: windows shorter than this (streaming steps) are dominated by fixed costs: not scaled
SHORT_WINDOW_LEARNS = 1000
#: below this language-ID probability a short final window decodes both languages (its
#: language ID is surer than the full window's; see transcribe)
SHORT_WINDOW_UNSURE = 0.9
#: seconds the full window must leave free in the budget (the estimate's error, the
#: language-ID step and the checks after decoding)
WINDOW_SLACK_S = 0.3


def cuda_available() -> bool:
    """True when CTranslate2 can see a CUDA device."""
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # no ctranslate2 or a broken CUDA install: use the CPU
        return False


class EncoderMemo:
    """Wraps ``WhisperModel.encode`` to remember its last input and output.

    Whisper encodes a whole 30 s window whatever the clip's length, and faster-whisper
    encodes it once for language ID and again to decode (twice more when an unsure
    language is decoded both ways). That pass was about 40% of a short request's ASR
    time here. Identical features give the identical output, so the last one is reused.
    """

    def __init__(self, encode) -> None:
        self._encode = encode
        self._key: tuple | None = None
        self._output = None
        self._lock = threading.Lock()  # streaming steps and a batch decode share the model
        self._window = threading.local()
        self.hits = 0
        #: seconds a full-window encode takes here (learned; None before the first)
        self.full_s: float | None = None
        self._warm = False

    def __call__(self, features: np.ndarray):
        frames = getattr(self._window, "frames", None)
        if frames is not None and features.shape[-1] > frames:
            features = features[..., :frames + frames % 2]  # the encoder wants an even length
        array = np.ascontiguousarray(features)
        key = (array.shape, array.dtype.str, hash(array.tobytes()))
        with self._lock:
            if key != self._key:
                started = time.perf_counter()
                self._output = self._encode(array)
                self._observe(time.perf_counter() - started, array.shape[-1])
                self._key = key
            else:
                self.hits += 1
            return self._output

    def _observe(self, seconds: float, frames: int) -> None:
        """Fold one encode into :attr:`full_s`. The first full-window one sets it (cold, so
        high); after it, a slower one is believed at once, a faster one halfway (running
        over the budget is what the estimate guards against). A final decode's shorter
        window (SHORT_WINDOW_LEARNS frames or more), scaled to the full window, may only
        lower the estimate, so that one slow full encode on a busy moment does not keep
        the short window for good."""
        known = self.full_s
        if frames >= FULL_WINDOW_FRAMES and not self._warm:
            # the first encode pays one-time costs (kernels, buffers): an overestimate,
            # which short windows then lower, rather than a second full-window try
            self._warm = True
            self.full_s = seconds
        elif frames >= FULL_WINDOW_FRAMES:
            self.full_s = seconds if known is None else max(seconds, 0.5 * known + 0.5 * seconds)
        elif known is not None and frames >= SHORT_WINDOW_LEARNS:
            scaled = seconds * FULL_WINDOW_FRAMES / frames * FULL_OVER_SCALED
            self.full_s = min(known, 0.5 * known + 0.5 * scaled)

    @contextmanager
    def window(self, frames: int) -> Iterator[None]:
        """Encode only the first ``frames`` mel frames (10 ms each) on this thread.

        Whisper always encodes a 30 s window; the encoder accepts a shorter one and is then
        5-8x faster, at some cost in accuracy (docs/speed.md): right for the hypotheses a
        streaming step makes while the person speaks, not for the final transcript.
        """
        self._window.frames = frames
        try:
            yield
        finally:
            self._window.frames = None


#: how many of the beam's hypotheses a pass keeps (the best and this many less one
#: alternatives): CTranslate2 returns them from the same search at no extra decoding cost
HYPOTHESES = 4


class BeamHypotheses:
    """Wraps the CTranslate2 ``Whisper`` model so that a beam-search pass also returns its
    next-best hypotheses: faster-whisper reads only the best, and :attr:`texts` keeps all
    of the last call's (best first) for the transcript's ``alternatives``.

    Whisper base mishears a word it did not expect as another word ("Vuelve" as
    "Puelve", "Deshaz lo último" as "Desaflo último"); the beam's second or third
    hypothesis often has it right. Everything but ``generate`` passes through.
    """

    def __init__(self, model: Any, decode_tokens: Callable[[list[int]], str],
                 hypotheses: int = HYPOTHESES) -> None:
        self._model = model
        self._decode_tokens = decode_tokens
        self.hypotheses = hypotheses
        #: the texts of the last call's hypotheses, best first; () when it was not a
        #: beam search or decoded several windows
        self.texts: tuple[str, ...] = ()
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def generate(self, features, prompts, *args, **kwargs):
        """``Whisper.generate``, asking a beam search for its next-best hypotheses too."""
        beam = kwargs.get("beam_size", 1)
        sampling = kwargs.get("sampling_temperature", 1.0) != 1.0 or kwargs.get("sampling_topk", 1) != 1
        if beam > 1 and not sampling and "num_hypotheses" not in kwargs:
            kwargs["num_hypotheses"] = min(beam, self.hypotheses)
        results = self._model.generate(features, prompts, *args, **kwargs)
        self.calls += 1
        many = not sampling and len(results) == 1 and len(results[0].sequences_ids) > 1
        self.texts = (tuple(self._decode_tokens(ids).strip() for ids in results[0].sequences_ids)
                      if many else ())
        return results

    def reset(self) -> None:
        """Forget the last call's hypotheses (before a new pass)."""
        self.texts, self.calls = (), 0

    def alternatives(self, best: str) -> tuple[str, ...]:
        """The last pass's other hypotheses, when it decoded one window whose best
        hypothesis is ``best`` (the transcript kept all of it)."""
        if self.calls != 1 or not self.texts or _spaced(self.texts[0]) != _spaced(best):
            return ()
        seen = {_spaced(best).lower()}
        kept = []
        for text in self.texts[1:]:
            if text and _spaced(text).lower() not in seen:
                seen.add(_spaced(text).lower())
                kept.append(_spaced(text))
        return tuple(kept)


def _spaced(text: str) -> str:
    return " ".join(text.split())


class GenerationCounter:
    """Wraps ``WhisperModel.generate_with_fallback`` to note how many tokens the last
    window decoded: the one sure sign that a pass stopped at its ``max_new_tokens``
    (a finished pass's segments need not close on a timestamp, e.g. with hotwords)."""

    def __init__(self, generate) -> None:
        self._generate = generate
        self.last_tokens: int | None = None

    def __call__(self, *args, **kwargs):
        output = self._generate(*args, **kwargs)
        self.last_tokens = len(output[0].sequences_ids[0])
        return output


def _silero_voiced(samples: np.ndarray) -> np.ndarray:
    """The voiced parts of ``samples`` per Silero VAD; NoSpeechError if there are none."""
    return silero_speech(samples)[0]


class FasterWhisperTranscriber:
    """A :class:`~voice_agent.asr.protocol.Transcriber` over faster-whisper.

    ``model`` is an already loaded ``WhisperModel`` (or a stand-in with its
    ``feature_extractor``, ``detect_language`` and ``transcribe``), used instead of loading
    the weights; ``voiced`` keeps the voiced parts of the samples (Silero VAD by default).
    """

    def __init__(
        self,
        model_path: str | None = None,
        device: str = "auto",
        compute_type: str = "auto",
        beam_size: int = 5,
        languages: Sequence[str] = ("en", "es"),
        bias_music_vocabulary: bool = True,
        threads: int = 2,
        max_seconds: float = 2.5,
        timestamps: bool = True,
        *,
        model: Any = None,
        voiced: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.model_path = model_path
        self.device = device
        self.compute_type = compute_type
        self.beam_size = beam_size
        self.languages = tuple(languages)
        self.bias_music_vocabulary = bias_music_vocabulary
        self.threads = threads
        self.max_seconds = max_seconds
        #: decode segment timestamps (False: text tokens only, a few steps fewer per pass)
        self.timestamps = timestamps
        self.model_id = f"faster-whisper:{model_path or WHISPER_BASE.name}"
        self._model = model
        self._voiced = voiced or _silero_voiced
        #: seconds per decoded token here, learned across requests (the budget's caps)
        self.step_cost = StepCost()

    def load(self) -> None:
        """Prepare the weights (join + sha256 once) and load the model."""
        if self._model is not None:
            return
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise MissingDependencyError("faster-whisper", "asr", "Speech recognition") from None
        path = self.model_path or str(ensure_model(WHISPER_BASE))
        device = ("cuda" if cuda_available() else "cpu") if self.device == "auto" else self.device
        compute = self.compute_type
        if compute == "auto":
            compute = "float16" if device == "cuda" else "int8"
        log.info("Loading Whisper from %s on %s (%s)", path, device, compute)
        self._model = WhisperModel(path, device=device, compute_type=compute,
                                   cpu_threads=self.threads)
        self._model.encode = EncoderMemo(self._model.encode)
        self._model.generate_with_fallback = GenerationCounter(
            self._model.generate_with_fallback)
        self._model.model = BeamHypotheses(self._model.model, self._text_of_tokens)
        self.model_id = f"faster-whisper:{self.model_path or WHISPER_BASE.name}:{compute}"

    def _text_of_tokens(self, ids: list[int]) -> str:
        """The words of a hypothesis's token ids (timestamps and special tokens dropped,
        as faster-whisper's own decoding does)."""
        tokenizer = self._model.hf_tokenizer
        end_of_text = tokenizer.token_to_id("<|endoftext|>")
        return tokenizer.decode([t for t in ids if t < end_of_text])

    def transcribe(self, audio: Audio, language: str | None = None, *,
                   started: float | None = None) -> Transcript:
        """Transcribe ``audio``; raise NoSpeechError for silence or noise, and
        UnclearSpeechError ("I didn't catch that") for a garbled transcript.

        Time-bounded (:mod:`voice_agent.asr.budget`) from the moment the audio is handed
        over, or from ``started`` (a ``time.perf_counter()`` reading: the end of speech,
        when a streaming step still in flight made the final decode wait), voice
        detection, features, encoder and language ID included: the likelier
        language is decoded first; the second language (when language ID is unsure, below
        UNSURE_LANGUAGE) and one temperature-fallback pass run only while ``max_seconds``
        has room for them, and every pass is capped in tokens by the time left.
        """
        self.load()  # loading the weights is not recognition: the budget starts after it
        budget = Budget(self.max_seconds)
        if started is not None:
            budget.started = min(budget.started, started)
        audio = resample(audio, ASR_RATE)
        check_has_signal(audio)
        speech = self._speech_only(audio.samples)
        speech_s = len(speech) / ASR_RATE
        window = self._final_window(len(speech), budget, request_tokens(speech_s))
        with window or nullcontext():
            features = self._model.feature_extractor(speech)
            candidates = self._language_candidates(features, language)
            return decode_within_budget(
                candidates,
                lambda lang, p, t, limit: self._decode(speech, audio.duration_s, lang, p, t,
                                                       limit),
                budget, self.step_cost, floor=request_tokens(speech_s), cap=token_cap(speech_s),
                # language ID on a short window is surer than it should be (es04, espeak
                # Spanish: p(en) 0.54 with the full window, 0.75 with a short one)
                unsure_below=SHORT_WINDOW_UNSURE if window else UNSURE_LANGUAGE)

    def _final_window(self, speech_samples: int, budget: Budget, floor_tokens: int):
        """The encoder's window for the final decode: Whisper's full 30 s whenever a
        full-window encode and a request-length pass, as measured here, fit the time left;
        else the voiced request plus FINAL_MARGIN_FRAMES (a slow CPU, or a step in flight
        that made the final decode wait), so that recognition stays within its budget.
        None means the full window.
        """
        memo = getattr(self._model, "encode", None)
        if not isinstance(memo, EncoderMemo) or memo.full_s is None:
            return None  # nothing measured yet: the full window teaches its cost
        frames = speech_samples // HOP_SAMPLES + FINAL_MARGIN_FRAMES
        expected = memo.full_s + floor_tokens * self.step_cost.seconds_per_token
        if frames >= FULL_WINDOW_FRAMES or budget.allows(expected + WINDOW_SLACK_S):
            return None
        log.info("ASR: a full window (%.2f s + %d tokens) does not fit the %.2f s left; "
                 "encoding %.1f s", memo.full_s, floor_tokens, budget.left(), frames / 100)
        return memo.window(frames)

    def _decode(self, speech: np.ndarray, duration_s: float, language: str,
                probability: float, temperature: float = 0.0,
                max_tokens: int | None = None) -> Decoded:
        """One decoding pass over the voiced ``speech`` in ``language`` at one temperature
        (no hidden fallback ladder), with Whisper's figures for how sure it was. The
        encoder output of language ID is reused."""
        limit = max_tokens or token_cap(len(speech) / ASR_RATE)
        counter = getattr(self._model, "generate_with_fallback", None)
        if isinstance(counter, GenerationCounter):
            counter.last_tokens = None
        beam = getattr(self._model, "model", None)
        if isinstance(beam, BeamHypotheses):
            beam.reset()
        segments, _info = self._model.transcribe(
            speech,
            language=language,
            beam_size=self.beam_size,
            temperature=temperature,
            max_new_tokens=limit,
            without_timestamps=not self.timestamps,
            vad_filter=False,  # ``speech`` is already the voiced parts
            condition_on_previous_text=False,
            **(asr_bias(language, probability) if self.bias_music_vocabulary else {}),
        )
        segments = list(segments)
        transcript = confident_transcript(segments, language, probability, duration_s)
        if isinstance(beam, BeamHypotheses):
            transcript = replace(transcript, alternatives=beam.alternatives(transcript.text))
        generated = counter.last_tokens if isinstance(counter, GenerationCounter) else None
        return decoded_figures(transcript, segments, generated, limit)

    def transcribe_words(self, samples: np.ndarray, language: str | None,
                         prompt: str = "") -> WordHypothesis:
        """One greedy decode of a streaming buffer (16 kHz) with word timestamps.

        Greedy and without the vocabulary bias prompt: it runs every half second while
        the person speaks, and the committed text is the better context (``prompt``).
        The language, when not given, is the likeliest configured one. The encoder sees
        the buffer plus STEP_MARGIN_FRAMES, not the 30 s window (see
        :meth:`EncoderMemo.window`): a step of a 3 s buffer then takes about 0.25 s
        instead of 1.5 s here, so steps keep up with speech and the one in flight when
        the person stops is short.
        """
        self.load()
        with self._step_window(len(samples)):
            features = self._model.feature_extractor(samples)
            language, probability = self._language_candidates(features, language)[0]
            segments, _info = self._model.transcribe(
                samples, language=language, beam_size=1, temperature=0.0,
                word_timestamps=True, vad_filter=False, condition_on_previous_text=False,
                initial_prompt=prompt or None,
                # a clear request's tokens: a step looping on garbled audio stops sooner,
                # so the step in flight at the end of speech is short
                max_new_tokens=request_tokens(len(samples) / ASR_RATE))
            segments = list(segments)
        words = tuple(Word(w.start, w.end, w.word.strip())
                      for s in keep_confident(list(segments)) for w in (s.words or ())
                      if w.word.strip())
        return WordHypothesis(words, language, probability)

    def _step_window(self, samples: int):
        """The short encoder window of a streaming step (a no-op on a stand-in model)."""
        memo = getattr(self._model, "encode", None)
        if not isinstance(memo, EncoderMemo):
            return nullcontext()
        return memo.window(samples // HOP_SAMPLES + STEP_MARGIN_FRAMES)

    def _speech_only(self, samples: np.ndarray) -> np.ndarray:
        """The voiced parts of ``samples``; NoSpeechError if there are none."""
        return self._voiced(samples)

    def _language_candidates(self, features: np.ndarray,
                             language: str | None) -> list[tuple[str, float]]:
        """The given language, or the likeliest configured one (two when unsure).

        Language ID sees the features exactly as decoding's first window will (all but
        the last frame, as faster-whisper counts content frames), so the encoder output
        is computed once and reused (see :class:`EncoderMemo`).
        """
        ranked = language_candidates(
            language, self.languages,
            lambda: self._model.detect_language(features=features[..., :-1])[2])
        return ranked[:2]


def token_cap(speech_s: float) -> int:
    """The most tokens a pass over ``speech_s`` seconds may decode: a request is a few
    words a second, so a decode looping on itself stops here."""
    return min(MAX_TOKENS, 16 + int(8 * speech_s))


def request_tokens(speech_s: float) -> int:
    """Tokens enough for a clear request of ``speech_s`` seconds (the shipped ones decode
    to 11-16 with timestamps in about 3 s): the first pass gets these however late."""
    return min(token_cap(speech_s), 12 + int(4 * speech_s))


def decoded_figures(transcript: Transcript, segments: list, generated: int | None = None,
                    limit: int | None = None) -> Decoded:
    """A pass's transcript with its mean log-probability (confident segments), worst
    compression ratio, mean no-speech probability (all segments), the tokens it decoded
    (``generated``, else its segments' tokens) and whether it ended by itself: one that
    decoded ``limit`` tokens was stopped by its cap (the end-of-text token is not
    counted, so a pass that ended has fewer)."""
    compression = max((s.compression_ratio for s in segments), default=1.0)
    no_speech = (sum(s.no_speech_prob for s in segments) / len(segments)) if segments else 0.0
    tokens = generated if generated is not None else sum(len(s.tokens) for s in segments)
    complete = limit is None or tokens < limit
    return Decoded(transcript, mean_logprob(segments), compression, no_speech, tokens, complete)
