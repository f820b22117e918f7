"""The responder stage's contract, and the optional abilities a responder may have.

The pipeline asks ``isinstance(responder, StreamingResponder)`` instead of probing for
attributes, so what a backend can do is written down here, in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from voice_agent.core.types import Reply, Transcript, Turn
from voice_agent.responder.reading import RequestReading


@runtime_checkable
class Responder(Protocol):
    """Transcript (plus recent turns) to a reply and a music plan."""

    model_id: str

    def load(self) -> None:
        """Load weights (idempotent)."""

    def respond(self, transcript: Transcript, history: Sequence[Turn] = (),
                reading: RequestReading | None = None) -> Reply:
        """Decide what to say and what music to make.

        ``reading`` is what the person's words say (:mod:`voice_agent.responder.reading`),
        read once by the pipeline; None means read them here.
        """


@runtime_checkable
class StreamingResponder(Responder, Protocol):
    """A responder that hands out each sentence of ``say`` while it is still writing.

    ``last_first_token_s`` is the seconds from the request to the model's first token in
    the latest :meth:`respond_stream` call (None before the first token).
    """

    last_first_token_s: float | None

    def respond_stream(self, transcript: Transcript, history: Sequence[Turn] = (),
                       on_sentence: Callable[[str], None] | None = None,
                       reading: RequestReading | None = None,
                       on_plan: Callable[[Reply], None] | None = None) -> Reply:
        """Like ``respond``; the reply's ``say`` begins with the sentences handed out.

        ``on_plan``, when given, is called at most once with a reply without words whose
        plan is already final (the music can render while the words are written); the
        returned reply then has that plan.
        """


@runtime_checkable
class PrefillingResponder(Protocol):
    """A responder that can start on a request's first words while the person still speaks."""

    def prefill(self, partial: Transcript, history: Sequence[Turn] = ()) -> int:
        """Evaluate the prompt up to ``partial``'s words; returns the tokens evaluated."""


@runtime_checkable
class JsonCompleter(Protocol):
    """A language model that answers chat messages with JSON matching a schema (lyrics)."""

    def complete_json(self, messages: list[dict[str, str]], schema: dict[str, Any],
                      max_tokens: int, temperature: float | None = None,
                      seed: int | None = None, repeat_penalty: float = 1.0,
                      on_piece: Callable[[str], None] | None = None) -> str:
        """The model's raw JSON answer."""
