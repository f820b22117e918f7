"""The music plan and every rule about it, in one place.

:class:`MusicPlan` is what the responder decides and the composer renders. This module
owns what a plan may hold and how words become one:

* the limits (tempo 40-220 bpm, length 1-60 s, at most 12 instruments);
* pitch names and key parsing, in English and Spanish ("F#", "Bb", "si bemol", "re menor");
* mode words and mood words (and which moods lean minor);
* clamping a number into range (:func:`clamp_bpm`, :func:`clamp_duration`);
* checking a whole plan before rendering (:func:`normalize_plan`);
* plain JSON-ready data and back (:func:`plan_to_dict`, :func:`plan_from_dict`).

It sits in ``core`` so the responder (which writes plans) and the music stage (which
renders them) read the same rules without importing each other.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from voice_agent.core.errors import BadPlanError
from voice_agent.core.vocabulary import (INSTRUMENTS, STYLE_BY_GENRE, canonical_instrument, fold,
                                         style_for)

log = logging.getLogger(__name__)

MODES = ("major", "minor")
MIN_BPM, MAX_BPM = 40, 220
MIN_DURATION_S, MAX_DURATION_S = 1.0, 60.0
MAX_INSTRUMENTS = 12
# Beyond these a number is not a slip but nonsense: refused rather than clamped.
_ABSURD_BPM, _ABSURD_DURATION_S = 2000, 3600.0


@dataclass(frozen=True)
class MusicPlan:
    """A structured description of the clip to render.

    ``key`` is a pitch-class name such as ``"C"``, ``"F#"`` or ``"Bb"``; ``mode`` is
    ``"major"`` or ``"minor"``; ``instruments`` are plain names ("piano", "upright bass",
    "congas"); ``seed`` makes rendering repeatable.
    """

    genre: str = "pop"
    bpm: int = 100
    key: str = "C"
    mode: str = "major"
    instruments: tuple[str, ...] = ()
    mood: str = "happy"
    duration_s: float = 15.0
    seed: int = 0

    def replace(self, **changes: Any) -> "MusicPlan":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


# ---------------------------------------------------------------- pitch names and keys

#: the conventional spelling of each pitch class, 0 (C) to 11 (B): "Bb" rather than "A#"
PITCH_CLASSES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
NOTE_PCS: dict[str, int] = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
#: Spanish (and Italian/French) solfege names, as a person says them: "en re menor".
SOLFEGE_PCS: dict[str, int] = {"do": 0, "re": 2, "mi": 4, "fa": 5, "sol": 7, "la": 9, "si": 11}
_SOLFEGE_LETTERS = {word: PITCH_CLASSES[pc] for word, pc in SOLFEGE_PCS.items()}

_KEY_RE = re.compile(r"^\s*(do|re|mi|fa|sol|la|si|[a-g])\s*(#|b|sharp|flat|sostenido|bemol|♯|♭)?\s*$")
_ACCIDENTALS = {"#": 1, "sharp": 1, "sostenido": 1, "♯": 1, "b": -1, "flat": -1, "bemol": -1,
                "♭": -1}

#: mode names (and the church modes, by the mode they sound closest to) -> "major" / "minor"
MODE_WORDS = {
    "major": "major", "mayor": "major", "ionian": "major", "lydian": "major",
    "mixolydian": "major", "minor": "minor", "menor": "minor", "aeolian": "minor",
    "dorian": "minor", "phrygian": "minor",
    "jonico": "major", "lidio": "major", "mixolidio": "major", "eolico": "minor",
    "dorico": "minor", "frigio": "minor",
}


def pitch_class(key: str) -> int | None:
    """Pitch class 0-11 of a key name ("C", "F#", "Bb", "sol", "Si bemol"); None if unknown."""
    match = _KEY_RE.match(fold(key))
    if not match:
        return None
    name, accidental = match.groups()
    base = SOLFEGE_PCS.get(name, NOTE_PCS.get(name))
    return (base + _ACCIDENTALS.get(accidental or "", 0)) % 12


def key_name(pc: int) -> str:
    """Conventional spelling of a pitch class ("Bb" rather than "A#")."""
    return PITCH_CLASSES[pc % 12]


def normalize_key(value: Any) -> str | None:
    """"c#", "Db", "F sharp", "si bemol", "Am" -> a name in PITCH_CLASSES, or None.

    More forgiving than :func:`pitch_class`: a trailing mode word or "m" is dropped,
    because a language model writes "A minor" or "Am" into the key field.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = fold(value).replace("sharp", "#").replace("sostenido", "#")
    text = text.replace("flat", "b").replace("bemol", "b").replace(" ", "")
    text = re.sub(r"(major|minor|mayor|menor|maj|min)$", "", text)
    for word, letter in _SOLFEGE_LETTERS.items():
        if text.startswith(word):
            text = letter + text[len(word):]
            break
    match = re.fullmatch(r"([a-g])([#b]?)m?", text, flags=re.IGNORECASE)
    if not match:
        return None
    letter, accidental = match.groups()
    return key_name(NOTE_PCS[letter.lower()] + _ACCIDENTALS.get(accidental, 0))


# ---------------------------------------------------------------- moods

#: canonical mood -> the English and Spanish words that name it
MOOD_WORDS: dict[str, tuple[str, ...]] = {
    "happy": ("happy", "cheerful", "joyful", "upbeat", "festive", "alegre", "feliz", "animada", "animado",
              "cheery", "joyous", "playful", "alegres", "contenta", "contento", "festiva",
              "festivo", "jubilant",
              "happiness", "joy", "felicidad", "alegría", "alegria"),
    "sad": ("sad", "melancholic", "melancholy", "triste", "melancólica", "melancolica", "nostálgica",
            "melancólico", "nostálgico", "gloomy", "sombre", "somber", "tristes", "tristona",
            "tristón"),
    "calm": ("calm", "relaxing", "relaxed", "chill", "peaceful", "tranquila", "tranquilo",
             "relajante", "relajada", "relajado", "suave", "tranquilita", "sereno", "serena"),
    "energetic": ("energetic", "intense", "powerful", "enérgica", "energica", "potente", "fuerte",
                  "enérgico", "energico", "movido", "movida", "lively", "high-energy", "punchy"),
    "dark": ("dark", "ominous", "oscura", "oscuro", "sombría"),
    "romantic": ("romantic", "romántica", "romantica", "romántico", "love"),
    "epic": ("epic", "épica", "epica", "épico", "epico", "heroic", "triumphant", "triunfal", "heroica",
             "heroico"),
    "passionate": ("passionate", "apasionada", "apasionado", "pasional"),
    "dramatic": ("dramatic", "dramática", "dramatica", "dramático", "intensa"),
    "relaxed": ("relaxed mood", "smooth", "mellow"),
}
#: moods that suggest a minor key when the request names no mode
MINOR_MOODS = {"sad", "dark", "melancholic", "aggressive", "dramatic", "passionate"}
#: moods a listener hears as major: "a happy cumbia" is in a major key even though the
#: cumbia preset is minor (unless the person names the mode)
MAJOR_MOODS = {"happy", "romantic"}


# ---------------------------------------------------------------- clamping numbers

def clamp_bpm(value: Any, default: int) -> int:
    """A tempo the composer can play: an int in [40, 220]; ``default`` when unusable."""
    try:
        bpm = int(round(float(value)))
    except (TypeError, ValueError):
        return default
    return default if bpm <= 0 else max(MIN_BPM, min(MAX_BPM, bpm))


def clamp_duration(value: Any, default: float) -> float:
    """Seconds in [1, 60]; ``default`` when unusable."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    if seconds != seconds or seconds <= 0:  # NaN or non-positive
        return default
    return max(MIN_DURATION_S, min(MAX_DURATION_S, seconds))


# ---------------------------------------------------------------- checking a plan

def normalize_plan(plan: MusicPlan) -> MusicPlan:
    """A renderable copy of ``plan``; raises :class:`BadPlanError` when it cannot be one.

    Clamped: tempo outside 40-220 bpm, duration outside 1-60 s, unknown genre (rendered
    as pop), empty instruments (the style's band), unknown instrument names (kept, folded:
    the composer finds the nearest General MIDI sound). Rejected: tempo or duration that
    is not a positive finite number, an unknown key or mode, a seed that is not a number.
    """
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
    if genre in STYLE_BY_GENRE:
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
    if len(words) > 1 and fold(words[-1]) in MODE_WORDS:
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
    found = MODE_WORDS.get(fold(str(mode or "major")).strip())
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


# ---------------------------------------------------------------- plain data

def plan_to_dict(plan: MusicPlan) -> dict[str, Any]:
    """A plan as plain JSON-ready data (the shape of turn records and the clip library)."""
    return {"genre": plan.genre, "bpm": plan.bpm, "key": plan.key, "mode": plan.mode,
            "instruments": list(plan.instruments), "mood": plan.mood,
            "duration_s": plan.duration_s, "seed": plan.seed}


def plan_from_dict(data: dict[str, Any]) -> MusicPlan:
    """The inverse of :func:`plan_to_dict`; missing fields take the plan's defaults.

    Raises :class:`BadPlanError` for a key that is not a plan field (a typo would
    otherwise be dropped without a word) or a value of the wrong type. Values are not
    range-checked here; :func:`normalize_plan` does that before rendering.
    """
    if not isinstance(data, dict):
        raise BadPlanError(f"A music plan must be a mapping of fields; got {type(data).__name__}.")
    unknown = sorted(str(k) for k in data if k not in _FIELD_READERS)
    if unknown:
        raise BadPlanError(f"The music plan has unknown field(s) {', '.join(unknown)}; "
                           f"the fields are {', '.join(_FIELD_READERS)}.")
    return MusicPlan(**{name: _FIELD_READERS[name](name, value) for name, value in data.items()})


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _bad_field(name, value, "text")
    return value


def _whole(name: str, value: Any) -> int:
    # bool is an int in Python, but "bpm": true is a broken record, not a tempo.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad_field(name, value, "a whole number")
    return value


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad_field(name, value, "a number of seconds")
    return float(value)


def _names(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _bad_field(name, value, "a list of instrument names")
    return tuple(value)


def _bad_field(name: str, value: Any, expected: str) -> BadPlanError:
    return BadPlanError(f"The music plan's {name} is {value!r}; it must be {expected}.")


_FIELD_READERS = {"genre": _text, "bpm": _whole, "key": _text, "mode": _text,
                  "instruments": _names, "mood": _text, "duration_s": _seconds, "seed": _whole}
