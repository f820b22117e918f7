"""Convert a CTranslate2 Whisper model (faster-whisper's format) to an openai-whisper ``.pt``.

The only Whisper weights that can be had offline here are CTranslate2 files. openai-whisper
loads a ``torch.save`` checkpoint ``{"dims": ModelDimensions fields, "model_state_dict": ...}``.
This module reads CTranslate2's ``model.bin`` itself (the format written by
``ctranslate2/specs/model_spec.py: ModelSpec._serialize`` and read by ``models/model.cc``),
renames the variables to openai-whisper's state-dict keys, splits the fused attention
projections, and writes the checkpoint. Weights keep their stored precision (float16 for
the packaged base model, like OpenAI's own checkpoints); ``whisper.load_model`` casts them.

Binary layout (little-endian): ``u32 version``; ``str spec``, ``u32 revision`` (version >= 2);
``u32 n``, then n times ``str name, u8 rank, u32[rank] shape, u8 dtype_id, u32 nbytes, data``
(version >= 4; before that ``u8 item_size, u32 count``); ``u32 n_aliases`` and n times
``str alias, str target`` (version >= 3). A ``str`` is ``u16 length`` (with the trailing NUL)
then the UTF-8 bytes and a NUL.
"""

from __future__ import annotations

import json
import logging
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from voice_agent.core.errors import ModelNotFoundError
from voice_agent.core.models import WHISPER_BASE, cache_home, ensure_model

log = logging.getLogger(__name__)

SUPPORTED_BINARY_VERSIONS = range(2, 7)
WHISPER_SPEC = "WhisperSpec"
# CTranslate2's DataType enum order (include/ctranslate2/types.h).
_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
_DTYPE_BY_ITEM_SIZE = {1: "int8", 2: "int16", 4: "float32"}  # binary versions 2 and 3

OPENAI_CACHE_NAME = "whisper-base-openai"
OPENAI_CHECKPOINT_NAME = "base.pt"


@dataclass
class Ct2Model:
    """The contents of a CTranslate2 ``model.bin``: spec name, revision and variables."""

    spec: str
    revision: int
    binary_version: int
    variables: dict[str, np.ndarray] = field(default_factory=dict)


def _read(handle: BinaryIO, fmt: str) -> tuple:
    size = struct.calcsize("<" + fmt)
    data = handle.read(size)
    if len(data) != size:
        raise ModelNotFoundError(f"{handle.name} is truncated; the CTranslate2 model is damaged.")
    return struct.unpack("<" + fmt, data)


def _read_string(handle: BinaryIO) -> str:
    (length,) = _read(handle, "H")
    return handle.read(length)[:-1].decode("utf-8")  # drop the trailing NUL


def _read_array(handle: BinaryIO, version: int) -> np.ndarray:
    (rank,) = _read(handle, "B")
    shape = _read(handle, f"{rank}I") if rank else ()
    if version >= 4:
        type_id, num_bytes = _read(handle, "BI")
        dtype = _DTYPES[type_id]
    else:
        item_size, count = _read(handle, "BI")
        dtype, num_bytes = _DTYPE_BY_ITEM_SIZE[item_size], item_size * count
    raw = handle.read(num_bytes)
    if dtype == "bfloat16":  # numpy has no bfloat16: widen the 16 bits to float32's top half
        wide = np.frombuffer(raw, "<u2").astype(np.uint32) << 16
        return wide.view(np.float32).reshape(shape)
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)


def read_ct2_model(path: str | Path) -> Ct2Model:
    """Parse a CTranslate2 ``model.bin``; aliases come back as extra names for the same array."""
    path = Path(path)
    if not path.is_file():
        raise ModelNotFoundError(f"CTranslate2 model file not found: {path}")
    with open(path, "rb") as handle:
        (version,) = _read(handle, "I")
        if version not in SUPPORTED_BINARY_VERSIONS:
            raise ModelNotFoundError(
                f"{path} has CTranslate2 binary version {version}; this converter reads versions "
                f"{SUPPORTED_BINARY_VERSIONS.start}-{SUPPORTED_BINARY_VERSIONS.stop - 1}."
            )
        model = Ct2Model(_read_string(handle), *_read(handle, "I"), binary_version=version)
        (count,) = _read(handle, "I")
        for _ in range(count):
            name = _read_string(handle)
            model.variables[name] = _read_array(handle, version)
        if version >= 3:
            (aliases,) = _read(handle, "I")
            for _ in range(aliases):
                alias, target = _read_string(handle), _read_string(handle)
                model.variables[alias] = model.variables[target]
    return model


def _layer_norm(variables: dict, src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": variables[f"{src}/gamma"], f"{dst}.bias": variables[f"{src}/beta"]}


def _linear(variables: dict, src: str, dst: str) -> dict[str, np.ndarray]:
    return {f"{dst}.weight": variables[f"{src}/weight"], f"{dst}.bias": variables[f"{src}/bias"]}


def _split_linear(variables: dict, src: str, dst: str, names: tuple[str, ...]) -> dict:
    """Split a fused projection (rows stacked in ``names`` order) into one Linear per name.

    openai-whisper's key projection has no bias, so the key part of the fused bias is
    dropped. That is exact, not an approximation: a key bias adds ``q·b`` to every score
    of a query alike, and softmax ignores a constant shift.
    """
    weights = np.split(variables[f"{src}/weight"], len(names))
    biases = np.split(variables[f"{src}/bias"], len(names))
    out = {}
    for name, weight, bias in zip(names, weights, biases, strict=True):
        out[f"{dst}.{name}.weight"] = weight
        if name != "key":
            out[f"{dst}.{name}.bias"] = bias
    return out


def _attention(variables: dict, src: str, dst: str, cross: bool) -> dict[str, np.ndarray]:
    """Self-attention fuses q,k,v in ``linear_0``; cross-attention keeps q and fuses k,v."""
    if cross:
        out = _linear(variables, f"{src}/linear_0", f"{dst}.query")
        out |= _split_linear(variables, f"{src}/linear_1", dst, ("key", "value"))
    else:
        out = _split_linear(variables, f"{src}/linear_0", dst, ("query", "key", "value"))
    out |= _linear(variables, f"{src}/linear_{2 if cross else 1}", f"{dst}.out")
    return out | _layer_norm(variables, f"{src}/layer_norm", f"{dst}_ln")


def _block(variables: dict, src: str, dst: str, cross: bool) -> dict[str, np.ndarray]:
    """One residual block: self-attention, optional cross-attention, then the MLP."""
    out = _attention(variables, f"{src}/self_attention", f"{dst}.attn", cross=False)
    if cross:
        out |= _attention(variables, f"{src}/attention", f"{dst}.cross_attn", cross=True)
    out |= _linear(variables, f"{src}/ffn/linear_0", f"{dst}.mlp.0")
    out |= _linear(variables, f"{src}/ffn/linear_1", f"{dst}.mlp.2")
    return out | _layer_norm(variables, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")


def _count_layers(variables: dict, stack: str) -> int:
    return sum(1 for name in variables if name.startswith(f"{stack}/layer_")
               and name.endswith("/ffn/linear_0/weight"))


def whisper_dims(variables: dict[str, np.ndarray]) -> dict[str, int]:
    """openai-whisper ``ModelDimensions`` fields, read off the variable shapes."""
    audio_ctx, audio_state = variables["encoder/position_encodings/encodings"].shape
    text_ctx, text_state = variables["decoder/position_encodings/encodings"].shape
    return {
        "n_mels": int(variables["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(audio_ctx),
        "n_audio_state": int(audio_state),
        "n_audio_head": int(variables["encoder/num_heads"]),
        "n_audio_layer": _count_layers(variables, "encoder"),
        "n_vocab": int(variables["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(text_ctx),
        "n_text_state": int(text_state),
        "n_text_head": int(variables["decoder/num_heads"]),
        "n_text_layer": _count_layers(variables, "decoder"),
    }


def whisper_state_dict(variables: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename (and split) CTranslate2 Whisper variables into openai-whisper state-dict keys."""
    v = variables
    out = {
        "encoder.positional_embedding": v["encoder/position_encodings/encodings"],
        "decoder.positional_embedding": v["decoder/position_encodings/encodings"],
        "decoder.token_embedding.weight": v["decoder/embeddings/weight"],
    }
    for conv in ("conv1", "conv2"):
        out |= _linear(v, f"encoder/{conv}", f"encoder.{conv}")
    out |= _layer_norm(v, "encoder/layer_norm", "encoder.ln_post")
    out |= _layer_norm(v, "decoder/layer_norm", "decoder.ln")
    for i in range(_count_layers(v, "encoder")):
        out |= _block(v, f"encoder/layer_{i}", f"encoder.blocks.{i}", cross=False)
    for i in range(_count_layers(v, "decoder")):
        out |= _block(v, f"decoder/layer_{i}", f"decoder.blocks.{i}", cross=True)
    return out


def _check_convertible(model: Ct2Model, path: Path) -> None:
    """Refuse models this mapping would get wrong, rather than write a broken checkpoint."""
    if model.spec != WHISPER_SPEC:
        raise ModelNotFoundError(f"{path} holds a CTranslate2 '{model.spec}', not a Whisper model.")
    scaled = [name for name in model.variables if name.endswith("_scale")]
    if scaled:
        raise ModelNotFoundError(
            f"{path} is quantized (e.g. {scaled[0]}); convert a float16/float32 CTranslate2 "
            "Whisper model (the packaged base model is float16)."
        )
    # openai-whisper ties the output projection to the token embedding.
    projection = model.variables.get("decoder/projection/weight")
    if projection is not None and not np.array_equal(projection,
                                                     model.variables["decoder/embeddings/weight"]):
        raise ModelNotFoundError(f"{path} has an untied output projection; openai-whisper "
                                 "cannot represent it.")


def alignment_heads_from_config(model_dir: Path) -> list[list[int]] | None:
    """The ``[layer, head]`` pairs for word timestamps from ``config.json``, if it lists them."""
    config = model_dir / "config.json"
    if not config.is_file():
        return None
    heads = json.loads(config.read_text()).get("alignment_heads")
    return [[int(layer), int(head)] for layer, head in heads] if heads else None


def build_checkpoint(model_dir: str | Path) -> dict:
    """The openai-whisper checkpoint dict for the CTranslate2 Whisper model in ``model_dir``."""
    import torch

    model_dir = Path(model_dir)
    model = read_ct2_model(model_dir / "model.bin")
    _check_convertible(model, model_dir / "model.bin")
    state = {key: torch.from_numpy(np.array(value))  # copy: frombuffer arrays are read-only
             for key, value in whisper_state_dict(model.variables).items()}
    checkpoint = {"dims": whisper_dims(model.variables), "model_state_dict": state}
    heads = alignment_heads_from_config(model_dir)
    if heads:  # load_model ignores extra keys; apply_alignment_heads() reads this one
        checkpoint["alignment_heads"] = heads
    return checkpoint


def convert_ct2_whisper(model_dir: str | Path, output: str | Path) -> Path:
    """Convert the CTranslate2 Whisper model in ``model_dir`` to an openai-whisper ``.pt``.

    The file is written atomically, so an interrupted run never leaves a half checkpoint.
    """
    import torch

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = build_checkpoint(model_dir)
    tmp = output.with_suffix(output.suffix + ".partial")
    torch.save(checkpoint, tmp)
    os.replace(tmp, output)
    log.info("Wrote openai-whisper checkpoint %s (%d tensors)", output,
             len(checkpoint["model_state_dict"]))
    return output


def default_checkpoint_path() -> Path:
    """Where the converted packaged base model lives in the voice_agent cache."""
    return cache_home() / "models" / OPENAI_CACHE_NAME / OPENAI_CHECKPOINT_NAME


def ensure_openai_checkpoint(output: str | Path | None = None) -> Path:
    """Convert the packaged Whisper base weights once; later calls return the cached file.

    The cached file is rebuilt only when it is older than the CTranslate2 ``model.bin``.
    """
    output = Path(output) if output else default_checkpoint_path()
    source = ensure_model(WHISPER_BASE) / "model.bin"
    if output.is_file() and output.stat().st_mtime >= source.stat().st_mtime:
        return output
    log.info("Converting %s to an openai-whisper checkpoint (once)", source.parent)
    return convert_ct2_whisper(source.parent, output)


def apply_alignment_heads(model, checkpoint_path: str | Path) -> None:
    """Set the cross-attention heads used for word timestamps, when the checkpoint lists them.

    ``whisper.load_model`` only knows them for OpenAI's named models, not for a file.
    """
    import torch

    checkpoint = torch.load(checkpoint_path, map_location="cpu", mmap=True, weights_only=True)
    heads = checkpoint.get("alignment_heads")
    if not heads:
        return
    mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
    for layer, head in heads:
        mask[layer, head] = True
    model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
