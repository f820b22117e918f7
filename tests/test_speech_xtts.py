"""XTTS v2 backend: clear messages when weights or the package are missing or wrong, and a
real run of coqui-tts's code on a tiny random-weight checkpoint in the coqui/XTTS-v2 layout
(built here by scripts/make_random_checkpoints.py; the real weights cannot be had offline).

coqui-tts is installed by scripts/setup.sh; these tests do not skip without it.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from tests.checkpoints import make_checkpoint
from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError
from voice_agent.speech import DEFAULT_SPEAKER_WAV, make_cloned_speaker
from voice_agent.speech.xtts import XTTS_RATE, check_checkpoint


def fake_folder(folder, config=None):
    """A folder with the three files, valid enough for the cheap checks."""
    config = {"model": "xtts", "model_args": {}} if config is None else config
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "vocab.json").write_text(json.dumps({"model": {"type": "BPE"}}))
    (folder / "model.pth").write_bytes(b"")
    return folder


def test_no_checkpoint_folder_says_how_to_get_one():
    speaker = make_cloned_speaker(DEFAULT_SPEAKER_WAV, backend="xtts", xtts_dir=None)
    with pytest.raises(ModelNotFoundError, match="--xtts-dir") as caught:
        speaker.load()
    assert "kokoro-clone" in str(caught.value)


def test_incomplete_checkpoint_folder_names_the_missing_files(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    speaker = make_cloned_speaker(DEFAULT_SPEAKER_WAV, backend="xtts", xtts_dir=tmp_path)
    with pytest.raises(ModelNotFoundError, match="lacks model.pth, vocab.json"):
        speaker.load()


def test_a_musicgen_folder_is_named_as_another_model(tmp_path):
    fake_folder(tmp_path, {"model_type": "musicgen", "decoder": {}})
    with pytest.raises(ModelNotFoundError, match="describes a 'musicgen' model, not XTTS"):
        check_checkpoint(tmp_path)


def test_broken_config_is_named(tmp_path):
    fake_folder(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelNotFoundError, match="config.json is not valid JSON"):
        check_checkpoint(tmp_path)


def test_missing_package_names_the_extra(tmp_path, monkeypatch):
    fake_folder(tmp_path)
    monkeypatch.setitem(sys.modules, "TTS", None)  # import TTS now raises ImportError
    speaker = make_cloned_speaker(DEFAULT_SPEAKER_WAV, backend="xtts", xtts_dir=tmp_path)
    with pytest.raises(MissingDependencyError, match=r"voice-agent\[xtts\]"):
        speaker.load()


# --- coqui-tts's real code on a tiny random checkpoint --------------------------------------

@pytest.fixture(scope="module")
def tiny_xtts(tmp_path_factory):
    return make_checkpoint("xtts-tiny", tmp_path_factory.mktemp("xtts-tiny"))


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def speaker(tiny_xtts, home):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VOICE_AGENT_HOME", str(home))
        voice = make_cloned_speaker(DEFAULT_SPEAKER_WAV, backend="xtts", xtts_dir=tiny_xtts,
                                    xtts_max_sentence_s=1.0)
        voice.stream_chunk_size = 8
        voice.load()
    return voice


@pytest.mark.slow
def test_the_published_layout_loads_and_caches_the_speaker_latents(speaker, tiny_xtts, home):
    assert speaker.model_id == f"xtts-v2:{tiny_xtts.name}"
    assert speaker.latents_cached is False
    cached = list((home / "speakers").glob("*-xtts/*.pt"))
    assert len(cached) == 1
    with pytest.MonkeyPatch.context() as patch:  # a second process: latents from the cache
        patch.setenv("VOICE_AGENT_HOME", str(home))
        again = make_cloned_speaker(DEFAULT_SPEAKER_WAV, backend="xtts", xtts_dir=tiny_xtts)
        again.load()
    assert again.latents_cached is True
    assert np.allclose(again._latents[0].numpy(), speaker._latents[0].numpy())


@pytest.mark.slow
@pytest.mark.parametrize("text, language", [("Here is your song.", "en"),
                                            ("Aquí tienes tu canción.", "es")])
def test_each_sentence_streams_in_chunks_bounded_by_length(speaker, text, language):
    bound = speaker.max_audio_tokens(text)
    assert bound == 22  # 1 s cap at 22050/1024 tokens per second
    chunks = list(speaker.stream_sentence(text, language))
    assert len(chunks) >= 2  # 22 tokens in chunks of 8: streamed, not made whole
    samples = np.concatenate([c.samples for c in chunks])
    assert all(c.rate == XTTS_RATE for c in chunks)
    assert np.all(np.isfinite(samples)) and np.abs(samples).max() > 0
    seconds_per_token = 1024 / 22050
    assert len(samples) / XTTS_RATE <= bound * seconds_per_token + 0.05


@pytest.mark.slow
def test_speak_joins_sentences_in_the_cloned_voice(speaker):
    audio = speaker.speak("Sure! Here is a calm piano piece.", "en")
    assert audio.rate == XTTS_RATE and audio.duration_s > 0.5 and audio.rms > 0


@pytest.mark.slow
def test_a_config_that_disagrees_with_the_weights_is_named(tiny_xtts, tmp_path):
    for name in ("model.pth", "vocab.json"):
        (tmp_path / name).symlink_to(tiny_xtts / name)
    config = json.loads((tiny_xtts / "config.json").read_text())
    config["model_args"]["gpt_layers"] = 30
    (tmp_path / "config.json").write_text(json.dumps(config))
    speaker = make_cloned_speaker(DEFAULT_SPEAKER_WAV, backend="xtts", xtts_dir=tmp_path)
    with pytest.raises(ModelNotFoundError, match="model.pth has 1 GPT layers of width 64"):
        speaker.load()
