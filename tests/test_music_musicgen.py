"""The MusicGen backend, on tiny random-weight models built here (no download)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the musicgen extra is not installed")
transformers = pytest.importorskip("transformers", reason="the musicgen extra is not installed")

from voice_agent.music.musicgen import MusicgenRenderer, describe  # noqa: E402
from voice_agent.core.errors import BadPlanError, ModelNotFoundError  # noqa: E402
from voice_agent.music.protocol import MusicRenderer  # noqa: E402
from voice_agent.core.types import Audio, MusicPlan  # noqa: E402

RATE = 8000  # the tiny codec: 8 kHz audio, 16 samples per code frame -> 500 frames/s
PLAN = MusicPlan("salsa", 180, "C", "minor", ("piano", "trumpet"), "happy", duration_s=1.0, seed=3)


def tiny_configs():
    text = transformers.T5Config(vocab_size=64, d_model=16, d_kv=8, d_ff=32, num_layers=1,
                                 num_heads=2, decoder_start_token_id=0)
    codec = transformers.EncodecConfig(
        sampling_rate=RATE, hidden_size=8, num_filters=4, num_residual_layers=1,
        upsampling_ratios=[4, 4], codebook_size=32, codebook_dim=8, num_lstm_layers=1,
        target_bandwidths=[10.0])  # 10 kbps at 500 frames/s -> 2 codebooks
    decoder = dict(vocab_size=32, hidden_size=16, num_hidden_layers=1, ffn_dim=32,
                   num_attention_heads=2, num_codebooks=2, pad_token_id=32, bos_token_id=32,
                   max_position_embeddings=1024)
    return text, codec, decoder


def with_random_codebooks(model):
    """Encodec initialises its codebooks to zeros, which would decode every code to the
    same audio and hide a broken seed; real checkpoints have trained codebooks."""
    for layer in model.audio_encoder.quantizer.layers:
        layer.codebook.embed.normal_()
    return model


def save_tokenizer(folder):
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["<pad>", "</s>", "<unk>", "happy", "salsa", "with", "piano", "trumpet", "jazz"]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    ).save_pretrained(folder)


def save_tiny(folder, model_class, config):
    """A random-weight checkpoint folder: weights, config and tokenizer."""
    torch.manual_seed(0)
    with_random_codebooks(model_class(config)).save_pretrained(folder)
    save_tokenizer(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_musicgen(tmp_path_factory):
    text, codec, decoder = tiny_configs()
    config = transformers.MusicgenConfig(
        text_encoder=text, audio_encoder=codec,
        decoder=transformers.MusicgenDecoderConfig(**decoder))
    return save_tiny(tmp_path_factory.mktemp("tiny-musicgen"),
                     transformers.MusicgenForConditionalGeneration, config)


@pytest.fixture(scope="module")
def tiny_melody(tmp_path_factory):
    text, codec, decoder = tiny_configs()
    config = transformers.MusicgenMelodyConfig(
        text_encoder=text, audio_encoder=codec,
        # Large initial weights so the melody visibly changes the sampled codes.
        decoder=transformers.MusicgenMelodyDecoderConfig(**decoder, initializer_factor=1.0),
        num_chroma=12)
    folder = save_tiny(tmp_path_factory.mktemp("tiny-musicgen-melody"),
                       transformers.MusicgenMelodyForConditionalGeneration, config)
    # MusicgenMelodyFeatureExtractor itself needs torchaudio (no build for this torch);
    # a checkpoint's preprocessor_config.json is what the backend reads.
    (folder / "preprocessor_config.json").write_text(json.dumps(
        {"sampling_rate": RATE, "n_fft": 1024, "hop_length": 256, "chunk_length": 30}))
    return folder


@pytest.fixture(scope="module")
def renderer(tiny_musicgen):
    r = MusicgenRenderer(str(tiny_musicgen), top_k=20, num_threads=1)
    r.load()
    return r


def test_renders_the_planned_duration_at_the_codec_rate(renderer):
    clip = renderer.render(PLAN, "happy salsa with piano")
    assert isinstance(renderer, MusicRenderer)
    assert clip.audio.rate == RATE
    assert len(clip.audio.samples) == RATE
    assert np.all(np.isfinite(clip.audio.samples)) and clip.audio.peak <= 0.95
    assert clip.audio.rms > 0.0  # random weights make noise, but not silence
    assert clip.midi is None and clip.backend.startswith("musicgen:")


def test_duration_follows_the_plan(renderer):
    assert renderer.render(PLAN.replace(duration_s=1.5)).audio.duration_s == pytest.approx(1.5)


def test_same_seed_same_clip_other_seed_other_clip(renderer):
    first = renderer.render(PLAN).audio.samples
    again = renderer.render(PLAN).audio.samples
    other = renderer.render(PLAN.replace(seed=4)).audio.samples
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_sampling_settings_reach_generation(tiny_musicgen):
    greedy = MusicgenRenderer(str(tiny_musicgen), temperature=0.0, guidance_scale=1.0, num_threads=1)
    a = greedy.render(PLAN).audio.samples
    b = greedy.render(PLAN.replace(seed=99)).audio.samples
    assert np.array_equal(a, b)  # greedy decoding ignores the seed


def test_prompt_defaults_to_a_description_of_the_plan():
    assert describe(PLAN) == "happy salsa with piano, trumpet, C minor, 180 bpm"


def test_a_bad_plan_is_rejected_before_generation(renderer):
    with pytest.raises(BadPlanError):
        renderer.render(PLAN.replace(duration_s=-1))


def test_melody_weights_follow_a_melody(tiny_melody):
    renderer = MusicgenRenderer(str(tiny_melody), top_k=20, num_threads=1)
    t = np.arange(RATE) / RATE
    tune = Audio((0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), RATE)
    plain = renderer.render(PLAN)
    with_tune = renderer.render(PLAN, melody=tune)
    assert renderer.is_melody
    assert len(with_tune.audio.samples) == RATE
    assert not np.array_equal(plain.audio.samples, with_tune.audio.samples)


def test_without_transformers_the_message_names_the_extra(monkeypatch, tmp_path):
    from voice_agent.core.errors import MissingDependencyError

    monkeypatch.setitem(__import__("sys").modules, "transformers", None)
    with pytest.raises(MissingDependencyError, match=r"voice-agent\[musicgen\]"):
        MusicgenRenderer("facebook/musicgen-small").load()  # a model id: checked after import


def test_missing_weights_give_an_actionable_message(tmp_path):
    renderer = MusicgenRenderer(str(tmp_path / "nowhere"))
    with pytest.raises(ModelNotFoundError, match="--musicgen-model"):
        renderer.load()


# --- the layout of a user's download, made by scripts/make_random_checkpoints.py ----------

@pytest.fixture(scope="module")
def published_tiny(tmp_path_factory):
    from tests.checkpoints import make_checkpoint

    return make_checkpoint("musicgen-tiny", tmp_path_factory.mktemp("musicgen-tiny"))


def test_the_published_layout_loads_through_the_real_loader(published_tiny):
    names = {p.name for p in published_tiny.iterdir()}
    assert {"config.json", "generation_config.json", "model.safetensors",
            "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json"} <= names
    renderer = MusicgenRenderer(str(published_tiny), num_threads=1)
    clip = renderer.render(PLAN.replace(duration_s=2.0), "a calm piano piece")
    assert type(renderer._tokenizer).__name__ == "T5Tokenizer"
    assert clip.audio.rate == RATE and clip.audio.duration_s == pytest.approx(2.0)
    assert clip.audio.rms > 0


def copy_folder(source, target, skip=()):
    import shutil

    target.mkdir(exist_ok=True)
    for path in source.iterdir():
        if path.name not in skip:
            shutil.copy(path, target / path.name)
    return target


@pytest.mark.parametrize("missing, message", [
    ("config.json", "config.json is missing"),
    ("model.safetensors", r"no weights file \(model.safetensors or"),
    ("tokenizer.json", r"no tokenizer file \(tokenizer.json or spiece.model\)"),
])
def test_an_incomplete_folder_names_what_is_missing(published_tiny, tmp_path, missing, message):
    folder = copy_folder(published_tiny, tmp_path / "incomplete", skip=(missing,))
    with pytest.raises(ModelNotFoundError, match=message) as caught:
        MusicgenRenderer(str(folder)).load()
    assert "\n" not in str(caught.value)


def test_another_architecture_is_named(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model": "xtts", "model_args": {}}))
    with pytest.raises(ModelNotFoundError, match="describes a 'xtts' model, not MusicGen"):
        MusicgenRenderer(str(tmp_path)).load()


def test_a_config_that_disagrees_with_the_weights_is_named(published_tiny, tmp_path):
    folder = copy_folder(published_tiny, tmp_path / "mismatch")
    config = json.loads((folder / "config.json").read_text())
    config["decoder"]["num_hidden_layers"] = 24
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelNotFoundError,
                       match="model.safetensors has 1 decoder layers of width 16, "
                             "config.json says 24 of width 16"):
        MusicgenRenderer(str(folder)).load()
