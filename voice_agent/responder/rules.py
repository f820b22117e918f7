"""The deterministic responder: no model, just the request's own words.

It is the fallback when a language model's answer is unusable, and a backend of its own
(``--llm-backend rules``) for machines where no model can run.
"""

from __future__ import annotations

from collections.abc import Sequence

from voice_agent.responder.replies import rule_reply
from voice_agent.core.types import Reply, Transcript, Turn
from voice_agent.responder.reading import RequestReading


class RuleResponder:
    """A :class:`~voice_agent.responder.protocol.Responder` built from keyword rules."""

    model_id = "rules"

    def __init__(self, default_duration_s: float = 15.0) -> None:
        self.default_duration_s = default_duration_s

    def load(self) -> None:
        """Nothing to load."""

    def respond(self, transcript: Transcript, history: Sequence[Turn] = (),
                reading: RequestReading | None = None) -> Reply:
        """Reply from the transcript's words alone."""
        return rule_reply(transcript, history, self.default_duration_s, reading=reading)
