"""The music-engine chooser: the engines are derived from what is configured (the composer
always, MusicGen when weights are given), the service holds both, loads the second only
when first asked for it, and renders with the one named; a bad name lists the choices."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("transformers", reason="the musicgen extra is not installed")

from voice_agent import music  # noqa: E402
from voice_agent.core.config import MusicConfig, load_config, override  # noqa: E402
from voice_agent.music.composer import ComposerRenderer  # noqa: E402
from voice_agent.music.musicgen import MusicgenRenderer  # noqa: E402
from voice_agent.service import ComposeOptions, build_service  # noqa: E402
from voice_agent.service.errors import ServiceError, UnknownEngineError  # noqa: E402
from tests.checkpoints import make_checkpoint  # noqa: E402


@pytest.fixture(scope="module")
def tiny_musicgen(tmp_path_factory):
    return make_checkpoint("musicgen-tiny", tmp_path_factory.mktemp("ck") / "musicgen-tiny")


@pytest.fixture
def service(tmp_path, tiny_musicgen):
    config = override(load_config(None), llm__backend="rules", music__model_path=str(tiny_musicgen),
                      library__enabled=False, speech__enabled=False)
    return build_service(config, tmp_path)


def test_engines_are_derived_from_what_is_configured():
    assert music.engines(MusicConfig()) == ("composer",)
    assert music.engines(MusicConfig(model_path="/m")) == ("composer", "musicgen")
    assert music.engines(MusicConfig(backend="musicgen", model_path="/m")) == ("musicgen",
                                                                               "composer")
    assert music.engines(MusicConfig(backend="none", model_path="/m")) == ()


def test_the_service_holds_both_and_loads_the_second_on_first_use(service):
    pipeline = service.pipeline
    assert pipeline.music_engines() == ("composer", "musicgen")
    assert service.models()["music_engines"] == ["composer", "musicgen"]
    assert isinstance(pipeline.renderer, ComposerRenderer)
    musicgen = pipeline.renderer_for("musicgen")
    assert isinstance(musicgen, MusicgenRenderer) and musicgen._model is None
    options = ComposeOptions(duration_s=1.0, seed=5)

    by_musicgen = service.compose("a calm piano piece", options, engine="musicgen")
    assert musicgen._model is not None  # loaded now, on first use
    assert by_musicgen.clip.backend.startswith("musicgen:") and by_musicgen.engine == "musicgen"
    assert by_musicgen.clip.audio.rate == 8000 and by_musicgen.record()["engine"] == "musicgen"

    by_composer = service.compose("a calm piano piece", options, engine="composer")
    assert by_composer.clip.backend.startswith("composer") and by_composer.engine == "composer"
    default = service.compose("a calm piano piece", options)
    assert default.engine == "composer" and default.clip.backend.startswith("composer")
    turn = pipeline.compose(plan=by_musicgen.plan, engine="musicgen")
    assert turn.models["music"] == musicgen.model_id  # the record names the engine used
    assert pipeline.compose(plan=by_musicgen.plan).models["music"].startswith("composer")


def test_a_bad_engine_name_lists_the_choices(service):
    with pytest.raises(UnknownEngineError, match="Choose one of: composer, musicgen") as error:
        service.compose("jazz", engine="mozart")
    assert error.value.status == 422


def test_a_melody_needs_an_engine_that_follows_one(service):
    from tests.test_music_melody import sing

    pytest.importorskip("librosa")
    melody = sing([60, 62, 64, 60], [1, 1, 1, 1], 140)
    with pytest.raises(ServiceError, match="does not follow a melody"):
        service.compose("jazz", engine="musicgen", melody=melody)
    assert not service.pipeline.renderer_for("musicgen").takes_melody


def test_run_refuses_an_unknown_music_backend_with_exit_2():
    done = subprocess.run([sys.executable, "-m", "voice_agent.cli", "run", "--text", "jazz",
                           "--music-backend", "mozart"], capture_output=True, text=True)
    assert done.returncode == 2 and "composer" in done.stderr and "musicgen" in done.stderr


def test_compose_shows_the_chooser_with_two_engines(service):
    from voice_agent.modes.web import compose_panel
    from voice_agent.modes.web.app import build_ui

    assert compose_panel.engine_choices(service, "es") == [
        ("Compositor (integrado)", "composer"), ("MusicGen (musicgen-tiny)", "musicgen")]
    blocks = build_ui(service, lang="en")
    engine = next(c for c in blocks.blocks.values()
                  if getattr(c, "elem_id", None) == "compose-engine")
    assert engine.visible is True and engine.value == "composer"
