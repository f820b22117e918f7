"""Run turns inside a stored session (voice_agent.library.sessions), whatever the front end.

``voice-agent run --session``, the HTTP API's ``session`` field and ``voice-agent talk``
all come here: the session's recent turns are the turn's history, and the turn's
:class:`~voice_agent.library.LibraryScope` (passed with the turn, never kept in the shared
library hook) makes the hook append the finished turn to the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voice_agent.core.types import Turn
from voice_agent.library import LibraryScope
from voice_agent.library.files import LibraryError
from voice_agent.library.sessions import SessionInfo, SessionStore, SessionTurn, Version
from voice_agent.pipeline.turns import Pipeline

#: The words of "go back to version N" in each language: the web app's "continue from
#: here" button says them, so the button and the voice command are one operation.
GO_BACK_WORDS = {"en": "go back to version {number}", "es": "vuelve a la versión {number}"}


class SessionsOffError(LibraryError):
    """Sessions were asked for while the clip library is switched off (HTTP 409)."""

    status = 409


def keeps_sessions(pipeline: Pipeline) -> bool:
    """True when the pipeline's library can keep sessions (the library is switched on)."""
    return pipeline.library is not None and pipeline.library.sessions is not None


def _library(pipeline: Pipeline):
    if not keeps_sessions(pipeline):
        raise SessionsOffError(key="sessions_off")
    return pipeline.library


def session_store(pipeline: Pipeline) -> SessionStore:
    """The store the pipeline keeps its sessions in; SessionsOffError when there is none."""
    return _library(pipeline).sessions


@dataclass(frozen=True)
class SessionDetail:
    """A stored session as a front end shows it: its summary, turns and versions, and
    which version is current (what the next edit starts from)."""

    info: SessionInfo
    turns: tuple[SessionTurn, ...]
    versions: tuple[Version, ...]
    current: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"session": self.info.to_dict(), "current_version": self.current,
                "turns": [turn.to_dict() for turn in self.turns],
                "versions": [version.to_dict() for version in self.versions]}


def session_detail(pipeline: Pipeline, name: str) -> SessionDetail:
    """Session ``name`` with its turns and versions; NoSuchSessionError when not stored."""
    store = session_store(pipeline)
    info = store.info(name)
    current = store.current_version(info.name)
    return SessionDetail(info, tuple(store.turns(info.name)), tuple(store.versions(info.name)),
                         current.number if current else None)


def go_back_words(number: int, language: str | None) -> str:
    """The request "go back to version ``number``" in ``language`` (English otherwise)."""
    return GO_BACK_WORDS.get(language or "en", GO_BACK_WORDS["en"]).format(number=number)



def run_in_session(pipeline: Pipeline, name: str, owner: str | None = None,
                   **run: Any) -> Turn:
    """Run one turn (``Pipeline.run``'s arguments) in session ``name``, made when new.

    The session's last turns are the history; the finished turn is appended to it.
    ``owner`` keys the turn's "current clip" and pending confirmation (default: the
    session's name). LibraryError when the library is off or the name is unusable.
    """
    stored, history = _library(pipeline).open_session(name, pipeline.history_turns)
    return pipeline.run(history=history, scope=LibraryScope(session=stored, owner=owner), **run)


def resume_session(pipeline: Pipeline, name: str) -> tuple[LibraryScope, list[Turn]]:
    """For a long-running front end (talk): keep every later turn in session ``name``.

    Returns the scope to pass with every later turn (``Pipeline.run(scope=...)``) and the
    earlier turns, the front end's history to go on from.
    """
    stored, history = _library(pipeline).open_session(name, pipeline.history_turns)
    return LibraryScope(session=stored), history
