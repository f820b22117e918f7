"""The pipeline with fake stages: timing, history, failures that lose nothing."""

from __future__ import annotations

import pytest

from voice_agent.core.errors import NoSpeechError, ResponderError
from voice_agent.core.language import guess_language
from voice_agent.pipeline.turns import Pipeline
from voice_agent.core.types import Intent
from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber, tone


def _session(pipeline: Pipeline):
    """Run texts as one conversation, as a mode does: the caller keeps the history."""
    history = pipeline.new_history()

    def say(text: str):
        turn = pipeline.run(text=text, history=history)
        history.append(turn)
        return turn

    return say


def _pipeline(**kwargs) -> Pipeline:
    parts = dict(transcriber=FakeTranscriber(), responder=FakeResponder(),
                 renderer=FakeRenderer(), speakers={"cloned": FakeSpeaker(), "base": FakeSpeaker()})
    parts.update(kwargs)
    return Pipeline(**parts)


def test_full_turn_times_every_stage():
    turn = _pipeline().run(audio=tone(1.0))
    assert turn.ok and turn.transcript.text == "play some jazz with piano"
    assert turn.reply.plan.genre == "jazz" and turn.music.audio.duration_s == pytest.approx(5.0)
    assert [s.voice for s in turn.speech] == ["cloned", "base"]
    stages = [t.stage for t in turn.timings]
    assert stages == ["asr", "llm", "music", "tts_cloned", "tts_base", "total"]
    assert turn.seconds("total") >= turn.seconds("asr") >= 0
    assert turn.models["asr"] == "fake-asr" and turn.models["tts_base"] == "fake-voice"


def test_no_speech_stops_the_turn_with_a_clear_error():
    asr = FakeTranscriber(error=NoSpeechError("No speech detected"))
    turn = _pipeline(transcriber=asr).run(audio=tone(1.0))
    assert not turn.ok and turn.errors[0].stage == "asr" and turn.errors[0].kind == "no_speech"
    assert turn.reply is None and turn.music is None and turn.speech == ()


def test_music_failure_keeps_the_spoken_reply():
    turn = _pipeline(renderer=FakeRenderer(error=RuntimeError("synth exploded"))).run(audio=tone())
    assert turn.music is None and len(turn.speech) == 2 and turn.reply is not None
    assert turn.errors[0].stage == "music" and turn.errors[0].kind == "internal"
    assert "synth exploded" in turn.errors[0].message


def test_one_voice_failing_keeps_the_other():
    speakers = {"cloned": FakeSpeaker(error=ResponderError("voice gone")), "base": FakeSpeaker()}
    turn = _pipeline(speakers=speakers).run(audio=tone())
    assert [s.voice for s in turn.speech] == ["base"] and turn.errors[0].stage == "tts_cloned"


def test_responder_failure_is_recorded():
    turn = _pipeline(responder=FakeResponder(error=ResponderError("model died"))).run(audio=tone())
    assert turn.reply is None and turn.errors[0].kind == "responder"
    assert any(s.stage == "music" for s in turn.skipped)


def test_typed_text_skips_asr_and_guesses_language():
    asr = FakeTranscriber()
    turn = _pipeline(transcriber=asr).run(text="  pon   una cumbia  ")
    assert asr.calls == [] and turn.transcript.text == "pon una cumbia"
    assert turn.transcript.language == "es" and turn.reply.plan.genre == "cumbia"
    assert any(s.stage == "asr" for s in turn.skipped)


def test_empty_typed_request_is_an_error():
    turn = _pipeline().run(text="   ")
    assert turn.errors[0].kind == "empty_request" and turn.reply is None


def test_history_reaches_the_responder_and_is_bounded():
    responder = FakeResponder()
    pipeline = _pipeline(responder=responder, history_turns=2)
    history = pipeline.new_history()
    for _ in range(3):
        history.append(pipeline.run(audio=tone(), history=history))
    assert [len(h) for h in responder.histories] == [0, 1, 2]
    assert len(history) == 2


def test_the_pipeline_keeps_no_history_of_its_own():
    responder = FakeResponder()
    pipeline = _pipeline(responder=responder)
    first = pipeline.run(text="play some jazz")
    again = pipeline.run(text="play it again")  # no history given: nothing to replay
    assert [len(h) for h in responder.histories] == [0, 0]
    assert again.music is not first.music
    pipeline.run(text="what can you do?", history=[first])  # the model is asked: chat
    assert responder.histories[-1] == (first,)
    replay = pipeline.run(text="play it again", history=[first])  # decided by the words
    assert replay.music is first.music


def test_voices_can_be_given_per_turn_without_changing_the_pipeline():
    pipeline = _pipeline()
    other = FakeSpeaker(freq=330.0)
    other.model_id = "other-voice"
    turn = pipeline.run(text="play some jazz", speakers={"cloned": other})
    assert [s.voice for s in turn.speech] == ["cloned"] and turn.speech[0].backend == "other-voice"
    assert turn.models["tts_cloned"] == "other-voice" and "tts_base" not in turn.models
    assert set(pipeline.speakers) == {"cloned", "base"}
    assert pipeline.speakers["cloned"] is not other
    assert [s.voice for s in pipeline.run(text="play some jazz").speech] == ["cloned", "base"]


def test_compose_renders_a_typed_prompt_without_speaking():
    renderer = FakeRenderer()
    pipeline = _pipeline(renderer=renderer)
    turn = pipeline.compose(text="relaxing jazz with piano",
                            adjust=lambda plan: plan.replace(bpm=150))
    assert turn.ok and turn.speech == () and turn.music.plan.bpm == 150
    assert turn.reply.plan.genre == "jazz" and renderer.plans == [turn.music.plan]
    assert [t.stage for t in turn.timings] == ["llm", "music", "total"]
    assert {s.stage for s in turn.skipped} == {"asr", "tts"} and "music_ready" in turn.latency


def test_compose_a_given_plan_does_not_ask_the_language_model():
    responder = FakeResponder()
    pipeline = _pipeline(responder=responder)
    plan = pipeline.compose(text="happy pop").music.plan
    turn = pipeline.compose(plan=plan.replace(seed=7))
    assert len(responder.histories) == 1 and turn.reply is None
    assert turn.music.plan == plan.replace(seed=7)
    assert [t.stage for t in turn.timings] == ["music", "total"]


def test_compose_records_a_failed_render():
    pipeline = _pipeline(renderer=FakeRenderer(error=RuntimeError("synth exploded")))
    turn = pipeline.compose(text="jazz")
    assert turn.music is None and turn.errors[0].stage == "music"
    assert "synth exploded" in turn.errors[0].message


def test_replay_reuses_the_last_clip_without_rendering():
    renderer = FakeRenderer()
    say = _session(_pipeline(renderer=renderer))
    first = say("play some jazz")
    again = say("play it again")
    assert again.reply.intent is Intent.REPLAY and again.music is first.music
    assert len(renderer.plans) == 1


def test_chat_turn_renders_nothing():
    renderer = FakeRenderer()
    turn = _pipeline(renderer=renderer).run(text="hello, who are you?")
    assert turn.reply.intent is Intent.CHAT and turn.music is None and renderer.plans == []
    assert len(turn.speech) == 2


def test_missing_stages_are_reported_as_not_run():
    pipeline = Pipeline(FakeTranscriber(), FakeResponder(), unavailable={"music": "no soundfont"})
    turn = pipeline.run(audio=tone())
    reasons = {s.stage: s.message for s in turn.skipped}
    assert reasons["music"] == "no soundfont" and reasons["tts"] == "no voice is configured"
    assert turn.ok


def test_exactly_one_input_is_required():
    with pytest.raises(ValueError):
        _pipeline().run()
    with pytest.raises(ValueError):
        _pipeline().run(audio=tone(), text="x")


def test_load_times_each_stage():
    asr = FakeTranscriber()
    seconds = _pipeline(transcriber=asr).load()
    assert set(seconds) == {"asr", "llm", "music", "tts_cloned", "tts_base"} and asr.loads == 1


def test_guess_language():
    assert guess_language("quiero una canción triste con piano") == "es"
    assert guess_language("I want a sad song with piano") == "en"


def test_refinement_changes_only_what_was_asked():
    renderer = FakeRenderer()
    say = _session(_pipeline(renderer=renderer))
    first = say("play some jazz with piano")
    faster = say("faster")
    assert faster.reply.intent is Intent.REFINE and faster.reply.plan.bpm > first.reply.plan.bpm
    kept = ("genre", "key", "mode", "instruments", "seed", "duration_s")
    assert all(getattr(faster.reply.plan, f) == getattr(first.reply.plan, f) for f in kept)
    happier = say("más alegre")
    assert happier.reply.intent is Intent.REFINE and happier.reply.plan.genre == "jazz"
    assert happier.reply.plan.bpm == faster.reply.plan.bpm and len(renderer.plans) == 3


class _UnloadableSpeaker(FakeSpeaker):
    def load(self) -> None:
        from voice_agent.core.errors import SpeakerClipError

        raise SpeakerClipError("The speaker recording is 2.0 s long; it needs at least 3 s.")


def test_a_voice_that_cannot_load_leaves_the_rest_of_the_turn():
    pipeline = _pipeline(speakers={"cloned": _UnloadableSpeaker(), "base": FakeSpeaker()})
    seconds = pipeline.load()
    assert "tts_cloned" not in seconds and "tts_base" in seconds
    turn = pipeline.run(text="play some jazz")
    assert turn.ok and [s.voice for s in turn.speech] == ["base"] and turn.music is not None
    reasons = {s.stage: s.message for s in turn.skipped}
    assert "at least 3 s" in reasons["tts_cloned"]


def test_asr_that_cannot_load_stops_the_agent():
    class Broken(FakeTranscriber):
        def load(self) -> None:
            from voice_agent.core.errors import ModelNotFoundError

            raise ModelNotFoundError("weights missing")

    with pytest.raises(Exception, match="weights missing"):
        _pipeline(transcriber=Broken()).load()
