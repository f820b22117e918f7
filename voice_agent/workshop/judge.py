"""Is a caption true of the audio? Every claim it makes must be backed by a measurement.

Like :mod:`voice_agent.responder.truth` does for spoken replies: the facts a caption states
(tempo, key, mode, length, genre, instrument; :func:`~voice_agent.responder.truth.facts_in`)
and its descriptive words (:mod:`voice_agent.workshop.words`) are checked against the
measured :class:`~voice_agent.music.describe.AudioFeatures` and, when CLAP ran, its tags.
A genre, mood, instrument or voice can only be backed by a CLAP tag: without one, naming
it is a claim nothing supports. :func:`check_caption` lists what fails; empty means pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voice_agent.core.language import fold
from voice_agent.core.plan import MOOD_WORDS, normalize_key
from voice_agent.music.describe import AudioFeatures
from voice_agent.responder.truth import facts_in, has_instrument
from voice_agent.workshop.words import DESCRIPTORS

MIN_CHARS, MAX_CHARS = 20, 300
#: a stated tempo may differ this much from the measured one (the estimate's own spread)
BPM_TOLERANCE = 0.04
#: CLAP instrument labels that mean a voice is heard
VOICE_TAGS = frozenset({"vocals", "choir"})


@dataclass(frozen=True)
class Tags:
    """The zero-shot labels CLAP gave (top few per set); empty when CLAP did not run."""

    genres: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()


def check_caption(caption: str, features: AudioFeatures, tags: Tags = Tags()) -> list[str]:
    """The claims in ``caption`` that ``features`` and ``tags`` do not bear out."""
    problems = _form(caption)
    facts = facts_in(caption)
    problems += _numbers(facts, features)
    problems += [f"genre {g} (no CLAP genre tag says so)" for g in facts.genres
                 if g not in tags.genres]
    problems += [f"instrument {i} ({_heard_as(tags)})" for i in facts.instruments
                 if not has_instrument(tags.instruments, i)]
    problems += _moods(fold(caption), tags)
    problems += _descriptors(fold(caption), features, tags)
    return problems


def missing_facts(caption: str, features: AudioFeatures) -> tuple[bool, bool]:
    """Whether ``caption`` leaves out the measured (tempo, key): a training caption should
    state both when they were measured, as MusicGen's captions do."""
    facts = facts_in(caption)
    return (features.tempo_bpm is not None and not facts.bpms,
            features.key is not None and not facts.keys)


def _form(caption: str) -> list[str]:
    text = caption.strip()
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        return [f"length {len(text)} characters (one sentence of {MIN_CHARS}-{MAX_CHARS})"]
    if "\n" in text or re.search(r"[.!?]\s+\S", text):
        return ["more than one sentence"]
    return []


def _numbers(facts, features: AudioFeatures) -> list[str]:
    problems = []
    for bpm in facts.bpms:
        if features.tempo_bpm is None or abs(bpm - features.tempo_bpm) > BPM_TOLERANCE * bpm:
            problems.append(f"{bpm} BPM (measured {_shown(features.tempo_bpm, '.0f')})")
    measured = f"{features.key} {features.mode}" if features.key else "no key measured"
    for key, mode in facts.keys:
        if normalize_key(key) != features.key or mode != features.mode:
            problems.append(f"key {key} {mode} (measured {measured})")
    problems += [f"{m} mode (measured {measured})" for m in facts.modes if m != features.mode]
    problems += [f"{d:g} s long (measured {features.duration_s:.1f} s)" for d in facts.durations
                 if abs(d - features.duration_s) > 1.0]
    if "drums" in facts.absent and features.percussive:
        problems.append("without drums (the audio is percussive)")
    return problems


def _heard_as(tags: Tags) -> str:
    return (f"CLAP heard {', '.join(tags.instruments)}" if tags.instruments
            else "no CLAP instrument tags")


def _moods(folded: str, tags: Tags) -> list[str]:
    problems = []
    for mood, words in MOOD_WORDS.items():
        said = next((w for w in words if _says(folded, fold(w))), None)
        if said and mood not in tags.moods:
            problems.append(f"mood '{said}' (no CLAP mood tag says {mood})")
    return problems


def _descriptors(folded: str, features: AudioFeatures, tags: Tags) -> list[str]:
    problems = []
    for descriptor in DESCRIPTORS:
        said = next((w for w in (*descriptor.english, *descriptor.spanish)
                     if _says(folded, fold(w))), None)
        if said is None:
            continue
        if descriptor.aspect == "vocals":
            if not VOICE_TAGS & set(tags.instruments):
                problems.append(f"'{said}' (no CLAP tag hears a voice)")
        elif not descriptor.holds(features):
            problems.append(f"'{said}' (the measured {descriptor.aspect} does not show it)")
    return problems


def _says(folded: str, word: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", folded) is not None


def _shown(value: float | None, spec: str) -> str:
    return "none" if value is None else format(value, spec)
