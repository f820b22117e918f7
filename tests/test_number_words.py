"""Numbers said in words (core/language.py), English and Spanish, and the readers that use them."""

from __future__ import annotations

import pytest

from voice_agent.core.language import number_value, spell_numbers
from voice_agent.core.vocabulary import find_genre, find_instruments, genres_named
from voice_agent.responder.grounding import find_bpm, find_duration, find_key, tempo_direction


@pytest.mark.parametrize("words,value", [
    ("fifteen", 15), ("twenty-five", 25), ("ninety five", 95), ("one hundred and twenty", 120),
    ("a hundred twenty", 120), ("two hundred", 200), ("treinta", 30), ("treinta y cinco", 35),
    ("veintidós", 22), ("dieciséis", 16), ("cien", 100), ("ciento veinticinco", 125),
    ("doscientos diez", 210),
])
def test_a_number_in_words_has_its_value(words, value):
    assert number_value(words) == value


@pytest.mark.parametrize("words", ["two three", "ten and two", "twenty ninety", "salsa"])
def test_two_numbers_or_no_number_have_no_value(words):
    assert number_value(words) is None


@pytest.mark.parametrize("text,spelled", [
    ("fifteen seconds", "15 seconds"), ("a ciento veinte bpm", "a 120 bpm"),
    ("another one", "another one"), ("una salsa", "una salsa"),
    ("play number two", "play number 2"),
    # Spanish tens and units as Whisper writes them when it hears "noventa y cinco"
    ("ponla a 90 y 5", "ponla a 95"), ("que dure 30 y 5 segundos", "que dure 35 segundos"),
    ("ciento 20 bpm", "120 bpm"), ("dame 2 y 3", "dame 2 y 3"), ("a 80 y 8 bpm", "a 88 bpm"),
])
def test_spell_numbers_writes_digits_and_leaves_other_words(text, spelled):
    assert spell_numbers(text) == spelled


@pytest.mark.parametrize("text,seconds", [
    ("fifteen seconds", 15.0), ("treinta segundos", 30.0), ("medio minuto", 30.0),
    ("a minute and a half", 90.0), ("un minuto y medio", 90.0), ("minuto y medio", 90.0),
    ("one and a half minutes", 90.0), ("dos minutos", 120.0), ("a forty-second loop", 40.0),
    ("the second version", None),
])
def test_lengths_in_words(text, seconds):
    assert find_duration(text) == seconds


@pytest.mark.parametrize("text,bpm", [
    ("noventa bpm", 90), ("one hundred and ten beats per minute", 110),
    ("a ciento cuarenta pulsaciones", 140), ("120-bpm", 120), ("two songs", None),
])
def test_tempos_in_words(text, bpm):
    assert find_bpm(text) == bpm


@pytest.mark.parametrize("text,direction", [
    ("pick up the pace", "faster"), ("up the tempo", "faster"), ("sube el tempo", "faster"),
    ("speed things up", "faster"), ("no tan lento", "faster"),
    ("slow it down a notch", "slower"), ("bring the tempo down", "slower"),
    ("más lento", "slower"), ("baja el ritmo", "slower"), ("not so fast", "slower"),
    ("turn it up", None), ("lower the volume", None), ("sube un tono", None),
])
def test_tempo_idioms(text, direction):
    assert tempo_direction(text) == direction


@pytest.mark.parametrize("text,key", [
    ("en sol mayor", ("G", "major")), ("re menor", ("D", "minor")),
    ("en la bemol", ("Ab", None)), ("pásala a fa sostenido menor", ("F#", "minor")),
    ("move it to E flat major", ("Eb", "major")), ("key of C#", ("C#", None)),
    ("si bemol mayor", ("Bb", "major")), ("now in B-flat major", ("Bb", "major")),
    ("C-sharp minor", ("C#", "minor")), ("in B♭ major", ("Bb", "major")),
    ("en la intro", (None, None)), ("en mi casa", (None, None)), ("in a hurry", (None, None)),
    ("la mayor parte", (None, None)), ("pásala a mayor", (None, None)),
    ("in a minor key", (None, None)),
    # the mode said apart, and a bare "mi" or "la" that ends its clause
    ("Ponle la tonalidad en fa, en modo mayor", ("F", "major")), ("in D, minor key", ("D", "minor")),
    ("Now in G, keep it minor", ("G", "minor")),
    ("un rock con bajo y batería, en mi, a ciento treinta", ("E", None)),
    ("en mi opinión, mejor jazz", (None, None)), ("la canción en sí, me gusta", (None, None)),
])
def test_keys_said_any_way(text, key):
    assert find_key(text) == key


def test_an_instrument_family_is_not_a_genre():
    assert find_genre("una salsa con metales") == "salsa"
    assert genres_named("con metales") == ()
    assert find_genre("heavy metal") == "metal"
    assert find_instruments("con metales y cuerdas") == ("brass", "strings")
    assert find_instruments("with woodwinds") == ("flute", "clarinet")


@pytest.mark.parametrize("text,bpm", [
    ("Slow it down to 100.", 100), ("Speed it up to a hundred and ten.", 110),
    ("Crank the tempo to one hundred and forty.", 140), ("And slower, like 100.", 100),
    ("Bájala a ciento cuarenta", 140), ("Súbelo a 170 bpm", 170), ("Déjalo a 75 bpm", 75),
    ("bring it back down to 90", 90), ("Bit slower mate, say ninety five", 95),
    ("más lenta, digamos noventa", 90)])
def test_a_tempo_verb_with_a_target_sets_the_tempo(text, bpm):
    """A tempo verb, then to/a and a number, is the tempo to reach, spelt out or not, en and es."""
    from voice_agent.responder.grounding import bpm_step

    assert find_bpm(text) == bpm
    assert bpm_step(text) is None  # not a step: "súbelo a 170 bpm" does not add 170


@pytest.mark.parametrize("text", ["cut it down to 30 seconds", "bájala a 20 segundos",
                                  "take it to a party"])
def test_a_length_or_words_after_a_verb_are_not_a_tempo(text):
    assert find_bpm(text) is None


@pytest.mark.parametrize("text,step", [("speed it up by 20 bpm", 20), ("súbele 10 bpm", 10),
                                       ("baja 15 bpm", -15)])
def test_a_step_is_still_a_step(text, step):
    from voice_agent.responder.grounding import bpm_step

    assert bpm_step(text) == step


@pytest.mark.parametrize("text,direction", [
    ("Hmm, push it up a little, it's dragging.", "faster"), ("kick it up a notch", "faster"),
    ("bump it up", "faster"), ("Too much, bring it down a notch.", "slower"),
    ("take it down a bit", "slower")])
def test_tempo_idioms_with_it_up_or_down(text, direction):
    assert tempo_direction(text) == direction


@pytest.mark.parametrize("text,key", [("Move it up to A.", "A"), ("take it down to E flat", "Eb"),
                                      ("shift it to G please", "G")])
def test_a_move_to_a_bare_note_is_a_key(text, key):
    assert find_key(text)[0] == key


@pytest.mark.parametrize("text", ["take it to a party", "move it to a new place",
                                  "bring it up to a hundred"])
def test_a_bare_a_that_is_an_article_is_not_a_key(text):
    assert find_key(text) == (None, None)


@pytest.mark.parametrize("text,bpm", [("Make it 95.", 95), ("Más lenta, a 90", 90),
                                      ("slower, to 80", 80), ("Hazla a 90", 90)])
def test_a_comparative_or_make_it_with_a_number_sets_the_tempo(text, bpm):
    assert find_bpm(text) == bpm


@pytest.mark.parametrize("text", ["make it 30 seconds", "make it 30", "hazla a 90 segundos"])
def test_a_small_number_or_a_length_after_make_it_is_not_a_tempo(text):
    assert find_bpm(text) is None


@pytest.mark.parametrize("text,bpm", [("un beat lento a 85", 85), ("something slow at 70", 70),
                                      ("fast, like 160", 160), ("lenta a 20 segundos", None)])
def test_a_slow_or_fast_word_with_a_number_says_the_tempo(text, bpm):
    assert find_bpm(text) == bpm


@pytest.mark.parametrize("text,spelled", [
    ("at one twenty eight", "at 128"), ("one forty bpm", "140 bpm"), ("one oh five", "105"),
    ("two ten please", "210 please"), ("a hundred twenty", "120"), ("ciento veinte", "120")])
def test_a_tempo_said_with_hundreds_as_one_digit(text, spelled):
    assert spell_numbers(text) == spelled


@pytest.mark.parametrize("text", ["one twenty second clip", "another one", "one two three"])
def test_a_length_or_a_count_is_not_a_tempo_said_as_hundreds(text):
    assert spell_numbers(text) == text


@pytest.mark.parametrize("text,bpm", [
    ("I want a techno track at one twenty eight", 128),
    ("metal pesado con guitarra distorsionada a 160", 160),
    ("house at 124 with a piano", 124), ("una cumbia a ciento diez, por favor", 110),
    ("jazz at one forty", 140)])
def test_a_bare_number_after_at_or_a_ending_a_request_is_the_tempo(text, bpm):
    assert find_bpm(text) == bpm


@pytest.mark.parametrize("text", ["jazz a 45 segundos", "a loop at 30", "rock at 300",
                                  "ponla a las 10 con piano"])
def test_a_length_or_an_implausible_tempo_after_at_is_not_a_tempo(text):
    assert find_bpm(text) is None


@pytest.mark.parametrize("text,key", [
    ("slow blues in A with electric guitar and piano", "A"), ("rock en A con guitarra", "A"),
    ("now in A please", "A")])
def test_a_capital_a_after_in_is_the_note(text, key):
    assert find_key(text)[0] == key


@pytest.mark.parametrize("text", ["something in a minute with piano", "play it in a jazz style",
                                  "a song in a, with piano"])
def test_a_lower_case_a_after_in_is_the_article(text):
    assert find_key(text) == (None, None)


@pytest.mark.parametrize("text,instrument", [
    ("blues with harmonica", "harmonica"), ("una cumbia con armónica", "harmonica"),
    ("a xylophone melody", "xylophone"), ("con xilófono", "xylophone"), ("sitar drone", "sitar")])
def test_new_instruments_are_known(text, instrument):
    assert instrument in find_instruments(text)


@pytest.mark.parametrize("text", ["una bachata romántica", "a bachata with guitar"])
def test_bachata_is_a_genre(text):
    assert find_genre(text) == "bachata"
