"""LoRA training of MusicGen's decoder (voice-agent train-lora) and --lora in the backend,
on the tiny random-weight checkpoint of scripts/make_random_checkpoints.py."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import soundfile as sf

torch = pytest.importorskip("torch", reason="the musicgen extra is not installed")
transformers = pytest.importorskip("transformers", reason="the musicgen extra is not installed")
peft = pytest.importorskip("peft", reason="the workshop extra is not installed")

from voice_agent import cli  # noqa: E402
from voice_agent.core.config import AgentConfig, MusicConfig  # noqa: E402
from voice_agent.core.errors import ConfigError, ModelNotFoundError  # noqa: E402
from voice_agent.core.types import MusicPlan  # noqa: E402
from voice_agent.music import select  # noqa: E402
from voice_agent.music.musicgen import MusicgenRenderer, check_adapter  # noqa: E402
from voice_agent.workshop.lora import (TARGET_MODULES, LoraSettings, delayed_labels,  # noqa: E402
                                       split, train_lora)
from voice_agent.workshop.lora_data import CodesCache, read_dataset  # noqa: E402
from voice_agent.workshop.lora_plot import write_loss_curve  # noqa: E402

RATE = 8000  # the tiny codec's rate (500 code frames a second)
PLAN = MusicPlan("ambient", 90, "A", "minor", ("piano",), "calm", duration_s=0.3, seed=5)
#: Enough steps for the tiny random model to learn the tones' codes: 10 clips, batch 2,
#: 6 epochs; a learning rate a real run would not use, so that 30 steps show the trend.
FAST = LoraSettings(rank=8, alpha=16, dropout=0.0, lr=3e-3, epochs=6, batch_size=2,
                    max_seconds=0.4, validation_fraction=0.2, seed=1)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from tests.checkpoints import make_checkpoint

    return make_checkpoint("musicgen-tiny", tmp_path_factory.mktemp("musicgen-tiny"))


def write_dataset(folder, count=12, extra_rows=()):
    """Decaying sine tones (one pitch each) and their captions, plus ``extra_rows``."""
    (folder / "clips").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(count):
        pitch = 220.0 * 2 ** (i / 12)
        t = np.arange(int(RATE * 0.5)) / RATE
        wave = (0.4 * np.sin(2 * np.pi * pitch * t) * np.exp(-3 * t)).astype(np.float32)
        sf.write(folder / "clips" / f"tone{i}.wav", wave, RATE)
        rows.append({"audio": f"clips/tone{i}.wav", "caption": f"a soft sine tone at "
                     f"{pitch:.0f} hz, fading", "features": {"duration_s": 0.5}})
    lines = [json.dumps(r) for r in [*rows, *extra_rows]]
    path = folder / "captions.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


BAD_ROWS = ({"audio": "clips/broken.wav", "error": "Audio file is empty (0 bytes)"},
            {"audio": "clips/nowhere.wav", "caption": "a file that is not there"},
            {"caption": "no audio at all"})


@pytest.fixture(scope="module")
def trained(tiny, tmp_path_factory):
    """One run through the CLI: 6 epochs, a codes cache, the skipped rows reported."""
    folder = tmp_path_factory.mktemp("lora-run")
    data = write_dataset(folder, extra_rows=BAD_ROWS)
    with data.open("a") as handle:
        handle.write("{not json\n")
    out = folder / "adapter"
    argv = ["train-lora", "--data", str(data), "--base", str(tiny), "--out", str(out),
            "--rank", "8", "--alpha", "16", "--dropout", "0", "--lr", "3e-3", "--epochs", "6",
            "--batch-size", "2", "--max-seconds", "0.4", "--seed", "1",
            "--cache-dir", str(folder / "codes")]
    return folder, out, argv


@pytest.mark.slow
def test_training_lowers_the_validation_loss_and_writes_a_peft_adapter(trained, tiny, capsys):
    folder, out, argv = trained
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    record = json.loads((out / "training.json").read_text())
    validation, train = record["validation_loss"], record["train_loss"]
    assert len(validation) == len(train) == len(record["seconds_per_epoch"]) == 6
    # learning, not noise: each loss well below the first and below the untrained model's
    assert validation[-1] < validation[0] - 0.05, validation
    assert validation[-1] < record["initial_validation_loss"]
    assert train[-1] < train[0]
    assert record["settings"]["rank"] == 8 and record["random_weights"] is True
    assert record["clips"] == {"train": 10, "validation": 2, "encoded": 12, "from_cache": 0}
    assert (out / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # every bad row skipped, counted and reported, and the batch went on
    reasons = {row["line"]: row["reason"] for row in record["skipped"]}
    assert reasons[13].startswith("error: Audio file is empty")
    assert reasons[14] == "audio file not found"
    assert reasons[15] == "no audio path" and reasons[16].startswith("not JSON")
    assert "10 clips trained on, 2 held out, 4 skipped" in printed
    assert "skipped line 13 (clips/broken.wav): error: Audio file is empty" in printed
    # a standard PEFT adapter: PeftModel loads it on the base, the weights are trained
    base = transformers.MusicgenForConditionalGeneration.from_pretrained(tiny)
    model = peft.PeftModel.from_pretrained(base, str(out))
    lora_b = [p for n, p in model.named_parameters() if "lora_B" in n]
    assert len(lora_b) == 8 and all(float(p.abs().sum()) > 0 for p in lora_b)
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["target_modules"] == TARGET_MODULES


@pytest.mark.slow
def test_a_resumed_run_continues_from_its_checkpoint_and_matches(tiny, tmp_path):
    data = write_dataset(tmp_path)
    cache = tmp_path / "codes"
    settings = FAST.__class__(**{**FAST.__dict__, "epochs": 4})
    whole = train_lora(data, tiny, tmp_path / "whole", settings, cache_dir=cache)
    assert whole.encoded == 12 and whole.cached == 0
    halves = tmp_path / "halves"
    first = train_lora(data, tiny, halves, settings.__class__(**{**settings.__dict__,
                                                                 "epochs": 2}), cache_dir=cache)
    assert first.encoded == 0 and first.cached == 12  # the codes came from the cache
    state = json.loads((halves / "checkpoint" / "state.json").read_text())
    assert state["epoch"] == 2
    assert {p.name for p in (halves / "checkpoint").iterdir()} >= {
        "adapter_model.safetensors", "optimizer.pt", "rng.pt", "state.json"}
    resumed = train_lora(data, tiny, halves, settings, resume=True, cache_dir=cache)
    assert resumed.resumed_from == 2 and [e.epoch for e in resumed.epochs] == [1, 2, 3, 4]
    for mine, theirs in zip(resumed.epochs, whole.epochs):
        assert mine.train_loss == pytest.approx(theirs.train_loss, abs=1e-5)
        assert mine.validation_loss == pytest.approx(theirs.validation_loss, abs=1e-5)
    record = json.loads((halves / "training.json").read_text())
    assert record["resumed_from_epoch"] == 2 and len(record["validation_loss"]) == 4
    with pytest.raises(ConfigError, match="lr differ"):
        train_lora(data, tiny, halves, settings.__class__(**{**settings.__dict__, "epochs": 6,
                                                             "lr": 1e-3}),
                   resume=True, cache_dir=cache)


def test_an_existing_run_or_a_missing_one_is_named_before_any_load(tiny, tmp_path):
    data = write_dataset(tmp_path, count=2)
    (tmp_path / "run" / "checkpoint").mkdir(parents=True)
    (tmp_path / "run" / "checkpoint" / "state.json").write_text("{}")
    with pytest.raises(ConfigError, match="already holds a training run: pass --resume"):
        train_lora(data, tiny, tmp_path / "run", FAST)
    with pytest.raises(ConfigError, match="Nothing to resume"):
        train_lora(data, tiny, tmp_path / "empty", FAST, resume=True)
    with pytest.raises(ConfigError, match="decoder takes at most 1024"):
        train_lora(data, tiny, tmp_path / "long", FAST.__class__(max_seconds=5.0))
    with pytest.raises(ConfigError, match="Training data not found"):
        train_lora(tmp_path / "none.jsonl", tiny, tmp_path / "x", FAST)
    melody = tmp_path / "melody"
    melody.mkdir()
    for path in tiny.iterdir():
        (melody / path.name).write_bytes(path.read_bytes())
    config = json.loads((melody / "config.json").read_text())
    (melody / "config.json").write_text(json.dumps({**config, "model_type": "musicgen_melody"}))
    with pytest.raises(ConfigError, match="melody weights; train-lora trains the text-only"):
        train_lora(data, melody, tmp_path / "m", FAST)


def test_too_few_usable_rows_is_one_line(tiny, tmp_path):
    data = write_dataset(tmp_path, count=1, extra_rows=BAD_ROWS[:1])
    with pytest.raises(ConfigError, match="1 usable row.*1 skipped.*at least 2"):
        train_lora(data, tiny, tmp_path / "out", FAST)


def test_rows_are_read_relative_to_the_file_and_bad_ones_skipped(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join([
        json.dumps({"audio": "a.wav", "caption": " calm piano "}),
        json.dumps({"audio": str(tmp_path / "abs.wav"), "caption": "x", "features": {}}),
        json.dumps({"audio": "b.wav", "caption": "x", "error": "cannot decode"}),
        json.dumps({"audio": "c.wav", "caption": ""}),
        "", "[1, 2]"]))
    dataset = read_dataset(path)
    assert [(r.audio, r.caption, r.line) for r in dataset.rows] == [
        (tmp_path / "a.wav", "calm piano", 1), (tmp_path / "abs.wav", "x", 2)]
    assert [(s.line, s.reason) for s in dataset.skipped] == [
        (3, "error: cannot decode"), (4, "no caption"), (6, "not a JSON object")]


def test_labels_follow_musicgen_delay_pattern():
    codes = [np.array([[1, 2, 3], [4, 5, 6]]), np.array([[7], [8]])]
    labels = delayed_labels(codes, pad=9)
    assert labels.shape == (2, 4, 2)  # steps = longest + codebooks - 1
    assert labels[0, :, 0].tolist() == [1, 2, 3, 9]  # codebook 0: no delay
    assert labels[0, :, 1].tolist() == [9, 4, 5, 6]  # codebook 1: one step later
    assert labels[1, :, 0].tolist() == [7, 9, 9, 9] and labels[1, :, 1].tolist() == [9, 8, 9, 9]


def test_the_split_is_seeded_and_holds_out_at_least_one():
    items = list(range(10))
    train, held = split(items, 0.2, seed=3)
    assert sorted(train + held) == items and len(held) == 2
    assert split(items, 0.2, seed=3) == (train, held)
    assert split(items, 0.2, seed=4) != (train, held)
    assert len(split([1, 2], 0.01, 0)[1]) == 1 and len(split([1, 2], 0.9, 0)[0]) == 1


def test_the_codes_cache_keys_on_content_codec_and_length(tmp_path):
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"some bytes")
    calls = []

    def encode(path):
        calls.append(path)
        return np.ones((2, 3))

    cache = CodesCache(tmp_path / "c", "codec-a", 1.0)
    assert cache.codes(audio, encode).shape == (2, 3)
    assert cache.codes(audio, encode).dtype == np.int16 and len(calls) == 1
    assert (cache.encoded, cache.cached) == (1, 1)
    CodesCache(tmp_path / "c", "codec-b", 1.0).codes(audio, encode)
    CodesCache(tmp_path / "c", "codec-a", 2.0).codes(audio, encode)
    audio.write_bytes(b"other bytes")
    cache.codes(audio, encode)
    assert len(calls) == 4


def test_the_curve_is_drawn_without_matplotlib(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    path = write_loss_curve(tmp_path / "c.png", [3.4, 3.3, 3.1], [3.45, 3.35, 3.2])
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) > 200


# --- the adapter in the MusicGen backend -------------------------------------------


def make_adapter(base, out, trained_weights: bool):
    """A LoRA on the decoder: zero B (PEFT's initialisation) or random B (non-zero)."""
    model = transformers.MusicgenForConditionalGeneration.from_pretrained(base)
    config = peft.LoraConfig(r=4, lora_alpha=8, target_modules=TARGET_MODULES,
                             init_lora_weights=not trained_weights)
    torch.manual_seed(0)
    peft.get_peft_model(model, config).save_pretrained(out)
    return out


def render(base, lora=None):
    renderer = MusicgenRenderer(str(base), num_threads=1, lora=str(lora) if lora else None)
    return renderer, renderer.render(PLAN, "a calm piano piece").audio.samples


def test_an_adapter_changes_what_the_backend_generates(tiny, tmp_path):
    _, plain = render(tiny)
    renderer, adapted = render(tiny, make_adapter(tiny, tmp_path / "random", True))
    assert renderer.model_id == "musicgen:" + tiny.name + "+lora:random"
    assert not np.allclose(plain, adapted)
    _, zero = render(tiny, make_adapter(tiny, tmp_path / "zero", False))
    np.testing.assert_array_equal(plain, zero)  # B = 0: the adapter adds nothing


def test_lora_reaches_the_backend_from_the_flag_and_the_config(tmp_path):
    args = cli.build_parser().parse_args(["run", "--text", "hi", "--music-backend", "musicgen",
                                          "--musicgen-model", "m", "--lora", "ad"])
    config = cli.config_from_args(args)
    assert config.music.lora == "ad"
    assert select(config.music).lora == "ad"
    for command in ("web", "serve"):
        assert cli.build_parser().parse_args([command, "--lora", "ad"]).lora == "ad"
    toml = tmp_path / "c.toml"
    toml.write_text('[music]\nbackend = "musicgen"\nmodel_path = "m"\nlora = "ad"\n')
    assert cli.config_from_args(cli.build_parser().parse_args(
        ["run", "--text", "x", "--config", str(toml)])).music.lora == "ad"
    with pytest.raises(ConfigError, match="is for MusicGen: give its base with --musicgen-model"):
        select(MusicConfig(backend="composer", lora="ad"))
    assert AgentConfig().music.lora is None


def fake_adapter(folder, width, layers=1, made_for="MusicgenForConditionalGeneration"):
    from safetensors.numpy import save_file

    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({
        "peft_type": "LORA", "auto_mapping": {"base_model_class": made_for}}))
    tensors = {}
    for layer in range(layers):
        name = f"base_model.model.decoder.model.decoder.layers.{layer}.self_attn.q_proj"
        tensors[f"{name}.lora_A.weight"] = np.zeros((4, width), np.float32)
        tensors[f"{name}.lora_B.weight"] = np.zeros((width, 4), np.float32)
    save_file(tensors, str(folder / "adapter_model.safetensors"))
    return folder


@pytest.mark.parametrize("width, layers, made_for, message", [
    (1024, 1, "MusicgenForConditionalGeneration",
     "trained on a decoder 1024 wide with at least 1 layers; this model's decoder is 16 "
     "wide with 1 layers"),
    (16, 3, "MusicgenForConditionalGeneration", "at least 3 layers"),
    (16, 1, "LlamaForCausalLM", "made for LlamaForCausalLM, not MusicGen"),
])
def test_a_mismatched_adapter_is_one_line_before_the_model_loads(tiny, tmp_path, monkeypatch,
                                                                 width, layers, made_for,
                                                                 message):
    adapter = fake_adapter(tmp_path / "other", width, layers, made_for)
    loads = []
    monkeypatch.setattr(transformers.MusicgenForConditionalGeneration, "from_pretrained",
                        classmethod(lambda cls, *a, **k: loads.append(a)))
    started = time.perf_counter()
    with pytest.raises(ModelNotFoundError, match=message) as caught:
        MusicgenRenderer(str(tiny), lora=str(adapter)).load()
    assert "\n" not in str(caught.value) and "voice-agent train-lora" in str(caught.value)
    assert loads == [] and time.perf_counter() - started < 5


def test_an_incomplete_adapter_folder_is_named(tiny, tmp_path):
    (tmp_path / "ad").mkdir()
    with pytest.raises(ModelNotFoundError, match="adapter_config.json is missing"):
        check_adapter(tmp_path / "ad", tiny)


def test_run_refuses_an_adapter_for_another_base_before_loading_anything(tiny, tmp_path,
                                                                         capsys, caplog):
    adapter = fake_adapter(tmp_path / "wide", 1024)
    code = cli.main(["run", "--text", "a calm piano piece", "--music-backend", "musicgen",
                     "--musicgen-model", str(tiny), "--lora", str(adapter), "--no-speech",
                     "--no-library", "--out", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert code == 2 and "trained on a decoder 1024 wide" in error
    assert len(error.strip().splitlines()) == 1
    assert "loading models" not in caplog.text and not (tmp_path / "out").exists()
