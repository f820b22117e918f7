"""Status lines shared by the web app's tabs."""

from __future__ import annotations

import logging

from voice_agent.core.errors import VoiceAgentError

log = logging.getLogger("voice_agent.modes.web")


def message(text: str, kind: str = "info") -> str:
    """A status line for the page (Markdown)."""
    label = {"info": "", "ok": "**Done.** ", "error": "**Problem:** ", "busy": "*Working:* "}[kind]
    return f"{label}{text}"


def failure_message(exc: Exception) -> str:
    """The page's message for a failed action; a bug is logged, never shown as a dead page."""
    if isinstance(exc, VoiceAgentError):
        return message(str(exc), "error")
    log.exception("web action failed")
    return message(f"Something went wrong: {type(exc).__name__}: {exc}. The details are in "
                   "the server log; try again.", "error")
