"""The HTTP API and the web app with the real default models, on a loopback server."""

from __future__ import annotations

import base64
import io

import httpx
import pytest
import soundfile as sf

from voice_agent.core.config import AgentConfig
from voice_agent.service import build_service
from tests.conftest import REQUESTS
from tests.live_server import live_server
from tests.test_web_e2e import WAIT_MS, audio_seconds, launch_chromium, screenshot

pytestmark = [pytest.mark.real_model, pytest.mark.browser]


@pytest.fixture(scope="module")
def real_service(tmp_path_factory):
    service = build_service(AgentConfig(), tmp_path_factory.mktemp("real"))
    service.load()
    return service


@pytest.fixture(scope="module")
def real_url(real_service, tmp_path_factory):
    from voice_agent.modes.web.app import create_web_app

    with live_server(create_web_app(real_service, tmp_path_factory.mktemp("bench"))) as url:
        yield url


def _seconds(data: bytes) -> float:
    samples, rate = sf.read(io.BytesIO(data))
    assert len(samples) and abs(samples).max() > 0.01
    return len(samples) / rate


def test_generate_with_the_real_models(real_url):
    response = httpx.post(real_url + "/api/audio/generate", timeout=300,
                          json={"prompt": "a sad slow piece for cello and piano", "duration_s": 6})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "cello" in body["improved_prompt"] and body["plan"]["mode"] == "minor"
    assert _seconds(base64.b64decode(body["audio_base64"])) == pytest.approx(6.0, abs=0.05)
    assert body["timings"]["llm"] > 0 and body["timings"]["music"] > 0
    assert httpx.get(body["midi_url"]).content.startswith(b"MThd")


def test_spoken_turn_with_the_real_models(real_url):
    with open(REQUESTS / "example_es.wav", "rb") as file:
        response = httpx.post(real_url + "/api/turn", timeout=300,
                              files={"file": ("example_es.wav", file, "audio/wav")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"], body["errors"]
    assert body["transcript"]["language"] == "es" and "salsa" in body["transcript"]["text"].lower()
    assert body["reply"]["plan"]["genre"] == "salsa" and body["reply"]["language"] == "es"
    assert set(body["audio"]) == {"music", "reply_cloned", "reply_base"}
    for item in body["audio"].values():
        assert _seconds(httpx.get(item["url"]).content) > 0.5
    assert body["models"]["llm"] != "fake-llm" and "cloned" in body["models"]["tts_cloned"]


def test_talk_in_the_browser_with_the_real_models(real_url):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(real_url, wait_until="load")
        page.locator("#talk-input button[aria-label='Upload file']").click(timeout=WAIT_MS)
        page.locator("#talk-input input[type=file]").set_input_files(str(REQUESTS / "example_en.wav"))
        expect(page.locator("#talk-input button[aria-label='Play']")).to_be_visible(timeout=WAIT_MS)
        page.locator("#talk-send").click()
        expect(page.locator("#talk-status")).to_contain_text("Finished in", timeout=300_000)
        heard = page.locator("#talk-transcript textarea").input_value().lower()
        assert "bossa nova" in heard and heard.startswith("(en)")
        assert "bossa" in page.locator("#talk-plan").inner_text()
        assert audio_seconds(page, "#talk-music") > 5
        for voice in ("#talk-cloned", "#talk-base"):
            assert audio_seconds(page, voice) > 1
        screenshot(page, "web_talk_real.png")
        browser.close()
