"""Arrangement to audio: FluidSynth with a General MIDI SoundFont, or a numpy synth.

:class:`FluidSynthEngine` drives libfluidsynth in-process (pyfluidsynth), a fresh synth
per render so the same arrangement always gives the same samples (reverb and chorus
keep state between renders). :class:`NumpySynthEngine` is the fallback when FluidSynth
or a SoundFont is missing: additive instrument models and synthetic drums, in pure numpy.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from voice_agent.errors import MissingDependencyError, ModelNotFoundError
from voice_agent.music.arrangement import Arrangement, Note, Track

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

    def check(self) -> None:
        """Open the SoundFont once: fails early on a broken file, and warms the cache."""
        synth, _ = self._new_synth()
        synth.delete()

    def _new_synth(self):
        fluidsynth = import_fluidsynth()
        synth = fluidsynth.Synth(gain=self.gain, samplerate=float(self.rate))
        sfid = synth.sfload(str(self.soundfont))
        if sfid < 0:
            synth.delete()
            raise ModelNotFoundError(f"FluidSynth could not read the SoundFont {self.soundfont}.")
        return synth, sfid

    def render(self, arrangement: Arrangement) -> np.ndarray:
        """Mono float32 samples for the whole clip."""
        synth, sfid = self._new_synth()
        try:
            channels = assign_channels(arrangement.tracks)
            self._set_programs(synth, sfid, arrangement, channels)
            return self._play(synth, _events(arrangement, channels), arrangement.duration_s)
        finally:
            synth.delete()

    def _set_programs(self, synth, sfid: int, arrangement: Arrangement,
                      channels: dict[int, int]) -> None:
        for index, track in enumerate(arrangement.tracks):
            channel = channels[index]
            if track.is_drum:
                if synth.program_select(channel, sfid, 128, arrangement.drum_kit) < 0:
                    synth.program_select(channel, sfid, 128, 0)  # SoundFont lacks the kit
            else:
                synth.program_select(channel, sfid, 0, track.program)
            synth.cc(channel, 91, track.reverb)

    def _play(self, synth, events: list[tuple], duration_s: float) -> np.ndarray:
        total = int(round(duration_s * self.rate))
        chunks, position = [], 0
        for time_s, is_on, channel, pitch, velocity in events:
            frame = min(int(round(time_s * self.rate)), total)
            if frame > position:
                chunks.append(synth.get_samples(frame - position))
                position = frame
            if is_on:
                synth.noteon(channel, pitch, velocity)
            else:
                synth.noteoff(channel, pitch)
        if total > position:
            chunks.append(synth.get_samples(total - position))
        stereo = np.concatenate(chunks).astype(np.float32).reshape(-1, 2)
        return stereo.mean(axis=1) / 32768.0


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
