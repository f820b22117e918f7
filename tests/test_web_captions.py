"""The Captions tab's action (fake service: template captions) and the Compose tab's
prompt and score explanations."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.test_workshop_caption import clip
from voice_agent.core.types import ClipScore
from voice_agent.modes.web.captions import CaptionActions
from voice_agent.modes.web.common import Published
from voice_agent.modes.web.scores import score_text
from voice_agent.service import build_service


@pytest.fixture
def actions(tmp_path):
    service = build_service(None, tmp_path / "out", fake=True)
    return CaptionActions(service, Published(tmp_path / "published"))


def test_a_folder_is_captioned_and_resumed(actions, tmp_path):
    music = tmp_path / "music"
    music.mkdir()
    clip(music / "one.wav")
    (music / "two.wav").write_bytes(b"not audio")
    first = actions.run(str(music), None, "en")
    assert "1 captioned, 1 failed, 0 already done (of 2 files)" in first["status"]
    assert [row[0] for row in first["table"]] == ["one.wav", "two.wav"]
    assert first["table"][0][1].startswith("A ") and first["table"][1][4]
    published = first["download"]["value"]
    assert published.endswith("captions.jsonl") and str(tmp_path / "published") in published
    again = actions.run(str(music), None, "en")
    assert "0 captioned, 0 failed, 2 already done" in again["status"]


def test_uploads_become_a_portable_zip(actions, tmp_path, upload):
    first = upload(clip(tmp_path / "song.wav"))
    result = actions.run("", [first], "es")
    assert "1 captioned" in result["status"]
    with zipfile.ZipFile(result["download"]["value"]) as archive:
        row = json.loads(archive.read("captions.jsonl"))
        assert row["audio"] == "audio/0000_song.wav" and row["audio"] in archive.namelist()
        assert row["language"] == "es" and " BPM" in row["caption"]


def test_files_that_were_not_uploaded_and_remote_folders_are_refused(actions, tmp_path):
    song = clip(tmp_path / "song.wav")
    assert "not uploaded" in actions.run("", [str(song)], "en")["status"]
    actions.folders = False
    assert "upload the files" in actions.run(str(tmp_path), None, "en")["status"]
    assert "first" in actions.run("", None, "en")["status"]


def test_the_score_line_names_its_scorer():
    clap = score_text(ClipScore(0.123, "clap", "clap:x (random weights)", candidates=(0.1, 0.123),
                                seed=8))
    assert "CLAP score" in clap and "means nothing" in clap and "kept seed 8" in clap
    adherence = score_text(ClipScore(0.5, "audio-features", "audio-features",
                                     (("tempo", 1.0), ("key", 0.5), ("percussion", 0.0))))
    assert "not a CLAP score" in adherence and "CLAP score" not in adherence.replace(
        "not a CLAP score", "")
    assert "Not scored" in score_text(None)


def test_compose_shows_your_prompt_and_the_improved_one(tmp_path):
    from voice_agent.modes.web.app import WebActions

    service = build_service(None, tmp_path, fake=True)
    web = WebActions(service, None, "en", Published(tmp_path / "pub"))
    update = web.compose("relaxing jazz with piano", "auto", 4, None, "from the prompt", 0,
                         "from the prompt", "from the prompt", best_of=2)
    assert "> relaxing jazz with piano" in update["refined"]
    assert update["improved_prompt"] in update["refined"]
    assert "Adherence" in update["score"] and "Best of 2" in update["score"]
    again = web.recompose(update["last"], 4, None, "from the prompt", 0, "from the prompt",
                          "from the prompt")
    assert "No refiner ran" in again["refined"] and "Not scored" in again["score"]
