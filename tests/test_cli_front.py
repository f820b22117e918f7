"""The CLI as a person uses it: help text, run's music overrides and seeds, named speakers,
pipes (``| head -1``) and the interface language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voice_agent import cli
from voice_agent.cli import build_parser, main
from voice_agent.core.types import MusicPlan
from voice_agent.library import Library
from voice_agent.modes.ui_text import EN, ES, default_language, stage_name, t
from tests.conftest import REQUESTS
from tests.fakes import tone

ROOT = Path(__file__).resolve().parent.parent
BIG_SEED = 2**32 - 1


def _help(*command: str) -> str:
    parser = build_parser("en")
    for name in command:
        parser = next(a for a in parser._actions if a.dest in ("command", "action")).choices[name]
    return parser.format_help()


# -- help -----------------------------------------------------------------------------------

def test_top_level_help_describes_the_product_not_the_module():
    text = _help()
    assert "The only module that prints" not in text
    assert "offline voice agent that makes music" in text


def test_language_flags_say_what_they_do():
    assert "language of the request" in _help("run")
    assert "language of the request" in _help("talk")


def test_models_and_bench_list_only_their_own_flags():
    models, bench, run = _help("models"), _help("bench"), _help("run")
    for flag in ("--speak-lyrics", "--no-library", "--library-dir", "--seed", "--speaker"):
        assert flag not in models, flag
    for flag in ("--speak-lyrics", "--no-library", "--library-dir"):
        assert flag not in bench, flag
    for flag in ("--seed", "--duration", "--bpm", "--key", "--mode", "--genre",
                 "--speak-lyrics", "--no-library"):
        assert flag in run, flag


@pytest.mark.parametrize("argv", [["--seed", str(2**32)], ["--seed", "-1"], ["--bpm", "500"],
                                  ["--key", "H"], ["--duration", "0"]])
def test_run_refuses_out_of_range_overrides_in_one_line(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--text", "jazz", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err


# -- run with overrides: the seed path end to end -----------------------------------------

@pytest.fixture
def composer_pipeline(monkeypatch):
    """``run`` builds fakes for ASR/LLM and the real composer (numpy synth) for the music."""
    from voice_agent.fakes import FakeResponder, FakeTranscriber
    from voice_agent.music.composer import ComposerRenderer
    from voice_agent.pipeline import build
    from voice_agent.pipeline.turns import Pipeline

    def make(config, with_asr=True):
        return Pipeline(transcriber=FakeTranscriber(), responder=FakeResponder(),
                        renderer=ComposerRenderer(engine="numpy", sample_rate=22_050),
                        speakers={})
    monkeypatch.setattr(build, "build_pipeline", make)


def _run(out: Path, *flags: str) -> dict:
    code = main(["run", "--text", "play some jazz with piano", "--out", str(out),
                 "--no-compare", "--no-library", *flags])
    assert code == 0
    return json.loads((out / "turn.json").read_text(encoding="utf-8"))


def test_run_overrides_reach_the_rendered_plan_and_a_32_bit_seed_repeats_the_clip(
        composer_pipeline, tmp_path):
    flags = ("--seed", str(BIG_SEED), "--duration", "2", "--bpm", "128", "--key", "f#",
             "--mode", "minor", "--genre", "cumbia")
    first = _run(tmp_path / "a", *flags)
    plan = first["reply"]["plan"]
    assert (plan["seed"], plan["bpm"], plan["key"], plan["mode"], plan["genre"],
            plan["duration_s"]) == (BIG_SEED, 128, "F#", "minor", "cumbia", 2.0)
    assert "128 bpm" in first["reply"]["music_prompt"]
    _run(tmp_path / "b", *flags)
    wav_a, wav_b = (tmp_path / d / "music.wav" for d in "ab")
    assert wav_a.read_bytes() == wav_b.read_bytes()  # same seed: the same clip, byte for byte
    _run(tmp_path / "c", "--seed", str(BIG_SEED - 1), *flags[2:])
    assert (tmp_path / "c" / "music.wav").read_bytes() != wav_a.read_bytes()


# -- pipes ------------------------------------------------------------------------------------

def _cli_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "VOICE_AGENT_HOME": str(tmp_path / "home"),
            "LANG": "C.UTF-8", "LC_ALL": ""}


def test_a_long_listing_piped_into_head_ends_quietly(tmp_path):
    library = Library(tmp_path / "lib").open()
    for n in range(150):  # ~150 long lines: more than a pipe holds, so head closes it early
        library.add_clip(tone(0.05, 8000), MusicPlan(genre="jazz", seed=n),
                         transcript="play some jazz with piano " + "and more " * 60)
    command = (f"{sys.executable} -m voice_agent.cli library --library-dir {tmp_path / 'lib'} "
               "list --all | head -1")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                          env=_cli_env(tmp_path), timeout=120)
    assert done.stdout.startswith("[150] happy jazz")
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr


def test_output_into_a_closed_pipe_exits_141_without_a_traceback(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "voice_agent.cli", "--help"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=_cli_env(tmp_path))
    process.stdout.close()  # the reader is gone before a word is written
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) in (0, 141)  # help may fit the pipe before it closes
    assert "Traceback" not in stderr, stderr


# -- library list -----------------------------------------------------------------------------

def test_library_list_shows_the_clips_made_while_favourites_is_empty(tmp_path, capsys):
    library = Library(tmp_path / "lib").open()
    for genre in ("salsa", "jazz", "tango"):
        library.add_clip(tone(0.1, 8000), MusicPlan(genre=genre), transcript=f"play {genre}")
    assert main(["library", "--library-dir", str(tmp_path / "lib"), "list"]) == 0
    out = capsys.readouterr().out
    assert "is empty" not in out
    assert "[3] happy tango" in out and "[1] happy salsa" in out


# -- named speakers ---------------------------------------------------------------------------

@pytest.fixture
def fake_lab(monkeypatch, tmp_path):
    """Named speakers with fake voices (the validation of the recording is real)."""
    from voice_agent.service import voices

    monkeypatch.setattr(voices, "real_voice_lab",
                        lambda folder, default: voices.fake_voice_lab(folder))
    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path / "home"))
    return tmp_path / "home" / "speakers"


def test_enrol_with_a_name_then_list_rename_and_delete(fake_lab, capsys):
    recording = REQUESTS / "example_en.wav"
    assert main(["--ui-language", "en", "enrol", str(recording), "--name", "Ana"]) == 0
    out = capsys.readouterr().out
    assert "enrolled as 'Ana'" in out and "note:" in out  # a short clip gets a warning
    assert main(["speakers", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("Ana\t")
    speaker_id = listed.split("\t")[1]
    assert cli.speaker_recording("ana").endswith(f"{speaker_id}.wav")  # names resolve, any case
    assert main(["speakers", "rename", "Ana", "Ana María"]) == 0
    assert "now 'Ana María'" in capsys.readouterr().out
    assert main(["speakers", "rename", "nobody", "X"]) == 2
    assert "No enrolled speaker called 'nobody'" in capsys.readouterr().err
    assert main(["speakers", "delete", "Ana María", "--yes"]) == 0
    assert "deleted speaker 'Ana María'" in capsys.readouterr().out
    assert main(["speakers", "list"]) == 0
    assert "No enrolled speakers yet" in capsys.readouterr().out


def test_a_taken_name_is_refused_before_the_enrolment(fake_lab, capsys, tmp_path):
    import shutil

    assert main(["enrol", str(REQUESTS / "example_en.wav"), "--name", "Ana"]) == 0
    other = tmp_path / "other.wav"
    shutil.copy(ROOT / "assets" / "speakers" / "librivox_austen_heldout.wav", other)
    assert main(["enrol", str(other), "--name", "ana"]) == 2
    assert "already called 'ana'" in capsys.readouterr().err


# -- the interface language -------------------------------------------------------------------

def test_the_locale_chooses_spanish_and_the_flag_overrides_it(fake_lab, capsys, monkeypatch):
    assert default_language({"LANG": "es_MX.UTF-8"}) == "es"
    assert default_language({"LC_ALL": "en_GB.UTF-8", "LANG": "es_ES"}) == "en"
    assert default_language({}) == "en"
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert main(["speakers", "list"]) == 0
    assert "Todavía no hay voces registradas" in capsys.readouterr().out
    assert main(["--ui-language", "en", "speakers", "list"]) == 0
    assert "No enrolled speakers yet" in capsys.readouterr().out


def test_every_spanish_message_has_the_english_placeholders():
    import string

    for key, text in ES.items():
        assert key in EN, key
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        english = {f for _, f, _, _ in string.Formatter().parse(EN[key]) if f}
        assert fields == english, key


def test_stage_names_are_words_a_person_reads():
    assert stage_name("tts_base") == "base voice" and stage_name("llm_ttft") == "time to first word"
    assert stage_name("llm") == "thinking" and stage_name("llm", "es") == "pensando"
    assert t("talk.help", "es").startswith("espacio/intro: hablar")


def test_the_unknown_key_message_can_name_the_key():
    assert t("talk.unknown_key", "en", key="x", help="h") == "the key 'x' does nothing here. h"


def test_list_devices_without_a_sound_card_suggests_text_only(monkeypatch, capsys):
    from voice_agent.modes.talk import devices

    class NoCard:
        default = type("Default", (), {"device": (None, None)})()

        @staticmethod
        def query_devices():
            return []

    monkeypatch.setattr(devices, "load_sounddevice", lambda: NoCard())
    assert main(["--ui-language", "en", "talk", "--list-devices"]) == 1
    out = capsys.readouterr().out
    assert "No sound devices found" in out and "--text-only" in out
