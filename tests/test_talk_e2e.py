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
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from voice_agent.audio import read_audio, write_wav
from voice_agent.types import Audio
from tests.conftest import REQUESTS

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("pulseaudio", "pactl", "paplay", "parecord", "tmux")


class SoundServer:
    """A private PulseAudio daemon with a virtual microphone and speaker."""

    def __init__(self, folder: Path) -> None:
        missing = [tool for tool in TOOLS if not shutil.which(tool)]
        if missing:
            pytest.fail(f"{', '.join(missing)} not installed; scripts/setup.sh installs them")
        self.folder = folder
        (folder / "home").mkdir(parents=True)
        (folder / "run").mkdir(mode=0o700)
        self.socket = folder / "run" / "native"
        self.env = {**os.environ, "HOME": str(folder / "home"), "XDG_RUNTIME_DIR": str(folder / "run"),
                    "PULSE_SERVER": f"unix:{self.socket}", "PULSE_LATENCY_MSEC": "60"}
        modules = [f"module-native-protocol-unix socket={self.socket} auth-anonymous=1",
                   "module-null-sink sink_name=speaker rate=48000",
                   "module-null-sink sink_name=micfeed rate=16000 channels=1",
                   "module-remap-source master=micfeed.monitor source_name=virtual_mic"]
        args = ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1",
                f"--log-target=file:{folder / 'pulse.log'}"]
        for module in modules:
            args += ["-L", module]
        self.process = subprocess.Popen(args, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self._wait_ready()
        self.pactl("set-default-sink", "speaker")
        self.pactl("set-default-source", "virtual_mic")

    def pactl(self, *args: str) -> str:
        return subprocess.run(["pactl", *args], env=self.env, check=True, capture_output=True,
                              text=True, timeout=10).stdout

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "pulse.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"pulseaudio exited at start:\n{log}")
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.2)
        pytest.fail("pulseaudio did not start within 15 s")

    def speak_into_mic(self, wav: Path) -> None:
        """Play a request file into the virtual microphone (returns when it is over)."""
        subprocess.run(["paplay", "--device=micfeed", str(wav)], env=self.env, check=True,
                       timeout=60)

    def record_speaker(self, out: Path) -> subprocess.Popen:
        """Record what the session plays, until the returned process is terminated."""
        return subprocess.Popen(["parecord", "--device=speaker.monitor", "--channels=1",
                                 "--rate=16000", "--file-format=wav", str(out)], env=self.env)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Terminal:
    """The program running in a private tmux server, read back as text."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.socket = f"va-talk-{uuid.uuid4().hex[:8]}"
        exports = [f"{k}={v}" for k, v in env.items() if k in (
            "HOME", "XDG_RUNTIME_DIR", "PULSE_SERVER", "PULSE_LATENCY_MSEC", "PYTHONPATH",
            "VOICE_AGENT_TALK_PIPELINE", "VOICE_AGENT_HOME", "PATH")]
        env_args = [arg for pair in exports for arg in ("-e", pair)]
        self.tmux("new-session", "-d", "-s", "talk", "-x", "160", "-y", "50", *env_args,
                  f"cd {ROOT} && {command}; echo EXITED $?; sleep 600")
        self.seen_states: set[str] = set()

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True,
                              capture_output=True, text=True, timeout=10).stdout

    def screen(self) -> str:
        text = self.tmux("capture-pane", "-p", "-t", "talk", "-S", "-200")
        for line in text.splitlines():
            if line.startswith("[") and "]" in line:
                self.seen_states.add(line[1:line.index("]")])
        return text

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "talk", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "talk", "-l", text)

    def wait_for(self, text: str, timeout: float = 30.0, count: int = 1) -> str:
        """The screen once ``text`` is on it (``count`` times); fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if screen.count(text) >= count:
                return screen
            time.sleep(0.1)
        pytest.fail(f"{text!r} did not appear within {timeout:.0f} s; the screen:\n{self.screen()}")

    def state_line(self) -> str:
        lines = [line for line in self.screen().splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def sound_server(tmp_path):
    server = SoundServer(tmp_path / "pulse")
    yield server
    server.stop()


def _start_talk(server: SoundServer, out: Path, extra_env: dict[str, str], flags: str = "") -> Terminal:
    env = {**server.env, "PYTHONPATH": str(ROOT), **extra_env}
    command = (f"{sys.executable} -m voice_agent.cli talk --out {out} --input-device pulse "
               f"--output-device pulse {flags} 2>{out.parent / 'stderr.log'}")
    return Terminal(command, env)


def _session_folder(out: Path) -> Path:
    [folder] = list(out.iterdir())
    return folder


def _log(out: Path) -> list[dict]:
    text = (_session_folder(out) / "session.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _talk(terminal: Terminal, server: SoundServer, wav: Path) -> None:
    """Press space, wait until the microphone delivers, say the request, press space."""
    terminal.keys("Space")
    terminal.wait_for("dBFS")  # the level meter: blocks are arriving from the sound server
    server.speak_into_mic(wav)
    time.sleep(1.0)  # the sound server's buffer still holds the tail of the request
    terminal.keys("Space")


@pytest.mark.slow
def test_talk_session_in_a_terminal_with_a_virtual_microphone(tmp_path, sound_server):
    out = tmp_path / "sessions"
    terminal = _start_talk(sound_server, out,
                           {"VOICE_AGENT_TALK_PIPELINE": "tests.fakes:talk_pipeline_at_human_pace"})
    speaker = sound_server.record_speaker(tmp_path / "speaker.wav")
    try:
        screen = terminal.wait_for("[ready]")
        assert "microphone: pulse" in screen and "output: pulse" in screen

        _talk(terminal, sound_server, REQUESTS / "example_en.wav")
        terminal.wait_for("you (en): play some jazz with piano")
        terminal.wait_for("[speaking]")
        terminal.wait_for("[playing music]")
        screen = terminal.wait_for("timings: asr")
        assert "agent: Sure!" in screen and "first audio" in screen
        terminal.keys("s")  # stop the music
        terminal.wait_for("[ready]")
        terminal.keys("w")
        terminal.wait_for("saved ")

        _talk(terminal, sound_server, write_wav(tmp_path / "silence.wav",
                                                Audio(np.zeros(32_000, np.float32), 16_000)))
        terminal.wait_for("asr: No speech was heard")

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
def test_talk_session_without_a_sound_server_falls_back_to_typing(tmp_path):
    # No PULSE_SERVER reachable and no sound card: no devices at all.
    env = {"PYTHONPATH": str(ROOT), "PULSE_SERVER": f"unix:{tmp_path}/none",
           "VOICE_AGENT_TALK_PIPELINE": "tests.fakes:talk_pipeline_at_human_pace",
           "HOME": str(tmp_path), "PATH": os.environ["PATH"]}
    out = tmp_path / "sessions"
    terminal = Terminal(f"{sys.executable} -m voice_agent.cli talk --out {out} "
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
    terminal = _start_talk(sound_server, out, {})
    try:
        terminal.wait_for("[ready]", timeout=240)
        _talk(terminal, sound_server, REQUESTS / "example_en.wav")
        screen = terminal.wait_for("you (en):", timeout=120)
        assert "bossa nova" in screen.lower()
        terminal.wait_for("timings: asr", timeout=240)
        terminal.keys("q")
        terminal.wait_for("EXITED 0", timeout=60)
    finally:
        terminal.close()
    [record] = _log(out)
    assert "bossa" in record["reply"]["plan"]["genre"] and record["errors"] == []
    assert record["speech"] and record["music"]["file"] == "music.wav"
