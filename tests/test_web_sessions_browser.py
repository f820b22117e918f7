"""Issue 12 in a real browser (Debian's Chromium through Playwright, screenshots kept): one
session per tab, reopening a past session after a server restart, and the version list
with play, A/B and "continue from here" (after which an edit starts from that version).

The server runs the ``--fake`` stages; in fake mode the web app keeps its sessions in the
fake-mode library folder, exactly as the real mode keeps them in the configured library.
"""

from __future__ import annotations

import re

import pytest

from voice_agent.library import Library
from voice_agent.library.sessions import SessionStore
from voice_agent.service import build_service
from tests.live_server import live_server
from tests.test_web_e2e import WAIT_MS, audio_seconds, screenshot

pytestmark = [pytest.mark.browser]

SESSION_ID = re.compile(r"^s-[0-9a-f]{8}$")
PLAYING = ("() => !document.querySelector('#session-{playing}-audio audio').paused && "
           "document.querySelector('#session-{paused}-audio audio').paused")


def _app(tmp_path):
    """A fresh server process's app on the folders of ``tmp_path`` (so a second call is
    the same server restarted: same requests folder, same library)."""
    from voice_agent.modes.web.app import create_web_app

    service = build_service(None, tmp_path / "server", fake=True)
    service.load()
    return create_web_app(service, tmp_path / "bench", library_dir=tmp_path / "library")


def _store(tmp_path) -> SessionStore:
    return SessionStore(Library(tmp_path / "library"))


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    page.goto(url, wait_until="load")
    page.wait_for_selector("#talk-send", timeout=WAIT_MS)
    return page


def _session_id(page) -> str:
    """The tab's session id once the page has started its session."""
    page.wait_for_function("() => document.querySelector('#session-id input, #session-id "
                           "textarea')?.value", timeout=WAIT_MS)
    return page.locator("#session-id input, #session-id textarea").first.input_value()


def _say(page, text: str, turns: int) -> None:
    """Type a request and wait for it to finish (the log then has ``turns`` requests)."""
    from playwright.sync_api import expect

    page.locator("#talk-text textarea").fill(text)
    page.locator("#talk-send").click()
    expect(page.locator("#talk-log .user-row")).to_have_count(
        turns, timeout=WAIT_MS)
    expect(page.locator("#talk-status")).to_contain_text("Finished in", timeout=WAIT_MS)


def _choose(page, dropdown: str, option: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option).first.click()


def test_two_tabs_keep_separate_sessions(browser, tmp_path):
    from playwright.sync_api import expect

    with live_server(_app(tmp_path)) as url:
        salsa, jazz = _open(browser, url), _open(browser, url)
        first, second = _session_id(salsa), _session_id(jazz)
        assert SESSION_ID.match(first) and SESSION_ID.match(second) and first != second
        salsa.wait_for_url(re.compile(rf"session={first}"), timeout=WAIT_MS)
        _say(salsa, "a happy salsa at 180 bpm", 1)
        _say(jazz, "calm jazz with piano", 1)
        _say(salsa, "make it faster", 2)
        _say(jazz, "make it slower", 2)
        expect(salsa.locator("#talk-plan")).to_contain_text("salsa")
        expect(jazz.locator("#talk-plan")).to_contain_text("jazz")
        expect(salsa.locator("#session-versions")).to_contain_text("tempo 180 → 207 BPM")
        screenshot(salsa, "web_session_tab_one.png")
        screenshot(jazz, "web_session_tab_two.png")
    store = _store(tmp_path)
    assert [v.plan.genre for v in store.versions(first)] == ["salsa", "salsa"]
    assert [v.plan.genre for v in store.versions(second)] == ["jazz", "jazz"]
    assert store.versions(second)[1].plan.bpm < store.versions(second)[0].plan.bpm


def test_a_past_session_reopens_after_a_server_restart(browser, tmp_path):
    from playwright.sync_api import expect

    with live_server(_app(tmp_path)) as url:
        page = _open(browser, url)
        old = _session_id(page)
        _say(page, "a happy salsa at 180 bpm", 1)
        page.close()
    with live_server(_app(tmp_path)) as url:  # a new server on the same folders
        page = _open(browser, url)
        fresh = _session_id(page)
        assert fresh != old
        expect(page.locator("#talk-log")).not_to_contain_text("happy salsa")
        _choose(page, "#session-chooser", re.compile(re.escape(old)))
        page.locator("#session-open").click()
        expect(page.locator("#session-id input, #session-id textarea").first).to_have_value(
            old, timeout=WAIT_MS)
        expect(page.locator("#talk-log")).to_contain_text("a happy salsa at 180 bpm")
        expect(page.locator("#session-versions")).to_contain_text("salsa · 180 BPM")
        page.wait_for_url(re.compile(rf"session={old}"), timeout=WAIT_MS)
        _say(page, "make it faster", 2)
        expect(page.locator("#session-versions")).to_contain_text("salsa · 207 BPM")
        screenshot(page, "web_session_reopened.png")
        reloaded = _open(browser, f"{url}/?session={old}")  # a reload keeps the session
        assert _session_id(reloaded) == old
        expect(reloaded.locator("#session-status")).to_contain_text(f"Continuing session {old}",
                                                                   timeout=WAIT_MS)
    versions = _store(tmp_path).versions(old)
    assert [v.plan.bpm for v in versions] == [180, 207] and versions[1].parent == 1


def test_versions_play_ab_and_continue_from_here(browser, tmp_path):
    from playwright.sync_api import expect

    with live_server(_app(tmp_path)) as url:
        page = _open(browser, url)
        name = _session_id(page)
        _say(page, "a happy salsa at 180 bpm", 1)
        _say(page, "make it faster", 2)
        versions = page.locator("#session-versions")
        expect(versions).to_contain_text("salsa · 207 BPM", timeout=WAIT_MS)
        expect(versions.locator("tr", has_text="207 BPM")).to_contain_text("current")
        # A/B: version 1 and version 2 side by side
        page.locator("#session-compare").click()
        expect(page.locator("#session-status")).to_contain_text("Version 1 is A, version 2 is B",
                                                                timeout=WAIT_MS)
        assert audio_seconds(page, "#session-a-audio") > 1
        assert audio_seconds(page, "#session-b-audio") > 1
        # the toggle: B plays on from where A stands, then A from where B got to
        page.evaluate("document.querySelector('#session-a-audio audio').currentTime = 2")
        page.locator("#session-switch").click()
        page.wait_for_function(PLAYING.format(playing="b", paused="a"), timeout=WAIT_MS)
        page.wait_for_timeout(400)
        page.locator("#session-switch").click()
        page.wait_for_function(PLAYING.format(playing="a", paused="b"), timeout=WAIT_MS)
        a_at, b_at = page.evaluate("[...['a', 'b']].map(x => document.querySelector("
                                   "`#session-${x}-audio audio`).currentTime)")
        assert b_at >= 1.9 and abs(a_at - b_at) < 0.3
        # play one version
        _choose(page, "#session-version", "1")
        page.locator("#session-play").click()
        expect(page.locator("#session-status")).to_contain_text("Playing version 1",
                                                                timeout=WAIT_MS)
        assert audio_seconds(page, "#session-played") > 1
        # continue from version 1: the same operation as saying "go back to version 1"
        page.locator("#session-continue").click()
        expect(page.locator("#session-status")).to_contain_text("Version 1 is current",
                                                                timeout=WAIT_MS)
        expect(versions.locator("tr", has_text="180 BPM")).to_contain_text("current",
                                                                          timeout=WAIT_MS)
        expect(page.locator("#talk-log")).to_contain_text("go back to version 1")
        expect(page.locator("#talk-reply textarea")).to_have_value(
            "Here's version 1 again: salsa at 180 BPM.")
        screenshot(page, "web_session_versions.png")
        _say(page, "make it slower", 4)
        expect(versions).to_contain_text("tempo 180 → 157 BPM", timeout=WAIT_MS)
    store = _store(tmp_path)
    turns = store.turns(name)
    assert turns[2].intent == "go_to_version" and turns[2].version == 1
    assert turns[2].transcript == "go back to version 1"
    third = store.version(name, 3)
    assert third.parent == 1 and third.plan.bpm < 180 and third.plan.genre == "salsa"
