"""Every speech backend on its real weights (Piper, Kokoro, espeak-ng, Resemblyzer, the
cloned voice with a tiny search budget), plus a round trip through Whisper."""

from __future__ import annotations

import numpy as np
import pytest

from voice_agent.core.audio import read_audio
from voice_agent.speech import DEFAULT_SPEAKER_WAV, HELDOUT_SPEAKER_WAV, make_base_speaker

pytestmark = pytest.mark.real_model

ENGLISH = "Here is a calm piece for cello and piano."
SPANISH = "Aquí tienes una salsa alegre para bailar."


def _words(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


@pytest.fixture(scope="module")
def whisper():
    faster_whisper = pytest.importorskip("faster_whisper")
    from voice_agent.core.models import WHISPER_BASE, ensure_model

    return faster_whisper.WhisperModel(str(ensure_model(WHISPER_BASE)), device="cpu",
                                       compute_type="int8", cpu_threads=2)


def _wer(whisper, audio, text: str, language: str) -> float:
    import jiwer

    from voice_agent.core.audio import resample

    segments, _ = whisper.transcribe(resample(audio, 16_000).samples, language=language,
                                     beam_size=1)
    heard = " ".join(s.text for s in segments)
    return jiwer.wer(_words(text), _words(heard))


@pytest.fixture(scope="module")
def encoder():
    from voice_agent.speech.similarity import SpeakerEncoder

    encoder = SpeakerEncoder()
    encoder.load()
    return encoder


@pytest.fixture(scope="module")
def heldout(encoder):
    return encoder.embed(read_audio(HELDOUT_SPEAKER_WAV))


def _is_speech(audio, rate: int, min_s: float = 1.0) -> None:
    assert audio.rate == rate
    assert min_s < audio.duration_s < 10.0
    assert audio.rms > 0.02 and np.all(np.isfinite(audio.samples))


def test_piper_speaks_english_intelligibly(whisper):
    from voice_agent.speech.piper import PiperSpeaker

    # Piper samples noise on every call, so one short sentence is a noisy WER estimate:
    # use about 20 common words (0.15 then allows up to three misheard words).
    text = "Here is a happy song for piano and strings. I hope you like it, and tell me if you want more."
    audio = PiperSpeaker().speak(text, "en")
    _is_speech(audio, 22_050, min_s=3.0)
    assert _wer(whisper, audio, text, "en") <= 0.15


def test_kokoro_speaks_spanish_and_english(whisper):
    from voice_agent.speech.kokoro import KokoroSpeaker

    speaker = KokoroSpeaker()
    spanish = speaker.speak(SPANISH, "es")
    _is_speech(spanish, 24_000)
    assert _wer(whisper, spanish, SPANISH, "es") <= 0.3
    _is_speech(speaker.speak(ENGLISH, "en"), 24_000)


def test_espeak_speaks_both_languages():
    from voice_agent.speech.espeak import EspeakSpeaker

    speaker = EspeakSpeaker()
    _is_speech(speaker.speak(ENGLISH, "en"), 22_050)
    _is_speech(speaker.speak(SPANISH, "es"), 22_050)


def test_base_speaker_routes_english_to_piper_and_spanish_to_kokoro():
    base = make_base_speaker()
    chunks = list(base.stream("Hello there. " + ENGLISH, "en"))
    assert len(chunks) == 2 and base.last_backend.startswith("piper:")
    base.speak(SPANISH, "es")
    assert base.last_backend.startswith("kokoro-82m:")
    assert base.fallbacks == {}


def test_resemblyzer_separates_the_reference_speaker_from_other_voices(encoder, heldout):
    from voice_agent.speech.espeak import EspeakSpeaker
    from voice_agent.speech.similarity import cosine

    same = cosine(encoder.embed(read_audio(DEFAULT_SPEAKER_WAV)), heldout)
    other = encoder.similarity(EspeakSpeaker().speak(ENGLISH + " " + ENGLISH, "en"), heldout)
    assert same > 0.85 and other < 0.7


def test_cloned_voice_enrols_caches_and_beats_the_base_voice(tmp_path, monkeypatch, encoder,
                                                             heldout, whisper):
    from voice_agent.speech.piper import PiperSpeaker
    from voice_agent.core.models import cache_home
    from voice_agent.speech.cloning import TINY_BUDGET, ClonedSpeaker

    # A private profile cache, sharing the installed weights and voice styles.
    (tmp_path / "models").symlink_to(cache_home() / "models", target_is_directory=True)
    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path))
    text = "I kept the tempo slow and the melody simple. Tell me if you want it brighter."
    cloned = ClonedSpeaker(DEFAULT_SPEAKER_WAV, TINY_BUDGET, show_progress=False)
    cloned.load()
    assert cloned.cache_hit is False
    audio = cloned.speak(text, "en")
    _is_speech(audio, 24_000)
    again = ClonedSpeaker(DEFAULT_SPEAKER_WAV, TINY_BUDGET, show_progress=False)
    again.load()
    assert again.cache_hit is True
    assert np.array_equal(again.profile.style, cloned.profile.style)
    base = PiperSpeaker().speak(text, "en")
    assert encoder.similarity(audio, heldout) > encoder.similarity(base, heldout) + 0.05
    assert _wer(whisper, audio, text, "en") <= 0.15
