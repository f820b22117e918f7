"""The errors the service raises; each maps to an HTTP status."""


from __future__ import annotations

import logging

from voice_agent.core.errors import VoiceAgentError

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

