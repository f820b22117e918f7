"""The default recogniser on the real Whisper base weights (needs the asr extra)."""

from __future__ import annotations

import numpy as np
import pytest

from voice_agent.core.audio import read_audio
from voice_agent.core.errors import AudioInputError, NoSpeechError
from voice_agent.core.types import Audio
from tests.conftest import REQUESTS, espeak_wav

pytestmark = pytest.mark.real_model


@pytest.fixture(scope="module")
def asr():
    from voice_agent.asr.faster_whisper import FasterWhisperTranscriber

    transcriber = FasterWhisperTranscriber(threads=2)
    transcriber.load()
    return transcriber


def test_music_vocabulary_comes_out_right(asr, tmp_path):
    wav = espeak_wav(tmp_path / "r.wav", "play some relaxing bossa nova with a nylon guitar and flute")
    transcript = asr.transcribe(read_audio(wav))
    assert transcript.language == "en" and transcript.language_probability > 0.8
    assert "bossa nova" in transcript.text.lower() and "guitar" in transcript.text.lower()
    assert transcript.segments and transcript.duration_s > 2


@pytest.mark.parametrize("name", ["example_en", "example_es"])
def test_bundled_requests(asr, name):
    expected = (REQUESTS / f"{name}.txt").read_text(encoding="utf-8").strip().lower()
    transcript = asr.transcribe(read_audio(REQUESTS / f"{name}.wav"))
    assert transcript.language == name[-2:]
    words = [w.strip(".,!¡¿?") for w in expected.split()]
    heard = transcript.text.lower()
    assert sum(w in heard for w in words) / len(words) > 0.8, transcript.text


def test_forced_language_is_used(asr):
    transcript = asr.transcribe(read_audio(REQUESTS / "example_es.wav"), language="es")
    assert transcript.language == "es" and transcript.language_probability == 1.0


def test_silence_is_no_speech(asr):
    with pytest.raises(NoSpeechError, match="silent"):
        asr.transcribe(Audio(np.zeros(16_000 * 2), 16_000))


def test_noise_is_no_speech(asr):
    noise = np.random.default_rng(0).normal(0, 0.1, 16_000 * 3).astype(np.float32)
    with pytest.raises(NoSpeechError):
        asr.transcribe(Audio(noise, 16_000))


def test_hum_is_no_speech(asr):
    t = np.arange(16_000 * 3) / 16_000
    hum = 0.2 * np.sin(2 * np.pi * 50 * t) + 0.05 * np.sin(2 * np.pi * 150 * t)
    with pytest.raises(NoSpeechError):
        asr.transcribe(Audio(hum.astype(np.float32), 16_000))


def test_too_short_is_a_clear_error(asr):
    with pytest.raises(AudioInputError, match="hold the talk key"):
        asr.transcribe(Audio(np.full(1600, 0.1, np.float32), 16_000))


def test_any_rate_is_accepted(asr, tmp_path):
    wav = espeak_wav(tmp_path / "r.wav", "play some jazz with piano")  # espeak writes 22.05 kHz
    audio = read_audio(wav)
    assert audio.rate == 22_050
    assert "jazz" in asr.transcribe(audio).text.lower()


def test_unsure_language_is_decoded_both_ways(asr, monkeypatch):
    """d-es07 (espeak Spanish) gets p(es)=0.67: both languages are tried, Spanish wins."""
    from tests.conftest import ASSETS

    # room for the full window even on a busy machine (else the encoder's window is
    # shortened to fit the budget, and encoded anew: see test_asr_language.py)
    monkeypatch.setattr(asr, "max_seconds", 30.0)

    dev = ASSETS.parent / "benchmarks" / "requests_dev" / "d-es07.wav"
    speech = asr._speech_only(read_audio(dev, 16_000).samples)
    candidates = asr._language_candidates(asr._model.feature_extractor(speech), None)
    assert [lang for lang, _ in candidates] == ["es", "en"]
    hits = asr._model.encode.hits
    transcript = asr.transcribe(read_audio(dev))
    assert transcript.language == "es" and "música" in transcript.text.lower()
    # the window encoded just above serves language ID and both decodes: no new encoder pass
    assert asr._model.encode.hits - hits == 3


def test_a_transcript_carries_the_beams_other_readings(asr):
    """The beam's next-best hypotheses come back as alternatives (the pipeline reads one
    when the best asks for nothing): distinct from the words and from each other."""
    transcript = asr.transcribe(read_audio(REQUESTS / "example_es.wav"))
    assert transcript.alternatives, transcript
    folded = [" ".join(a.lower().split()) for a in transcript.alternatives]
    assert " ".join(transcript.text.lower().split()) not in folded
    assert len(set(folded)) == len(folded)
