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
    assert "Record, upload or type" in next(actions.talk(None, "default", "auto", None))["status"]
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
    assert "jazz" in first["improved_prompt"] and first["midi_file"]["value"].endswith(".mid")
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
    assert "Can be used" in actions.check_speaker(recording)
    enrolled = actions.enrol(recording, "Jane")
    assert ("Jane", enrolled["speaker"]) in enrolled["speakers"]
    assert "'Jane' enrolled" in enrolled["voice_status"]
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


# -- issue 18: typed turns and the log, seeds, names, downloads, the shipped benchmark -------

def test_a_typed_request_on_talk_runs_a_whole_turn_and_is_logged(actions):
    updates = list(actions.talk(None, "default", "auto", "s1", text="una cumbia alegre"))
    final = updates[-1]
    assert "Finished in" in final["status"]
    assert any(u.get("music") is not None for u in updates)  # the music played early
    log = final["log"]
    assert log[0] == {"role": "user", "content": "una cumbia alegre"}
    assert "cumbia" in log[1]["content"] and " s" in log[1]["content"]  # plan and seconds
    assert len(log) >= 3  # players follow: the music and the spoken replies
    again = list(actions.talk(None, "default", "auto", "s1", text="otra", history=log))[-1]
    assert again["log"][: len(log)] == log and len(again["log"]) > len(log)


def test_a_silent_upload_is_not_blamed_on_the_microphone(actions, tmp_path, upload):
    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros(16_000 * 2, np.float32), 16_000)
    status = next(actions.talk(upload(silent), "default", "auto", None))["status"]
    assert "no sound in it" in status and "microphone" not in status
    assert "press Send" in actions.upload_changed(str(silent))["status"]


def test_a_32_bit_seed_is_rendered_as_typed_and_one_beyond_is_refused(actions):
    big = 2**32 - 1
    first = actions.compose("jazz", "auto", 2, big, AUTO, 0, AUTO, AUTO)
    assert first["plan"]["seed"] == big
    refused = actions.compose("jazz", "auto", 2, 2**32, AUTO, 0, AUTO, AUTO)
    assert "out of range" in refused["status"]


def test_downloads_say_what_the_file_is(actions):
    result = actions.compose("cumbia", "auto", 2, 5, "cumbia", 128, AUTO, AUTO)
    wav, midi = result["wav_file"]["value"], result["midi_file"]["value"]
    assert result["wav_file"]["interactive"] and result["midi_file"]["interactive"]
    assert wav.split("/")[-1].startswith("cumbia_128bpm_") and wav.endswith(".wav")
    assert midi.split("/")[-1].startswith("cumbia_128bpm_") and midi.endswith(".mid")


def test_the_benchmark_tab_finds_the_shipped_results_from_any_folder(tmp_path, monkeypatch):
    from voice_agent.modes.web import app as web_app

    shipped = tmp_path / "repo" / "benchmarks" / "results" / "bench"
    shipped.mkdir(parents=True)
    (shipped / "bench.md").write_text("| stage | p50 |\n| shipped | 1 |\n")
    monkeypatch.setattr(web_app, "SHIPPED_BENCH_DIR", shipped)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    lab = WebActions(build_service(None, tmp_path / "server", fake=True), None)
    assert "shipped" in lab.benchmark()["bench_md"]
    mine = elsewhere / "benchmarks" / "results" / "bench"
    mine.mkdir(parents=True)
    (mine / "bench.md").write_text("| stage | p50 |\n| mine | 2 |\n")  # newer: it wins
    assert "mine" in lab.benchmark()["bench_md"]


def test_the_real_shipped_results_are_found_beside_the_package():
    from voice_agent.modes.web.app import SHIPPED_BENCH_DIR

    assert (SHIPPED_BENCH_DIR / "bench.md").is_file()


def test_spanish_labels_and_messages(tmp_path):
    spanish = WebActions(build_service(None, tmp_path / "server", fake=True), None, lang="es")
    assert "Primero graba, sube o escribe" in next(spanish.talk(None, "default", "auto", None))[
        "status"]
    final = list(spanish.talk(None, "default", "auto", None, text="una cumbia"))[-1]
    assert "Terminado en" in final["status"]


def test_cancel_stops_the_turn_on_show_and_the_next_one_runs(actions):
    actions.service.pipeline.renderer.delay_s = 0.5
    turn = actions.talk(None, "default", "auto", "s2", text="a long cumbia")
    assert "Waiting" in next(turn)["status"]
    assert "Cancelled" in actions.cancel("s2")["status"]
    rest = list(turn)
    assert "Cancelled" in rest[-1]["status"] and not any("log" in u for u in rest)
    actions.service.pipeline.renderer.delay_s = 0.0
    assert "Finished in" in list(actions.talk(None, "default", "auto", "s2", text="jazz"))[-1][
        "status"]


def test_a_short_speaker_clip_is_a_warning_not_usable(actions, tmp_path, upload):
    from voice_agent.core.audio import read_audio, write_wav
    from voice_agent.core.types import Audio

    speech = read_audio(ASSETS / "speakers" / "librivox_austen_enrol.wav")
    short = write_wav(tmp_path / "short.wav", Audio(speech.samples[: 5 * speech.rate],
                                                     speech.rate))
    status = actions.check_speaker(upload(short))
    assert "Warning" in status and "Short: 5.0 s" in status and "Usable" not in status
    assert str(tmp_path) not in actions.check_speaker(str(tmp_path / "missing.wav"))  # no path


def test_the_timings_table_uses_stage_words():
    from voice_agent.modes.web.app import timings_table

    table = timings_table({"llm": 0.5, "tts_base": 0.2, "total": 0.8})
    assert "| thinking | 0.50 |" in table and "| base voice | 0.20 |" in table
    assert "tts_base" not in table and "| etapa | segundos |" in timings_table({"llm": 1}, "es")
