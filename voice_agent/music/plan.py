"""Checking a :class:`MusicPlan` before rendering: clamp what is merely out of range,
reject what is meaningless, and say which.

Clamped: tempo outside 40-220 bpm, duration outside 1-60 s, unknown genre (rendered as
pop), empty instruments (the style's band), unknown instrument names (the nearest
General MIDI instrument, else piano). Rejected with :class:`BadPlanError`: tempo or
duration that is not a positive finite number, an unknown key or mode.
"""

from __future__ import annotations

import logging
import math

from voice_agent.core.errors import BadPlanError
from voice_agent.music.styles import PERCUSSION, PROGRAMS, STYLES
from voice_agent.music.theory import key_name, pitch_class
from voice_agent.core.types import MusicPlan
from voice_agent.core.vocabulary import INSTRUMENTS, canonical_instrument, fold, style_for

log = logging.getLogger(__name__)

MIN_BPM, MAX_BPM = 40, 220
MIN_DURATION_S, MAX_DURATION_S = 1.0, 60.0
MAX_INSTRUMENTS = 12
_ABSURD_BPM, _ABSURD_DURATION_S = 2000, 3600.0

_MODE_WORDS = {
    "major": "major", "mayor": "major", "ionian": "major", "lydian": "major",
    "mixolydian": "major", "minor": "minor", "menor": "minor", "aeolian": "minor",
    "dorian": "minor", "phrygian": "minor",
}


def normalize_plan(plan: MusicPlan) -> MusicPlan:
    """A renderable copy of ``plan``; raises :class:`BadPlanError` when it cannot be one."""
    genre = _genre(plan.genre)
    key, key_mode = _split_key(str(plan.key or "C"))
    return plan.replace(
        genre=genre,
        bpm=_bpm(plan.bpm),
        key=_key(key),
        mode=_mode(key_mode or plan.mode),
        instruments=_instruments(plan.instruments, genre),
        mood=(plan.mood or "").strip().lower() or style_for(genre).mood,
        duration_s=_duration(plan.duration_s),
        seed=_seed(plan.seed),
    )


def _genre(genre: str) -> str:
    if genre in STYLES:
        return genre
    known = style_for(genre or "").genre
    if known != "pop" or fold(genre or "").strip() == "pop":
        return known
    log.warning("Unknown genre %r: rendering it as pop", genre)
    return "pop"


def _positive_number(value: object, what: str, unit: str, absurd: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number <= 0 or number > absurd:
        raise BadPlanError(
            f"The music plan's {what} is {value!r}, which is not a usable {unit}. "
            f"Ask for something between {_RANGES[what]}."
        )
    return number


_RANGES = {"tempo": f"{MIN_BPM} and {MAX_BPM} bpm",
           "duration": f"{MIN_DURATION_S:g} and {MAX_DURATION_S:g} seconds"}


def _clamp(value: float, low: float, high: float, what: str) -> float:
    clamped = min(max(value, low), high)
    if clamped != value:
        log.warning("Music plan %s %g is out of range; using %g", what, value, clamped)
    return clamped


def _bpm(bpm: object) -> int:
    number = _positive_number(bpm, "tempo", "tempo in beats per minute", _ABSURD_BPM)
    return int(round(_clamp(number, MIN_BPM, MAX_BPM, "tempo")))


def _duration(duration: object) -> float:
    number = _positive_number(duration, "duration", "length in seconds", _ABSURD_DURATION_S)
    return _clamp(number, MIN_DURATION_S, MAX_DURATION_S, "duration")


def _split_key(key: str) -> tuple[str, str | None]:
    """ "A minor", "Am", "la menor" -> ("A", "minor"); a mode in the key field wins."""
    key = key.strip()
    words = key.split()
    if len(words) > 1 and fold(words[-1]) in _MODE_WORDS:
        return " ".join(words[:-1]), words[-1]
    if key.endswith("m") and pitch_class(key[:-1]) is not None:  # "Am", "F#m"
        return key[:-1], "minor"
    return key, None


def _key(key: str) -> str:
    pc = pitch_class(key)
    if pc is None:
        raise BadPlanError(
            f"The music plan's key {key!r} is not a note name. Use a key such as "
            "C, F#, Bb (or do, re, mi, fa, sol, la, si)."
        )
    return key_name(pc)


def _mode(mode: str) -> str:
    found = _MODE_WORDS.get(fold(str(mode or "major")).strip())
    if found is None:
        raise BadPlanError(f"The music plan's mode {mode!r} is unknown. Use 'major' or 'minor'.")
    return found


def _seed(seed: object) -> int:
    if seed is None:
        return 0
    try:
        return int(seed) % (2**32)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise BadPlanError(f"The music plan's seed {seed!r} is not a whole number.") from None


def _instruments(instruments: tuple[str, ...], genre: str) -> tuple[str, ...]:
    names: list[str] = []
    for raw in instruments or ():
        # Names outside the vocabulary ("banjo") are kept: the composer finds a GM sound.
        known = raw if raw in INSTRUMENTS else canonical_instrument(str(raw))
        name = known or fold(str(raw)).strip()
        if name and name not in names:
            names.append(name)
    if not names:
        return style_for(genre).instruments
    if len(names) > MAX_INSTRUMENTS:
        log.warning("Plan names %d instruments; keeping the first %d", len(names), MAX_INSTRUMENTS)
    return tuple(names[:MAX_INSTRUMENTS])


def is_known_instrument(name: str) -> bool:
    """True when ``name`` is a canonical instrument the composer has a sound for."""
    return name in PROGRAMS or name in PERCUSSION
