"""AgentService with fake stages: per-request folders, overrides, queueing, sessions, speakers."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voice_agent.core.audio import wav_bytes
from voice_agent.core.errors import AudioInputError, SpeakerClipError
from voice_agent.core.events import EVENT_MUSIC_READY, EVENT_REPLY, EVENT_TRANSCRIPT, EVENT_TURN_DONE
from voice_agent.service import (BusyError, ComposeOptions, Limits, ServiceError,
                                 StageFailedError, StageUnavailableError, UnknownIdError, build_service)
from tests.conftest import ASSETS, REQUESTS
from tests.fakes import FakeRenderer, FakeSpeaker, tone

SPEAKER_WAV = ASSETS / "speakers" / "librivox_austen_enrol.wav"


@pytest.fixture
def service(tmp_path):
    return build_service(None, tmp_path, fake=True)


def _seconds(path: Path) -> float:
    info = sf.info(str(path))
    return info.frames / info.samplerate


def test_turn_writes_its_own_folder_and_reports_events(service):
    events = []
    audio = service.decode_request((REQUESTS / "example_en.wav").read_bytes(), "example_en.wav")
    result = service.turn(audio, request="example_en.wav", on_event=events.append)
    assert result.folder.parent == service.store.root and result.folder.name == result.request_id
    assert set(result.audio_ids) == {"music", "reply_cloned", "reply_base"}
    for name, audio_id in result.audio_ids.items():
        assert service.audio_path(audio_id) == result.path(name) and result.path(name).is_file()
    assert (result.folder / "turn.json").is_file() and result.record["request_id"] == result.request_id
    kinds = [e.kind for e in events]
    for kind in (EVENT_TRANSCRIPT, EVENT_REPLY, EVENT_MUSIC_READY, EVENT_TURN_DONE):
        assert kind in kinds
    assert kinds.index(EVENT_TRANSCRIPT) < kinds.index(EVENT_REPLY) < kinds.index(EVENT_TURN_DONE)


def test_turn_json_is_written_once_with_everything(service, monkeypatch):
    written = []
    write_text = Path.write_text

    def counting(path, data, *args, **kwargs):
        if path.name == "turn.json":
            written.append(path)
        return write_text(path, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", counting)
    result = service.turn(tone(1.0), session="s")
    assert len(written) == 1  # (into the hidden folder, renamed to result.folder when done)
    on_disk = json.loads((result.folder / "turn.json").read_text(encoding="utf-8"))
    assert on_disk == result.record and on_disk["request_id"] == result.request_id
    assert on_disk["music"]["file"] == "music.wav" and set(on_disk["speech"]) == {"cloned", "base"}


def test_a_failed_render_is_a_clear_compose_error(service):
    service.pipeline.renderer = FakeRenderer(error=RuntimeError("synth exploded"))
    with pytest.raises(StageFailedError, match="music stage failed: RuntimeError: synth exploded"):
        service.compose("jazz")
    assert list(service.store.root.iterdir()) == []


def test_compose_applies_overrides_and_rewrites_the_prompt(service):
    options = ComposeOptions(duration_s=3.0, bpm=150, genre="salsa", key="D", mode="minor", seed=5)
    result = service.compose("some calm jazz with piano", options)
    plan = result.plan
    assert (plan.genre, plan.bpm, plan.key, plan.mode, plan.seed) == ("salsa", 150, "D", "minor", 5)
    assert plan.duration_s == 3.0 and _seconds(result.wav_path) == pytest.approx(3.0, abs=0.01)
    assert "salsa" in result.improved_prompt and "150 bpm" in result.improved_prompt
    assert result.midi_path.read_bytes().startswith(b"MThd")
    assert service.audio_path(result.audio_id) == result.wav_path
    assert service.audio_path(result.audio_id, midi=True) == result.midi_path
    assert set(result.timings) == {"llm", "music"}


def test_compose_without_overrides_keeps_the_responders_plan(service):
    result = service.compose("relaxing jazz with piano")
    assert result.plan.genre == "jazz" and "piano" in result.plan.instruments
    assert result.improved_prompt == result.reply.music_prompt


def test_a_chatty_prompt_still_makes_music(service):
    result = service.compose("hello there")
    assert result.clip.audio.duration_s > 0 and result.improved_prompt


def test_recompose_renders_again_without_the_language_model(service):
    first = service.compose("relaxing jazz with piano")
    asked = len(service.pipeline.responder.histories)
    again = service.recompose(first.plan, ComposeOptions(bpm=90, duration_s=2.0), first.prompt)
    assert len(service.pipeline.responder.histories) == asked
    assert again.plan.bpm == 90 and again.plan.genre == "jazz" and again.request_id != first.request_id
    assert first.wav_path.is_file() and _seconds(first.wav_path) == pytest.approx(5.0, abs=0.01)


def test_concurrent_requests_run_one_at_a_time_and_keep_their_own_outputs(tmp_path):
    service = build_service(None, tmp_path, fake=True)
    service.pipeline.renderer = renderer = FakeRenderer(delay_s=0.05)
    results, errors = {}, []

    def compose(seconds: float) -> None:
        try:
            results[seconds] = service.compose("happy pop", ComposeOptions(duration_s=seconds))
        except Exception as exc:  # surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=compose, args=(float(s),)) for s in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and renderer.max_in_flight == 1
    assert len({r.request_id for r in results.values()}) == 6
    for seconds, result in results.items():
        assert _seconds(result.wav_path) == pytest.approx(seconds, abs=0.01)


def test_too_many_waiting_requests_are_refused(tmp_path):
    service = build_service(None, tmp_path, fake=True, limits=Limits(max_waiting=1))
    gate = threading.Event()
    started = threading.Event()

    class BlockingRenderer(FakeRenderer):
        def render(self, plan, prompt=""):
            started.set()
            gate.wait(10)
            return super().render(plan, prompt)

    service.pipeline.renderer = BlockingRenderer()
    first = threading.Thread(target=service.compose, args=("jazz",))
    first.start()
    started.wait(5)
    second = threading.Thread(target=service.compose, args=("jazz",))
    second.start()
    for _ in range(100):
        if service.waiting == 1:
            break
        threading.Event().wait(0.01)
    with pytest.raises(BusyError, match="busy"):
        service.compose("jazz")
    gate.set()
    first.join()
    second.join()
    assert service.waiting == 0


def test_sessions_keep_their_own_history(service):
    audio = tone(1.0)
    service.turn(audio, session="a")
    service.turn(audio, session="a")
    service.turn(audio, session="b")
    service.turn(audio)
    seen = [len(h) for h in service.pipeline.responder.histories]
    assert seen == [0, 1, 0, 0]


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"this is not audio at all" * 10, "corrupt or not audio"),
])
def test_bad_uploads_are_refused_with_a_message(service, data, message):
    with pytest.raises((ServiceError, AudioInputError), match=message):
        service.decode_request(data, "upload.wav")


def test_request_duration_limits(tmp_path):
    service = build_service(None, tmp_path, fake=True, limits=Limits(max_request_s=2.0))
    with pytest.raises(ServiceError, match="at most 2 s"):
        service.decode_request(wav_bytes(tone(3.0)))
    with pytest.raises(AudioInputError, match="only 0.10 s"):
        service.decode_request(wav_bytes(tone(0.1)))
    assert service.decode_request(wav_bytes(tone(1.0))).duration_s == pytest.approx(1.0)


def test_oversized_upload_is_refused(tmp_path):
    service = build_service(None, tmp_path, fake=True, limits=Limits(max_upload_bytes=1000))
    with pytest.raises(ServiceError, match="limit is"):
        service.decode_request(wav_bytes(tone(1.0)))


def test_prompt_checks(service):
    with pytest.raises(ServiceError, match="empty"):
        service.compose("   ")
    with pytest.raises(ServiceError, match="limit is 600"):
        service.compose("jazz " * 200)


@pytest.mark.parametrize("audio_id", ["nonsense", "../../etc-music", "0123456789ab-music",
                                      "0123456789ab-reply_other"])
def test_unknown_audio_ids(service, audio_id):
    with pytest.raises(UnknownIdError):
        service.audio_path(audio_id)


def test_speech_has_no_midi(service):
    result = service.turn(tone(1.0))
    with pytest.raises(UnknownIdError, match="MIDI"):
        service.audio_path(result.audio_ids["reply_base"], midi=True)


def test_no_music_renderer_is_a_clear_error(service):
    service.pipeline.renderer = None
    service.pipeline.unavailable["music"] = "FluidSynth is missing"
    with pytest.raises(StageUnavailableError, match="FluidSynth is missing"):
        service.compose("jazz")


def test_old_requests_are_pruned(tmp_path):
    service = build_service(None, tmp_path, fake=True, limits=Limits(keep_requests=3))
    ids = [service.compose("jazz", ComposeOptions(duration_s=1.0)).audio_id for _ in range(5)]
    with pytest.raises(UnknownIdError, match="removed"):
        service.audio_path(ids[0])
    assert service.audio_path(ids[-1]).is_file()
    assert len(list(service.store.root.iterdir())) == 3


def test_pruning_skips_a_folder_another_request_renames_meanwhile(tmp_path, monkeypatch):
    # with requests written side by side (the Ray engine, or several HTTP workers), a
    # partial folder listed by one prune may be renamed into place before it is looked at
    service = build_service(None, tmp_path, fake=True, limits=Limits(keep_requests=3))
    store = service.store
    gone = store.root / ".partial-0123456789ab"
    real_glob = Path.glob
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter([gone]) if pattern.startswith(
        ".partial-") else real_glob(self, pattern))
    ids = [service.compose("jazz", ComposeOptions(duration_s=1.0)).audio_id for _ in range(4)]
    assert service.audio_path(ids[-1]).is_file()


def test_enrol_validates_stores_and_uses_the_speaker(service, tmp_path):
    short = tmp_path / "short.wav"
    sf.write(str(short), tone(1.0, 24_000).samples, 24_000)
    with pytest.raises(SpeakerClipError, match="only 1.0 s"):
        service.enrol(short)
    assert service.voices.speaker_ids() == []
    service.voices.make_cloned = lambda _path, _on_step=None: FakeSpeaker(freq=440.0)  # tell the voices apart
    info = service.enrol(SPEAKER_WAV, "me.wav")
    assert service.voices.speaker_ids() == [info.speaker_id] and info.duration_s > 10
    configured = dict(service.pipeline.speakers)
    result = service.turn(tone(1.0), speaker_id=info.speaker_id)
    assert result.turn.ok and "reply_cloned" in result.audio_ids
    cloned = {s.voice: s for s in result.turn.speech}["cloned"].audio.samples[:4410]
    assert np.allclose(cloned, tone(0.2, 22_050, freq=440.0).samples)  # the enrolled voice
    assert service.pipeline.speakers == configured  # the request's voice was never swapped in
    with pytest.raises(UnknownIdError, match="No enrolled speaker"):
        service.turn(tone(1.0), speaker_id="0123456789ab")


def test_compare_voices_speaks_both_and_scores_them(service):
    report = service.compare_voices("default", "Hello there. This is my voice.", "en")
    assert set(report["voices"]) == {"cloned", "base"} and report["reference_is_held_out"]
    for voice in report["voices"].values():
        assert service.audio_path(voice["audio_id"]).is_file()
    assert report["voices"]["cloned"]["similarity"] > report["voices"]["base"]["similarity"]


def test_a_speaker_whose_voice_cannot_be_built_is_not_listed(service):
    from voice_agent.core.errors import SpeakerClipError as Refused

    def failing(_path, _on_step=None):
        raise Refused("no voiced speech was found")

    service.voices.make_cloned = failing
    with pytest.raises(Refused, match="no voiced speech"):
        service.enrol(SPEAKER_WAV)
    assert service.voices.speaker_ids() == [] and list(service.voices.folder.iterdir()) == []
