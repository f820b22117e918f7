"""The Captions tab and the Compose tab's prompt and score lines in a real browser
(Debian's Chromium through Playwright, the web app in --fake mode)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from tests.test_web_e2e import (WAIT_MS, page, screenshot, set_slider,  # noqa: F401 (fixtures)
                                 web_url)
from tests.test_workshop_caption import clip

pytestmark = [pytest.mark.browser]


def test_uploaded_files_are_captioned_and_the_dataset_downloads(page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Workshop").click()  # the Captions tab sits inside it
    page.get_by_role("tab", name="Captions").click()
    files = [str(clip(tmp_path / "first.wav")), str(clip(tmp_path / "second.wav", bpm=90))]
    page.locator("#captions-files input[type=file]").set_input_files(files)
    # Gradio shows a file's stem and extension in two spans ("second .wav")
    expect(page.locator("#captions-files")).to_contain_text(re.compile(r"second\s*\.wav"),
                                                             timeout=WAIT_MS)
    page.locator("#captions-run").click()
    expect(page.locator("#captions-status")).to_contain_text("2 captioned, 0 failed",
                                                             timeout=WAIT_MS)
    expect(page.locator("#captions-table")).to_contain_text("BPM")
    with page.expect_download(timeout=WAIT_MS) as download:
        page.locator("#captions-download").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        rows = [json.loads(line) for line in archive.read("captions.jsonl").splitlines()]
    assert [Path(r["audio"]).name for r in rows] == ["0000_first.wav", "0001_second.wav"]
    assert all(r["caption"] and r["error"] is None for r in rows)
    screenshot(page, "web_captions.png")


def test_compose_shows_the_prompt_change_and_the_score(page):  # noqa: F811
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Compose").click()
    page.locator("#compose-prompt textarea").fill("a calm bossa nova")
    page.get_by_text("Overrides").click()  # the accordion the slider sits in
    set_slider(page, "compose-best-of", "2")
    page.locator("#compose-generate").click()
    expect(page.locator("#compose-refined")).to_contain_text("a calm bossa nova", timeout=WAIT_MS)
    expect(page.locator("#compose-refined")).to_contain_text("→")
    expect(page.locator("#compose-score")).to_contain_text("not a CLAP score")
    expect(page.locator("#compose-score")).to_contain_text("Best of 2")
    screenshot(page, "web_compose_score.png")
