"""Where requests write: one folder per request, audio addressed by id."""


from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voice_agent.core.types import (
    Turn,
)
from voice_agent.service.errors import UnknownIdError

log = logging.getLogger(__name__)

AUDIO_NAMES = ("music", "reply_cloned", "reply_base")
# Request ids and speaker ids: 12 hex digits. Used with fullmatch only: "$" would let a
# trailing newline through.
ID_PATTERN = re.compile(r"[0-9a-f]{12}")
_AUDIO_ID = re.compile(r"([0-9a-f]{12})-(" + "|".join(AUDIO_NAMES) + r")")
PARTIAL = ".partial-"  # a request folder still being written: never served
STALE_PARTIAL_S = 3600.0


def shown_id(value: str, limit: int = 40) -> str:
    """An id as a message may echo it: cut short, so a 100 KB id is not sent back."""
    value = value or ""
    return value if len(value) <= limit else value[:limit] + "…"




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


def _mtime(path: Path) -> float:
    """``path``'s modification time; 0 when it has just gone (renamed or removed)."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


class OutputStore:
    """One folder per request under ``root``; keeps the newest ``keep`` of them."""

    def __init__(self, root: str | Path, keep: int = 200) -> None:
        self.root = Path(root).resolve()
        self.keep = keep
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    @contextmanager
    def writing(self) -> Iterator[tuple[str, Path]]:
        """A fresh request id and a hidden folder to write it in, renamed to the request's
        folder only once everything is written: a crash mid-way leaves nothing servable."""
        with self._lock:
            self._prune()
            request_id = uuid.uuid4().hex[:12]
            partial = self.root / f"{PARTIAL}{request_id}"
            partial.mkdir()
        try:
            yield request_id, partial
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        partial.rename(self.folder(request_id))

    def folder(self, request_id: str) -> Path:
        """The finished folder of ``request_id``."""
        return self.root / request_id

    def _prune(self) -> None:
        # Another request may rename its folder into place (or a prune remove one) while
        # this lists them: a folder gone by the time it is looked at is simply skipped.
        folders = sorted((p for p in self.root.iterdir() if ID_PATTERN.fullmatch(p.name)),
                         key=_mtime)
        for old in folders[: max(0, len(folders) - self.keep + 1)]:
            shutil.rmtree(old, ignore_errors=True)
        now = time.time()  # half-written folders a crash left behind
        for partial in self.root.glob(f"{PARTIAL}*"):
            if now - _mtime(partial) > STALE_PARTIAL_S:
                shutil.rmtree(partial, ignore_errors=True)

    def audio_path(self, audio_id: str, midi: bool = False) -> Path:
        """The file of ``audio_id`` (its MIDI score when ``midi``); UnknownIdError if none."""
        match = _AUDIO_ID.fullmatch(audio_id or "")
        if not match:
            raise UnknownIdError(f"'{shown_id(audio_id)}' is not an audio id; ids look like "
                                 f"'0123456789ab-music' (request id, then one of "
                                 f"{', '.join(AUDIO_NAMES)}).")
        request_id, name = match.groups()
        if midi and name != "music":
            raise UnknownIdError(f"Only music clips have a MIDI score; '{audio_id}' is speech.")
        path = self.root / request_id / (f"{name}.mid" if midi else f"{name}.wav")
        if not path.is_file():
            what = "MIDI score" if midi else "audio"
            raise UnknownIdError(f"No {what} with id '{shown_id(audio_id)}' (unknown, or removed to make "
                                 "room for newer requests).")
        return path


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")



class IdempotencyStore:
    """Results of finished POSTs by their ``Idempotency-Key``, so a retry gets the stored
    result instead of doing (and storing) the work twice.

    Kept on disk beside the request folders (one JSON file per key, by the key's sha256,
    written atomically), so a retry after a server restart is answered too; the newest
    ``keep`` are kept. A key being worked on is "in flight": a second request with it is
    refused (409) rather than run again.
    """

    MAX_KEY_CHARS = 128

    def __init__(self, root: str | Path, keep: int = 1000) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self._lock = threading.Lock()
        self._in_flight: set[tuple[str, str]] = set()

    def _file(self, scope: str, key: str) -> Path:
        return self.root / (hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest() + ".json")

    def get(self, scope: str, key: str) -> dict[str, Any] | None:
        """The stored result for ``key`` under ``scope`` (e.g. the route), or None."""
        try:
            return json.loads(self._file(scope, key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def begin(self, scope: str, key: str) -> bool:
        """Mark ``key`` in flight; False when it already is."""
        with self._lock:
            if (scope, key) in self._in_flight:
                return False
            self._in_flight.add((scope, key))
            return True

    def finish(self, scope: str, key: str, result: dict[str, Any] | None) -> None:
        """Store ``result`` (None: the work failed; a retry runs it again) and release."""
        try:
            if result is not None:
                target = self._file(scope, key)
                staged = target.with_suffix(f".tmp-{uuid.uuid4().hex[:8]}")
                staged.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
                os.replace(staged, target)
                self._prune()
        finally:
            with self._lock:
                self._in_flight.discard((scope, key))

    def _prune(self) -> None:
        files = sorted(self.root.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[: max(0, len(files) - self.keep)]:
            old.unlink(missing_ok=True)
