"""Phrase classes from probes8's remaining typed misses (a tuning set), each in phrasings of
our own: "again" said with a tempo, key or length asks for that change, not a replay
("make it faster again"); "volvé a pasarla" is a replay; a genre change that keeps
what "dejá" / "everything else stays" names; a correction cued by "or let's say" or
"excuse me"; "as long as you can" is the longest clip; "everything except X, and add Y"
keeps X and adds Y; "one more in that vibe" is another like it; "freshly played, not a
copy" is a new take; "a real guitar or is it a computer?" is talk.
"""

from __future__ import annotations

import pytest

from voice_agent.core.plan import MAX_DURATION_S
from voice_agent.core.types import Intent, MusicPlan
from voice_agent.responder.commands import parse_command
from voice_agent.responder.grounding import find_duration
from voice_agent.responder.reading import read_request

TANGO = MusicPlan(genre="tango", bpm=70, key="D", mode="minor",
                  instruments=("acoustic guitar", "violin", "bass", "drums"), mood="dramatic",
                  duration_s=15.0, seed=5)


def _read(text: str, language: str = "en"):
    return read_request(text, language, TANGO, awaiting_answer=False)


@pytest.mark.parametrize("text, language, field, value", [
    ("make it quicker again", "en", "bpm", "up"),
    ("slow it down again, please", "en", "bpm", "down"),
    ("más lenta otra vez", "es", "bpm", "down"),
    ("once more, but in G major", "en", "key", "G"),
    ("again, only forty seconds long this time", "en", "duration_s", 40.0),
])
def test_again_with_a_change_is_that_change(text, language, field, value):
    reading = _read(text, language)
    assert reading.intent is Intent.REFINE
    got = getattr(reading.edited, field)
    if value == "up":
        assert got > TANGO.bpm
    elif value == "down":
        assert got < TANGO.bpm
    else:
        assert got == value


@pytest.mark.parametrize("text, language", [
    ("play it again", "en"), ("play that slow one again", "en"),
    ("play it again, it's so calm", "en"), ("volvé a pasarla, porfa", "es"),
    ("vuelva a pasarla que no la oí", "es"),
])
def test_a_plain_again_is_still_a_replay(text, language):
    assert _read(text, language).intent is Intent.REPLAY


@pytest.mark.parametrize("text, language, kept", [
    ("Dejá los instrumentos como están y pasala a jazz", "es", {"instruments"}),
    ("ponla en reguetón, pero déjame el tono y los instrumentos igual", "es", {"instruments", "key"}),
    ("turn it into funk, everything else stays the way it is", "en", {"instruments", "bpm", "key"}),
    ("make it a bossa nova and the rest remains as it is", "en", {"instruments", "bpm", "key"}),
])
def test_a_genre_change_keeps_what_the_words_keep(text, language, kept):
    edited = _read(text, language).edited
    assert edited.genre != TANGO.genre
    for field in kept:
        assert getattr(edited, field) == getattr(TANGO, field)


def test_a_genre_change_alone_brings_its_own_band():
    assert _read("make it jazz").edited.instruments != TANGO.instruments


@pytest.mark.parametrize("text, seconds", [
    ("make it thirty seconds, or let's say forty", 40.0),
    ("que dure veinte segundos, o digamos veinticinco", 25.0),
    ("Make it twenty seconds. Um, no, excuse me, thirty.", 30.0),
    ("stretch it as long as you can", MAX_DURATION_S),
    ("hazla lo más larga que se pueda", MAX_DURATION_S),
])
def test_lengths_said_with_a_correction_or_as_the_most(text, seconds):
    assert find_duration(text) == seconds


@pytest.mark.parametrize("text", ["as long as it stays in D minor, fine", "excuse me, what key is this?"])
def test_those_words_alone_set_no_length(text):
    assert find_duration(text) is None


@pytest.mark.parametrize("text, language, kept", [
    ("get rid of everything except the violin, and add a cello", "en", ("violin", "cello")),
    ("only the drums, and add a bass", "en", ("drums", "bass")),
    ("quita todo menos el violín y agrégale un chelo", "es", ("violin", "cello")),
])
def test_everything_except_one_and_add_another(text, language, kept):
    assert _read(text, language).edited.instruments == kept


def test_just_add_is_no_solo():
    assert set(_read("just add a flute").edited.instruments) == set(TANGO.instruments) | {"flute"}


@pytest.mark.parametrize("text", ["give me one more in that vibe", "otra en este mismo rollo, dale",
                                  "and one more in this mood, a different track"])
def test_one_more_in_that_vibe_is_another_like_it(text):
    command = parse_command(text)
    assert command is not None and command.intent is Intent.ANOTHER_LIKE


def test_a_new_take_freshly_played():
    reading = _read("same thing again but freshly played, not a copy")
    assert reading.intent is Intent.REFINE and reading.edited.seed != TANGO.seed
    assert reading.edited.replace(seed=TANGO.seed) == TANGO


@pytest.mark.parametrize("text", ["Is that a real violin or is it a computer?",
                                  "is the bass a real one or just a sample?"])
def test_a_real_instrument_or_a_computer_is_talk(text):
    assert _read(text).intent is Intent.CHAT
