"""Phrase classes the twenty-fourth blind set showed the rules did not know, each in
phrasings of our own (eval_fresh24.json itself is scored, never copied): an electric piano
added to a plan with a piano, a song taken out with "esa canción", "quita eso que acabas
de hacer", "don't clear it", "another bossa nova" of a bossa nova, "return me to version
two", "otro reguetón, pa' comparar" (a new one, not a compare), "scrap that, a saxophone"
(a take-back, no removal), "A minor, I mean." (said to be sure, nothing taken back), a
take-back heard without its comma ("a 120, no a 112"), a genre word said as a greeting
before another change, New Zealand praise, and the mishearings Whisper base made of them
("a harmonic in", "check a trombone on it", "no weight", "enré mayor", "si bemol el
menor", "a 135 cacha").
"""

from __future__ import annotations

import pytest

from voice_agent.asr.repair import mend
from voice_agent.core.types import Intent, MusicPlan
from voice_agent.responder.commands import parse_command, parse_version_command
from voice_agent.responder.grounding import find_bpm
from voice_agent.responder.reading import read_request
from voice_agent.responder.refine import apply_refinement
from tests.test_reading_twentieth_round import CUMBIA, _read

JAZZ = MusicPlan(genre="jazz", bpm=120, key="Bb", mode="minor",
                 instruments=("saxophone", "upright bass", "drums", "piano"), duration_s=20.0, seed=9)


@pytest.mark.parametrize("text", ["Add an electric piano, please.", "Ponle un piano eléctrico."])
def test_an_electric_piano_is_its_own_instrument_beside_a_piano(text):
    assert "electric piano" in apply_refinement(JAZZ, text).instruments
    assert apply_refinement(JAZZ, "add a piano").instruments == JAZZ.instruments  # the one it has


@pytest.mark.parametrize("text", ["Quita esa canción de la lista Malecón.",
                                  "Take that song off the Sunday Drive playlist."])
def test_the_song_playing_taken_out_of_a_playlist(text):
    command = parse_command(text)
    assert command is not None and command.intent is Intent.REMOVE and command.item is None


def test_taking_out_what_was_just_done_is_an_undo():
    assert _read("No me convence. Quita eso que acabas de cambiar.", "es").intent is Intent.UNDO


@pytest.mark.parametrize("text", ["Hold on, don't delete it.", "Ay, espera, mejor no la borres."])
def test_dont_clear_it_calls_the_question_off(text):
    assert read_request(text, "en", CUMBIA, awaiting_answer=True).intent is Intent.CANCEL


@pytest.mark.parametrize("text,language", [("Play me another cumbia, a different one.", "en"),
                                           ("Hazme otra cumbia distinta, pa' comparar.", "es")])
def test_another_of_the_same_style_is_another_like_it(text, language):
    reading = _read(text, language)
    assert reading.intent is Intent.ANOTHER_LIKE


def test_another_of_the_same_style_with_more_named_is_no_bare_another():
    assert _read("Play me another cumbia with a trumpet.").intent is not Intent.ANOTHER_LIKE


def test_return_me_to_a_version():
    command = parse_version_command("Right, return me to version three.")
    assert command is not None and command.intent is Intent.GO_TO_VERSION and command.versions == (3,)


def test_scrap_that_is_a_take_back_not_a_removal():
    edited = apply_refinement(JAZZ, "Now could you throw a trumpet on it? Actually no, scrap that, a flute.")
    assert "flute" in edited.instruments and "trumpet" not in edited.instruments
    assert "saxophone" in apply_refinement(JAZZ, "add a flute, no wait, now").instruments  # "now" removes nothing


def test_a_value_said_again_to_be_sure_takes_nothing_back():
    edited = apply_refinement(JAZZ, "Put it in a major key... D major, I mean.")
    assert (edited.key, edited.mode) == ("D", "major")


@pytest.mark.parametrize("text,bpm,key", [("Súbele a 130, no a 125.", 125, None),
                                          ("Pásala a re menor, no no a mi menor.", None, "E")])
def test_a_take_back_heard_without_its_comma(text, bpm, key):
    edited = _read(text, "es").edited
    if bpm:
        assert edited.bpm == bpm
    if key:
        assert edited.key == key


def test_a_genre_said_as_a_greeting_before_another_change():
    reading = _read("Mambo, can you put it in G major?")
    assert reading.intent is Intent.REFINE
    assert reading.edited.genre == CUMBIA.genre and reading.edited.key == "G"
    switch = _read("Mambo, and make it faster.")  # no question after it: the style is asked for
    assert switch.edited is not None and switch.edited.genre != CUMBIA.genre


def test_new_zealand_praise_is_talk():
    reading = _read("Chur bro, that's sweet as.")
    assert reading.intent is Intent.CHAT and reading.talk


@pytest.mark.parametrize("heard,language,said", [
    ("that's a lot, put a harmonic in instead", "en", "a harmonica in"),
    ("can you check a flute on it?", "en", "chuck a flute on it"),
    ("no weight, don't clear it", "en", "no wait"),
    ("Ahora pon la enmi menor.", "es", "en mi menor"),
    ("un jazz en la bemol el mayor", "es", "la bemol mayor"),
])
def test_mishearings_are_mended(heard, language, said):
    assert said in mend(heard, language)


@pytest.mark.parametrize("heard,language", [("the harmonic series is lovely", "en"),
                                            ("check it out", "en"), ("no weight limit", "en")])
def test_words_that_only_look_misheard_are_left(heard, language):
    assert mend(heard, language) == heard


def test_a_tempo_before_a_word_for_the_listener():
    assert find_bpm("hazme un rock a 135, cachai") == 135
    assert find_bpm("una cumbia a 100 mano") == 100


def test_thanks_that_end_in_a_question_get_the_answer_not_a_welcome():
    from voice_agent.core.types import Transcript, Turn
    from voice_agent.core.types import Reply
    from voice_agent.responder.replies import rule_reply

    text = "Sweet as. So what else can you do apart from music?"
    reading = read_request(text, "en", CUMBIA, awaiting_answer=False)
    history = [Turn("t", "a cumbia", "r", None, Reply("ok", "cumbia", Intent.MAKE_MUSIC, CUMBIA, "en"))]
    reply = rule_reply(Transcript(text, "en"), history, 15.0, reading=reading)
    assert reply.intent is Intent.CHAT and "welcome" not in reply.say
    thanks = rule_reply(Transcript("Sweet as, cheers.", "en"), history, 15.0,
                        reading=read_request("Sweet as, cheers.", "en", CUMBIA, awaiting_answer=False))
    assert "welcome" in thanks.say
