"""Plan to arrangement: sections, chords, and one part per instrument, as timed notes.

Every random choice draws from a generator seeded by ``(plan.seed, what it is for)``,
so changing one field of the plan re-renders the same piece otherwise: the progression
and melody do not depend on tempo, adding an instrument does not change the others'
parts, and a change of mode keeps the same progression degrees in the other scale.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from voice_agent.music import parts
from voice_agent.music.seeding import seeded_rng
from voice_agent.music.mood import feel_for
from voice_agent.music.styles import (
    BASS_INSTRUMENTS, LEAD_INSTRUMENTS, LOW_INSTRUMENTS, PAD_INSTRUMENTS, PERCUSSION, PROGRAMS,
    Recipe, recipe_for,
)
from voice_agent.music.theory import (
    Chord, diatonic_chord, dominant_seventh, pitch_class, scale_pcs,
)
from voice_agent.core.types import MusicPlan
from voice_agent.music.melody import Tune

log = logging.getLogger(__name__)

#: Channel volume (CC7) per role: General MIDI kits and bass sit low in the mix otherwise.
ROLE_VOLUME = {"drums": 127, "percussion": 127, "bass": 108, "lead": 110, "comp": 92, "pad": 84}
FEATURED_GAIN = 1.15  # the first-named instrument plays louder ("more piano" brings it first)


@dataclass(frozen=True)
class Note:
    """One note in seconds (``end`` > ``start``), MIDI pitch and velocity 1-127."""

    start: float
    end: float
    pitch: int
    velocity: int


@dataclass(frozen=True)
class Track:
    """One instrument's part: its General MIDI sound, its roles and its notes."""

    name: str
    program: int
    is_drum: bool
    roles: tuple[str, ...]
    notes: tuple[Note, ...]
    reverb: int = 40
    volume: int = 100  # MIDI CC7: the mix level of the part



@dataclass(frozen=True)
class Section:
    """A run of bars with one function: intro, A, B or ending."""

    name: str
    first_bar: int
    bars: int


@dataclass(frozen=True)
class Arrangement:
    """Everything needed to write MIDI or synthesize audio for a plan."""

    plan: MusicPlan
    tracks: tuple[Track, ...]
    sections: tuple[Section, ...]
    chords: tuple[Chord, ...]  # one per bar
    drum_kit: int
    lowpass_hz: float = 0.0
    reverb: int = 0  # room size and level, 0-127 like MIDI CC91

    @property
    def duration_s(self) -> float:
        """Length of the clip in seconds (the plan's duration)."""
        return float(self.plan.duration_s)


def arrange(plan: MusicPlan, tune: "Tune | None" = None) -> Arrangement:
    """Compose ``plan`` (already normalized) into an arrangement.

    ``tune`` (a transcribed melody) becomes the lead instrument's line over the body.
    """
    recipe = recipe_for(plan.genre)
    total_bars = max(1, int(round(plan.duration_s * plan.bpm / 240.0)))
    sections = layout_sections(total_bars, _phrase_bars(recipe))
    chords = chords_for(plan, recipe, sections)
    ctx = parts.Context(plan, recipe, chords, sections, feel_for(plan.mood),
                        scale_pcs(pitch_class(plan.key), plan.mode))
    roles = assign_roles(plan.instruments)
    leader = next((n for n in plan.instruments if "lead" in roles[n]), None) if tune else None
    tracks = tuple(_track(ctx, name, roles[name], tune if name == leader else None)
                   for name in plan.instruments)
    return Arrangement(plan, tracks, sections, chords, recipe.drum_kit, recipe.lowpass_hz,
                       recipe.reverb)


def _phrase_bars(recipe: Recipe) -> int:
    return max(len(p) for p in recipe.progressions) * recipe.chord_bars


def layout_sections(total_bars: int, phrase_bars: int) -> tuple[Section, ...]:
    """Intro, alternating A/B phrases, and a one-bar ending, filling ``total_bars``."""
    intro = 2 if total_bars >= 10 else 1 if total_bars >= 5 else 0
    ending = 1 if total_bars >= 3 else 0
    sections = [Section("intro", 0, intro)] if intro else []
    bar, kind = intro, "A"
    while bar < total_bars - ending:
        length = min(phrase_bars, total_bars - ending - bar)
        sections.append(Section(kind, bar, length))
        bar, kind = bar + length, "B" if kind == "A" else "A"
    if ending:
        sections.append(Section("ending", total_bars - 1, 1))
    return tuple(sections)


def chords_for(plan: MusicPlan, recipe: Recipe, sections: tuple[Section, ...]) -> tuple[Chord, ...]:
    """One chord per bar: the tonic in intro and ending, the seed's progression for A, the
    next one for B."""
    tonic = pitch_class(plan.key)
    choice = int(seeded_rng(plan.seed, "progression", plan.genre).integers(len(recipe.progressions)))
    chords: list[Chord] = []
    for section in sections:
        index = choice + (1 if section.name == "B" else 0)
        progression = recipe.progressions[index % len(recipe.progressions)]
        for bar in range(section.bars):
            # The intro vamps and the ending rests on the tonic: the key is heard first and last.
            degree = "1" if section.name in ("intro", "ending") else \
                progression[(bar // recipe.chord_bars) % len(progression)]
            chords.append(_chord(tonic, plan.mode, degree, recipe))
    return tuple(chords)


def _chord(tonic: int, mode: str, degree: str, recipe: Recipe) -> Chord:
    chord = diatonic_chord(tonic, mode, degree, recipe.chord_size, recipe.dominant_v)
    # Blues colours every chord as a dominant seventh; in minor that would erase the mode.
    return dominant_seventh(chord) if recipe.blues_sevenths and mode == "major" else chord


def assign_roles(instruments: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Which part each instrument plays: drums, percussion, bass, pad, comp and/or lead.

    Melody instruments lead; with none, the first-named chord instrument also takes the
    melody. Without a bass instrument, a low one (cello, trombone) plays the bass line.
    """
    roles = {name: (_natural_role(name),) for name in instruments}
    has_bass = any(r == ("bass",) for r in roles.values())
    low = next((n for n in instruments if n in LOW_INSTRUMENTS), None)
    if not has_bass and low and len(instruments) > 1:
        roles[low] = ("bass",)
    if not any("lead" in r for r in roles.values()):
        harmonic = ([n for n in instruments if roles[n] == ("comp",)]
                    or [n for n in instruments if roles[n] == ("pad",)])
        if harmonic:
            roles[harmonic[0]] = roles[harmonic[0]] + ("lead",)
    if not any(r[0] in ("comp", "pad") for r in roles.values()):
        melodic = [n for n in instruments if roles[n] == ("lead",)]
        if len(melodic) > 1:
            roles[melodic[-1]] = ("comp",)
    return roles


def _natural_role(name: str) -> str:
    if name in PERCUSSION:
        return "drums" if name == "drums" else "percussion"
    if name in BASS_INSTRUMENTS:
        return "bass"
    if name in LEAD_INSTRUMENTS:
        return "lead"
    return "pad" if name in PAD_INSTRUMENTS else "comp"


def _track(ctx: "parts.Context", name: str, roles: tuple[str, ...],
           tune: "Tune | None" = None) -> Track:
    beat_notes: list[parts.BeatNote] = []
    for role in roles:
        if role == "lead" and tune is not None:
            beat_notes.extend(parts.tune_lead(ctx, name, roles, tune))
        else:
            beat_notes.extend(parts.play(ctx, name, role, roles))
    featured = name == ctx.plan.instruments[0] and len(ctx.plan.instruments) > 1
    notes = humanize(ctx, name, beat_notes, gain=FEATURED_GAIN if featured else 1.0)
    is_drum = roles[0] in ("drums", "percussion")
    program = ctx.recipe.drum_kit if is_drum else program_for(name, ctx.recipe)
    return Track(name, program, is_drum, roles,
                 notes, reverb=ctx.recipe.reverb, volume=max(ROLE_VOLUME[r] for r in roles))


def program_for(name: str, recipe: Recipe) -> int:
    """General MIDI program for an instrument: style's choice, the table, then GM names."""
    if name in recipe.programs:
        return recipe.programs[name]
    if name in PROGRAMS:
        return PROGRAMS[name]
    from pretty_midi.constants import INSTRUMENT_MAP

    for program, gm_name in enumerate(INSTRUMENT_MAP):
        if name.lower() in gm_name.lower():
            return program
    log.warning("No General MIDI sound for instrument %r; playing it on the piano", name)
    return 0


def humanize(ctx: "parts.Context", name: str, beat_notes: list["parts.BeatNote"],
             gain: float = 1.0) -> tuple[Note, ...]:
    """Beats to seconds, with the style's swing and a small, seeded human looseness."""
    rng = seeded_rng(ctx.plan.seed, "humanize", name)
    spb = 60.0 / ctx.plan.bpm
    end = ctx.plan.duration_s
    jitter = rng.normal(0.0, 1.0, size=(len(beat_notes), 2))
    notes = []
    for note, (dt, dv) in zip(beat_notes, jitter):
        start = (note.beat + _swing(note.beat, ctx.recipe)) * spb
        start += float(np.clip(dt, -2.5, 2.5)) * ctx.recipe.humanize_s + note.offset_s
        start = min(max(start, 0.0), end - 0.01)
        stop = min(end, max(start + 0.03, (note.beat + note.beats) * spb))
        velocity = int(np.clip(note.velocity * gain + 4.0 * dv, 1, 127))
        notes.append(Note(start, stop, note.pitch, velocity))
    return tuple(sorted(notes, key=lambda n: (n.start, n.pitch)))


def _swing(beat: float, recipe: Recipe) -> float:
    if not recipe.swing:
        return 0.0
    position = round((beat % 1.0) * 4) % 4  # sixteenth within the beat
    swung = position == 2 if recipe.swing_unit == 8 else position in (1, 3)
    return recipe.swing if swung else 0.0

