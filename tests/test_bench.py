"""The latency benchmark: its numbers, its report files, and the real command."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from voice_agent.core.audio import read_audio
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
    assert stats["n"] == 4 and stats["max"] == 10.0


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
    assert "| Slowest recognition | " in markdown
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


CPUINFO_AVX2 = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
cpu MHz\t\t: 2450.000
flags\t\t: fpu vme sse sse2 ssse3 fma sse4_1 sse4_2 avx avx2 bmi2
processor\t: 1
cpu MHz\t\t: 2550.000
flags\t\t: fpu vme sse sse2 ssse3 fma sse4_1 sse4_2 avx avx2 bmi2
"""
CPUINFO_SAPPHIRE = ("cpu MHz\t\t: 2000.0\nflags\t\t: avx2 fma avx512f avx512_vnni avx512_bf16 "
                    "amx_bf16 amx_tile amx_int8\n")


def test_cpu_flags_reader_names_the_vector_extensions_and_clock():
    from voice_agent.core import cpu
    from voice_agent.modes.bench.run import cpu_facts

    assert cpu.vector_extensions(CPUINFO_AVX2) == ("AVX2", "FMA")
    assert cpu.cpu_class(cpu.vector_extensions(CPUINFO_AVX2)) == "AVX2"
    assert cpu.cpu_mhz(CPUINFO_AVX2) == 2500.0
    extensions = cpu.vector_extensions(CPUINFO_SAPPHIRE)
    assert {"AVX-512F", "AVX-512 VNNI", "AVX-512 BF16", "AMX"} <= set(extensions)
    assert cpu.cpu_class(extensions) == "AMX"
    assert cpu.cpu_class(cpu.vector_extensions("flags\t: sse sse2\n")) == "baseline"
    assert cpu.cpu_mhz("") is None
    facts = cpu_facts(CPUINFO_AVX2)
    assert facts["cpu_class"] == "AVX2" and facts["cpu_extensions"] == ["AVX2", "FMA"]


class FakeWordTranscriber(FakeTranscriber):
    """A fake recogniser that also streams: the fixed text's words are spread evenly over
    the request, and a decode hears the words whose middle lies inside its audio (a
    growing buffer from the start, or at the end the tail after the committed words)."""

    def __init__(self, text: str, duration_s: float) -> None:
        super().__init__(text=text)
        self.duration_s = duration_s
        self.word_calls = 0
        self._last_length = 0

    def transcribe_words(self, samples, language, prompt=""):
        from voice_agent.asr.streaming import Word, WordHypothesis

        self.word_calls += 1
        length = len(samples) / 16000
        start = 0.0 if length >= self._last_length else self.duration_s - length
        self._last_length = length
        spoken = self.text.split()
        step = self.duration_s / len(spoken)
        heard = [Word(i * step - start, (i + 1) * step - start, w) for i, w in enumerate(spoken)
                 if start <= (i + 0.5) * step <= start + length]
        return WordHypothesis(tuple(heard), "en", 0.95)


def test_streaming_bench_feeds_in_real_time_and_times_from_the_end_of_audio(tmp_path):
    requests = load_requests(DEFAULT_REQUESTS, limit=1)
    duration = read_audio(requests[0].path).duration_s
    transcriber = FakeWordTranscriber(requests[0].text, duration)
    pipeline = Pipeline(transcriber, StreamingFakeResponder(ANSWER), FakeRenderer(),
                        {"cloned": FakeSpeaker()})
    started = time.perf_counter()
    report = run_benchmark(pipeline, requests, runs=1, settings={}, progress=False,
                           clock=lambda: 1.0)
    elapsed = time.perf_counter() - started
    # the final words: one decode of each whole request (warm-up and turn), as without
    # streaming; the steps ran while it was fed
    assert report["streaming"] is True and len(transcriber.calls) == 2
    assert transcriber.calls[-1][0].duration_s == pytest.approx(duration, abs=0.05)
    assert transcriber.word_calls >= 2
    assert elapsed >= 2 * duration * 0.95  # warm-up and the turn were each fed at 1x
    sample = report["samples"][0]
    assert sample["asr_wer"] == pytest.approx(0.0)
    assert sample["end_of_utterance_delay_s"] < duration  # timed from the end of audio
    # what the steps heard asked for music: "Sure!" before the final words, then music
    assert sample["acknowledged_early"] and sample["music_made"]
    assert report["quality"]["acknowledged_early"] == 1
    assert report["quality"]["acknowledged_early_without_music"] == 0
    markdown = write_report(report, tmp_path)["md"].read_text()
    assert "streamed while each request was fed at 1x" in markdown and "class " in markdown
    assert "said from the words heard while speaking (then no music) | 1/1 (0)" in markdown


def test_no_stream_keeps_the_batch_path():
    requests = load_requests(DEFAULT_REQUESTS, limit=1)
    transcriber = FakeWordTranscriber(requests[0].text, 1.0)
    pipeline = Pipeline(transcriber, StreamingFakeResponder(ANSWER), FakeRenderer(), {})
    report = run_benchmark(pipeline, requests, runs=1, settings={}, progress=False,
                           clock=lambda: 1.0, stream=False)
    assert report["streaming"] is False and transcriber.word_calls == 0
    assert len(transcriber.calls) == 2  # warm-up + the turn


def test_hard_requests_load_like_the_shipped_ones():
    hard = DEFAULT_REQUESTS.parent / "requests_hard"
    requests = load_requests(hard)
    assert 8 <= len(requests) <= 12 and {r.language for r in requests} == {"en", "es"}
    kinds = {r.request_id.split("-")[1] for r in requests}
    assert kinds == {"noise", "phone", "reverb", "robot", "mix"}
    assert sum(r.path.stat().st_size for r in requests) < 2_000_000
    for request in requests:
        audio = read_audio(request.path)
        assert audio.rate == 16000 and 1.0 < audio.duration_s < 10 and audio.peak > 0.05
