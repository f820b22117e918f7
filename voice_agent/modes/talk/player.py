"""Interruptible playback: speech sentences and music clips queued on one output stream.

Clips are resampled to the rate the device accepted. The stream stays open (playing
silence) between clips, so a sentence that arrives while the previous one is still
playing follows it without a gap; :meth:`Player.stop` aborts the stream, dropping what
the device has buffered, so barge-in is immediate.

A freshly opened stream starts with :data:`LEAD_IN_S` of silence. Measured on PulseAudio
through ALSA's pulse plugin (tests/test_talk_devices_real.py): the first 100-135 ms
written to a new stream never came out of the speaker, so a reply lost its first syllable.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from voice_agent.core.audio import resample
from voice_agent.modes.talk.devices import OUTPUT, AudioDeviceError, DeviceChoice, start_stream
from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

#: Silence played first on a new stream. 0.1 s still lost up to 35 ms of a clip's start
#: on PulseAudio; 0.2 s lost none in the runs measured (see the module docstring).
LEAD_IN_S = 0.2


class _Clip:
    def __init__(self, kind: str, samples: np.ndarray) -> None:
        self.kind = kind
        self.samples = samples
        self.position = 0

    @property
    def left(self) -> int:
        return len(self.samples) - self.position


class Player:
    """Plays queued clips in order on an output device; safe to call from any thread."""

    writes_files_only = False

    def __init__(self, sd: Any, choice: DeviceChoice,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sd = sd
        self.choice = choice
        self.clock = clock
        self._queue: deque[_Clip] = deque()
        self._lock = threading.Lock()
        self._stream: Any = None
        self._failure: str | None = None
        # the last clip handed to the device, and when its last sample will be heard:
        # it is still playing until then, although the queue is empty
        self._tail: tuple[str, float] | None = None
        self._lead_in_left = 0  # frames of silence still to play on a new stream

    def play(self, audio: Audio, kind: str) -> None:
        """Queue ``audio`` ("speech" or "music") after whatever is playing."""
        samples = resample(audio, self.choice.rate).samples
        with self._lock:
            if self._stream is None:
                self._lead_in_left = round(LEAD_IN_S * self.choice.rate)
            self._queue.append(_Clip(kind, samples))
        self._ensure_stream()

    def playing(self) -> str | None:
        """The kind of clip being played, or None when quiet.

        A clip plays until the device has played its last sample, not just until that
        sample was handed over: closing earlier would cut its end.
        """
        with self._lock:
            if self._queue:
                return self._queue[0].kind
            if self._tail is not None and self.clock() < self._tail[1]:
                return self._tail[0]
            return None

    def progress(self) -> tuple[float, float]:
        """Seconds played and total seconds of the current clip (0, 0 when quiet)."""
        with self._lock:
            if not self._queue:
                return 0.0, 0.0
            clip = self._queue[0]
            return clip.position / self.choice.rate, len(clip.samples) / self.choice.rate

    def stop(self) -> None:
        """Stop at once: drop the queue and whatever the device still has buffered."""
        with self._lock:
            self._queue.clear()
            self._tail = None
        self._close_stream(abort=True)

    def failure(self) -> str | None:
        """Why playback broke off (the device vanished), or None."""
        return self._failure

    def close(self) -> None:
        """Stop and release the device."""
        self.stop()

    def _ensure_stream(self) -> None:
        if self._stream is not None:
            return
        try:
            self._stream = start_stream(self.sd, OUTPUT, self.choice, self._fill,
                                        self._on_finished)
        except Exception as exc:
            self._stream = None
            with self._lock:
                self._queue.clear()
            self._failure = f"The output device '{self.choice.name}' could not play ({exc})."
            raise AudioDeviceError(self._failure) from None

    def _fill(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        block = np.zeros(frames, np.float32)
        with self._lock:
            filled = min(frames, self._lead_in_left)
            self._lead_in_left -= filled
            while filled < frames and self._queue:
                clip = self._queue[0]
                take = min(frames - filled, clip.left)
                block[filled:filled + take] = clip.samples[clip.position:clip.position + take]
                clip.position += take
                filled += take
                if clip.left == 0:
                    self._queue.popleft()
                    end_s = _output_delay_s(time_info) + filled / self.choice.rate
                    self._tail = (clip.kind, self.clock() + end_s)
        outdata[:] = block[:, None]

    def _on_finished(self) -> None:
        if self._stream is not None:  # not closed by us: the device went away
            self._failure = f"The output device '{self.choice.name}' stopped."

    def _close_stream(self, abort: bool) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.abort() if abort else stream.stop()
            stream.close()
        except Exception as exc:  # a vanished device may refuse to close; it is gone anyway
            log.debug("closing the output stream failed: %s", exc)


def _output_delay_s(time_info: Any) -> float:
    """How long until the first sample of this block is heard (0 where PortAudio cannot tell)."""
    try:
        return max(0.0, float(time_info.outputBufferDacTime - time_info.currentTime))
    except (AttributeError, TypeError):
        return 0.0


class FileOnlyPlayer:
    """Stands in when there is no output device: nothing is played, the files are the output."""

    writes_files_only = True

    def play(self, audio: Audio, kind: str) -> None:
        """Nothing to play on; the turn's files hold the audio."""

    def playing(self) -> str | None:
        """Always quiet."""
        return None

    def progress(self) -> tuple[float, float]:
        """Always quiet."""
        return 0.0, 0.0

    def stop(self) -> None:
        """Nothing is playing."""

    def failure(self) -> str | None:
        """Never fails."""
        return None

    def close(self) -> None:
        """Nothing to release."""
