"""The clip library: SQLite (WAL) rows that reference audio files written atomically.

Layout under the library folder (default ``$VOICE_AGENT_HOME/library``)::

    library.sqlite3          clips, playlist entries, small state, sessions and their turns
                             (see ``sessions``); PRAGMA user_version = schema
    clips/<uid>.wav          the rendered music
    clips/<uid>.mid          its MIDI, when the renderer made one
    clips/<uid>.lyrics.wav   the music with the lyrics spoken over it, when made

Consistency rules, which hold whatever moment a process dies:

- A clip's files are written (temp file, fsync, ``os.replace``) *inside* the write
  transaction that inserts its row, so a row never references a file that is not there,
  and :meth:`Library.open`'s sweep, which also runs under the write lock, never mistakes
  another process's in-flight file for an orphan.
- A deleted clip's row is committed away first and its files unlinked after; a crash in
  between leaves only unreferenced files, which the next :meth:`Library.open` removes.
- Every call opens its own short connection, so one ``Library`` may be shared by threads,
  and several processes may write at once (``BEGIN IMMEDIATE`` + a busy timeout).
- The schema is versioned with ``PRAGMA user_version``; :data:`MIGRATIONS` upgrades an
  older database in one transaction, keeping its data.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from voice_agent.responder.commands import DEFAULT_PLAYLIST, LAST_ITEM, canonical_playlist
from voice_agent.library.export import export_records
from voice_agent.library.files import LibraryError, now_iso, write_atomically
from voice_agent.library.records import ClipRecord, PlaylistEntry, PlaylistSummary
from voice_agent.core.plan import plan_from_dict, plan_to_dict
from voice_agent.core.types import Audio, Lyrics, MusicPlan, Turn

log = logging.getLogger(__name__)

DB_NAME = "library.sqlite3"
CLIPS_DIR = "clips"
BUSY_TIMEOUT_S = 10.0

#: each entry upgrades the schema by one version (index 0: empty -> 1)
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: clips and playlists
        """CREATE TABLE clips (
            clip_id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            request TEXT NOT NULL DEFAULT '',
            transcript TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT '',
            say TEXT NOT NULL DEFAULT '',
            prompt TEXT NOT NULL DEFAULT '',
            plan_json TEXT,
            seed INTEGER NOT NULL DEFAULT 0,
            audio_file TEXT NOT NULL,
            midi_file TEXT,
            duration_s REAL NOT NULL,
            sample_rate INTEGER NOT NULL,
            backend TEXT NOT NULL DEFAULT '',
            turn_id TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE playlist_entries (
            playlist TEXT NOT NULL,
            clip_id INTEGER NOT NULL REFERENCES clips(clip_id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (playlist, clip_id))""",
        "CREATE INDEX playlist_order ON playlist_entries (playlist, position)",
    ),
    (  # 2: lyrics stored with the clip; small key/value state (pending confirmations)
        "ALTER TABLE clips ADD COLUMN lyrics_json TEXT",
        "ALTER TABLE clips ADD COLUMN lyrics_audio_file TEXT",
        """CREATE TABLE state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
    ),
    (  # 3: conversations kept on disk (voice_agent.library.sessions): turns and versions
        """CREATE TABLE sessions (
            session_id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        """CREATE TABLE session_turns (
            session_id INTEGER NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
            turn_index INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            turn_id TEXT NOT NULL DEFAULT '',
            request TEXT NOT NULL DEFAULT '',
            transcript TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT '',
            say TEXT NOT NULL DEFAULT '',
            intent TEXT NOT NULL DEFAULT '',
            music_prompt TEXT NOT NULL DEFAULT '',
            plan_json TEXT,
            clip_id INTEGER REFERENCES clips(clip_id) ON DELETE SET NULL,
            version INTEGER,
            new_version INTEGER NOT NULL DEFAULT 0,
            parent_version INTEGER,
            changed TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (session_id, turn_index))""",
        "CREATE INDEX session_versions ON session_turns (session_id, version)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_library_dir() -> Path:
    """``$VOICE_AGENT_LIBRARY``, else ``$VOICE_AGENT_HOME/library`` (``~/.cache/voice_agent/library``)."""
    from voice_agent.core.models import cache_home

    return Path(os.environ.get("VOICE_AGENT_LIBRARY") or cache_home() / "library")


def playlist_name(name: str | None) -> str:
    """The stored name of a playlist; None or empty means the default playlist."""
    return canonical_playlist(name or "") or DEFAULT_PLAYLIST


def connect_database(path: Path) -> sqlite3.Connection:
    """A connection to the library database at ``path``: rows by name, foreign keys on,
    transactions begun explicitly."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error:
        db.close()
        raise
    return db


class Library:
    """Stored clips and named playlists (see the module docstring for the guarantees).

    ``connect`` opens the database (:func:`connect_database`); a test can wrap what it
    returns, e.g. to kill the process at the moment a transaction commits.
    """

    def __init__(self, root: str | Path | None = None,
                 connect: Callable[[Path], sqlite3.Connection] = connect_database) -> None:
        self.root = Path(root) if root else default_library_dir()
        self.db_path = self.root / DB_NAME
        self.clips_dir = self.root / CLIPS_DIR
        self._connect = connect
        self._opened = False
        self._opening = threading.Lock()

    # -- connections and schema ---------------------------------------------------------

    def open(self) -> "Library":
        """Create or upgrade the database and sweep files no row references (idempotent)."""
        if self._opened:
            return self
        with self._opening:  # two threads' first calls: one opens, the other waits
            if self._opened:
                return self
            try:
                self.clips_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LibraryError(key="cannot_create", root=self.root, problem=exc) from None
            self._use_wal()
            self._migrate()
            self._opened = True
            self.sweep()
        return self

    def _use_wal(self) -> None:
        """Put the database in WAL mode (readers and a writer at once), waiting for others.

        The mode is kept in the file, so only a new database is switched. Switching needs
        the file to itself, and SQLite answers "database is locked" at once, without its
        busy timeout, while another connection (a second session, another process) holds
        it: so this tries again until BUSY_TIMEOUT_S has passed, as a write would wait.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            with self._connection() as db:
                try:
                    if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                        db.execute("PRAGMA journal_mode=WAL")
                    return
                except sqlite3.OperationalError as exc:
                    busy = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
                    if not busy or time.monotonic() > deadline:
                        raise
            time.sleep(0.05)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            db = self._connect(self.db_path)
        except sqlite3.Error as exc:
            raise LibraryError(key="cannot_open", path=self.db_path, problem=exc) from None
        try:
            yield db
        except sqlite3.DatabaseError as exc:
            raise LibraryError(key="db_failed", path=self.db_path, problem=exc) from None
        finally:
            db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE (takes the write lock now), commit or roll back."""
        self.open()
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        self.open()
        with self._connection() as db:
            yield db

    def _migrate(self) -> None:
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise LibraryError(key="newer_schema", path=self.db_path, found=version,
                                       known=SCHEMA_VERSION)
                for number in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[number]:
                        db.execute(statement)
                    log.info("library schema upgraded to version %d", number + 1)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def schema_version(self) -> int:
        """The database's ``user_version``."""
        with self._read() as db:
            return int(db.execute("PRAGMA user_version").fetchone()[0])

    # -- clips --------------------------------------------------------------------------

    def add_clip(self, audio: Audio, plan: MusicPlan | None, *, request: str = "",
                 transcript: str = "", language: str = "", say: str = "", prompt: str = "",
                 midi: bytes | None = None, backend: str = "", turn_id: str = "",
                 lyrics: Lyrics | None = None, lyrics_audio: Audio | None = None) -> ClipRecord:
        """Store a clip: its files and its row, all or nothing."""
        from voice_agent.core.audio import wav_bytes

        uid = uuid.uuid4().hex[:16]
        payloads = {f"{uid}.wav": wav_bytes(audio)}  # encode outside the lock
        if midi:
            payloads[f"{uid}.mid"] = midi
        if lyrics_audio is not None:
            payloads[f"{uid}.lyrics.wav"] = wav_bytes(lyrics_audio)
        row = {"uid": uid, "created_at": now_iso(), "request": request,
               "transcript": transcript, "language": language, "say": say, "prompt": prompt,
               "plan_json": json.dumps(plan_to_dict(plan)) if plan else None,
               "seed": plan.seed if plan else 0, "audio_file": f"{uid}.wav",
               "midi_file": f"{uid}.mid" if midi else None, "duration_s": audio.duration_s,
               "sample_rate": audio.rate, "backend": backend, "turn_id": turn_id,
               "lyrics_json": json.dumps(lyrics.to_dict(), ensure_ascii=False) if lyrics else None,
               "lyrics_audio_file": f"{uid}.lyrics.wav" if lyrics_audio is not None else None}
        try:
            with self._write() as db:
                for name, data in payloads.items():
                    write_atomically(self.clips_dir / name, data)
                cursor = db.execute(
                    f"INSERT INTO clips ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    tuple(row.values()))
                clip_id = int(cursor.lastrowid)
        except BaseException:
            for name in payloads:  # the row was rolled back: its files (new uid) go too
                with contextlib.suppress(OSError):
                    (self.clips_dir / name).unlink(missing_ok=True)
            raise
        return self.clip(clip_id)

    def add_turn(self, turn: Turn, lyrics_audio: Audio | None = None) -> ClipRecord | None:
        """Store the clip ``turn`` rendered (with its request, reply and lyrics); None if none."""
        if turn.music is None:
            return None
        reply, transcript = turn.reply, turn.transcript
        return self.add_clip(
            turn.music.audio, turn.music.plan, request=turn.request,
            transcript=transcript.text if transcript else "",
            language=(reply.language if reply else transcript.language if transcript else ""),
            say=reply.say if reply else "", prompt=reply.music_prompt if reply else "",
            midi=turn.music.midi, backend=turn.music.backend, turn_id=turn.turn_id,
            lyrics=reply.lyrics if reply else None, lyrics_audio=lyrics_audio)

    def clip(self, clip_id: int) -> ClipRecord:
        """The clip with ``clip_id``; LibraryError when there is none."""
        with self._read() as db:
            row = db.execute("SELECT * FROM clips WHERE clip_id = ?", (clip_id,)).fetchone()
        if row is None:
            raise LibraryError(key="no_clip", clip_id=clip_id)
        return self._record(row)

    def clips(self, limit: int | None = None, offset: int = 0) -> list[ClipRecord]:
        """Stored clips, newest first."""
        with self._read() as db:
            rows = db.execute("SELECT * FROM clips ORDER BY clip_id DESC LIMIT ? OFFSET ?",
                              (-1 if limit is None else limit, offset)).fetchall()
        return [self._record(row) for row in rows]

    def count(self) -> int:
        """How many clips are stored."""
        with self._read() as db:
            return int(db.execute("SELECT COUNT(*) FROM clips").fetchone()[0])

    def last_clip(self) -> ClipRecord | None:
        """The most recently stored clip, or None."""
        found = self.clips(limit=1)
        return found[0] if found else None

    def set_lyrics(self, clip_id: int, lyrics: Lyrics | None,
                   lyrics_audio: Audio | None = None) -> ClipRecord:
        """Attach (or replace) a clip's lyrics and, optionally, its spoken-lyrics mix."""
        from voice_agent.core.audio import wav_bytes

        record = self.clip(clip_id)
        mix = wav_bytes(lyrics_audio) if lyrics_audio is not None else None
        name = f"{record.uid}.lyrics.wav"
        with self._write() as db:
            if mix is not None:
                write_atomically(self.clips_dir / name, mix)
            db.execute("UPDATE clips SET lyrics_json = ?, lyrics_audio_file = COALESCE(?, "
                       "lyrics_audio_file) WHERE clip_id = ?",
                       (json.dumps(lyrics.to_dict(), ensure_ascii=False) if lyrics else None,
                        name if mix is not None else None, clip_id))
        return self.clip(clip_id)

    def delete_clip(self, clip_id: int) -> ClipRecord:
        """Remove a clip from the library and every playlist, then its files."""
        record = self.clip(clip_id)
        with self._write() as db:
            db.execute("DELETE FROM clips WHERE clip_id = ?", (clip_id,))
        for path in self._files(record):  # after the commit: a crash leaves only orphans
            path.unlink(missing_ok=True)
        return record

    def load_audio(self, clip_id: int, with_lyrics: bool = False) -> Audio:
        """The clip's audio (the spoken-lyrics mix when asked and there is one)."""
        from voice_agent.core.audio import read_audio

        record = self.clip(clip_id)
        path = record.lyrics_audio_path if with_lyrics and record.lyrics_audio_path else \
            record.audio_path
        if not path.is_file():
            raise LibraryError(key="audio_missing", clip_id=clip_id, path=path)
        return read_audio(path)

    def _record(self, row: sqlite3.Row) -> ClipRecord:
        lyrics = json.loads(row["lyrics_json"]) if row["lyrics_json"] else None
        return ClipRecord(
            clip_id=int(row["clip_id"]), uid=row["uid"], created_at=row["created_at"],
            request=row["request"], transcript=row["transcript"], language=row["language"],
            say=row["say"], prompt=row["prompt"],
            plan=plan_from_dict(json.loads(row["plan_json"])) if row["plan_json"] else None,
            seed=int(row["seed"]), audio_path=self.clips_dir / row["audio_file"],
            midi_path=self.clips_dir / row["midi_file"] if row["midi_file"] else None,
            duration_s=float(row["duration_s"]), sample_rate=int(row["sample_rate"]),
            backend=row["backend"], turn_id=row["turn_id"],
            lyrics=Lyrics.from_dict(lyrics) if lyrics else None,
            lyrics_audio_path=(self.clips_dir / row["lyrics_audio_file"]
                               if row["lyrics_audio_file"] else None))

    @staticmethod
    def _files(record: ClipRecord) -> list[Path]:
        return [p for p in (record.audio_path, record.midi_path, record.lyrics_audio_path) if p]

    # -- playlists ----------------------------------------------------------------------

    _ENTRIES = """SELECT e.playlist, e.added_at, c.*,
                         ROW_NUMBER() OVER (ORDER BY e.position) AS number
                  FROM playlist_entries e JOIN clips c USING (clip_id)
                  WHERE e.playlist = ? ORDER BY e.position"""

    def playlist(self, name: str | None = DEFAULT_PLAYLIST) -> list[PlaylistEntry]:
        """A playlist's entries, numbered from 1 in the order they were added."""
        with self._read() as db:
            rows = db.execute(self._ENTRIES, (playlist_name(name),)).fetchall()
        return [self._entry(row) for row in rows]

    def _entry(self, row: sqlite3.Row) -> PlaylistEntry:
        return PlaylistEntry(row["playlist"], int(row["number"]), row["added_at"],
                             self._record(row))

    def playlists(self) -> list[PlaylistSummary]:
        """Every playlist with at least one clip, and the default playlist, by name."""
        with self._read() as db:
            rows = db.execute("SELECT playlist, COUNT(*) FROM playlist_entries "
                              "GROUP BY playlist").fetchall()
        counts = {DEFAULT_PLAYLIST: 0, **{row[0]: int(row[1]) for row in rows}}
        return [PlaylistSummary(name, counts[name]) for name in sorted(counts)]

    def entry(self, number: int, name: str | None = DEFAULT_PLAYLIST) -> PlaylistEntry:
        """Entry ``number`` (1-based; :data:`LAST_ITEM` for the last one) of a playlist."""
        entries = self.playlist(name)
        return self._pick(entries, number, playlist_name(name))

    @staticmethod
    def _pick(entries: Sequence[PlaylistEntry], number: int, name: str) -> PlaylistEntry:
        if not entries:
            raise LibraryError(key="playlist_empty", playlist=name)
        if number == LAST_ITEM:
            return entries[-1]
        if not 1 <= number <= len(entries):
            raise LibraryError(key="no_number", number=number, playlist=name,
                               count=len(entries))
        return entries[number - 1]

    def save_to_playlist(self, clip_id: int, name: str | None = DEFAULT_PLAYLIST) -> PlaylistEntry:
        """Add a clip at the end of a playlist; a clip already there keeps its place."""
        name = playlist_name(name)
        self.clip(clip_id)  # a clear error for a missing clip
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO playlist_entries (playlist, clip_id, position, added_at) "
                "VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM playlist_entries "
                "WHERE playlist = ?), ?)", (name, clip_id, name, now_iso()))
        return next(e for e in self.playlist(name) if e.clip.clip_id == clip_id)

    def remove_from_playlist(self, number: int,
                             name: str | None = DEFAULT_PLAYLIST) -> PlaylistEntry:
        """Take entry ``number`` out of a playlist (the clip stays in the library)."""
        name = playlist_name(name)
        with self._write() as db:  # pick and delete under one lock: numbers cannot shift
            rows = db.execute(self._ENTRIES, (name,)).fetchall()
            entry = self._pick([self._entry(r) for r in rows], number, name)
            db.execute("DELETE FROM playlist_entries WHERE playlist = ? AND clip_id = ?",
                       (name, entry.clip.clip_id))
        return entry

    def clear_playlist(self, name: str | None = DEFAULT_PLAYLIST) -> int:
        """Empty a playlist; returns how many entries it had. Clips stay in the library."""
        with self._write() as db:
            cursor = db.execute("DELETE FROM playlist_entries WHERE playlist = ?",
                                (playlist_name(name),))
            return int(cursor.rowcount)

    # -- small persistent state (e.g. a pending "clear" waiting for a yes) ----------------

    def set_state(self, key: str, value: Any) -> None:
        """Remember a JSON-able value under ``key`` (None forgets it)."""
        with self._write() as db:
            if value is None:
                db.execute("DELETE FROM state WHERE key = ?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO state (key, value, updated_at) "
                           "VALUES (?, ?, ?)", (key, json.dumps(value), now_iso()))

    def get_state(self, key: str) -> tuple[Any, str] | None:
        """(value, updated_at) stored under ``key``, or None."""
        with self._read() as db:
            row = db.execute("SELECT value, updated_at FROM state WHERE key = ?",
                             (key,)).fetchone()
        return (json.loads(row["value"]), row["updated_at"]) if row else None

    # -- housekeeping -------------------------------------------------------------------

    def sweep(self) -> list[Path]:
        """Delete files no row references (left by a crash); returns what was removed."""
        removed = []
        with self._write() as db:  # under the write lock: no other writer is mid-clip
            referenced = set()
            for row in db.execute("SELECT audio_file, midi_file, lyrics_audio_file FROM clips"):
                referenced.update(name for name in row if name)
            for path in self.clips_dir.iterdir():
                if path.is_file() and path.name not in referenced:
                    path.unlink(missing_ok=True)
                    removed.append(path)
        if removed:
            log.info("library: removed %d unreferenced file(s)", len(removed))
        return removed

    def check(self) -> list[str]:
        """Consistency problems: rows whose files are missing, files no row references."""
        problems = []
        referenced = set()
        for record in self.clips():
            for path in self._files(record):
                referenced.add(path.name)
                if not path.is_file():
                    problems.append(f"clip {record.clip_id}: missing file {path.name}")
        for path in sorted(self.clips_dir.iterdir()):
            if path.name not in referenced:
                problems.append(f"unreferenced file {path.name}")
        with self._read() as db:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                problems.append("database integrity check failed")
        return problems

    # -- export -------------------------------------------------------------------------

    def export(self, out_dir: str | Path, clip_ids: Sequence[int] | None = None,
               playlist: str | None = None) -> Path:
        """Copy clips (WAV, MIDI, lyrics) into ``out_dir`` with a ``manifest.json``.

        Exports ``clip_ids``, or a playlist in its order, or (neither given) every clip.
        """

        if clip_ids:
            items = [(None, self.clip(i)) for i in clip_ids]
        elif playlist is not None:
            items = [(e.number, e.clip) for e in self.playlist(playlist)]
        else:
            items = [(None, c) for c in reversed(self.clips())]
        name = playlist_name(playlist) if playlist is not None and not clip_ids else None
        return export_records(Path(out_dir), items, name, SCHEMA_VERSION)


