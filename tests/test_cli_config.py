"""A bad backend name, in any config section or flag, exits with code 2 and one line."""

from __future__ import annotations

import pytest

from voice_agent import asr, music, responder, speech
from voice_agent.cli import main
from voice_agent.core.config import AgentConfig, override
from voice_agent.core.errors import ConfigError
from voice_agent.pipeline.build import check_config

SETTINGS = [  # (TOML section, key, flag)
    ("asr", "backend", "--asr-backend"),
    ("llm", "backend", "--llm-backend"),
    ("music", "backend", "--music-backend"),
    ("speech", "base_backend", "--base-voice"),
    ("speech", "cloned_backend", "--voice-backend"),
]


@pytest.mark.parametrize("section,key,flag", SETTINGS)
def test_bad_name_in_config_file_is_one_line_and_exit_2(tmp_path, capsys, section, key, flag):
    config = tmp_path / "agent.toml"
    config.write_text(f'[{section}]\n{key} = "nonsense"\n', encoding="utf-8")
    code = main(["run", "--text", "jazz", "--out", str(tmp_path / "out"), "--config", str(config)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert "'nonsense'" in err and "Choose one of" in err
    assert not (tmp_path / "out").exists()  # refused before any work


@pytest.mark.parametrize("section,key,flag", SETTINGS)
def test_bad_name_as_flag_is_one_line_and_exit_2(capsys, section, key, flag):
    with pytest.raises(SystemExit) as exited:
        main(["run", "--text", "jazz", flag, "nonsense"])
    err = capsys.readouterr().err.strip()
    assert exited.value.code == 2
    assert len(err.splitlines()) == 1, err
    assert "nonsense" in err


def test_bench_refuses_a_bad_name_before_loading(tmp_path, capsys):
    config = tmp_path / "agent.toml"
    config.write_text('[speech]\nbase_backend = "nonsense"\n', encoding="utf-8")
    assert main(["bench", "--config", str(config), "--out", str(tmp_path / "b")]) == 2
    assert "base voice backend 'nonsense'" in capsys.readouterr().err


def test_each_stage_select_names_its_choices():
    config = AgentConfig()
    cases = [(asr.select, override(config, asr__backend="x").asr),
             (responder.select, override(config, llm__backend="x").llm),
             (music.select, override(config, music__backend="x").music),
             (speech.select, override(config, speech__base_backend="x").speech),
             (speech.select, override(config, speech__cloned_backend="x").speech)]
    for select, section in cases:
        with pytest.raises(ConfigError, match="Choose one of"):
            select(section)


def test_the_cli_choices_are_the_stage_tables():
    from voice_agent.cli import build_parser

    run = build_parser()._subparsers._group_actions[0].choices["run"]
    choices = {a.dest: tuple(a.choices) for a in run._actions if a.choices}
    assert choices["asr_backend"] == asr.BACKENDS
    assert choices["llm_backend"] == responder.BACKENDS
    assert choices["music_backend"] == music.BACKENDS
    assert choices["base_voice"] == speech.BASE_BACKENDS
    assert choices["voice_backend"] == speech.CLONE_BACKENDS


def test_a_good_config_passes_the_check():
    check_config(AgentConfig())
