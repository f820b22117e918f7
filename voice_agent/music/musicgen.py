"""MusicGen through transformers, for users who have the weights (CC-BY-NC 4.0).

Loads ``MusicgenForConditionalGeneration`` (or the melody variant) from a local folder,
or from the Hugging Face cache by model id with ``HF_HUB_OFFLINE=1``; nothing is ever
downloaded. The text prompt is the responder's music prompt, or a description built
from the plan; duration, seed and the sampling settings come from the plan and the
constructor. The melody variant can also follow a melody given as audio. A LoRA adapter
made by ``voice-agent train-lora`` (``lora``) is checked against the base before any
load, then merged into the decoder's attention projections.
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path

import numpy as np

from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError
from voice_agent.music.master import fade, normalize_loudness
from voice_agent.core.plan import normalize_plan
from voice_agent.core.types import Audio, MusicClip, MusicPlan

log = logging.getLogger(__name__)

MELODY_TYPE = "musicgen_melody"
MUSICGEN_TYPES = ("musicgen", MELODY_TYPE)
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")
TOKENIZER_FILES = ("tokenizer.json", "spiece.model")
# MusicgenMelodyFeatureExtractor's defaults; a checkpoint's preprocessor_config.json wins.
MELODY_FEATURES = {"sampling_rate": 32000, "n_fft": 16384, "hop_length": 4096, "chunk_length": 30,
                   "num_chroma": 12}


def describe(plan: MusicPlan) -> str:
    """A MusicGen-style text prompt for a plan ("happy salsa with piano, ... 180 bpm")."""
    genre = plan.genre.replace("_", " ")
    instruments = ", ".join(plan.instruments)
    with_part = f" with {instruments}" if instruments else ""
    return f"{plan.mood} {genre}{with_part}, {plan.key} {plan.mode}, {plan.bpm} bpm"


def _melody_settings(folder: Path) -> dict:
    settings = dict(MELODY_FEATURES)
    config = folder / "preprocessor_config.json"
    if config.is_file():
        saved = json.loads(config.read_text())
        settings.update({k: saved[k] for k in settings if k in saved})
    return settings


def melody_chroma(melody: Audio, settings: dict):  # -> torch.Tensor (1, frames, chroma)
    """The melody model's conditioning: the loudest pitch class per frame, one-hot.

    The same computation as transformers' MusicgenMelodyFeatureExtractor, done with
    torch.stft because that class needs torchaudio, which has no build for this torch.
    """
    import torch
    from transformers.audio_utils import chroma_filter_bank

    from voice_agent.core.audio import resample

    rate, n_fft = settings["sampling_rate"], settings["n_fft"]
    samples = resample(melody, rate).samples[: settings["chunk_length"] * rate]
    wave = torch.from_numpy(np.pad(samples, (0, max(0, n_fft - len(samples)))))
    window = torch.hann_window(n_fft)
    spectrum = torch.stft(wave, n_fft, settings["hop_length"], window=window, center=True,
                          return_complex=True).abs() ** 2
    filters = torch.from_numpy(chroma_filter_bank(
        sampling_rate=rate, num_frequency_bins=n_fft, tuning=0,
        num_chroma=settings["num_chroma"])).float()
    chroma = (filters @ spectrum).T  # frames x chroma
    one_hot = torch.zeros_like(chroma)
    one_hot[torch.arange(len(chroma)), chroma.argmax(-1)] = 1.0
    return one_hot.unsqueeze(0)


def _folder_error(folder: Path, what: str) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"MusicGen checkpoint folder {folder}: {what}. Pass a folder holding a MusicGen "
        "checkpoint (e.g. facebook/musicgen-small: config.json, model.safetensors, "
        "tokenizer files) with --musicgen-model, or use the default composer backend.")


def check_folder(folder: str | Path) -> str:
    """The folder's model type, or ModelNotFoundError naming the missing file or mismatch.

    Reads config.json and the safetensors header only (milliseconds), before any load.
    """
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise _folder_error(folder, "config.json is missing")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _folder_error(folder, f"config.json is not valid JSON ({exc})") from None
    kind = config.get("model_type") if isinstance(config, dict) else None
    if kind not in MUSICGEN_TYPES:
        raise _folder_error(folder, f"config.json describes a '{kind or config.get('model')}' "
                                    "model, not MusicGen")
    for names, what in ((WEIGHT_FILES, "weights"), (TOKENIZER_FILES, "tokenizer")):
        if not any((folder / name).is_file() for name in names):
            raise _folder_error(folder, f"no {what} file ({' or '.join(names)})")
    _check_decoder_shape(folder, config)
    return kind


def safetensors_shapes(path: Path) -> dict[str, list[int]]:
    """Tensor name -> shape from a .safetensors header, without reading the tensors."""
    with path.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
    return {name: entry["shape"] for name, entry in header.items() if name != "__metadata__"}


def _check_decoder_shape(folder: Path, config: dict) -> None:
    """The decoder's layer count and width in model.safetensors agree with config.json."""
    weights = folder / "model.safetensors"
    decoder = config.get("decoder") or {}
    if not weights.is_file() or "num_hidden_layers" not in decoder:
        return
    shapes = safetensors_shapes(weights)
    prefix = "decoder.model.decoder.layers."
    layers = len({name[len(prefix):].split(".")[0] for name in shapes if name.startswith(prefix)})
    widths = [shape[-1] for name, shape in shapes.items()
              if name.startswith(prefix) and name.endswith("self_attn.q_proj.weight")]
    found = (layers, widths[0] if widths else None)
    declared = (decoder["num_hidden_layers"], decoder.get("hidden_size"))
    if found != declared:
        raise _folder_error(folder, "model.safetensors has {} decoder layers of width {}, "
                                    "config.json says {} of width {}".format(*found, *declared))


#: Where PEFT names the decoder's layers in an adapter made on the whole model.
ADAPTER_LAYERS = "decoder.model.decoder.layers."
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


def _adapter_error(folder: Path, what: str) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"LoRA adapter {folder}: {what}. Pass --lora a folder written by 'voice-agent "
        "train-lora' on this MusicGen base, or leave --lora out.")


def check_adapter(adapter: str | Path, base: str | Path) -> None:
    """A LoRA adapter that fits the MusicGen base in ``base``, or one line saying why not.

    Reads adapter_config.json and the two safetensors headers only (milliseconds), so a
    mismatch is told before the model loads: another architecture's adapter, or one
    trained on a decoder of another width or depth.
    """
    folder = Path(adapter).expanduser()
    for name in ADAPTER_FILES:
        if not (folder / name).is_file():
            raise _adapter_error(folder, f"{name} is missing")
    try:
        settings = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _adapter_error(folder, f"adapter_config.json is not valid JSON ({exc})") from None
    if settings.get("peft_type") != "LORA":
        raise _adapter_error(folder, f"a {settings.get('peft_type')} adapter, not LoRA")
    made_for = (settings.get("auto_mapping") or {}).get("base_model_class") or ""
    if made_for and "Musicgen" not in made_for:
        raise _adapter_error(folder, f"made for {made_for}, not MusicGen")
    config = json.loads((Path(base) / "config.json").read_text(encoding="utf-8"))
    decoder = config.get("decoder") or {}
    found = _adapter_decoder_shape(folder)
    wanted = (decoder.get("hidden_size"), decoder.get("num_hidden_layers"))
    if found is None:
        raise _adapter_error(folder, "its weights are not on a MusicGen decoder's layers")
    width, deepest = found
    if width != wanted[0] or deepest >= (wanted[1] or 0):
        raise _adapter_error(folder, f"trained on a decoder {width} wide with at least "
                                     f"{deepest + 1} layers; this model's decoder is "
                                     f"{wanted[0]} wide with {wanted[1]} layers")


def _adapter_decoder_shape(folder: Path) -> tuple[int, int] | None:
    """(width, deepest layer index) of the adapter's decoder weights; None if it has none."""
    shapes = safetensors_shapes(folder / "adapter_model.safetensors")
    widths, layers = set(), set()
    for name, shape in shapes.items():
        at = name.find(ADAPTER_LAYERS)
        if at < 0 or len(shape) != 2:
            return None
        layers.add(int(name[at + len(ADAPTER_LAYERS):].split(".")[0]))
        widths.add(shape[1] if ".lora_A." in name else shape[0])
    if not layers or len(widths) != 1:
        return None
    return widths.pop(), max(layers)


def _import_transformers():
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "transformers", "musicgen",
                                     "The MusicGen music backend") from None
    return torch, transformers


def _with_adapter(model, adapter: str):
    """``model`` with the LoRA adapter merged in: generation runs as fast as without it."""
    try:
        from peft import PeftModel
    except ImportError:
        raise MissingDependencyError("peft", "workshop", "A LoRA adapter (--lora)") from None
    merged = PeftModel.from_pretrained(model, str(Path(adapter).expanduser())).merge_and_unload()
    log.info("LoRA adapter %s merged into the decoder", adapter)
    return merged


class MusicgenRenderer:
    """Text-to-music with MusicGen weights the user provides.

    ``model_path``: a folder holding config.json, the weights and the tokenizer, or a
    model id already in the Hugging Face cache ("facebook/musicgen-small").
    Sampling: ``top_k``, ``top_p`` (0 disables it), ``temperature`` (0 means greedy),
    ``guidance_scale`` (classifier-free guidance; 1 disables it).
    ``dtype``: "float32", or "float16"/"bfloat16" on a GPU.
    ``lora``: a LoRA adapter folder (``voice-agent train-lora``), merged into the decoder.
    """

    def __init__(self, model_path: str, device: str = "cpu", top_k: int = 250,
                 top_p: float = 0.0, temperature: float = 1.0, guidance_scale: float = 3.0,
                 num_threads: int | None = None, dtype: str = "float32",
                 melody: str | None = None, lora: str | None = None) -> None:
        self.model_path = str(model_path)
        self.lora = str(lora) if lora else None
        self.device = device
        self.dtype = dtype
        self.melody_path = melody
        self.top_k, self.top_p = int(top_k), float(top_p)
        self.temperature, self.guidance_scale = float(temperature), float(guidance_scale)
        self.num_threads = num_threads
        self.model_id = f"musicgen:{Path(self.model_path).name or self.model_path}"
        if self.lora:
            self.model_id += f"+lora:{Path(self.lora).name}"
        self._model = self._tokenizer = self._melody_features = None

    @property
    def sample_rate(self) -> int:
        """Output rate of the model's audio codec (after :meth:`load`)."""
        return int(self._model.config.audio_encoder.sampling_rate)

    @property
    def is_melody(self) -> bool:
        """True when the loaded weights are the melody-conditioned variant."""
        return self._model is not None and self._model.config.model_type == MELODY_TYPE

    @property
    def takes_melody(self) -> bool:
        """True for melody weights; read from config.json when not loaded (milliseconds)."""
        if self._model is not None:
            return self.is_melody
        local = Path(self.model_path).expanduser()
        try:
            folder = local if local.is_dir() else Path(self._resolve(None))
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, ModelNotFoundError):
            return False  # not loadable at all: rendering will say why
        return isinstance(config, dict) and config.get("model_type") == MELODY_TYPE

    def load(self) -> None:
        """Load weights and tokenizer from disk, offline; idempotent."""
        if self._model is not None:
            return
        local = Path(self.model_path).expanduser()
        if local.is_dir():
            check_folder(local)  # a missing file or another model: one line, before the import
            if self.lora:
                check_adapter(self.lora, local)
        torch, transformers = _import_transformers()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        if self.num_threads:
            torch.set_num_threads(self.num_threads)
        source = self._resolve(transformers)
        check_folder(source)  # a cached model id: the same check, before the load
        if self.lora:
            check_adapter(self.lora, source)
        config = transformers.AutoConfig.from_pretrained(source, local_files_only=True)
        model_class = (transformers.MusicgenMelodyForConditionalGeneration
                       if config.model_type == MELODY_TYPE
                       else transformers.MusicgenForConditionalGeneration)
        model = model_class.from_pretrained(source, local_files_only=True,
                                            dtype=getattr(torch, self.dtype))
        if self.lora:
            model = _with_adapter(model, self.lora)
        self._model = model.to(self.device).eval()
        self._tokenizer = transformers.AutoTokenizer.from_pretrained(source, local_files_only=True)
        if self.is_melody:
            self._melody_features = _melody_settings(Path(source))
        log.info("MusicGen loaded from %s (%s)", source, config.model_type)

    def _resolve(self, transformers=None) -> str:
        """A local folder as is; otherwise the model id's snapshot in the HF cache."""
        if Path(self.model_path).expanduser().is_dir():
            return str(Path(self.model_path).expanduser())
        try:
            from huggingface_hub import snapshot_download

            return snapshot_download(self.model_path, local_files_only=True)
        except Exception:  # not a folder, not cached: explain what to do
            raise ModelNotFoundError(
                f"MusicGen weights not found at '{self.model_path}'. MusicGen cannot be "
                "downloaded here: copy a MusicGen checkpoint folder (config.json, "
                "model.safetensors, tokenizer files; e.g. facebook/musicgen-small, "
                "CC-BY-NC 4.0) to this machine and pass its path with --musicgen-model, "
                "or use the default composer backend."
            ) from None

    def render(self, plan: MusicPlan, prompt: str = "", melody: Audio | None = None) -> MusicClip:
        """Generate ``plan.duration_s`` seconds for ``prompt`` (or the plan's description).

        ``melody`` (melody weights only) conditions the generation on that tune.
        """
        self.load()
        plan = normalize_plan(plan)
        if melody is None and self.melody_path:
            from voice_agent.core.audio import read_audio

            melody = read_audio(self.melody_path)
        inputs = self._inputs(prompt or describe(plan), melody)
        codes_per_second = self._model.config.audio_encoder.frame_rate
        samples = self._generate(inputs, math.ceil(plan.duration_s * codes_per_second), plan.seed)
        total = int(round(plan.duration_s * self.sample_rate))
        samples = np.pad(samples[:total], (0, max(0, total - len(samples))))
        fade_out_s = min(1.0, 0.1 * plan.duration_s)
        samples = fade(normalize_loudness(samples), self.sample_rate, fade_out_s)
        return MusicClip(Audio(samples, self.sample_rate), plan, None, self.model_id)

    def _inputs(self, text: str, melody: Audio | None) -> dict:
        if melody is not None and not self.is_melody:
            log.warning("These MusicGen weights take no melody; generating from the text only")
        inputs = dict(self._tokenizer([text], return_tensors="pt", padding=True))
        if melody is not None and self.is_melody:
            inputs["input_features"] = melody_chroma(melody, self._melody_features)
        return inputs

    def _sampling(self) -> dict:
        settings: dict = {"do_sample": self.temperature > 0, "guidance_scale": self.guidance_scale}
        if self.temperature > 0:
            settings.update(temperature=self.temperature, top_k=self.top_k)
            if self.top_p > 0:
                settings["top_p"] = self.top_p
        return settings

    def _generate(self, inputs: dict, max_new_tokens: int, seed: int) -> np.ndarray:
        import torch

        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        if "input_features" in inputs:
            inputs["input_features"] = inputs["input_features"].to(self._model.dtype)
        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            torch.manual_seed(seed)  # same seed, same clip; the global RNG is left as it was
            audio = self._model.generate(**inputs, max_new_tokens=max_new_tokens,
                                         **self._sampling())
        return audio[0, 0].float().cpu().numpy()
