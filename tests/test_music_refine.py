"""Refinement words change only what they ask for."""

import pytest

from voice_agent.responder.refine import apply_refinement
from voice_agent.core.types import MusicPlan

BASE = MusicPlan("salsa", 150, "C", "major", ("piano", "bass", "congas", "trumpet"), "happy", 15.0, 7)


def changed_fields(before: MusicPlan, after: MusicPlan) -> dict:
    return {k: getattr(after, k) for k in before.__dataclass_fields__
            if getattr(before, k) != getattr(after, k)}


@pytest.mark.parametrize("text, expected", [
    ("faster", {"bpm": 172}),
    ("más rápido por favor", {"bpm": 172}),
    ("much faster", {"bpm": 195}),
    ("slower", {"bpm": 130}),
    ("más lento", {"bpm": 130}),
    ("at 96 bpm", {"bpm": 96}),
    ("darker", {"mode": "minor", "mood": "dark"}),
    ("más triste", {"mode": "minor", "mood": "sad"}),
    ("longer", {"duration_s": 22.5}),
    ("más corto", {"duration_s": 10.0}),
    ("make it 40 seconds", {"duration_s": 40.0}),
    ("another key", {"key": "F"}),
    ("en re menor", {"key": "D", "mode": "minor"}),
    ("in the key of Bb", {"key": "Bb"}),
    ("sube un tono", {"key": "D"}),
    ("otra versión", {"seed": 8}),
    ("without the trumpet", {"instruments": ("piano", "bass", "congas")}),
    ("sin congas y sin trompeta", {"instruments": ("piano", "bass")}),
    ("more trumpet", {"instruments": ("trumpet", "piano", "bass", "congas")}),
    ("add a flute", {"instruments": ("piano", "bass", "congas", "trumpet", "flute")}),
    ("más flauta", {"instruments": ("flute", "piano", "bass", "congas", "trumpet")}),
    ("hello there", {}),
])
def test_refinement_changes_only_what_was_asked(text, expected):
    assert changed_fields(BASE, apply_refinement(BASE, text)) == expected


def test_happier_turns_a_minor_sad_plan_major():
    sad = BASE.replace(mode="minor", mood="sad")
    assert changed_fields(sad, apply_refinement(sad, "más alegre")) == {"mode": "major", "mood": "happy"}


def test_tempo_and_duration_stay_within_range():
    assert apply_refinement(BASE.replace(bpm=210), "much faster").bpm == 220
    assert apply_refinement(BASE.replace(duration_s=50.0), "longer").duration_s == 60.0


def test_a_new_genre_brings_its_band_and_tempo_but_keeps_key_seed_and_length():
    tango = apply_refinement(BASE, "now play it as a tango")
    assert (tango.genre, tango.bpm) == ("tango", 120)
    assert "bandoneon" in tango.instruments
    assert (tango.key, tango.seed, tango.duration_s) == (BASE.key, BASE.seed, BASE.duration_s)


def test_words_that_look_like_keys_are_not_keys():
    assert apply_refinement(BASE, "en la intro pon más piano").key == "C"
    assert apply_refinement(BASE, "in a hurry").key == "C"
