"""The talk mode's Player and Microphone on a real sound server (PulseAudio through ALSA's
pulse plugin, as on a Linux desktop), not the fake PortAudio.

Found by the talk bench: with fixed 50 ms blocks, a 3 s clip took 41 s to come out of the
speaker, in pieces between underruns, and a 1.5 s clip came out as 1.2 s; later, a new
stream was found to drop the first 0.06-0.2 s written to it. These tests
check what a person would notice: the reply comes out whole and in one piece, and nothing
said into the microphone right after pressing the key is lost.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from voice_agent.core.audio import read_audio
from tests.conftest import REQUESTS
from tests.talk_harness import ROOT, HarnessError, SoundServer

pytestmark = [pytest.mark.slow, pytest.mark.sound_server]

PLAY = """
import json, time, numpy as np
from voice_agent.fakes import tone
from voice_agent.modes.talk.devices import OUTPUT, load_sounddevice, open_settings
from voice_agent.modes.talk.player import Player
sd = load_sounddevice()
player = Player(sd, open_settings(sd, "pulse", OUTPUT))
start = time.monotonic()
player.play(tone(1.5, 24_000, freq=440.0), "speech")
while player.playing() and time.monotonic() - start < 60:
    time.sleep(0.02)
print(json.dumps({"quiet": player.playing() is None}))
player.close()
"""

RECORD = """
import json, sys
from voice_agent.modes.talk.devices import INPUT, load_sounddevice, open_settings
from voice_agent.modes.talk.mic import Microphone
sd = load_sounddevice()
mic = Microphone(sd, open_settings(sd, "pulse", INPUT, preferred_rate=16_000))
mic.start()
print("recording", flush=True)  # a person starts talking as soon as the key is down
sys.stdin.readline()  # the test has finished playing the request into the microphone
audio = mic.stop()
print(json.dumps({"rate": audio.rate, "seconds": audio.duration_s}))
"""


@pytest.fixture
def sound_server(tmp_path):
    try:
        server = SoundServer(tmp_path / "pulse")
    except HarnessError as exc:
        pytest.fail(f"the sound server is part of the test set-up: {exc}")
    yield server
    server.stop()


def _python(code: str, server: SoundServer, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={
        **server.env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True, **kwargs)


def test_a_clip_comes_out_of_the_speaker_in_one_piece(tmp_path, sound_server):
    recording = tmp_path / "speaker.wav"
    recorder = sound_server.record_speaker(recording)
    time.sleep(0.5)
    player = _python(PLAY, sound_server)
    out, _ = player.communicate(timeout=120)
    time.sleep(0.3)
    recorder.terminate()
    recorder.wait(timeout=10)
    assert json.loads(out.splitlines()[-1]) == {"quiet": True}
    heard = read_audio(recording)
    loud = np.flatnonzero(np.abs(heard.samples) > 0.05)
    assert len(loud) > 0, "nothing came out of the speaker"
    span_s = (loud[-1] - loud[0]) / heard.rate
    # 1.5 s of tone: shorter means samples were lost, much longer that it stuttered. Without
    # the player's lead-in silence, 0.06-0.2 s of the start was lost here (1.30-1.44 s)
    assert 1.45 < span_s < 2.5, f"the 1.5 s clip was spread over {span_s:.1f} s"


def test_everything_said_into_the_microphone_is_recorded(sound_server):
    request = REQUESTS / "example_en.wav"
    said_s = read_audio(request).duration_s
    recorder = _python(RECORD, sound_server, stdin=subprocess.PIPE)
    assert recorder.stdout.readline().strip() == "recording"
    started = time.monotonic()
    sound_server.speak_into_mic(request)
    elapsed = time.monotonic() - started
    out, _ = recorder.communicate("\n", timeout=60)
    result = json.loads(out.splitlines()[-1])
    assert result["rate"] == 16_000
    # recording began before the request was said and ended after: it must hold all of it
    assert result["seconds"] >= said_s * 0.95, (result, elapsed, said_s)
