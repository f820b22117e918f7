"""Recording from the microphone, with a live level and a watch for a vanished device."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from voice_agent.core.audio import to_mono
from voice_agent.modes.talk.devices import INPUT, AudioDeviceError, DeviceChoice, start_stream
from voice_agent.modes.talk.meter import FLOOR_DB, is_clipping, rms_dbfs
from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

#: a sound server may take a while to deliver the first block
FIRST_BLOCK_TIMEOUT_S = 5.0
#: once blocks flow, a gap this long means the device stopped delivering audio
STALL_TIMEOUT_S = 2.0
#: the level meter reads at least this much of the latest audio (blocks may be ~8 ms)
LEVEL_WINDOW_S = 0.05

LOST_HINT = ("Plug it back in (or pick another with --input-device) and press space to "
             "try again, or press t to type your request.")


class Microphone:
    """One recording: start, watch the level, stop to get the audio.

    The PortAudio callback only appends blocks; everything else reads them under a lock.
    A device that vanishes shows up as a PortAudio error on start/stop, as the stream
    finishing on its own, or as blocks that stop coming; :meth:`failure` says which.
    """

    def __init__(self, sd: Any, choice: DeviceChoice, clock=time.monotonic,
                 on_audio: Callable[[np.ndarray, int], None] | None = None) -> None:
        self.sd = sd
        self.on_audio = on_audio  # e.g. a streaming recogniser's feed: must return at once
        self.choice = choice
        self.clock = clock
        self._blocks: list[np.ndarray] = []
        self._recent: deque[np.ndarray] = deque()  # the last LEVEL_WINDOW_S, for the meter
        self._lock = threading.Lock()
        self._level = FLOOR_DB
        self._clipping = False
        self._stream: Any = None
        self._started_at = 0.0
        self._last_block_at: float | None = None
        self._stopping = False
        self._failure: str | None = None

    def start(self) -> None:
        """Open and start the input stream; AudioDeviceError when the device refuses."""
        try:
            self._stream = start_stream(self.sd, INPUT, self.choice, self._on_block,
                                        self._on_finished)
        except Exception as exc:  # PortAudioError, or the device vanished since the scan
            raise AudioDeviceError(f"The microphone '{self.choice.name}' could not start "
                                   f"({exc}). {LOST_HINT}") from None
        self._started_at = self.clock()

    def _on_block(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        block = to_mono(indata).copy()
        with self._lock:
            self._blocks.append(block)
            recent = self._recent_audio(block)
            self._level = rms_dbfs(recent)
            self._clipping = is_clipping(recent)
            self._last_block_at = self.clock()
        if self.on_audio is not None:
            try:
                self.on_audio(block, self.choice.rate)
            except Exception:  # recognition can still run on the whole recording
                log.exception("the streaming recogniser refused a block")
                self.on_audio = None
        if status:  # an overflow loses a few ms; worth a log line, not a failed recording
            log.info("input status: %s", status)

    def _recent_audio(self, block: np.ndarray) -> np.ndarray:
        """``block`` and the blocks before it, back to LEVEL_WINDOW_S (a steady meter)."""
        self._recent.append(block)
        window = int(self.choice.rate * LEVEL_WINDOW_S)
        while len(self._recent) > 1 and sum(map(len, self._recent)) - len(self._recent[0]) >= window:
            self._recent.popleft()
        return np.concatenate(self._recent) if len(self._recent) > 1 else block

    def _on_finished(self) -> None:
        if not self._stopping:
            self._failure = f"The microphone '{self.choice.name}' stopped delivering audio."

    def level(self) -> tuple[float, bool]:
        """The level of the latest LEVEL_WINDOW_S in dBFS, and whether it clipped."""
        with self._lock:
            return self._level, self._clipping

    def seconds(self) -> float:
        """Seconds of audio recorded so far."""
        with self._lock:
            return sum(len(b) for b in self._blocks) / self.choice.rate

    def failure(self) -> str | None:
        """Why the recording broke off (with what to do), or None while it is fine."""
        if self._failure is None:
            self._failure = self._stalled()
        return None if self._failure is None else f"{self._failure} {LOST_HINT}"

    def _stalled(self) -> str | None:
        now = self.clock()
        with self._lock:
            last = self._last_block_at
        if last is None and now - self._started_at > FIRST_BLOCK_TIMEOUT_S:
            return f"The microphone '{self.choice.name}' delivered no audio."
        if last is not None and now - last > STALL_TIMEOUT_S:
            return f"The microphone '{self.choice.name}' stopped delivering audio."
        return None

    def stop(self) -> Audio:
        """Stop recording and return what was heard (even if the device failed)."""
        self._stopping = True
        try:
            if self._stream is not None:
                self._stream.stop()
        except Exception as exc:  # the device vanished: keep the audio we already have
            self._failure = self._failure or f"The microphone '{self.choice.name}' failed ({exc})."
        finally:
            self._close_quietly()
        return self.audio()

    def audio(self) -> Audio:
        """Everything recorded so far, as one mono clip at the device rate."""
        with self._lock:
            samples = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
        return Audio(samples, self.choice.rate)

    def _close_quietly(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.close()
        except Exception as exc:  # closing a vanished device may fail too; nothing to keep
            log.debug("closing the input stream failed: %s", exc)
