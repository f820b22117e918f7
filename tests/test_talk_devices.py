"""Device listing and choice, rate negotiation, recording and playback, on a fake PortAudio."""

from __future__ import annotations

import numpy as np
import pytest

from voice_agent.modes.talk import devices
from voice_agent.modes.talk.devices import AudioDeviceError, DeviceChoice, open_settings
from voice_agent.modes.talk.mic import Microphone
from voice_agent.modes.talk.player import LEAD_IN_S, Player
from voice_agent.core.types import Audio
from tests.fake_sounddevice import FakeSoundDevice, device
from tests.fakes import tone


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _sd() -> FakeSoundDevice:
    return FakeSoundDevice([
        device("Built-in Mic", inputs=2, rates=(44_100,), default_rate=44_100),
        device("Speakers", outputs=2, rates=(48_000,), channels_ok=(2,)),
        device("USB Headset", inputs=1, outputs=2, rates=(16_000, 48_000)),
    ], default=(0, 1))


def test_device_list_shows_channels_rates_names_and_defaults():
    listing = devices.format_device_list(_sd())
    lines = listing.splitlines()
    assert len(lines) == 3
    assert "Built-in Mic" in lines[0] and "in  2" in lines[0] and "(default input)" in lines[0]
    assert "Speakers" in lines[1] and "48000 Hz" in lines[1] and "(default output)" in lines[1]
    assert "No sound devices" in devices.format_device_list(FakeSoundDevice([]))


def test_default_device_by_index_and_by_name():
    sd = _sd()
    assert devices.find_device(sd, None, "input")[0] == 0
    assert devices.find_device(sd, None, "output")[0] == 1
    assert devices.find_device(sd, "2", "input")[0] == 2
    assert devices.find_device(sd, "headset", "output")[0] == 2


def test_default_falls_back_to_the_first_usable_device():
    sd = _sd()
    sd.default.device = [-1, -1]
    assert devices.find_device(sd, None, "input")[0] == 0
    assert devices.find_device(sd, None, "output")[0] == 1


def test_unknown_or_wrong_kind_device_names_the_usable_ones():
    with pytest.raises(AudioDeviceError, match="No input device matches 'webcam'.*'Built-in Mic'"):
        devices.find_device(_sd(), "webcam", "input")
    with pytest.raises(AudioDeviceError, match="No output device matches '0'"):
        devices.find_device(_sd(), "0", "output")  # the microphone has no output channels


def test_no_input_device_says_how_to_go_on():
    sd = FakeSoundDevice([device("Speakers", outputs=2)])
    with pytest.raises(AudioDeviceError, match="No input device found.*--text-only"):
        open_settings(sd, None, "input", 16_000)


def test_rate_negotiation_opens_what_the_device_supports_not_the_model_rate():
    # The model wants 16 kHz; the built-in mic only does 44.1 kHz: the classic
    # "Invalid sample rate" crash. The session opens it at 44.1 kHz, mono.
    choice = open_settings(_sd(), None, "input", 16_000)
    assert (choice.index, choice.rate, choice.channels) == (0, 44_100, 1)
    assert open_settings(_sd(), "USB", "input", 16_000).rate == 16_000


def test_stereo_only_output_gets_two_channels():
    choice = open_settings(_sd(), None, "output")
    assert (choice.rate, choice.channels) == (48_000, 2)


def test_a_device_that_accepts_no_rate_is_a_clear_error():
    sd = FakeSoundDevice([device("Odd Mic", inputs=1, rates=(11_025,), default_rate=0)])
    with pytest.raises(AudioDeviceError, match="accepts none of the sample rates.*--input-device"):
        open_settings(sd, None, "input", 16_000)


def test_candidate_rates_put_the_preferred_and_device_rate_first_without_repeats():
    rates = devices.candidate_rates(16_000, 44_100.0)
    assert rates[:2] == [16_000, 44_100] and len(rates) == len(set(rates))
    assert 48_000 in rates


def test_rescan_re_enumerates_devices():
    sd = FakeSoundDevice([], devices_after_rescan=[device("New Mic", inputs=1)])
    devices.refresh(sd)
    assert sd.rescans == 1 and devices.find_device(sd, None, "input")[1]["name"] == "New Mic"


def _mic(sd=None, clock=None, rate=44_100, channels=2) -> tuple[Microphone, FakeSoundDevice]:
    sd = sd or _sd()
    mic = Microphone(sd, DeviceChoice(0, "Built-in Mic", rate, channels), clock=clock or Clock())
    mic.start()
    return mic, sd


def test_recording_collects_mono_blocks_and_reports_the_level():
    mic, sd = _mic()
    stream = sd.last("input")
    assert stream.started and stream.settings["samplerate"] == 44_100
    stream.feed(np.full(2205, 0.1, np.float32))
    level, clipping = mic.level()
    assert level == pytest.approx(-20.0, abs=0.01) and not clipping
    stream.feed(np.full(2205, 1.0, np.float32))
    assert mic.level()[1] is True
    audio = mic.stop()
    assert audio.rate == 44_100 and len(audio.samples) == 4410 and mic.failure() is None
    assert stream.closed


def test_a_microphone_that_cannot_start_is_a_clear_error_and_releases_the_stream():
    sd = _sd()
    sd.fail_start = True
    with pytest.raises(AudioDeviceError, match="could not start.*Device unavailable.*press space"):
        _mic(sd)
    assert sd.last("input").closed


def test_a_microphone_that_vanishes_mid_recording_keeps_what_was_recorded():
    mic, sd = _mic()
    sd.last("input").feed(np.full(4410, 0.2, np.float32))
    sd.last("input").vanish()
    assert "stopped delivering audio" in mic.failure() and "Plug it back in" in mic.failure()
    sd.fail_stop = True  # stopping a vanished device fails too
    assert len(mic.stop().samples) == 4410


def test_a_stalled_microphone_is_noticed_by_the_watchdog():
    clock = Clock()
    mic, sd = _mic(clock=clock)
    clock.now += 4.0
    assert mic.failure() is None  # a sound server can take seconds to deliver the first block
    clock.now += 2.0
    assert "delivered no audio" in mic.failure()
    mic2, sd2 = _mic(clock=clock)
    sd2.last("input").feed(np.zeros(100, np.float32))
    clock.now += 2.5
    assert "stopped delivering audio" in mic2.failure()


def test_an_error_on_stop_is_reported_not_raised():
    mic, sd = _mic()
    sd.last("input").feed(np.zeros(441, np.float32))
    sd.fail_stop = True
    assert len(mic.stop().samples) == 441
    assert "Unanticipated host error" in mic.failure()


def _player(clock: Clock | None = None) -> tuple[Player, FakeSoundDevice]:
    sd = _sd()
    return Player(sd, open_settings(sd, None, "output"), clock=clock or Clock()), sd


LEAD_IN = round(LEAD_IN_S * 48_000)


def test_player_resamples_to_the_device_rate_and_plays_in_order():
    player, sd = _player()
    player.play(Audio(np.full(22_050, 0.5, np.float32), 22_050), "speech")  # 1 s
    player.play(tone(0.5, 16_000), "music")
    stream = sd.last("output")
    assert stream.settings["samplerate"] == 48_000 and stream.settings["channels"] == 2
    assert player.playing() == "speech"
    assert np.all(stream.pull(LEAD_IN) == 0.0)  # a new stream starts with silence
    first = stream.pull(48_000)
    assert np.allclose(first[1000:47000], 0.5, atol=0.01) and np.array_equal(first[:, 0], first[:, 1])
    assert player.playing() == "music"
    rest = stream.pull(48_000)
    assert np.abs(rest[:20_000, 0]).max() > 0.2 and np.all(rest[24_100:] == 0.0)


def test_a_clip_plays_until_the_device_has_played_its_last_sample():
    clock = Clock()
    player, sd = _player(clock)
    player.play(tone(0.5, 48_000), "music")
    stream = sd.last("output")
    stream.pull(LEAD_IN)
    stream.pull(48_000)  # a 1 s block: the clip is handed over whole, but ends 0.5 s into it
    assert player.playing() == "music"
    clock.now += 0.49
    assert player.playing() == "music" and not stream.aborted
    clock.now += 0.02
    assert player.playing() is None


def test_only_a_new_stream_starts_with_silence():
    player, sd = _player()
    player.play(tone(0.1, 48_000, level=0.5), "speech")
    stream = sd.last("output")
    assert np.all(stream.pull(LEAD_IN) == 0.0) and np.abs(stream.pull(4800)).max() > 0.4
    player.play(tone(0.1, 48_000, level=0.5), "speech")  # the stream is still open
    assert np.abs(stream.pull(100)).max() > 0.0
    player.stop()
    player.play(tone(0.1, 48_000, level=0.5), "speech")  # barge-in closed it: new stream
    assert np.all(sd.last("output").pull(LEAD_IN) == 0.0)


def test_player_stop_is_immediate_and_drops_the_queue():
    player, sd = _player()
    player.play(tone(2.0, 48_000), "speech")
    player.play(tone(5.0, 48_000), "music")
    stream = sd.last("output")
    stream.pull(4800)
    player.stop()
    assert stream.aborted and stream.closed and player.playing() is None
    player.play(tone(0.1, 48_000), "speech")  # plays again on a fresh stream
    assert sd.last("output") is not stream and player.playing() == "speech"


def test_player_progress_of_the_current_clip():
    player, sd = _player()
    player.play(tone(2.0, 48_000), "music")
    sd.last("output").pull(LEAD_IN + 24_000)
    assert player.progress() == pytest.approx((0.5, 2.0))


def test_player_on_a_device_that_vanished():
    player, sd = _player()
    player.play(tone(1.0, 48_000), "speech")
    sd.last("output").vanish()
    assert "stopped" in player.failure()
    sd.fail_start = True
    player.stop()
    with pytest.raises(AudioDeviceError, match="could not play"):
        player.play(tone(1.0, 48_000), "speech")
    assert player.playing() is None


def test_recording_hands_each_block_to_a_streaming_recogniser_as_it_arrives():
    from voice_agent.asr.streaming import StreamingRecognizer

    class NoWords:
        def load(self):
            pass

        def transcribe_words(self, samples, language, prompt=""):
            raise AssertionError("no step is asked for in this test")

    recognizer = StreamingRecognizer(NoWords())
    sd = _sd()
    mic = Microphone(sd, DeviceChoice(0, "Built-in Mic", 48_000, 2), clock=Clock(),
                     on_audio=recognizer.feed)
    mic.start()
    for _ in range(3):
        sd.last("input").feed(np.full(1440, 0.1, np.float32))  # 30 ms at 48 kHz
    assert recognizer.fed_s == pytest.approx(0.09, abs=1e-6)
    assert mic.stop().duration_s == pytest.approx(0.09)
