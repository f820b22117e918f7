"""A new piece whose genre the person names: its plan is read from the words, at once."""

from __future__ import annotations

import json

import pytest

from voice_agent.core.types import Intent, Transcript
from voice_agent.responder.grounding import plan_from_text, transcript_plan_seed
from voice_agent.responder.reading import read_request
from voice_agent.responder.replies import (answer_head, complete_answer, parse_json_object,
                                           reply_from_model_output, words_plan)


def _plan(text: str, language: str, previous=None):
    transcript = Transcript(text, language)
    return words_plan(read_request(text, language, previous), transcript, 15.0)


@pytest.mark.parametrize("text,language,genre", [
    ("Play some smooth jazz with a saxophone for a rainy evening.", "en", "jazz"),
    ("Quiero una cumbia con acordeón para la fiesta.", "es", "cumbia"),
    ("what about a 20 second bossa nova in D major", "en", "bossa_nova"),
])
def test_a_named_genre_settles_the_plan_from_the_words(text, language, genre):
    plan = _plan(text, language)
    assert plan is not None and plan.genre == genre
    # the same plan the rule responder reads, with the turn's seed: nothing is guessed
    expected = plan_from_text(text, seed=transcript_plan_seed(Transcript(text, language)))
    assert plan == expected


def test_what_the_words_say_is_in_the_settled_plan():
    plan = _plan("what about a 20 second bossa nova in D major with a flute at 100 bpm", "en")
    assert (plan.key, plan.mode, plan.bpm, plan.duration_s) == ("D", "major", 100, 20.0)
    assert plan.instruments[0] == "flute"


@pytest.mark.parametrize("text,language", [
    ("Something calm to help me fall asleep.", "en"),  # no genre: the model picks one
    ("algo alegre para bailar", "es"),
    ("save this to my jazz playlist", "en"),  # a command
    ("hello there", "en"),
])
def test_without_a_named_genre_or_with_a_command_the_model_decides(text, language):
    assert _plan(text, language) is None


def test_with_an_earlier_clip_the_model_decides():
    previous = plan_from_text("a tango")
    assert _plan("play some jazz with piano", "en", previous) is None


def test_the_style_band_gets_no_second_name_for_a_requested_instrument():
    plan = plan_from_text("Make a cheerful country tune with a fiddle and acoustic guitar.")
    assert plan.instruments.count("violin") + plan.instruments.count("fiddle") == 1


def test_the_answer_head_is_the_models_answer_format_up_to_say():
    plan = _plan("Toca un tango dramático con bandoneón y violín.", "es")
    head = answer_head(plan, "es")
    assert head.endswith('"say": "')
    data = json.loads(head + 'Aquí tienes un tango."}')
    assert data["intent"] == "make_music" and data["genre"] == "tango"
    assert data["instruments"] == list(plan.instruments[:3]) and data["mood"] == plan.mood


def test_the_reply_keeps_the_settled_plan_whatever_the_answer_says():
    text = "Quiero una cumbia con acordeón para la fiesta."
    transcript = Transcript(text, "es")
    plan = _plan(text, "es")
    raw = answer_head(plan, "es") + '¡Claro! Aquí tienes una cumbia con acordeón."}'
    reply = reply_from_model_output(raw, transcript, (), 15.0, settled_plan=plan)
    assert reply.intent is Intent.MAKE_MUSIC and reply.plan == plan
    assert reply.say == "¡Claro! Aquí tienes una cumbia con acordeón."


def test_an_untrue_sentence_about_the_settled_plan_is_still_replaced():
    text = "Quiero una cumbia con acordeón para la fiesta."
    plan = _plan(text, "es")
    raw = answer_head(plan, "es") + 'Aquí tienes un tango con saxofón."}'
    reply = reply_from_model_output(raw, Transcript(text, "es"), (), 15.0, settled_plan=plan)
    assert reply.plan == plan
    assert "tango" not in reply.say.lower() and "saxo" not in reply.say.lower()
    assert reply.note  # the record says the sentence was replaced


def test_an_answer_cut_off_inside_say_keeps_its_words():
    text = "Play some smooth jazz with a saxophone."
    plan = _plan(text, "en")
    cut = answer_head(plan, "en") + "Sure! Here's some smooth jazz. And"
    data = parse_json_object(complete_answer(cut))
    assert data["say"].startswith("Sure! Here's some smooth jazz.")


@pytest.mark.parametrize("text,language,field,value", [
    ("Cambialo a jazz pero con el mismo tiempo.", "es", "bpm", 80),  # "tiempo": the tempo
    ("speeded up to 128.", "en", "bpm", 128),  # as Whisper wrote "speed it up to 128"
    ("Añadle un violoncelo.", "es", "instruments", "cello"),  # a valid Spanish spelling
    ("está chida, pero súbele tantito a la velocidad", "es", "bpm", "up"),  # Mexico: a bit faster
    ("bájale un poquito al ritmo", "es", "bpm", "down"),
])
def test_edits_as_people_say_them_and_whisper_writes_them(text, language, field, value):
    previous = plan_from_text("a lofi beat at 80 bpm with piano")
    reading = read_request(text, language, previous)
    assert reading.intent is Intent.REFINE
    got = getattr(reading.edited, field)
    if value in ("up", "down"):
        assert (got > previous.bpm) == (value == "up") and got != previous.bpm
    else:
        assert value in got if isinstance(got, tuple) else got == value
