"""CLAP (contrastive language-audio pretraining) from a local folder: text-audio scores and tags.

transformers' ``ClapModel`` and ``ClapProcessor`` load the folder (laion/clap-htsat-unfused's
layout; ``scripts/make_random_checkpoints.py --kind clap|clap-tiny`` writes one with random
weights). The score is the cosine of the text's and the audio's embeddings (-1..1), the
adherence figure of the MusicGen literature; zero-shot tags are the labels whose text
embeddings lie nearest the audio's (a softmax over the scaled cosines).

Honesty: with random weights (the only ones this project could test with) the score and
the tags are noise. Nothing here has been run with trained CLAP weights.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError
from voice_agent.core.types import Audio, ClipScore, MusicPlan

log = logging.getLogger(__name__)

CLAP_RATE = 48_000
#: the unfused model hears 10 s; a longer clip is scored on its middle 10 s (deterministic,
#: unlike the extractor's random crop)
CLAP_SECONDS = 10.0


@dataclass(frozen=True)
class Tag:
    """One zero-shot label and its probability among its label set."""

    label: str
    probability: float


class ClapScorer:
    """Text-audio cosine scores and zero-shot tags from a local CLAP folder."""

    scorer = "clap"

    def __init__(self, model_dir: str | Path, device: str = "cpu") -> None:
        self.model_dir = Path(model_dir)
        self.device = device
        #: scripts/make_random_checkpoints.py marks its folders; the id says so, and the
        #: Compose tab warns that such a score means nothing
        self.random_weights = (self.model_dir / "RANDOM_WEIGHTS.txt").is_file()
        self.model_id = f"clap:{self.model_dir.name}" + (
            " (random weights)" if self.random_weights else "")
        self.model = None
        self.processor = None
        self.load_s: float | None = None

    def load(self) -> None:
        """Load the model and processor (idempotent); a missing folder is the user's to fix."""
        if self.model is not None:
            return
        if not (self.model_dir / "config.json").is_file():
            raise ModelNotFoundError(f"No CLAP model in {self.model_dir}: the folder needs "
                                     "config.json, the weights and the processor files.")
        try:
            import torch  # noqa: F401
            from transformers import ClapModel, ClapProcessor
        except ImportError:
            raise MissingDependencyError("transformers", "musicgen", "CLAP scoring") from None
        start = time.perf_counter()
        try:
            self.processor = ClapProcessor.from_pretrained(self.model_dir)
            self.model = ClapModel.from_pretrained(self.model_dir).eval().to(self.device)
        except (OSError, ValueError) as exc:
            raise ModelNotFoundError(f"Cannot load CLAP from {self.model_dir}: {exc}") from None
        self.load_s = time.perf_counter() - start

    def audio_embedding(self, audio: Audio) -> np.ndarray:
        """The unit-length embedding of ``audio`` (its middle ``CLAP_SECONDS``)."""
        import torch

        self.load()
        samples = _middle(_at_rate(audio), int(CLAP_SECONDS * CLAP_RATE))
        inputs = self.processor(audio=[samples], sampling_rate=CLAP_RATE, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.no_grad():
            found = self.model.get_audio_features(**inputs)
        return _unit(_tensor(found))[0]

    def text_embeddings(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts``, one row each."""
        import torch

        self.load()
        inputs = self.processor(text=list(texts), return_tensors="pt", padding=True,
                                truncation=True)
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.no_grad():
            found = self.model.get_text_features(**inputs)
        return _unit(_tensor(found))

    def similarity(self, text: str, audio: Audio) -> float:
        """The cosine of ``text``'s and ``audio``'s embeddings (-1..1)."""
        return float(self.text_embeddings([text])[0] @ self.audio_embedding(audio))

    def score(self, audio: Audio, plan: MusicPlan, prompt: str) -> ClipScore:
        """A :class:`ClipScore` of ``audio`` against ``prompt`` (the plan unused: CLAP
        judges the words)."""
        return ClipScore(self.similarity(prompt, audio), self.scorer, self.model_id)

    def tags(self, audio: Audio, labels: Sequence[str], template: str = "{}",
             top: int = 3, embedding: np.ndarray | None = None) -> tuple[Tag, ...]:
        """The ``top`` labels nearest ``audio``, each phrased through ``template``."""
        audio_vector = self.audio_embedding(audio) if embedding is None else embedding
        cosines = self.text_embeddings([template.format(label) for label in labels]) @ audio_vector
        scale = float(self.model.logit_scale_a.exp().item()) if self.model is not None else 1.0
        logits = scale * cosines
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities)[:top]
        return tuple(Tag(labels[i], float(probabilities[i])) for i in order)


def _tensor(found) -> np.ndarray:
    """transformers 5 may hand back a model output instead of a tensor: take its embeddings."""
    if not hasattr(found, "detach"):
        found = getattr(found, "pooler_output", None) if getattr(found, "pooler_output", None) \
            is not None else found[0]
    return found.detach().cpu().float().numpy()


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def _at_rate(audio: Audio) -> np.ndarray:
    from voice_agent.core.audio import resample

    return resample(audio, CLAP_RATE).samples


def _middle(samples: np.ndarray, length: int) -> np.ndarray:
    if len(samples) <= length:
        return samples
    start = (len(samples) - length) // 2
    return samples[start:start + length]
