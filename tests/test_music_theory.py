"""Music theory helpers: key names, diatonic chords, voicings."""

import pytest

from voice_agent.core.plan import key_name, pitch_class
from voice_agent.music.theory import Chord, diatonic_chord, nearest_pitch, power_chord, voice_chord


@pytest.mark.parametrize("name, pc", [
    ("C", 0), ("F#", 6), ("Bb", 10), ("b", 11), ("sol", 7), ("Si bemol", 10),
    ("fa sostenido", 6), ("Eb", 3), ("re", 2),
])
def test_pitch_class_reads_english_and_spanish_names(name, pc):
    assert pitch_class(name) == pc


@pytest.mark.parametrize("name", ["H", "", "C##", "do re", "xyz"])
def test_pitch_class_rejects_non_notes(name):
    assert pitch_class(name) is None


def test_key_name_spells_flats_and_sharps_conventionally():
    assert [key_name(pc) for pc in (1, 3, 6, 8, 10)] == ["C#", "Eb", "F#", "Ab", "Bb"]


def test_diatonic_triads_in_major_and_minor():
    assert diatonic_chord(0, "major", "1").pitch_classes() == (0, 4, 7)
    assert diatonic_chord(0, "major", "2").pitch_classes() == (2, 5, 9)
    assert diatonic_chord(9, "minor", "1").pitch_classes() == (9, 0, 4)
    assert diatonic_chord(9, "minor", "5").pitch_classes() == (4, 7, 11)  # natural minor v


def test_harmonic_minor_dominant_and_sevenths():
    assert diatonic_chord(9, "minor", "5", 4, dominant_v=True).pitch_classes() == (4, 8, 11, 2)
    assert diatonic_chord(0, "major", "2", 4).intervals == (0, 3, 7, 10)
    assert diatonic_chord(0, "major", "1", 4).intervals == (0, 4, 7, 11)


def test_borrowed_flat_degrees_are_major_chords():
    assert diatonic_chord(0, "major", "b7").pitch_classes() == (10, 2, 5)
    assert diatonic_chord(4, "minor", "b2").pitch_classes() == (5, 9, 0)


def test_voice_chord_moves_little_between_chords():
    c_major = voice_chord(Chord(0, (0, 4, 7)), 62)
    f_major = voice_chord(Chord(5, (0, 4, 7)), 62, c_major)
    assert sorted(p % 12 for p in f_major) == [0, 5, 9]
    assert abs(sum(f_major) / 3 - sum(c_major) / 3) <= 3


def test_nearest_pitch_and_power_chord():
    assert nearest_pitch(0, 62) == 60
    assert nearest_pitch(7, 62) == 67  # 5 semitones up beats 7 down
    assert power_chord(Chord(4, (0, 3, 7))).intervals == (0, 7, 12)
