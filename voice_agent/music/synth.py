"""Arrangement to audio: FluidSynth with a General MIDI SoundFont, or a numpy synth.

:class:`FluidSynthEngine` drives libfluidsynth in-process (pyfluidsynth), a fresh synth
per render so the same arrangement always gives the same samples (reverb and chorus
keep state between renders). :class:`NumpySynthEngine` is the fallback when FluidSynth
or a SoundFont is missing: additive instrument models and synthetic drums, in pure numpy.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path

import numpy as np

from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError
from voice_agent.music.arrangement import Arrangement, Track

log = logging.getLogger(__name__)

SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/soundfonts/TimGM6mb.sf2",
)
DRUM_CHANNEL = 9
MELODIC_CHANNELS = tuple(c for c in range(16) if c != DRUM_CHANNEL)


def find_soundfont(explicit: str | None = None) -> Path:
    """The SoundFont to use: ``explicit`` if given, else FluidR3_GM, else TimGM6mb.

    Raises :class:`ModelNotFoundError` naming what to install when none is found.
    """
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(f"SoundFont not found: {path}. Pass an existing .sf2 file.")
        return path
    for candidate in (*SOUNDFONT_CANDIDATES, _pretty_midi_soundfont()):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ModelNotFoundError(
        "No General MIDI SoundFont found. Install one with "
        "'sudo apt-get install fluid-soundfont-gm' (or 'pip install pretty-midi', "
        "which carries TimGM6mb.sf2), or pass a .sf2 path."
    )


def _pretty_midi_soundfont() -> str | None:
    try:
        import pretty_midi
    except ImportError:
        return None
    return str(Path(pretty_midi.__file__).parent / "TimGM6mb.sf2")


def import_fluidsynth():  # -> module
    """The pyfluidsynth module, or :class:`MissingDependencyError` if it cannot load."""
    try:
        import fluidsynth
    except ImportError as exc:  # also raised when libfluidsynth itself is missing
        raise MissingDependencyError(
            "pyfluidsynth", "music",
            f"Rendering music with FluidSynth ({exc}; on Debian also "
            "'sudo apt-get install fluidsynth')",
        ) from None
    return fluidsynth


def _events(arrangement: Arrangement, channels: dict[int, int]) -> list[tuple]:
    """(time, order, channel, pitch, velocity) note-ons and -offs, offs first at a tie."""
    events = []
    for index, track in enumerate(arrangement.tracks):
        channel = channels[index]
        for note in track.notes:
            events.append((note.start, 1, channel, note.pitch, note.velocity))
            if not track.is_drum:
                events.append((note.end, 0, channel, note.pitch, 0))
    return sorted(events)


def assign_channels(tracks: tuple[Track, ...]) -> dict[int, int]:
    """MIDI channel per track index: drums share channel 10, the rest one each."""
    channels, melodic = {}, 0
    for index, track in enumerate(tracks):
        if track.is_drum:
            channels[index] = DRUM_CHANNEL
        else:
            channels[index] = MELODIC_CHANNELS[melodic % len(MELODIC_CHANNELS)]
            melodic += 1
    return channels


class FluidSynthEngine:
    """Renders with libfluidsynth and a SoundFont, in-process."""

    def __init__(self, soundfont: Path, rate: int = 44100, gain: float = 0.5) -> None:
        self.soundfont = soundfont
        self.rate = rate
        self.gain = gain
        self.name = soundfont.stem
        self._holder = None
        self._write = None

    def check(self) -> None:
        """Load the SoundFont into a holder synth (fails early on a broken file)."""
        if self._holder is None:
            self._holder, _ = self._new_synth()

    def _new_synth(self):
        fluidsynth = import_fluidsynth()
        synth = fluidsynth.Synth(gain=self.gain, samplerate=float(self.rate),
                                 **{"synth.reverb.active": 0, "synth.chorus.active": 0})
        sfid = synth.sfload(str(self.soundfont))
        if sfid < 0:
            synth.delete()
            raise ModelNotFoundError(f"FluidSynth could not read the SoundFont {self.soundfont}.")
        self._write = _float_writer(fluidsynth)
        return synth, sfid

    def render(self, arrangement: Arrangement) -> np.ndarray:
        """Mono float32 samples for the whole clip."""
        self.check()
        synth, sfid = self._new_synth()
        try:
            channels = assign_channels(arrangement.tracks)
            _set_programs(synth, sfid, arrangement, channels)
            return self._play(synth, _events(arrangement, channels), arrangement.duration_s)
        finally:
            synth.delete()

    def _samples(self, synth, frames: int) -> np.ndarray:
        stereo = np.zeros(2 * frames, np.float32)
        self._write(synth.synth, frames, stereo.ctypes.data, 0, 2, stereo.ctypes.data, 1, 2)
        return stereo

    def _play(self, synth, events: list[tuple], duration_s: float) -> np.ndarray:
        total = int(round(duration_s * self.rate))
        chunks, position = [], 0
        for time_s, is_on, channel, pitch, velocity in events:
            frame = min(int(round(time_s * self.rate)), total)
            if frame > position:
                chunks.append(self._samples(synth, frame - position))
                position = frame
            if is_on:
                synth.noteon(channel, pitch, velocity)
            else:
                synth.noteoff(channel, pitch)
        chunks.append(self._samples(synth, total - position))
        return np.concatenate(chunks).reshape(-1, 2).mean(axis=1)

    def close(self) -> None:
        """Free the holder synth and with it the cached SoundFont."""
        if self._holder is not None:
            self._holder.delete()
            self._holder = None

    def __del__(self) -> None:
        self.close()


def _set_programs(synth, sfid: int, arrangement: Arrangement, channels: dict[int, int]) -> None:
    for index, track in enumerate(arrangement.tracks):
        channel = channels[index]
        if track.is_drum:
            if synth.program_select(channel, sfid, 128, arrangement.drum_kit) < 0:
                synth.program_select(channel, sfid, 128, 0)  # SoundFont lacks the kit
        else:
            synth.program_select(channel, sfid, 0, track.program)
        synth.cc(channel, 7, track.volume)


def _float_writer(fluidsynth):
    """libfluidsynth's float output (pyfluidsynth only wraps the dithered 16-bit one)."""
    write = fluidsynth._fl.fluid_synth_write_float
    write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                      ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    write.restype = ctypes.c_int
    return write


class NumpySynthEngine:
    """A pure-numpy synthesizer: additive tones per instrument family and synthetic drums."""

    name = "numpy-synth"

    def __init__(self, rate: int = 44100) -> None:
        self.rate = rate

    def check(self) -> None:
        """Nothing to load."""

    def render(self, arrangement: Arrangement) -> np.ndarray:
        """Mono float32 samples for the whole clip."""
        from voice_agent.music import tones

        total = int(round(arrangement.duration_s * self.rate))
        mix = np.zeros(total + self.rate * 4, np.float64)
        rng = np.random.default_rng(arrangement.plan.seed)
        for track in arrangement.tracks:
            for note in track.notes:
                _add(mix, tones.render_note(track, note, self.rate, rng), note.start, self.rate)
        return mix[:total].astype(np.float32)


def _add(mix: np.ndarray, samples: np.ndarray, start_s: float, rate: int) -> None:
    start = int(round(start_s * rate))
    stop = min(len(mix), start + len(samples))
    mix[start:stop] += samples[: stop - start]


def make_engine(kind: str, soundfont: str | None, rate: int):
    """The engine for ``kind`` ("auto", "fluidsynth" or "numpy"), checked and ready."""
    if kind == "numpy":
        return NumpySynthEngine(rate)
    try:
        engine = FluidSynthEngine(find_soundfont(soundfont), rate)
        engine.check()
        return engine
    except (MissingDependencyError, ModelNotFoundError) as exc:
        if kind == "fluidsynth" or soundfont:
            raise
        log.warning("FluidSynth unavailable (%s); using the built-in numpy synthesizer", exc)
        return NumpySynthEngine(rate)
