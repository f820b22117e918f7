"""Latency benchmark: full turns over the shipped spoken requests, with numbers to trust.

Every turn starts when the request's audio is complete, i.e. at the end of the person's
speech, so ``voice_to_first_audio_s`` is end of speech -> first synthesised sample of the
spoken reply, and ``music_ready_s`` end of speech -> clip playable. Each request runs
with an empty history, after a warm-up turn that is not counted. Field names follow
what voice-agent frameworks report where they fit: end-of-utterance delay (here the
transcription time: push-to-talk has no end-pointing wait), LLM TTFT, TTS TTFB.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import platform
import resource
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_agent.asr.streaming import (StreamingRecognizer, StreamingSession, WordTranscriber,
                                       feed_in_real_time)
from voice_agent.core import cpu
from voice_agent.core.audio import read_audio
from voice_agent.core.errors import ConfigError
from voice_agent.pipeline.turns import Pipeline
from voice_agent.pipeline.record import library_versions
from voice_agent.core.language import word_error_rate
from voice_agent.core.types import Audio, Turn

from voice_agent.modes.bench.report import METRICS, render_chart, render_markdown

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_REQUESTS = REPO_ROOT / "benchmarks" / "requests"
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "bench"



@dataclass(frozen=True)
class BenchRequest:
    """One shipped spoken request and what was said in it."""

    request_id: str
    language: str
    genre: str
    text: str
    path: Path


def load_requests(folder: str | Path = DEFAULT_REQUESTS, limit: int | None = None) -> list[BenchRequest]:
    """The requests listed in ``folder/requests.tsv`` whose WAV exists, English and Spanish
    interleaved so that ``limit`` keeps both languages."""
    folder = Path(folder)
    table = folder / "requests.tsv"
    if not table.is_file():
        raise ConfigError(f"No benchmark requests at {table}. Run from a clone of the repository "
                          "or pass --requests DIR (a folder with requests.tsv and its WAV files).")
    with open(table, encoding="utf-8") as handle:
        rows = [BenchRequest(r["id"], r["language"], r.get("genre", ""), r["text"],
                             folder / f"{r['id']}.wav") for r in csv.DictReader(handle, delimiter="\t")]
    rows = [r for r in rows if r.path.is_file()]
    by_language: dict[str, list[BenchRequest]] = {}
    for row in rows:
        by_language.setdefault(row.language, []).append(row)
    mixed = [r for group in _zip_longest(*by_language.values()) for r in group]
    return mixed[:limit] if limit else mixed


def _zip_longest(*groups: list[BenchRequest]) -> list[list[BenchRequest]]:
    longest = max((len(g) for g in groups), default=0)
    return [[g[i] for g in groups if i < len(g)] for i in range(longest)]


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def turn_sample(turn: Turn, request: BenchRequest) -> dict[str, Any]:
    """The numbers one benchmark turn contributes (a missing stage leaves its keys out)."""
    sample: dict[str, Any] = {"request_id": request.request_id, "language": request.language,
                              "ok": turn.ok, "errors": [e.message for e in turn.errors]}
    for key, stage in (("end_of_utterance_delay_s", "asr"), ("llm_ttft_s", "llm_ttft"),
                       ("llm_total_s", "llm"), ("music_render_s", "music"),
                       ("turn_total_s", "total")):
        if turn.seconds(stage) is not None:
            sample[key] = turn.seconds(stage)
    for key, mark in (("voice_to_first_audio_s", "first_audio"), ("music_ready_s", "music_ready"),
                      ("llm_first_sentence_s", "llm_first_sentence")):
        if mark in turn.latency:
            sample[key] = turn.latency[mark]
    for spoken in turn.speech:
        sample[f"tts_{spoken.voice}_ttfb_s"] = spoken.first_audio_s
        sample[f"tts_{spoken.voice}_total_s"] = spoken.synth_s
        sample[f"tts_{spoken.voice}_rtf"] = spoken.rtf
    if turn.transcript is not None:
        sample["transcript"] = turn.transcript.text
        sample["asr_wer"] = word_error_rate(request.text, turn.transcript.text)
        sample["language_ok"] = turn.transcript.language == request.language
    if turn.reply is not None and turn.reply.plan is not None:
        sample["genre"] = turn.reply.plan.genre
        sample["genre_ok"] = turn.reply.plan.genre == request.genre
    # "Sure!" said from what the streaming steps heard, before the final words: was music
    # then made? (an acknowledgement followed by none is the case to watch)
    sample["acknowledged_early"] = "early_acknowledgement" in turn.latency
    sample["music_made"] = turn.music is not None
    return sample


def summarise(samples: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """p50, p95, mean, max and count of every metric over the samples that have it (the
    max is the worst case: recognition's is held to ``asr_max_seconds``)."""
    summary = {}
    for metric in METRICS:
        values = [s[metric] for s in samples if isinstance(s.get(metric), (int, float))]
        if values:
            summary[metric] = {"p50": percentile(values, 50), "p95": percentile(values, 95),
                               "mean": statistics.fmean(values), "max": max(values),
                               "n": len(values)}
    return summary


class Bench:
    """Runs the benchmark turns on a loaded pipeline."""

    def __init__(self, pipeline: Pipeline, requests: list[BenchRequest], runs: int = 1,
                 comparer=None, progress: bool = True, stream: bool = True) -> None:
        if not requests:
            raise ConfigError("The benchmark has no requests to run.")
        self.pipeline = pipeline
        self.requests = requests
        self.runs = max(1, runs)
        self.comparer = comparer
        self.progress = progress
        # streaming needs word timestamps; a recogniser without them runs the batch path
        self.stream = stream and isinstance(pipeline.transcriber, WordTranscriber)
        self._audio: dict[str, Audio] = {}

    def audio(self, request: BenchRequest) -> Audio:
        """The request's audio, decoded once (decoding is not part of a turn)."""
        if request.request_id not in self._audio:
            self._audio[request.request_id] = read_audio(request.path)
        return self._audio[request.request_id]

    def turn(self, request: BenchRequest) -> Turn:
        """One independent turn: no history carried over from the previous request.

        Streaming: a feeder thread plays the request into the recogniser at 1x in 30 ms
        pieces, as a microphone would, and the turn (and its clock) starts when the last
        piece is in, i.e. at the end of speech. Otherwise the whole file is transcribed then.
        """
        audio = self.audio(request)
        if not self.stream:
            return self.pipeline.run(audio=audio, request=request.request_id)
        recognizer = StreamingRecognizer(self.pipeline.transcriber)
        session = StreamingSession(recognizer, on_commit=self.pipeline.early_prefill(
            lambda: recognizer.language),
            enough=lambda heard: self.pipeline.early_opener(heard) is not None)
        feeder = threading.Thread(target=feed_in_real_time, args=(session, audio),
                                  name="bench-feeder", daemon=True)
        feeder.start()
        feeder.join()
        return self.pipeline.run(audio=audio, request=request.request_id,
                                 transcribe=session.finish, heard=session.heard())

    def run(self) -> dict[str, Any]:
        """Warm up, run every request ``runs`` times, and return the report."""
        warmup_start = time.perf_counter()
        self.turn(self.requests[0])
        warmup_s = time.perf_counter() - warmup_start
        samples, compared = [], {}
        for request in self._iterate():
            turn = self.turn(request)
            samples.append(turn_sample(turn, request))
            if self.comparer is not None and request.language not in compared and turn.speech:
                compared[request.language] = self._compare(turn, request)
        return {"warmup_turn_s": warmup_s, "samples": samples, "summary": summarise(samples),
                "quality": quality(samples), "voices": compared}

    def _iterate(self):
        order = [r for _ in range(self.runs) for r in self.requests]
        if not self.progress:
            return order
        from tqdm import tqdm

        return tqdm(order, desc="bench turns", unit="turn")

    def _compare(self, turn: Turn, request: BenchRequest) -> dict[str, Any]:
        from voice_agent.pipeline.record import compare_voices

        result = compare_voices(turn, self.comparer, self.pipeline.transcriber)
        return {"request_id": request.request_id, **result}


def quality(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """WER per language, language-ID and genre hits, failed turns."""
    result: dict[str, Any] = {"turns": len(samples),
                              "failed_turns": sum(not s["ok"] for s in samples)}
    for language in sorted({s["language"] for s in samples}):
        wers = [s["asr_wer"] for s in samples if s["language"] == language and "asr_wer" in s]
        if wers:
            result[f"asr_wer_{language}"] = statistics.fmean(wers)
    result["language_id_correct"] = sum(bool(s.get("language_ok")) for s in samples)
    result["genre_correct"] = sum(bool(s.get("genre_ok")) for s in samples)
    early = [s for s in samples if s.get("acknowledged_early")]
    result["acknowledged_early"] = len(early)
    result["acknowledged_early_without_music"] = sum(not s.get("music_made") for s in early)
    return result


def machine_facts(pipeline: Pipeline, settings: dict[str, Any]) -> dict[str, Any]:
    """What the numbers depend on, so two runs can be compared."""
    return {"cpu": _cpu_name(), "cpu_count": os.cpu_count(), **cpu_facts(_cpuinfo()),
            "platform": platform.platform(), "accelerator": _accelerator(), "settings": settings,
            "models": pipeline.model_ids(),
            "versions": library_versions()}


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_facts(cpuinfo: str) -> dict[str, Any]:
    """The CPU's vector extensions, its class and clock: figures differ by CPU class."""
    extensions = cpu.vector_extensions(cpuinfo)
    return {"cpu_class": cpu.cpu_class(extensions), "cpu_extensions": list(extensions),
            "cpu_mhz": cpu.cpu_mhz(cpuinfo), "cpu_max_mhz": cpu.cpu_max_mhz()}


def _cpu_name() -> str:
    try:
        name = cpu.model_name(Path("/proc/cpuinfo").read_text())
    except OSError:
        name = None
    return name or platform.processor() or "unknown"


def _accelerator() -> str:
    try:
        import ctranslate2

        if ctranslate2.get_cuda_device_count() > 0:
            return f"CUDA ({ctranslate2.get_cuda_device_count()} device(s))"
    except ImportError:
        pass
    return "none (CPU only)"


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def seconds_since_process_start() -> float | None:
    """Wall seconds since this process started (Linux /proc), or None elsewhere."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def run_benchmark(pipeline: Pipeline, requests: list[BenchRequest], runs: int, settings: dict,
                  comparer=None, progress: bool = True,
                  clock: Callable[[], float | None] = seconds_since_process_start,
                  stream: bool = True) -> dict[str, Any]:
    """Load the models (timing the cold start), run the turns, and return the full report."""
    # ready when a request can be answered: the comparison voice loads in the background
    load_s = pipeline.load(later=pipeline.comparison_stages())
    cold_start_s = clock()
    bench = Bench(pipeline, requests, runs, comparer, progress, stream)
    report = bench.run()
    return {"created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "runs": runs,
            "streaming": bench.stream,
            "requests": [r.request_id for r in requests], "cold_start_s": cold_start_s,
            "model_load_s": load_s, "model_load_later_s": dict(pipeline.later_load_s),
            "peak_memory_mb": peak_memory_mb(),
            "machine": machine_facts(pipeline, settings), **report}


def write_report(report: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """bench.json, bench.md and bench.png in ``out_dir``."""

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "bench.json", "md": out / "bench.md", "png": out / "bench.png"}
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["md"].write_text(render_markdown(report), encoding="utf-8")
    render_chart(report, paths["png"])
    return paths
