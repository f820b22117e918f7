"""Events a turn emits while it runs, so front ends can act before the turn is over.

A front end passes ``on_event`` to :meth:`voice_agent.pipeline.turns.Pipeline.run` and gets
these in order: the transcript as soon as ASR ends, each reply sentence as soon as the
language model has written it, each synthesised sentence of the primary voice (play it
at once), the music clip as soon as it is playable, and the finished turn. Callbacks run
on the thread doing the work, so they must be quick and thread-safe (put on a queue).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

EVENT_STAGE_STARTED = "stage_started"
EVENT_STAGE_FINISHED = "stage_finished"
EVENT_STAGE_FAILED = "stage_failed"
EVENT_TRANSCRIPT = "transcript"
EVENT_SAY = "say"
EVENT_REPLY = "reply"
EVENT_SPEECH_CHUNK = "speech_chunk"
EVENT_MUSIC_READY = "music_ready"
EVENT_TURN_DONE = "turn_done"


@dataclass(frozen=True)
class TurnEvent:
    """Something that just happened in a running turn.

    ``elapsed_s`` counts from the start of the turn (for spoken input: the end of the
    person's speech). ``data`` holds the Transcript, Reply, MusicClip or Turn the event
    announces; ``audio`` one synthesised sentence or the music clip's audio.
    """

    kind: str
    stage: str = ""
    elapsed_s: float = 0.0
    text: str = ""
    audio: Audio | None = None
    voice: str = ""
    data: Any = None


EventCallback = Callable[[TurnEvent], None]


def safe_emit(callback: EventCallback | None, event: TurnEvent) -> None:
    """Deliver ``event``; a failing front-end callback is logged, never fatal to the turn."""
    if callback is None:
        return
    try:
        callback(event)
    except Exception:  # the turn's results matter more than one display update
        log.exception("an event callback failed on %s", event.kind)
