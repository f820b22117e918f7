"""``voice-agent talk`` driven as a person would: the real program in a terminal (tmux
send-keys / capture-pane), a real PulseAudio server with a virtual microphone that a
spoken request file is played into, and a virtual speaker whose output is recorded.

PulseAudio runs as a private daemon of the test (its own runtime folder and socket):
two null sinks, "micfeed" (its monitor, remapped as the source "virtual_mic", is the
microphone) and "speaker" (what the session plays; its monitor is recorded). PortAudio
reaches it through ALSA's pulse plugin (Debian libasound2-plugins), exactly as on a
desktop. scripts/setup.sh installs pulseaudio, pulseaudio-utils, libasound2-plugins, tmux.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from voice_agent.core.audio import read_audio, write_wav
from voice_agent.core.types import Audio
from tests.conftest import REQUESTS
from tests.talk_harness import ROOT, SoundServer, Terminal, say_request, start_talk

FAKE_TALK = "tests.fake_talk"  # the talk session on fake stages (a test-only entry)

pytestmark = [pytest.mark.sound_server]


@pytest.fixture
def sound_server(tmp_path):
    server = SoundServer(tmp_path / "pulse")
    yield server
    server.stop()


def _session_folder(out: Path) -> Path:
    [folder] = list(out.iterdir())
    return folder


def _log(out: Path) -> list[dict]:
    text = (_session_folder(out) / "session.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.slow
def test_talk_session_in_a_terminal_with_a_virtual_microphone(tmp_path, sound_server):
    out = tmp_path / "sessions"
    terminal = start_talk(sound_server, out, {}, entry=FAKE_TALK)
    speaker = sound_server.record_speaker(tmp_path / "speaker.wav")
    try:
        screen = terminal.wait_for("[ready]")
        assert "microphone: pulse" in screen and "output: pulse" in screen

        say_request(terminal, sound_server, REQUESTS / "example_en.wav")
        terminal.wait_for("you (en): play some jazz with piano")
        terminal.wait_for("[speaking]")
        terminal.wait_for("[playing music]")
        screen = terminal.wait_for("timings: listening")
        assert "agent: Sure!" in screen and "first reply audio" in screen
        terminal.keys("s")  # stop the music
        terminal.wait_for("[ready]")
        terminal.keys("w")
        terminal.wait_for("saved ")

        say_request(terminal, sound_server, write_wav(tmp_path / "silence.wav",
                                                Audio(np.zeros(32_000, np.float32), 16_000)))
        terminal.wait_for("listening: No speech was heard")

        terminal.keys("t")
        terminal.type("cumbia")
        terminal.wait_for("[typing] > cumbia_")
        terminal.keys("Enter")
        terminal.wait_for("you (en): cumbia")
        terminal.wait_for("[speaking]")
        terminal.keys("Space")  # barge in: the reply stops, the microphone opens
        terminal.wait_for("[listening]")
        terminal.keys("Escape")
        terminal.wait_for("recording cancelled")
        terminal.keys("q")
        terminal.wait_for("EXITED 0", timeout=30)
    finally:
        speaker.terminate()
        speaker.wait(timeout=10)
        terminal.close()

    assert {"ready", "listening", "thinking", "speaking", "playing music", "typing"} <= \
        terminal.seen_states
    records = _log(out)
    assert [r["request"] == "text" for r in records] == [False, False, True]
    assert records[0]["transcript"]["text"] == "play some jazz with piano"
    assert records[1]["errors"][0]["kind"] == "no_speech"
    folder = _session_folder(out)
    heard = read_audio(folder / "turn_001" / "request.wav")
    request = read_audio(REQUESTS / "example_en.wav")
    assert heard.rate == 16_000 and heard.duration_s >= request.duration_s
    assert heard.rms > 0.5 * request.rms  # the spoken request came through the microphone
    assert read_audio(folder / "turn_002" / "request.wav").rms < 0.01
    for name in ("music.wav", "reply_cloned.wav", "reply_base.wav", "turn.json"):
        assert (folder / "turn_001" / name).is_file(), name
    assert any(p.suffix == ".wav" for p in (folder / "saved").iterdir())
    played = read_audio(tmp_path / "speaker.wav")
    assert played.rms > 0.02  # the spoken reply and the music reached the speaker


@pytest.mark.slow
def test_microphone_vanishing_mid_recording_then_coming_back(tmp_path, sound_server):
    out = tmp_path / "sessions"
    terminal = start_talk(sound_server, out, {}, entry=FAKE_TALK)
    try:
        terminal.wait_for("[ready]")
        terminal.keys("Space")
        terminal.wait_for("dBFS")
        sound_server.speak_into_mic(REQUESTS / "example_en.wav")
        sound_server.stop()  # the microphone (and the speaker) vanish mid-recording
        screen = terminal.wait_for("What was recorded is kept in", timeout=20)
        assert "stopped delivering audio" in screen or "failed" in screen
        assert terminal.state_line().startswith("[ready]")
        sound_server.start()  # plugged back in
        say_request(terminal, sound_server, REQUESTS / "example_en.wav")  # space re-scans
        terminal.wait_for("you (en): play some jazz with piano")
        terminal.wait_for("timings: listening")
        terminal.keys("q")
        terminal.wait_for("EXITED 0", timeout=30)
    finally:
        terminal.close()
    folder = _session_folder(out)
    lost = read_audio(folder / "lost_recording_001.wav")
    assert lost.rms > 0.02  # the request said before the device vanished was kept
    assert _log(out)[0]["transcript"]["text"] == "play some jazz with piano"


@pytest.mark.slow
def test_talk_session_without_a_sound_server_falls_back_to_typing(tmp_path):
    # No PULSE_SERVER reachable and no sound card: no devices at all.
    env = {"PYTHONPATH": str(ROOT), "PULSE_SERVER": f"unix:{tmp_path}/none",
           "HOME": str(tmp_path), "PATH": os.environ["PATH"]}
    out = tmp_path / "sessions"
    terminal = Terminal(f"{sys.executable} -m {FAKE_TALK} --out {out} "
                        f"2>{tmp_path / 'stderr.log'}", env)
    try:
        screen = terminal.wait_for("[ready]")
        assert "No input device found" in screen and "No output device found" in screen
        terminal.keys("Space")  # retry: still no microphone, a clear message again
        terminal.wait_for("No input device found", count=2)
        terminal.keys("t")
        terminal.type("salsa")
        terminal.keys("Enter")
        screen = terminal.wait_for("no output device: listen to")
        assert "music.wav" in screen
        terminal.keys("q")
        terminal.wait_for("EXITED 0")
    finally:
        terminal.close()
    assert _log(out)[0]["transcript"]["text"] == "salsa"


@pytest.mark.real_model
@pytest.mark.slow
def test_talk_session_with_the_real_models(tmp_path, sound_server):
    out = tmp_path / "sessions"
    terminal = start_talk(sound_server, out, {})
    try:
        terminal.wait_for("[ready]", timeout=240)
        say_request(terminal, sound_server, REQUESTS / "example_en.wav")
        screen = terminal.wait_for("you (en):", timeout=120)
        assert "bossa nova" in screen.lower()
        terminal.wait_for("timings: listening", timeout=240)
        terminal.keys("q")
        terminal.wait_for("EXITED 0", timeout=60)
    finally:
        terminal.close()
    [record] = _log(out)
    assert "bossa" in record["reply"]["plan"]["genre"] and record["errors"] == []
    assert "cloned" in record["speech"] and record["music"]["file"] == "music.wav"
