"""The benchmark report as a Markdown table and a PNG chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voice_agent.core.errors import MissingDependencyError

#: (label, metric, metric it starts after) for the stacked critical-path bars
FIRST_AUDIO_PATH = (("ASR", "end_of_utterance_delay_s", None),
                    ("LLM to first sentence", "llm_first_sentence_s", "end_of_utterance_delay_s"),
                    ("TTS first audio", "voice_to_first_audio_s", "llm_first_sentence_s"))
MUSIC_PATH = (("ASR", "end_of_utterance_delay_s", None),
              ("LLM (whole answer)", "llm_total_s", None),
              ("music render + wait", "music_ready_s", "llm_total_s+asr"))


#: metric -> (label, unit) in the order the table shows them
METRICS: dict[str, tuple[str, str]] = {
    "voice_to_first_audio_s": ("Voice to first audio (end of speech -> first reply sample)", "s"),
    "music_ready_s": ("Music ready (end of speech -> clip playable)", "s"),
    "end_of_utterance_delay_s": ("End-of-utterance delay (ASR)", "s"),
    "llm_ttft_s": ("LLM time to first token", "s"),
    "llm_first_sentence_s": ("End of speech -> first reply sentence written", "s"),
    "llm_total_s": ("LLM total", "s"),
    "music_render_s": ("Music render", "s"),
    "tts_cloned_ttfb_s": ("TTS cloned: time to first audio", "s"),
    "tts_cloned_total_s": ("TTS cloned: synthesis total", "s"),
    "tts_cloned_rtf": ("TTS cloned: real-time factor", "x"),
    "tts_base_ttfb_s": ("TTS base: time to first audio", "s"),
    "tts_base_total_s": ("TTS base: synthesis total", "s"),
    "tts_base_rtf": ("TTS base: real-time factor", "x"),
    "turn_total_s": ("Whole turn (both voices)", "s"),
    "asr_wer": ("ASR word error rate", ""),
}

def render_markdown(report: dict[str, Any]) -> str:
    """A table of p50/p95 per metric, then quality, voices and machine facts."""
    lines = [f"# Latency benchmark ({report['created_at']})", "",
             f"{len(report['requests'])} spoken requests x {report['runs']} run(s), "
             f"after one warm-up turn; every turn starts at the end of the person's speech"
             + ("; recognition streamed while each request was fed at 1x (30 ms pieces)."
                if report.get("streaming") else "; recognition after the whole request (--no-stream).")
             , "",
             "| Metric | p50 | p95 | mean | n |", "|---|---:|---:|---:|---:|"]
    for metric, (label, unit) in METRICS.items():
        stats = report["summary"].get(metric)
        if stats:
            lines.append(f"| {label} | {_fmt(stats['p50'], unit)} | {_fmt(stats['p95'], unit)} "
                         f"| {_fmt(stats['mean'], unit)} | {stats['n']} |")
    quality = report["quality"]
    lines += ["", "| Other | value |", "|---|---:|",
              f"| Cold start (process start -> ready for a request{_later_note(report)}) "
              f"| {_fmt(report['cold_start_s'], 's')} |",
              f"| Warm-up turn | {_fmt(report['warmup_turn_s'], 's')} |",
              f"| Peak memory | {report['peak_memory_mb']:.0f} MB |",
              f"| Turns (failed) | {quality['turns']} ({quality['failed_turns']}) |",
              f"| Language identified | {quality['language_id_correct']}/{quality['turns']} |",
              f"| Genre as asked | {quality['genre_correct']}/{quality['turns']} |"]
    if "acknowledged_early" in quality:
        lines.append(f"| \"Sure!\" said from the words heard while speaking (then no music) "
                     f"| {quality['acknowledged_early']}/{quality['turns']} "
                     f"({quality['acknowledged_early_without_music']}) |")
    lines += [f"| ASR WER ({key[-2:]}) | {value:.3f} |" for key, value in quality.items()
              if key.startswith("asr_wer_")]
    lines += _slowest_recognition(report)
    lines += _voices(report.get("voices", {}))
    machine = report["machine"]
    lines += ["", f"Machine: {machine['cpu']}, {machine['cpu_count']} cores, {_cpu_line(machine)}, "
              f"accelerator {machine['accelerator']}; settings {machine['settings']}.", "",
              "Models: " + ", ".join(f"{k} = {v}" for k, v in machine["models"].items()) + ".", ""]
    lines += _isa_lines(report.get("isa"))
    return "\n".join(lines)


def _slowest_recognition(report: dict[str, Any]) -> list[str]:
    """The worst end-of-utterance delay and its request, against the ASR time budget."""
    timed = [s for s in report.get("samples", []) if "end_of_utterance_delay_s" in s]
    if not timed:
        return []
    worst = max(timed, key=lambda s: s["end_of_utterance_delay_s"])
    budget = report.get("machine", {}).get("settings", {}).get("asr_max_seconds")
    against = f" (budget {budget:.2f} s)" if isinstance(budget, (int, float)) else ""
    return [f"| Slowest recognition{against} | "
            f"{_fmt(worst['end_of_utterance_delay_s'], 's')} ({worst['request_id']}) |"]


def _isa_lines(isa: dict[str, Any] | None) -> list[str]:
    """Under ``--isa``: which runtimes were held to it and which were not."""
    if not isa or isa.get("preset") == "native":
        return []
    held = [name for name, r in isa["runtimes"].items() if r["limited"]]
    free = [name for name, r in isa["runtimes"].items() if r["limited"] is False]
    unknown = [name for name, r in isa["runtimes"].items() if r["limited"] is None]
    return [f"ISA preset {isa['preset']} ({isa['note']}): limited {', '.join(held) or 'none'}; "
            f"not limited {', '.join(free) or 'none'}; not loaded {', '.join(unknown) or 'none'}.",
            ""]


def _cpu_line(machine: dict[str, Any]) -> str:
    """CPU class, vector extensions and clock, e.g. "class AVX2 (AVX2, FMA) at 2500 MHz"."""
    extensions = ", ".join(machine.get("cpu_extensions") or ()) or "no AVX2"
    mhz = machine.get("cpu_max_mhz") or machine.get("cpu_mhz")
    clock = f" at {mhz:.0f} MHz" if mhz else ""
    return f"class {machine.get('cpu_class', 'unknown')} ({extensions}){clock}"


def _voices(voices: dict[str, Any]) -> list[str]:
    if not voices:
        return []
    lines = ["", "| Voice comparison | similarity to held-out clip | round-trip WER |",
             "|---|---:|---:|"]
    for language, result in voices.items():
        for voice, score in result.get("voices", {}).items():
            lines.append(f"| {voice} ({language}, {result['request_id']}) | "
                         f"{score['similarity']:.3f} | {score['round_trip_wer']:.3f} |")
    return lines


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} {unit}".strip() if unit == "s" else f"{value:.3f}{unit}"


def _segment(summary: dict, metric: str, after: str | None, q: str) -> float:
    end = summary.get(metric, {}).get(q, 0.0)
    if after is None:
        return end
    if after == "llm_total_s+asr":
        start = (summary.get("llm_total_s", {}).get(q, 0.0)
                 + summary.get("end_of_utterance_delay_s", {}).get(q, 0.0))
    else:
        start = summary.get(after, {}).get(q, 0.0)
    return max(0.0, end - start)


def render_chart(report: dict[str, Any], path: str | Path) -> None:
    """Stacked horizontal bars of where the time goes, at p50 and p95."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no screen: render straight to the file
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("matplotlib", "bench", "The benchmark chart") from None
    summary = report["summary"]
    rows = [(f"{name} {q}", path_, q) for name, path_ in (("first audio", FIRST_AUDIO_PATH),
                                                          ("music ready", MUSIC_PATH))
            for q in ("p50", "p95")]
    colours = {"ASR": "#4c72b0", "LLM to first sentence": "#dd8452", "TTS first audio": "#55a868",
               "LLM (whole answer)": "#c44e52", "music render + wait": "#8172b3"}
    figure, axes = plt.subplots(figsize=(10, 3.6))
    for row, (_label, path_, q) in enumerate(rows):
        left = 0.0
        for part, metric, after in path_:
            width = _segment(summary, metric, after, q)
            axes.barh(row, width, left=left, color=colours[part], label=part)
            left += width
        axes.text(left + 0.05, row, f"{left:.2f} s", va="center", fontsize=8)
    axes.set_yticks(range(len(rows)), [r[0] for r in rows])
    axes.invert_yaxis()
    axes.set_xlabel("seconds from the end of speech (each segment is its own percentile)")
    axes.set_title("voice_agent: where the time goes")
    handles, labels = axes.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    axes.legend(unique.values(), unique.keys(), fontsize=8, loc="upper left",
                bbox_to_anchor=(1.01, 1.0))
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)


def _later_note(report: dict) -> str:
    """How long the voices loaded in the background after the cold start took, if any."""
    later = report.get("model_load_later_s") or {}
    if not later:
        return ""
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in later.items())
    return f"; then in the background: {stages}"
