"""A mood asked as a scene the clip should sound like: an edit of the mood alone."""

from __future__ import annotations

import pytest

from voice_agent.core.types import Intent, MusicPlan
from voice_agent.responder.reading import read_request
from voice_agent.responder.refine import apply_refinement, scene_edit_mood

PLAYING = MusicPlan(genre="jazz", bpm=110, key="C", mode="major", mood="smooth",
                    instruments=("piano", "saxophone", "upright bass"), duration_s=20.0, seed=7)


@pytest.mark.parametrize("text,language,mood", [
    ("Make it feel like walking home alone after the last bus.", "en", "sad"),
    ("Can you make it sound like a summer barbecue?", "en", "happy"),
    ("Give it the vibe of a haunted house.", "en", "dark"),
    ("Que suene a domingo por la mañana, bien tranquilo el ambiente.", "es", "calm"),
    ("Dale un aire de cumpleaños.", "es", "happy"),
    ("Hacela como para una boda.", "es", "romantic"),
])
def test_a_scene_asked_for_changes_the_mood_and_keeps_the_rest(text, language, mood):
    # nothing was asked, so a leading "dale" is no yes
    reading = read_request(text, language, PLAYING, awaiting_answer=False)
    assert reading.intent is Intent.REFINE, text
    edited = reading.edited
    assert edited.mood == mood
    for field in ("genre", "bpm", "instruments", "duration_s", "seed", "key"):
        assert getattr(edited, field) == getattr(PLAYING, field), field


def test_a_scene_moves_the_mode_like_a_named_mood_unless_a_mode_is_named():
    assert apply_refinement(PLAYING, "make it feel like a rainy funeral").mode == "minor"
    kept = apply_refinement(PLAYING, "make it sound like a breakup, but keep it in major")
    assert kept.mood == "sad" and kept.mode == "major"


@pytest.mark.parametrize("text", [
    "that sounds like a party!",  # a description, not a request
    "sounds like summer, love it",
    "perfect for my wedding, thanks",
    "this is great for the gym",
])
def test_a_scene_that_describes_the_clip_changes_nothing(text):
    reading = read_request(text, "en", PLAYING)
    assert reading.intent is not Intent.REFINE, text
    assert scene_edit_mood(text) is None


def test_a_scene_beside_another_edit_leaves_the_mood_alone():
    slower = apply_refinement(PLAYING, "make it slower, like for a wedding")
    assert slower.bpm < PLAYING.bpm and slower.mood == PLAYING.mood and slower.mode == PLAYING.mode
    more = apply_refinement(PLAYING, "add a trumpet so it sounds like a party")
    assert "trumpet" in more.instruments and more.mood == PLAYING.mood


def test_a_scene_beside_the_mood_it_already_has_changes_nothing():
    happy = PLAYING.replace(mood="happy")
    edited = apply_refinement(happy, "que suene alegre, como de fiesta de barrio")
    assert edited.mood == "happy"  # the mood named wins over the scene's "energetic"


@pytest.mark.parametrize("text", ["Sadder, but keep everything else exactly as it is.",
                                  "Más oscura, sin tocar nada más.",
                                  "A darker feel now, the rest untouched."])
def test_a_mood_with_everything_else_kept_changes_only_the_mood(text):
    edited = apply_refinement(PLAYING, text)
    assert edited.mood in ("sad", "dark")
    assert (edited.bpm, edited.key, edited.mode) == (PLAYING.bpm, PLAYING.key, PLAYING.mode)
    assert apply_refinement(PLAYING, "sadder").mode == "minor"  # without "keep": the mode follows
