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
                                     no_speech_prob=0.01, compression_ratio=1.0)]), None


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
