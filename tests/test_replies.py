"""Turning a model's answer into a Reply: valid JSON, junk, wrong language, grounding."""

from __future__ import annotations

import json

import pytest

from voice_agent.responder.replies import (FEW_SHOT, REPLY_SCHEMA, read_request, chat_messages, compose_music_prompt, looks_like,
                                 parse_json_object, reply_from_model_output, rule_reply, tidy_say)
from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn

EN = Transcript("play some chill jazz with a saxophone", "en")
ES = Transcript("pon una salsa alegre para bailar", "es")


def _answer(**changes) -> str:
    data = {"say": "Sure! Here's some smooth jazz for you.", "intent": "make_music",
            "music_prompt": "smooth jazz, saxophone, piano, 110 bpm",
            "plan": {"genre": "jazz", "bpm": 110, "key": "F", "mode": "major",
                     "instruments": ["saxophone", "piano"], "mood": "smooth", "duration_s": 20}}
    data.update(changes)
    return json.dumps(data)


def test_valid_answer_is_used():
    reply = reply_from_model_output(_answer(), EN, (), 15.0)
    assert reply.source == "llm" and reply.intent is Intent.MAKE_MUSIC
    assert reply.plan.genre == "jazz" and reply.plan.bpm == 110 and reply.plan.key == "F"
    assert reply.plan.instruments[0] == "saxophone" and reply.plan.duration_s == 20
    # The prompt is composed from the grounded plan, so it never contradicts it.
    assert reply.music_prompt == compose_music_prompt(reply.plan)
    assert "jazz" in reply.music_prompt and "110 bpm" in reply.music_prompt


@pytest.mark.parametrize("raw", ["", "Sure! I'll play jazz.", "{not json", "[1, 2]",
                                 '{"say": ""}', '{"say": "ok", "plan": '])
def test_junk_falls_back_to_rules_and_says_so(raw):
    reply = reply_from_model_output(raw, ES, (), 15.0)
    assert reply.source == "fallback" and "unusable" in reply.note
    assert reply.plan.genre == "salsa" and reply.intent is Intent.MAKE_MUSIC
    assert looks_like(reply.say, "es")


def test_json_wrapped_in_prose_or_fences_is_found():
    raw = "Here you go:\n```json\n" + _answer() + "\n```"
    assert reply_from_model_output(raw, EN, (), 15.0).source == "llm"
    assert parse_json_object('x {"a": {"b": 1}} y') == {"a": {"b": 1}}


def test_model_genre_is_overruled_by_the_named_genre():
    reply = reply_from_model_output(_answer(), ES, (), 15.0)  # model said jazz; person said salsa
    assert reply.plan.genre == "salsa" and "salsa" in reply.music_prompt


def test_wrong_language_reply_is_replaced_by_a_template():
    reply = reply_from_model_output(_answer(), ES, (), 15.0)
    assert looks_like(reply.say, "es") and "wrong language" in reply.note


def test_refine_or_replay_without_an_earlier_clip_becomes_make_music():
    for intent in ("refine", "replay"):
        reply = reply_from_model_output(_answer(intent=intent), EN, (), 15.0)
        assert reply.intent is Intent.MAKE_MUSIC and reply.plan is not None


def test_chat_from_the_model_is_overruled_when_music_was_named():
    reply = reply_from_model_output(_answer(intent="chat"), EN, (), 15.0)
    assert reply.intent is Intent.MAKE_MUSIC


def test_plain_chat_has_no_plan():
    reply = rule_reply(Transcript("hola, ¿quién eres?", "es"), (), 15.0)
    assert reply.intent is Intent.CHAT and reply.plan is None and reply.music_prompt == ""
    assert looks_like(reply.say, "es")


def test_replay_returns_the_previous_plan():
    previous = MusicPlan(genre="tango", bpm=118, seed=5)
    turn = Turn("t", "now", "r", None, Reply("ok", "tango", Intent.MAKE_MUSIC, previous, "en"))
    reply = rule_reply(Transcript("play it again", "en"), (turn,), 15.0)
    assert reply.intent is Intent.REPLAY and reply.plan == previous


def test_prompt_messages_have_a_fixed_prefix_and_the_history():
    previous = MusicPlan(genre="tango")
    turn = Turn("t", "now", "r", None, Reply("ok", "tango", Intent.MAKE_MUSIC, previous, "en"))
    first, second = chat_messages(EN, ()), chat_messages(ES, (turn,))
    assert first[:-1] == second[:-1]  # identical prefix: the KV cache can be reused
    assert "Spanish" in second[-1]["content"] and "tango" in second[-1]["content"]
    # the plan first (rendered while the words are written), the words after it
    assert list(REPLY_SCHEMA["properties"])[:5] == ["intent", "genre", "instruments", "mood",
                                                    "say"]
    for _, example in FEW_SHOT:  # the examples show the same order
        assert list(example)[-1] == "say"
    assert set(REPLY_SCHEMA["required"]) == {"say", "intent", "genre", "instruments", "mood"}


def test_a_flat_answer_fills_the_plan_and_the_style_fills_the_rest():
    raw = json.dumps({"say": "Sure! Here's some bossa nova.", "intent": "make_music",
                      "genre": "bossa nova", "instruments": ["nylon guitar"], "mood": "relaxed"})
    reply = reply_from_model_output(raw, Transcript("something for a sunny afternoon", "en"), (), 15.0)
    assert reply.source == "llm" and reply.plan.genre == "bossa_nova"
    assert "nylon guitar" in reply.plan.instruments and reply.plan.mood == "calm"  # relaxed -> calm
    assert 40 <= reply.plan.bpm <= 220 and reply.plan.duration_s == 15.0


def test_tidy_say_keeps_three_sentences():
    assert tidy_say("One. Two!  Three? Four.") == "One. Two! Three?"
    assert len(tidy_say("word " * 200)) <= 320


def test_plural_instruments_count_as_named():
    reply = rule_reply(Transcript("pon una salsa con trompetas y congas", "es"), (), 15.0)
    assert reply.plan.instruments[:2] == ("trumpet", "congas")


def test_composed_prompt_names_everything():
    prompt = compose_music_prompt(MusicPlan("bossa_nova", 130, "E", "minor", ("flute",), "calm"))
    assert prompt == "calm bossa nova, flute, 130 bpm, E minor"


PLAN_FIRST = json.dumps({"intent": "make_music", "genre": "salsa", "instruments": ["piano", "trumpet"],
                         "mood": "happy", "say": "¡Claro! Aquí tienes una salsa alegre con piano."},
                        ensure_ascii=False)


def test_the_plan_is_settled_once_the_model_begins_its_words():
    from voice_agent.responder.replies import settled_reply

    start = PLAN_FIRST.index('"say"')
    reading = read_request(ES.text, "es")
    assert settled_reply(PLAN_FIRST[:start - 2], ES, (), 15.0, reading) is None  # not yet
    early = settled_reply(PLAN_FIRST[:start + 8], ES, (), 15.0, reading)
    final = reply_from_model_output(PLAN_FIRST, ES, (), 15.0, reading)
    assert early is not None and early.say == ""
    assert early.plan == final.plan and early.music_prompt == final.music_prompt
    assert early.plan.genre == "salsa" and "trumpet" in early.plan.instruments


def test_an_answer_with_words_first_or_no_music_settles_nothing():
    from voice_agent.responder.replies import settled_reply

    words_first = json.dumps({"say": "Sure! Jazz.", "intent": "make_music", "genre": "jazz",
                              "instruments": [], "mood": "calm"})
    chat = json.dumps({"intent": "chat", "genre": "", "instruments": [], "mood": "",
                       "say": "Hi there!"})
    assert settled_reply(words_first, EN, (), 15.0, read_request(EN.text, "en")) is None
    hello = Transcript("hello", "en")
    assert settled_reply(chat, hello, (), 15.0, read_request("hello", "en")) is None


def test_an_answer_cut_off_in_its_words_keeps_its_settled_plan():
    from voice_agent.responder.replies import complete_answer, settled_reply

    cut = PLAN_FIRST[:PLAN_FIRST.index("con piano")]  # max_tokens ran out mid-sentence
    reading = read_request(ES.text, "es")
    reply = reply_from_model_output(complete_answer(cut), ES, (), 15.0, reading)
    assert reply.source == "llm" and reply.say.startswith("¡Claro! Aquí tienes una salsa")
    assert reply.plan == settled_reply(cut, ES, (), 15.0, reading).plan
    assert complete_answer(PLAN_FIRST) == PLAN_FIRST
    assert complete_answer("{junk") == "{junk"  # nothing settled: the rules stand in as before


@pytest.mark.parametrize("genre,spanish", [("ballad", "balada"), ("reggaeton", "reguetón"),
                                           ("classical", "música clásica"),
                                           ("edm", "electrónica"), ("bossa_nova", "bossa nova")])
def test_spanish_replies_name_the_genre_in_spanish_and_stay_true(genre, spanish):
    from voice_agent.core.types import Intent as I
    from voice_agent.responder.replies import template_say
    from voice_agent.responder.truth import check_say

    plan = MusicPlan(genre=genre, instruments=("piano",))
    say = template_say(I.MAKE_MUSIC, plan, "es")
    assert spanish in say and genre.replace("_", " ") not in say.replace(spanish, "")
    assert not check_say(say, plan, "es")
