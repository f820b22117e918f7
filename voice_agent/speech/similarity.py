"""Speaker similarity: cosine of Resemblyzer (GE2E) speaker embeddings.

The encoder weights ship inside the ``Resemblyzer`` wheel (Apache-2.0). Same speaker
scores around 0.9 and other voices around 0.5–0.7. Used to build the cloned voice (against
the enrolment clip) and to measure it (against a held-out clip of the same speaker).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from voice_agent.core.audio import resample
from voice_agent.core.errors import MissingDependencyError
from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

ENCODER_RATE = 16_000


class SpeakerEncoder:
    """Lazily loaded Resemblyzer voice encoder; ``embed`` gives a unit 256-d vector."""

    model_id = "resemblyzer-0.1.4-ge2e"

    def __init__(self) -> None:
        self._encoder = None

    def load(self) -> None:
        """Load the encoder weights bundled in the Resemblyzer package (idempotent)."""
        if self._encoder is not None:
            return
        try:
            # Resemblyzer imports a deprecated scipy path and webrtcvad imports pkg_resources;
            # both warn on every start and neither is ours to fix.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from resemblyzer import VoiceEncoder
        except ImportError as exc:
            raise MissingDependencyError("Resemblyzer", "speech",
                                         "Speaker similarity (voice cloning)") from exc
        self._encoder = VoiceEncoder("cpu", verbose=False)

    def embed(self, audio: Audio) -> np.ndarray:
        """Speaker embedding of ``audio`` (silences trimmed by Resemblyzer's VAD)."""
        self.load()  # first: it imports resemblyzer with its import-time warnings silenced
        from resemblyzer import preprocess_wav

        samples = resample(audio, ENCODER_RATE).samples
        wav = preprocess_wav(samples, source_sr=ENCODER_RATE)
        if len(wav) < ENCODER_RATE // 2:  # VAD removed almost everything: use the raw clip
            wav = samples
        return self._encoder.embed_utterance(wav)

    def similarity(self, audio: Audio, reference: np.ndarray | Audio) -> float:
        """Cosine similarity of ``audio`` to a reference clip or embedding."""
        ref = self.embed(reference) if isinstance(reference, Audio) else reference
        return cosine(self.embed(audio), ref)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (0.0 when either is all zeros)."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norm) if norm else 0.0
