"""Conversations kept on disk with the clip library: turns, plans, clips and versions.

A *session* has a name ("kitchen", "tab-3f2a") and an ordered list of finished turns,
stored in the library's database (tables ``sessions`` and ``session_turns``, schema
version 3). Each turn keeps what a later turn needs: the request and transcript, the
spoken reply, the intent, the plan and the clip it rendered or played. So ``voice-agent
run --session kitchen`` in a new process continues where the last one stopped, and a
process killed mid-turn loses nothing that was committed (every append is one
``BEGIN IMMEDIATE`` transaction; the database is SQLite in WAL mode).

*Versions.* A session is one piece of music being worked on. Every clip rendered in it is
a numbered version (1, 2, ...) with its plan, the version it was made from (its parent)
and what changed from that one. The *current* version is that of the latest turn that
had one: a new render, or going back to / playing an earlier version. "Undo" undoes the
last step: a go-back returns to where it came from, an edit to the version it was made from
(see :meth:`SessionStore.previous_version`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voice_agent.core.plan import plan_from_dict, plan_to_dict
from voice_agent.core.types import (Intent, MusicClip, MusicPlan, Reply, Transcript, Turn)
from voice_agent.library.files import LibraryError, now_iso
from voice_agent.library.records import LIBRARY_BACKEND
from voice_agent.library.store import Library

MAX_NAME_CHARS = 64
_NAME_OK = re.compile(r"^[\w .:@+-]{1,64}$")


class SessionNameError(LibraryError):
    """A session name that cannot be used (the request's fault: HTTP 400)."""

    status = 400


class NoSuchSessionError(LibraryError):
    """No session is stored under the name asked for (HTTP 404)."""

    status = 404


def check_session_name(name: str) -> str:
    """``name`` tidied (spaces trimmed); SessionNameError when it is empty, long or odd."""
    cleaned = " ".join((name or "").split())
    if not _NAME_OK.fullmatch(cleaned):
        raise SessionNameError(key="bad_session_name", name=name, max_chars=MAX_NAME_CHARS)
    return cleaned


def new_session_name() -> str:
    """A fresh session name ("s-1a2b3c4d")."""
    return f"s-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class SessionInfo:
    """A stored session: its name, when it started and last changed, how many turns."""

    name: str
    created_at: str
    updated_at: str
    turns: int
    versions: int
    first_request: str = ""  # what the first turn asked (its transcript), to tell sessions apart

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"name": self.name, "created_at": self.created_at,
                "updated_at": self.updated_at, "turns": self.turns, "versions": self.versions,
                "first_request": self.first_request}


@dataclass(frozen=True)
class SessionTurn:
    """One finished turn as the session keeps it."""

    session: str
    index: int
    created_at: str
    turn_id: str
    request: str
    transcript: str
    language: str
    say: str
    intent: str
    music_prompt: str
    plan: MusicPlan | None
    clip_id: int | None
    version: int | None
    new_version: bool
    parent_version: int | None
    changed: str

    def to_turn(self, music: MusicClip | None = None) -> Turn:
        """A :class:`Turn` the responder can read as history (``last_plan`` and the like)."""
        try:
            intent = Intent(self.intent)
        except ValueError:
            intent = Intent.CHAT
        transcript = Transcript(self.transcript, self.language) if self.transcript else None
        reply = Reply(say=self.say, music_prompt=self.music_prompt, intent=intent,
                      plan=self.plan, language=self.language, source="session")
        return Turn(turn_id=self.turn_id, created_at=self.created_at, request=self.request,
                    transcript=transcript, reply=reply, music=music)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"session": self.session, "index": self.index, "created_at": self.created_at,
                "turn_id": self.turn_id, "request": self.request,
                "transcript": self.transcript, "language": self.language, "say": self.say,
                "intent": self.intent, "music_prompt": self.music_prompt,
                "plan": plan_to_dict(self.plan) if self.plan else None,
                "clip_id": self.clip_id, "version": self.version,
                "new_version": self.new_version, "parent_version": self.parent_version,
                "changed": self.changed}


@dataclass(frozen=True)
class Version:
    """A numbered render of the session's piece."""

    number: int
    plan: MusicPlan
    clip_id: int | None
    parent: int | None
    changed: str
    turn_index: int
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"number": self.number, "plan": plan_to_dict(self.plan),
                "clip_id": self.clip_id, "parent": self.parent, "changed": self.changed,
                "turn_index": self.turn_index, "created_at": self.created_at}


def describe_change(before: MusicPlan | None, after: MusicPlan) -> str:
    """What changed from ``before`` to ``after``, field by field ("tempo 180 -> 207 BPM;
    added piano"); "first version" when there was none, "new take (same plan)" for a seed."""
    if before is None:
        return "first version"
    parts = []
    if before.genre != after.genre:
        parts.append(f"genre {before.genre} -> {after.genre}")
    if before.bpm != after.bpm:
        parts.append(f"tempo {before.bpm} -> {after.bpm} BPM")
    if (before.key, before.mode) != (after.key, after.mode):
        parts.append(f"key {before.key} {before.mode} -> {after.key} {after.mode}")
    added = [i for i in after.instruments if i not in before.instruments]
    removed = [i for i in before.instruments if i not in after.instruments]
    if added:
        parts.append("added " + ", ".join(added))
    if removed:
        parts.append("removed " + ", ".join(removed))
    if before.mood != after.mood:
        parts.append(f"mood {before.mood} -> {after.mood}")
    if before.duration_s != after.duration_s:
        parts.append(f"length {before.duration_s:g} -> {after.duration_s:g} s")
    if not parts and before.seed != after.seed:
        parts.append("new take (same plan)")
    return "; ".join(parts) or "no change"


class SessionStore:
    """Sessions in a :class:`Library`'s database (see the module docstring)."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # -- sessions -----------------------------------------------------------------------

    def open(self, name: str) -> SessionInfo:
        """The session called ``name``, created when there is none yet."""
        name = check_session_name(name)
        now = now_iso()
        with self.library._write() as db:  # same package: one transaction with the library
            db.execute("INSERT OR IGNORE INTO sessions (name, created_at, updated_at) "
                       "VALUES (?, ?, ?)", (name, now, now))
        return self.info(name)

    def exists(self, name: str) -> bool:
        """True when a session called ``name`` is stored."""
        with self.library._read() as db:
            return db.execute("SELECT 1 FROM sessions WHERE name = ?",
                              (check_session_name(name),)).fetchone() is not None

    _INFO = """SELECT s.name, s.created_at, s.updated_at,
                      (SELECT COUNT(*) FROM session_turns t WHERE t.session_id = s.session_id),
                      (SELECT COUNT(*) FROM session_turns t WHERE t.session_id = s.session_id
                       AND t.new_version = 1),
                      (SELECT COALESCE(NULLIF(t.transcript, ''), t.request) FROM session_turns t
                       WHERE t.session_id = s.session_id ORDER BY t.turn_index LIMIT 1)
               FROM sessions s"""

    def info(self, name: str) -> SessionInfo:
        """A stored session's summary; LibraryError when there is none."""
        with self.library._read() as db:
            row = db.execute(self._INFO + " WHERE s.name = ?",
                             (check_session_name(name),)).fetchone()
        if row is None:
            raise NoSuchSessionError(key="no_session", name=name)
        return self._info(row)

    def sessions(self) -> list[SessionInfo]:
        """Every stored session, most recently used first."""
        with self.library._read() as db:
            rows = db.execute(self._INFO + " ORDER BY s.updated_at DESC, s.session_id DESC"
                              ).fetchall()
        return [self._info(row) for row in rows]

    @staticmethod
    def _info(row) -> SessionInfo:
        return SessionInfo(row[0], row[1], row[2], int(row[3]), int(row[4]), row[5] or "")

    # -- turns --------------------------------------------------------------------------

    def append(self, name: str, turn: Turn, clip_id: int | None = None,
               version: int | None = None) -> SessionTurn:
        """Store a finished turn at the end of the session, in one transaction.

        ``clip_id`` is the clip the turn rendered (then it becomes a new version, made from
        the current one) or played; ``version`` names the existing version it played
        ("go back to version 1"), or None.
        """
        name = check_session_name(name)
        reply, transcript = turn.reply, turn.transcript
        plan = reply.plan if reply else None
        new = version is None and clip_id is not None and plan is not None and \
            not self._played(turn)
        with self.library._write() as db:
            session_id = self._session_id(db, name)
            index = int(db.execute("SELECT COALESCE(MAX(turn_index), 0) + 1 FROM session_turns "
                                   "WHERE session_id = ?", (session_id,)).fetchone()[0])
            current = self._current(db, session_id)
            parent, changed = None, ""
            if new:
                version = int(db.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM "
                                         "session_turns WHERE session_id = ? AND new_version = 1",
                                         (session_id,)).fetchone()[0])
                parent = current.number if current else None
                changed = describe_change(current.plan if current else None, plan)
            row = {"session_id": session_id, "turn_index": index, "created_at": turn.created_at,
                   "turn_id": turn.turn_id, "request": turn.request,
                   "transcript": transcript.text if transcript else "",
                   "language": (reply.language if reply else
                                transcript.language if transcript else ""),
                   "say": reply.say if reply else "",
                   "intent": reply.intent.value if reply else "",
                   "music_prompt": reply.music_prompt if reply else "",
                   "plan_json": json.dumps(plan_to_dict(plan)) if plan else None,
                   "clip_id": clip_id, "version": version, "new_version": int(new),
                   "parent_version": parent, "changed": changed}
            db.execute(f"INSERT INTO session_turns ({', '.join(row)}) "
                       f"VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
            db.execute("UPDATE sessions SET updated_at = ? WHERE session_id = ?",
                       (now_iso(), session_id))
        return self.turns(name)[-1]

    @staticmethod
    def _played(turn: Turn) -> bool:
        """True when the turn's music was played from the library, not rendered now."""
        return turn.music is not None and turn.music.library_clip_id is not None

    def turns(self, name: str, limit: int | None = None) -> list[SessionTurn]:
        """The session's turns in order (the last ``limit`` of them when given)."""
        name = check_session_name(name)
        with self.library._read() as db:
            rows = db.execute(
                "SELECT * FROM (SELECT t.* FROM session_turns t JOIN sessions s USING "
                "(session_id) WHERE s.name = ? ORDER BY t.turn_index DESC LIMIT ?) "
                "ORDER BY turn_index", (name, -1 if limit is None else limit)).fetchall()
        return [self._turn(name, row) for row in rows]

    def history(self, name: str, limit: int = 4) -> list[Turn]:
        """The last ``limit`` turns as :class:`Turn` history for the pipeline.

        The most recent turn with a clip carries that clip's audio, so "play it again" in a
        new process replays it instead of rendering anew; a clip deleted since is left out.
        """
        stored = self.turns(name, limit) if limit > 0 else []
        with_clip = next((t for t in reversed(stored) if t.clip_id is not None), None)
        history = []
        for turn in stored:
            music = self._music(turn) if turn is with_clip else None
            history.append(turn.to_turn(music))
        return history

    def _music(self, turn: SessionTurn) -> MusicClip | None:
        try:
            audio = self.library.load_audio(turn.clip_id)
            record = self.library.clip(turn.clip_id)
        except LibraryError:
            return None
        return MusicClip(audio, record.plan or turn.plan or MusicPlan(),
                         backend=LIBRARY_BACKEND, library_clip_id=turn.clip_id)

    def last_clip_id(self, name: str) -> int | None:
        """The clip the session's latest turn with one rendered or played, or None."""
        with self.library._read() as db:
            row = db.execute("SELECT t.clip_id FROM session_turns t JOIN sessions s USING "
                             "(session_id) WHERE s.name = ? AND t.clip_id IS NOT NULL ORDER BY "
                             "t.turn_index DESC LIMIT 1", (check_session_name(name),)).fetchone()
        return int(row[0]) if row else None

    # -- versions -----------------------------------------------------------------------

    def versions(self, name: str) -> list[Version]:
        """Every version of the session's piece, by number."""
        with self.library._read() as db:
            rows = db.execute(
                "SELECT t.* FROM session_turns t JOIN sessions s USING (session_id) "
                "WHERE s.name = ? AND t.new_version = 1 ORDER BY t.version",
                (check_session_name(name),)).fetchall()
        return [self._version(row) for row in rows]

    def version(self, name: str, number: int) -> Version:
        """Version ``number`` (1-based; negative counts from the last: -1 is the last)."""
        versions = self.versions(name)
        if not versions:
            raise LibraryError(key="no_versions", name=name)
        index = number - 1 if number > 0 else len(versions) + number
        if not 0 <= index < len(versions):
            raise LibraryError(key="no_version", number=number, name=name, count=len(versions))
        return versions[index]

    def current_version(self, name: str) -> Version | None:
        """The version the latest turn rendered, went back to or played; None before any."""
        with self.library._read() as db:
            row = db.execute("SELECT session_id FROM sessions WHERE name = ?",
                             (check_session_name(name),)).fetchone()
            return self._current(db, int(row[0])) if row else None

    def previous_version(self, name: str) -> Version | None:
        """What "undo" goes back to; None when there is nothing to undo.

        After "go back to version 1" or "play version 2", undo returns to the version that
        was current before it; otherwise (after a render, or an undo) to the version the
        current one was made from, so "undo, undo" walks back through the edits.
        """
        versioned = [t for t in self.turns(name) if t.version is not None]
        if not versioned:
            return None
        last = versioned[-1]
        navigated = not last.new_version and last.intent in (Intent.GO_TO_VERSION.value,
                                                             Intent.PLAY_VERSION.value)
        if navigated and len(versioned) > 1:
            return self.version(name, versioned[-2].version)
        current = self.current_version(name)
        if current is None or current.parent is None:
            return None
        return self.version(name, current.parent)

    # -- rows ---------------------------------------------------------------------------

    @staticmethod
    def _session_id(db, name: str) -> int:
        now = now_iso()
        db.execute("INSERT OR IGNORE INTO sessions (name, created_at, updated_at) "
                   "VALUES (?, ?, ?)", (name, now, now))
        return int(db.execute("SELECT session_id FROM sessions WHERE name = ?",
                              (name,)).fetchone()[0])

    def _current(self, db, session_id: int) -> Version | None:
        latest = db.execute("SELECT version FROM session_turns WHERE session_id = ? AND "
                            "version IS NOT NULL ORDER BY turn_index DESC LIMIT 1",
                            (session_id,)).fetchone()
        if latest is None:
            return None
        row = db.execute("SELECT * FROM session_turns WHERE session_id = ? AND version = ? "
                         "AND new_version = 1", (session_id, latest[0])).fetchone()
        return self._version(row) if row else None

    @staticmethod
    def _version(row) -> Version:
        return Version(int(row["version"]), plan_from_dict(json.loads(row["plan_json"])),
                       row["clip_id"], row["parent_version"], row["changed"],
                       int(row["turn_index"]), row["created_at"])

    @staticmethod
    def _turn(name: str, row) -> SessionTurn:
        plan = plan_from_dict(json.loads(row["plan_json"])) if row["plan_json"] else None
        return SessionTurn(
            session=name, index=int(row["turn_index"]), created_at=row["created_at"],
            turn_id=row["turn_id"], request=row["request"], transcript=row["transcript"],
            language=row["language"], say=row["say"], intent=row["intent"],
            music_prompt=row["music_prompt"], plan=plan, clip_id=row["clip_id"],
            version=row["version"], new_version=bool(row["new_version"]),
            parent_version=row["parent_version"], changed=row["changed"])


def versions_summary(versions: Sequence[Version]) -> list[str]:
    """One line per version ("2. salsa, 207 BPM, D major (tempo 180 -> 207 BPM)")."""
    return [f"{v.number}. {v.plan.genre.replace('_', ' ')}, {v.plan.bpm} BPM, "
            f"{v.plan.key} {v.plan.mode} ({v.changed})" for v in versions]
