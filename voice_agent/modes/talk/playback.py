"""What to play for one turn, and when: the reply as it is spoken, then the music.

The pipeline speaks the primary voice sentence by sentence (speech_chunk events) while
the music renders; the music waits until that voice is done, so it never cuts into the
reply. When the person chose the other voice, its audio exists only once the turn is
over, so it is played then, followed by the music.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice_agent.core.events import (EVENT_MUSIC_READY, EVENT_SPEECH_CHUNK, EVENT_STAGE_FAILED,
                                EVENT_STAGE_FINISHED, EVENT_STAGE_STARTED, EVENT_TURN_DONE,
                                TurnEvent)
from voice_agent.pipeline.turns import SPEECH_STAGE_PREFIX
from voice_agent.core.types import Audio


@dataclass
class TurnPlayback:
    """Playback bookkeeping of one turn; :meth:`handle` returns clips to queue, in order.

    ``voice`` is the voice to play (None: no voice); ``primary`` the one the pipeline
    streams. ``muted`` turns (the person stopped them or talked over them) play nothing.
    """

    voice: str | None
    primary: str | None
    muted: bool = False
    primary_done: bool = False
    turn_done: bool = False
    music: Audio | None = None
    music_queued: bool = False

    def handle(self, event: TurnEvent) -> list[tuple[Audio, str]]:
        """The (audio, kind) clips this event makes playable now."""
        clips: list[tuple[Audio, str]] = []
        if event.kind == EVENT_SPEECH_CHUNK and event.voice == self.voice \
                and event.audio is not None:
            clips.append((event.audio, "speech"))
        elif event.kind == EVENT_MUSIC_READY:
            self.music = event.audio
        elif event.kind == EVENT_TURN_DONE:
            self.turn_done = self.primary_done = True
            clips += self._chosen_voice_at_end(event)
        elif self._ends_primary_voice(event):
            self.primary_done = True
        clips += self._music_if_due()
        return [] if self.muted else clips

    def _ends_primary_voice(self, event: TurnEvent) -> bool:
        """The primary voice is done when it fails or another voice starts or ends."""
        if not event.stage.startswith(SPEECH_STAGE_PREFIX):
            return False
        if event.kind == EVENT_STAGE_FAILED:
            return True
        is_primary = event.stage == SPEECH_STAGE_PREFIX + (self.primary or "")
        return not is_primary and event.kind in (EVENT_STAGE_STARTED, EVENT_STAGE_FINISHED)

    def _chosen_voice_at_end(self, event: TurnEvent) -> list[tuple[Audio, str]]:
        if self.voice is None or self.voice == self.primary or event.data is None:
            return []
        return [(s.audio, "speech") for s in event.data.speech if s.voice == self.voice]

    def _music_if_due(self) -> list[tuple[Audio, str]]:
        if self.music is None or self.music_queued:
            return []
        speech_over = self.turn_done or self.voice is None or \
            (self.voice == self.primary and self.primary_done)
        if not speech_over:
            return []
        self.music_queued = True
        return [(self.music, "music")]
