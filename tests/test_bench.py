"""The latency benchmark: its numbers, its report files, and the real command."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from voice_agent.core.errors import ConfigError
from voice_agent.modes.bench.run import (DEFAULT_REQUESTS, load_requests, percentile,
                                     run_benchmark, summarise, write_report)
from voice_agent.pipeline.turns import Pipeline
from tests.fakes import (FakeRenderer, FakeSpeaker, FakeTranscriber,
                         StreamingFakeResponder)
from tests.test_streaming_turn import ANSWER


@pytest.mark.parametrize("q", [0, 50, 90, 95, 100])
def test_percentile_matches_numpy(q):
    values = [3.0, 1.0, 4.0, 1.5, 9.0, 2.6, 5.0]
    assert percentile(values, q) == pytest.approx(np.percentile(values, q))


def test_requests_alternate_languages_so_a_limit_keeps_both():
    requests = load_requests(DEFAULT_REQUESTS, limit=4)
    assert [r.language for r in requests] == ["en", "es", "en", "es"]
    assert all(r.path.is_file() and r.text for r in requests)


def test_missing_requests_folder_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="--requests"):
        load_requests(tmp_path)


def test_summary_skips_missing_metrics_and_orders_percentiles():
    samples = [{"voice_to_first_audio_s": v, "ok": True} for v in (1.0, 2.0, 3.0, 10.0)]
    summary = summarise(samples)
    assert set(summary) == {"voice_to_first_audio_s"}
    stats = summary["voice_to_first_audio_s"]
    assert stats["p50"] == pytest.approx(2.5) and stats["p50"] < stats["p95"] <= 10.0
    assert stats["n"] == 4


def test_report_files_from_a_benchmark_over_fake_stages(tmp_path):
    requests = load_requests(DEFAULT_REQUESTS, limit=2)
    pipeline = Pipeline(FakeTranscriber(text=requests[0].text), StreamingFakeResponder(ANSWER),
                        FakeRenderer(), {"cloned": FakeSpeaker(), "base": FakeSpeaker()})
    report = run_benchmark(pipeline, requests, runs=2, settings={"llm_threads": 2},
                           progress=False, clock=lambda: 1.25)
    assert len(report["samples"]) == 4 and report["cold_start_s"] == 1.25
    summary = report["summary"]
    for metric in ("voice_to_first_audio_s", "music_ready_s", "llm_ttft_s",
                   "tts_cloned_ttfb_s", "tts_base_rtf", "asr_wer"):
        assert summary[metric]["n"] == 4 and summary[metric]["p50"] <= summary[metric]["p95"]
    assert report["quality"]["asr_wer_en"] == pytest.approx(0.0)
    assert report["quality"]["asr_wer_es"] > 0.5  # the fake heard English for Spanish audio
    assert report["machine"]["cpu_count"] >= 1 and report["peak_memory_mb"] > 0
    paths = write_report(report, tmp_path)
    assert json.loads(paths["json"].read_text())["runs"] == 2
    markdown = paths["md"].read_text()
    assert "| Voice to first audio" in markdown and "Cold start" in markdown
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.real_model
def test_bench_command_on_the_real_models(tmp_path):
    out = tmp_path / "bench"
    result = subprocess.run(
        [sys.executable, "-m", "voice_agent.cli", "bench", "--limit", "2", "--no-compare",
         "--no-progress", "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((out / "bench.json").read_text())
    assert [s["language"] for s in report["samples"]] == ["en", "es"]
    assert all(s["ok"] for s in report["samples"]), report["samples"]
    summary = report["summary"]
    assert summary["voice_to_first_audio_s"]["p50"] < summary["turn_total_s"]["p50"]
    assert report["cold_start_s"] > 0 and (out / "bench.png").stat().st_size > 10_000
