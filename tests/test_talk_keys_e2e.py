"""Every key of ``voice-agent talk`` says what it did, in a real terminal (tmux) on a private
sound server; also with no output device, and in Spanish."""

from __future__ import annotations

import pytest

from tests.talk_harness import SoundServer, start_talk

pytestmark = [pytest.mark.sound_server]

FAKE_TALK = "tests.fake_talk"  # the real session on fake stages at a human pace


@pytest.fixture
def sound_server(tmp_path):
    server = SoundServer(tmp_path / "pulse")
    yield server
    server.stop()


def _type_request(terminal, text: str) -> None:
    terminal.keys("t")
    terminal.type(text)
    terminal.keys("Enter")


def test_every_key_answers(tmp_path, sound_server):
    terminal = start_talk(sound_server, tmp_path / "sessions", {}, entry=FAKE_TALK)
    try:
        terminal.wait_for("[ready]")
        terminal.keys("s")
        terminal.wait_for("nothing is playing")
        terminal.keys("x")
        terminal.wait_for("the key 'x' does nothing here")
        terminal.keys("r")
        terminal.wait_for("nothing to replay yet")
        terminal.keys("w")
        terminal.wait_for("nothing to save yet")
        terminal.keys("t")
        terminal.wait_for("[typing]")
        terminal.keys("Escape")
        terminal.wait_for("typing cancelled")
        _type_request(terminal, "play some jazz")
        screen = terminal.wait_for("timings: ", timeout=60)
        assert "thinking" in screen and "base voice" in screen  # stage names, not llm/tts_base
        assert "tts_base" not in screen and "llm_ttft" not in screen
        terminal.keys("r")
        terminal.wait_for("replaying the last music")
        terminal.wait_for("[playing music]")
        terminal.keys("s")
        terminal.wait_for("stopped")
        terminal.keys("v")
        terminal.wait_for("voice: ")
        terminal.keys("q")
        terminal.wait_for("EXITED 0", timeout=30)
    finally:
        terminal.close()


def test_replay_without_an_output_device_says_where_the_music_is(tmp_path, sound_server):
    out = tmp_path / "sessions"
    terminal = start_talk(sound_server, out, {}, flags="--output-device no-such-speaker",
                          entry=FAKE_TALK)
    try:
        terminal.wait_for("[ready]")
        _type_request(terminal, "play some jazz")
        terminal.wait_for("no output device: listen to", timeout=60)
        terminal.keys("r")
        screen = terminal.wait_for("no output device, so nothing can play here")
        assert "music.wav" in screen
        terminal.keys("q")
        terminal.wait_for("EXITED 0", timeout=30)
    finally:
        terminal.close()


def test_the_session_in_spanish(tmp_path, sound_server):
    terminal = start_talk(sound_server, tmp_path / "sessions", {}, flags="--ui-language es",
                          entry=FAKE_TALK)
    try:
        terminal.wait_for("[listo] espacio/intro: hablar")
        terminal.keys("s")
        terminal.wait_for("no está sonando nada")
        _type_request(terminal, "una cumbia")
        screen = terminal.wait_for("tiempos: ", timeout=60)
        assert "pensando" in screen and "voz base" in screen
        terminal.keys("q")
        terminal.wait_for("EXITED 0", timeout=30)
    finally:
        terminal.close()
