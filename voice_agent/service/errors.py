"""The errors the service raises; each maps to an HTTP status."""


from __future__ import annotations

import logging
import re

from voice_agent.core.errors import VoiceAgentError
from voice_agent.core.types import Turn

log = logging.getLogger(__name__)





class ServiceError(VoiceAgentError):
    """A request the service refuses; ``status`` is the HTTP status it maps to."""

    kind = "bad_request"
    status = 400


class UnknownIdError(ServiceError):
    """An audio, request or speaker id that does not exist (or no longer does)."""

    kind = "not_found"
    status = 404


class BusyError(ServiceError):
    """Too many requests are already waiting for the models."""

    kind = "busy"
    status = 503


class StageUnavailableError(ServiceError):
    """The stage this request needs is not configured or could not load."""

    kind = "unavailable"
    status = 503


class StageBusyError(ServiceError):
    """A stage that runs elsewhere (a Ray deployment) had no live replica in time: its
    replicas were lost and are being replaced. Answered 503 with Retry-After; asking again
    is safe (every stage call is a pure function of its inputs)."""

    kind = "stage_busy"
    status = 503


def busy_stage_error(turn: Turn) -> StageBusyError | None:
    """The 503 for a turn in which a stage had no live replica, else None."""
    for error in turn.errors:
        if error.kind == StageBusyError.kind:
            return StageBusyError(error.message)
    return None


class StageFailedError(ServiceError):
    """A stage the request needed failed; the message names it and says why."""

    kind = "stage_failed"
    status = 500

    @classmethod
    def from_turn(cls, turn: Turn) -> "ServiceError":
        """The error for a turn that made nothing: its first recorded failure (a stage
        without a live replica: :class:`StageBusyError`, to ask again)."""
        if not turn.errors:
            return cls("The request produced no music and no stage said why; see the log.")
        busy = busy_stage_error(turn)
        if busy is not None:
            return busy
        error = turn.errors[0]
        return cls(f"The {error.stage} stage failed: {error.message}")


class ConflictError(ServiceError):
    """A request with this idempotency key is still being worked on."""

    kind = "in_progress"
    status = 409


class UnknownEngineError(ServiceError):
    """A music engine name that is not among those configured; the message lists them."""

    kind = "unknown_engine"
    status = 422


class TooLargeError(ServiceError):
    """An upload over the size or count limit."""

    kind = "too_large"
    status = 413


MIB = 1024 * 1024
# An absolute path (two or more segments) in a message: a server's folders are nobody's
# business, so messages keep only the file's own name.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:/[^\s/'\"`:;,()]+){2,}/?")


def scrub_paths(text: str) -> str:
    """``text`` with every absolute path replaced by its last part (the file's name)."""
    return _ABSOLUTE_PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def mib(size: int) -> str:
    """A size in MiB for messages (the unit every limit is given in)."""
    return f"{size / MIB:.1f} MiB"
