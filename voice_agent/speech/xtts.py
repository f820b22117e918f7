"""Coqui XTTS v2: zero-shot voice cloning from ``speaker_wav``, for users who have its weights.

XTTS v2 weights (CPML licence, non-commercial) cannot be had from a package registry, so
this backend loads a local checkpoint folder the user points at (``--xtts-dir``) in the
Hugging Face ``coqui/XTTS-v2`` layout: ``config.json``, ``model.pth``, ``vocab.json`` (and
``speakers_xtts.pth``, which the cloned voice does not need). The folder is checked before
the slow import and load: a missing file or a checkpoint of another architecture gets one
line naming it.

The conditioning latents of a speaker recording are computed once and cached under
``$VOICE_AGENT_HOME/speakers/<sha256>-xtts/<checkpoint>.pt`` (XTTS's own API recomputes them
on every call). The pipeline streams sentence by sentence, each made whole by XTTS's
``inference``; :meth:`XttsSpeaker.stream_sentence` streams within a sentence
(``inference_stream``) for a player that starts on the first chunk. Every sentence's
length is bounded by its text, so a model that never says "stop" still ends. Languages: en, es
(and the others the checkpoint's config lists). Output is 24 kHz.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError, VoiceAgentError
from voice_agent.core.models import cache_home
from voice_agent.core.types import Audio
from voice_agent.speech.enrol import load_enrolment_clip
from voice_agent.speech.streaming import SentenceSpeaker

log = logging.getLogger(__name__)

XTTS_RATE = 24_000
REQUIRED_FILES = ("config.json", "model.pth", "vocab.json")
HINT = ("Download the Coqui XTTS v2 checkpoint (coqui/XTTS-v2, CPML licence) on a machine "
        "with internet and pass its folder with --xtts-dir, or use the default cloned voice "
        "(--voice-backend kokoro-clone).")
#: Slowest speech the length bound allows for: characters per second, plus a second.
SLOWEST_CHARS_PER_S = 8.0


@dataclass(frozen=True)
class XttsCheckpoint:
    """A checked checkpoint folder and the sizes its config.json declares."""

    folder: Path
    layers: int
    width: int
    audio_tokens: int
    languages: tuple[str, ...]


def _mismatch(folder: Path, what: str) -> ModelNotFoundError:
    return ModelNotFoundError(f"XTTS v2 checkpoint folder {folder}: {what}. {HINT}")


def check_checkpoint(folder: str | Path | None) -> XttsCheckpoint:
    """The checkpoint folder's layout and sizes, or ModelNotFoundError saying what is wrong.

    Reads only config.json and vocab.json (milliseconds): run before the import and load.
    """
    if folder is None:
        raise ModelNotFoundError(f"The XTTS v2 voice needs a checkpoint folder. {HINT}")
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ModelNotFoundError(f"XTTS v2 checkpoint folder {folder} does not exist. {HINT}")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelNotFoundError(
            f"XTTS v2 checkpoint folder {folder} lacks {', '.join(missing)}. {HINT}")
    config = _read_json(folder, "config.json")
    if config.get("model") != "xtts" or not isinstance(config.get("model_args"), dict):
        kind = config.get("model") or config.get("model_type") or "unknown"
        raise _mismatch(folder, f"config.json describes a '{kind}' model, not XTTS")
    if not isinstance(_read_json(folder, "vocab.json").get("model"), dict):
        raise _mismatch(folder, "vocab.json is not a tokenizer file")
    args = config["model_args"]
    return XttsCheckpoint(folder, int(args.get("gpt_layers", 30)),
                          int(args.get("gpt_n_model_channels", 1024)),
                          int(args.get("gpt_num_audio_tokens", 1026)),
                          tuple(config.get("languages") or ()))


def _read_json(folder: Path, name: str) -> dict:
    try:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _mismatch(folder, f"{name} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _mismatch(folder, f"{name} is not a JSON object")
    return data


def check_weights(checkpoint: XttsCheckpoint, state: dict) -> None:
    """Raise ModelNotFoundError when model.pth's tensors disagree with config.json."""
    embedding = state.get("gpt.mel_embedding.weight")
    if embedding is None:
        raise _mismatch(checkpoint.folder, "model.pth holds no XTTS GPT weights")
    layers = len({key.split(".")[3] for key in state if key.startswith("gpt.gpt.h.")})
    found = (layers, int(embedding.shape[1]), int(embedding.shape[0]))
    declared = (checkpoint.layers, checkpoint.width, checkpoint.audio_tokens)
    if found != declared:
        raise _mismatch(checkpoint.folder, (
            "model.pth has {} GPT layers of width {} and {} audio tokens, config.json says {} "
            "of width {} and {} (an XTTS v1 checkpoint, or another config)").format(*found, *declared))


def _import_xtts():
    try:
        from TTS.tts.configs.xtts_config import XttsConfig
        from TTS.tts.models.xtts import Xtts
    except Exception as exc:  # ImportError, or torchaudio failing against the installed torch
        log.warning("coqui-tts could not be imported: %s: %s", type(exc).__name__, exc)
        raise MissingDependencyError("coqui-tts", "xtts", "The XTTS v2 voice") from exc
    return XttsConfig, Xtts


def checkpoint_fingerprint(folder: Path) -> str:
    """A short id of the weights (config, size and first MiB of model.pth): latents depend
    on the checkpoint, so two checkpoints never share cached latents."""
    digest = hashlib.sha256((folder / "config.json").read_bytes())
    weights = folder / "model.pth"
    digest.update(str(weights.stat().st_size).encode())
    with weights.open("rb") as handle:
        digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:16]


class XttsSpeaker(SentenceSpeaker):
    """Speech cloned from ``speaker_wav`` by XTTS v2 (CPU or GPU through torch).

    ``stream_chunk_size``: GPT tokens per streamed chunk (20 tokens ~ 0.93 s of audio).
    ``max_sentence_s``: optional cap on one sentence's audio (tests keep it short).
    """

    def __init__(self, checkpoint_dir: str | Path | None, speaker_wav: str | Path,
                 device: str = "cpu", stream_chunk_size: int = 20,
                 max_sentence_s: float | None = None) -> None:
        self.checkpoint_dir = checkpoint_dir
        self.speaker_wav = Path(speaker_wav)
        self.device = device
        self.stream_chunk_size = int(stream_chunk_size)
        self.max_sentence_s = max_sentence_s
        self.sample_rate = XTTS_RATE
        self.model_id = "xtts-v2"
        self.latents_cached: bool | None = None
        self._model = None
        self._config = None
        self._latents = None

    def load(self) -> None:
        """Check the folder, import coqui-tts, load the model and the speaker latents (once)."""
        if self._model is not None:
            return
        checkpoint = check_checkpoint(self.checkpoint_dir)  # before the import: cheaper, clearer
        clip = load_enrolment_clip(self.speaker_wav, 22_050)  # the speaker-clip checks
        XttsConfig, Xtts = _import_xtts()
        config = XttsConfig()
        config.load_json(str(checkpoint.folder / "config.json"))
        model = Xtts(config)
        self._load_weights(model, config, checkpoint)
        self._model, self._config = model.to(self.device), config
        self._latents = self._speaker_latents(clip.sha256, checkpoint.folder)
        self.model_id = f"xtts-v2:{checkpoint.folder.name}"
        self.voice_identity = f"{self.model_id}:{clip.sha256[:16]}"

    @staticmethod
    def _load_weights(model, config, checkpoint: XttsCheckpoint) -> None:
        """XTTS's own load_checkpoint, after a shape check of model.pth (memory-mapped)."""
        import torch

        state = torch.load(checkpoint.folder / "model.pth", map_location="cpu", mmap=True,
                           weights_only=True)
        check_weights(checkpoint, state.get("model", state))
        del state
        model.load_checkpoint(config, checkpoint_dir=str(checkpoint.folder), eval=True)

    def _speaker_latents(self, sha256: str, folder: Path):
        """Conditioning latents for the recording, from the cache or computed and cached."""
        import torch

        path = cache_home() / "speakers" / f"{sha256}-xtts" / f"{checkpoint_fingerprint(folder)}.pt"
        self.latents_cached = path.is_file()
        if self.latents_cached:
            cached = torch.load(path, map_location=self.device, weights_only=True)
            return cached["gpt_cond_latent"], cached["speaker_embedding"]
        config = self._config
        latent, embedding = self._model.get_conditioning_latents(
            audio_path=[str(self.speaker_wav)], gpt_cond_len=config.gpt_cond_len,
            gpt_cond_chunk_len=config.gpt_cond_chunk_len, max_ref_length=config.max_ref_len,
            sound_norm_refs=config.sound_norm_refs)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"gpt_cond_latent": latent.cpu(), "speaker_embedding": embedding.cpu()}, path)
        return latent, embedding

    def max_audio_tokens(self, sentence: str) -> int:
        """The GPT's token bound for one sentence: slow speech of its length, plus a second,
        within the model's own maximum; random weights never emit the stop token."""
        seconds = 1.0 + len(sentence) / SLOWEST_CHARS_PER_S
        if self.max_sentence_s is not None:
            seconds = min(seconds, self.max_sentence_s)
        args = self._config.model_args
        tokens_per_s = args.input_sample_rate / args.gpt_code_stride_len
        return max(1, min(math.ceil(seconds * tokens_per_s), self._model.gpt.max_gen_mel_tokens))

    def _check_language(self, language: str) -> None:
        languages = self._config.languages
        if languages and language not in languages:
            raise VoiceAgentError(f"This XTTS checkpoint does not speak '{language}' "
                                  f"(it knows {', '.join(languages)}).")

    def _sampling(self, sentence: str) -> dict:
        """The checkpoint's own sampling settings and this sentence's length bound."""
        config = self._config
        return dict(temperature=config.temperature, length_penalty=config.length_penalty,
                    repetition_penalty=config.repetition_penalty, top_k=config.top_k,
                    top_p=config.top_p, max_new_tokens=self.max_audio_tokens(sentence))

    def stream_sentence(self, sentence: str, language: str) -> Iterator[Audio]:
        """One sentence as XTTS streams it: a chunk every ``stream_chunk_size`` GPT tokens.

        For a player that starts on the first chunk. Each chunk re-decodes the sentence's
        audio so far (coqui's overlap-and-crossfade), so the whole sentence costs more
        than :meth:`synthesize`.
        """
        self.load()
        self._check_language(language)
        latent, embedding = self._latents
        chunks = self._model.inference_stream(sentence, language, latent, embedding,
                                              stream_chunk_size=self.stream_chunk_size,
                                              **self._sampling(sentence))
        for chunk in chunks:
            samples = chunk.detach().float().cpu().numpy().reshape(-1)
            yield Audio(samples.astype(np.float32), XTTS_RATE)

    def synthesize(self, sentence: str, language: str) -> Audio:
        """Speak one sentence in the cloned voice (one GPT pass, one HiFi-GAN decode).

        The pipeline streams sentence by sentence (:meth:`stream`); within a sentence it
        takes the whole, which XTTS's ``inference`` makes at less cost than its stream.
        """
        self.load()
        self._check_language(language)
        latent, embedding = self._latents
        out = self._model.inference(sentence, language, latent, embedding,
                                    **self._sampling(sentence))
        samples = np.asarray(out["wav"], dtype=np.float32).reshape(-1)
        return Audio(samples, XTTS_RATE)
