"""benchmarks/reading_cost.py: the cost of reading a request, measured per request."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("reading_cost",
                                                  ROOT / "benchmarks" / "reading_cost.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tool = _tool()


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
    assert tool.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert tool.percentile([1.0, 2.0], 0.95) == 2.0
