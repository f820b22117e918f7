"""The LoRA trainer's dataset: JSON lines of audio and caption, and the cache of codes.

One JSON object a line (the file ``voice-agent caption`` writes; docs/workshop.md)::

    {"audio": "clips/a.wav", "caption": "a calm piano piece ...", "features": {...}}
    {"audio": "clips/b.mp3", "error": "Audio file is empty (0 bytes) ..."}

``audio`` is relative to the JSON-lines file or absolute; ``caption`` is the text the
decoder is conditioned on; ``features`` is not read here. A row with an ``error`` (or one
that is not usable: no audio, no caption, not JSON) is skipped, counted and reported.

Audio is encoded once by the model's EnCodec; the codes are kept on disk under a key made
of the file's SHA-256, the codec's weights and the length cap, so later epochs and later
runs read them back instead of encoding again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_agent.core.errors import ConfigError
from voice_agent.core.models import cache_home


@dataclass(frozen=True)
class TrainingRow:
    """One usable example: an audio file and its caption (``line`` is 1-based)."""

    audio: Path
    caption: str
    line: int


@dataclass(frozen=True)
class SkippedRow:
    """A row the trainer did not use, and why."""

    line: int
    audio: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        """The row as the training record lists it."""
        return {"line": self.line, "audio": self.audio, "reason": self.reason}


@dataclass(frozen=True)
class CaptionDataset:
    """The usable rows of a JSON-lines file and the rows skipped."""

    source: Path
    rows: tuple[TrainingRow, ...]
    skipped: tuple[SkippedRow, ...]

    def with_skipped(self, more: list[SkippedRow]) -> CaptionDataset:
        """The dataset less the rows in ``more`` (e.g. audio that would not decode)."""
        lines = {row.line for row in more}
        return CaptionDataset(self.source, tuple(r for r in self.rows if r.line not in lines),
                              tuple(sorted((*self.skipped, *more), key=lambda r: r.line)))


def read_dataset(path: str | Path) -> CaptionDataset:
    """Parse ``path``; a missing file is a ConfigError, a bad row is skipped and counted."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ConfigError(f"Training data not found: {path}. Pass the JSON-lines file "
                          "'voice-agent caption' wrote (audio path and caption a line).")
    rows: list[TrainingRow] = []
    skipped: list[SkippedRow] = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            row = _parse_row(line, number, path.parent)
            (rows if isinstance(row, TrainingRow) else skipped).append(row)
    return CaptionDataset(path, tuple(rows), tuple(skipped))


def _parse_row(line: str, number: int, base: Path) -> TrainingRow | SkippedRow:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return SkippedRow(number, "", f"not JSON ({exc.msg})")
    if not isinstance(data, dict):
        return SkippedRow(number, "", "not a JSON object")
    audio = data.get("audio")
    audio_name = audio if isinstance(audio, str) else ""
    if data.get("error"):
        return SkippedRow(number, audio_name, f"error: {data['error']}")
    caption = data.get("caption")
    if not audio_name:
        return SkippedRow(number, "", "no audio path")
    if not isinstance(caption, str) or not caption.strip():
        return SkippedRow(number, audio_name, "no caption")
    file = Path(audio_name).expanduser()
    return TrainingRow(file if file.is_absolute() else base / file, caption.strip(), number)


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (hex), read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_cache_dir() -> Path:
    """``$VOICE_AGENT_HOME/cache/lora-codes``: shared by every run, whatever its --out."""
    return cache_home() / "cache" / "lora-codes"


class CodesCache:
    """Codes of encoded audio on disk: ``<key>.npy``, (codebooks, frames) int16.

    ``codec_id`` names the codec (a hash of its weights and codebook count), so codes
    from another model are never read back as this one's.
    """

    def __init__(self, folder: Path, codec_id: str, max_seconds: float) -> None:
        self.folder = Path(folder)
        self.codec_id = codec_id
        self.max_seconds = float(max_seconds)
        self.encoded = self.cached = 0

    def key(self, audio: Path) -> str:
        """The cache key of ``audio``: its content, the codec and the length cap."""
        parts = f"{file_sha256(audio)}|{self.codec_id}|{self.max_seconds:.3f}"
        return hashlib.sha256(parts.encode()).hexdigest()[:32]

    def codes(self, audio: Path, encode: Callable[[Path], np.ndarray]) -> np.ndarray:
        """The codes of ``audio``: from disk, or ``encode(audio)`` once and kept."""
        target = self.folder / f"{self.key(audio)}.npy"
        if target.is_file():
            self.cached += 1
            return np.load(target)
        codes = np.asarray(encode(audio), dtype=np.int16)
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial.npy")
        np.save(partial, codes)
        partial.replace(target)  # a run killed mid-write leaves no half file under the key
        self.encoded += 1
        return codes
