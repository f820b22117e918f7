"""benchmarks/heard_replay.py: a spoken run's transcripts put in place of its scripts' text."""

from __future__ import annotations

import json

from tests.bench_scripts import load_benchmark

replay = load_benchmark("heard_replay")

SCRIPT = {"about": "two conversations", "conversations": [
    {"id": "es-one", "turns": [
        {"text": "Hazme un house con sintetizador.", "language": "es", "expect": {"intent": "make_music"}},
        {"text": "Súbele un poco.", "language": "es", "expect": {"intent": "refine"}}]},
    {"id": "en-two", "turns": [
        {"text": "Play some jazz.", "language": "en", "expect": {"intent": "make_music"}}]}]}


def _rows(folder, rows):
    folder.mkdir()
    (folder / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


def test_each_spoken_turn_is_replaced_by_its_mended_transcript(tmp_path):
    results = _rows(tmp_path / "run_spoken", [
        {"file": "set.json", "conversation": "es-one", "turn": 1, "input": "spoken", "language": "es",
         "transcript": "He hazme un oce con sintetizador.", "heard_language": "es"},
        {"file": "set.json", "conversation": "es-one", "turn": 2, "input": "spoken", "language": "es",
         "transcript": "", "heard_language": None},
        {"file": "set.json", "conversation": "en-two", "turn": 1, "input": "typed", "language": "en",
         "transcript": None}])
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "set.json").write_text(json.dumps(SCRIPT), encoding="utf-8")
    out = tmp_path / "heard"
    out.mkdir()
    names = replay.write_heard_scripts([results], tmp_path / "scripts", out)
    assert names == ["heard_run_spoken_set.json"]
    played = json.loads((out / names[0]).read_text(encoding="utf-8"))["conversations"]
    assert [c["id"] for c in played] == ["es-one"]  # only what was spoken is replayed
    first, second = played[0]["turns"]
    assert first["text"] == "He hazme un house con sintetizador."  # mended as the agent would
    assert first["written"] == "Hazme un house con sintetizador." and first["expect"]["intent"] == "make_music"
    assert second["text"] == replay.SILENT  # heard nothing: nothing to read


def test_runs_without_spoken_turns_replay_nothing(tmp_path):
    results = _rows(tmp_path / "typed_run", [
        {"file": "set.json", "conversation": "en-two", "turn": 1, "input": "typed", "language": "en"}])
    assert replay.heard_turns(results) == {}
