"""Coqui XTTS v2: zero-shot voice cloning from ``speaker_wav``, for users who have its weights.

XTTS v2 weights (CPML licence, non-commercial) cannot be had from a package registry, so
this backend loads a local checkpoint folder the user points at (``--xtts-dir``) holding
``config.json``, ``model.pth`` and ``vocab.json`` (the Hugging Face ``coqui/XTTS-v2``
layout). The conditioning latents of a speaker recording are computed once and cached
under ``$VOICE_AGENT_HOME/speakers/<sha256>-xtts/``. Languages: en, es (and the others
XTTS v2 knows). Output is 24 kHz.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError
from voice_agent.core.models import cache_home
from voice_agent.core.types import Audio
from voice_agent.speech.enrol import load_enrolment_clip
from voice_agent.speech.streaming import SentenceSpeaker

log = logging.getLogger(__name__)

XTTS_RATE = 24_000
REQUIRED_FILES = ("config.json", "model.pth", "vocab.json")


def check_checkpoint(folder: str | Path | None) -> Path:
    """Return the checkpoint folder, or raise ModelNotFoundError saying what is missing."""
    hint = ("Download the Coqui XTTS v2 checkpoint (coqui/XTTS-v2, CPML licence) on a "
            "machine with internet and pass its folder with --xtts-dir, or use the default "
            "cloned voice (--voice-backend kokoro-clone).")
    if folder is None:
        raise ModelNotFoundError(f"The XTTS v2 voice needs a checkpoint folder. {hint}")
    folder = Path(folder).expanduser()
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelNotFoundError(
            f"XTTS v2 checkpoint folder {folder} lacks {', '.join(missing)}. {hint}")
    return folder


def _import_xtts():
    try:
        from TTS.tts.configs.xtts_config import XttsConfig
        from TTS.tts.models.xtts import Xtts
    except Exception as exc:  # ImportError, or torchaudio failing against the installed torch
        log.warning("coqui-tts could not be imported: %s: %s", type(exc).__name__, exc)
        raise MissingDependencyError("coqui-tts", "xtts", "The XTTS v2 voice") from exc
    return XttsConfig, Xtts


class XttsSpeaker(SentenceSpeaker):
    """Speech cloned from ``speaker_wav`` by XTTS v2 (CPU or GPU through torch)."""

    def __init__(self, checkpoint_dir: str | Path | None, speaker_wav: str | Path,
                 device: str = "cpu") -> None:
        self.checkpoint_dir = checkpoint_dir
        self.speaker_wav = Path(speaker_wav)
        self.device = device
        self.sample_rate = XTTS_RATE
        self.model_id = "xtts-v2"
        self._model = None
        self._latents = None

    def load(self) -> None:
        """Check weights, import coqui-tts, load the model and the speaker latents (once)."""
        if self._model is not None:
            return
        folder = check_checkpoint(self.checkpoint_dir)  # before the import: cheaper, clearer
        clip = load_enrolment_clip(self.speaker_wav, 22_050)  # validates; XTTS reads the file
        XttsConfig, Xtts = _import_xtts()
        config = XttsConfig()
        config.load_json(str(folder / "config.json"))
        model = Xtts.init_from_config(config)
        model.load_checkpoint(config, checkpoint_dir=str(folder), eval=True)
        self._model = model.to(self.device)
        self._latents = self._speaker_latents(clip.sha256)
        self.model_id = f"xtts-v2:{folder.name}"

    def _speaker_latents(self, sha256: str):
        """Conditioning latents for the recording, from the cache or computed and cached."""
        import torch

        path = cache_home() / "speakers" / f"{sha256}-xtts" / "latents.pt"
        if path.is_file():
            cached = torch.load(path, map_location=self.device)
            return cached["gpt_cond_latent"], cached["speaker_embedding"]
        latent, embedding = self._model.get_conditioning_latents(audio_path=[str(self.speaker_wav)])
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"gpt_cond_latent": latent, "speaker_embedding": embedding}, path)
        return latent, embedding

    def synthesize(self, sentence: str, language: str) -> Audio:
        """Speak one sentence in the cloned voice."""
        latent, embedding = self._latents
        out = self._model.inference(sentence, language, latent, embedding)
        wav = out["wav"]
        samples = wav.detach().cpu().numpy() if hasattr(wav, "detach") else np.asarray(wav)
        return Audio(samples.astype(np.float32).reshape(-1), XTTS_RATE)
