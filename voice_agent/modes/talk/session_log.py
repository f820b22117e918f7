"""The session folder: one sub-folder per turn with its audio, and ``session.jsonl``.

Each turn's recording is written before the turn runs, and its record (the same one the
headless mode writes as ``turn.json``) is appended to ``session.jsonl`` and fsynced as
soon as the turn ends, so a crash loses at most the turn in flight, never its recording.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from voice_agent.core.audio import write_wav
from voice_agent.pipeline.record import write_outputs
from voice_agent.core.types import Audio, Turn

SESSION_LOG = "session.jsonl"
REQUEST_FILE = "request.wav"


class SessionLog:
    """Where one session keeps everything it heard and made."""

    def __init__(self, root: str | Path, now: datetime | None = None) -> None:
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        self.folder = _fresh_folder(Path(root), stamp)
        self.log_path = self.folder / SESSION_LOG
        self.turns = 0

    def new_turn(self) -> Path:
        """A new, empty folder for the next turn (turn_001, turn_002, ...)."""
        self.turns += 1
        folder = self.folder / f"turn_{self.turns:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def keep_recording(self, folder: Path, audio: Audio) -> str:
        """Write the person's recording into the turn folder before the turn runs."""
        return write_wav(folder / REQUEST_FILE, audio).name

    def keep_lost_recording(self, audio: Audio) -> Path | None:
        """Save a recording that broke off (the microphone failed); None if it is empty."""
        if not len(audio.samples):
            return None
        lost = sorted(self.folder.glob("lost_recording_*.wav"))
        return write_wav(self.folder / f"lost_recording_{len(lost) + 1:03d}.wav", audio)

    def finish_turn(self, turn: Turn, folder: Path) -> dict[str, Any]:
        """Write the turn's files and ``turn.json``; append its record to the session log."""
        record = write_outputs(turn, folder)
        record["folder"] = folder.name
        if (folder / REQUEST_FILE).exists():
            record["request_audio"] = REQUEST_FILE
        self.append(record)
        return record

    def append(self, record: dict[str, Any]) -> None:
        """Append one JSON line and force it to disk."""
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def save_copy(self, record: dict[str, Any], save_dir: str | Path) -> list[Path]:
        """Copy a turn's music (and MIDI) to ``save_dir`` under a descriptive name."""
        folder = self.folder / record["folder"]
        music = record.get("music") or {}
        names = [n for n in (music.get("file"), music.get("midi_file")) if n]
        if not names:
            return []
        target = Path(save_dir)
        target.mkdir(parents=True, exist_ok=True)
        stem = f"{self.folder.name}_{record['folder']}_{_describe(record)}"
        return [Path(shutil.copy2(folder / n, target / f"{stem}{Path(n).suffix}")) for n in names]


def _describe(record: dict[str, Any]) -> str:
    plan = (record.get("reply") or {}).get("plan") or {}
    words = [str(plan.get("genre", "clip")), f"{plan['bpm']}bpm" if "bpm" in plan else ""]
    return "_".join("".join(c if c.isalnum() else "-" for c in w) for w in words if w)


def _fresh_folder(root: Path, stamp: str) -> Path:
    for attempt in range(100):
        folder = root / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"Could not make a new session folder under {root}")
