"""Whisper through the openai-whisper package (PyTorch): the alternative speech recogniser.

It runs the same Whisper base weights as the faster-whisper backend, converted once from
the packaged CTranslate2 file into an openai-whisper checkpoint in the cache (see
:mod:`voice_agent.asr.ct2_convert`); any openai-whisper ``.pt`` also works.
Behaviour mirrors :class:`~voice_agent.asr.faster_whisper.FasterWhisperTranscriber`:
the language is chosen among the configured ones, Silero VAD (from faster-whisper, when
installed) gates out silence and noise, and the music vocabulary biases decoding, here
through Whisper's ``initial_prompt``. float32 on CPU, float16 on CUDA.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voice_agent.core.audio import ASR_RATE, resample
from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError, NoSpeechError
from voice_agent.asr.checks import (
    NO_SPEECH_MESSAGE,
    NO_SPEECH_PROB,
    check_has_signal,
    language_candidates,
    confident_transcript,
    silero_speech,
)
from voice_agent.core.types import Audio, Transcript
from voice_agent.asr.bias import asr_bias, asr_hotwords

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "whisper-base-openai"


def fit_prompt(terms: str, tokenizer, max_tokens: int) -> str:
    """Drop trailing comma-separated terms until ``terms`` fits ``max_tokens`` prompt tokens.

    Whisper silently keeps only the *last* tokens of a too-long prompt, cutting a term in
    half; faster-whisper keeps the first ones. Trimming whole terms from the end keeps the
    two backends biased toward the same words.
    """
    words = [w.strip() for w in terms.split(",") if w.strip()]
    while words and len(tokenizer.encode(" " + ", ".join(words))) > max_tokens:
        words.pop()
    return ", ".join(words)


class OpenAIWhisperTranscriber:
    """A :class:`~voice_agent.asr.protocol.Transcriber` over openai-whisper."""

    def __init__(
        self,
        model_path: str | None = None,
        device: str = "auto",
        beam_size: int = 5,
        languages: Sequence[str] = ("en", "es"),
        bias_music_vocabulary: bool = True,
        threads: int = 2,
    ) -> None:
        self.model_path = model_path
        self.device = device
        self.beam_size = beam_size
        self.languages = tuple(languages)
        self.hotwords = asr_hotwords() if bias_music_vocabulary else None
        self.threads = threads
        self.model_id = f"openai-whisper:{model_path or DEFAULT_MODEL_NAME}"
        self.prompt: str | None = None
        self.use_vad = False
        self._model = None

    def load(self) -> None:
        """Convert the packaged weights once if no ``model_path`` is given, then load them."""
        if self._model is not None:
            return
        try:
            import torch
            import whisper
        except ImportError:
            raise MissingDependencyError(
                "openai-whisper", "openai-whisper", "The openai-whisper speech recogniser"
            ) from None
        from voice_agent.asr.ct2_convert import apply_alignment_heads

        path = self._checkpoint_path()
        if self.device == "auto":
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        torch.set_num_threads(self.threads)
        log.info("Loading openai-whisper from %s on %s", path, self.device)
        model = whisper.load_model(str(path), device=self.device)
        apply_alignment_heads(model, path)
        self.prompt = self._fit_hotwords(model)
        # Silero VAD ships with faster-whisper; without it _check_speech is the gate.
        self.use_vad = importlib.util.find_spec("faster_whisper") is not None
        self._model = model
        precision = "fp16" if self.device == "cuda" else "fp32"
        self.model_id = f"openai-whisper:{self.model_path or DEFAULT_MODEL_NAME}:{precision}"

    def _checkpoint_path(self) -> Path:
        """The user's checkpoint (checked to exist) or the converted packaged one."""
        if self.model_path is None:
            from voice_agent.asr.ct2_convert import ensure_openai_checkpoint

            return ensure_openai_checkpoint()
        path = Path(self.model_path).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(
                f"openai-whisper checkpoint not found: {path}. Point asr.model_path at a "
                "Whisper .pt file, or leave it empty to use the packaged base model."
            )
        return path

    def _fit_hotwords(self, model) -> str | None:
        """The hotwords as an ``initial_prompt`` within Whisper's prompt-token limit."""
        if not self.hotwords:
            return None
        from whisper.tokenizer import get_tokenizer

        tokenizer = get_tokenizer(model.is_multilingual, num_languages=model.num_languages)
        limit = model.dims.n_text_ctx // 2 - 1  # what whisper's decoder keeps of a prompt
        prompt = fit_prompt(self.hotwords, tokenizer, limit)
        if prompt != self.hotwords:
            log.debug("Hotword prompt trimmed to %d tokens", limit)
        return prompt

    def _prompt(self, language: str, probability: float) -> str | None:
        """The fitted hotword prompt or the language's sentence (see ``asr_bias``)."""
        if not self.hotwords:
            return None
        bias = asr_bias(language, probability)
        return self.prompt if "hotwords" in bias else bias["initial_prompt"]

    def transcribe(self, audio: Audio, language: str | None = None) -> Transcript:
        """Transcribe ``audio``; raise NoSpeechError for silence or noise."""
        self.load()
        audio = resample(audio, ASR_RATE)
        check_has_signal(audio)
        speech, restore_time = self._speech_only(audio.samples)
        features = self._encode(speech) if self._needs_encoding(language) else None
        if not self.use_vad:
            self._check_speech(features)
        language, probability = self._pick_language(features, language)
        result = self._model.transcribe(
            speech,
            language=language,
            beam_size=self.beam_size,
            fp16=self.device == "cuda",
            initial_prompt=self._prompt(language, probability),
            condition_on_previous_text=False,
            verbose=None,  # whisper prints progress otherwise
        )
        return confident_transcript(result["segments"], language, probability,
                                    audio.duration_s, restore_time)

    def _speech_only(self, samples: np.ndarray):
        """The voiced samples and a map from their times back to the recording's times."""
        if not self.use_vad:
            return samples, float  # nothing was cut out: times are the recording's
        speech, chunks = silero_speech(samples)
        from faster_whisper.vad import SpeechTimestampsMap

        timestamps = SpeechTimestampsMap(chunks, ASR_RATE)
        return speech, timestamps.get_original_time

    def _needs_encoding(self, language: str | None) -> bool:
        """Whether the audio must be encoded before decoding: no-speech gate or language ID."""
        return not self.use_vad or (not language and len(self.languages) > 1)

    def _encode(self, speech: np.ndarray):
        """Encoder output for the first 30 s of ``speech`` (shared by the checks below)."""
        import torch
        import whisper

        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(speech), self._model.dims.n_mels,
                                          device=self._model.device)
        if self.device == "cuda":  # whisper.decode insists features match its fp16 option
            mel = mel.half()
        with torch.inference_mode():
            return self._model.embed_audio(mel[None])

    def _check_speech(self, features) -> None:
        """Without VAD, Whisper's no-speech probability is the silence/noise gate.

        It is read without the music prompt: with it, noise decodes as a confident echo of
        the prompt (measured on white noise: no_speech_prob 0.83, avg_logprob -0.6), which
        whisper's own filter keeps.
        """
        import whisper

        options = whisper.DecodingOptions(without_timestamps=True, sample_len=1,
                                          fp16=self.device == "cuda")
        no_speech = whisper.decode(self._model, features, options)[0].no_speech_prob
        if no_speech > NO_SPEECH_PROB:
            raise NoSpeechError(NO_SPEECH_MESSAGE)

    def _pick_language(self, features, language: str | None) -> tuple[str, float]:
        """The given language, or the most likely of the configured ones."""
        return language_candidates(
            language, self.languages,
            lambda: self._model.detect_language(features)[1][0].items())[0]
