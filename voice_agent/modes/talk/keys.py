"""The push-to-talk key/state machine: pure, no terminal and no audio, so it is unit-tested.

The front end feeds it key presses (with the time they arrived), clock ticks and what the
rest of the session did (a turn started or ended, playback started or stopped, the
microphone failed); it answers with :class:`Command` values for the front end to carry
out, and says which :class:`State` to show.

Talking works as a toggle everywhere (space or Enter starts listening, pressing again
sends). Terminals do not report key release, so hold-to-talk is recognised from the key's
auto-repeat: repeats arriving less than ``repeat_gap_s`` apart mean the key is held, and
when they stop for ``release_s`` the key was let go and the recording is sent. Presses
within ``grace_s`` of the start never send, because a held key's first repeat comes only
after the keyboard's repeat delay (250-660 ms) and would otherwise look like a second
press.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

TALK_KEYS = frozenset({" ", "\r", "\n"})
KEY_ESCAPE = "\x1b"
KEY_BACKSPACE = frozenset({"\x7f", "\x08"})
KEY_INTERRUPT = frozenset({"\x03", "\x04"})  # Ctrl-C, Ctrl-D


class State(str, enum.Enum):
    """What the session is doing, as shown on the state line."""

    LOADING = "loading"
    READY = "ready"
    LISTENING = "listening"
    TYPING = "typing"
    THINKING = "thinking"
    SPEAKING = "speaking"
    PLAYING_MUSIC = "playing music"


class Do(str, enum.Enum):
    """Commands the front end carries out."""

    START_LISTENING = "start_listening"
    SEND_RECORDING = "send_recording"
    CANCEL_RECORDING = "cancel_recording"
    SUBMIT_TEXT = "submit_text"
    STOP_PLAYBACK = "stop_playback"
    REPLAY = "replay"
    SAVE = "save"
    TOGGLE_VOICE = "toggle_voice"
    QUIT = "quit"
    NOTE = "note"  # nothing to do, but say so: ``text`` is what (see :data:`NOTES`)


#: What a NOTE command's ``text`` may be (besides "key:<the key>" for a key with no use).
NOTE_NOTHING_PLAYING = "nothing_playing"
NOTE_TYPING_CANCELLED = "typing_cancelled"


@dataclass(frozen=True)
class Command:
    """One thing to do; ``text`` carries a typed request for SUBMIT_TEXT, or a note's topic."""

    action: Do
    text: str = ""


@dataclass(frozen=True)
class Timing:
    """How key auto-repeat is told from separate presses (seconds)."""

    repeat_gap_s: float = 0.15
    release_s: float = 0.35
    grace_s: float = 1.0
    hold_to_talk: bool = True  # False: a held key is ignored, only presses toggle


class TalkMachine:
    """The session's key handling and visible state."""

    def __init__(self, text_only: bool = False, timing: Timing = Timing()) -> None:
        self.text_only = text_only
        self.timing = timing
        self.mode = State.LOADING  # LOADING, READY, LISTENING or TYPING
        self.busy = False  # a turn is running in the pipeline
        self.playing: str | None = None  # "speech", "music" or None
        self.typed = ""
        self.held = False
        self._listen_started = 0.0
        self._last_talk = -1e9
        self._ignore_until = -1e9

    # ------------------------------------------------------------------ the visible state
    @property
    def state(self) -> State:
        """What to show: the input mode wins, then playback, then a running turn."""
        if self.mode in (State.LOADING, State.LISTENING, State.TYPING):
            return self.mode
        if self.playing == "speech":
            return State.SPEAKING
        if self.playing == "music":
            return State.PLAYING_MUSIC
        return State.THINKING if self.busy else State.READY

    # ------------------------------------------------------------------ what happened
    def ready(self) -> None:
        """The models are loaded."""
        self.mode = State.READY

    def turn_started(self) -> None:
        """A request went to the pipeline."""
        self.busy = True

    def turn_finished(self) -> None:
        """The pipeline finished the turn (its playback may still go on)."""
        self.busy = False

    def playback(self, kind: str | None) -> None:
        """The player started ``kind`` ("speech" or "music") or went quiet (None)."""
        self.playing = kind

    def listening_failed(self) -> None:
        """The microphone could not start or stopped mid-recording."""
        if self.mode is State.LISTENING:
            self.mode = State.READY
        self.held = False

    # ------------------------------------------------------------------ input
    def press(self, key: str, now: float) -> list[Command]:
        """Handle one key press that arrived at ``now`` (seconds, any monotonic clock)."""
        if key in KEY_INTERRUPT:
            return [Command(Do.QUIT)]
        if self.mode is State.LOADING:
            return []
        if self.mode is State.TYPING:
            return self._typing_key(key)
        if key in TALK_KEYS:
            return self._talk_key(now)
        if self.mode is State.LISTENING:
            return self._listening_key(key)
        return self._idle_key(key)

    def tick(self, now: float) -> list[Command]:
        """Called often; sends the recording once a held talk key has been let go."""
        if self.mode is State.LISTENING and self.held and \
                now - self._last_talk > self.timing.release_s:
            # Repeats held up by a busy machine may still be on their way: ignore them.
            self._ignore_until = now + self.timing.release_s
            return self._send()
        return []

    def _talk_key(self, now: float) -> list[Command]:
        gap = now - self._last_talk
        self._last_talk = now
        is_repeat = gap < self.timing.repeat_gap_s
        if self.mode is State.LISTENING:
            if is_repeat:
                self.held = self.timing.hold_to_talk
                return []
            if now - self._listen_started < self.timing.grace_s:
                return []
            return self._send()
        if is_repeat or now < self._ignore_until:  # the tail of a held key, already sent
            return []
        if self.text_only:
            return self._start_typing()
        stop = [Command(Do.STOP_PLAYBACK)] if self.playing or self.busy else []
        self.mode = State.LISTENING
        self.held = False
        self._listen_started = now
        return stop + [Command(Do.START_LISTENING)]

    def _send(self) -> list[Command]:
        self.mode = State.READY
        self.held = False
        return [Command(Do.SEND_RECORDING)]

    def _listening_key(self, key: str) -> list[Command]:
        if key in (KEY_ESCAPE, "q"):
            self.mode = State.READY
            self.held = False
            cancel = [Command(Do.CANCEL_RECORDING)]
            return cancel + ([Command(Do.QUIT)] if key == "q" else [])
        return []

    def _idle_key(self, key: str) -> list[Command]:
        simple = {"q": Do.QUIT, "r": Do.REPLAY, "w": Do.SAVE, "v": Do.TOGGLE_VOICE}
        if key in simple:
            return [Command(simple[key])]
        if key in ("s", KEY_ESCAPE):
            if self.playing or self.busy:
                return [Command(Do.STOP_PLAYBACK)]
            return [Command(Do.NOTE, NOTE_NOTHING_PLAYING)]
        if key == "t":
            return self._start_typing()
        return [Command(Do.NOTE, f"key:{key}")] if key.isprintable() else []

    def _start_typing(self) -> list[Command]:
        self.mode = State.TYPING
        self.typed = ""
        return []

    def _typing_key(self, key: str) -> list[Command]:
        if key == KEY_ESCAPE:
            self.mode = State.READY
            return [Command(Do.NOTE, NOTE_TYPING_CANCELLED)]
        elif key in ("\r", "\n"):
            text, self.typed = self.typed.strip(), ""
            self.mode = State.READY
            if text:
                stop = [Command(Do.STOP_PLAYBACK)] if self.playing or self.busy else []
                return stop + [Command(Do.SUBMIT_TEXT, text)]
        elif key in KEY_BACKSPACE:
            self.typed = self.typed[:-1]
        elif key.isprintable():
            self.typed += key
        return []
