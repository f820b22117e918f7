"""Sound devices: listing, choosing, and opening them at a rate they really support.

The most common crash of desktop voice front ends is PortAudio's "Invalid sample rate":
a stream opened at the model's rate (16 kHz) on a device that only does 44.1/48 kHz.
Here every stream is opened at a rate the device accepts (asked with
``check_input_settings`` / ``check_output_settings``), and the session resamples itself
(:func:`voice_agent.core.audio.resample`).

Every function takes the ``sounddevice`` module as ``sd`` so that tests can hand in a
stand-in; :func:`load_sounddevice` gives the real one with a clear message when it (or
the PortAudio library) is missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from voice_agent.core.errors import MissingDependencyError, VoiceAgentError

log = logging.getLogger(__name__)

INPUT = "input"
OUTPUT = "output"
#: Block size for the streams: 0 lets PortAudio deliver whatever the host API's period is.
#: Measured through ALSA's PulseAudio plugin (the default route on most Linux desktops): a
#: fixed 50 ms block took 41 s to play 3 s of audio, in pieces between underruns (a 1.5 s
#: clip came out as 1.2 s); with 0 it plays in real time (tests/test_talk_devices_real.py).
BLOCKSIZE = 0
#: tried after the caller's preferred rate and the device's own default
COMMON_RATES = (48_000, 44_100, 32_000, 22_050, 16_000, 96_000, 8_000)


class AudioDeviceError(VoiceAgentError):
    """A sound device is missing, unusable or vanished; the message says what to do."""

    kind = "audio_device"


@dataclass(frozen=True)
class DeviceChoice:
    """A device and the settings it was checked to accept."""

    index: int
    name: str
    rate: int
    channels: int


def load_sounddevice() -> Any:
    """Import ``sounddevice``; a missing package or PortAudio library gets a clear message."""
    try:
        import sounddevice
    except ImportError:
        raise MissingDependencyError("sounddevice", "talk", "The push-to-talk session") from None
    except OSError as exc:  # the package is there but libportaudio is not
        raise AudioDeviceError(
            f"The PortAudio library could not be loaded ({exc}). Install it "
            "(Debian/Ubuntu: apt-get install libportaudio2), or use --text-only.") from None
    return sounddevice


def refresh(sd: Any) -> None:
    """Re-scan the sound devices (PortAudio only enumerates them when it starts)."""
    try:
        sd._terminate()
        sd._initialize()
    except Exception as exc:  # a failed re-scan leaves the old list; say so in the log
        log.warning("could not re-scan sound devices: %s", exc)


def _channels(device: dict, kind: str) -> int:
    return int(device[f"max_{kind}_channels"])


def format_device_list(sd: Any) -> str:
    """One line per device: index, input/output channels, default rate, name, defaults."""
    devices = list(sd.query_devices())
    if not devices:
        return "No sound devices found (no sound card, or no sound server running)."
    default_in, default_out = _defaults(sd)
    lines = []
    for index, device in enumerate(devices):
        marks = [label for label, chosen in (("default input", default_in),
                                             ("default output", default_out)) if chosen == index]
        lines.append(f"{index:3d}  in {_channels(device, INPUT):2d}  out "
                     f"{_channels(device, OUTPUT):2d}  {int(device['default_samplerate']):6d} Hz  "
                     f"{device['name']}" + (f"  ({', '.join(marks)})" if marks else ""))
    return "\n".join(lines)


def _defaults(sd: Any) -> tuple[int, int]:
    try:
        default_in, default_out = sd.default.device
    except (TypeError, ValueError):
        return -1, -1
    return (default_in if default_in is not None else -1,
            default_out if default_out is not None else -1)


def find_device(sd: Any, spec: str | int | None, kind: str) -> tuple[int, dict]:
    """The device ``spec`` names (index or part of its name), or the default ``kind`` one.

    Raises :class:`AudioDeviceError` naming the usable devices when none fits.
    """
    devices = list(sd.query_devices())
    usable = [i for i, d in enumerate(devices) if _channels(d, kind) > 0]
    if not usable:
        raise AudioDeviceError(f"No {kind} device found. " + _no_device_hint(kind))
    if spec is None or spec == "":
        default = _defaults(sd)[0 if kind == INPUT else 1]
        index = default if default in usable else usable[0]
        return index, devices[index]
    index = _match(devices, usable, spec)
    if index is None:
        raise AudioDeviceError(f"No {kind} device matches '{spec}'. {kind.capitalize()} "
                               f"devices: {_names(devices, usable)}. "
                               "See them all with: voice-agent talk --list-devices")
    return index, devices[index]


def _match(devices: list[dict], usable: list[int], spec: str | int) -> int | None:
    text = str(spec).strip()
    if text.lstrip("-").isdigit():
        return int(text) if int(text) in usable else None
    return next((i for i in usable if text.lower() in str(devices[i]["name"]).lower()), None)


def _names(devices: list[dict], indices: list[int]) -> str:
    return ", ".join(f"{i} '{devices[i]['name']}'" for i in indices)


def _no_device_hint(kind: str) -> str:
    if kind == INPUT:
        return ("Plug in a microphone (or start the sound server) and try again, or type "
                "your requests with --text-only.")
    return "The session will write the audio to files instead of playing it."


def _check(sd: Any, kind: str, index: int, rate: int, channels: int) -> bool:
    check = sd.check_input_settings if kind == INPUT else sd.check_output_settings
    try:
        check(device=index, samplerate=rate, channels=channels, dtype="float32")
    except Exception as exc:  # PortAudioError or ValueError: this combination is refused
        log.debug("device %s refuses %d Hz x %d: %s", index, rate, channels, exc)
        return False
    return True


def candidate_rates(preferred: int | None, device_default: float) -> list[int]:
    """Rates to try, best first: the caller's, the device's own, then common ones."""
    rates = [preferred] if preferred else []
    rates.append(int(device_default) if device_default else 0)
    rates.extend(COMMON_RATES)
    seen: list[int] = []
    for rate in rates:
        if rate > 0 and rate not in seen:
            seen.append(rate)
    return seen


def open_settings(sd: Any, spec: str | int | None, kind: str,
                  preferred_rate: int | None = None) -> DeviceChoice:
    """Pick a device and a rate/channel count it accepts (mono when it can).

    Raises :class:`AudioDeviceError` when no device exists or it accepts none of the
    usual rates.
    """
    index, device = find_device(sd, spec, kind)
    channel_options = sorted({1, min(2, _channels(device, kind))})
    for rate in candidate_rates(preferred_rate, device.get("default_samplerate", 0)):
        for channels in channel_options:
            if _check(sd, kind, index, rate, channels):
                return DeviceChoice(index, str(device["name"]), rate, channels)
    raise AudioDeviceError(
        f"The {kind} device {index} '{device['name']}' accepts none of the sample rates "
        f"{', '.join(map(str, candidate_rates(preferred_rate, device.get('default_samplerate', 0))))}"
        f" Hz. Pick another with --{kind}-device (see --list-devices).")


def start_stream(sd: Any, kind: str, choice: DeviceChoice, callback: Any,
                 finished_callback: Any) -> Any:
    """Open and start a float32 stream with ``choice``'s settings (blocks of any size).

    A stream that opens but cannot start is closed again before the error propagates.
    """
    open_stream = sd.InputStream if kind == INPUT else sd.OutputStream
    stream = open_stream(device=choice.index, samplerate=choice.rate, channels=choice.channels,
                         dtype="float32", blocksize=BLOCKSIZE,
                         callback=callback, finished_callback=finished_callback)
    try:
        stream.start()
    except Exception:
        try:
            stream.close()
        except Exception as exc:  # the start error is the one worth reporting
            log.debug("closing a stream that did not start failed: %s", exc)
        raise
    return stream
