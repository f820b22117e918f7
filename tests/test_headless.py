"""Headless mode: the files and the turn.json a user gets, with fakes and with the real CLI."""

from __future__ import annotations

import json

import pytest

from voice_agent.core.audio import read_audio, write_wav
from voice_agent.cli import main
from voice_agent.modes.headless import run_request, summary
from voice_agent.pipeline.record import write_outputs
from voice_agent.pipeline.turns import Pipeline
from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber, tone

REQUIRED_TIMINGS = {"asr", "llm", "music", "tts_cloned", "tts_base", "total"}


def _pipeline() -> Pipeline:
    return Pipeline(FakeTranscriber(), FakeResponder(), FakeRenderer(),
                    {"cloned": FakeSpeaker(), "base": FakeSpeaker()})


def test_outputs_and_record_fields(tmp_path):
    request = write_wav(tmp_path / "req.wav", tone(1.0))
    record = write_outputs(run_request(_pipeline(), str(request), None, None), tmp_path / "out")
    on_disk = json.loads((tmp_path / "out" / "turn.json").read_text())
    assert on_disk == record
    assert record["transcript"]["text"] and record["transcript"]["language"] == "en"
    reply = record["reply"]
    assert reply["say"] and reply["music_prompt"] and reply["intent"] == "make_music"
    assert set(reply["plan"]) >= {"genre", "bpm", "key", "mode", "instruments", "mood", "duration_s"}
    assert set(record["timings"]) == REQUIRED_TIMINGS and record["errors"] == []
    assert record["models"]["asr"] == "fake-asr" and record["versions"]["voice_agent"]
    for name in ("transcript.txt", "reply.txt", "music.wav", "music.mid",
                 "reply_cloned.wav", "reply_base.wav"):
        assert (tmp_path / "out" / name).stat().st_size > 0, name
    assert record["speech"]["base"]["file"] == "reply_base.wav"
    assert read_audio(tmp_path / "out" / "music.wav").duration_s == pytest.approx(5.0, abs=0.01)
    assert "heard (en)" in summary(record)
    assert set(record["latency"]) >= {"first_audio", "music_ready", "llm_first_sentence"}
    assert "from the end of speech: first reply audio" in summary(record)


def test_corrupt_input_still_writes_a_record(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all" * 10)
    record = write_outputs(run_request(_pipeline(), str(bad), None, None), tmp_path / "out")
    assert record["errors"][0]["stage"] == "input" and record["errors"][0]["kind"] == "bad_audio"
    assert record["transcript"] is None and "ERROR in input" in summary(record)
    assert not (tmp_path / "out" / "music.wav").exists()


def test_cli_needs_audio_or_text(capsys):
    assert main(["run", "--out", "/tmp/x"]) == 2
    assert "--text" in capsys.readouterr().err


def test_cli_reports_bad_config(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text("[llm]\nbogus = 1\n")
    assert main(["run", "--text", "jazz", "--config", str(config), "--out", str(tmp_path)]) == 2
    assert "bogus" in capsys.readouterr().err


@pytest.mark.real_model
def test_cli_typed_request_with_rules_responder(tmp_path, capsys):
    code = main(["run", "--text", "una cumbia alegre con acordeón", "--out", str(tmp_path),
                 "--llm-backend", "rules", "--music-backend", "none", "--no-speech"])
    record = json.loads((tmp_path / "turn.json").read_text())
    assert code == 0 and record["reply"]["plan"]["genre"] == "cumbia"
    assert record["reply"]["language"] == "es"
    assert {s["stage"] for s in record["not_run"]} >= {"asr", "music"}
    assert "reply:" in capsys.readouterr().out


@pytest.mark.real_model
def test_cli_corrupt_file_exits_1_with_record(tmp_path):
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    code = main(["run", str(bad), "--out", str(tmp_path / "o"), "--llm-backend", "rules",
                 "--music-backend", "none", "--no-speech"])
    record = json.loads((tmp_path / "o" / "turn.json").read_text())
    assert code == 1 and record["errors"][0]["kind"] == "bad_audio"


@pytest.mark.real_model
def test_cli_full_turn_with_music_voices_and_comparison(tmp_path, capsys):
    """The README's main job, with the rule responder to keep it quick."""
    from tests.conftest import REQUESTS

    code = main(["run", str(REQUESTS / "example_en.wav"), "--out", str(tmp_path),
                 "--llm-backend", "rules", "--compare"])  # voice scoring is opt-in
    record = json.loads((tmp_path / "turn.json").read_text())
    assert code == 0, record["errors"]
    assert record["reply"]["plan"]["genre"] == "bossa_nova"
    assert record["music"]["file"] == "music.wav" and (tmp_path / "music.mid").is_file()
    assert set(record["speech"]) == {"cloned", "base"}
    for voice in record["speech"].values():
        assert voice["duration_s"] > 1 and voice["rtf"] > 0 and 0 < voice["first_audio_s"] <= voice["synth_s"]
    comparison = record["voice_comparison"]
    assert comparison["reference_is_held_out"] is True
    scores = comparison["voices"]
    assert scores["cloned"]["similarity"] > scores["base"]["similarity"]
    # Piper (the English base voice) samples noise on every call, and Whisper base mishears
    # its "calm" and "nylon" now and then: over 12 syntheses of this 16-word reply the
    # round-trip WER ranged 0.00-0.31 (benchmarks/piper_roundtrip_spread.py; CI failed once
    # at 0.3125). 0.5 still fails a voice that is garbled, silent or in the wrong language.
    assert scores["base"]["round_trip_wer"] <= 0.5
    assert scores["cloned"]["round_trip_wer"] <= 0.3
    assert "cloned voice: similarity" in capsys.readouterr().out
