"""Config loading/overrides and the weights registry (join, checksum, missing package)."""

from __future__ import annotations

import hashlib
import sys

import pytest

from voice_agent.core.config import AgentConfig, load_config, override
from voice_agent.core.errors import ConfigError, ModelNotFoundError
from voice_agent.core.models import (ModelFile, ModelSpec, PartRef, ensure_model, model_dir,
                                verify_model)


def test_defaults_and_toml_file(tmp_path):
    assert AgentConfig().asr.languages == ("en", "es")
    path = tmp_path / "agent.toml"
    path.write_text('history_turns = 2\n[asr]\nlanguages = ["es"]\n[llm]\nthreads = 1\n')
    config = load_config(path)
    assert config.asr.languages == ("es",) and config.llm.threads == 1
    assert config.history_turns == 2 and config.music.backend == "composer"


@pytest.mark.parametrize("text,match", [
    ("[asr]\nbackend_name = 'x'\n", "backend_name"),
    ("[gpu]\nx = 1\n", "gpu"),
    ("[asr\n", "not valid TOML"),
])
def test_bad_config_files_are_named(tmp_path, text, match):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_config(path)


def test_missing_config_file():
    with pytest.raises(ConfigError, match="not found"):
        load_config("/no/such/file.toml")


def test_override_applies_flags_and_ignores_none():
    config = override(AgentConfig(), llm__backend="rules", asr__model_path=None)
    assert config.llm.backend == "rules" and config.asr.model_path is None
    with pytest.raises(ConfigError, match="asr.nope"):
        override(AgentConfig(), asr__nope=1)


@pytest.fixture
def weights_package(tmp_path, monkeypatch):
    """An installed-looking package holding a model split in two parts."""
    pkg = tmp_path / "site" / "fake_weights_pkg"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "a.part").write_bytes(b"hello ")
    (pkg / "data" / "b.part").write_bytes(b"world")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield pkg
    sys.modules.pop("fake_weights_pkg", None)


def _spec(sha: str) -> ModelSpec:
    parts = (PartRef("fake_weights_pkg", "data/a.part"), PartRef("fake_weights_pkg", "data/b.part"))
    return ModelSpec("fake", "asr", "fake model", "MIT", "test", "asr", ("fake",),
                     (ModelFile("model.bin", parts, sha),))


def test_parts_are_joined_once_and_verified(isolated_cache, weights_package):
    spec = _spec(hashlib.sha256(b"hello world").hexdigest())
    folder = ensure_model(spec)
    assert (folder / "model.bin").read_bytes() == b"hello world"
    assert folder == model_dir(spec) and str(isolated_cache) in str(folder)
    stamp = (folder / "model.bin").stat().st_mtime_ns
    ensure_model(spec)
    assert (folder / "model.bin").stat().st_mtime_ns == stamp
    assert verify_model(spec) == {"model.bin": "ok (sha256 verified)"}


def test_checksum_mismatch_is_refused(isolated_cache, weights_package):
    spec = _spec("0" * 64)
    with pytest.raises(ModelNotFoundError, match="Checksum mismatch"):
        ensure_model(spec)
    assert not (model_dir(spec) / "model.bin").exists()


def test_tampered_joined_file_fails_verification(isolated_cache, weights_package):
    spec = _spec(hashlib.sha256(b"hello world").hexdigest())
    (ensure_model(spec) / "model.bin").write_bytes(b"hello WORLD")
    assert verify_model(spec)["model.bin"] == "sha256 mismatch"


def test_missing_weights_package_names_the_fix(isolated_cache):
    spec = ModelSpec("gone", "llm", "x", "MIT", "x", "llm", ("x",),
                     (ModelFile("m", (PartRef("no_such_weights_pkg", "data/x"),)),))
    with pytest.raises(ModelNotFoundError, match="not installed.*setup.sh"):
        ensure_model(spec)
