"""Instrument and drum sounds for the numpy synthesizer (no SoundFont needed).

Pitched instruments are additive: a handful of harmonics with a family-specific
spectrum and envelope (plucked and struck families decay, bowed and blown ones
sustain with a little vibrato). Drums are short noise and swept-sine models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_agent.music import styles as st
from voice_agent.music.arrangement import Note, Track

MAX_RING_S = 3.0  # decaying notes are cut once inaudible


@dataclass(frozen=True)
class Timbre:
    """Harmonic amplitudes and envelope of one instrument family."""

    harmonics: tuple[float, ...]
    decay: float  # 1/s; 0 means sustained
    attack_s: float = 0.005
    release_s: float = 0.08
    vibrato: float = 0.0  # depth in semitones


# General MIDI family (program // 8) -> timbre.
FAMILY_TIMBRES: dict[int, Timbre] = {
    0: Timbre((1.0, 0.5, 0.3, 0.15, 0.08, 0.04), decay=2.2),  # piano
    1: Timbre((1.0, 0.1, 0.35, 0.05), decay=3.5),  # chromatic percussion
    2: Timbre((1.0, 0.8, 0.6, 0.3, 0.2, 0.1), decay=0.0, attack_s=0.01),  # organ
    3: Timbre((1.0, 0.6, 0.4, 0.25, 0.15, 0.1), decay=3.0, attack_s=0.002),  # guitar
    4: Timbre((1.0, 0.45, 0.15, 0.05), decay=1.8),  # bass
    5: Timbre((1.0, 0.5, 0.33, 0.25, 0.2, 0.16), decay=0.0, attack_s=0.08, vibrato=0.08),
    6: Timbre((1.0, 0.5, 0.33, 0.25, 0.2), decay=0.0, attack_s=0.15, release_s=0.3),
    7: Timbre((1.0, 0.7, 0.55, 0.4, 0.3, 0.2), decay=0.0, attack_s=0.03, vibrato=0.05),
    8: Timbre((1.0, 0.1, 0.6, 0.1, 0.35, 0.1), decay=0.0, attack_s=0.03, vibrato=0.05),
    9: Timbre((1.0, 0.2, 0.06), decay=0.0, attack_s=0.05, vibrato=0.06),  # pipe
    10: Timbre((1.0, 0.5, 0.33, 0.25, 0.2, 0.16, 0.14), decay=0.0, attack_s=0.005),
    11: Timbre((1.0, 0.4, 0.2, 0.1), decay=0.0, attack_s=0.3, release_s=0.5),
    13: Timbre((1.0, 0.8, 0.7, 0.5, 0.45, 0.3, 0.25), decay=1.5, attack_s=0.002),  # sitar
}
DEFAULT_TIMBRE = FAMILY_TIMBRES[0]


def midi_to_hz(pitch: float) -> float:
    """Equal-tempered frequency of a MIDI pitch (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((pitch - 69) / 12.0)


def render_note(track: Track, note: Note, rate: int, rng: np.random.Generator) -> np.ndarray:
    """The samples of one note on one track."""
    gain = (note.velocity / 127.0) ** 1.6 * (track.volume / 100.0) ** 2
    if track.is_drum:
        return gain * drum_hit(note.pitch, rate, rng)
    timbre = FAMILY_TIMBRES.get(track.program // 8, DEFAULT_TIMBRE)
    return 0.3 * gain * tone(note.pitch, note.end - note.start, timbre, rate)


def tone(pitch: int, seconds: float, timbre: Timbre, rate: int) -> np.ndarray:
    """A pitched note with its family's harmonics and envelope, release included."""
    length = min(seconds, MAX_RING_S) if timbre.decay else seconds
    t = np.arange(int((length + timbre.release_s) * rate)) / rate
    phase = 2 * np.pi * midi_to_hz(pitch) * t
    if timbre.vibrato:
        ramp = np.minimum(t / 0.3, 1.0)
        depth_hz = timbre.vibrato * 0.06 * midi_to_hz(pitch)  # a semitone is ~6 % of f
        phase += ramp * depth_hz / 5.0 * np.sin(2 * np.pi * 5.0 * t)  # 5 Hz vibrato
    nyquist_harmonics = int(rate / 2 / midi_to_hz(pitch))
    wave = np.zeros_like(t)
    for k, amplitude in enumerate(timbre.harmonics[:nyquist_harmonics], start=1):
        partial = amplitude * np.sin(k * phase)
        if timbre.decay:
            partial *= np.exp(-t * timbre.decay * (1.0 + 0.4 * (k - 1)))
        wave += partial
    return wave * _envelope(t, length, timbre)


def _envelope(t: np.ndarray, length: float, timbre: Timbre) -> np.ndarray:
    attack = np.minimum(t / timbre.attack_s, 1.0)
    release = np.clip(1.0 - (t - length) / timbre.release_s, 0.0, 1.0)
    return attack * release


def _noise(rng: np.random.Generator, n: int, bright: bool) -> np.ndarray:
    noise = rng.uniform(-1.0, 1.0, n)
    return np.diff(noise, prepend=0.0) * 0.7 if bright else noise


def _decay(n: int, rate: int, per_s: float) -> np.ndarray:
    return np.exp(-np.arange(n) / rate * per_s)


def drum_hit(key: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A General MIDI percussion key as a synthetic hit."""
    if key == st.KICK:
        n = int(0.35 * rate)
        t = np.arange(n) / rate
        sweep = 2 * np.pi * (45 * t + (110 - 45) / 30 * (1 - np.exp(-30 * t)))
        return np.sin(sweep) * _decay(n, rate, 9)
    if key in (st.SNARE, st.CLAP):
        n = int(0.25 * rate)
        body = np.sin(2 * np.pi * 185 * np.arange(n) / rate) * _decay(n, rate, 30)
        return 0.5 * body + 0.6 * _noise(rng, n, True) * _decay(n, rate, 18)
    if key in (st.CLOSED_HAT, st.PEDAL_HAT, st.MARACAS, st.TAMBOURINE):
        n = int(0.08 * rate)
        return 0.35 * _noise(rng, n, True) * _decay(n, rate, 60)
    if key in (st.OPEN_HAT, st.RIDE, st.CRASH):
        n = int(1.2 * rate)
        return 0.3 * _noise(rng, n, True) * _decay(n, rate, 4 if key == st.CRASH else 7)
    if key in (st.SHORT_GUIRO, st.LONG_GUIRO):
        n = int((0.25 if key == st.LONG_GUIRO else 0.08) * rate)
        scrape = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * 45 * np.arange(n) / rate))
        return 0.3 * _noise(rng, n, True) * scrape
    return _tuned_hit(key, rate)


_TUNED_HITS = {st.MUTE_CONGA: (330, 25), st.OPEN_CONGA: (280, 12), st.LOW_CONGA: (200, 10),
               st.TIMBALE: (420, 9), st.COWBELL: (560, 14), st.CLAVES: (2500, 40),
               st.SIDE_STICK: (1700, 60)}


def _tuned_hit(key: int, rate: int) -> np.ndarray:
    hz, decay = _TUNED_HITS.get(key, (250, 15))
    n = int(0.4 * rate)
    t = np.arange(n) / rate
    wave = np.sin(2 * np.pi * hz * t) + 0.3 * np.sin(2 * np.pi * hz * 1.51 * t)
    return 0.6 * wave * _decay(n, rate, decay)
