"""The conversation benchmark's scripts and checks (benchmarks/conversation_bench.py).

The benchmark itself runs real models and takes an hour; these tests keep its scripts
well-formed (a misspelt expectation would silently check nothing) and its checks honest
(each must be able to fail).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.bench_scripts import load_benchmark

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "benchmarks" / "conversations"
EXPECT_KEYS = {"intent", "plan", "bpm", "duration", "same", "differs", "has", "lacks",
               "version", "versions", "plan_of_version", "no_plan", "no_llm"}
PLAN_FIELDS = {"genre", "bpm", "key", "mode", "instruments", "mood", "duration_s", "seed"}


bench = load_benchmark("conversation_bench")


def _script(name: str) -> list[dict]:
    return json.loads((SCRIPTS / name).read_text(encoding="utf-8"))["conversations"]


@pytest.mark.parametrize("name", sorted(p.name for p in SCRIPTS.glob("*.json")))
def test_every_expectation_is_one_the_benchmark_checks(name):
    for conversation in _script(name):
        for turn in conversation["turns"]:
            expect = turn["expect"]
            assert set(expect) <= EXPECT_KEYS, (conversation["id"], turn["text"])
            assert set(expect.get("plan", {})) | set(expect.get("same", ())) \
                | set(expect.get("differs", ())) <= PLAN_FIELDS, turn["text"]
            assert turn["language"] in ("en", "es")


def test_the_evaluation_set_has_the_shape_the_issue_asks_for():
    conversations = _script("eval.json")
    assert len(conversations) >= 40
    assert all(3 <= len(c["turns"]) <= 6 for c in conversations)
    languages = Counter(c["turns"][0]["language"] for c in conversations)
    assert abs(languages["en"] - languages["es"]) <= 4
    intents = Counter()
    for c in conversations:
        for turn in c["turns"]:
            wanted = turn["expect"]["intent"]
            intents.update([wanted] if isinstance(wanted, str) else wanted)
    for kind in ("make_music", "refine", "another_like", "undo", "go_to_version",
                 "play_version", "compare", "replay", "save", "play", "list"):
        assert intents[kind] >= 2, kind


def test_the_evaluation_set_does_not_reuse_a_tuning_sentence():
    tuning = "".join(p.read_text(encoding="utf-8").lower() for p in
                     (ROOT / "tests" / "test_reading.py", ROOT / "tests" / "test_truth.py",
                      SCRIPTS / "held_out.json", SCRIPTS / "versions.json",
                      SCRIPTS / "tuning.json"))
    quoted = set(re.findall(r'"([^"]+)"', tuning))
    reused = [t["text"] for c in _script("eval.json") for t in c["turns"]
              if t["text"].lower() in quoted]
    assert reused == []


SALSA = {"genre": "salsa", "bpm": 180, "key": "A", "mode": "minor",
         "instruments": ["piano", "bass", "congas", "trumpet"], "mood": "happy",
         "duration_s": 15.0, "seed": 7}


def _record(plan, intent="refine", say="Done.", version=None, timings=None):
    return {"reply": {"say": say, "intent": intent, "plan": plan, "language": "en"},
            "library": {"version": version, "versions": []}, "timings": timings or {}}


def test_edit_correctness_fails_each_field_the_turn_got_wrong():
    slower = {**SALSA, "bpm": 150, "instruments": ["piano", "bass", "congas"]}
    expect = {"intent": "refine", "bpm": "up", "same": ["genre", "key"], "lacks": ["trumpet"],
              "differs": ["seed"], "version": 2}
    failures = bench.edit_failures(expect, _record(slower, version=2), SALSA, {})
    assert failures == ["bpm 180 -> 150 (expected up)", "seed stayed 7"]
    faster = {**slower, "bpm": 207, "seed": 8}
    assert bench.edit_failures(expect, _record(faster, version=2), SALSA, {}) == []
    assert bench.edit_failures({"intent": ["refine", "another_like"]},
                               _record(faster, intent="chat"), SALSA, {})
    assert bench.edit_failures({"no_llm": True}, _record(None, "save", timings={"llm": 3.0}),
                               SALSA, {}) == ["the language model ran for a command"]
    assert bench.edit_failures({"plan_of_version": 1}, _record(faster), SALSA, {1: SALSA})


def test_a_follow_up_that_starts_afresh_has_lost_the_previous_clip():
    fresh = {**SALSA, "genre": "tango", "seed": 99}
    stored = bench.Stored(turns=1, current_plan=SALSA)
    assert bench.lost_clip(2, bench.Stored(0, None), _record(SALSA), SALSA) == \
        "the session had no earlier turns"
    assert bench.lost_clip(2, stored, _record(fresh), SALSA) == \
        "the edit did not start from the previous plan"
    assert bench.lost_clip(2, stored, _record({**SALSA, "bpm": 207}), SALSA) is None
    variation = {**SALSA, "seed": 8}  # "same but different": a new seed, the same plan
    assert bench.lost_clip(2, stored, _record(variation, "another_like"), SALSA) is None
    assert bench.lost_clip(1, bench.Stored(0, None), _record(fresh), None) is None


def test_truthfulness_names_the_untrue_claim():
    assert bench.untrue_claims(_record(SALSA, say="Here's a tango at 180 BPM."), None) == \
        ["genre tango (the plan is salsa)"]
    assert bench.untrue_claims(_record(SALSA, say="Here's a salsa at 180 BPM."), None) == []


def test_a_playlist_name_is_not_a_music_fact_but_the_rest_of_the_reply_is():
    saved = _record(None, "save", "Saved to dance night as number 1.")
    saved["library"]["playlist"] = "dance night"
    assert bench.untrue_claims(saved, None) == []
    saved["library"]["playlist"] = "favourites"  # "dance" (edm) is no playlist's name here
    assert bench.untrue_claims(saved, None) == ["names music (edm) but no music was made"]
    saved["library"]["playlist"] = "dance night"
    saved["reply"]["say"] = "Saved this salsa to dance night."  # a genre beside the name
    assert bench.untrue_claims(saved, None) == ["names music (salsa) but no music was made"]


def test_an_answer_about_the_clip_playing_is_checked_against_that_clip():
    answer = _record(None, "chat", "Playing now: salsa at 180 BPM in A minor, with piano.")
    assert bench.untrue_claims(answer, SALSA) == []
    answer["reply"]["say"] = "Playing now: salsa at 150 BPM in A minor, with piano."
    assert bench.untrue_claims(answer, SALSA) == ["150 BPM (the plan is 180)"]
    answer["reply"]["say"] = "Playing now: tango at 180 BPM."
    assert bench.untrue_claims(answer, SALSA) == ["genre tango (the plan is salsa)"]
    assert bench.untrue_claims(answer, None) == ["names music (tango, 180 BPM) but no music was made"]


def test_a_listing_is_checked_against_the_clips_it_lists():
    listing = _record(None, "list", "favourites has 1 clip: 1, happy salsa.")
    listing["library"]["entries"] = [{"clip": {"plan": SALSA}}]
    assert bench.untrue_claims(listing, None) == []
    listing["reply"]["say"] = "favourites has 1 clip: 1, happy cumbia."
    assert bench.untrue_claims(listing, None) == ["genre cumbia (not a listed clip's)"]


def test_a_removal_is_checked_against_the_clip_it_took_out():
    removed = _record(None, "remove", "Removed number 1, happy salsa, from favourites.")
    assert bench.untrue_claims(removed, None) == ["genre salsa (not a listed clip's)"]
    removed["library"]["entries"] = [{"clip": {"plan": SALSA}}]
    assert bench.untrue_claims(removed, None) == []
    removed["reply"]["say"] = "Removed number 1, happy tango, from favourites."
    assert bench.untrue_claims(removed, None) == ["genre tango (not a listed clip's)"]


def test_the_playlists_a_listing_names_are_not_music_facts():
    """eval_fresh9: "Tienes 1 lista: perreo intenso" is true, though "perreo" names reggaeton."""
    listing = _record(None, "list", "Tienes 1 lista: perreo intenso, con 1 clip.")
    assert bench.untrue_claims(listing, None) == ["genre reggaeton (not a listed clip's)"]
    listing["library"]["playlists"] = ["perreo intenso"]
    assert bench.untrue_claims(listing, None) == []
    listing["reply"]["say"] = "Tienes 1 lista: perreo intenso, con 1 cumbia."
    assert bench.untrue_claims(listing, None) == ["genre cumbia (not a listed clip's)"]


def test_every_fourth_conversation_runs_as_separate_processes_by_default():
    assert bench.separate_indices(8, 0.25) == {3, 7}
    assert bench.separate_indices(4, 1.0) == {0, 1, 2, 3}
    assert bench.separate_indices(4, 0.0) == set()


def test_a_scripted_conversation_is_judged_turn_by_turn(tmp_path):
    conversation = bench.Conversation("c", "x.json", [
        {"text": "a salsa", "language": "en", "expect": {"intent": "make_music", "version": 1}},
        {"text": "faster", "language": "en", "expect": {"bpm": "up", "version": 2}},
        {"text": "go back to the first", "language": "en",
         "expect": {"plan_of_version": 1, "version": 1}}])
    faster = {**SALSA, "bpm": 207}
    records = [_record(SALSA, "make_music", "Here's a salsa.", 1),
               _record(faster, "refine", "Done: faster, now 207 BPM.", 2),
               _record(faster, "go_to_version", "Here's version 1 again.", 1)]
    rows = bench.play(conversation, bench.Variant(spoken=False, separate=False),
                      tmp_path / "library",
                      lambda turn, index, wav: bench.Outcome(records[index - 1], 0.1),
                      tmp_path / "audio")
    assert [r["edit_ok"] for r in rows] == [True, True, False]
    assert rows[2]["edit_failures"] == ["plan is not version 1's"]
    assert rows[1]["truth_ok"] and rows[1]["lost_clip"] == "the session had no earlier turns"
    summary = bench.summarise(rows)
    assert summary["all"]["edit_correct"] == pytest.approx(2 / 3, abs=1e-3)
    assert summary["by_mode"]["one-process"]["lost_clip"] == 2
    assert [r["after_failure"] for r in rows] == [False, False, False]


def test_turns_after_a_failed_one_are_rated_apart(tmp_path):
    conversation = bench.Conversation("c", "x.json", [
        {"text": "a salsa", "language": "en", "expect": {"plan": {"genre": "tango"}}},
        {"text": "faster", "language": "en", "expect": {"bpm": "up"}}])
    records = [_record(SALSA, "make_music"), _record({**SALSA, "bpm": 207})]
    rows = bench.play(conversation, bench.Variant(spoken=False, separate=True),
                      tmp_path / "library",
                      lambda turn, index, wav: bench.Outcome(records[index - 1], 0.1),
                      tmp_path / "audio")
    assert [(r["edit_ok"], r["after_failure"]) for r in rows] == [(False, False), (True, True)]
    rates = bench.summarise(rows)["all"]
    assert rates["edit_correct"] == 0.5 and rates["edit_correct_clean"] == 0.0
