"""The clip library's store: CRUD, playlists, export, schema upgrades, crashes, concurrency."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from voice_agent.core.audio import read_audio
from voice_agent.library import LAST_ITEM, Library, LibraryError
from voice_agent.library.store import MIGRATIONS, SCHEMA_VERSION
from voice_agent.core.types import Lyrics, LyricsSection, MusicPlan
from tests.fakes import tone

ROOT = Path(__file__).resolve().parent.parent
LYRICS = Lyrics("Midnight Road", "en", "rock",
                (LyricsSection("verse", ("line one", "line two")),
                 LyricsSection("chorus", ("Midnight Road", "take me home"))), source="template")


def _add(library: Library, genre: str = "jazz", seed: int = 1, **kwargs):
    return library.add_clip(tone(0.5, 22_050, freq=200 + seed), MusicPlan(genre=genre, seed=seed),
                            transcript=f"some {genre}", language="en", midi=b"MThd-fake",
                            **kwargs)


@pytest.fixture
def library(tmp_path) -> Library:
    return Library(tmp_path / "lib").open()


def test_a_clip_is_stored_with_its_files_and_fields(library):
    record = _add(library, "salsa", seed=9, request="req.wav", say="¡Toma salsa!",
                  prompt="happy salsa", backend="composer", turn_id="abc", lyrics=LYRICS)
    again = library.clip(record.clip_id)
    assert again == record and again.plan.genre == "salsa" and again.seed == 9
    assert (again.transcript, again.say, again.prompt, again.turn_id) == (
        "some salsa", "¡Toma salsa!", "happy salsa", "abc")
    assert again.lyrics == LYRICS and again.title == "Midnight Road"
    assert again.midi_path.read_bytes() == b"MThd-fake"
    audio = library.load_audio(record.clip_id)
    assert audio.rate == 22_050 and abs(audio.duration_s - 0.5) < 1e-3
    assert np.allclose(audio.samples, tone(0.5, 22_050, freq=209).samples, atol=1e-3)
    assert json.loads(json.dumps(again.to_dict()))["plan"]["genre"] == "salsa"
    assert library.check() == []


def test_clips_are_listed_newest_first_and_deleted_with_their_files(library):
    first, second = _add(library, seed=1), _add(library, seed=2)
    assert [c.clip_id for c in library.clips()] == [second.clip_id, first.clip_id]
    assert library.last_clip() == second and library.count() == 2
    library.save_to_playlist(first.clip_id)
    library.delete_clip(first.clip_id)
    assert not first.audio_path.exists() and not first.midi_path.exists()
    assert library.playlist() == [] and library.count() == 1
    with pytest.raises(LibraryError, match="no clip"):
        library.clip(first.clip_id)
    assert library.check() == []


def test_playlists_number_from_one_and_renumber_after_a_removal(library):
    clips = [_add(library, seed=i) for i in range(4)]
    for clip in clips:
        library.save_to_playlist(clip.clip_id, "Road Trip")
    assert library.save_to_playlist(clips[1].clip_id, "road trip").number == 2  # no duplicate
    entries = library.playlist("ROAD TRIP")
    assert [e.number for e in entries] == [1, 2, 3, 4]
    assert [e.clip.clip_id for e in entries] == [c.clip_id for c in clips]
    removed = library.remove_from_playlist(2, "road trip")
    assert removed.clip.clip_id == clips[1].clip_id
    assert [(e.number, e.clip.clip_id) for e in library.playlist("road trip")] == [
        (1, clips[0].clip_id), (2, clips[2].clip_id), (3, clips[3].clip_id)]
    assert library.entry(LAST_ITEM, "road trip").clip.clip_id == clips[3].clip_id
    assert library.count() == 4  # removing from a playlist keeps the clip


def test_playlists_summary_favourites_and_clear(library):
    clip = _add(library)
    library.save_to_playlist(clip.clip_id, "favoritos")  # any spelling of favourites
    library.save_to_playlist(clip.clip_id, "gym")
    assert [(p.name, p.count) for p in library.playlists()] == [("favourites", 1), ("gym", 1)]
    assert library.clear_playlist("gym") == 1 and library.playlist("gym") == []
    assert library.playlist()[0].clip.clip_id == clip.clip_id


def test_bad_numbers_get_clear_messages(library):
    with pytest.raises(LibraryError, match="'favourites' is empty"):
        library.entry(1)
    library.save_to_playlist(_add(library).clip_id)
    with pytest.raises(LibraryError, match="no number 5 in 'favourites': it has 1 clip"):
        library.remove_from_playlist(5)


def test_lyrics_can_be_attached_later_with_a_voice_over(library):
    clip = _add(library)
    updated = library.set_lyrics(clip.clip_id, LYRICS, tone(1.0, 22_050))
    assert updated.lyrics == LYRICS and updated.lyrics_audio_path.is_file()
    assert library.load_audio(clip.clip_id, with_lyrics=True).duration_s == pytest.approx(1.0)
    assert library.check() == []


def test_export_copies_files_and_writes_a_manifest(library, tmp_path):
    a, b = _add(library, "salsa", 1, lyrics=LYRICS), _add(library, "jazz", 2)
    library.save_to_playlist(b.clip_id, "mix")
    library.save_to_playlist(a.clip_id, "mix")
    manifest_path = library.export(tmp_path / "out", playlist="mix")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["playlist"] == "mix" and manifest["schema_version"] == SCHEMA_VERSION
    assert [c["clip_id"] for c in manifest["clips"]] == [b.clip_id, a.clip_id]
    assert [c["number"] for c in manifest["clips"]] == [1, 2]
    for clip in manifest["clips"]:
        files = clip["files"]
        assert read_audio(tmp_path / "out" / files["wav"]).duration_s == pytest.approx(0.5, abs=1e-3)
        assert (tmp_path / "out" / files["midi"]).read_bytes() == b"MThd-fake"
    salsa = manifest["clips"][1]
    assert salsa["files"]["wav"] == f"02-salsa-{a.clip_id}.wav"
    assert "Midnight Road" in (tmp_path / "out" / salsa["files"]["lyrics_text"]).read_text()
    assert salsa["lyrics"]["sections"][0]["kind"] == "verse"
    everything = json.loads(library.export(tmp_path / "all").read_text())
    assert len(everything["clips"]) == 2 and everything["playlist"] is None


def _make_version_1_database(root: Path) -> None:
    """A library as schema version 1 wrote it (no lyrics columns, no state table)."""
    (root / "clips").mkdir(parents=True)
    from voice_agent.core.audio import write_wav

    write_wav(root / "clips" / "olduid.wav", tone(0.3, 22_050))
    db = sqlite3.connect(root / "library.sqlite3")
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO clips (uid, created_at, transcript, plan_json, seed, audio_file, "
               "duration_s, sample_rate) VALUES ('olduid', '2026-01-01T00:00:00+00:00', "
               "'old tango', ?, 4, 'olduid.wav', 0.3, 22050)",
               (json.dumps({"genre": "tango", "bpm": 120, "seed": 4, "instruments": ["violin"]}),))
    db.execute("INSERT INTO playlist_entries VALUES ('favourites', 1, 1, '2026-01-01T00:00:00+00:00')")
    db.commit()
    db.close()


def test_an_older_schema_is_upgraded_keeping_its_clips_and_playlists(tmp_path):
    _make_version_1_database(tmp_path / "lib")
    library = Library(tmp_path / "lib").open()
    assert library.schema_version() == SCHEMA_VERSION == 3
    old = library.playlist()[0].clip
    assert old.transcript == "old tango" and old.plan.instruments == ("violin",)
    assert old.lyrics is None and library.check() == []
    assert library.set_lyrics(old.clip_id, LYRICS).lyrics == LYRICS  # new columns work
    new = _add(library)
    assert new.clip_id == old.clip_id + 1


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    db = sqlite3.connect(root / "library.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(LibraryError, match="newer than this voice_agent"):
        Library(root).open()


def test_a_failure_between_file_write_and_commit_leaves_nothing_behind(library, monkeypatch):
    kept = _add(library)
    from voice_agent.library import store

    real_write = store.write_atomically
    calls = []

    def write_then_fail(path, data):
        calls.append(path)
        real_write(path, data)
        if len(calls) == 2:  # the WAV is on disk, the MIDI too; now "crash"
            raise OSError("disk full")

    monkeypatch.setattr(store, "write_atomically", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        _add(library, seed=7)
    assert len(calls) == 2 and not any(p.exists() for p in calls)
    assert [c.clip_id for c in library.clips()] == [kept.clip_id]
    assert library.check() == []


_DIE_AT_COMMIT = """
import os, signal, sys
sys.path.insert(0, {root!r})
from voice_agent.library import store
from voice_agent.core.types import MusicPlan
from tests.fakes import tone

class DyingConnection:
    # kill -9 this process the moment the transaction would commit
    def __init__(self, db): self.db = db
    def execute(self, sql, *args):
        if sql == "COMMIT" and os.environ.get("ARMED"):
            os.kill(os.getpid(), signal.SIGKILL)
        return self.db.execute(sql, *args)
    def __getattr__(self, name): return getattr(self.db, name)

library = store.Library({lib!r}, connect=lambda path: DyingConnection(
    store.connect_database(path))).open()
os.environ["ARMED"] = "1"
library.{call}
"""


@pytest.mark.parametrize("call,left_behind", [
    ("add_clip(tone(0.5, 22050), MusicPlan(seed=3), midi=b'MThd')", 2),  # WAV + MIDI written
    ("delete_clip(1)", 0),  # killed before the delete committed: the clip stays whole
])
def test_a_process_killed_mid_transaction_leaves_the_library_consistent(tmp_path, call,
                                                                         left_behind):
    library = Library(tmp_path / "lib").open()
    kept = _add(library)
    library.save_to_playlist(kept.clip_id)
    script = _DIE_AT_COMMIT.format(root=str(ROOT), lib=str(tmp_path / "lib"), call=call)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -9, result.stderr  # it really died mid-transaction
    files = sorted(p.name for p in library.clips_dir.iterdir())
    assert len(files) == 2 + left_behind  # the kept clip's WAV + MIDI, plus any orphans
    reopened = Library(tmp_path / "lib").open()  # opening sweeps the orphans
    assert [c.clip_id for c in reopened.clips()] == [kept.clip_id]
    assert reopened.playlist()[0].clip.clip_id == kept.clip_id
    assert reopened.check() == []
    assert reopened.load_audio(kept.clip_id).duration_s == pytest.approx(0.5, abs=1e-3)


def test_orphans_left_after_a_delete_commit_are_swept(library):
    clip = _add(library)
    with library._write() as db:  # what a crash after the commit, before unlinking, leaves
        db.execute("DELETE FROM clips WHERE clip_id = ?", (clip.clip_id,))
    assert "unreferenced file" in " ".join(library.check())
    assert sorted(p.name for p in library.sweep()) == sorted(
        [clip.audio_path.name, clip.midi_path.name])
    assert library.check() == []


def test_threads_sharing_one_library_write_safely(library):
    errors = []

    def writer(worker: int) -> None:
        try:
            for i in range(5):
                clip = _add(library, seed=worker * 10 + i)
                library.save_to_playlist(clip.clip_id, "shared")
        except Exception as exc:  # collected: a failure in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = library.playlist("shared")
    assert library.count() == 30 and [e.number for e in entries] == list(range(1, 31))
    assert len({e.clip.clip_id for e in entries}) == 30 and library.check() == []


_WRITER = """
import sys
sys.path.insert(0, {root!r})
from voice_agent.library import Library
from voice_agent.core.types import MusicPlan
from tests.fakes import tone
library = Library({lib!r}).open()
for i in range(8):
    clip = library.add_clip(tone(0.2, 22050), MusicPlan(seed={worker} * 100 + i), midi=b"MThd")
    library.save_to_playlist(clip.clip_id, "shared")
    if i % 3 == 0:
        library.remove_from_playlist(1, "shared")
"""


def test_several_processes_write_at_once(tmp_path):
    lib = tmp_path / "lib"
    Library(lib).open()
    workers = [subprocess.Popen([sys.executable, "-c", _WRITER.format(root=str(ROOT), lib=str(lib),
                                                                      worker=w)],
                                stderr=subprocess.PIPE, text=True) for w in range(3)]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
    library = Library(lib).open()
    assert library.count() == 24
    entries = library.playlist("shared")
    assert [e.number for e in entries] == list(range(1, 24 - 9 + 1))  # 3 removals each
    assert len({e.clip.clip_id for e in entries}) == len(entries)
    assert sorted(c.seed for c in library.clips()) == sorted(
        w * 100 + i for w in range(3) for i in range(8))
    assert library.check() == []


def test_an_unwritable_folder_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LibraryError, match="Cannot create the library folder"):
        Library(blocker / "lib").open()
