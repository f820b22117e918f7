"""Export stored clips to a folder: WAV, MIDI, lyrics, and a ``manifest.json`` describing them."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voice_agent.library.files import LibraryError, copy_file, now_iso, write_atomically
from voice_agent.library.records import ClipRecord

MANIFEST = "manifest.json"


def _stem(position: int, record: ClipRecord) -> str:
    """``01-salsa-12``: order, genre (file-name safe), clip id."""
    genre = record.plan.genre if record.plan else "clip"
    safe = re.sub(r"[^a-z0-9]+", "-", genre.lower()).strip("-") or "clip"
    return f"{position:02d}-{safe}-{record.clip_id}"


def _copy_clip(out_dir: Path, stem: str, record: ClipRecord) -> dict[str, str | None]:
    """Copy one clip's files; returns their names relative to ``out_dir``."""

    if not record.audio_path.is_file():
        raise LibraryError(key="export_missing", clip_id=record.clip_id, path=record.audio_path)
    files: dict[str, str | None] = {"wav": f"{stem}.wav", "midi": None,
                                    "lyrics_text": None, "lyrics_wav": None}
    copy_file(record.audio_path, out_dir / files["wav"])
    if record.midi_path and record.midi_path.is_file():
        files["midi"] = f"{stem}.mid"
        copy_file(record.midi_path, out_dir / files["midi"])
    if record.lyrics is not None:
        files["lyrics_text"] = f"{stem}.lyrics.txt"
        write_atomically(out_dir / files["lyrics_text"],
                         (record.lyrics.text() + "\n").encode("utf-8"))
    if record.lyrics_audio_path and record.lyrics_audio_path.is_file():
        files["lyrics_wav"] = f"{stem}.lyrics.wav"
        copy_file(record.lyrics_audio_path, out_dir / files["lyrics_wav"])
    return files


def export_records(out_dir: Path, items: Sequence[tuple[int | None, ClipRecord]],
                   playlist: str | None, schema_version: int) -> Path:
    """Copy each (playlist number or None, clip) into ``out_dir``; write and return the manifest."""

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(key="cannot_export", path=out_dir, problem=exc) from None
    clips: list[dict[str, Any]] = []
    for position, (number, record) in enumerate(items, start=1):
        entry = record.to_dict()
        entry["files"] = _copy_clip(out_dir, _stem(number or position, record), record)
        if number is not None:
            entry["number"] = number
        clips.append(entry)
    manifest = {"exported_at": now_iso(), "playlist": playlist,
                "schema_version": schema_version, "clips": clips}
    return write_atomically(out_dir / MANIFEST,
                            (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
