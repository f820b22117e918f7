"""The streaming turn: reply sentences are spoken while the model is still writing."""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest

from voice_agent.core import events
from voice_agent.pipeline.turns import Pipeline
from voice_agent.responder.replies import SayStream, keep_spoken, rule_reply
from voice_agent.core.types import Transcript
from tests.fakes import (FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber,
                         StreamingFakeResponder, tone)

ANSWER = json.dumps({
    "say": "Sure! Here is some relaxing jazz with piano. Enjoy it.",
    "intent": "make_music",
    "plan": {"genre": "jazz", "bpm": 90, "key": "F", "mode": "major",
             "instruments": ["piano"], "mood": "relaxed", "duration_s": 5},
})


def _collect(text: str, language: str = "en", step: int = 3) -> list[str]:
    said: list[str] = []
    stream = SayStream(language, said.append)
    for start in range(0, len(text), step):
        stream.feed(text[start:start + step])
    stream.finish()
    return said


@pytest.mark.parametrize("step", [1, 2, 5, 1000])
def test_say_sentences_come_out_whole_however_the_answer_is_cut(step):
    assert _collect(ANSWER, step=step) == ["Sure!", "Here is some relaxing jazz with piano.",
                                           "Enjoy it."]


def test_a_sentence_is_handed_out_only_once_the_next_one_has_begun():
    said: list[str] = []
    stream = SayStream("en", said.append)
    stream.feed('{"say": "Sure! ')
    assert said == []
    stream.feed("Here")
    assert said == ["Sure!"]


def test_escapes_split_across_pieces_are_decoded():
    answer = json.dumps({"say": "¡Claro! Aquí tienes \"salsa\" alegre."}, ensure_ascii=True)
    assert _collect(answer, "es", step=4) == ["¡Claro!", 'Aquí tienes "salsa" alegre.']


def test_a_sentence_in_the_wrong_language_stops_the_stream():
    answer = json.dumps({"say": "¡Claro! Here is the music you asked for with the piano."})
    assert _collect(answer, "es") == ["¡Claro!"]


def test_at_most_three_sentences_are_spoken():
    answer = json.dumps({"say": "One is here. Two is here. Three is here. Four is here."})
    assert len(_collect(answer)) == 3


def test_keep_spoken_never_takes_back_what_was_heard():
    transcript = Transcript("play some jazz", "en")
    reply = rule_reply(transcript, (), 5.0)
    heard = ["Sure!", "Here is a slow blues with a harmonica for you."]
    kept = keep_spoken(reply, heard)
    assert kept.say == " ".join(heard) and "already spoken" in kept.note
    assert keep_spoken(reply, []) is reply


def test_after_an_opener_alone_the_new_reply_follows_it_once():
    transcript = Transcript("pon una salsa", "es")
    reply = rule_reply(transcript, (), 5.0)
    kept = keep_spoken(reply, ["¡Claro!"])
    assert kept.say.startswith("¡Claro! ") and reply.say in kept.say
    again = dataclasses.replace(reply, say="Claro! Aquí tienes una salsa alegre.")
    assert keep_spoken(again, ["¡Claro!"]).say == "¡Claro! Aquí tienes una salsa alegre."


def test_a_first_sentence_in_the_wrong_language_is_replaced_by_an_opener_at_once():
    said: list[str] = []
    stream = SayStream("es", said.append)
    stream.feed('{"say": "Sure! Here')
    assert said == ["¡Claro!"]  # before the model has finished: no silent wait
    stream.feed(' is some salsa for you."}')
    stream.finish()
    assert said == ["¡Claro!"]


def test_a_reply_in_the_wrong_language_is_spoken_as_opener_then_template():
    """Measured in the talk bench: after three turns the 0.5B model answered a Spanish
    request in English, and the person heard nothing for 8.7 s (the template came last)."""
    answer = json.dumps({"say": "Sure! Here is some happy salsa with trumpets for you.",
                         "intent": "make_music", "genre": "salsa", "instruments": ["trumpet"],
                         "mood": "happy"})
    seen: list[events.TurnEvent] = []
    pipeline = _streaming_pipeline(StreamingFakeResponder(answer))
    pipeline.transcriber = FakeTranscriber("pon una salsa alegre", "es")
    turn = pipeline.run(audio=tone(), on_event=seen.append)
    said = [e.text for e in seen if e.kind == events.EVENT_SAY]
    assert said[0] == "¡Claro!" and len(said) >= 2
    assert turn.reply.say == " ".join(said) and "salsa" in turn.reply.say
    assert "wrong language" in turn.reply.note


def _streaming_pipeline(responder) -> Pipeline:
    return Pipeline(FakeTranscriber(), responder, FakeRenderer(),
                    {"cloned": FakeSpeaker(), "base": FakeSpeaker()})


def test_first_sentence_is_spoken_before_the_model_finishes():
    first_chunk = threading.Event()
    # without the acknowledgement, so the first chunk is the model's own first sentence
    responder = StreamingFakeResponder(ANSWER, pieces=20, gate=first_chunk, acknowledge=False)
    seen: list[events.TurnEvent] = []

    def on_event(event: events.TurnEvent) -> None:
        seen.append(event)
        if event.kind == events.EVENT_SPEECH_CHUNK:
            first_chunk.set()

    turn = _streaming_pipeline(responder).run(audio=tone(), on_event=on_event)
    assert responder.gate_opened is True  # speech began while the answer was half written
    kinds = [e.kind for e in seen]
    assert kinds.index(events.EVENT_SPEECH_CHUNK) < kinds.index(events.EVENT_REPLY)
    assert kinds.index(events.EVENT_TRANSCRIPT) < kinds.index(events.EVENT_SAY)
    assert kinds[-1] == events.EVENT_TURN_DONE and seen[-1].data is turn
    chunks = [e for e in seen if e.kind == events.EVENT_SPEECH_CHUNK]
    assert {e.voice for e in chunks} == {"cloned"} and len(chunks) == 3
    assert [e.text for e in seen if e.kind == events.EVENT_SAY] == [
        "Sure!", "Here is some relaxing jazz with piano.", "Enjoy it."]
    assert [s.voice for s in turn.speech] == ["cloned", "base"]
    assert set(turn.latency) >= {"llm_first_token", "llm_first_sentence", "first_audio",
                                 "music_ready"}
    assert turn.seconds("llm_ttft") is not None
    assert turn.latency["llm_first_sentence"] <= turn.latency["first_audio"]


def test_music_ready_event_carries_the_clip():
    seen: list[events.TurnEvent] = []
    turn = _streaming_pipeline(StreamingFakeResponder(ANSWER)).run(text="jazz", on_event=seen.append)
    ready = [e for e in seen if e.kind == events.EVENT_MUSIC_READY]
    assert len(ready) == 1 and ready[0].data is turn.music and ready[0].audio is turn.music.audio


def test_a_responder_that_cannot_stream_still_speaks_every_sentence():
    seen: list[events.TurnEvent] = []
    turn = _streaming_pipeline(FakeResponder()).run(text="play some jazz", on_event=seen.append)
    said = " ".join(e.text for e in seen if e.kind == events.EVENT_SAY)
    assert said == turn.reply.say and turn.ok


def test_a_failing_primary_voice_leaves_the_other_voice_and_the_music():
    pipeline = Pipeline(FakeTranscriber(), StreamingFakeResponder(ANSWER), FakeRenderer(),
                        {"cloned": FakeSpeaker(error=RuntimeError("vocoder broke")),
                         "base": FakeSpeaker()})
    seen: list[events.TurnEvent] = []
    turn = pipeline.run(audio=tone(), on_event=seen.append)
    assert [e.stage for e in turn.errors] == ["tts_cloned"]
    assert [s.voice for s in turn.speech] == ["base"] and turn.music is not None
    assert any(e.kind == events.EVENT_STAGE_FAILED and "vocoder" in e.text for e in seen)


def test_a_crashing_event_callback_does_not_break_the_turn():
    def explode(event):
        raise RuntimeError("display gone")

    turn = _streaming_pipeline(StreamingFakeResponder(ANSWER)).run(text="jazz", on_event=explode)
    assert turn.ok and turn.music is not None and len(turn.speech) == 2


def _acknowledged(answer: str, text: str, language: str = "en"):
    """What a stream with the acknowledgement says, and the settled reply."""
    from voice_agent.responder.replies import read_request, reply_from_model_output, say_stream

    transcript = Transcript(text, language)
    reading = read_request(text, language)
    said: list[str] = []
    stream = say_stream(transcript, reading, said.append)
    heard_before_model = list(said)
    for start in range(0, len(answer), 4):
        stream.feed(answer[start:start + 4])
    stream.finish()
    reply = stream.settle(reply_from_model_output(answer, transcript, (), 5.0, reading))
    return heard_before_model, said, reply


def test_a_music_request_is_acknowledged_before_the_model_writes_and_once():
    before, said, reply = _acknowledged(ANSWER, "relaxing jazz with piano please")
    assert before == ["Sure!"]
    assert said == ["Sure!", "Here is some relaxing jazz with piano.", "Enjoy it."]
    assert reply.say.startswith("Sure! Here is some relaxing jazz with piano.")
    assert reply.say.count("Sure!") == 1


def test_the_model_s_own_opener_gives_way_to_the_acknowledgement():
    answer = ANSWER.replace("Sure!", "Great!")
    before, said, reply = _acknowledged(answer, "relaxing jazz with piano please")
    assert said[0] == "Sure!" and "Great!" not in said
    assert reply.say.startswith("Sure! Here is some relaxing jazz") and "Great!" not in reply.say


def test_spanish_is_acknowledged_in_spanish():
    answer = json.dumps({"say": "¡Claro! Aquí tienes un tango con piano.", "intent": "make_music",
                         "genre": "tango", "instruments": ["piano"], "mood": "dramatic"})
    before, said, reply = _acknowledged(answer, "un tango con piano", "es")
    assert before == ["¡Claro!"] and said == ["¡Claro!", "Aquí tienes un tango con piano."]
    assert reply.say.startswith("¡Claro! Aquí tienes")


def test_a_greeting_is_not_acknowledged_as_if_music_were_coming():
    answer = json.dumps({"say": "Hello! What music would you like?", "intent": "chat",
                         "genre": "", "instruments": [], "mood": ""})
    before, said, reply = _acknowledged(answer, "hello there")
    assert before == [] and said[0] == "Hello!"


def test_a_long_first_sentence_is_spoken_after_the_acknowledgement():
    answer = ANSWER.replace("Sure! ", "")
    _, said, reply = _acknowledged(answer, "relaxing jazz with piano please")
    assert said == ["Sure!", "Here is some relaxing jazz with piano.", "Enjoy it."]
    assert reply.say.startswith("Sure! Here is some relaxing jazz with piano.")


PLAN_FIRST = json.dumps({"intent": "make_music", "genre": "jazz", "instruments": ["piano"],
                         "mood": "relaxed",
                         "say": "Sure! Here is some relaxing jazz with piano. Enjoy it."})


def test_music_renders_and_is_ready_while_the_words_are_still_written():
    renderer = FakeRenderer()
    responder = StreamingFakeResponder(PLAN_FIRST, pieces=30, piece_delay_s=0.02)
    pipeline = Pipeline(FakeTranscriber(), responder, renderer, {"cloned": FakeSpeaker()})
    seen: list[events.TurnEvent] = []
    turn = pipeline.run(text="relaxing jazz with piano", on_event=seen.append)
    kinds = [e.kind for e in seen]
    said = [i for i, e in enumerate(seen) if e.kind == events.EVENT_SAY]
    ready = kinds.index(events.EVENT_MUSIC_READY)
    assert ready < said[-1] < kinds.index(events.EVENT_REPLY)  # before the last words
    assert kinds.count(events.EVENT_MUSIC_READY) == 1 and len(renderer.plans) == 1
    assert seen[ready].data is turn.music and turn.music.plan == turn.reply.plan
    assert turn.latency["music_ready"] < turn.seconds("llm")


def test_a_final_plan_unlike_the_settled_one_is_rendered_again():
    class ChangingResponder(StreamingFakeResponder):
        """Settles one plan, then answers with another (what the pipeline must not trust)."""

        def respond_stream(self, transcript, history=(), on_sentence=None, reading=None,
                           on_plan=None):
            reply = super().respond_stream(transcript, history, on_sentence, reading, on_plan)
            return dataclasses.replace(reply, plan=dataclasses.replace(reply.plan, bpm=150))

    renderer = FakeRenderer()
    pipeline = Pipeline(FakeTranscriber(), ChangingResponder(PLAN_FIRST), renderer,
                        {"cloned": FakeSpeaker()})
    turn = pipeline.run(text="relaxing jazz with piano")
    assert len(renderer.plans) == 2 and renderer.plans[-1].bpm == 150
    assert turn.music.plan.bpm == 150 == turn.reply.plan.bpm


def test_an_early_render_that_fails_is_reported_once():
    renderer = FakeRenderer(error=RuntimeError("synth crashed"))
    pipeline = Pipeline(FakeTranscriber(), StreamingFakeResponder(PLAN_FIRST), renderer,
                        {"cloned": FakeSpeaker()})
    turn = pipeline.run(text="relaxing jazz with piano")
    assert turn.music is None and len(renderer.plans) <= 1
    assert [e.stage for e in turn.errors] == ["music"]
    assert turn.reply.say.startswith("Sure! Here is some relaxing jazz")


def test_an_adjusted_plan_is_rendered_early_once():
    """``run --bpm`` style overrides reach the early render: no second render for them."""
    renderer = FakeRenderer()
    pipeline = Pipeline(FakeTranscriber(), StreamingFakeResponder(PLAN_FIRST), renderer,
                        {"cloned": FakeSpeaker()})
    seen: list[events.TurnEvent] = []
    turn = pipeline.run(text="relaxing jazz with piano", on_event=seen.append,
                        adjust=lambda plan: dataclasses.replace(plan, bpm=150))
    assert len(renderer.plans) == 1 and renderer.plans[0].bpm == 150
    assert [e.kind for e in seen].count(events.EVENT_MUSIC_READY) == 1
    assert turn.music.plan.bpm == 150 == turn.reply.plan.bpm
