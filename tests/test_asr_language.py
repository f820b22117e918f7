"""Language choice in the faster-whisper backend, with a stand-in Whisper model."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("faster_whisper", reason="install the 'asr' extra")

from voice_agent.asr.faster_whisper import FasterWhisperTranscriber  # noqa: E402
from tests.fakes import tone  # noqa: E402


class StandInWhisper:
    """Says English is slightly likelier, but decodes Spanish with higher confidence."""

    def __init__(self, p_en: float) -> None:
        self.p_en = p_en
        self.decoded: list[str] = []
        self.feature_extractor = lambda samples: samples.reshape(1, -1)

    def detect_language(self, features):
        return "en", self.p_en, [("en", self.p_en), ("es", 1 - self.p_en), ("pt", 0.0)]

    def transcribe(self, samples, language, **options):
        self.decoded.append(language)
        logprob = -0.9 if language == "en" else -0.2
        text = "so come bang bang" if language == "en" else "toca un tango"
        return iter([SimpleNamespace(text=text, start=0.0, end=1.0, avg_logprob=logprob,
                                     no_speech_prob=0.01, compression_ratio=1.0,
                                     tokens=[50364, 2, 3, 50400])]), None


def _asr(model) -> FasterWhisperTranscriber:
    # no VAD model needed for a stand-in: every sample counts as voiced
    return FasterWhisperTranscriber(model=model, voiced=lambda samples: samples)


def test_unsure_language_decodes_both_and_keeps_the_likelier():
    model = StandInWhisper(p_en=0.56)
    transcript = _asr(model).transcribe(tone(2.0))
    assert model.decoded == ["en", "es"]
    assert transcript.language == "es" and transcript.text == "toca un tango"


def test_sure_language_decodes_once():
    model = StandInWhisper(p_en=0.95)
    transcript = _asr(model).transcribe(tone(2.0))
    assert model.decoded == ["en"] and transcript.language == "en"


def test_given_language_skips_detection():
    model = StandInWhisper(p_en=0.5)
    assert _asr(model).transcribe(tone(2.0), language="es").language_probability == 1.0
    assert model.decoded == ["es"]


def test_encoder_memo_encodes_identical_features_once():
    import numpy as np

    from voice_agent.asr.faster_whisper import EncoderMemo

    calls = []
    memo = EncoderMemo(lambda features: calls.append(features.copy()) or float(features.sum()))
    window = np.ones((80, 3000), np.float32)
    assert memo(window) == memo(window.copy()) == 240000.0
    other = window.copy()
    other[0, 0] = 2.0
    assert memo(other) == 240001.0
    assert len(calls) == 2 and memo.hits == 1


class LoopingWhisper(StandInWhisper):
    """Sure of English, but every decode loops to its token cap at ``step_s`` a token
    (real time): a garbled request on a slow machine."""

    def __init__(self, step_s: float) -> None:
        super().__init__(p_en=0.95)
        self.step_s = step_s
        self.max_new_tokens: list[int] = []

    def transcribe(self, samples, language, **options):
        import time

        tokens = options["max_new_tokens"]
        self.max_new_tokens.append(tokens)
        time.sleep(tokens * self.step_s)
        return iter([SimpleNamespace(text="trombone, " * 20, start=0.0, end=1.0,
                                     avg_logprob=-0.7, no_speech_prob=0.01,
                                     compression_ratio=2.0, tokens=[1] * tokens)]), None


def test_recognition_time_holds_the_budget_on_a_looping_decode():
    """A 30 s request looping to its cap (256 tokens at 10 ms) took 2.6 s against a 0.5 s
    budget; every pass is now capped by the time left, and the answer is honest."""
    import time

    from voice_agent.asr.budget import StepCost
    from voice_agent.core.errors import UnclearSpeechError

    model = LoopingWhisper(step_s=0.01)
    asr = FasterWhisperTranscriber(model=model, voiced=lambda samples: samples, max_seconds=0.5)
    asr.step_cost = StepCost(0.01)
    start = time.perf_counter()
    with pytest.raises(UnclearSpeechError):
        asr.transcribe(tone(30.0))
    assert time.perf_counter() - start <= 0.5 + 0.15
    assert max(model.max_new_tokens) < 50


def test_a_pass_stopped_by_its_token_cap_is_told_from_one_that_ended():
    """The decoder's own token count decides (en01 with the hotword prompt ended on "."
    without a closing timestamp whatever its cap, so the segments cannot tell)."""
    from voice_agent.asr.faster_whisper import GenerationCounter, decoded_figures
    from voice_agent.core.types import Transcript

    def generate(tokens):
        return (SimpleNamespace(sequences_ids=[tokens]), -0.1, 0.0, 1.0)

    counter = GenerationCounter(generate)
    segment = SimpleNamespace(text="", start=0.0, end=1.0, avg_logprob=-0.2,
                              no_speech_prob=0.01, compression_ratio=1.0, tokens=[1, 2])
    text = Transcript("play some smooth jazz", "en")
    counter(list(range(8)))
    assert not decoded_figures(text, [segment], counter.last_tokens, limit=8).complete
    counter(list(range(14)))
    ended = decoded_figures(text, [segment], counter.last_tokens, limit=25)
    assert ended.complete and ended.tokens == 14


def test_the_budget_counts_from_the_end_of_speech_when_told():
    """A streaming step still in flight when the person stopped made the final decode
    wait: that wait is recognition time too, so the passes get the less room."""
    import time

    from voice_agent.asr.budget import StepCost

    def first_cap(started):
        model = LoopingWhisper(step_s=0.0)
        asr = FasterWhisperTranscriber(model=model, voiced=lambda samples: samples,
                                       max_seconds=1.0)
        asr.step_cost = StepCost(0.01)
        with pytest.raises(Exception):
            asr.transcribe(tone(30.0), started=started)
        return model.max_new_tokens[0]

    # 0.6 s of the 1 s already gone: about 40 fewer tokens of 10 ms fit in the first pass
    assert first_cap(None) - first_cap(time.perf_counter() - 0.6) >= 40


class WindowedWhisper(StandInWhisper):
    """Sure of English; every decode encodes a 30 s window through ``encode`` (an
    EncoderMemo, as the real model's is wrapped), which records the frames it got."""

    def __init__(self) -> None:
        import numpy as np

        from voice_agent.asr.faster_whisper import EncoderMemo

        super().__init__(p_en=0.95)
        self.frames: list[int] = []
        self.encode = EncoderMemo(lambda features: self.frames.append(features.shape[-1]))
        self._window = np.zeros((80, 3000), np.float32)

    def detect_language(self, features):
        self.encode(self._features(features.shape[-1]))
        return super().detect_language(features)

    def transcribe(self, samples, language, **options):
        self.encode(self._features(len(samples)))
        return super().transcribe(samples, language, **options)

    def _features(self, length: int):
        """The 30 s window of a request (the stand-in's features are its samples)."""
        window = self._window.copy()
        window[0, 0] = length + (1 if length % 2 else 0)  # as one request, however sliced
        return window


def _windowed(full_s: float | None, max_seconds: float = 2.5):
    from voice_agent.asr.budget import StepCost

    model = WindowedWhisper()
    model.encode.full_s = full_s
    asr = FasterWhisperTranscriber(model=model, voiced=lambda samples: samples,
                                   max_seconds=max_seconds)
    asr.step_cost = StepCost(0.02)
    return model, asr


def test_the_final_decode_keeps_whispers_full_window_when_it_fits_the_budget():
    model, asr = _windowed(full_s=0.8)
    asr.transcribe(tone(2.0))
    assert model.frames == [3000]  # encoded once (language ID), reused by the decode


def test_a_full_window_that_would_not_fit_gives_way_to_the_request_plus_a_margin():
    from voice_agent.asr.faster_whisper import FINAL_MARGIN_FRAMES

    model, asr = _windowed(full_s=2.2)
    asr.transcribe(tone(2.0))
    assert model.frames == [200 + FINAL_MARGIN_FRAMES]


def test_time_already_spent_waiting_counts_against_the_full_window():
    import time

    from voice_agent.asr.faster_whisper import FINAL_MARGIN_FRAMES

    model, asr = _windowed(full_s=0.8)
    asr.transcribe(tone(2.0), started=time.perf_counter() - 1.5)  # a step held it 1.5 s
    assert model.frames == [200 + FINAL_MARGIN_FRAMES]
    model, asr = _windowed(full_s=0.8, max_seconds=10.0)  # a roomier budget: full window
    asr.transcribe(tone(2.0), started=time.perf_counter() - 1.5)
    assert model.frames == [3000]


def test_with_nothing_measured_yet_the_full_window_teaches_its_cost():
    model, asr = _windowed(full_s=None)
    asr.transcribe(tone(2.0))
    assert model.frames == [3000] and model.encode.full_s is not None


def test_the_full_window_estimate_believes_slower_at_once_and_lowers_gently():
    import numpy as np

    from voice_agent.asr.faster_whisper import FULL_OVER_SCALED, EncoderMemo

    memo = EncoderMemo(lambda features: None)
    memo._observe(9.0, 3000)
    assert memo.full_s == 9.0  # the first, cold encode: a high estimate to start from
    memo._observe(1.0, 3000)
    assert memo.full_s == 5.0  # a faster one halfway
    memo._observe(1.0, 3000)
    assert memo.full_s == 3.0
    memo._observe(4.0, 3000)
    assert memo.full_s == 4.0  # a slower full encode is believed at once
    memo._observe(1.0, 3000)
    memo._observe(1.0, 3000)
    assert memo.full_s == 1.75
    memo._observe(0.1, 400)  # a streaming step's window teaches nothing
    assert memo.full_s == 1.75
    memo._observe(0.4, 1500)  # a final short window, scaled, may only lower it
    assert memo.full_s == pytest.approx(0.5 * 1.75 + 0.5 * 0.4 * 2 * FULL_OVER_SCALED)
    before = memo.full_s
    memo._observe(2.0, 1500)
    assert memo.full_s == before
    with memo.window(2200):
        memo(np.zeros((80, 3000), np.float32))  # trimmed: not a full-window observation
    assert memo.full_s <= before


class ShakyLanguageWhisper(WindowedWhisper):
    """Language ID says English at p = 0.8; the Spanish decode is the likelier one."""

    def __init__(self) -> None:
        super().__init__()
        self.p_en = 0.8


def test_a_short_window_s_language_id_is_doubted_sooner():
    """es04 (espeak Spanish): p(en) 0.54 on the full window, 0.75 on a short one, whose
    English pass then won alone; below 0.9 a short window decodes both languages."""
    from voice_agent.asr.budget import StepCost

    for full_s, decoded in ((2.2, ["en", "es"]), (0.5, ["en"])):
        model = ShakyLanguageWhisper()
        model.encode.full_s = full_s
        asr = FasterWhisperTranscriber(model=model, voiced=lambda samples: samples)
        asr.step_cost = StepCost(0.02)
        transcript = asr.transcribe(tone(2.0))
        assert model.decoded == decoded
    assert transcript.language == "en"  # the full window: p = 0.8 is sure enough


@pytest.mark.parametrize("text, loops", [
    ("Pogun rock potente cumbia, reggaeton, cumbia, reggaeton, cumbia, reggaeton", True),
    ("play the blues, play the blues, play the blues", True),
    ("play some salsa, some salsa with trumpets", False),
    ("cha cha cha", False),  # one word three times is a dance, not a loop (four is)
    ("trombone, trombone, trombone, trombone", True),
])
def test_a_phrase_said_over_and_over_is_a_loop(text, loops):
    from voice_agent.asr.budget import loops as is_a_loop

    assert is_a_loop(text) is loops
