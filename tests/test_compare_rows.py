"""benchmarks/compare_rows.py: two runs compared turn by turn."""

from __future__ import annotations

import json

from tests.bench_scripts import load_benchmark

compare_rows = load_benchmark("compare_rows")


def _row(conversation, turn, edit_ok, truth_ok=True, say="ok", plan=None):
    return {"file": "set.json", "conversation": conversation, "turn": turn, "mode": "typed/one-process",
            "input": "typed", "text": f"turn {turn}", "edit_ok": edit_ok, "truth_ok": truth_ok,
            "say": say, "plan": plan, "edit_failures": [] if edit_ok else ["intent chat"]}


def _write(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_turns_fixed_broken_and_changed_are_told_apart(tmp_path, capsys):
    before = _write(tmp_path / "before.jsonl", [
        _row("a", 1, False), _row("a", 2, True), _row("a", 3, True, say="one"), _row("a", 4, True),
        _row("b", 1, True)])  # b is not in the second run: not compared
    after = _write(tmp_path / "after.jsonl", [
        _row("a", 1, True), _row("a", 2, False), _row("a", 3, True, say="two"),
        _row("a", 4, True, truth_ok=False)])
    found = compare_rows.compare(compare_rows.load_rows(before), compare_rows.load_rows(after))
    assert [k[2] for k in found["fixed"]] == [1]
    assert [k[2] for k in found["broke"]] == [2, 4]  # an untrue reply is a miss too
    assert [k[2] for k in found["changed"]] == [3]
    assert compare_rows.main([str(before), str(after)]) == 0
    assert "4 turns in both runs: 1 fixed, 2 broke, 1 changed" in capsys.readouterr().out


def test_a_turn_with_nothing_to_judge_is_not_untrue():
    assert compare_rows.passed(_row("a", 1, True, truth_ok=None))
    assert not compare_rows.passed(_row("a", 1, False, truth_ok=None))
