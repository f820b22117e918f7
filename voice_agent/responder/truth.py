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
from collections.abc import Sequence
from dataclasses import dataclass

from voice_agent.core.language import fold, spell_numbers, split_sentences
from voice_agent.core.plan import MODE_WORDS, normalize_key
from voice_agent.core.types import MusicPlan
from voice_agent.responder.grounding import find_duration
from voice_agent.core.vocabulary import SAME_INSTRUMENT, find_instruments, genres_named, listed_instruments

#: words that say an instrument is NOT in the music ("without the saxophone", "he quitado
#: el saxo", "swapped the guitar for a piano": the guitar is gone)
_ABSENT_CUES = (r"(?:without|sin|no|no more|removed|remove|took out|taken out|dropped|minus"
                r"|instead of|replaced|swapped|quitado|quite|quito|quitamos|sacado|saque"
                r"|en vez de|en lugar de|cambiado|sustituido|reemplazado)")
_SECONDS = r"(?<![\d.,])(\d{1,3}(?:[.,]\d+)?)\s*(?:-\s*)?(?:seconds?|secs?|segundos?)\b"
#: a suggestion or an offer ("tell me a style, like relaxing jazz with piano", "¿quieres
#: algo como un tango?"): what follows the marker names no fact about the music made
_SUGGESTION = (r"(?:\b(?:like|such as|for example|for instance|e\.g\.|say|por ejemplo|como por"
               r" ejemplo|tipo|como)\b)")
_OFFER = (r"(?:\?|¿|\b(?:tell me|ask|try|you could|you can|if you want|want me to|would you like"
          r"|dime|pideme|pide|prueba|puedes|quieres|si quieres|te apetece)\b)")
_BPM = r"(\d{2,3})\s*(?:bpm|beats per minute|pulsaciones|ppm)\b"
_EN_KEY = r"\b([A-G])(#|b|♯|♭|[\s-]+sharp|[\s-]+flat)?\s+((?i:major|minor))\b"
_ES_KEY = (r"\b(do|re|mi|fa|sol|la|si)(\s*(?:#|sostenido|bemol))?\s+(mayor|menor)\b"
           r"(?!\s+(?:parte|cantidad|numero)\b)(?!(?<=la mayor)\s+(?:de|que)\b)"
           r"(?!(?<=la menor)\s+(?:de|que)\b)")  # "la mayor parte", "la menor de todas"
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
    """The genres, instruments, tempos, keys, modes and lengths ``say`` names as facts
    (an example in a suggestion or an offer is not one: see :func:`stated_part`)."""
    say = " ".join(stated_part(s) for s in split_sentences(say) or [say])
    folded = spell_numbers(say)
    absent = _absent(folded)
    present = tuple(i for i in find_instruments(folded) if i not in absent)
    return Facts(
        genres=genres_named(folded),
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


def stated_part(sentence: str) -> str:
    """``sentence`` up to the example of a suggestion or offer it makes: "Tell me a
    style, like relaxing jazz with piano" states nothing about the music; "Here's a
    tango with bandoneon" states all of itself."""
    if not re.search(_OFFER, sentence, flags=re.IGNORECASE):
        return sentence
    match = re.search(_SUGGESTION, sentence, flags=re.IGNORECASE)
    return sentence[: match.start()] if match else sentence


def without_names(say: str, names: Sequence[str]) -> str:
    """``say`` without the ``names`` it quotes (playlists), which state nothing about music."""
    for name in sorted(filter(None, names), key=len, reverse=True):
        say = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", say, flags=re.IGNORECASE)
    return say


def check_say(say: str, plan: MusicPlan | None, language: str,
              change: MusicPlan | None = None, names: Sequence[str] = ()) -> list[str]:
    """The claims in ``say`` that ``plan`` does not bear out (empty when it is all true).

    ``change`` is the plan before an edit, for claims such as "faster" or "sin el saxo".
    ``language`` is the reply's (the fact patterns cover English and Spanish together).
    ``names`` are names the reply may say that are not music (playlists: "Saved to dance
    night" names no genre).
    """
    facts = facts_in(without_names(say, names))
    if plan is None:
        return [f"names music ({_describe(facts)}) but no music was made"] if facts else []
    return _untrue(facts, plan, change)


def _untrue(facts: Facts, plan: MusicPlan, change: MusicPlan | None) -> list[str]:
    untrue = [f"genre {g} (the plan is {plan.genre})" for g in facts.genres if g != plan.genre]
    untrue += [f"instrument {i} (not in the plan)" for i in facts.instruments
               if not has_instrument(plan.instruments, i)]
    untrue += [f"without {i} (the plan has it)" for i in facts.absent
               if _still_has(plan, change, i)]
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
    if SAME_INSTRUMENT.get(name, name) in {SAME_INSTRUMENT.get(i, i) for i in instruments}:
        return True
    return name in _GENERIC and any(i.split()[-1] == name.split()[-1] for i in instruments)


def _still_has(plan: MusicPlan, change: MusicPlan | None, name: str) -> bool:
    """Whether "without ``name``" is untrue of ``plan``: it is true after an edit that
    swapped ``name`` for one of its other names ("the fiddle instead of the violin")."""
    if name in plan.instruments:
        return True
    swapped_by_name = change is not None and name in change.instruments
    return not swapped_by_name and has_instrument(plan.instruments, name)


#: canonical names a bare word ("guitar", "bass", "piano") is read as: said of any
#: instrument of that family
_GENERIC = {"acoustic guitar", "bass", "piano"}


def _absent(folded: str) -> tuple[str, ...]:
    found: list[str] = []
    for match in re.finditer(rf"(?<![a-z]){_ABSENT_CUES}\s+(?=((?:\S+\s*){{1,12}}))", folded):
        said = re.split(r"[.!?;:]", match.group(1))[0]
        listed = re.match(r"\S+(?:\s+\S+)?\s+(?:or|ni)\s+\S+(?:\s+\S+)?", said)
        # "sin piano y bajo", "without the drums, trumpet and saxophone": each absent
        named = find_instruments(listed.group(0)) if listed else listed_instruments(said)
        found += [i for i in named if i not in found]
    return tuple(found)


def _keys(say: str) -> tuple[tuple[str, str], ...]:
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", say) if not unicodedata.combining(ch))
    keys = [(m.group(1) + _accidental(m.group(2)), MODE_WORDS[m.group(3).lower()])
            for m in re.finditer(_EN_KEY, plain)]  # "A minor" is a key, "a minor change" not
    keys += [(m.group(1) + (m.group(2) or ""), MODE_WORDS[m.group(3)])
             for m in re.finditer(_ES_KEY, fold(say))]
    return tuple(keys)


def _accidental(said: str | None) -> str:
    """"#" or "b" however a reply writes it: " sharp", "-flat", "♭"."""
    said = (said or "").strip(" -").lower()
    return {"sharp": "#", "♯": "#", "flat": "b", "♭": "b"}.get(said, said)


def _durations(folded: str) -> tuple[float, ...]:
    """Every length named: "30 seconds", "treinta segundos", "a minute and a half"."""
    found = [float(m.group(1).replace(",", ".")) for m in re.finditer(_SECONDS, folded)]
    for match in re.finditer(r"\b(?:\d+|one|uno|un|una|a|half a|medio|media)\s*(?:-\s*)?"
                             r"(?:minutes?|minutos?)\b(?:\s+(?:and a half|y medio|y media))?"
                             r"|\b(?:one|uno|a|un) and a half minutes?\b", folded):
        seconds = find_duration(match.group(0))
        if seconds is not None:
            found.append(seconds)
    return tuple(found)


def _describe(facts: Facts) -> str:
    named = [*facts.genres, *facts.instruments, *(f"{b} BPM" for b in facts.bpms)]
    return ", ".join(named) or "a key or length"
