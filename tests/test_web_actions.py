"""What the web app's buttons do, without a browser: results, progress, and errors as messages."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from voice_agent.modes.web.app import AUTO, WebActions, compose_options
from voice_agent.service import build_service
from tests.conftest import ASSETS, REQUESTS
from tests.fakes import FakeRenderer, tone


@pytest.fixture
def actions(tmp_path):
    return WebActions(build_service(None, tmp_path / "server", fake=True), tmp_path / "bench")


def test_controls_left_at_their_defaults_override_nothing():
    options = compose_options(0, -1, AUTO, 0, AUTO, AUTO)
    assert all(value is None for value in vars(options).values())
    options = compose_options(12, 3, "tango", 130, "F#", "minor")
    assert (options.duration_s, options.seed, options.genre, options.bpm, options.key,
            options.mode) == (12.0, 3, "tango", 130, "F#", "minor")


def test_talk_shows_each_stage_then_the_whole_turn(actions, upload):
    updates = list(actions.talk(upload(REQUESTS / "example_en.wav"), "default", "auto", None))
    statuses = [u["status"] for u in updates if "status" in u]
    assert any("Listening" in s for s in statuses) and any("Composing" in s for s in statuses)
    transcript_first = next(i for i, u in enumerate(updates) if u.get("transcript"))
    assert transcript_first < len(updates) - 1  # shown before the turn was over
    final = updates[-1]
    assert final["status"].startswith("**Done.**") and "| total |" in final["timings"]
    assert sf.info(final["base"]).frames > 0
    assert final["plan"]["genre"] == "jazz" and updates[0]["session"]
    # the cloned reply and the music play before the turn is over, and only once
    for name in ("music", "cloned"):
        early = [u[name] for u in updates[:-1] if u.get(name) is not None]
        assert len(early) == 1 and name not in final
        rate, samples = early[0]
        assert rate > 0 and samples.dtype == np.int16 and len(samples) > rate * 0.1


def test_talk_errors_are_messages(actions, tmp_path, upload):
    assert "Record or upload" in next(actions.talk(None, "default", "auto", None))["status"]
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all" * 100)
    assert "not audio" in next(actions.talk(upload(junk), "default", "auto", None))["status"]


def test_a_crash_inside_the_turn_is_a_message(actions, upload):
    def broken(**_kwargs):
        raise RuntimeError("the model fell over")

    actions.service.pipeline.run = broken
    final = list(actions.talk(upload(REQUESTS / "example_en.wav"), "default", "auto", None))[-1]
    assert "Something went wrong" in final["status"] and "fell over" in final["status"]


def test_a_failed_stage_is_named_on_the_page(actions, upload):
    actions.service.pipeline.renderer = FakeRenderer(error=RuntimeError("synth exploded"))
    updates = list(actions.talk(upload(REQUESTS / "example_en.wav"), "default", "auto", None))
    final = updates[-1]
    assert "music" in final["status"] and "synth exploded" in final["status"]
    assert final["music"] is None and any(u.get("cloned") for u in updates[:-1])


def test_compose_and_regenerate(actions):
    first = actions.compose("relaxing jazz with piano", "auto", 3, -1, AUTO, 0, AUTO, AUTO)
    assert "jazz" in first["improved_prompt"] and first["midi_file"].endswith(".mid")
    again = actions.recompose(first["last"], 2, 7, "salsa", 0, AUTO, AUTO)
    assert again["plan"]["genre"] == "salsa" and again["plan"]["seed"] == 7
    assert again["plan"]["instruments"] == first["plan"]["instruments"]
    assert sf.info(again["audio"]).duration == pytest.approx(2.0, abs=0.01)


def test_compose_errors_are_messages(actions):
    assert "empty" in actions.compose("  ", "auto", 0, -1, AUTO, 0, AUTO, AUTO)["status"]
    assert "Generate something first" in actions.recompose(None, 0, -1, AUTO, 0, AUTO, AUTO)["status"]
    actions.service.pipeline.renderer = FakeRenderer(error=ValueError("bad soundfont"))
    failed = actions.compose("jazz", "auto", 0, -1, AUTO, 0, AUTO, AUTO)
    assert "music stage failed" in failed["status"] and "bad soundfont" in failed["status"]


def test_speaker_check_enrol_and_compare(actions, tmp_path, upload):
    short = tmp_path / "short.wav"
    sf.write(str(short), tone(2.0, 24_000).samples, 24_000)
    assert "only 2.0 s" in actions.check_speaker(upload(short))
    recording = upload(ASSETS / "speakers" / "librivox_austen_enrol.wav")
    assert "Usable" in actions.check_speaker(recording)
    enrolled = actions.enrol(recording)
    assert enrolled["speaker"] in enrolled["speakers"] and "enrolled" in enrolled["voice_status"]
    report = actions.compare(enrolled["speaker"], "", "es", None)
    assert "enrolment recording itself" in report["ab_status"] and "| cloned |" in report["ab_table"]
    assert "Problem" in actions.compare("0123456789ab", "hola", "es", None)["ab_status"]


def test_benchmark_tab_reads_the_latest_results(actions):
    assert "No benchmark results yet" in actions.benchmark()["bench_md"]
    actions.bench_dir.mkdir(parents=True)
    (actions.bench_dir / "bench.md").write_text("| stage | p50 |\n|---|---|\n| asr | 1.2 |\n")
    shown = actions.benchmark()
    assert "| asr | 1.2 |" in shown["bench_md"] and shown["bench_png"] is None
    (actions.bench_dir / "bench.png").write_bytes(b"\x89PNG")
    assert actions.benchmark()["bench_png"].endswith("bench.png")
