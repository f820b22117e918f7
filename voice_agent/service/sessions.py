"""Run turns inside a stored session (voice_agent.library.sessions), whatever the front end.

``voice-agent run --session``, the HTTP API's ``session`` field and ``voice-agent talk``
all come here: the session's recent turns are the turn's history, and the library hook
(``LibrarySession.session``) appends each finished turn to the session.
"""

from __future__ import annotations

from typing import Any

from voice_agent.core.types import Turn
from voice_agent.library.files import LibraryError
from voice_agent.pipeline.turns import Pipeline


def keeps_sessions(pipeline: Pipeline) -> bool:
    """True when the pipeline's library can keep sessions (the library is switched on)."""
    return pipeline.library is not None and pipeline.library.sessions is not None


def _library(pipeline: Pipeline):
    if not keeps_sessions(pipeline):
        raise LibraryError("Sessions are kept in the clip library, which is switched off; "
                           "drop --no-library (or [library] enabled = false) to use one.")
    return pipeline.library




def run_in_session(pipeline: Pipeline, name: str, **run: Any) -> Turn:
    """Run one turn (``Pipeline.run``'s arguments) in session ``name``, made when new.

    The session's last turns are the history; the finished turn is appended to it.
    LibraryError when the library is off or the name is unusable.
    """
    library = _library(pipeline)
    previous = library.session
    try:
        history = library.open_session(name, pipeline.history_turns)
        return pipeline.run(history=history, **run)
    finally:
        library.session = previous


def resume_session(pipeline: Pipeline, name: str) -> tuple[str, list[Turn]]:
    """For a long-running front end (talk): keep every later turn in session ``name``.

    Returns the stored name and the earlier turns, the front end's history to go on from.
    """
    library = _library(pipeline)
    history = library.open_session(name, pipeline.history_turns)
    return library.session, history
