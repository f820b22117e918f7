"""The web app in a real browser: Debian's Chromium driven by Playwright (no browser download).

A real uvicorn server on loopback serves the web app in ``--fake`` mode (instant stand-in
models); the browser types a Compose request and uploads a spoken request on the Talk
tab, then checks the results on the page and that each <audio> element's source decodes
to real audio. Screenshots are kept in ``out/test-artifacts/`` (or
``$VOICE_AGENT_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
from pathlib import Path

import pytest
import soundfile as sf

from voice_agent.fakes import FAKE_TRANSCRIPT
from voice_agent.service import build_service
from tests.conftest import REQUESTS
from tests.live_server import live_server

pytestmark = [pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("VOICE_AGENT_TEST_ARTIFACTS", ROOT / "out" / "test-artifacts"))
WAIT_MS = 60_000


def launch_chromium(playwright, args: tuple[str, ...] = ()):
    """Debian's Chromium, headless (Playwright's own browser builds are never downloaded)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh does)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(args))


@pytest.fixture(scope="module")
def web_url(tmp_path_factory):
    from voice_agent.modes.web.app import create_web_app

    service = build_service(None, tmp_path_factory.mktemp("web"), fake=True)
    service.load()
    with live_server(create_web_app(service, tmp_path_factory.mktemp("bench"))) as url:
        yield url


@pytest.fixture
def page(browser, web_url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(web_url, wait_until="load")
    page.wait_for_selector("#talk-send", timeout=WAIT_MS)
    yield page
    page.close()


def audio_seconds(page, selector: str) -> float:
    """Fetch the source of the <audio> element under ``selector`` and decode it."""
    audio = page.locator(f"{selector} audio")
    audio.wait_for(state="attached", timeout=WAIT_MS)
    page.wait_for_function(f"() => document.querySelector('{selector} audio')?.src",
                           timeout=WAIT_MS)
    src = audio.get_attribute("src")
    response = page.request.get(src)
    assert response.ok, f"{src}: HTTP {response.status}"
    samples, rate = sf.read(io.BytesIO(response.body()))
    assert len(samples) > 0 and abs(samples).max() > 0.01, f"{selector}: silent or empty audio"
    return len(samples) / rate


def set_slider(page, elem_id: str, value: str) -> None:
    """Type ``value`` into a Gradio slider's number box and wait until the slider holds it.

    A slider that has just been shown (an accordion opened) can take a typed value before
    it has settled, and lose it; the range input follows the component's own state, so
    waiting for it means the next click sends ``value``.
    """
    from playwright.sync_api import expect

    box = page.locator(f"#{elem_id} input[type=number]")
    track = page.locator(f"#{elem_id} input[type=range]")
    for _ in range(3):
        box.fill(value)
        box.press("Enter")
        try:
            expect(track).to_have_value(value, timeout=2_000)
            return
        except AssertionError:
            continue
    expect(track).to_have_value(value)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_compose_request_in_the_browser(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Compose").click()
    page.locator("#compose-prompt textarea").fill("relaxing jazz with piano")
    set_slider(page, "compose-duration", "4")
    page.locator("#compose-generate").click()
    expect(page.locator("#compose-status")).to_contain_text("Rendered 4.0 s", timeout=WAIT_MS)
    improved = page.locator("#compose-improved textarea").input_value()
    assert "jazz" in improved and "bpm" in improved
    assert audio_seconds(page, "#compose-audio") == pytest.approx(4.0, abs=0.01)
    with page.expect_download(timeout=WAIT_MS) as download:
        page.locator("#compose-midi").click()
    assert Path(download.value.path()).read_bytes().startswith(b"MThd")
    screenshot(page, "web_compose.png")


def test_talk_request_from_an_uploaded_file(page):
    from playwright.sync_api import expect

    page.locator("#talk-input button[aria-label='Upload file']").click()
    page.locator("#talk-input input[type=file]").set_input_files(str(REQUESTS / "example_en.wav"))
    expect(page.locator("#talk-input button[aria-label='Play']")).to_be_visible(timeout=WAIT_MS)
    page.locator("#talk-send").click()
    expect(page.locator("#talk-status")).to_contain_text("Finished in", timeout=WAIT_MS)
    expect(page.locator("#talk-transcript textarea")).to_have_value(f"(en) {FAKE_TRANSCRIPT}")
    assert "jazz" in page.locator("#talk-prompt textarea").input_value()
    assert "jazz" in page.locator("#talk-plan").inner_text()
    assert audio_seconds(page, "#talk-music") == pytest.approx(5.0, abs=0.01)
    for voice in ("#talk-cloned", "#talk-base"):
        assert audio_seconds(page, voice) > 0.1
    expect(page.locator("#talk-timings")).to_contain_text("total")
    screenshot(page, "web_talk.png")


def test_mistakes_show_as_messages_on_the_page(page):
    from playwright.sync_api import expect

    page.locator("#talk-send").click()
    expect(page.locator("#talk-status")).to_contain_text("Record, upload or type", timeout=WAIT_MS)
    page.get_by_role("tab", name="Compose").click()
    page.locator("#compose-regenerate").click()
    expect(page.locator("#compose-status")).to_contain_text("Generate something first",
                                                            timeout=WAIT_MS)
    page.get_by_role("tab", name="Benchmark").click()
    expect(page.locator("#bench-table")).to_contain_text("No benchmark results yet")
    page.get_by_role("tab", name="Library").click()
    if importlib.util.find_spec("voice_agent.library") is None:
        expect(page.locator("#library-status")).to_contain_text("not available")
    else:
        expect(page.locator("#library-table")).to_be_visible()


def test_voices_tab_checks_enrols_and_compares(page):
    from playwright.sync_api import expect

    from tests.conftest import ASSETS

    page.get_by_role("tab", name="Voices").click()
    page.locator("#voice-input button[aria-label='Upload file']").click()
    page.locator("#voice-input input[type=file]").set_input_files(
        str(ASSETS / "speakers" / "librivox_austen_enrol.wav"))
    expect(page.locator("#voice-status")).to_contain_text("Can be used", timeout=WAIT_MS)
    page.locator("#voice-enrol").click()
    expect(page.locator("#voice-status")).to_contain_text("enrolled", timeout=WAIT_MS)
    speaker_id = page.locator("#voice-status").inner_text().split("Speaker '")[1].split("'")[0]
    expect(page.locator("#voice-speaker input")).to_have_value(speaker_id)
    page.locator("#voice-compare").click()
    expect(page.locator("#voice-ab-table")).to_contain_text("cloned", timeout=WAIT_MS)
    expect(page.locator("#voice-ab-status")).to_contain_text("FAKE MODE")
    for voice in ("#voice-ab-cloned", "#voice-ab-base"):
        assert audio_seconds(page, voice) > 0.1
    screenshot(page, "web_voices.png")
    page.get_by_role("tab", name="Talk").click()
    page.locator("#talk-speaker input").click()
    expect(page.get_by_role("option", name=speaker_id)).to_be_visible()
