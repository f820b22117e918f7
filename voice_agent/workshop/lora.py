"""LoRA fine-tuning of MusicGen's decoder on captioned audio (``voice-agent train-lora``).

The text encoder (T5) and the audio codec (EnCodec) stay frozen; low-rank adapters
(PEFT LoRA) go on the decoder's attention projections, self- and cross-attention. Each
clip is encoded once into EnCodec codes (cached on disk, :mod:`lora_data`), laid out in
MusicGen's delay pattern (codebook k shifted right by k steps, as generation reads them)
and the decoder learns to predict them from the caption: the mean over codebooks of the
per-step cross-entropy, the loss MusicGen itself was trained with.

A run holds out a validation split, checkpoints after every epoch (adapter, optimizer,
epoch, RNG state) and can resume; the output folder is a standard PEFT adapter
(``adapter_config.json``, ``adapter_model.safetensors``) with ``training.json`` (per-epoch
losses, settings, seconds) and ``loss_curve.png`` beside it.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from voice_agent.core.errors import ConfigError, MissingDependencyError, VoiceAgentError
from voice_agent.music.musicgen import MELODY_TYPE, check_folder
from voice_agent.workshop.lora_data import (CaptionDataset, CodesCache, SkippedRow,
                                            TrainingRow, default_cache_dir, read_dataset)
from voice_agent.workshop.lora_plot import write_loss_curve

log = logging.getLogger(__name__)

#: The decoder's attention projections, self- and cross-attention, in every layer (and
#: nothing in the T5 text encoder, whose projections are named q, k, v, o).
TARGET_MODULES = (r".*decoder\.model\.decoder\.layers\.\d+\."
                  r"(self_attn|encoder_attn)\.(q_proj|k_proj|v_proj|out_proj)")
CHECKPOINT = "checkpoint"
RECORD, CURVE = "training.json", "loss_curve.png"


@dataclass(frozen=True)
class LoraSettings:
    """Hyperparameters of a run. ``validation_fraction`` of the clips (at least one) is
    held out; ``max_seconds`` caps each clip (its start is kept)."""

    rank: int = 8
    alpha: float = 16.0
    dropout: float = 0.05
    lr: float = 2e-4
    epochs: int = 10
    batch_size: int = 2
    max_seconds: float = 10.0
    validation_fraction: float = 0.2
    seed: int = 0
    device: str = "cpu"

    def check(self) -> None:
        """ConfigError naming the first value out of range."""
        limits = (("rank", 1, 512), ("alpha", 1e-6, 1e6), ("dropout", 0.0, 0.9),
                  ("lr", 1e-9, 1.0), ("epochs", 1, 100_000), ("batch_size", 1, 4096),
                  ("max_seconds", 0.01, 600.0), ("validation_fraction", 0.01, 0.9),
                  ("seed", 0, 2**32 - 1))
        for name, low, high in limits:
            value = getattr(self, name)
            if not low <= value <= high:
                raise ConfigError(f"LoRA setting {name}={value} is out of range "
                                  f"({low:g} to {high:g}).")

    def fixed(self) -> dict[str, object]:
        """The settings a resumed run must share with the run it continues."""
        return {k: v for k, v in asdict(self).items() if k not in ("epochs", "device")}


@dataclass(frozen=True)
class EpochResult:
    """One epoch's mean training loss, validation loss and wall time (``seconds``, the
    validation pass included); ``step_seconds`` and ``step_cpu_seconds`` are the training
    steps' wall and process CPU time (CPU time is the fairer figure on a shared machine)."""

    epoch: int
    train_loss: float
    validation_loss: float
    seconds: float
    steps: int
    step_seconds: float = 0.0
    step_cpu_seconds: float = 0.0


@dataclass(frozen=True)
class TrainingEvent:
    """Progress for the CLI and the web tab: ``kind`` "encode" (``done`` of ``total``
    clips), "epoch" (``epoch`` set) or "note" (``message``)."""

    kind: str
    done: int = 0
    total: int = 0
    message: str = ""
    epoch: EpochResult | None = None


@dataclass(frozen=True)
class TrainingResult:
    """What a finished run wrote and measured."""

    adapter_dir: Path
    record_path: Path
    curve_path: Path
    epochs: tuple[EpochResult, ...]
    initial_validation_loss: float
    skipped: tuple[SkippedRow, ...]
    train_clips: int
    validation_clips: int
    encoded: int
    cached: int
    resumed_from: int | None


@dataclass(frozen=True)
class Example:
    """An encoded clip: codes (codebooks x frames) and its caption."""

    codes: np.ndarray
    caption: str
    line: int


def _nothing(_event: TrainingEvent) -> None:
    pass


def train_lora(data: str | Path, base: str | Path, out: str | Path,
               settings: LoraSettings = LoraSettings(), resume: bool = False,
               cache_dir: str | Path | None = None,
               on_event: Callable[[TrainingEvent], None] = _nothing) -> TrainingResult:
    """Train a LoRA adapter on ``base`` (a MusicGen folder) from the JSON lines ``data``.

    Everything a person can get wrong (the data file, the base folder, the settings, an
    --out that already holds a run, a --resume with nothing to resume) is told in one
    line before the model loads.
    """
    settings.check()
    dataset = read_dataset(data)
    base, out = Path(base).expanduser(), Path(out).expanduser()
    config = _check_base(base, settings)
    _check_out(out, resume)
    if len(dataset.rows) < 2:
        raise ConfigError(f"{dataset.source}: {len(dataset.rows)} usable row(s) "
                          f"({len(dataset.skipped)} skipped); training needs at least 2 (one "
                          "to train on, one to validate).")
    trainer = _Trainer(base, out, settings, config, on_event)
    return trainer.run(dataset, resume, Path(cache_dir) if cache_dir else default_cache_dir())


def _check_base(base: Path, settings: LoraSettings) -> dict:
    """The base's config.json, after the checks that need no model load."""
    kind = check_folder(base)
    if kind == MELODY_TYPE:
        raise ConfigError(f"{base} holds MusicGen melody weights; train-lora trains the "
                          "text-only MusicGen (e.g. musicgen-small).")
    config = json.loads((base / "config.json").read_text(encoding="utf-8"))
    codec, decoder = config.get("audio_encoder") or {}, config.get("decoder") or {}
    frame_rate = _frame_rate(codec)
    frames = math.ceil(settings.max_seconds * frame_rate) + decoder.get("num_codebooks", 4)
    longest = decoder.get("max_position_embeddings", 2048)
    if frames > longest:
        raise ConfigError(f"--max-seconds {settings.max_seconds:g} is {frames} decoder steps "
                          f"at {frame_rate:g} per second; this decoder takes at most {longest}: "
                          f"use --max-seconds {(longest - 8) / frame_rate:.1f} or less.")
    return config


def _frame_rate(codec: dict) -> float:
    """EnCodec frames per second from its config (sampling rate / hop length)."""
    hop = int(np.prod(codec.get("upsampling_ratios") or [8, 5, 4, 2]))
    return codec.get("sampling_rate", 24_000) / hop


def _check_out(out: Path, resume: bool) -> None:
    has_run = (out / CHECKPOINT / "state.json").is_file()
    if resume and not has_run:
        raise ConfigError(f"Nothing to resume in {out}: it holds no checkpoint. Start a run "
                          "there without --resume.")
    if has_run and not resume:
        raise ConfigError(f"{out} already holds a training run: pass --resume to continue it, "
                          "or choose another --out.")


def _import_training():
    try:
        import peft
        import torch
        import transformers
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "peft", "workshop",
                                     "LoRA training (voice-agent train-lora)") from None
    return torch, transformers, peft


class _Trainer:
    """One run: the model, its adapter, the optimizer and the history so far."""

    def __init__(self, base: Path, out: Path, settings: LoraSettings, config: dict,
                 on_event: Callable[[TrainingEvent], None]) -> None:
        self.base, self.out, self.settings, self.on_event = base, out, settings, on_event
        self.random_weights = (base / "RANDOM_WEIGHTS.txt").is_file()
        self.history: list[EpochResult] = []
        self.initial_validation = float("nan")
        self.resumed_from: int | None = None
        self.torch, self.transformers, self.peft = _import_training()

    # --- set-up ---------------------------------------------------------------------

    def run(self, dataset: CaptionDataset, resume: bool, cache_dir: Path) -> TrainingResult:
        """Encode, split, train the remaining epochs, write the adapter and the record."""
        torch = self.torch
        torch.manual_seed(self.settings.seed)
        self._load_model()
        examples, dataset = self._encode(dataset, cache_dir)
        train, validation = split(examples, self.settings.validation_fraction, self.settings.seed)
        self.dataset, self.train, self.validation = dataset, train, validation
        self._attach_adapter()
        if resume:
            self._restore()
        else:
            self.initial_validation = self._validation_loss()
        if len(self.history) >= self.settings.epochs:
            raise ConfigError(f"{self.out} already holds {len(self.history)} epoch(s); ask "
                              "for more with --epochs.")
        for epoch in range(len(self.history) + 1, self.settings.epochs + 1):
            result = self._epoch(epoch)
            self.history.append(result)
            self._save(epoch)
            self.on_event(TrainingEvent("epoch", epoch, self.settings.epochs, epoch=result))
        self._save(len(self.history), checkpoint=False)
        return self._result()

    def _load_model(self) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.on_event(TrainingEvent("note", message=f"loading {self.base}"))
        model = self.transformers.MusicgenForConditionalGeneration.from_pretrained(
            self.base, local_files_only=True, dtype=self.torch.float32)
        self.model = model.to(self.settings.device)
        self.tokenizer = self.transformers.AutoTokenizer.from_pretrained(
            self.base, local_files_only=True)
        decoder = model.config.decoder
        self.codebooks, self.pad = decoder.num_codebooks, decoder.pad_token_id
        start = getattr(model.generation_config, "decoder_start_token_id", None)
        self.start = decoder.bos_token_id if start is None else start
        self.rate = model.config.audio_encoder.sampling_rate

    def codec_id(self) -> str:
        """A hash of the codec's weights and the codebooks used: the cache's model key."""
        import hashlib

        digest = hashlib.sha256(f"{self.codebooks}|{self.rate}".encode())
        for name, tensor in sorted(self.model.audio_encoder.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:24]

    def _encode(self, dataset: CaptionDataset, cache_dir: Path
                ) -> tuple[list[Example], CaptionDataset]:
        """Every row's codes (from the cache or EnCodec); unreadable audio is skipped."""
        self.cache = CodesCache(cache_dir, self.codec_id(), self.settings.max_seconds)
        examples, unreadable = [], []
        for done, row in enumerate(dataset.rows, start=1):
            if not row.audio.is_file():
                unreadable.append(SkippedRow(row.line, str(row.audio), "audio file not found"))
                continue
            try:
                codes = self.cache.codes(row.audio, self._encode_file)
                examples.append(Example(codes, row.caption, row.line))
            except (VoiceAgentError, OSError) as exc:
                unreadable.append(SkippedRow(row.line, str(row.audio), f"audio: {exc}"))
            self.on_event(TrainingEvent("encode", done, len(dataset.rows)))
        dataset = dataset.with_skipped(unreadable)
        if len(examples) < 2:
            raise ConfigError(f"{dataset.source}: only {len(examples)} clip(s) could be read "
                              f"({len(dataset.skipped)} skipped); training needs at least 2.")
        return examples, dataset

    def _encode_file(self, path: Path) -> np.ndarray:
        """EnCodec codes of the file's first ``max_seconds``, the decoder's codebooks."""
        from voice_agent.core.audio import read_audio
        from voice_agent.core.errors import AudioInputError

        torch = self.torch
        samples = read_audio(path, rate=self.rate).samples
        samples = samples[: int(self.settings.max_seconds * self.rate)]
        if len(samples) < self.rate // 100:
            raise AudioInputError(f"{path} holds under 10 ms of audio.")
        wave = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
        with torch.no_grad():
            codes = self.model.audio_encoder.encode(wave[None, None].to(self.settings.device))
        return codes.audio_codes[0, 0, : self.codebooks].cpu().numpy()

    def _attach_adapter(self) -> None:
        settings = self.settings
        lora = self.peft.LoraConfig(r=settings.rank, lora_alpha=settings.alpha,
                                    lora_dropout=settings.dropout,
                                    target_modules=TARGET_MODULES)
        self.torch.manual_seed(settings.seed)  # the adapter's initial A matrices
        self.peft_model = self.peft.get_peft_model(self.model, lora)
        trainable = [p for p in self.peft_model.parameters() if p.requires_grad]
        self.optimizer = self.torch.optim.AdamW(trainable, lr=settings.lr)

    # --- one epoch ------------------------------------------------------------------

    def _epoch(self, epoch: int) -> EpochResult:
        torch = self.torch
        self.peft_model.train()
        started, cpu_started = time.perf_counter(), time.process_time()
        # the order depends on the seed and the epoch only, so a resumed run sees the same
        order = torch.randperm(len(self.train),
                               generator=torch.Generator().manual_seed(self.settings.seed + epoch))
        losses = []
        size = self.settings.batch_size
        for start in range(0, len(order), size):
            batch = [self.train[int(i)] for i in order[start:start + size]]
            loss = self._loss(batch)
            self.optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(
                [p for p in self.peft_model.parameters() if p.requires_grad], 1.0)
            self.optimizer.step()
            losses.append(float(loss.detach()) * len(batch))
        train_loss = sum(losses) / len(self.train)
        step_seconds = time.perf_counter() - started
        step_cpu = time.process_time() - cpu_started
        validation = self._validation_loss()
        return EpochResult(epoch, train_loss, validation, time.perf_counter() - started,
                           len(losses), step_seconds, step_cpu)

    def _validation_loss(self) -> float:
        """Mean loss over the held-out clips (dropout off, no gradients)."""
        torch = self.torch
        self.peft_model.eval()
        total = 0.0
        with torch.no_grad():
            for start in range(0, len(self.validation), self.settings.batch_size):
                batch = self.validation[start:start + self.settings.batch_size]
                total += float(self._loss(batch)) * len(batch)
        return total / len(self.validation)

    def _loss(self, batch: list[Example]):
        """The model's loss on ``batch``: captions in, delayed codes as labels."""
        torch = self.torch
        text = self.tokenizer([e.caption for e in batch], return_tensors="pt", padding=True,
                              truncation=True, max_length=256)
        labels = torch.from_numpy(delayed_labels([e.codes for e in batch], self.pad))
        decoder_inputs = torch.full_like(labels, self.pad)
        decoder_inputs[:, 0] = self.start
        decoder_inputs[:, 1:] = labels[:, :-1]
        steps = labels.shape[1]
        device = self.settings.device
        output = self.peft_model(
            input_ids=text.input_ids.to(device), attention_mask=text.attention_mask.to(device),
            decoder_input_ids=decoder_inputs.transpose(1, 2).reshape(-1, steps).to(device),
            labels=labels.to(device))
        return output.loss

    # --- checkpoints, record --------------------------------------------------------

    def _save(self, epoch: int, checkpoint: bool = True) -> None:
        """The adapter, record and curve in ``out``; with ``checkpoint`` the resumable
        state in ``out/checkpoint`` (written aside, then swapped in)."""
        self.out.mkdir(parents=True, exist_ok=True)
        self.peft_model.save_pretrained(self.out)
        self._write_record()
        if not checkpoint:
            return
        torch = self.torch
        partial = self.out / f"{CHECKPOINT}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        self.peft_model.save_pretrained(partial)
        torch.save(self.optimizer.state_dict(), partial / "optimizer.pt")
        torch.save({"torch": torch.get_rng_state()}, partial / "rng.pt")
        state = {"epoch": epoch, "settings": self.settings.fixed(),
                 "history": [asdict(e) for e in self.history],
                 "initial_validation_loss": self.initial_validation,
                 "train_lines": [e.line for e in self.train],
                 "validation_lines": [e.line for e in self.validation]}
        (partial / "state.json").write_text(json.dumps(state, indent=2))
        final = self.out / CHECKPOINT
        shutil.rmtree(final, ignore_errors=True)
        partial.rename(final)

    def _restore(self) -> None:
        """Adapter weights, optimizer, history and RNG from ``out/checkpoint``."""
        from safetensors.torch import load_file

        folder = self.out / CHECKPOINT
        state = json.loads((folder / "state.json").read_text())
        if state["settings"] != self.settings.fixed():
            changed = sorted(k for k, v in self.settings.fixed().items()
                             if state["settings"].get(k) != v)
            raise ConfigError(f"--resume: {', '.join(changed)} differ from the run in "
                              f"{self.out}; resume with the same settings (only --epochs may "
                              "grow).")
        if [e.line for e in self.validation] != state["validation_lines"]:
            raise ConfigError(f"--resume: the data's rows changed since the run in {self.out} "
                              "began; start a new run with another --out.")
        weights = load_file(str(folder / "adapter_model.safetensors"))
        self.peft.set_peft_model_state_dict(self.peft_model, weights)
        self.optimizer.load_state_dict(self.torch.load(folder / "optimizer.pt"))
        self.torch.set_rng_state(self.torch.load(folder / "rng.pt")["torch"])
        self.history = [EpochResult(**e) for e in state["history"]]
        self.initial_validation = state["initial_validation_loss"]
        self.resumed_from = state["epoch"]
        self.on_event(TrainingEvent("note", message=f"resuming after epoch {state['epoch']}"))

    def _write_record(self) -> None:
        history = self.history
        steps = sum(e.steps for e in history)
        record = {
            "base": str(self.base), "random_weights": self.random_weights,
            "data": str(self.dataset.source), "adapter": str(self.out),
            "settings": asdict(self.settings), "target_modules": TARGET_MODULES,
            "epochs_done": len(history),
            "train_loss": [e.train_loss for e in history],
            "validation_loss": [e.validation_loss for e in history],
            "initial_validation_loss": self.initial_validation,
            "seconds_per_epoch": [round(e.seconds, 3) for e in history],
            "steps_per_epoch": [e.steps for e in history],
            "seconds_per_step": round(sum(e.step_seconds for e in history) / steps, 4)
            if steps else None,
            "cpu_seconds_per_step": round(sum(e.step_cpu_seconds for e in history) / steps, 4)
            if steps else None,
            "torch_threads": self.torch.get_num_threads(),
            "clips": {"train": len(self.train), "validation": len(self.validation),
                      "encoded": self.cache.encoded, "from_cache": self.cache.cached},
            "skipped": [row.to_dict() for row in self.dataset.skipped],
            "resumed_from_epoch": self.resumed_from,
        }
        (self.out / RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")
        if history:
            title = "LoRA training" + (" (random-weight base)" if self.random_weights else "")
            write_loss_curve(self.out / CURVE, record["train_loss"], record["validation_loss"],
                             title)

    def _result(self) -> TrainingResult:
        return TrainingResult(self.out, self.out / RECORD, self.out / CURVE, tuple(self.history),
                              self.initial_validation, self.dataset.skipped, len(self.train),
                              len(self.validation), self.cache.encoded, self.cache.cached,
                              self.resumed_from)


def delayed_labels(codes: list[np.ndarray], pad: int) -> np.ndarray:
    """(batch, steps, codebooks) labels in MusicGen's delay pattern, ``pad`` elsewhere.

    Codebook k of a clip of T frames sits at steps k .. k+T-1, as generation produces
    them (build_delay_pattern_mask); shorter clips are padded, and the model's loss
    ignores ``pad``.
    """
    codebooks = codes[0].shape[0]
    steps = max(c.shape[1] for c in codes) + codebooks - 1
    labels = np.full((len(codes), codebooks, steps), pad, dtype=np.int64)
    for i, clip in enumerate(codes):
        for k in range(codebooks):
            labels[i, k, k:k + clip.shape[1]] = clip[k]
    return labels.transpose(0, 2, 1).copy()


def split(examples: list, fraction: float, seed: int) -> tuple[list, list]:
    """(train, validation): a seeded shuffle, ``fraction`` held out (at least one each)."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    held = min(len(examples) - 1, max(1, round(fraction * len(examples))))
    validation = sorted(order[:held])
    train = sorted(order[held:])
    return [examples[i] for i in train], [examples[i] for i in validation]


__all__ = ["EpochResult", "LoraSettings", "TrainingEvent", "TrainingResult", "TrainingRow",
           "delayed_labels", "split", "train_lora"]
