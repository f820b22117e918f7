"""Enrolment validation: every bad speaker recording gets a clear SpeakerClipError."""

from __future__ import annotations

import numpy as np
import pytest

from voice_agent.core.audio import read_audio, write_wav
from voice_agent.core.errors import SpeakerClipError
from voice_agent.core.types import Audio
from voice_agent.speech import DEFAULT_SPEAKER_WAV
from voice_agent.speech.enrol import load_enrolment_clip, speech_seconds


@pytest.fixture(scope="module")
def speech() -> Audio:
    """13 s of real human speech at 16 kHz (the bundled LibriVox enrolment clip)."""
    return read_audio(DEFAULT_SPEAKER_WAV)


def _wav(tmp_path, name: str, samples: np.ndarray, rate: int) -> str:
    return str(write_wav(tmp_path / name, Audio(samples.astype(np.float32), rate)))


def _refused(path: str) -> str:
    with pytest.raises(SpeakerClipError) as caught:
        load_enrolment_clip(path, 24_000)
    message = str(caught.value)
    assert path in message and "Record" in message  # says which file, and what to do
    return message


def test_good_clip_is_mono_at_model_rate_normalised_and_hashed(speech):
    clip = load_enrolment_clip(DEFAULT_SPEAKER_WAV, 24_000)
    assert clip.audio.rate == 24_000
    assert abs(clip.duration_s - 13.15) < 0.05
    assert abs(clip.audio.peak - 0.9) < 1e-3
    assert len(clip.sha256) == 64 and clip.warnings == ()
    assert 6.0 < clip.speech_s < 13.2


def test_two_second_clip_is_refused(tmp_path, speech):
    path = _wav(tmp_path, "short.wav", speech.samples[: 2 * speech.rate], speech.rate)
    assert "2.0 s long" in _refused(path)


def test_five_second_clip_is_accepted_with_a_warning(tmp_path, speech):
    path = _wav(tmp_path, "five.wav", speech.samples[: 5 * speech.rate], speech.rate)
    clip = load_enrolment_clip(path, 24_000)
    assert any("10–15 s" in w for w in clip.warnings)


def test_silent_clip_is_refused(tmp_path):
    assert "silent" in _refused(_wav(tmp_path, "silent.wav", np.zeros(12 * 16_000), 16_000))


def test_steady_noise_without_speech_is_refused(tmp_path):
    noise = np.random.default_rng(0).normal(0, 0.1, 12 * 16_000)
    assert "of speech" in _refused(_wav(tmp_path, "noise.wav", noise, 16_000))


def test_clipped_clip_is_refused(tmp_path, speech):
    clipped = np.clip(speech.samples * 20.0, -1.0, 1.0)
    assert "clipped" in _refused(_wav(tmp_path, "clipped.wav", clipped, speech.rate))


def test_very_low_level_clip_is_refused(tmp_path, speech):
    quiet = speech.samples / speech.peak * 0.01
    assert "too quiet" in _refused(_wav(tmp_path, "quiet.wav", quiet, speech.rate))


def test_low_but_usable_level_is_normalised_with_a_warning(tmp_path, speech):
    low = speech.samples / speech.peak * 0.05
    clip = load_enrolment_clip(_wav(tmp_path, "low.wav", low, speech.rate), 16_000)
    assert abs(clip.audio.peak - 0.9) < 1e-3
    assert any("level is low" in w for w in clip.warnings)


def test_telephone_rate_is_refused(tmp_path, speech):
    from voice_agent.core.audio import resample

    narrow = resample(speech, 8_000)
    assert "8000 Hz" in _refused(_wav(tmp_path, "phone.wav", narrow.samples, 8_000))


def test_corrupt_file_is_refused(tmp_path):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage that is not a wave header")
    assert "cannot be read as audio" in _refused(str(path))


def test_wrong_format_is_refused(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are my notes, not a recording\n" * 20)
    assert "cannot be read as audio" in _refused(str(path))


def test_missing_and_empty_files_are_refused(tmp_path):
    assert "does not exist" in _refused(str(tmp_path / "nope.wav"))
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert "empty file" in _refused(str(empty))


def test_stereo_input_is_mixed_to_mono(tmp_path, speech):
    import soundfile as sf

    stereo = np.stack([speech.samples, speech.samples * 0.5], axis=1)
    path = tmp_path / "stereo.wav"
    sf.write(path, stereo, speech.rate, subtype="PCM_16")
    clip = load_enrolment_clip(path, 16_000)
    assert clip.audio.samples.ndim == 1


def test_speech_seconds_counts_only_active_frames(speech):
    gap = np.zeros(5 * speech.rate, np.float32)
    padded = Audio(np.concatenate([gap, speech.samples, gap]), speech.rate)
    assert abs(speech_seconds(padded) - speech_seconds(speech)) < 0.5


def test_a_long_clip_keeps_its_best_30_seconds_and_says_so(tmp_path, speech):
    """25 s of silence, then the 13 s of speech, then 5 s of silence: the speech is kept."""
    rate = speech.rate
    quiet = np.random.default_rng(1).normal(0, 1e-4, 25 * rate)
    samples = np.concatenate([quiet, speech.samples, quiet[: 5 * rate]])
    clip = load_enrolment_clip(_wav(tmp_path, "long.wav", samples, rate), 24_000)
    assert any("only the best 30 s" in w for w in clip.warnings)
    assert clip.audio.duration_s == pytest.approx(30.0, abs=0.05)
    assert speech_seconds(clip.audio) >= speech_seconds(speech) - 0.5  # no speech was cut
