"""Where requests write: one folder per request, audio addressed by id."""


from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voice_agent.core.types import (
    Turn,
)
from voice_agent.service.errors import UnknownIdError

log = logging.getLogger(__name__)

AUDIO_NAMES = ("music", "reply_cloned", "reply_base")
ID_PATTERN = re.compile(r"^[0-9a-f]{12}$")  # request ids and speaker ids: 12 hex digits
_AUDIO_ID = re.compile(r"^([0-9a-f]{12})-(" + "|".join(AUDIO_NAMES) + r")$")




@dataclass(frozen=True)
class TurnResult:
    """A finished turn, the folder it was written to and the ids of its audio."""

    request_id: str
    turn: Turn
    record: dict[str, Any]
    folder: Path
    audio_ids: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> Path | None:
        """The WAV file of ``name`` ("music", "reply_cloned", "reply_base"), if made."""
        file = produced_audio(self.record).get(name)
        return self.folder / file if file else None


def produced_audio(record: dict[str, Any]) -> dict[str, str]:
    """Audio name -> WAV file name, for the audio a turn record says was written."""
    files = {"music": (record.get("music") or {}).get("file")}
    files.update({f"reply_{voice}": spoken.get("file")
                  for voice, spoken in (record.get("speech") or {}).items()})
    return {name: file for name, file in files.items() if file and name in AUDIO_NAMES}


class OutputStore:
    """One folder per request under ``root``; keeps the newest ``keep`` of them."""

    def __init__(self, root: str | Path, keep: int = 200) -> None:
        self.root = Path(root).resolve()
        self.keep = keep
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def new_request(self) -> tuple[str, Path]:
        """A fresh request id and its (new, empty) folder."""
        with self._lock:
            self._prune()
            request_id = uuid.uuid4().hex[:12]
            folder = self.root / request_id
            folder.mkdir()
            return request_id, folder

    def _prune(self) -> None:
        folders = sorted((p for p in self.root.iterdir() if ID_PATTERN.match(p.name)),
                         key=lambda p: p.stat().st_mtime)
        for old in folders[: max(0, len(folders) - self.keep + 1)]:
            shutil.rmtree(old, ignore_errors=True)

    def audio_path(self, audio_id: str, midi: bool = False) -> Path:
        """The file of ``audio_id`` (its MIDI score when ``midi``); UnknownIdError if none."""
        match = _AUDIO_ID.match(audio_id or "")
        if not match:
            raise UnknownIdError(f"'{audio_id}' is not an audio id; ids look like "
                                 f"'0123456789ab-music' (request id, then one of "
                                 f"{', '.join(AUDIO_NAMES)}).")
        request_id, name = match.groups()
        if midi and name != "music":
            raise UnknownIdError(f"Only music clips have a MIDI score; '{audio_id}' is speech.")
        path = self.root / request_id / (f"{name}.mid" if midi else f"{name}.wav")
        if not path.is_file():
            what = "MIDI score" if midi else "audio"
            raise UnknownIdError(f"No {what} with id '{audio_id}' (unknown, or removed to make "
                                 "room for newer requests).")
        return path


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

