"""The players: drums, percussion, bass, comping, pads and the lead melody.

Each player turns the style's figures into :class:`BeatNote` s for every bar of every
section. Positions are in beats; :func:`voice_agent.music.arrangement.humanize` turns
them into seconds with swing and a seeded looseness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from voice_agent.music import styles as st
from voice_agent.music.mood import Feel
from voice_agent.music.theory import Chord, nearest_pitch, power_chord, voice_chord
from voice_agent.core.types import MusicPlan
from voice_agent.music.seeding import seeded_rng

ENDING_BEATS = 16.0  # held notes of the last bar ring to the end of the clip
HIT_VELOCITY = {"X": 118, "x": 100, "o": 58}
GUITARS = ("electric guitar", "distorted guitar", "acoustic guitar", "nylon guitar", "ukulele")
LEAD_RANGES: dict[str, tuple[int, int]] = {
    "trumpet": (58, 82), "trombone": (46, 70), "brass": (55, 79), "saxophone": (54, 77),
    "flute": (67, 91), "clarinet": (55, 82), "violin": (62, 88), "fiddle": (62, 86),
    "choir": (57, 76), "cello": (48, 72), "synth": (60, 86),
}
DEFAULT_LEAD_RANGE = (64, 86)
FALLBACK_DRUMS = {st.KICK: "x.......x.x.....", st.SIDE_STICK: "....x.......x...",
                  st.CLOSED_HAT: "x.x.x.x.x.x.x.x."}
_BACKBEAT_VOICES = (st.SNARE, st.CLAP, st.SIDE_STICK)


@dataclass(frozen=True)
class BeatNote:
    """A note positioned in beats; ``offset_s`` adds an unswung delay (a strum)."""

    beat: float
    beats: float
    pitch: int
    velocity: int
    offset_s: float = 0.0


@dataclass(frozen=True)
class Context:
    """What every player needs to know about the piece."""

    plan: MusicPlan
    recipe: st.Recipe
    chords: tuple[Chord, ...]
    sections: tuple  # of arrangement.Section
    feel: Feel
    scale: tuple[int, ...]

    def bars(self) -> Iterator[tuple[object, int, int]]:
        """(section, bar number in the piece, bar number within the section)."""
        for section in self.sections:
            for index in range(section.bars):
                yield section, section.first_bar + index, index

    def velocity(self, base: int, scale: float = 1.0) -> int:
        """A velocity scaled by the mood's energy."""
        return int(np.clip(base * scale * (0.75 + 0.45 * self.feel.energy), 1, 127))

    def next_chord(self, bar: int) -> Chord:
        """The chord of the following bar (the last chord at the end)."""
        return self.chords[min(bar + 1, len(self.chords) - 1)]


def play(ctx: Context, name: str, role: str, roles: tuple[str, ...]) -> list[BeatNote]:
    """All notes ``name`` plays in ``role``."""
    players: dict[str, Callable[[Context, str, tuple[str, ...]], list[BeatNote]]] = {
        "drums": drums, "percussion": percussion, "bass": bass, "comp": comp, "pad": pad,
        "lead": lead,
    }
    return players[role](ctx, name, roles)


def hits(pattern: str, bar: int) -> Iterator[tuple[int, int, str]]:
    """(step, length in steps, symbol) for each onset of a 16- or 32-step figure."""
    if len(pattern) == 32:
        pattern = pattern[16 * (bar % 2): 16 * (bar % 2) + 16]
    for step, symbol in enumerate(pattern):
        if symbol in ".-":
            continue
        length = 1
        while step + length < 16 and pattern[step + length] == "-":
            length += 1
        yield step, length, symbol


def drums(ctx: Context, name: str, roles: tuple[str, ...]) -> list[BeatNote]:
    """The kit: light in the intro, crash on each section, a fill closing long phrases."""
    figures = ctx.recipe.drums or FALLBACK_DRUMS
    notes: list[BeatNote] = []
    for section, bar, index in ctx.bars():
        if section.name == "ending":
            notes += [BeatNote(bar * 4.0, 2.0, key, ctx.velocity(105))
                      for key in (st.KICK, st.CRASH)]
            continue
        fill = section.name != "intro" and section.bars >= 4 and index == section.bars - 1
        for key, figure in figures.items():
            if section.name == "intro" and key in _BACKBEAT_VOICES + (st.KICK, st.CRASH):
                continue
            notes += _figure(ctx, bar, figure, key, stop_step=12 if fill else 16)
        if index == 0 and section.name in "AB":
            notes.append(BeatNote(bar * 4.0, 2.0, st.CRASH, ctx.velocity(100)))
        if fill:
            notes += _fill(ctx, bar, figures)
    return notes


def _figure(ctx: Context, bar: int, figure: str, key: int, stop_step: int = 16) -> list[BeatNote]:
    notes = []
    for step, _, symbol in hits(figure, bar):
        if step >= stop_step or (symbol == "o" and ctx.feel.energy < 0.35):
            continue
        velocity = ctx.velocity(HIT_VELOCITY[symbol])
        notes.append(BeatNote(bar * 4.0 + step / 4.0, 0.25, key, velocity))
    return notes


def _fill(ctx: Context, bar: int, figures: dict[int, str]) -> list[BeatNote]:
    voice = next((k for k in (st.SNARE, st.CLAP, st.SIDE_STICK, st.TIMBALE) if k in figures), st.SNARE)
    return [BeatNote(bar * 4.0 + 3.0 + i / 4.0, 0.25, voice, ctx.velocity(70 + 12 * i))
            for i in range(4)]


def percussion(ctx: Context, name: str, roles: tuple[str, ...]) -> list[BeatNote]:
    """Hand percussion (congas, güiro, palmas): the style's figure in every bar."""
    figures = ctx.recipe.percussion.get(name) or st.PERCUSSION[name]
    notes: list[BeatNote] = []
    for section, bar, _ in ctx.bars():
        for key, figure in figures.items():
            if section.name == "ending":
                notes.append(BeatNote(bar * 4.0, 1.0, key, ctx.velocity(100)))
                break
            notes += _figure(ctx, bar, figure, key)
    return notes


_BASS_INTERVALS = {"R": 0, "3": None, "5": 7, "6": 9, "8": 12, "b": 10}
BASS_RANGE = (30, 50)


def bass(ctx: Context, name: str, roles: tuple[str, ...]) -> list[BeatNote]:
    """The bass figure over each chord; roots held in the intro and at the end."""
    notes: list[BeatNote] = []
    previous = 40
    for section, bar, index in ctx.bars():
        chord = ctx.chords[bar]
        root = _bass_root(chord.root)
        if section.name in ("intro", "ending"):
            beats = ENDING_BEATS if section.name == "ending" else 4.0
            notes.append(BeatNote(bar * 4.0, beats, root, ctx.velocity(90)))
            continue
        rng = _bar_rng(ctx, "bass", section.name, index)
        for step, length, symbol in hits(ctx.recipe.bass, bar):
            previous = _bass_pitch(ctx, symbol, chord, bar, previous, rng)
            accent = 100 if step % 4 == 0 else 85
            notes.append(BeatNote(bar * 4.0 + step / 4.0, length / 4.0 * 0.95, previous,
                                  ctx.velocity(accent)))
    return notes


def _bass_root(pc: int) -> int:
    return nearest_pitch(pc, 38)


def _bass_pitch(ctx: Context, symbol: str, chord: Chord, bar: int, previous: int,
                rng: np.random.Generator) -> int:
    root = _bass_root(chord.root)
    if symbol == "N":
        return _bass_root(ctx.next_chord(bar).root)
    if symbol == "A":
        return _bass_root(ctx.next_chord(bar).root) + int(rng.choice((-1, 1)))
    if symbol == "C":
        tones = [nearest_pitch(pc, previous) for pc in chord.pitch_classes()[1:]]
        return int(rng.choice(tones))
    interval = _BASS_INTERVALS[symbol]
    if symbol in "R8":
        return root + interval
    pc = (chord.root + (chord.intervals[1] if interval is None else interval)) % 12
    return _in_bass_range(nearest_pitch(pc, previous))  # step, don't leap, to the next tone


def _in_bass_range(pitch: int) -> int:
    while pitch > BASS_RANGE[1]:
        pitch -= 12
    while pitch < BASS_RANGE[0]:
        pitch += 12
    return pitch


def _bar_rng(ctx: Context, part: str, section_name: str, index: int) -> np.random.Generator:

    return seeded_rng(ctx.plan.seed, part, section_name, index)


def _comp_center(ctx: Context, name: str, roles: tuple[str, ...]) -> int:
    center = 57 if name in GUITARS else 62
    center += int(round(3 * ctx.feel.brightness))
    return center - 5 if "lead" in roles else center


def comp(ctx: Context, name: str, roles: tuple[str, ...]) -> list[BeatNote]:
    """Chords in the style's rhythm, voice-led; power chords on rock guitars."""
    center = _comp_center(ctx, name, roles)
    level = 0.75 if "lead" in roles else 0.9
    power = ctx.recipe.power_chords and name in GUITARS
    notes: list[BeatNote] = []
    voicing: tuple[int, ...] = ()
    for section, bar, _ in ctx.bars():
        chord = power_chord(ctx.chords[bar]) if power else ctx.chords[bar]
        voicing = voice_chord(chord, center - 7 if power else center, voicing)
        if section.name == "ending":
            notes += [BeatNote(bar * 4.0, ENDING_BEATS, p, ctx.velocity(80, level))
                      for p in voicing]
            continue
        for step, length, symbol in hits(ctx.recipe.comp, bar):
            notes += _comp_hit(ctx, bar * 4.0 + step / 4.0, length / 4.0, symbol, voicing, level)
    return notes


def _comp_hit(ctx: Context, beat: float, beats: float, symbol: str, voicing: tuple[int, ...],
              level: float) -> list[BeatNote]:
    velocity = ctx.velocity(HIT_VELOCITY.get(symbol, 85), level)
    if symbol.isdigit():
        pitch = sorted(voicing)[int(symbol) % len(voicing)]
        pitches = (pitch, pitch + 12) if ctx.recipe.comp_octave_double else (pitch,)
        return [BeatNote(beat, beats * 0.9, p, velocity) for p in pitches]
    return [BeatNote(beat, beats * 0.9, p, velocity, offset_s=i * ctx.recipe.strum_s)
            for i, p in enumerate(sorted(voicing))]


def pad(ctx: Context, name: str, roles: tuple[str, ...]) -> list[BeatNote]:
    """Sustained chords, held while the harmony does not change."""
    center = _comp_center(ctx, name, roles)
    notes: list[BeatNote] = []
    voicing: tuple[int, ...] = ()
    held_from, held = 0.0, None
    for section, bar, _ in ctx.bars():
        chord = ctx.chords[bar]
        if chord != held or section.first_bar == bar:
            if held is not None:
                notes += _held(ctx, voicing, held_from, bar * 4.0 - held_from)
            voicing, held_from, held = voice_chord(chord, center, voicing), bar * 4.0, chord
    total = len(ctx.chords) * 4.0 + ENDING_BEATS
    return notes + _held(ctx, voicing, held_from, total - held_from)


def _held(ctx: Context, voicing: tuple[int, ...], beat: float, beats: float) -> list[BeatNote]:
    return [BeatNote(beat, beats * 0.98, p, ctx.velocity(56)) for p in voicing]  # GM pads are loud


def lead_pitches(ctx: Context, name: str, roles: tuple[str, ...]) -> list[int]:
    """Every pitch the melody may use: the style's scale within the instrument's range."""
    low, high = LEAD_RANGES.get(name, DEFAULT_LEAD_RANGE)
    if "comp" in roles or "pad" in roles:
        low, high = low + 5, high + 5  # sing above one's own chords
    shift = int(round(4 * ctx.feel.brightness))
    tonic = ctx.scale[0]
    pcs = set(ctx.scale)
    if ctx.recipe.lead_scale in ("pentatonic", "blues"):
        minor = ctx.plan.mode == "minor" or ctx.recipe.lead_scale == "blues"
        steps = (0, 3, 5, 7, 10) if minor else (0, 2, 4, 7, 9)
        blue_note = {(tonic + 6) % 12} if ctx.recipe.lead_scale == "blues" else set()
        pcs = {(tonic + s) % 12 for s in steps} | blue_note
    return [p for p in range(low + shift, high + shift + 1) if p % 12 in pcs]


def lead(ctx: Context, name: str, roles: tuple[str, ...]) -> list[BeatNote]:
    """A melody in four-bar phrases (motif, answer, motif, close) over the body sections."""
    pitches = lead_pitches(ctx, name, roles)
    rhythms = ctx.recipe.lead_rhythms
    notes: list[BeatNote] = []
    previous = pitches[len(pitches) // 2]
    for section, bar, index in ctx.bars():
        if section.name == "intro":
            continue
        if section.name == "ending":
            tonics = (p for p in pitches if p % 12 == ctx.scale[0])
            home = min(tonics, key=lambda p: abs(p - previous))
            notes.append(BeatNote(bar * 4.0, ENDING_BEATS, home, ctx.velocity(85)))
            continue
        if index % 4 == 0:
            previous = pitches[len(pitches) // 2]
        motif = _bar_rng(ctx, "motif", section.name, 0).permutation(len(rhythms))
        rhythm = rhythms[motif[(0, 1, 0, 2)[index % 4] % len(rhythms)]]
        rng = _bar_rng(ctx, "lead", section.name, index)
        for step, length, _ in hits(rhythm, bar):
            if ctx.feel.energy < 0.35 and step % 4 and rng.random() < 0.5:
                continue
            previous = _melody_step(rng, previous, ctx.chords[bar], pitches, strong=step % 8 == 0)
            notes.append(BeatNote(bar * 4.0 + step / 4.0, length / 4.0 * 0.92, previous,
                                  ctx.velocity(110 if step % 4 == 0 else 98)))
    return notes


def tune_lead(ctx: Context, name: str, roles: tuple[str, ...], tune) -> list[BeatNote]:
    """The lead part with a transcribed tune (:mod:`voice_agent.music.melody`) over the
    body sections, in the plan's key and tempo; the composer's own intro and ending stay."""
    from voice_agent.music.melody import lead_from_tune

    body = [s for s in ctx.sections if s.name not in ("intro", "ending")] or list(ctx.sections)
    first, last = body[0].first_bar * 4.0, (body[-1].first_bar + body[-1].bars) * 4.0
    low, high = LEAD_RANGES.get(name, DEFAULT_LEAD_RANGE)
    if "comp" in roles or "pad" in roles:
        low, high = low + 5, high + 5  # sing above one's own chords
    own = [n for n in lead(ctx, name, roles) if not first <= n.beat < last]
    sung = [BeatNote(beat, beats, pitch, ctx.velocity(104))
            for beat, beats, pitch in lead_from_tune(tune, ctx.scale[0], (low, high), first, last)]
    return sorted(own + sung, key=lambda n: n.beat)


def _melody_step(rng: np.random.Generator, previous: int, chord: Chord, pitches: list[int],
                 strong: bool) -> int:
    """Strong beats land on a nearby chord tone; weak beats move by step or small leap."""
    if strong:
        tones = [p for p in pitches if p % 12 in chord.pitch_classes() and abs(p - previous) <= 7]
        if tones:
            return int(rng.choice(tones))
    index = min(range(len(pitches)), key=lambda i: abs(pitches[i] - previous))
    move = int(rng.choice((-2, -1, -1, 1, 1, 2)))
    return pitches[int(np.clip(index + move, 0, len(pitches) - 1))]
