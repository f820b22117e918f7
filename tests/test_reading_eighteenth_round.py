"""Phrase classes the eighteenth blind set's typed turns showed the rules did not know, each
in phrasings of our own: a tempo target after "nudge"/"inch"/"ease" ("nudge it up to 85"),
a mode alone after "take it down into" (no tempo change), a tempo said after "back to" (no
session has ninety versions), an undo said first and its reason after ("undo that, it was
better with the piano"), a version named with a word for the person after it ("go back to
number two, cher") and "the whole X playlist" played; and in its spoken turns, mishearings
mended before the reading: "and demajor" (in D major), "encibe mol mayor" (en si bemol
mayor), "and do that, it was better ..." (undo that), "actually not, make it ..." (a
take-back), "uno que lele" (un ukelele), "quitarle las cuerdas" (the infinitive Whisper writes for "quítale"), and a
question after "Perfect," heard with a comma.
"""

from __future__ import annotations

import pytest

from voice_agent.asr.repair import mend
from voice_agent.core.types import Intent, MusicPlan
from voice_agent.responder.commands import named_playlist_command, parse_command, parse_version_command
from voice_agent.responder.reading import read_request

LOFI = MusicPlan(genre="lofi", bpm=78, key="C", mode="major", instruments=("piano", "drums", "strings"),
                 mood="calm", duration_s=15.0, seed=5)


def _read(text: str, language: str = "en"):
    return read_request(text, language, LOFI, awaiting_answer=False)


@pytest.mark.parametrize("text, bpm", [
    ("could you nudge it up to ninety-two?", 92),
    ("inch it up to 100, please", 100),
    ("ease it back to seventy", 70),
    ("bring it back to 90", 90),
    ("get it down to sixty-five", 65),
])
def test_a_tempo_target_after_a_verb_of_small_moves_is_the_tempo(text, bpm):
    reading = _read(text)
    assert reading.intent is Intent.REFINE and reading.edited.bpm == bpm


@pytest.mark.parametrize("text", ["can you take it down into minor?", "bring it down to a minor key",
                                  "take it down to minor, please"])
def test_a_mode_alone_after_take_it_down_changes_no_tempo(text):
    reading = _read(text)
    assert reading.intent is Intent.REFINE
    assert reading.edited.mode == "minor" and reading.edited.bpm == LOFI.bpm


def test_take_it_down_alone_is_still_slower():
    assert _read("take it down a bit").edited.bpm < LOFI.bpm


@pytest.mark.parametrize("text, intent", [
    ("Hmm. Undo that, it sounded better with the drums.", Intent.UNDO),
    ("undo that, I liked it more before", Intent.UNDO),
    ("deshaz eso, que estaba mejor con la guitarra", Intent.UNDO),
    ("Okay. Go back to version two, it had more bounce.", Intent.GO_TO_VERSION),
])
def test_an_undo_said_first_with_its_reason_after(text, intent):
    command = parse_version_command(text)
    assert command is not None and command.intent is intent


def test_an_undo_with_its_reason_is_read_as_the_undo_not_an_edit():
    assert _read("Hmm. Undo that, it was nicer with the piano.").intent is Intent.UNDO


@pytest.mark.parametrize("text, version", [
    ("Go back to number three, mate.", 3),
    ("go back to number two, my friend", 2),
    ("vuelve a la dos, pana", 2),
])
def test_a_version_named_with_a_word_for_the_person_after_it(text, version):
    command = parse_version_command(text)
    assert command is not None and command.intent is Intent.GO_TO_VERSION and command.versions == (version,)


@pytest.mark.parametrize("text", ["bring it back to 90", "take it back to one twenty"])
def test_a_tempo_after_back_to_is_no_version(text):
    assert parse_version_command(text) is None


@pytest.mark.parametrize("text, playlist", [
    ("Right. Play the entire Harbour Lights playlist.", "harbour lights"),
    ("put on my whole gym mix playlist", "gym mix"),
])
def test_the_whole_playlist_played_by_name(text, playlist):
    command = named_playlist_command(text, ["Harbour Lights", "gym mix"])
    assert command is not None and command.intent is Intent.PLAY and command.playlist == playlist


@pytest.mark.parametrize("text, playlist", [
    ("play the complete study playlist", "study"),
    ("ponme la lista entera de Malecón", "malecon"),
])
def test_whole_is_no_part_of_the_playlist_name(text, playlist):
    command = parse_command(text)
    assert command is not None and command.intent is Intent.PLAY and command.playlist == playlist


@pytest.mark.parametrize("heard, language, meant", [
    ("an orchestral piece with a harp, and demajor.", "en", "an orchestral piece with a harp, in D major."),
    ("some funk in gee minor please", "en", "some funk in G minor please"),
    ("un bolero con guitarra, encibe mol mayor.", "es", "un bolero con guitarra, en si bemol mayor."),
    ("pásala a mi be mol", "es", "pásala a mi bemol"),
    ("échale uno que lele, porfa", "es", "échale un ukelele, porfa"),
    ("and do that, it sounded better before.", "en", "undo that, it sounded better before."),
    ("throw a flute on there actually not, make it a harp.", "en",
     "throw a flute on there actually nah, make it a harp."),
])
def test_mishearings_of_the_eighteenth_set_are_mended(heard, language, meant):
    assert mend(heard, language) == meant


@pytest.mark.parametrize("heard, language", [
    ("I want to go and do that with a piano", "en"),
    ("sabe mol", "es"),
    ("uno que le guste a mi abuela", "es"),
    ("is it actually not, you know, a real harp?", "en"),
])
def test_words_that_only_look_like_those_mishearings_stay(heard, language):
    assert mend(heard, language) == heard


def test_a_take_back_after_actually_without_a_comma_before_it():
    reading = _read("throw a flute on there actually nah, make it a harp.")
    assert "harp" in reading.edited.instruments and "flute" not in reading.edited.instruments


def test_quitarle_removes_what_it_names():
    reading = _read("Ahorita quitarle las cuerdas y pone un arpa.", "es")
    assert "strings" not in reading.edited.instruments and "harp" in reading.edited.instruments


@pytest.mark.parametrize("text", ["perfect, is that a real piano or a keyboard thing?",
                                  "lovely, did you play that piano yourself?"])
def test_a_question_to_the_agent_after_a_word_and_a_comma_is_talk(text):
    assert _read(text).intent is Intent.CHAT


def test_a_request_after_a_word_and_a_comma_is_still_an_edit():
    reading = _read("nice, is it possible to add a flute?")
    assert reading.intent is Intent.REFINE and "flute" in reading.edited.instruments
