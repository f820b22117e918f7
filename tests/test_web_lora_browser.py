"""The LoRA training tab in Debian's Chromium: a real run on the tiny random MusicGen."""

from __future__ import annotations

import zipfile

import pytest

pytest.importorskip("peft", reason="the workshop extra is not installed")
pytest.importorskip("playwright", reason="the dev extra is not installed")

from tests.live_server import live_server  # noqa: E402
from tests.test_web_e2e import WAIT_MS, launch_chromium, screenshot  # noqa: E402
from tests.test_workshop_lora import write_dataset  # noqa: E402
from voice_agent.service import build_service  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_training_run_from_the_workshop_tab(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from tests.checkpoints import make_checkpoint
    from voice_agent.modes.web.app import create_web_app

    tiny = make_checkpoint("musicgen-tiny", tmp_path / "tiny")
    data = write_dataset(tmp_path / "data")
    service = build_service(None, tmp_path / "server", fake=True)
    service.load()
    app = create_web_app(service, tmp_path / "bench")
    with live_server(app) as url, sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        page = chromium.new_page(viewport={"width": 1280, "height": 1300}, accept_downloads=True)
        page.goto(url, wait_until="load")
        page.get_by_role("tab", name="Workshop").click()
        page.get_by_role("tab", name="LoRA training").click()
        page.locator("#lora-data input, #lora-data textarea").first.fill(str(data))
        page.locator("#lora-base input, #lora-base textarea").first.fill(str(tiny))
        epochs = page.locator("#lora-epochs input[type=number]")
        epochs.fill("2")
        page.locator("#lora-seconds input[type=number]").fill("0.4")  # the tiny decoder's 1024 steps
        page.locator("#lora-train").click()
        status = page.locator("#lora-status")
        expect(status).to_contain_text("Adapter 'my-style' trained on 10 clips",
                                       timeout=WAIT_MS * 5)
        expect(page.locator("#lora-table")).to_contain_text("validation loss")
        with page.expect_download() as caught:
            page.locator("#lora-download a").first.click()
        archive = tmp_path / "adapter.zip"
        caught.value.save_as(archive)
        with zipfile.ZipFile(archive) as bundle:
            assert "my-style/adapter_model.safetensors" in bundle.namelist()
        screenshot(page, "web_lora_training.png")
        chromium.close()
