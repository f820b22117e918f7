"""The time-bounded decode policy (asr/budget.py) with a fake clock and scripted passes."""

from __future__ import annotations

import pytest

from voice_agent.asr.budget import (DIDNT_CATCH, Budget, Decoded, StepCost,
                                    decode_within_budget)
from voice_agent.core.errors import NoSpeechError, UnclearSpeechError
from voice_agent.core.types import Transcript


class Clock:
    """A clock that only moves when a scripted decode says it took time."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class ScriptedDecoder:
    """decode(language, p, temperature): each pass takes ``seconds`` of fake time and
    returns the scripted figures for that (language, temperature)."""

    def __init__(self, clock: Clock, seconds: float,
                 script: dict[tuple[str, float], tuple[str, float] | None]) -> None:
        self.clock, self.seconds, self.script = clock, seconds, script
        self.calls: list[tuple[str, float]] = []
        self.limits: list[int] = []

    def __call__(self, language: str, probability: float, temperature: float,
                 max_tokens: int) -> Decoded:
        self.calls.append((language, temperature))
        self.limits.append(max_tokens)
        self.clock.now += self.seconds
        entry = self.script[(language, temperature)]
        if entry is None:
            raise NoSpeechError("nothing")
        text, logprob = entry
        return Decoded(Transcript(text, language, probability), logprob)


class LoopingDecoder:
    """A decode that loops on itself until its token cap, each token taking
    ``step_s`` of fake time, or that ends after ``tokens`` when ``tokens`` is given per
    language: a slow machine with a garbled request."""

    def __init__(self, clock: Clock, step_s: float, tokens: dict[str, int | None],
                 text: dict[str, str] | None = None) -> None:
        self.clock, self.step_s, self.tokens = clock, step_s, tokens
        self.text = text or {}
        self.calls: list[tuple[str, float, int]] = []

    def __call__(self, language: str, probability: float, temperature: float,
                 max_tokens: int) -> Decoded:
        self.calls.append((language, temperature, max_tokens))
        wanted = self.tokens.get(language)
        produced = max_tokens if wanted is None else min(wanted, max_tokens)
        self.clock.now += produced * self.step_s
        text = self.text.get(language) or " ".join(["trombone, cumbia"] * (produced // 4 + 1))
        logprob = -0.3 if language in self.text else -0.6
        return Decoded(Transcript(text, language, probability), logprob, tokens=produced,
                       complete=produced < max_tokens)


UNSURE = [("en", 0.6), ("es", 0.4)]
SURE = [("es", 0.95), ("en", 0.05)]


def test_sure_and_clear_decodes_once():
    clock = Clock()
    decode = ScriptedDecoder(clock, 0.8, {("es", 0.0): ("toca un tango", -0.3)})
    transcript = decode_within_budget(SURE, decode, Budget(2.5, clock))
    assert decode.calls == [("es", 0.0)] and transcript.text == "toca un tango"


def test_unsure_language_tries_the_second_when_time_allows_and_keeps_the_likelier():
    clock = Clock()
    decode = ScriptedDecoder(clock, 0.8, {("en", 0.0): ("so come bang bang", -0.9),
                                          ("es", 0.0): ("toca un tango", -0.2)})
    transcript = decode_within_budget(UNSURE, decode, Budget(2.5, clock))
    assert decode.calls == [("en", 0.0), ("es", 0.0)] and transcript.language == "es"


def test_a_doubtful_pass_never_beats_a_sound_one_on_logprob():
    """d-es07: the English pass looped the bias prompt with a better mean log-probability
    than the right Spanish pass; the sound pass must win, not "didn't catch that"."""
    clock = Clock()
    decode = ScriptedDecoder(clock, 0.5, {
        ("es", 0.0): ("hazme música ambiental para meditar", -0.57),
        ("en", 0.0): ("music, guitar, music, music, music, music", -0.51)})
    transcript = decode_within_budget([("es", 0.67), ("en", 0.33)], decode, Budget(2.5, clock))
    assert transcript.language == "es" and "meditar" in transcript.text


def test_second_language_is_skipped_when_it_would_overrun_the_budget():
    clock = Clock()
    decode = ScriptedDecoder(clock, 1.5, {("en", 0.0): ("play some jazz", -0.4),
                                          ("es", 0.0): ("pon jazz", -0.1)})
    transcript = decode_within_budget(UNSURE, decode, Budget(2.5, clock))
    assert decode.calls == [("en", 0.0)] and transcript.text == "play some jazz"
    assert clock.now - 100.0 <= 2.5


def test_doubtful_decode_gets_one_warmer_pass_only_if_it_fits():
    clock = Clock()
    script = {("es", 0.0): ("garbled garbled", -1.4), ("es", 0.4): ("una cumbia alegre", -0.5)}
    roomy = ScriptedDecoder(clock, 0.5, script)
    assert decode_within_budget(SURE, roomy, Budget(2.5, clock)).text == "una cumbia alegre"
    assert roomy.calls == [("es", 0.0), ("es", 0.4)]
    clock = Clock()
    tight = ScriptedDecoder(clock, 1.4, script)
    with pytest.raises(UnclearSpeechError):
        decode_within_budget(SURE, tight, Budget(2.5, clock))
    assert tight.calls == [("es", 0.0)]


def test_worst_case_never_runs_a_pass_that_would_not_fit():
    """Unsure and garbled in both languages: at most the passes the budget holds."""
    clock = Clock()
    script = {(lang, t): ("mumble mumble", -1.6) for lang in ("en", "es") for t in (0.0, 0.4)}
    decode = ScriptedDecoder(clock, 1.0, script)
    with pytest.raises(UnclearSpeechError):
        decode_within_budget(UNSURE, decode, Budget(2.5, clock))
    assert decode.calls == [("en", 0.0), ("es", 0.0)]
    assert clock.now - 100.0 <= 2.5


def test_a_looping_first_pass_is_cut_by_the_budget_and_answered_honestly():
    """The old policy checked the budget only between passes: a first pass looping to its
    cap (here 448 tokens at 0.02 s: 9 s) ran whole. Now it stops within the budget, and
    the cut-short garble is "didn't catch that", not an answer."""
    clock = Clock()
    decode = LoopingDecoder(clock, 0.02, {"es": None})
    budget = Budget(2.5, clock)
    clock.now += 0.9  # voice detection, features, encoder, language ID
    with pytest.raises(UnclearSpeechError) as caught:
        decode_within_budget(SURE, decode, budget, StepCost(0.02))
    assert clock.now - 100.0 <= 2.5 + 0.02
    assert caught.value.language == "es" and len(decode.calls) == 1


def test_the_cost_per_token_is_learned_so_a_slower_machine_still_holds_the_bound():
    """The prior guesses 0.05 s a token; this machine takes 0.08 s. The first request
    (the warm-up, in the product) teaches the cost; the next one holds the budget."""
    cost = StepCost()
    for request in range(2):
        clock = Clock()
        decode = LoopingDecoder(clock, 0.08, {"es": None})
        with pytest.raises(UnclearSpeechError):
            decode_within_budget(SURE, decode, Budget(2.5, clock), cost, floor=20, cap=60)
    assert cost.seconds_per_token == pytest.approx(0.08, rel=0.1)
    assert clock.now - 100.0 <= 2.5


def test_unsure_language_keeps_room_for_the_second_language_when_the_first_loops():
    """es04 on an AVX2 CPU: English first (p 0.54) looped; its pass is now capped so that
    a request-length Spanish pass still fits, and the Spanish transcript wins."""
    clock = Clock()
    decode = LoopingDecoder(clock, 0.02, {"en": None, "es": 15},
                            text={"es": "pon una cumbia con acordeón"})
    budget = Budget(2.5, clock)
    clock.now += 0.8
    transcript = decode_within_budget([("en", 0.54), ("es", 0.46)], decode, budget,
                                      StepCost(0.02), floor=24, cap=448)
    assert [c[0] for c in decode.calls] == ["en", "es"]
    assert transcript.language == "es" and clock.now - 100.0 <= 2.5


def test_a_late_start_still_gives_a_clear_request_its_floor():
    """On a busy machine the work before decoding can use the whole budget; a clear
    request of ``floor`` tokens is still heard, and only that pass overruns."""
    clock = Clock()
    decode = LoopingDecoder(clock, 0.02, {"en": 14}, text={"en": "play some jazz"})
    budget = Budget(2.5, clock)
    clock.now += 2.6
    assert decode_within_budget([("en", 0.9)], decode, budget, StepCost(0.02),
                                floor=24).text == "play some jazz"
    assert decode.calls == [("en", 0.0, 24)]


def test_didnt_catch_that_is_in_the_likelier_language():
    clock = Clock()
    decode = ScriptedDecoder(clock, 0.2, {("es", 0.0): ("eh", -2.0), ("es", 0.4): ("eh eh", -1.8)})
    with pytest.raises(UnclearSpeechError) as caught:
        decode_within_budget(SURE, decode, Budget(2.5, clock))
    assert str(caught.value) == DIDNT_CATCH["es"] and caught.value.language == "es"
    assert caught.value.kind == "unclear" and isinstance(caught.value, NoSpeechError)


def test_es04_a_failed_first_language_answers_in_the_other_one():
    """es04: language ID put English first (0.54), the English pass looped to its cap and
    the budget left no time for Spanish; the audio is likelier Spanish, so is the answer."""
    clock = Clock()
    decode = ScriptedDecoder(clock, 2.0, {("en", 0.0): None, ("es", 0.0): ("toca", -0.5)})
    with pytest.raises(UnclearSpeechError) as caught:
        decode_within_budget([("en", 0.54), ("es", 0.46)], decode, Budget(2.5, clock))
    assert decode.calls == [("en", 0.0)]
    assert str(caught.value) == DIDNT_CATCH["es"] and caught.value.language == "es"


def test_doubtful_passes_in_both_languages_answer_in_the_one_whisper_found_likelier():
    clock = Clock()
    decode = ScriptedDecoder(clock, 0.5, {("en", 0.0): ("tokens bang", -1.9),
                                          ("es", 0.0): ("toca tango", -1.2),
                                          ("en", 0.4): ("tock and go", -1.7)})
    with pytest.raises(UnclearSpeechError) as caught:
        decode_within_budget([("en", 0.55), ("es", 0.45)], decode, Budget(2.5, clock))
    assert caught.value.language == "es"


def test_every_pass_failing_keeps_language_id_first():
    clock = Clock()
    decode = ScriptedDecoder(clock, 0.2, {("en", 0.0): None, ("es", 0.0): None, ("en", 0.4): None})
    with pytest.raises(UnclearSpeechError) as caught:
        decode_within_budget([("en", 0.6), ("es", 0.4)], decode, Budget(2.5, clock))
    assert caught.value.language == "en"


def test_high_compression_is_doubtful_even_with_a_good_logprob():
    looping = Decoded(Transcript("la la la la la la la la", "en"), -0.2, compression_ratio=3.1)
    assert looping.doubtful
    assert not Decoded(Transcript("play jazz", "en"), -0.2, compression_ratio=1.2).doubtful


def test_speech_with_no_confident_words_in_any_pass_is_unclear():
    clock = Clock()
    decode = ScriptedDecoder(clock, 0.2, {("es", 0.0): None, ("en", 0.0): None, ("es", 0.4): None})
    with pytest.raises(UnclearSpeechError) as caught:
        decode_within_budget([("es", 0.7), ("en", 0.3)], decode, Budget(2.5, clock))
    assert str(caught.value) == DIDNT_CATCH["es"]


def test_a_word_said_over_and_over_is_doubtful():
    # h-phone-es04 (telephone band) came back like this, compression ratio and all passing
    loop = "So, cumbia, trombone, trombone, trombone, trombone, trombone or violin."
    assert Decoded(Transcript(loop, "en"), -0.6, compression_ratio=1.9).doubtful
    assert not Decoded(Transcript("bang bang bang, play it loud", "en"), -0.3).doubtful


def test_pipeline_answers_unclear_speech_honestly_without_a_reply():
    from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber, tone
    from voice_agent.pipeline.turns import Pipeline

    error = UnclearSpeechError(DIDNT_CATCH["es"], "es")
    responder = FakeResponder()
    pipeline = Pipeline(FakeTranscriber(error=error), responder, FakeRenderer(),
                        {"cloned": FakeSpeaker()})
    turn = pipeline.run(audio=tone(1.0))
    assert [(e.stage, e.kind, e.message) for e in turn.errors] == [
        ("asr", "unclear", DIDNT_CATCH["es"])]
    assert turn.reply is None and turn.music is None


def test_a_fallback_must_fit_as_long_as_its_languages_own_pass_took():
    """es04 natively: English 0.64 s (doubtful), Spanish 0.47 s (doubtful), then an
    English fallback estimated from the Spanish pass ran 0.07 s over the budget."""
    clock = Clock()
    took = {("en", 0.0): 0.64, ("es", 0.0): 0.47, ("en", 0.4): 0.66}
    calls: list[tuple[str, float]] = []

    def decode(language, probability, temperature, max_tokens):
        calls.append((language, temperature))
        clock.now += took[(language, temperature)]
        return Decoded(Transcript("tocan tango mama", language, probability), -1.5)

    budget = Budget(2.5, clock)
    clock.now += 0.80  # features, encoder and language ID before the first pass
    with pytest.raises(UnclearSpeechError):
        decode_within_budget([("en", 0.55), ("es", 0.45)], decode, budget, StepCost(0.02),
                             floor=20)
    assert calls == [("en", 0.0), ("es", 0.0)]  # the fallback would not have fitted
    assert budget.left() >= 0
