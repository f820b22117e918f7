"""A stand-in for the ``sounddevice`` module, for tests only.

It has the parts the talk mode uses: ``query_devices``, ``default.device``,
``check_input_settings``/``check_output_settings`` (refusing rates a device does not
list), ``InputStream``/``OutputStream`` whose callbacks the test drives by hand, and
``_terminate``/``_initialize`` (a re-scan can reveal a device plugged in meanwhile).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np


class PortAudioError(Exception):
    """What sounddevice raises when PortAudio refuses."""


def device(name: str, inputs: int = 0, outputs: int = 0, default_rate: float = 48_000,
           rates: tuple[int, ...] = (48_000, 44_100), channels_ok: tuple[int, ...] = (1, 2)) -> dict:
    """A device entry; ``rates``/``channels_ok`` are what its checks accept."""
    return {"name": name, "max_input_channels": inputs, "max_output_channels": outputs,
            "default_samplerate": default_rate, "rates": rates, "channels_ok": channels_ok}


class FakeStream:
    """A stream whose callback the test calls through :meth:`feed` / :meth:`pull`."""

    def __init__(self, sd: "FakeSoundDevice", kind: str, **settings) -> None:
        self.sd, self.kind, self.settings = sd, kind, settings
        self.started = self.closed = self.aborted = False
        sd.streams.append(self)

    def start(self) -> None:
        if self.sd.fail_start:
            raise PortAudioError("Error starting stream: Device unavailable [PaErrorCode -9985]")
        self.started = True

    def stop(self) -> None:
        if self.sd.fail_stop:
            raise PortAudioError("Error stopping stream: Unanticipated host error")
        self.started = False

    def abort(self) -> None:
        self.aborted = True
        self.started = False

    def close(self) -> None:
        self.closed = True

    def feed(self, samples: np.ndarray) -> None:
        """Deliver one input block (mono samples) as the device would."""
        channels = self.settings["channels"]
        block = np.repeat(np.asarray(samples, np.float32)[:, None], channels, axis=1)
        self.settings["callback"](block, len(block), None, None)

    def pull(self, frames: int) -> np.ndarray:
        """Ask the output callback for ``frames`` frames, as the device would."""
        out = np.full((frames, self.settings["channels"]), np.nan, np.float32)
        self.settings["callback"](out, frames, None, None)
        return out

    def vanish(self) -> None:
        """The device went away: PortAudio ends the stream on its own."""
        self.settings["finished_callback"]()


class FakeSoundDevice:
    """The module stand-in; ``devices_after_rescan`` replaces the list on re-scan."""

    PortAudioError = PortAudioError

    def __init__(self, devices: list[dict], default: tuple[int, int] = (0, 1),
                 devices_after_rescan: list[dict] | None = None) -> None:
        self.devices = devices
        self.default = SimpleNamespace(device=list(default))
        self.devices_after_rescan = devices_after_rescan
        self.streams: list[FakeStream] = []
        self.rescans = 0
        self.fail_start = self.fail_stop = False

    def query_devices(self) -> list[dict]:
        return list(self.devices)

    def _check(self, kind: str, device: int, samplerate: float, channels: int, dtype: str) -> None:
        entry = self.devices[device]
        if entry[f"max_{kind}_channels"] < channels or channels not in entry["channels_ok"]:
            raise PortAudioError("Invalid number of channels [PaErrorCode -9998]")
        if int(samplerate) not in entry["rates"]:
            raise PortAudioError("Invalid sample rate [PaErrorCode -9997]")

    def check_input_settings(self, device=None, samplerate=None, channels=None, dtype=None):
        self._check("input", device, samplerate, channels, dtype)

    def check_output_settings(self, device=None, samplerate=None, channels=None, dtype=None):
        self._check("output", device, samplerate, channels, dtype)

    def InputStream(self, **settings) -> FakeStream:
        return FakeStream(self, "input", **settings)

    def OutputStream(self, **settings) -> FakeStream:
        return FakeStream(self, "output", **settings)

    def _terminate(self) -> None:
        self.rescans += 1

    def _initialize(self) -> None:
        if self.devices_after_rescan is not None:
            self.devices = self.devices_after_rescan

    def last(self, kind: str) -> FakeStream:
        """The newest stream of ``kind``."""
        return [s for s in self.streams if s.kind == kind][-1]
