"""Phrase classes the fifteenth and sixteenth blind sets' spoken turns showed the rules did
not know once the words were mended, each in phrasings of our own: a Spanish mood word in
the plural, a tempo target said with "about" and an afterthought, a length said after a
tempo ("a 140 que dure 20 segundos"), a clip put into a playlist given a name whatever the
verb was heard as, a playlist played as "the X playlist" with its name heard a little off,
and "love" as a name for the person spoken to.
"""

from __future__ import annotations

import pytest

from voice_agent.core.types import Intent, MusicPlan
from voice_agent.responder.grounding import find_bpm, find_duration, find_mood
from voice_agent.responder.commands import named_playlist_command
from voice_agent.responder.reading import read_request

AMBIENT = MusicPlan(genre="ambient", bpm=70, key="E", mode="minor", instruments=("pad", "piano"),
                    mood="calm", duration_s=20.0, seed=5)


@pytest.mark.parametrize("text, mood", [
    ("una bachata con bongós, bien románticas", "romantic"),
    ("unas cumbias bien alegres", "happy"),
    ("dos piezas oscuras", "dark"),
    ("canciones tranquilas para dormir", "calm"),
])
def test_a_spanish_mood_word_in_the_plural(text, mood):
    assert find_mood(text) == mood


@pytest.mark.parametrize("text", ["she loves it", "play it, love", "cheers, love, that's grand",
                                  "okay love, that'll do"])
def test_love_as_a_name_or_a_verb_is_no_mood(text):
    assert find_mood(text) is None


def test_love_as_a_subject_is_still_romantic():
    assert find_mood("a slow song about love") == "romantic"


@pytest.mark.parametrize("text, bpm", [
    ("could you slow it to about 60 actually?", 60),
    ("bring it down to around 80 then", 80),
    ("can you slow it to about sixty actually? Make that sixty-five.", 65),
])
def test_a_tempo_target_said_with_about_and_an_afterthought(text, bpm):
    reading = read_request(text, "en", AMBIENT, awaiting_answer=False)
    assert reading.intent is Intent.REFINE and reading.bpm == bpm


@pytest.mark.parametrize("text, bpm, seconds", [
    ("hazme un rock a 140 que dure 20 segundos", 140, 20),
    ("un tango a ciento veinte que dure treinta segundos, porfa", 120, 30),
    ("una cumbia a 100 de unos 40 segundos", 100, 40),
])
def test_a_length_said_after_the_tempo_keeps_the_tempo(text, bpm, seconds):
    assert find_bpm(text) == bpm and find_duration(text) == seconds


@pytest.mark.parametrize("text, language, playlist", [
    ("fun that one on a playlist called Harbour Lights", "en", "harbour lights"),
    ("pop it on a new playlist named Late Bus", "en", "late bus"),
    ("Mira, guárdame la en una playlist que se llame Malecón", "es", "malecon"),
    ("Súbela en una lista llamada Costa", "es", "costa"),
])
def test_a_clip_put_into_a_playlist_given_a_name_is_saved(text, language, playlist):
    reading = read_request(text, language, AMBIENT, awaiting_answer=False)
    assert reading.intent is Intent.SAVE and reading.command.playlist == playlist


@pytest.mark.parametrize("text", ["rito, play me the minor beach playlist",
                                  "play us the mindle beach playlist please"])
def test_the_x_playlist_played_with_its_name_heard_a_little_off(text):
    command = named_playlist_command(text, ["Mindil Beach", "gym mix"])
    assert command is not None and command.intent is Intent.PLAY and command.playlist == "mindil beach"


@pytest.mark.parametrize("text", ["save this one to my study playlist",
                                  "play me something in a minor key for the beach"])
def test_a_save_or_a_request_is_no_playlist_heard_off(text):
    assert named_playlist_command(text, ["sunday", "Mindil Beach"]) is None


SALSA = MusicPlan(genre="salsa", bpm=180, key="A", mode="minor",
                  instruments=("piano", "trumpet", "congas", "bass"), mood="happy", duration_s=20.0, seed=5)


@pytest.mark.parametrize("text, language", [
    ("Ponle un trombón y bájale a la trompeta... no, mejor quítale la trompeta del todo.", "es"),
    ("add a trombone and turn the trumpet down, no, actually take the trumpet out", "en"),
])
def test_a_correction_takes_back_only_the_command_after_and(text, language):
    reading = read_request(text, language, SALSA, awaiting_answer=False)
    assert reading.intent is Intent.REFINE
    assert "trombone" in reading.edited.instruments and "trumpet" not in reading.edited.instruments
    assert reading.edited.bpm == SALSA.bpm and reading.edited.seed == SALSA.seed


def test_a_correction_after_and_a_noun_still_takes_back_the_whole_command():
    reading = read_request("ponle una trompeta y un trombón, no, mejor un saxofón", "es", SALSA.replace(
        instruments=("piano", "congas", "bass")), awaiting_answer=False)
    assert "saxophone" in reading.edited.instruments and "trombone" not in reading.edited.instruments


@pytest.mark.parametrize("text, language", [
    ("Vale, genial. ¿Cuántos segundos dura ahora?", "es"),
    ("Okay, cool. What key is it in now?", "en"),
])
def test_a_question_about_the_clip_after_a_word_of_assent_is_answered(text, language):
    reading = read_request(text, language, AMBIENT, awaiting_answer=False)
    assert reading.intent is Intent.CHAT and reading.about_clip
