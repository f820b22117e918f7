"""Is the spoken reply true of the plan? Find the facts a sentence states and check them.

A 0.5B model copies its few-shot examples and its own earlier answers ("aquí tienes un
tango dramático con bandoneón" over a salsa). The model may phrase the reply, but every
genre, instrument, tempo, key, mode and length it names must be the final plan's;
:func:`check_say` lists the claims that are not, so the caller can replace the sentence
with one stated from the plan.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from voice_agent.core.language import fold
from voice_agent.core.plan import MODE_WORDS, normalize_key
from voice_agent.core.types import MusicPlan
from voice_agent.core.vocabulary import STYLES, find_instruments

#: words that say an instrument is NOT in the music ("without the saxophone", "he quitado
#: el saxo", "swapped the guitar for a piano": the guitar is gone)
_ABSENT_CUES = (r"(?:without|sin|no|no more|removed|remove|took out|taken out|dropped|minus"
                r"|instead of|replaced|swapped|quitado|quite|quito|quitamos|sacado|saque"
                r"|en vez de|en lugar de|cambiado|sustituido|reemplazado)")
_SECONDS = r"(\d{1,3}(?:[.,]\d)?)\s*(?:-\s*)?(?:seconds?|secs?|segundos?)\b"
_MINUTES = {"one minute": 60.0, "a minute": 60.0, "un minuto": 60.0, "half a minute": 30.0,
            "medio minuto": 30.0, "a minute and a half": 90.0, "un minuto y medio": 90.0}
_BPM = r"(\d{2,3})\s*(?:bpm|beats per minute|pulsaciones|ppm)\b"
_EN_KEY = r"\b([A-G])(#|b|♯|♭|\s+sharp|\s+flat)?\s+((?i:major|minor))\b"
_ES_KEY = (r"\b(do|re|mi|fa|sol|la|si)(\s*(?:#|sostenido|bemol))?\s+(mayor|menor)\b"
           r"(?!\s+(?:parte|cantidad|numero|que|de))")
_MODE_ONLY = (r"\b(?:(major|minor) key|(?:in|en) (?:a )?(major|minor)|(?:tono|modo|tonalidad)"
              r" (mayor|menor))\b")
_FASTER = r"\b(?:faster|quicker|sped up|speeded up|mas rapid[oa]|acelerad[oa])\b"
_SLOWER = r"\b(?:slower|slowed down|mas lent[oa]|mas despacio)\b"


@dataclass(frozen=True)
class Facts:
    """The checkable facts one reply states."""

    genres: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # instruments it says are not there
    bpms: tuple[int, ...] = ()
    keys: tuple[tuple[str, str], ...] = ()  # (key, mode)
    modes: tuple[str, ...] = ()
    durations: tuple[float, ...] = ()
    tempo_change: str | None = None  # "faster" / "slower"

    def __bool__(self) -> bool:
        return any((self.genres, self.instruments, self.absent, self.bpms, self.keys,
                    self.modes, self.durations, self.tempo_change))


def facts_in(say: str) -> Facts:
    """The genres, instruments, tempos, keys, modes and lengths ``say`` names."""
    folded = fold(say)
    absent = _absent(folded)
    present = tuple(i for i in find_instruments(folded) if i not in absent)
    return Facts(
        genres=_genres(folded),
        instruments=present,
        absent=absent,
        bpms=tuple(int(m.group(1)) for m in re.finditer(_BPM, folded)),
        keys=_keys(say),
        modes=tuple(MODE_WORDS[next(g for g in m.groups() if g)]
                    for m in re.finditer(_MODE_ONLY, folded)),
        durations=_durations(folded),
        tempo_change="faster" if re.search(_FASTER, folded) else
        "slower" if re.search(_SLOWER, folded) else None,
    )


def check_say(say: str, plan: MusicPlan | None, language: str,
              change: MusicPlan | None = None) -> list[str]:
    """The claims in ``say`` that ``plan`` does not bear out (empty when it is all true).

    ``change`` is the plan before an edit, for claims such as "faster" or "sin el saxo".
    ``language`` is the reply's (the fact patterns cover English and Spanish together).
    """
    facts = facts_in(say)
    if plan is None:
        return [f"names music ({_describe(facts)}) but no music was made"] if facts else []
    return _untrue(facts, plan, change)


def _untrue(facts: Facts, plan: MusicPlan, change: MusicPlan | None) -> list[str]:
    untrue = [f"genre {g} (the plan is {plan.genre})" for g in facts.genres if g != plan.genre]
    untrue += [f"instrument {i} (not in the plan)" for i in facts.instruments
               if not has_instrument(plan.instruments, i)]
    untrue += [f"without {i} (the plan has it)" for i in facts.absent
               if has_instrument(plan.instruments, i)]
    untrue += [f"{b} BPM (the plan is {plan.bpm})" for b in facts.bpms if b != plan.bpm]
    untrue += [f"key {k} {m} (the plan is {plan.key} {plan.mode})" for k, m in facts.keys
               if normalize_key(k) != normalize_key(plan.key) or m != plan.mode]
    untrue += [f"{m} mode (the plan is {plan.mode})" for m in facts.modes if m != plan.mode]
    untrue += [f"{d:g} s (the plan is {plan.duration_s:g} s)" for d in facts.durations
               if abs(d - min(plan.duration_s, 60.0)) > 0.5]
    if change is not None and facts.tempo_change is not None:
        faster = plan.bpm > change.bpm
        if (facts.tempo_change == "faster") != faster or plan.bpm == change.bpm:
            untrue.append(f"{facts.tempo_change} (the tempo went {change.bpm} -> {plan.bpm})")
    return untrue


def has_instrument(instruments: tuple[str, ...], name: str) -> bool:
    """Whether ``instruments`` holds ``name`` as a listener would say it: "the guitar" is
    any guitar, "the bass" the upright bass too."""
    if _ALIKE.get(name, name) in {_ALIKE.get(i, i) for i in instruments}:
        return True
    return name in _GENERIC and any(i.split()[-1] == name.split()[-1] for i in instruments)


#: canonical names a bare word ("guitar", "bass", "piano") is read as: said of any
#: instrument of that family
_GENERIC = {"acoustic guitar", "bass", "piano"}
#: one instrument under two names ("fiddle" is also an alias of the violin)
_ALIKE = {"fiddle": "violin"}


def _genres(folded: str) -> tuple[str, ...]:
    found: list[str] = []
    for style in STYLES:
        for alias in sorted(style.aliases, key=len, reverse=True):
            if re.search(rf"(?<![a-z]){re.escape(fold(alias))}(?:e?s)?(?![a-z])", folded):
                found.append(style.genre)
                break
    return tuple(found)


def _absent(folded: str) -> tuple[str, ...]:
    found: list[str] = []
    for match in re.finditer(rf"(?<![a-z]){_ABSENT_CUES}\s+(?=((?:\S+\s*){{1,3}}))", folded):
        found += [i for i in find_instruments(match.group(1))[:1] if i not in found]
    return tuple(found)


def _keys(say: str) -> tuple[tuple[str, str], ...]:
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", say) if not unicodedata.combining(ch))
    keys = [(m.group(1) + (m.group(2) or "").strip(), MODE_WORDS[m.group(3).lower()])
            for m in re.finditer(_EN_KEY, plain)]  # "A minor" is a key, "a minor change" not
    keys += [(m.group(1) + (m.group(2) or ""), MODE_WORDS[m.group(3)])
             for m in re.finditer(_ES_KEY, fold(say))]
    return tuple(keys)


def _durations(folded: str) -> tuple[float, ...]:
    found = [float(m.group(1).replace(",", ".")) for m in re.finditer(_SECONDS, folded)]
    for phrase, seconds in sorted(_MINUTES.items(), key=lambda p: -len(p[0])):
        if re.search(rf"\b{phrase}\b", folded):
            found.append(seconds)
            break
    return tuple(found)


def _describe(facts: Facts) -> str:
    named = [*facts.genres, *facts.instruments, *(f"{b} BPM" for b in facts.bpms)]
    return ", ".join(named) or "a key or length"
