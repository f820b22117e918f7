"""The Talk tab's streaming microphone in a real browser: Chromium's fake microphone plays
a spoken request, the page shows the words as they are committed, and stopping the
recording brings the reply (Debian's Chromium through Playwright; the web app in
``--fake`` mode with ``--stream``, its recogniser a fake that gives word timings)."""

from __future__ import annotations

import pytest

from tests.live_server import live_server
from tests.test_web_e2e import WAIT_MS, audio_seconds, screenshot
from voice_agent.fakes import FAKE_TRANSCRIPT, FakeWordTranscriber
from voice_agent.service import build_service

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def streaming_url(tmp_path_factory):
    from voice_agent.modes.web.app import create_web_app

    service = build_service(None, tmp_path_factory.mktemp("web"), fake=True)
    service.pipeline.transcriber = FakeWordTranscriber()
    service.load()
    app = create_web_app(service, tmp_path_factory.mktemp("bench"), stream=True)
    with live_server(app) as url:
        yield url


@pytest.fixture
def mic_page(microphone_browser, streaming_url):
    page = microphone_browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(streaming_url, wait_until="load")
    page.wait_for_selector("#talk-mic", timeout=WAIT_MS)
    page.wait_for_url("**session=*", timeout=WAIT_MS)  # the page's load event has run
    yield page
    page.close()


def start_recording(page) -> None:
    """Click Record until the recorder runs. Gradio 6.31's streaming microphone imports
    its WAV encoder after the page has rendered; a click before that shows Stop but
    records nothing (the page error "ge is not a constructor"). A person rarely clicks
    that fast; a test on a busy CPU often does, so it stops and tries again."""
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for _ in range(5):
        page.locator("#talk-mic button", has_text="Record").first.click()
        expect(page.locator("#talk-mic button", has_text="Stop")).to_be_visible(
            timeout=WAIT_MS)
        page.wait_for_timeout(2000)  # the error, when there is one, comes at once
        if not errors:
            return
        errors.clear()
        page.locator("#talk-mic button", has_text="Stop").first.click()
        expect(page.locator("#talk-mic button", has_text="Record")).to_be_visible(
            timeout=WAIT_MS)
    pytest.fail("the streaming microphone never started recording")


def test_words_show_while_recording_and_the_reply_follows_the_stop(mic_page):
    from playwright.sync_api import expect

    page = mic_page
    # the request box only uploads now; the microphone is the streaming one
    expect(page.locator("#talk-input")).not_to_contain_text("Record")
    start_recording(page)
    live = page.locator("#talk-live")
    expect(live).to_contain_text("Heard so far: play", timeout=WAIT_MS)
    expect(page.locator("#talk-status")).not_to_contain_text("Finished")  # still recording
    expect(live).to_contain_text(f"Heard so far: {FAKE_TRANSCRIPT}", timeout=WAIT_MS)
    screenshot(page, "web_talk_streaming_live.png")
    page.locator("#talk-mic button", has_text="Stop").first.click()
    expect(page.locator("#talk-status")).to_contain_text("Finished in", timeout=WAIT_MS)
    expect(page.locator("#talk-transcript textarea")).to_have_value(f"(en) {FAKE_TRANSCRIPT}")
    assert page.locator("#talk-reply textarea").input_value()
    assert "jazz" in page.locator("#talk-plan").inner_text()
    expect(page.locator("#talk-log")).to_contain_text(FAKE_TRANSCRIPT)
    assert audio_seconds(page, "#talk-cloned") > 0.1
    screenshot(page, "web_talk_streaming.png")
