"""The library hook keeps no per-session state: each turn passes its LibraryScope, so two
sessions (interleaved, or at once on two threads) never see each other's clips, pending
confirmations or versions. And ``run --seed/--bpm`` reaches the plan as ``adjust``."""

from __future__ import annotations

import threading

from voice_agent.library import Library, LibraryScope, LibrarySession, LyricsWriter
from voice_agent.modes.headless import plan_adjuster, run_request
from voice_agent.pipeline.turns import Pipeline
from voice_agent.service.compose import ComposeOptions
from voice_agent.service.sessions import run_in_session
from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber


def _pipeline(root, render_delay_s: float = 0.0) -> tuple[Pipeline, Library]:
    library = Library(root)
    return Pipeline(FakeTranscriber(), FakeResponder(), FakeRenderer(delay_s=render_delay_s),
                    {"cloned": FakeSpeaker()},
                    library=LibrarySession(library, LyricsWriter(None))), library


def test_the_hook_holds_no_session_between_calls(tmp_path):
    pipeline, _ = _pipeline(tmp_path / "lib")
    run_in_session(pipeline, "kitchen", text="make some salsa")
    assert not hasattr(pipeline.library, "session")
    assert not hasattr(pipeline.library, "session_id")


def test_two_interleaved_sessions_save_and_undo_their_own_clips(tmp_path):
    pipeline, library = _pipeline(tmp_path / "lib")
    a1 = run_in_session(pipeline, "ana", text="make some salsa")
    b1 = run_in_session(pipeline, "bea", text="make some slow jazz with piano")
    a2 = run_in_session(pipeline, "ana", text="faster")
    saved_a = run_in_session(pipeline, "ana", text="save this")
    b2 = run_in_session(pipeline, "bea", text="save this")
    assert a2.library.stored_clip_id is not None and b1.library.stored_clip_id is not None
    assert saved_a.library.clip_id == a2.library.stored_clip_id  # ana's newest, not bea's
    assert b2.library.clip_id == b1.library.stored_clip_id
    undone = run_in_session(pipeline, "ana", text="undo")
    assert undone.library.done and undone.library.clip_id == a1.library.stored_clip_id
    assert undone.library.session == "ana"
    assert [v.number for v in pipeline.library.sessions.versions("bea")] == [1]
    assert len(library.playlist("favourites")) == 2


def test_a_pending_clear_belongs_to_its_own_scope(tmp_path):
    pipeline, library = _pipeline(tmp_path / "lib")
    run_in_session(pipeline, "ana", text="make some salsa")
    run_in_session(pipeline, "ana", text="save this")
    asked = run_in_session(pipeline, "ana", text="clear my favourites")
    assert asked.library.pending_confirmation
    other = run_in_session(pipeline, "bea", text="yes")  # not bea's question to answer
    assert not other.library.done and len(library.playlist("favourites")) == 1
    assert run_in_session(pipeline, "ana", text="yes").library.done
    assert library.playlist("favourites") == []


def test_two_sessions_at_once_on_two_threads_keep_their_own_versions(tmp_path):
    # The service serialises turns; the hook must be safe even when nothing does.
    pipeline, _ = _pipeline(tmp_path / "lib", render_delay_s=0.2)
    turns: dict[str, list] = {"ana": [], "bea": []}

    def talk(name: str, request: str) -> None:
        for _ in range(3):
            turns[name].append(run_in_session(pipeline, name, text=request))

    threads = [threading.Thread(target=talk, args=("ana", "make some salsa")),
               threading.Thread(target=talk, args=("bea", "make some slow jazz"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    sessions = pipeline.library.sessions
    for name, genre in (("ana", "salsa"), ("bea", "jazz")):
        assert [t.library.session for t in turns[name]] == [name] * 3
        versions = sessions.versions(name)
        assert [v.number for v in versions] == [1, 2, 3]
        assert {v.plan.genre for v in versions} == {genre}
        assert [v.clip_id for v in versions] == [t.library.stored_clip_id for t in turns[name]]


def test_an_explicit_scope_owner_keys_the_current_clip(tmp_path):
    pipeline, _ = _pipeline(tmp_path / "lib")
    made = pipeline.run(text="make some salsa", scope=LibraryScope(owner="web-1"))
    assert pipeline.library.current_clip(LibraryScope(owner="web-1")).clip_id \
        == made.library.stored_clip_id
    assert pipeline.library.current_clip(LibraryScope(owner="web-2")) is None


def test_run_overrides_reach_the_plan_as_adjust(tmp_path):
    pipeline, _ = _pipeline(tmp_path / "lib")
    adjust = plan_adjuster(ComposeOptions(seed=4_000_000_000, bpm=133, genre="tango"))
    turn = run_request(pipeline, None, "make some salsa", None, adjust=adjust)
    plan = pipeline.renderer.plans[-1]
    assert (plan.seed, plan.bpm, plan.genre) == (4_000_000_000, 133, "tango")
    assert turn.reply.plan == plan and "tango" in turn.reply.music_prompt
    assert plan_adjuster(ComposeOptions()) is None


def test_plan_wrappers_are_gone():
    import voice_agent.modes.headless as headless

    assert not hasattr(headless, "PlanOverrides") and not hasattr(headless, "override_plans")
