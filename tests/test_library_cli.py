"""``voice-agent library list|play|export|delete`` on a real library in a temp folder."""

from __future__ import annotations

import json

import pytest

from voice_agent.core.audio import read_audio
from voice_agent.cli import main
from voice_agent.library import Library
from voice_agent.core.types import MusicPlan
from tests.fakes import tone


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "lib").open()
    for seed, genre in enumerate(("salsa", "jazz", "tango"), start=1):
        clip = library.add_clip(tone(0.4, 22_050), MusicPlan(genre=genre, seed=seed),
                                transcript=f"play {genre}", midi=b"MThd")
        if genre != "jazz":
            library.save_to_playlist(clip.clip_id)
    return library


def _cli(lib, *args):
    return main(["library", "--library-dir", str(lib.root), *args])


def test_list_a_playlist_every_clip_and_the_playlists(lib, capsys):
    assert _cli(lib, "list") == 0
    out = capsys.readouterr().out
    assert "favourites:" in out and "1. happy salsa" in out and "2. happy tango" in out
    assert "jazz" not in out
    assert _cli(lib, "list", "--all") == 0
    assert "[2] happy jazz" in capsys.readouterr().out
    assert _cli(lib, "list", "--playlists", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [{"name": "favourites", "count": 2}]
    assert _cli(lib, "list", "--playlist", "nope") == 0
    assert "'nope' is empty" in capsys.readouterr().out


def test_list_json_is_machine_readable(lib, capsys):
    assert _cli(lib, "list", "--json") == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["clip"]["plan"]["genre"] for e in entries] == ["salsa", "tango"]


def test_play_without_a_sound_device_writes_a_file_and_says_so(lib, capsys, tmp_path,
                                                               monkeypatch):
    from voice_agent.library import cli as library_cli

    monkeypatch.setattr(library_cli, "play_on_device", lambda audio, lang="en": "no sound device (test)")
    monkeypatch.chdir(tmp_path)
    assert _cli(lib, "play", "2") == 0
    out = capsys.readouterr().out
    assert "Cannot play here: no sound device (test)" in out and "clip-3.wav" in out
    assert read_audio(tmp_path / "clip-3.wav").duration_s == pytest.approx(0.4, abs=1e-3)
    assert _cli(lib, "play", "--clip", "2", "--out", str(tmp_path / "two.wav")) == 0
    assert (tmp_path / "two.wav").is_file() and "wrote" in capsys.readouterr().out


def test_play_on_this_machine_reports_why_it_cannot(lib, capsys, tmp_path, monkeypatch):
    """No sound device here: the real device check must say so, not crash."""
    monkeypatch.chdir(tmp_path)
    assert _cli(lib, "play", "1") == 0
    out = capsys.readouterr().out
    assert ("Cannot play here" in out and (tmp_path / "clip-1.wav").is_file()) or \
        out.startswith("played")


def test_play_a_missing_number_is_a_clear_error(lib, capsys):
    assert _cli(lib, "play", "9") == 2
    assert "There is no number 9 in 'favourites': it has 2 clips." in capsys.readouterr().err


def test_export_writes_wav_midi_and_manifest(lib, capsys, tmp_path):
    assert _cli(lib, "export", str(tmp_path / "out"), "--playlist", "favourites") == 0
    assert "exported 2 clips" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["01-salsa-1.mid", "01-salsa-1.wav", "02-tango-3.mid", "02-tango-3.wav",
                     "manifest.json"]
    assert [c["files"]["wav"] for c in manifest["clips"]] == ["01-salsa-1.wav", "02-tango-3.wav"]
    assert _cli(lib, "export", str(tmp_path / "one"), "--clip", "2") == 0
    assert json.loads((tmp_path / "one" / "manifest.json").read_text())["clips"][0]["clip_id"] == 2


def test_delete_asks_unless_yes_and_removes_files(lib, capsys):
    tango = lib.entry(2).clip
    assert _cli(lib, "delete", "2") == 1  # no terminal to confirm at: nothing happens
    assert "Nothing deleted" in capsys.readouterr().out and lib.count() == 3
    assert _cli(lib, "delete", "2", "--yes") == 0
    assert "deleted clip 3" in capsys.readouterr().out
    assert lib.count() == 2 and not tango.audio_path.exists()
    assert [e.clip.plan.genre for e in lib.playlist()] == ["salsa"]


def test_delete_only_from_the_playlist_keeps_the_clip(lib, capsys):
    assert _cli(lib, "delete", "1", "--only-from-playlist", "--yes") == 0
    assert "still in the library" in capsys.readouterr().out
    assert lib.count() == 3 and [e.clip.plan.genre for e in lib.playlist()] == ["tango"]


def test_delete_needs_a_target(lib, capsys):
    assert _cli(lib, "delete", "--yes") == 2
    assert "Say which clip" in capsys.readouterr().err
