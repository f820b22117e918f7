"""The Library tab, against the clip library of issue 8 (skipped where it is not merged yet)."""

from __future__ import annotations

import pytest

library_module = pytest.importorskip(
    "voice_agent.library", reason="voice_agent.library (issue 8) is not in this build")

from voice_agent.modes.web.library import ALL_CLIPS, LibraryActions  # noqa: E402
from voice_agent.service import build_service  # noqa: E402
from tests.fakes import one_note_midi, tone  # noqa: E402
from tests.live_server import live_server  # noqa: E402
from tests.test_web_e2e import WAIT_MS, audio_seconds, launch_chromium, screenshot  # noqa: E402

pytestmark = [pytest.mark.browser]


@pytest.fixture
def actions(tmp_path):
    return LibraryActions(library_module.Library(tmp_path / "library").open())


def _add(actions, seconds: float = 2.0):
    from voice_agent.core.types import MusicPlan

    return actions.library.add_clip(tone(seconds, 22_050), MusicPlan(genre="jazz"),
                                    prompt="calm jazz", midi=one_note_midi())


def test_rows_play_save_remove_delete(actions):
    first, second = _add(actions, 2.0), _add(actions, 3.0)
    assert [row[0] for row in actions.rows(ALL_CLIPS)] == [second.clip_id, first.clip_id]
    played = actions.play(float(first.clip_id))
    assert played["audio"] == str(first.audio_path)
    assert played["midi"]["value"].endswith(".mid") and played["midi"]["interactive"]
    saved = actions.save(float(second.clip_id), "favourites", "favourites")
    assert saved["table"][0][:2] == [second.clip_id, 1] and "number 1" in saved["status"]
    removed = actions.remove(1, "favourites")
    assert removed["table"] == [] and "Removed number 1" in removed["status"]
    unconfirmed = actions.delete(float(first.clip_id), ALL_CLIPS)
    assert "Tick 'Yes, delete it'" in unconfirmed["status"]
    assert actions.library.clip(first.clip_id).clip_id == first.clip_id  # still there
    deleted = actions.delete(float(first.clip_id), ALL_CLIPS, True)
    assert [row[0] for row in deleted["table"]] == [second.clip_id]


def test_mistakes_are_messages(actions):
    from voice_agent.modes.web.library import guarded

    outputs = {"status": "status-box"}
    assert "Click a clip in the table" in guarded(actions.play, outputs)(None)["status-box"]
    assert "no" in guarded(actions.play, outputs)(99.0)["status-box"].lower()
    assert "playlist first" in actions.remove(1, ALL_CLIPS)["status"]
    assert "Generate something first" in actions.save_composed(None)


def test_compose_then_library_in_the_browser(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from voice_agent.modes.web.app import create_web_app

    service = build_service(None, tmp_path, fake=True)
    app = create_web_app(service, tmp_path / "bench", library_dir=tmp_path / "library")
    with live_server(app) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url, wait_until="load")
        page.get_by_role("tab", name="Compose").click()
        page.locator("#compose-prompt textarea").fill("happy salsa with trumpets")
        page.locator("#compose-generate").click()
        expect(page.locator("#compose-status")).to_contain_text("Rendered", timeout=WAIT_MS)
        page.locator("#compose-save").click()
        expect(page.locator("#compose-status")).to_contain_text("Saved as clip 1", timeout=WAIT_MS)
        page.get_by_role("tab", name="Library").click()
        page.locator("#library-refresh").click()
        expect(page.locator("#library-table")).to_contain_text("happy salsa", timeout=WAIT_MS)
        page.locator("#library-clip input").fill("1")
        page.locator("#library-play").click()
        expect(page.locator("#library-status")).to_contain_text("Clip 1", timeout=WAIT_MS)
        assert audio_seconds(page, "#library-audio") == pytest.approx(5.0, abs=0.01)
        page.locator("#library-save").click()
        expect(page.locator("#library-status")).to_contain_text("number 1 in favourites",
                                                                timeout=WAIT_MS)
        screenshot(page, "web_library.png")
        browser.close()
