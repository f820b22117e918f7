"""The Compose tab's melody upload in a real browser (Debian's Chromium through Playwright,
screenshot kept): a hummed tune is uploaded, what was heard is shown at once, Generate
makes a clip that follows it (the real composer, numpy synth), and a silent recording
gets its own message. The engine chooser is hidden: the fake service has one engine."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

pytest.importorskip("librosa", reason="the speech extra (librosa) is not installed")

from tests.live_server import live_server  # noqa: E402
from tests.test_music_melody import RATE, sing  # noqa: E402
from tests.test_web_e2e import WAIT_MS, launch_chromium, screenshot, set_slider  # noqa: E402
from tests.test_web_front_e2e import _open, _serve  # noqa: E402

pytestmark = [pytest.mark.browser]


def _upload_melody(page, path) -> None:
    page.locator("#compose-melody button[aria-label='Upload file']").click()
    page.locator("#compose-melody input[type=file]").set_input_files(str(path))


def test_a_hummed_melody_is_heard_and_followed_in_the_browser(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from voice_agent.music.composer import ComposerRenderer

    hum, silent = tmp_path / "hum.wav", tmp_path / "silent.wav"
    sf.write(str(hum), sing([57, 60, 64, 62, 60, 57], [1, 1, 1, 1, 1, 2], 150).samples, RATE)
    sf.write(str(silent), np.zeros(2 * RATE, np.float32), RATE)
    service, app = _serve(tmp_path)
    service.pipeline.renderer = ComposerRenderer(engine="numpy", sample_rate=22_050)
    service.pipeline.renderer.load()
    with sync_playwright() as playwright, live_server(app) as url:
        browser = launch_chromium(playwright)
        page = _open(browser, url)
        page.get_by_role("tab", name="Compose").click()
        expect(page.locator("#compose-engine")).to_be_hidden()
        _upload_melody(page, hum)
        heard = page.locator("#compose-melody-heard")
        expect(heard).to_contain_text("6 notes, A minor", timeout=WAIT_MS)
        page.locator("#compose-prompt textarea").fill("a bossa nova")
        set_slider(page, "compose-duration", "6")
        page.locator("#compose-generate").click()
        expect(page.locator("#compose-status")).to_contain_text("follows your tune",
                                                                timeout=WAIT_MS)
        expect(page.locator("#compose-plan")).to_contain_text("bossa_nova")
        screenshot(page, "web_compose_melody.png")
        page.locator("#compose-melody button[aria-label='Clear']").click()
        _upload_melody(page, silent)
        expect(heard).to_contain_text("silent", timeout=WAIT_MS)
        page.close()
        browser.close()
