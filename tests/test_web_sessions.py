"""Sessions outside the browser (issue 12): the web session panel's actions and helpers,
the service's session reads and "go to version", and ``GET /api/sessions``.

Fake stages on a real library folder; the browser itself is in test_web_sessions_browser.py.
"""

from __future__ import annotations

import httpx
import pytest

from voice_agent.core.types import Intent, MusicPlan
from voice_agent.library import Library, LibrarySession, LyricsWriter
from voice_agent.library.files import LibraryError
from voice_agent.library.sessions import NoSuchSessionError, SessionInfo, Version
from voice_agent.modes.api import create_app
from voice_agent.modes.web.common import Published
from voice_agent.modes.web.sessions import (SessionActions, change_words, plan_summary,
                                            session_choice, versions_table)
from voice_agent.service import build_service
from voice_agent.service.sessions import SessionsOffError, go_back_words
from tests.live_server import live_server


@pytest.fixture
def service(tmp_path):
    service = build_service(None, tmp_path / "out", fake=True)
    service.pipeline.library = LibrarySession(Library(tmp_path / "lib"), LyricsWriter(None))
    return service


def _actions(service, tmp_path, lang: str = "en") -> SessionActions:
    return SessionActions(service, Published(tmp_path / "published"), lang)


def _salsa_then_faster(service, name: str = "tab") -> None:
    for text in ("a happy salsa at 180 bpm", "make it faster"):
        service.turn(None, text=text, session=name, language="en")


SALSA = MusicPlan(genre="salsa", bpm=180, key="G", mode="major", duration_s=20.0,
                  instruments=("piano", "congas"))


def test_helpers_say_the_plan_and_the_change_in_both_languages():
    assert plan_summary(SALSA) == "salsa · 180 BPM · G major · 20 s · piano, congas"
    assert plan_summary(SALSA, "es") == "salsa · 180 BPM · G mayor · 20 s · piano, congas"
    changed = "tempo 180 -> 207 BPM; key C major -> A minor; added piano; removed sax"
    assert change_words(changed) == ("tempo 180 → 207 BPM; key C major → A minor; added piano; "
                                     "removed sax")
    assert change_words(changed, "es") == ("tempo 180 → 207 BPM; tonalidad C mayor → A menor; "
                                           "con piano; sin sax")
    assert change_words("first version", "es") == "primera versión"
    assert go_back_words(2, "es") == "vuelve a la versión 2"
    assert go_back_words(3, None) == "go back to version 3"


def test_versions_table_marks_the_current_one():
    versions = [Version(1, SALSA, 1, None, "first version", 1, "t"),
                Version(2, SALSA.replace(bpm=207), 2, 1, "tempo 180 -> 207 BPM", 2, "t")]
    table = versions_table(versions, 1, "en").splitlines()
    assert "▶ current" in table[2] and "180 BPM" in table[2]
    assert "▶" not in table[3] and "| 1 | tempo 180 → 207 BPM |" in table[3]
    assert "actual" in versions_table(versions, 2, "es").splitlines()[3]
    assert "No versions yet" in versions_table([], None)


def test_a_session_choice_names_it_and_its_first_request():
    info = SessionInfo("s-1", "2026-11-30T01:00:00+00:00", "2026-11-30T02:03:04+00:00", 3, 2,
                       "a very long first request about a happy salsa with trumpets")
    label, name = session_choice(info)
    assert name == "s-1"
    assert label == "s-1 · “a very long first request about a happy…” · turns: 3 · 2026-11-30 02:03"


def test_service_lists_and_details_sessions(service):
    _salsa_then_faster(service)
    [info] = service.sessions()
    assert (info.name, info.turns, info.versions) == ("tab", 2, 2)
    assert info.first_request == "a happy salsa at 180 bpm"
    detail = service.session("tab")
    assert detail.current == 2 and [v.plan.bpm for v in detail.versions] == [180, 207]
    assert detail.to_dict()["turns"][1]["transcript"] == "make it faster"
    with pytest.raises(NoSuchSessionError):
        service.session("nobody")


def test_go_to_version_is_the_voice_command_and_the_next_edit_starts_there(service):
    _salsa_then_faster(service)
    result = service.go_to_version("tab", 1, "es")
    reply = result.turn.reply
    assert reply.intent is Intent.GO_TO_VERSION
    assert reply.say == "Aquí tienes otra vez la versión 1: salsa a 180 BPM."
    assert result.record["library"]["version"] == 1 and result.turn.request == "go to version 1"
    assert service.session("tab").current == 1
    slower = service.turn(None, text="make it slower", session="tab", language="en")
    assert slower.turn.reply.plan.bpm < 180
    third = service.session("tab").versions[2]
    assert third.parent == 1 and third.changed.startswith("tempo 180 -> ")
    renders = len(service.pipeline.renderer.plans)
    with pytest.raises(LibraryError, match="no version 9"):
        service.go_to_version("tab", 9)
    assert len(service.pipeline.renderer.plans) == renders and len(service.session("tab").turns) == 4


def test_sessions_need_the_library(tmp_path):
    service = build_service(None, tmp_path, fake=True)
    with pytest.raises(SessionsOffError, match="switched off"):
        service.sessions()
    actions = _actions(service, tmp_path)
    assert not actions.on and actions.choices() == []
    started = actions.start("s-12345678")
    assert started["session"] == "s-12345678" and "off here" in started["session_status"]
    assert "Problem" in actions.compare("s-12345678", "1", "2")["session_status"]


def test_panel_starts_reopens_plays_compares_and_continues(service, tmp_path):
    actions = _actions(service, tmp_path)
    fresh = actions.start(None)
    assert fresh["session"].startswith("s-") and fresh["log"] == []
    assert actions.start("../bad name!")["session"].startswith("s-")  # unusable: a new one
    _salsa_then_faster(service, "kitchen")
    reopened = actions.start("kitchen")
    assert reopened["session"] == "kitchen" and "Continuing session kitchen" in \
        reopened["session_status"]
    log = reopened["log"]
    assert [m["content"] for m in log if m["role"] == "user"] == ["a happy salsa at 180 bpm",
                                                                  "make it faster"]
    assert reopened["version"]["choices"] == ["1", "2"] and reopened["version"]["value"] == "2"
    assert reopened["version_a"]["value"] == "1" and reopened["version_b"]["value"] == "2"
    assert [label for label, _ in actions.choices()][0].startswith("kitchen · “a happy salsa")
    played = actions.play("kitchen", "1")
    assert played["played"].startswith(str((tmp_path / "published").resolve()))
    compared = actions.compare("kitchen", "1", "2")
    assert compared["a_audio"] != compared["b_audio"] and "Version 1 is A" in \
        compared["session_status"]
    assert "Pick a version" in actions.play("kitchen", None)["session_status"]
    assert "no version 5" in actions.play("kitchen", "5")["session_status"]
    kept = actions.continue_from("kitchen", "1", None, "en", log)
    assert "Version 1 is current" in kept["session_status"]
    assert kept["reply"] == "Here's version 1 again: salsa at 180 BPM."
    assert kept["log"][:len(log)] == log and kept["log"][len(log)]["content"] == \
        "go back to version 1"
    assert "▶ current | salsa · 180 BPM" in kept["versions"]
    assert "Problem" in actions.open("nobody")["session_status"]


def test_api_lists_and_shows_sessions(service):
    _salsa_then_faster(service, "tab-7")
    with live_server(create_app(service)) as url, httpx.Client(base_url=url, timeout=60) as api:
        listed = api.get("/api/sessions")
        assert listed.status_code == 200, listed.text
        assert [(s["name"], s["turns"], s["versions"], s["first_request"])
                for s in listed.json()["sessions"]] == [("tab-7", 2, 2,
                                                         "a happy salsa at 180 bpm")]
        shown = api.get("/api/sessions/tab-7").json()
        assert shown["current_version"] == 2
        assert [v["plan"]["bpm"] for v in shown["versions"]] == [180, 207]
        assert shown["versions"][1]["changed"] == "tempo 180 -> 207 BPM"
        assert [t["transcript"] for t in shown["turns"]] == ["a happy salsa at 180 bpm",
                                                            "make it faster"]
        assert api.get("/api/sessions/nobody").status_code == 404
        assert api.get("/api/sessions/" + "x" * 65).status_code == 422


def test_api_sessions_with_the_library_off_is_a_409(tmp_path):
    service = build_service(None, tmp_path, fake=True)
    with live_server(create_app(service)) as url:
        response = httpx.get(url + "/api/sessions", timeout=60)
    assert response.status_code == 409 and "switched off" in response.json()["error"]["message"]


def test_the_spanish_panel_continues_in_spanish(service, tmp_path):
    actions = _actions(service, tmp_path, "es")
    _salsa_then_faster(service, "cocina")
    opened = actions.open("cocina")
    assert "Sesión cocina abierta (turnos hasta ahora: 2)" in opened["session_status"]
    assert "| 2 | ▶ actual | salsa · 207 BPM · G mayor" in opened["versions"]
    kept = actions.continue_from("cocina", "1", None, "auto", opened["log"])
    assert "La versión 1 es la actual" in kept["session_status"]
    assert kept["reply"] == "Aquí tienes otra vez la versión 1: salsa a 180 BPM."
    assert kept["transcript"] == "(es) vuelve a la versión 1"
