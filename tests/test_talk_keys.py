"""The push-to-talk key/state machine, the level meter and the playback order: pure
logic, no terminal, no audio device."""

from __future__ import annotations

import numpy as np
import pytest

from voice_agent.core.events import TurnEvent
from voice_agent.modes.talk.keys import Command, Do, State, TalkMachine, Timing
from voice_agent.modes.talk.meter import FLOOR_DB, is_clipping, render_meter, rms_dbfs
from voice_agent.modes.talk.playback import TurnPlayback
from voice_agent.modes.talk.terminal import split_keys
from voice_agent.core.types import SpokenReply, Turn
from tests.fakes import tone


def _ready(**kwargs) -> TalkMachine:
    machine = TalkMachine(**kwargs)
    machine.ready()
    return machine


def _actions(commands: list[Command]) -> list[Do]:
    return [c.action for c in commands]


def test_keys_do_nothing_while_the_models_load_except_quitting():
    machine = TalkMachine()
    assert machine.state is State.LOADING
    assert machine.press(" ", 0.0) == [] and machine.state is State.LOADING
    assert _actions(machine.press("\x03", 0.1)) == [Do.QUIT]


@pytest.mark.parametrize("key", [" ", "\r", "\n"])
def test_toggle_talk_press_to_start_press_again_to_send(key):
    machine = _ready()
    assert _actions(machine.press(key, 10.0)) == [Do.START_LISTENING]
    assert machine.state is State.LISTENING
    assert _actions(machine.tick(12.0)) == []  # no held key: nothing sends by itself
    assert _actions(machine.press(key, 13.0)) == [Do.SEND_RECORDING]
    assert machine.state is State.READY


def test_a_second_press_inside_the_grace_time_does_not_send():
    machine = _ready()
    machine.press(" ", 10.0)
    assert machine.press(" ", 10.5) == []  # a held key's first repeat looks like this
    assert machine.state is State.LISTENING


def test_hold_to_talk_from_auto_repeat_sends_when_the_repeats_stop():
    machine = _ready()
    machine.press(" ", 0.0)
    now = 0.5  # the keyboard's repeat delay, then ~30 repeats a second
    while now < 3.0:
        assert machine.press(" ", now) == []
        now += 0.033
    assert machine.held and machine.state is State.LISTENING
    assert machine.tick(now + 0.1) == []  # a short gap: still held
    assert _actions(machine.tick(now + 0.5)) == [Do.SEND_RECORDING]
    assert machine.state is State.READY and not machine.held


def test_repeats_after_a_held_recording_was_sent_do_not_start_another():
    machine = _ready()
    machine.press(" ", 0.0)
    for i in range(20):
        machine.press(" ", 0.5 + i * 0.03)
    assert _actions(machine.tick(1.45)) == [Do.SEND_RECORDING]  # released (or so it seems)
    machine.turn_started()
    for _ in range(3):  # repeats that a busy machine delivered late, all at once
        assert machine.press(" ", 1.5) == []
    assert machine.state is State.THINKING
    assert _actions(machine.press(" ", 4.0)) == [Do.STOP_PLAYBACK, Do.START_LISTENING]


def test_no_hold_mode_ignores_repeats_and_needs_a_second_press():
    machine = _ready(timing=Timing(hold_to_talk=False))
    machine.press(" ", 0.0)
    for i in range(20):
        machine.press(" ", 0.5 + i * 0.03)
    assert not machine.held and machine.tick(5.0) == []
    assert _actions(machine.press(" ", 6.0)) == [Do.SEND_RECORDING]


def test_escape_cancels_and_q_cancels_then_quits_while_listening():
    machine = _ready()
    machine.press(" ", 0.0)
    assert _actions(machine.press("\x1b", 2.0)) == [Do.CANCEL_RECORDING]
    assert machine.state is State.READY
    machine.press(" ", 3.0)
    assert _actions(machine.press("q", 5.0)) == [Do.CANCEL_RECORDING, Do.QUIT]


def test_states_follow_the_turn_and_the_player():
    machine = _ready()
    machine.turn_started()
    assert machine.state is State.THINKING
    machine.playback("speech")
    assert machine.state is State.SPEAKING
    machine.playback("music")
    assert machine.state is State.PLAYING_MUSIC
    machine.turn_finished()
    assert machine.state is State.PLAYING_MUSIC
    machine.playback(None)
    assert machine.state is State.READY


@pytest.mark.parametrize("playing,busy", [("speech", False), ("music", False), (None, True)])
def test_barge_in_talking_stops_playback_and_listens(playing, busy):
    machine = _ready()
    machine.playback(playing)
    if busy:
        machine.turn_started()
    assert _actions(machine.press(" ", 1.0)) == [Do.STOP_PLAYBACK, Do.START_LISTENING]
    assert machine.state is State.LISTENING


def test_stop_key_only_when_something_plays_or_runs_else_it_says_nothing_plays():
    machine = _ready()
    assert machine.press("s", 0.0) == [Command(Do.NOTE, "nothing_playing")]
    machine.playback("music")
    assert _actions(machine.press("s", 1.0)) == [Do.STOP_PLAYBACK]


def test_idle_keys_replay_save_voice_quit():
    machine = _ready()
    assert _actions(machine.press("r", 0)) == [Do.REPLAY]
    assert _actions(machine.press("w", 0)) == [Do.SAVE]
    assert _actions(machine.press("v", 0)) == [Do.TOGGLE_VOICE]
    assert _actions(machine.press("q", 0)) == [Do.QUIT]
    assert machine.press("x", 0) == [Command(Do.NOTE, "key:x")]  # said, not ignored
    assert machine.press("\x01", 0) == []  # a control character is not a key press to explain


def test_typing_a_request_with_backspace_and_letters_that_are_keys_elsewhere():
    machine = _ready()
    assert machine.press("t", 0) == [] and machine.state is State.TYPING
    for key in "jazq\x7fz rq":  # q, r and space are just letters while typing
        assert machine.press(key, 0) == []
    assert machine.typed == "jazz rq"
    assert machine.press("\r", 0) == [Command(Do.SUBMIT_TEXT, "jazz rq")]
    assert machine.state is State.READY


def test_typing_escape_and_empty_enter_send_nothing():
    machine = _ready()
    machine.press("t", 0)
    machine.press("a", 0)
    assert machine.press("\x1b", 0) == [Command(Do.NOTE, "typing_cancelled")]
    assert machine.state is State.READY
    machine.press("t", 0)
    assert machine.press("\r", 0) == [] and machine.state is State.READY


def test_text_only_talk_key_opens_typing_and_typing_over_playback_stops_it():
    machine = _ready(text_only=True)
    assert machine.press(" ", 0) == [] and machine.state is State.TYPING
    machine.playback("music")
    machine.press("x", 0)
    assert _actions(machine.press("\n", 0)) == [Do.STOP_PLAYBACK, Do.SUBMIT_TEXT]


def test_a_failed_microphone_returns_to_ready():
    machine = _ready()
    machine.press(" ", 0)
    machine.listening_failed()
    assert machine.state is State.READY


def test_level_meter_dbfs_and_bar():
    assert rms_dbfs(np.zeros(100, np.float32)) == FLOOR_DB
    assert rms_dbfs(np.zeros(0, np.float32)) == FLOOR_DB
    assert rms_dbfs(np.ones(100, np.float32)) == pytest.approx(0.0)
    assert rms_dbfs(np.full(100, 0.1, np.float32)) == pytest.approx(-20.0)
    assert render_meter(-60.0, width=10) == "[----------] -60.0 dBFS (quiet)"
    assert render_meter(-30.0, width=10) == "[#####-----] -30.0 dBFS"
    assert render_meter(3.0, width=10, clipping=True) == "[##########]   0.0 dBFS CLIPPING"
    assert is_clipping(np.array([0.2, -1.0], np.float32))
    assert not is_clipping(np.array([0.2, -0.5], np.float32))


def test_escape_sequences_are_not_keys():
    assert split_keys("a\x1b[A \x1bOP\r") == ["a", " ", "\r"]
    assert split_keys("\x1b") == ["\x1b"]


def _event(kind: str, **fields) -> TurnEvent:
    return TurnEvent(kind, **fields)


def _speech_turn() -> Turn:
    spoken = SpokenReply("base", tone(0.5), "fake", 0.1, 0.05)
    return Turn("t", "now", "r", None, None, speech=(spoken,))


def test_turn_playback_speaks_the_primary_voice_as_it_comes_then_the_music():
    playback = TurnPlayback(voice="cloned", primary="cloned")
    speech, music = tone(0.2), tone(1.0)
    assert playback.handle(_event("speech_chunk", voice="cloned", audio=speech)) == [(speech, "speech")]
    assert playback.handle(_event("music_ready", audio=music)) == []  # the reply is not over
    assert playback.handle(_event("speech_chunk", voice="base", audio=speech)) == []
    assert playback.handle(_event("stage_started", stage="tts_base")) == [(music, "music")]
    assert playback.handle(_event("turn_done", data=_speech_turn())) == []  # music only once


def test_turn_playback_music_follows_a_failed_primary_voice_at_once():
    playback = TurnPlayback(voice="cloned", primary="cloned")
    music = tone(1.0)
    playback.handle(_event("music_ready", audio=music))
    assert playback.handle(_event("stage_failed", stage="tts_cloned", text="boom")) == \
        [(music, "music")]


def test_turn_playback_of_the_other_voice_waits_for_the_end_of_the_turn():
    playback = TurnPlayback(voice="base", primary="cloned")
    music = tone(1.0)
    assert playback.handle(_event("speech_chunk", voice="cloned", audio=tone(0.2))) == []
    assert playback.handle(_event("music_ready", audio=music)) == []
    assert playback.handle(_event("stage_finished", stage="tts_base")) == []
    turn = _speech_turn()
    assert playback.handle(_event("turn_done", data=turn)) == \
        [(turn.speech[0].audio, "speech"), (music, "music")]


def test_turn_playback_without_voices_plays_music_at_once_and_muted_plays_nothing():
    music = tone(1.0)
    assert TurnPlayback(voice=None, primary=None).handle(_event("music_ready", audio=music)) == \
        [(music, "music")]
    muted = TurnPlayback(voice="cloned", primary="cloned", muted=True)
    assert muted.handle(_event("speech_chunk", voice="cloned", audio=music)) == []
