"""The talk session's controller with fake stages and a fake PortAudio: whole turns, every
failure the session must survive, and what ends up on screen and on disk."""

from __future__ import annotations

import io
import json
import threading

import numpy as np
import pytest

from voice_agent.core.audio import read_audio
from voice_agent.core.errors import ModelNotFoundError
from voice_agent.modes.talk.app import TalkOptions, TalkSession
from voice_agent.modes.talk.keys import State
from voice_agent.modes.talk.player import FileOnlyPlayer
from voice_agent.modes.talk.terminal import Screen
from voice_agent.pipeline.turns import Pipeline
from tests import fake_talk
from tests.fake_sounddevice import FakeSoundDevice, device
from tests.fakes import FakeResponder, talk_pipeline


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _sd(**kwargs) -> FakeSoundDevice:
    return FakeSoundDevice([device("Built-in Mic", inputs=2, rates=(44_100,), default_rate=44_100),
                            device("Speakers", outputs=2, rates=(48_000,))], **kwargs)


def _session(tmp_path, sd="default", pipeline=None, **options) -> TalkSession:
    sd = _sd() if sd == "default" else sd
    session = TalkSession(pipeline or talk_pipeline(), TalkOptions(out=str(tmp_path), **options),
                          Screen(io.StringIO()), sd, clock=Clock())
    session.open_output()
    session.check_input()
    session.start()
    session.played: list[str] = []
    real_play = session.player.play

    def play(audio, kind):
        session.played.append(kind)
        real_play(audio, kind)

    session.player.play = play
    return session


def _screen(session: TalkSession) -> str:
    return session.screen.stream.getvalue()


def _press(session: TalkSession, keys: str, wait: float = 0.0) -> None:
    for key in keys:
        session.clock.now += wait
        session.dispatch(("key", key, session.clock.now))


def _until(session: TalkSession, kind: str, timeout: float = 20.0) -> tuple:
    while True:
        item = session.inbox.get(timeout=timeout)
        session.dispatch(item)
        if item[0] == kind:
            return item


def _record(session: TalkSession, level: float = 0.3, seconds: float = 1.5) -> None:
    """Press talk, let the fake microphone deliver ``seconds`` of a tone, press again."""
    _press(session, " ", wait=1.0)
    assert session.machine.state is State.LISTENING
    stream = session.sd.last("input")
    t = np.arange(int(44_100 * seconds)) / 44_100
    stream.feed((level * np.sin(2 * np.pi * 220 * t)).astype(np.float32))
    session.tick()
    _press(session, " ", wait=seconds + 0.5)


def _log_lines(session: TalkSession) -> list[dict]:
    return [json.loads(line) for line in session.log.log_path.read_text().splitlines()]


def test_a_spoken_turn_end_to_end(tmp_path):
    session = _session(tmp_path)
    assert "microphone: Built-in Mic at 44100 Hz" in _screen(session)
    _record(session)
    assert session.machine.state is State.THINKING
    _until(session, "saved")
    screen = _screen(session)
    assert "you (en): play some jazz with piano" in screen
    assert "agent: Sure!" in screen and "agent: Enjoy it." in screen
    assert "timings: listening" in screen and "first reply audio" in screen and "saved in turn_001/" in screen
    # the reply streams sentence by sentence, then the music, once
    assert session.played == ["speech"] * 3 + ["music"]
    turn = tmp_path / session.log.folder.name / "turn_001"
    request = read_audio(turn / "request.wav")
    assert request.rate == 16_000 and request.duration_s == pytest.approx(1.5, abs=0.01)
    for name in ("turn.json", "music.wav", "reply_cloned.wav", "reply_base.wav"):
        assert (turn / name).is_file(), name
    [line] = _log_lines(session)
    assert line["folder"] == "turn_001" and line["request_audio"] == "request.wav"
    assert line["transcript"]["text"] == "play some jazz with piano" and line["errors"] == []
    assert json.loads((turn / "turn.json").read_text())["turn_id"] == line["turn_id"]


def test_the_state_line_shows_the_meter_while_listening(tmp_path):
    session = _session(tmp_path)
    _press(session, " ")
    session.sd.last("input").feed(np.full(4410, 0.1, np.float32))
    line = session.status_line()
    assert line.startswith("[listening] [") and "-20.0 dBFS" in line and "0.1s" in line


def test_silence_gets_the_no_speech_message_and_the_session_goes_on(tmp_path):
    session = _session(tmp_path)
    _record(session, level=0.0)
    _until(session, "saved")
    assert "listening: No speech was heard" in _screen(session)
    assert _log_lines(session)[0]["errors"][0]["kind"] == "no_speech"
    assert session.played == [] and session.machine.state is State.READY
    _record(session)
    _until(session, "saved")
    assert len(_log_lines(session)) == 2 and _log_lines(session)[1]["errors"] == []


def test_no_microphone_at_start_then_one_is_plugged_in(tmp_path):
    sd = FakeSoundDevice([device("Speakers", outputs=2)], default=(-1, 0),
                         devices_after_rescan=[device("Speakers", outputs=2),
                                               device("USB Mic", inputs=1, rates=(16_000,))])
    sd.devices_after_rescan, later = None, sd.devices_after_rescan  # still missing at first
    session = _session(tmp_path, sd=sd)
    assert "No input device found" in _screen(session)
    _press(session, " ")
    assert session.machine.state is State.READY and _screen(session).count("No input device") == 2
    sd.devices_after_rescan = later  # plugged in
    _press(session, " ", wait=1.0)
    assert session.machine.state is State.LISTENING and "microphone: USB Mic at 16000 Hz" in _screen(session)


def test_microphone_vanishing_mid_recording_keeps_the_audio_and_retries(tmp_path):
    session = _session(tmp_path)
    _press(session, " ")
    session.sd.last("input").feed(np.full(44_100, 0.2, np.float32))
    session.sd.last("input").vanish()
    session.tick()
    assert session.machine.state is State.READY
    assert "stopped delivering audio" in _screen(session) and "press space" in _screen(session)
    lost = session.log.folder / "lost_recording_001.wav"
    assert read_audio(lost).duration_s == pytest.approx(1.0, abs=0.01)
    rescans = session.sd.rescans
    _press(session, " ", wait=1.0)
    assert session.sd.rescans == rescans + 1 and session.machine.state is State.LISTENING


def test_microphone_that_cannot_start_leaves_the_session_ready(tmp_path):
    session = _session(tmp_path)
    session.sd.fail_start = True
    _press(session, " ")
    assert session.machine.state is State.READY and "could not start" in _screen(session)


def test_no_output_device_writes_files_and_says_where(tmp_path):
    sd = FakeSoundDevice([device("Mic", inputs=1, rates=(16_000,))], default=(0, -1))
    session = _session(tmp_path, sd=sd)
    assert isinstance(session.player, FileOnlyPlayer)
    assert "No output device found" in _screen(session)
    _record(session)
    _until(session, "saved")
    assert "no output device: listen to reply_cloned.wav, reply_base.wav, music.wav" in _screen(session)


def test_barge_in_stops_the_reply_and_listens(tmp_path):
    session = _session(tmp_path)
    _record(session)
    _until(session, "saved")
    assert session.player.playing() == "speech"
    _press(session, " ", wait=1.0)
    assert session.player.playing() is None and session.machine.state is State.LISTENING
    assert session.sd.last("output").aborted


def test_talking_while_the_turn_runs_mutes_that_turn(tmp_path):
    session = _session(tmp_path)
    _record(session)
    _press(session, " ", wait=1.0)  # before any event of the first turn was handled
    assert session.machine.state is State.LISTENING
    _until(session, "saved")
    assert session.played == [] and "agent: Sure!" in _screen(session)


def test_the_base_voice_plays_after_the_turn_then_the_music(tmp_path):
    session = _session(tmp_path, voice="base")
    _record(session)
    _until(session, "saved")
    assert session.played == ["speech", "music"]


def test_replay_save_and_voice_keys(tmp_path):
    session = _session(tmp_path, save_dir=str(tmp_path / "keep"))
    _press(session, "rw")
    assert "nothing to replay yet" in _screen(session) and "nothing to save yet" in _screen(session)
    _press(session, "t")
    _press(session, "slow jazz\r")
    _until(session, "saved")
    assert _log_lines(session)[0]["request"] == "text"
    _press(session, "s")
    assert session.player.playing() is None
    _press(session, "r")
    assert session.played[-1] == "music" and session.player.playing() == "music"
    _press(session, "w")
    saved = sorted(p.name for p in (tmp_path / "keep").iterdir())
    bpm = _log_lines(session)[0]["reply"]["plan"]["bpm"]  # "slow" set it
    stem = f"{session.log.folder.name}_turn_001_jazz_{bpm}bpm"
    assert saved == [f"{stem}.mid", f"{stem}.wav"]
    assert (tmp_path / "keep" / f"{stem}.wav").read_bytes() == \
        (session.log.folder / "turn_001" / "music.wav").read_bytes()
    _press(session, "v")
    assert "voice: base" in _screen(session) and session.playbacks and session.voice == "base"


def test_text_only_session_types_with_the_talk_key(tmp_path):
    session = _session(tmp_path, sd=None)
    assert "text-only" in _screen(session) and isinstance(session.player, FileOnlyPlayer)
    _press(session, " ")
    assert session.machine.state is State.TYPING
    _press(session, "cumbia\r")
    _until(session, "saved")
    assert "you (en): cumbia" in _screen(session)


class _GatedResponder(FakeResponder):
    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def respond(self, transcript, history=(), reading=None):
        self.gate.wait(timeout=20)
        return super().respond(transcript, history, reading)


def test_quit_waits_for_the_turn_in_progress_unless_pressed_twice(tmp_path):
    pipeline = talk_pipeline()
    pipeline.responder = _GatedResponder()
    session = _session(tmp_path, pipeline=pipeline)
    _record(session)
    _press(session, "q")
    assert session.running and "finishing the turn in progress" in _screen(session)
    pipeline.responder.gate.set()
    _until(session, "saved")
    assert not session.running and len(_log_lines(session)) == 1
    session.shutdown()
    assert "bye." in _screen(session)


def test_the_run_loop_quits_on_q(tmp_path):
    session = _session(tmp_path)
    session.inbox.put(("key", "q", 0.0))
    session.run()  # returns: the loop ended
    assert not session.running and "bye." in _screen(session)


class _CrashingPipeline(Pipeline):
    def run(self, *args, **kwargs):
        raise RuntimeError("disk on fire")


def test_a_crashing_turn_does_not_end_the_session(tmp_path):
    base = talk_pipeline()
    pipeline = _CrashingPipeline(base.transcriber, base.responder, base.renderer, base.speakers)
    session = _session(tmp_path, pipeline=pipeline)
    _record(session)
    _until(session, "crashed")
    assert "turn 1 failed unexpectedly (RuntimeError: disk on fire)" in _screen(session)
    assert (session.log.folder / "turn_001" / "request.wav").is_file()
    assert session.machine.state is State.READY


def _failing_load(stage: str, error: Exception):
    pipeline = talk_pipeline()

    def fail():
        raise error

    getattr(pipeline, stage).load = fail
    return pipeline


def broken_pipeline(config=None):
    """For the CLI test below: the ASR weights are missing."""
    return _failing_load("transcriber", ModelNotFoundError(
        "Whisper weights are missing. Run: voice-agent models --prepare"))


def crashing_load_pipeline(config=None):
    """A runtime library that blows up while loading."""
    return _failing_load("responder", RuntimeError("illegal instruction in libfoo"))


@pytest.mark.parametrize("build,message", [
    (broken_pipeline, "Whisper weights are missing"),
    (crashing_load_pipeline, "The models could not be loaded (RuntimeError: illegal"),
])
def test_model_load_failure_is_one_clear_message(tmp_path, capsys, build, message):
    assert fake_talk.main(["--text-only", "--out", str(tmp_path)], build) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_speakers_vanishing_mid_reply_switch_to_files(tmp_path):
    session = _session(tmp_path)
    _record(session)
    _until(session, "saved")
    session.sd.last("output").vanish()
    session.tick()
    assert isinstance(session.player, FileOnlyPlayer)
    assert "output device 'Speakers' stopped. From now on the audio is only written" in _screen(session)
    _press(session, "t")
    _press(session, "salsa\r")
    _until(session, "saved")
    assert "no output device: listen to" in _screen(session)


def test_talk_keeps_its_turns_in_a_stored_session_and_can_continue_it(tmp_path):
    from voice_agent.library import Library, LibrarySession, LyricsWriter
    from voice_agent.library.sessions import SessionStore

    def pipeline():
        made = talk_pipeline()
        made.library = LibrarySession(Library(tmp_path / "lib"), LyricsWriter(None))
        return made

    session = _session(tmp_path / "one", pipeline=pipeline())
    name = f"talk-{session.log.folder.name}"
    assert f"session: {name}" in _screen(session)
    _record(session)
    _until(session, "saved")
    store = SessionStore(Library(tmp_path / "lib"))
    assert [t.transcript for t in store.turns(name)] == ["play some jazz with piano"]
    assert store.versions(name)[0].plan.genre == "jazz"
    again = _session(tmp_path / "two", pipeline=pipeline(), session=name)
    assert f"session: {name} (1 earlier turn)" in _screen(again)
    assert again.history[-1].reply.plan.genre == "jazz"
