"""The Compose tab's melody and engine chooser, without a browser: what was heard is shown
on upload and with the clip, in English and Spanish; a silent, tuneless or too-short
melody gets its own words; the chooser is there only when there is a choice."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

pytest.importorskip("librosa", reason="the speech extra (librosa) is not installed")

from voice_agent.modes.web import compose_panel  # noqa: E402
from voice_agent.modes.web.app import AUTO, WebActions, build_ui  # noqa: E402
from voice_agent.service import build_service  # noqa: E402
from tests.test_music_melody import RATE, sing  # noqa: E402

TUNE, BEATS = [57, 60, 64, 62, 60, 57], [1, 1, 1, 1, 1, 2]


@pytest.fixture
def actions(tmp_path):
    return WebActions(build_service(None, tmp_path / "server", fake=True), tmp_path / "bench")


@pytest.fixture
def hum(tmp_path, upload):
    path = tmp_path / "hum.wav"
    sf.write(str(path), sing(TUNE, BEATS, 150).samples, RATE)
    return upload(path)


def _upload_samples(tmp_path, upload, samples, name):
    path = tmp_path / name
    sf.write(str(path), samples, RATE)
    return upload(path)


def test_the_melody_is_heard_on_upload_and_followed(actions, hum):
    assert "6 notes, A minor" in compose_panel.melody_status(actions.service, hum, "en")
    assert "6 notas, La menor" in compose_panel.melody_status(actions.service, hum, "es")
    assert compose_panel.melody_status(actions.service, None, "en") == ""
    done = actions.compose("a bossa nova", "auto", 3, 5, AUTO, 0, AUTO, AUTO, hum, None)
    assert done["status"].startswith("**Done.**") and "follows your tune (6 notes" in done["status"]
    assert actions.service.pipeline.renderer.melodies[-1] is not None
    again = actions.recompose(done["last"], 2, 7, "salsa", 0, AUTO, AUTO, hum, None)
    assert "follows your tune" in again["status"] and again["plan"]["genre"] == "salsa"
    plain = actions.compose("a bossa nova", "auto", 2, 5, AUTO, 0, AUTO, AUTO, None, None)
    assert "tune" not in plain["status"] and actions.service.pipeline.renderer.melodies[-1] is None


def test_silent_tuneless_and_short_melodies_get_their_own_words(actions, tmp_path, upload):
    silent = _upload_samples(tmp_path, upload, np.zeros(2 * RATE, np.float32), "silent.wav")
    noise = _upload_samples(tmp_path, upload,
                            np.random.default_rng(1).uniform(-0.3, 0.3, 2 * RATE), "noise.wav")
    short = _upload_samples(tmp_path, upload, np.full(RATE // 4, 0.2, np.float32), "short.wav")
    assert "silent" in compose_panel.melody_status(actions.service, silent, "en")
    assert "no tiene sonido" in compose_panel.melody_status(actions.service, silent, "es")
    assert "No tune was heard" in compose_panel.melody_status(actions.service, noise, "en")
    assert "only 0.2 s long" in compose_panel.melody_status(actions.service, short, "en")
    assert "solo 0.2 s" in compose_panel.melody_status(actions.service, short, "es")
    failed = actions.compose("jazz", "auto", 0, -1, AUTO, 0, AUTO, AUTO, silent, None)
    assert failed["status"].startswith("**Problem:**") and "silent" in failed["status"]
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all" * 100)
    message = compose_panel.melody_status(actions.service, upload(junk), "en")
    assert "Problem" in message and str(tmp_path) not in message


def test_the_chooser_shows_only_with_a_choice(actions):
    with build_ui(actions.service) as blocks:
        pass
    engine = next(c for c in blocks.blocks.values() if getattr(c, "elem_id", None) == "compose-engine")
    assert engine.visible is False  # the fake service has one engine
    assert compose_panel.engine_choices(actions.service, "en") == [("default", "default")]
