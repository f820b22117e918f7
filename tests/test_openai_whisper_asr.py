"""openai-whisper backend: the CTranslate2 -> openai-whisper conversion and real transcription.

The spoken request in tests/data was made with
``espeak-ng -v en-us -s 150 "play some relaxing jazz with piano"`` and resampled to 16 kHz.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from voice_agent.core.audio import read_audio
from voice_agent.asr.openai_whisper import OpenAIWhisperTranscriber, fit_prompt
from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError, NoSpeechError
from voice_agent.core.types import Audio

REQUEST_WAV = Path(__file__).parent / "data" / "request_en_relaxing_jazz_piano.wav"
BASE_DIMS = {"n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8,
             "n_audio_layer": 6, "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512,
             "n_text_head": 8, "n_text_layer": 6}
# OpenAI's own alignment heads for "base" (whisper/__init__.py _ALIGNMENT_HEADS, decoded).
BASE_ALIGNMENT_HEADS = [[3, 1], [4, 2], [4, 3], [4, 7], [5, 1], [5, 2], [5, 4], [5, 6]]


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "whisper", None)  # makes "import whisper" raise ImportError
    extra_hint = r"pip install 'voice-agent\[openai-whisper\]'"
    with pytest.raises(MissingDependencyError, match=extra_hint):
        OpenAIWhisperTranscriber().load()


def test_missing_checkpoint_is_named(tmp_path):
    pytest.importorskip("whisper")
    transcriber = OpenAIWhisperTranscriber(model_path=str(tmp_path / "absent.pt"))  # no I/O yet
    with pytest.raises(ModelNotFoundError, match="absent.pt"):
        transcriber.load()


def test_fit_prompt_drops_whole_trailing_terms():
    tokenizer = pytest.importorskip("whisper.tokenizer").get_tokenizer(True, num_languages=99)
    limit = len(tokenizer.encode(" jazz, piano"))
    assert fit_prompt("jazz, piano, rumba flamenca", tokenizer, limit) == "jazz, piano"
    assert fit_prompt("jazz, piano", tokenizer, 100) == "jazz, piano"


@pytest.fixture(scope="module")
def private_cache(tmp_path_factory):
    """A private VOICE_AGENT_HOME: the weights are joined and converted afresh, by this code."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VOICE_AGENT_HOME", str(tmp_path_factory.mktemp("home")))
        yield


@pytest.fixture(scope="module")
def transcriber(private_cache):
    pytest.importorskip("whisper")
    # Greedy decoding: beam search costs several times more CPU in openai-whisper and is
    # not what these tests are about.
    model = OpenAIWhisperTranscriber(beam_size=1)
    model.load()  # converts the packaged base weights into the (private) cache
    return model


@pytest.mark.real_model
def test_conversion_is_idempotent_and_has_whisper_layout(transcriber):
    import torch
    from whisper.model import ModelDimensions, Whisper

    from voice_agent.asr.ct2_convert import (
        default_checkpoint_path,
        ensure_openai_checkpoint,
    )

    path = default_checkpoint_path()
    written = path.stat().st_mtime_ns  # converted by the fixture's load()
    assert ensure_openai_checkpoint() == path and path.stat().st_mtime_ns == written
    checkpoint = torch.load(path, weights_only=True)
    assert checkpoint["dims"] == BASE_DIMS
    expected = Whisper(ModelDimensions(**checkpoint["dims"])).state_dict()
    shapes = {key: tuple(t.shape) for key, t in checkpoint["model_state_dict"].items()}
    assert shapes == {key: tuple(t.shape) for key, t in expected.items()}
    assert checkpoint["alignment_heads"] == BASE_ALIGNMENT_HEADS
    user_model = OpenAIWhisperTranscriber(model_path=str(path))  # any .pt works as model_path
    user_model.load()
    assert user_model.model_id == f"openai-whisper:{path}:fp32"
    heads = user_model._model.alignment_heads.to_dense().nonzero().tolist()
    assert heads == BASE_ALIGNMENT_HEADS


@pytest.mark.real_model
def test_converted_model_matches_ctranslate2_numerically(transcriber):
    ctranslate2 = pytest.importorskip("ctranslate2")
    import torch
    import whisper

    from voice_agent.core.models import WHISPER_BASE, ensure_model

    speech = whisper.pad_or_trim(read_audio(REQUEST_WAV, 16_000).samples)
    mel = whisper.log_mel_spectrogram(speech, 80)[None]
    reference = ctranslate2.models.Whisper(str(ensure_model(WHISPER_BASE)), device="cpu",
                                           compute_type="float32", intra_threads=2)
    features = ctranslate2.StorageView.from_array(mel.numpy())
    theirs = np.array(reference.encode(features, to_cpu=True))
    with torch.no_grad():
        ours = transcriber._model.encoder(mel).numpy()
    assert np.linalg.norm(ours - theirs) / np.linalg.norm(theirs) < 1e-4
    # The language probabilities run the decoder over the encoder output.
    their_probs = dict(reference.detect_language(features)[0])
    _, our_probs = transcriber._model.detect_language(mel[0])
    assert abs(our_probs["en"] - their_probs["<|en|>"]) < 1e-3


@pytest.mark.real_model
def test_greedy_transcript_equals_faster_whisper(transcriber):
    faster_whisper = pytest.importorskip("faster_whisper")
    from voice_agent.core.models import WHISPER_BASE, ensure_model

    speech = read_audio(REQUEST_WAV, 16_000).samples
    ours = transcriber._model.transcribe(speech, language="en", temperature=0.0, fp16=False,
                                         condition_on_previous_text=False, verbose=None)
    reference = faster_whisper.WhisperModel(str(ensure_model(WHISPER_BASE)), device="cpu",
                                            compute_type="float32", cpu_threads=2)
    segments, _ = reference.transcribe(speech, language="en", beam_size=1, temperature=0.0,
                                       condition_on_previous_text=False)
    assert ours["text"].strip() == " ".join(s.text.strip() for s in segments)
    assert "relaxing jazz with piano" in ours["text"].lower()


@pytest.mark.real_model
def test_transcribes_a_spoken_request(transcriber):
    audio = read_audio(REQUEST_WAV)
    transcript = transcriber.transcribe(audio)  # 22.05 kHz in: resampled inside
    assert "relaxing jazz with piano" in transcript.text.lower()
    assert transcript.language == "en" and transcript.language_probability > 0.8
    assert transcript.segments and transcript.segments[-1].end_s <= audio.duration_s + 0.05
    assert transcriber.model_id == "openai-whisper:whisper-base-openai:fp32"


@pytest.mark.real_model
def test_hotword_prompt_fits_whisper_limit(transcriber):
    from whisper.tokenizer import get_tokenizer

    tokenizer = get_tokenizer(True, num_languages=99)
    assert transcriber.prompt and transcriber.hotwords.startswith(transcriber.prompt)
    assert len(tokenizer.encode(" " + transcriber.prompt)) <= 223


@pytest.mark.real_model
def test_silence_raises_no_speech(transcriber):
    with pytest.raises(NoSpeechError):
        transcriber.transcribe(Audio(np.zeros(32_000, np.float32), 16_000))


def white_noise(seconds: float = 3.0, amplitude: float = 0.1) -> Audio:
    """Seeded white noise at 16 kHz."""
    samples = amplitude * np.random.default_rng(0).standard_normal(int(seconds * 16_000))
    return Audio(samples.astype(np.float32), 16_000)


@pytest.mark.real_model
def test_white_noise_raises_no_speech(transcriber):
    with pytest.raises(NoSpeechError, match="No speech detected"):
        transcriber.transcribe(white_noise())


@pytest.mark.real_model
def test_no_speech_gate_without_vad_passes_speech(transcriber):
    speech = read_audio(REQUEST_WAV, 16_000).samples
    transcriber._check_speech(transcriber._encode(speech))  # raises NoSpeechError if rejected


@pytest.mark.real_model
def test_white_noise_raises_no_speech_without_vad(transcriber, monkeypatch):
    monkeypatch.setattr(transcriber, "use_vad", False)  # as when faster-whisper is absent
    with pytest.raises(NoSpeechError, match="No speech detected"):
        transcriber.transcribe(white_noise())
