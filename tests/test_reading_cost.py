"""benchmarks/reading_cost.py: the cost of reading a request, measured per request."""

from __future__ import annotations

import json

from tests.bench_scripts import load_benchmark

tool = load_benchmark("reading_cost")


def test_every_distinct_request_is_timed_and_the_slowest_named(tmp_path):
    turns = [{"text": "a jazz tune", "language": "en"}, {"text": "faster", "language": "en"},
             {"text": "faster", "language": "en"}, {"text": "más lenta", "language": "es"}]
    (tmp_path / "a.json").write_text(json.dumps({"conversations": [{"id": "c", "turns": turns}]}))
    assert tool.requests(tmp_path) == [("a jazz tune", "en"), ("faster", "en"), ("más lenta", "es")]
    assert tool.main(["--scripts", str(tmp_path), "--runs", "1", "--out", str(tmp_path / "o")]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["requests"] == 3
    assert 0 < summary["median_ms"] <= summary["p95_ms"] <= summary["max_ms"]
    assert summary["slowest"] in ("a jazz tune", "faster", "más lenta")


def test_percentile_is_the_nearest_rank():
    """As the load benchmark's: the 95th of 1..20 is 19 (rank ceil(0.95 * 20)), not 20."""
    assert tool.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert tool.percentile([float(v) for v in range(1, 21)], 95) == 19.0
    assert tool.percentile([1.0, 2.0], 95) == 2.0
