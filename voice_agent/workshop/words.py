"""Descriptive words a caption may use, and the measured features each one needs.

One table serves both sides: the template caption picks its words from it, and the judge
rejects any of its words the features do not bear out, so the two cannot drift apart.
Mood words (:data:`voice_agent.core.plan.MOOD_WORDS`) are not here: no measurement
supports them, only a CLAP mood tag does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voice_agent.music.describe import AudioFeatures

#: thresholds set by hand from common usage (a "fast" song is over ~120 BPM) and a look at
#: a handful of composer clips; not fitted to the caption benchmark
SLOW_BPM, FAST_BPM = 95.0, 118.0
LOUD_LUFS, QUIET_LUFS = -14.0, -22.0
BRIGHT_HZ, WARM_HZ = 2200.0, 900.0
SPARSE_ONSETS, BUSY_ONSETS = 1.8, 4.0


@dataclass(frozen=True)
class Descriptor:
    """A word (English and Spanish forms) and the features that make it true."""

    aspect: str
    english: tuple[str, ...]
    spanish: tuple[str, ...]
    holds: Callable[[AudioFeatures], bool | None]


def _when(value: float | None, test: Callable[[float], bool]) -> bool | None:
    return None if value is None else test(value)


DESCRIPTORS: tuple[Descriptor, ...] = (
    Descriptor("tempo", ("fast", "uptempo", "up-tempo", "quick"), ("rapido", "rapida"),
               lambda f: _when(f.tempo_bpm, lambda v: v >= FAST_BPM)),
    Descriptor("tempo", ("slow", "laid-back", "unhurried"), ("lento", "lenta", "pausado",
                                                             "pausada"),
               lambda f: _when(f.tempo_bpm, lambda v: v < SLOW_BPM)),
    Descriptor("tempo", ("mid-tempo", "moderate tempo"), ("de tempo medio",),
               lambda f: _when(f.tempo_bpm, lambda v: SLOW_BPM <= v < FAST_BPM)),
    Descriptor("loudness", ("loud",), ("con mucho volumen",),
               lambda f: _when(f.loudness_lufs, lambda v: v >= LOUD_LUFS)),
    Descriptor("loudness", ("quiet", "soft", "gentle", "hushed"), ("tenue", "delicado",
                                                                   "delicada"),
               lambda f: _when(f.loudness_lufs, lambda v: v <= QUIET_LUFS)),
    Descriptor("brightness", ("bright", "brilliant", "crisp"), ("brillante",),
               lambda f: _when(f.spectral_centroid_hz, lambda v: v >= BRIGHT_HZ)),
    Descriptor("brightness", ("warm", "bass-heavy"), ("calido", "calida", "grave"),
               lambda f: _when(f.spectral_centroid_hz, lambda v: v < WARM_HZ)),
    Descriptor("density", ("sparse", "minimal"), ("espaciado", "espaciada", "minimalista"),
               lambda f: _when(f.onset_density, lambda v: v < SPARSE_ONSETS)),
    Descriptor("density", ("busy", "dense"), ("denso", "densa"),
               lambda f: _when(f.onset_density, lambda v: v >= BUSY_ONSETS)),
    Descriptor("percussion", ("percussive", "drum-driven"), ("percusivo", "percusiva"),
               lambda f: f.percussive),
    Descriptor("percussion", ("beatless", "without percussion", "without drums"),
               ("sin percusion", "sin bateria"),
               lambda f: None if f.percussive is None else not f.percussive),
    Descriptor("vocals", ("vocal", "vocals", "singing", "singer", "sung", "lyrics", "voice",
                          "rap", "rapping"),
               ("voz", "voces", "cantante", "cantada", "cantado", "letra"),
               lambda f: None),  # only a CLAP tag says a voice is heard (see the judge)
)


def chosen(features: AudioFeatures, aspect: str) -> Descriptor | None:
    """The first descriptor of ``aspect`` that the features make true."""
    return next((d for d in DESCRIPTORS if d.aspect == aspect and d.holds(features)), None)


def word(descriptor: Descriptor, language: str) -> str:
    """The descriptor's first word in ``language`` (accents restored for Spanish)."""
    if language != "es":
        return descriptor.english[0]
    return _ACCENTED.get(descriptor.spanish[0], descriptor.spanish[0])


_ACCENTED = {"rapido": "rápido", "calido": "cálido", "sin percusion": "sin percusión"}
