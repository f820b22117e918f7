"""Cooperative cancellation of a running turn.

A front end hands :meth:`Pipeline.run <voice_agent.pipeline.turns.Pipeline.run>` a
:class:`CancelToken` and calls :meth:`CancelToken.cancel` from another thread (the web
page's Cancel button, ``DELETE /api/turn/{id}``). The pipeline checks the token between
stages and inside its streaming loops (each reply sentence from the language model, each
spoken chunk), so the turn stops within one sentence's work: a model call already running
is not interrupted, the checks around it are.
"""

from __future__ import annotations

import threading

from voice_agent.core.errors import VoiceAgentError


class TurnCancelledError(VoiceAgentError):
    """The person cancelled the turn; nothing of it is kept."""

    kind = "cancelled"

    def __init__(self, message: str = "The turn was cancelled; nothing of it was kept.") -> None:
        super().__init__(message)


class CancelToken:
    """Set once by whoever cancels; read by the work being cancelled (thread-safe)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`TurnCancelledError` when cancelled (a check point)."""
        if self._event.is_set():
            raise TurnCancelledError()

