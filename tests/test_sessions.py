"""Sessions kept on disk: turns and versions across fresh objects and separate processes,
a process killed mid-write, version commands (undo, go back, play, compare) in en and es,
and the upgrade from schema 2."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn
from voice_agent.library import Library, LibrarySession, LyricsWriter
from voice_agent.library.commands import COMPARE_GAP_S
from voice_agent.library.sessions import (SessionNameError, SessionStore, describe_change)
from voice_agent.library.store import MIGRATIONS, SCHEMA_VERSION
from voice_agent.pipeline.turns import Pipeline
from voice_agent.service.sessions import run_in_session
from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber, tone

ROOT = Path(__file__).resolve().parent.parent


class Agent:
    """A fresh pipeline (fake models, rule replies) on a real library folder: one "process"."""

    def __init__(self, root: Path) -> None:
        self.renderer = FakeRenderer()
        self.responder = FakeResponder()
        self.library = Library(root)
        self.pipeline = Pipeline(FakeTranscriber(), self.responder, self.renderer,
                                 {"cloned": FakeSpeaker()},
                                 library=LibrarySession(self.library, LyricsWriter(None)))

    def say(self, text: str, session: str = "kitchen", language: str | None = None) -> Turn:
        return run_in_session(self.pipeline, session, text=text, language=language)


def _turn(text: str, plan: MusicPlan | None, backend: str = "fake") -> Turn:
    from voice_agent.core.types import MusicClip

    reply = Reply(say=f"ok {text}", music_prompt="", intent=Intent.MAKE_MUSIC, plan=plan,
                  language="en")
    music = MusicClip(tone(0.2, 22_050), plan, backend=backend) if plan else None
    return Turn(turn_id=text[:12], created_at="2026-01-01T00:00:00+00:00", request="text",
                transcript=Transcript(text, "en"), reply=reply, music=music)


# -- the store ----------------------------------------------------------------------------

def test_turns_and_versions_are_kept_with_what_changed(tmp_path):
    library = Library(tmp_path / "lib").open()
    store = SessionStore(library)
    assert store.open("kitchen").turns == 0
    first = MusicPlan(genre="salsa", bpm=180, instruments=("piano", "congas"))
    second = first.replace(bpm=207, instruments=("piano", "trumpet"))
    clip1 = library.add_clip(tone(0.2, 22_050), first).clip_id
    clip2 = library.add_clip(tone(0.2, 22_050), second).clip_id
    store.append("kitchen", _turn("salsa", first), clip1)
    store.append("kitchen", _turn("chat", None))
    kept = store.append("kitchen", _turn("faster", second), clip2)
    assert (kept.index, kept.version, kept.parent_version) == (3, 2, 1)
    assert kept.changed == "tempo 180 -> 207 BPM; added trumpet; removed congas"
    assert [v.number for v in store.versions("kitchen")] == [1, 2]
    assert store.version("kitchen", 1).plan == first and store.version("kitchen", -1).plan == second
    assert store.current_version("kitchen").number == 2
    assert store.previous_version("kitchen").number == 1
    info = store.info("kitchen")
    assert (info.turns, info.versions) == (3, 2)
    history = store.history("kitchen", limit=2)
    assert [t.transcript.text for t in history] == ["chat", "faster"]
    assert history[-1].reply.plan == second and history[-1].music is not None
    assert history[-1].music.audio.duration_s == pytest.approx(0.2, abs=1e-3)


def test_a_missing_version_and_a_bad_name_are_clear_errors(tmp_path):
    store = SessionStore(Library(tmp_path / "lib").open())
    store.open("empty")
    with pytest.raises(Exception, match="no versions yet"):
        store.version("empty", 1)
    with pytest.raises(SessionNameError, match="not usable"):
        store.open("../../etc")
    with pytest.raises(Exception, match="no session called"):
        store.info("nobody")


def test_describe_change_names_each_field():
    before = MusicPlan(genre="cumbia", bpm=100, key="A", mode="minor", duration_s=15)
    assert describe_change(None, before) == "first version"
    assert describe_change(before, before.replace(seed=9)) == "new take (same plan)"
    assert describe_change(before, before.replace(key="C", mode="major", duration_s=30)) == \
        "key A minor -> C major; length 15 -> 30 s"


# -- across fresh objects and processes -------------------------------------------------

def test_a_session_continues_with_fresh_objects(tmp_path):
    Agent(tmp_path / "lib").say("a happy salsa at 180 bpm")
    later = Agent(tmp_path / "lib")  # a new process, as far as the objects know
    asked = later.say("tell me what you can do")  # the model is asked: the first turn came back from disk
    assert len(later.responder.histories[0]) == 1 and asked.reply.intent is Intent.CHAT
    turn = later.say("make it faster")  # an edit of the stored plan, decided by the words
    assert turn.reply.intent is Intent.REFINE and turn.reply.plan.genre == "salsa"
    assert turn.reply.plan.bpm > 180
    assert turn.library.version == 2 and turn.library.session == "kitchen"
    other = Agent(tmp_path / "lib")
    other.say("some jazz", session="elsewhere")
    assert other.responder.histories[0] == ()  # sessions keep their own history


def test_replay_in_a_new_process_plays_the_stored_clip(tmp_path):
    first = Agent(tmp_path / "lib").say("a happy salsa at 180 bpm")
    agent = Agent(tmp_path / "lib")
    again = agent.say("play it again")
    assert again.reply.intent is Intent.REPLAY and agent.renderer.plans == []
    assert again.music.audio.duration_s == pytest.approx(first.music.audio.duration_s, abs=1e-3)
    assert again.library.version == 1 and agent.library.count() == 1


def _cli(home: Path, text: str, session: str = "proc", out: str = "o") -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VOICE_AGENT_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "voice_agent.cli", "run", "--text", text, "--session", session,
         "--llm-backend", "rules", "--music-backend", "none", "--no-speech", "--no-compare",
         "--library-dir", str(home / "lib"), "--out", str(home / out)],
        capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"session: {session}" in result.stdout
    return json.loads((home / out / "turn.json").read_text())


def test_run_session_continues_across_separate_processes(tmp_path):
    first = _cli(tmp_path, "una cumbia alegre con acordeón a 100 bpm")
    second = _cli(tmp_path, "más rápido")
    assert first["reply"]["plan"]["genre"] == "cumbia"
    assert second["reply"]["intent"] == "refine"
    assert second["reply"]["plan"]["genre"] == "cumbia"
    assert second["reply"]["plan"]["bpm"] > first["reply"]["plan"]["bpm"]
    turns = SessionStore(Library(tmp_path / "lib")).turns("proc")
    assert [t.transcript for t in turns] == ["una cumbia alegre con acordeón a 100 bpm",
                                             "más rápido"]


_APPEND_FOREVER = """
import sys
sys.path.insert(0, {root!r})
from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn
from voice_agent.library import Library
from voice_agent.library.sessions import SessionStore
store = SessionStore(Library({lib!r}).open())
number = 0
while True:
    number += 1
    plan = MusicPlan(genre="jazz", bpm=60 + number)
    clip = store.library.add_clip(__import__("tests.fakes").fakes.tone(0.05, 8000), plan)
    turn = Turn("t%d" % number, "2026-01-01T00:00:00+00:00", "text",
                Transcript("turn %d" % number, "en"),
                Reply("ok", "", Intent.REFINE, plan, "en"))
    store.append("crash", turn, clip.clip_id)
    print(number, flush=True)
"""


def test_a_process_killed_mid_session_loses_nothing_committed(tmp_path):
    lib = tmp_path / "lib"
    Library(lib).open()
    child = subprocess.Popen([sys.executable, "-c", _APPEND_FOREVER.format(root=str(ROOT),
                                                                             lib=str(lib))],
                             stdout=subprocess.PIPE, text=True)
    committed = 0
    deadline = time.monotonic() + 120
    while committed < 5 and time.monotonic() < deadline:
        line = child.stdout.readline()
        committed = int(line) if line.strip() else committed
    os.kill(child.pid, signal.SIGKILL)  # whatever it was writing, mid-write
    child.wait()
    assert committed >= 5, "the child never got going"
    library = Library(lib).open()
    store = SessionStore(library)
    turns = store.turns("crash")
    assert len(turns) >= committed  # every turn it reported is there
    assert [t.index for t in turns] == list(range(1, len(turns) + 1))
    assert [v.number for v in store.versions("crash")] == list(range(1, len(turns) + 1))
    assert library.check() == []  # no half files, the database is intact
    store.append("crash", _turn("after", MusicPlan()), library.add_clip(
        tone(0.1, 8000), MusicPlan()).clip_id)  # and it takes new turns
    assert store.info("crash").turns == len(turns) + 1


# -- version commands ---------------------------------------------------------------------

@pytest.fixture
def agent(tmp_path):
    agent = Agent(tmp_path / "lib")
    agent.say("a happy salsa at 180 bpm")
    agent.say("make it faster")
    return agent


def _played(turn: Turn) -> int | None:
    """The stored clip a turn played (None when it rendered a new one)."""
    return turn.music.library_clip_id


def test_go_back_to_the_first_version_replays_it_without_rendering(agent):
    renders = len(agent.renderer.plans)
    turn = agent.say("go back to the first version")
    assert turn.reply.intent is Intent.GO_TO_VERSION
    assert turn.reply.say == "Here's version 1 again: salsa at 180 BPM."
    assert len(agent.renderer.plans) == renders and agent.library.count() == 2
    first = SessionStore(agent.library).version("kitchen", 1)
    assert _played(turn) == first.clip_id and turn.reply.plan == first.plan
    refined = agent.say("make it slower")  # edits continue from version 1
    assert refined.reply.plan.bpm < 180 and refined.library.version == 3
    assert SessionStore(agent.library).version("kitchen", 3).parent == 1


def test_undo_walks_back_and_undoes_a_go_back(agent):
    agent.say("more piano please")  # version 3, made from 2
    undone = agent.say("undo")
    assert undone.reply.say.startswith("Undone: back to version 2,")
    assert undone.library.version == 2
    assert agent.say("undo").library.version == 1
    nothing = agent.say("undo")
    assert not nothing.library.done and "nothing to undo" in nothing.reply.say
    agent.say("go back to version 3")
    assert agent.say("undo").library.version == 1  # back to where the go-back came from


def test_play_version_and_compare(agent):
    store = SessionStore(agent.library)
    v1, v2 = store.versions("kitchen")
    played = agent.say("play version 2")
    assert played.reply.say == f"Playing version 2: salsa at {v2.plan.bpm} BPM."
    assert _played(played) == v2.clip_id
    compared = agent.say("compare the last two")
    assert compared.reply.say == (f"First version 1: salsa at 180 BPM. Then version 2: salsa "
                                  f"at {v2.plan.bpm} BPM.")
    one, two = (agent.library.load_audio(v.clip_id) for v in (v1, v2))
    assert compared.music.audio.duration_s == pytest.approx(
        one.duration_s + COMPARE_GAP_S + two.duration_s, abs=1e-3)
    assert compared.reply.plan is None and compared.library.versions == (1, 2)
    assert store.current_version("kitchen").number == 2  # comparing changes nothing
    assert agent.say("play version 7").reply.say == \
        "There's no version 7: this session has 2 versions."
    # two before the last, counted back, with only two versions
    assert agent.say("take me back to where we were two changes ago").reply.say == \
        "There's no version 2 before the last: this session has 2 versions."


def test_version_commands_in_spanish(agent):
    back = agent.say("vuelve a la primera", language="es")
    assert back.reply.say == "Aquí tienes otra vez la versión 1: salsa a 180 BPM."
    undone = agent.say("deshazlo", language="es")
    assert undone.reply.say.startswith("Deshecho: vuelvo a la versión 2,")
    played = agent.say("pon la versión 1", language="es")
    assert played.reply.say == "Pongo la versión 1: salsa a 180 BPM."
    compared = agent.say("compara las dos últimas", language="es")
    assert compared.reply.say.startswith("Primero la versión 1: salsa a 180 BPM. Después la "
                                         "versión 2")
    assert agent.say("deshaz", language="es").reply.intent is Intent.UNDO


def test_version_commands_without_a_session_say_so(tmp_path):
    agent = Agent(tmp_path / "lib")
    agent.pipeline.run(text="some jazz")
    turn = agent.pipeline.run(text="undo")
    assert turn.reply.intent is Intent.UNDO and "session" in turn.reply.say
    assert turn.music is None


# -- the upgrade from the previous schema -------------------------------------------------

def test_a_schema_2_library_is_upgraded_and_keeps_its_clips(tmp_path):
    root = tmp_path / "lib"
    (root / "clips").mkdir(parents=True)
    from voice_agent.core.audio import write_wav

    write_wav(root / "clips" / "olduid.wav", tone(0.3, 22_050))
    db = sqlite3.connect(root / "library.sqlite3")
    for statement in MIGRATIONS[0] + MIGRATIONS[1]:
        db.execute(statement)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO clips (uid, created_at, transcript, plan_json, seed, audio_file, "
               "duration_s, sample_rate) VALUES ('olduid', '2026-01-01T00:00:00+00:00', "
               "'old tango', ?, 4, 'olduid.wav', 0.3, 22050)",
               (json.dumps({"genre": "tango", "bpm": 120, "seed": 4}),))
    db.execute("INSERT INTO state VALUES ('current_clip', '1', '2026-01-01T00:00:00+00:00')")
    db.commit()
    db.close()
    library = Library(root).open()
    assert library.schema_version() == SCHEMA_VERSION == 3
    assert library.clip(1).plan.genre == "tango" and library.get_state("current_clip")[0] == 1
    store = SessionStore(library)
    store.append("new", _turn("salsa", MusicPlan(genre="salsa")), 1)
    assert store.versions("new")[0].clip_id == 1 and library.check() == []


_DIE_AT_APPEND_COMMIT = """
import contextlib, os, signal, sys
sys.path.insert(0, {root!r})
from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn
from voice_agent.library import Library
from voice_agent.library.sessions import SessionStore

class DyingConnection:
    # kill -9 this process the moment the append would commit
    def __init__(self, db): self.db = db
    def execute(self, sql, *args):
        if sql == "COMMIT":
            os.kill(os.getpid(), signal.SIGKILL)
        return self.db.execute(sql, *args)
    def __getattr__(self, name): return getattr(self.db, name)

library = Library({lib!r}).open()
real = library._connection
@contextlib.contextmanager
def dying():
    with real() as db:
        yield DyingConnection(db)
library._connection = dying
plan = MusicPlan(genre="jazz", bpm=99)
SessionStore(library).append("crash", Turn("t2", "2026-01-01T00:00:00+00:00", "text",
    Transcript("faster", "en"), Reply("ok", "", Intent.REFINE, plan, "en")), 1)
"""


def test_a_turn_killed_at_its_commit_is_absent_and_the_rest_intact(tmp_path):
    library = Library(tmp_path / "lib").open()
    store = SessionStore(library)
    clip = library.add_clip(tone(0.1, 8000), MusicPlan(genre="jazz")).clip_id
    store.append("crash", _turn("some jazz", MusicPlan(genre="jazz")), clip)
    script = _DIE_AT_APPEND_COMMIT.format(root=str(ROOT), lib=str(tmp_path / "lib"))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -9, result.stderr  # it really died mid-transaction
    reopened = SessionStore(Library(tmp_path / "lib").open())
    assert [t.transcript for t in reopened.turns("crash")] == ["some jazz"]
    assert reopened.current_version("crash").number == 1
    assert reopened.library.check() == []


# -- the HTTP API's session ---------------------------------------------------------------

def _service(tmp_path: Path):
    from voice_agent.fakes import fake_pipeline
    from voice_agent.service.agent import AgentService
    from voice_agent.service.voices import fake_voice_lab

    pipeline = fake_pipeline()
    pipeline.library = LibrarySession(Library(tmp_path / "lib"), LyricsWriter(None))
    return AgentService(pipeline, tmp_path / "requests", fake_voice_lab(tmp_path / "speakers"))


def test_the_service_keeps_a_session_on_disk_across_restarts(tmp_path):
    first = _service(tmp_path)
    first.turn(tone(1.0), session="tab-1")
    first.turn(tone(1.0), session="tab-1")
    first.turn(tone(1.0))  # no session: no history, nothing kept
    restarted = _service(tmp_path)
    result = restarted.turn(tone(1.0), session="tab-1")
    seen = [len(h) for h in (first.pipeline.responder.histories
                             + restarted.pipeline.responder.histories)]
    assert seen == [0, 1, 0, 2]
    assert result.record["library"]["session"] == "tab-1"
    assert SessionStore(Library(tmp_path / "lib")).info("tab-1").turns == 3


def test_a_bad_session_name_is_the_request_s_fault(tmp_path):
    with pytest.raises(SessionNameError) as raised:
        _service(tmp_path).turn(tone(1.0), session="../x")
    assert raised.value.status == 400


def test_library_sessions_lists_sessions_and_one_session_s_versions(tmp_path, capsys):
    from voice_agent.cli import main

    agent = Agent(tmp_path / "lib")
    agent.say("a happy salsa at 180 bpm")
    agent.say("make it faster")
    assert main(["library", "--library-dir", str(tmp_path / "lib"), "sessions"]) == 0
    assert "kitchen: 2 turns, 2 versions" in capsys.readouterr().out
    assert main(["library", "--library-dir", str(tmp_path / "lib"), "sessions", "kitchen"]) == 0
    out = capsys.readouterr().out
    assert "1. salsa, 180 BPM" in out and "2. salsa, " in out and "(tempo 180 -> " in out


def test_save_this_means_this_session_s_clip_not_another_s(tmp_path):
    kitchen = Agent(tmp_path / "lib")
    kitchen.say("a happy salsa at 180 bpm")
    Agent(tmp_path / "lib").say("some relaxing jazz", session="study")  # newer, elsewhere
    saved = Agent(tmp_path / "lib").say("save this")
    assert saved.library.done
    assert kitchen.library.clip(saved.library.clip_id).plan.genre == "salsa"
