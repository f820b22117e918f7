"""The web app's LoRA training tab (workshop), on the tiny random-weight MusicGen."""

from __future__ import annotations

import json
import zipfile

import pytest

pytest.importorskip("peft", reason="the workshop extra is not installed")
pytest.importorskip("gradio", reason="the web extra is not installed")

from voice_agent.modes.web.app import build_ui  # noqa: E402
from voice_agent.modes.web.lora import LoraActions  # noqa: E402
from voice_agent.service import build_service  # noqa: E402
from voice_agent.workshop.lora_data import read_dataset  # noqa: E402
from tests.test_workshop_lora import write_dataset  # noqa: E402

SETTINGS = dict(rank=8, alpha=16, lr=3e-3, epochs=3, batch_size=2, max_seconds=0.4,
                validation_fraction=0.2, seed=1)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from tests.checkpoints import make_checkpoint

    return make_checkpoint("musicgen-tiny", tmp_path_factory.mktemp("musicgen-tiny"))


@pytest.fixture
def actions(tmp_path):
    return LoraActions(tmp_path / "workshop", lambda path, name=None: str(path) if path else None)


def train(actions, data="", upload=None, audio="", base="", name="tones", resume=False):
    return list(actions.train(data, upload, audio, base, name, *SETTINGS.values(), resume))


@pytest.mark.slow
def test_a_run_shows_each_epoch_and_offers_the_adapter_as_a_zip(actions, tiny, tmp_path):
    data = write_dataset(tmp_path / "data", extra_rows=[{"audio": "x.wav", "error": "bad"}])
    updates = train(actions, str(data), base=str(tiny))
    tables = [u["table"] for u in updates if u.get("table")]
    assert [len(t) for t in tables] == [1, 2, 3, 3]  # one row per epoch, as they finish
    assert [row[0] for row in tables[-1]] == [1, 2, 3]
    final = updates[-1]
    assert final["status"].startswith("**Done.**") and "1 skipped" in final["status"]
    assert "line 13: error: bad" in final["status"]
    assert final["curve"].endswith("loss_curve.png")
    with zipfile.ZipFile(final["download"]) as bundle:
        assert {"tones/adapter_config.json", "tones/adapter_model.safetensors",
                "tones/training.json", "tones/loss_curve.png"} <= set(bundle.namelist())
    assert (tmp_path / "workshop" / "lora" / "tones" / "checkpoint").is_dir()
    # the same name again without resume: one line on the page, no exception
    again = train(actions, str(data), base=str(tiny))
    assert "already holds a training run" in again[-1]["status"]


def test_an_uploaded_zip_is_unpacked_and_its_jsonl_used(actions, tmp_path, upload):
    data = write_dataset(tmp_path / "data", count=2)
    archive = tmp_path / "set.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(data, "set/captions.jsonl")
        for clip in (tmp_path / "data" / "clips").iterdir():
            bundle.write(clip, f"set/clips/{clip.name}")
    found = actions.dataset("", upload(archive), "")
    rows = read_dataset(found).rows
    assert len(rows) == 2 and all(row.audio.is_file() for row in rows)


def test_a_zip_naming_files_outside_itself_is_refused(actions, tmp_path, upload):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("../../outside.jsonl", "{}")
    updates = train(actions, upload=upload(archive), base="m")
    assert "outside itself" in updates[-1]["status"]
    assert not (tmp_path / "outside.jsonl").exists()


def test_an_uploaded_jsonl_finds_its_audio_in_the_folder_given(actions, tmp_path, upload):
    data = write_dataset(tmp_path / "data", count=2)
    found = actions.dataset("", upload(data), str(tmp_path / "data"))
    assert all(row.audio.is_file() for row in read_dataset(found).rows)
    assert json.loads(found.read_text().splitlines()[0])["audio"].startswith(str(tmp_path))


def test_missing_choices_and_a_server_path_not_uploaded_are_messages(actions, tmp_path):
    assert "Give a dataset" in train(actions)[-1]["status"]
    assert "Give the MusicGen folder" in train(actions, str(tmp_path / "d.jsonl"))[-1]["status"]
    assert "was not uploaded here" in train(actions, upload="/etc/passwd", base="m")[-1]["status"]
    assert actions.adapter_dir("../../x y") == tmp_path / "workshop" / "lora" / "x-y"


def test_the_workshop_tab_sits_apart_from_the_inference_tabs(tmp_path):
    service = build_service(None, tmp_path / "server", fake=True)
    blocks = build_ui(service, None, lang="es")
    config = blocks.get_config_file()
    labels = [c["props"].get("label") for c in config["components"]
              if c.get("type") == "tabitem"]
    from voice_agent.modes.ui_text import t

    assert labels[-3:] == ["Taller", t("web.tab.captions", "es"), "Entrenamiento LoRA"]
    assert labels.index(t("web.tab.benchmark", "es")) < labels.index("Taller")
    ids = {c["props"].get("elem_id") for c in config["components"]}
    assert {"lora-train", "lora-table", "lora-download"} <= ids
