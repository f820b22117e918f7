"""Phrase classes the twenty-first blind set showed the rules did not know, each in phrasings
of our own (eval_fresh21.json itself is scored, never copied): a clip taken out of a
playlist named bare ("take it out of Sunday Drive"), "quítale velocidad" (slower), an undo
with its reason after "que" and no comma, a tempo followed by "nomás" or a mood, a genre
word said as a greeting before the one asked for ("Salsa, ... a pop song"), "dejarle el
tempo" keeps it, "play it one more time" replays, "¿de quién aprendiste?" is talk.
"""

from __future__ import annotations

import pytest

from voice_agent.core.types import Intent
from voice_agent.core.vocabulary import find_genre
from voice_agent.responder.commands import named_playlist_command, parse_version_command
from voice_agent.responder.grounding import find_bpm
from tests.test_reading_twentieth_round import CUMBIA, _read


@pytest.mark.parametrize("text", ["Hmm, take it back out of Sunday Drive, sorry.",
                                  "Sácala de Sunday Drive, porfa."])
def test_a_clip_taken_out_of_a_playlist_named_bare(text):
    command = named_playlist_command(text, ["sunday drive"])
    assert command is not None and command.intent is Intent.REMOVE
    assert command.playlist == "sunday drive"


def test_a_save_to_a_playlist_named_bare_is_still_a_save():
    command = named_playlist_command("add it to Sunday Drive", ["sunday drive"])
    assert command is not None and command.intent is Intent.SAVE


@pytest.mark.parametrize("text", ["Nomás quítale tantito de velocidad.",
                                  "Sácale un poco de velocidad, que va muy rápida."])
def test_speed_taken_away_is_slower(text):
    reading = _read(text, "es")
    assert reading.intent is Intent.REFINE and reading.edited.bpm < CUMBIA.bpm


@pytest.mark.parametrize("text", ["Ay no, deshaz eso que quedó muy recargada.",
                                  "Undo that because it got muddy."])
def test_an_undo_with_its_reason_after_que(text):
    command = parse_version_command(text)
    assert command is not None and command.intent is Intent.UNDO


@pytest.mark.parametrize("text, bpm", [("un bolero con guitarra, a 84 romántico", 84),
                                       ("un rock con batería a 140 nomás", 140),
                                       ("a jazz tune with sax, at 96 mellow", 96)])
def test_a_tempo_followed_by_nomas_or_a_mood(text, bpm):
    assert find_bpm(text) == bpm


def test_a_length_followed_by_a_mood_is_no_tempo():
    assert find_bpm("make it 30 seconds and happy") is None


@pytest.mark.parametrize("text, genre", [("Salsa, please make me a mellow jazz tune", "jazz"),
                                         ("Tango, cámbiale el género a funk", "funk"),
                                         ("Salsa, with piano and congas", "salsa")])
def test_a_genre_word_said_first_as_a_greeting(text, genre):
    assert find_genre(text) == genre


def test_dejarle_el_tempo_keeps_it_through_a_genre_change():
    reading = _read("Cambiarle el género a funk, pero dejarle el tempo como está.", "es")
    assert reading.edited.genre == "funk" and reading.edited.bpm == CUMBIA.bpm


def test_play_it_one_more_time_is_a_replay():
    assert _read("play one more time now.").intent is Intent.REPLAY


@pytest.mark.parametrize("text", ["¿Y vos de quién aprendiste a tocar cumbia?",
                                  "Oye, ¿de quién aprendiste a tocar así?"])
def test_who_the_agent_learned_from_is_talk(text):
    assert _read(text, "es").intent is Intent.CHAT


@pytest.mark.parametrize("text", ["Ahora pásala a synthwave, pero que quede igual de rápida.",
                                  "Switch it to funk, but just as fast."])
def test_a_genre_change_that_keeps_the_speed(text):
    reading = _read(text, "es" if "pásala" in text else "en")
    assert reading.edited.genre != CUMBIA.genre and reading.edited.bpm == CUMBIA.bpm


@pytest.mark.parametrize("text", ["Wait, no, don't do that. Cancel.", "Ay no, mejor no. Cancela."])
def test_a_cancel_said_last_after_taking_it_back(text):
    assert _read(text).intent is Intent.CANCEL


def test_cancel_inside_a_request_is_no_answer():
    assert _read("cancel the drums and add a piano").intent is not Intent.CANCEL


def test_round_a_number_is_around_it():
    assert find_bpm("a happy pop song with guitar, synth and drums, round 128,") == 128


def test_the_beat_taken_out_is_no_slower_tempo():
    reading = _read("Quítale el beat, porfa.", "es")
    assert reading.edited is None or reading.edited.bpm == CUMBIA.bpm
