"""Pitch classes, scales and diatonic chords: the music theory the composer needs.

Progressions are written in scale degrees ("1", "5", "6", "4"; "b7" for a borrowed
major chord a whole tone below the tonic), so the same progression works in major and
minor and a change of mode re-renders the same piece with the other scale.
"""

from __future__ import annotations

from dataclasses import dataclass

# Key names are plan rules, owned by core.plan; re-exported for the composer's modules.
from voice_agent.core.plan import key_name, pitch_class  # noqa: F401

SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
}
MAJOR_OFFSETS = SCALES["major"]


@dataclass(frozen=True)
class Chord:
    """A chord as a root pitch class plus intervals above it (semitones)."""

    root: int
    intervals: tuple[int, ...]

    def pitch_classes(self) -> tuple[int, ...]:
        """Pitch classes of the chord tones, root first."""
        return tuple((self.root + i) % 12 for i in self.intervals)


def scale_pcs(tonic: int, mode: str) -> tuple[int, ...]:
    """The seven pitch classes of ``mode`` on ``tonic``."""
    return tuple((tonic + step) % 12 for step in SCALES[mode])


def diatonic_chord(tonic: int, mode: str, degree: str, size: int = 3,
                   dominant_v: bool = False) -> Chord:
    """The chord on scale ``degree`` ("1".."7", or "b3"/"b6"/"b7" borrowed major chords).

    ``size`` 3 stacks a triad, 4 a seventh chord, 5 a ninth; ``dominant_v`` raises the
    third of the fifth degree (harmonic minor's V, the pull home in tango or salsa).
    """
    if degree.startswith("b"):
        root = (tonic + MAJOR_OFFSETS[int(degree[1:]) - 1] - 1) % 12
        return Chord(root, (0, 4, 7, 10)[:max(3, min(size, 4))])
    index = int(degree) - 1
    steps = SCALES[mode]
    chord_steps = [steps[(index + 2 * k) % 7] + 12 * ((index + 2 * k) // 7) for k in range(size)]
    intervals = tuple(s - chord_steps[0] for s in chord_steps)
    if dominant_v and index == 4 and mode == "minor":
        intervals = tuple(4 if i == 3 else i for i in intervals)
    return Chord((tonic + steps[index]) % 12, intervals)


def dominant_seventh(chord: Chord) -> Chord:
    """The same root as a dominant seventh (the blues colours every chord this way)."""
    return Chord(chord.root, (0, 4, 7, 10))


def power_chord(chord: Chord) -> Chord:
    """Root, fifth and octave only: the rock and metal guitar chord."""
    return Chord(chord.root, (0, 7, 12))


def nearest_pitch(pc: int, target: int) -> int:
    """The MIDI pitch with pitch class ``pc`` closest to ``target``."""
    base = target - ((target - pc) % 12)
    return base if target - base <= 6 else base + 12


def voice_chord(chord: Chord, center: int, previous: tuple[int, ...] = ()) -> tuple[int, ...]:
    """A close voicing near ``center``, moving as little as possible from ``previous``."""
    pcs = chord.pitch_classes()
    candidates = []
    for inversion in range(len(pcs)):
        rotated = pcs[inversion:] + pcs[:inversion]
        pitches = [nearest_pitch(rotated[0], center - 4)]
        for pc in rotated[1:]:
            pitches.append(pitches[-1] + ((pc - pitches[-1]) % 12 or 12))
        candidates.append(tuple(pitches))
    reference = previous or (center,)
    return min(candidates, key=lambda v: abs(sum(v) / len(v) - sum(reference) / len(reference)))
