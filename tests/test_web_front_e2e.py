"""Issue 18 in a real browser (Debian's Chromium through Playwright, screenshots kept):
typing on Talk with its conversation log and Cancel; clicking a library row, then play and
download; a large seed reproducing a clip; naming a speaker and choosing it on Talk; the
Benchmark tab with the server started from another folder; the Spanish interface.

The server runs the ``--fake`` stages, except where a test says otherwise (the seed test
swaps in the real composer, whose output depends on the seed).
"""

from __future__ import annotations

import pytest

from voice_agent.core.types import MusicPlan
from voice_agent.service import build_service
from tests.conftest import ASSETS
from tests.fakes import tone
from tests.live_server import live_server
from tests.test_web_e2e import WAIT_MS, audio_seconds, screenshot, set_slider

pytestmark = [pytest.mark.browser]


def _serve(tmp_path, **kwargs):
    from voice_agent.modes.web.app import create_web_app

    service = build_service(None, tmp_path / "server", fake=True)
    service.load()
    kwargs.setdefault("bench_dir", tmp_path / "bench")
    return service, create_web_app(service, **kwargs)


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1100}, accept_downloads=True)
    page.goto(url, wait_until="load")
    page.wait_for_selector("#talk-send", timeout=WAIT_MS)
    return page


def _type_request(page, text: str) -> None:
    box = page.locator("#talk-text textarea")
    box.fill(text)
    box.press("Enter")


def test_typing_on_talk_fills_the_conversation_log_and_cancel_stops_a_turn(browser, tmp_path):
    from playwright.sync_api import expect

    service, app = _serve(tmp_path)
    with live_server(app) as url:
        page = _open(browser, url)
        _type_request(page, "play some salsa with trumpets")
        expect(page.locator("#talk-status")).to_contain_text("Finished in", timeout=WAIT_MS)
        log = page.locator("#talk-log")
        expect(log).to_contain_text("play some salsa with trumpets")
        expect(log).to_contain_text("salsa ·")  # the plan line
        expect(log.locator("audio").first).to_be_attached(timeout=WAIT_MS)  # players
        expect(page.locator("#talk-text textarea")).to_have_value("")
        _type_request(page, "now a tango")
        expect(log).to_contain_text("now a tango", timeout=WAIT_MS)
        expect(page.locator("#talk-status")).to_contain_text("Finished in")
        screenshot(page, "web_talk_typed_log.png")

        service.pipeline.renderer.delay_s = 4.0  # a turn slow enough to cancel
        _type_request(page, "a very long cumbia")
        expect(page.locator("#talk-status")).to_contain_text("Working", timeout=WAIT_MS)
        page.locator("#talk-cancel").click()
        expect(page.locator("#talk-status")).to_contain_text("Cancelled", timeout=WAIT_MS)
        page.wait_for_timeout(5000)  # the cancelled turn has finished in the background
        expect(page.locator("#talk-status")).to_contain_text("Cancelled")  # it stays cancelled
        assert "a very long cumbia" not in log.inner_text()
        service.pipeline.renderer.delay_s = 0.0
        _type_request(page, "some jazz")  # the page still works after a cancel
        expect(log).to_contain_text("some jazz", timeout=WAIT_MS)
        screenshot(page, "web_talk_cancel.png")
        page.close()


def test_clicking_a_library_row_selects_it_then_play_and_download(browser, tmp_path):
    from playwright.sync_api import expect

    from voice_agent.library import Library

    library = Library(tmp_path / "library").open()
    for genre, bpm in (("salsa", 180), ("cumbia", 128), ("tango", 120)):
        library.add_clip(tone(1.5, 22_050), MusicPlan(genre=genre, bpm=bpm),
                         transcript=f"play {genre}", prompt=f"{genre} prompt",
                         midi=b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0")
    _, app = _serve(tmp_path, library_dir=tmp_path / "library")
    with live_server(app) as url:
        page = _open(browser, url)
        page.get_by_role("tab", name="Library").click()
        table = page.locator("#library-table")
        expect(table).to_contain_text("happy cumbia", timeout=WAIT_MS)
        table.get_by_text("happy cumbia", exact=True).locator("visible=true").first.click()
        expect(page.locator("#library-clip input")).to_have_value("2", timeout=WAIT_MS)
        expect(table.get_by_role("columnheader", name="clip")).to_be_in_viewport()
        expect(page.locator("#library-midi")).to_be_disabled()  # nothing chosen to play yet
        page.locator("#library-play").click()
        expect(page.locator("#library-status")).to_contain_text("Clip 2", timeout=WAIT_MS)
        assert audio_seconds(page, "#library-audio") == pytest.approx(1.5, abs=0.01)
        with page.expect_download(timeout=WAIT_MS) as download:
            page.locator("#library-midi").click()
        assert download.value.suggested_filename == "cumbia_128bpm_clip2.mid"
        with page.expect_download(timeout=WAIT_MS) as download:
            page.locator("#library-wav").click()
        assert download.value.suggested_filename == "cumbia_128bpm_clip2.wav"
        screenshot(page, "web_library_row.png")
        page.close()


def test_a_large_seed_reproduces_the_clip_exactly(browser, tmp_path):
    from playwright.sync_api import expect

    from voice_agent.music.composer import ComposerRenderer

    service, app = _serve(tmp_path)
    service.pipeline.renderer = ComposerRenderer(engine="numpy", sample_rate=22_050)
    service.pipeline.renderer.load()
    seed = str(2**32 - 1)

    def render(page, value: str) -> bytes:
        before = page.locator("#compose-status").inner_text()
        page.locator("#compose-seed input").fill(value)
        page.locator("#compose-generate").click()
        # a new "Rendered" line, and no "processing" overlay (it carries the old text along)
        page.wait_for_function("old => { const s = document.querySelector('#compose-status')"
                               ".innerText; return s.includes('Rendered') && s !== old && "
                               "!s.includes('processing'); }", arg=before, timeout=WAIT_MS)
        expect(page.locator("#compose-plan")).to_contain_text(value, timeout=WAIT_MS)
        with page.expect_download(timeout=WAIT_MS) as download:
            page.locator("#compose-wav").click()
        return open(download.value.path(), "rb").read()

    with live_server(app) as url:
        page = _open(browser, url)
        page.get_by_role("tab", name="Compose").click()
        expect(page.locator("#compose-wav")).to_be_disabled()
        expect(page.locator("#compose-midi")).to_be_disabled()
        page.locator("#compose-prompt textarea").fill("relaxing jazz with piano")
        set_slider(page, "compose-duration", "2")
        first, second = render(page, seed), render(page, seed)
        assert len(first) > 10_000 and first == second  # the same seed, the same bytes
        assert render(page, str(2**32 - 2)) != first
        screenshot(page, "web_compose_large_seed.png")
        page.close()


def test_compose_examples_are_clickable(browser, tmp_path):
    from playwright.sync_api import expect

    _, app = _serve(tmp_path)
    with live_server(app) as url:
        page = _open(browser, url)
        page.get_by_role("tab", name="Compose").click()
        page.locator("#compose-examples").get_by_text("una cumbia alegre con acordeón").click()
        expect(page.locator("#compose-prompt textarea")).to_have_value(
            "una cumbia alegre con acordeón")
        page.close()


def test_a_named_speaker_is_chosen_on_talk(browser, tmp_path):
    from playwright.sync_api import expect

    _, app = _serve(tmp_path)
    with live_server(app) as url:
        page = _open(browser, url)
        page.get_by_role("tab", name="Voices").click()
        page.locator("#voice-input button[aria-label='Upload file']").click()
        page.locator("#voice-input input[type=file]").set_input_files(
            str(ASSETS / "speakers" / "librivox_austen_enrol.wav"))
        expect(page.locator("#voice-status")).to_contain_text("Can be used", timeout=WAIT_MS)
        page.locator("#voice-name input").fill("Jane")
        page.locator("#voice-enrol").click()
        expect(page.locator("#voice-status")).to_contain_text("'Jane' enrolled", timeout=WAIT_MS)
        expect(page.locator("#voice-speaker input")).to_have_value("Jane")
        page.get_by_role("tab", name="Talk").click()
        page.locator("#talk-speaker input").click()
        page.get_by_role("option", name="Jane").click()
        expect(page.locator("#talk-speaker input")).to_have_value("Jane")
        _type_request(page, "play some jazz")
        expect(page.locator("#talk-status")).to_contain_text("Finished in", timeout=WAIT_MS)
        assert audio_seconds(page, "#talk-cloned") > 0.1
        screenshot(page, "web_named_speaker.png")
        page.close()


def test_the_benchmark_tab_from_another_folder(browser, tmp_path, monkeypatch):
    from playwright.sync_api import expect

    from voice_agent.modes.web.app import SHIPPED_BENCH_DIR

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    _, app = _serve(tmp_path, bench_dir=None)
    heading = (SHIPPED_BENCH_DIR / "bench.md").read_text(encoding="utf-8").splitlines()[0]
    with live_server(app) as url:
        page = _open(browser, url)
        page.get_by_role("tab", name="Benchmark").click()
        expect(page.locator("#bench-table")).to_contain_text(heading.lstrip("# ").split(" (")[0],
                                                             timeout=WAIT_MS)
        expect(page.locator("#bench-chart img")).to_be_visible(timeout=WAIT_MS)
        screenshot(page, "web_benchmark_elsewhere.png")
        page.close()


def test_the_spanish_interface(browser, tmp_path):
    from playwright.sync_api import expect

    _, app = _serve(tmp_path, ui_language="es")
    with live_server(app) as url:
        page = _open(browser, url)
        for tab in ("Hablar", "Componer", "Voces", "Biblioteca", "Rendimiento"):
            expect(page.get_by_role("tab", name=tab)).to_be_visible()
        expect(page.locator("#talk-send")).to_have_text("Enviar")
        page.locator("#talk-send").click()
        expect(page.locator("#talk-status")).to_contain_text("Primero graba, sube o escribe",
                                                             timeout=WAIT_MS)
        _type_request(page, "una cumbia alegre")
        expect(page.locator("#talk-status")).to_contain_text("Terminado en", timeout=WAIT_MS)
        expect(page.locator("#talk-log")).to_contain_text("una cumbia alegre")
        screenshot(page, "web_spanish.png")
        page.close()
