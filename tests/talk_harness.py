"""Test tooling: a private PulseAudio server with a virtual microphone and speaker, and a
program running in a private tmux server that is driven with send-keys and read back
with capture-pane. Used by tests/test_talk_e2e.py and benchmarks/talk_session_bench.py.

The sound server has two null sinks: "micfeed" (its monitor, remapped as the source
"virtual_mic", is the microphone: play a request file into it) and "speaker" (where the
session plays; its monitor can be recorded). PortAudio reaches it through ALSA's pulse
plugin (Debian libasound2-plugins), as on a desktop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path


class HarnessError(RuntimeError):
    """The harness could not do its part (a tool is missing, a screen never showed)."""


ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("pulseaudio", "pactl", "paplay", "parecord", "tmux")


class SoundServer:
    """A private PulseAudio daemon with a virtual microphone and speaker."""

    def __init__(self, folder: Path) -> None:
        missing = [tool for tool in TOOLS if not shutil.which(tool)]
        if missing:
            raise HarnessError(f"{', '.join(missing)} not installed; scripts/setup.sh installs them")
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
        self.args = args
        self.start()

    def start(self) -> None:
        """Start the daemon (again, after :meth:`stop`: same socket, same devices)."""
        self.process = subprocess.Popen(self.args, env=self.env, stdout=subprocess.DEVNULL,
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
                raise HarnessError(f"pulseaudio exited at start:\n{log}")
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.2)
        raise HarnessError("pulseaudio did not start within 15 s")

    def speak_into_mic(self, wav: Path) -> None:
        """Play a request file into the virtual microphone (returns when it is over)."""
        subprocess.run(["paplay", "--device=micfeed", str(wav)], env=self.env, check=True,
                       timeout=60)

    def record_speaker(self, out: Path) -> subprocess.Popen:
        """Record what the session plays, until the returned process is terminated."""
        return subprocess.Popen(["parecord", "--device=speaker.monitor", "--channels=1",
                                 "--rate=16000", "--file-format=wav", str(out)], env=self.env)

    def stop(self) -> None:
        """Stop the daemon: every device it provided vanishes."""
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
            "VOICE_AGENT_HOME", "PATH")]
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
        raise HarnessError(f"{text!r} did not appear within {timeout:.0f} s; the screen:\n{self.screen()}")

    def state_line(self) -> str:
        lines = [line for line in self.screen().splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def start_talk(server: SoundServer, out: Path, extra_env: dict[str, str],
               flags: str = "", entry: str = "voice_agent.cli talk") -> Terminal:
    """Run ``voice-agent talk`` on the sound server's devices, sessions under ``out``.

    ``entry`` is the module (and arguments) run with ``python -m``: tests pass
    ``tests.fake_talk`` for the same session on fake stages.
    """
    # The daemon's private HOME is not the program's: the model cache lives under the real one.
    env = {**server.env, "HOME": os.environ.get("HOME", "/root"), "PYTHONPATH": str(ROOT),
           **extra_env}
    if "--ui-language" not in flags:  # the tests read English unless they ask otherwise
        flags += " --ui-language en"
    if "--output-device" not in flags:
        flags += " --output-device pulse"
    command = (f"{sys.executable} -m {entry} --out {out} --input-device pulse "
               f"{flags} 2>{out.parent / 'stderr.log'}")
    return Terminal(command, env)


def say_request(terminal: Terminal, server: SoundServer, wav: Path) -> None:
    """Press space, wait until the microphone delivers, say the request, press space."""
    terminal.keys("Space")
    terminal.wait_for("dBFS")  # the level meter: blocks are arriving from the sound server
    server.speak_into_mic(wav)
    time.sleep(1.0)  # the sound server's buffer still holds the tail of the request
    terminal.keys("Space")
