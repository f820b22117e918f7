"""Phrase classes the nineteenth blind set showed the rules did not know, each in phrasings
of our own: "fiddle" is the fiddle (its own instrument; an edit of "the violin" still finds
it), a note said alone after a correction ("in D... actually no, G"), "convertila" (voseo)
switches the genre, "hold the tempo" keeps it, "along those same lines" is another like it,
"andá a la versión dos" goes back, questions about the clip's pulse or its instruments
("¿a cuántos pulsos va?", "¿cuáles instrumentos ...?") and to the agent ("you ever been
...?", "are you a musician yourself?") are talk; heard: "128 p.m." (bpm) and "Ponga la
enzol menor" (Póngala en sol menor).
"""

from __future__ import annotations

import pytest

from voice_agent.asr.repair import mend
from voice_agent.core.types import Intent, MusicPlan
from voice_agent.core.vocabulary import find_instruments
from voice_agent.responder.commands import parse_command, parse_version_command
from voice_agent.responder.grounding import find_key
from voice_agent.responder.reading import read_request

COUNTRY = MusicPlan(genre="country", bpm=110, key="A", mode="major",
                    instruments=("acoustic guitar", "fiddle", "bass", "drums"), mood="warm",
                    duration_s=15.0, seed=5)


def _read(text: str, language: str = "en", plan: MusicPlan = COUNTRY):
    return read_request(text, language, plan, awaiting_answer=False)


def test_a_fiddle_asked_for_is_a_fiddle():
    assert find_instruments("a country tune with harmonica and fiddle") == ("harmonica", "fiddle")


@pytest.mark.parametrize("said, plan_has", [("violin", "fiddle"), ("fiddle", "violin")])
def test_an_edit_of_either_name_finds_the_one_the_plan_has(said, plan_has):
    plan = COUNTRY.replace(instruments=("acoustic guitar", plan_has, "bass"))
    assert plan_has not in _read(f"take the {said} out", plan=plan).edited.instruments


def test_a_violin_put_on_a_plan_with_a_fiddle_is_added():
    edited = _read("now put a violin on it as well").edited
    assert "violin" in edited.instruments and "fiddle" in edited.instruments


@pytest.mark.parametrize("text", ["more violin", "feature the violin"])
def test_the_violin_featured_is_the_plans_fiddle(text):
    edited = _read(text).edited
    assert edited.instruments[0] == "fiddle" and "violin" not in edited.instruments


@pytest.mark.parametrize("text, key", [
    ("move it to E... actually no, B flat, and keep it minor.", ("Bb", "minor")),
    ("put it in C, no, F", ("F", None)),
])
def test_a_note_said_alone_after_a_correction(text, key):
    assert find_key(text) == key


@pytest.mark.parametrize("text", ["a tango, no, a milonga", "make it 120, no, 130"])
def test_a_correction_without_a_note_names_no_key(text):
    assert find_key(text) == (None, None)


def test_convertila_switches_the_genre_and_keeps_what_it_says():
    reading = _read("Convertila en salsa, pero dejale los mismos instrumentos.", "es")
    assert reading.intent is Intent.REFINE and reading.edited.genre == "salsa"
    assert reading.edited.instruments == COUNTRY.instruments


def test_hold_the_tempo_and_the_instruments():
    edited = _read("turn it into blues, but hold the tempo and the instruments steady").edited
    assert edited.genre == "blues" and edited.bpm == COUNTRY.bpm
    assert edited.instruments == COUNTRY.instruments


@pytest.mark.parametrize("text", ["could you make one more along these same lines?",
                                  "another piece along those same lines, please"])
def test_along_the_same_lines_is_another_like_it(text):
    command = parse_command(text)
    assert command is not None and command.intent is Intent.ANOTHER_LIKE


@pytest.mark.parametrize("text, version", [("Andá a la versión tres, esa sonaba mejor.", 3),
                                           ("andate a la versión uno", 1)])
def test_anda_a_la_version_goes_back(text, version):
    command = parse_version_command(text)
    assert command is not None and command.intent is Intent.GO_TO_VERSION
    assert command.versions == (version,)


@pytest.mark.parametrize("text, language", [
    ("Qué chulo. ¿A cuántos pulsos va?", "es"),
    ("Me encantó. ¿Cuáles instrumentos tiene ahora?", "es"),
    ("Lovely. You ever been to Nashville?", "en"),
    ("it's gorgeous, are you a musician yourself, or just a program,", "en"),
])
def test_questions_about_the_clip_or_to_the_agent_are_talk(text, language):
    assert _read(text, language).intent is Intent.CHAT


def test_a_request_after_such_a_question_is_still_read():
    reading = _read("¿cuáles instrumentos puedes tocar? ponle un piano", "es")
    assert reading.intent is Intent.REFINE and "piano" in reading.edited.instruments


@pytest.mark.parametrize("heard, language, meant", [
    ("a disco track at 118 p.m. with strings", "en", "a disco track at 118 bpm with strings"),
    ("Ponga la enzol mayor, porfa", "es", "Pongala en sol mayor, porfa"),
    ("pon la en re menor", "es", "ponla en re menor"),
])
def test_mishearings_of_the_nineteenth_set_are_mended(heard, language, meant):
    assert mend(heard, language) == meant


@pytest.mark.parametrize("heard, language", [("see you at 5 p.m.", "en"), ("call me at 11 pm", "en"),
                                             ("ponga la lista de la abuela", "es")])
def test_words_that_only_look_like_those_stay(heard, language):
    assert mend(heard, language) == heard
