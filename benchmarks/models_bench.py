"""What XTTS v2 and MusicGen cost at full size: CPU seconds per audio-second, time to first
audio, peak memory. Random-weight checkpoints in the published architecture
(scripts/make_random_checkpoints.py) cost what the real weights cost: the same tensors,
the same number of generated tokens (random weights never stop early; every sentence and
clip runs to its length bound, as a real reply of that length does).

    python benchmarks/models_bench.py --xtts DIR --musicgen DIR [--melody DIR] \\
        [--device cuda --dtype float16] [--out benchmarks/results/models]

Each model runs in its own process, so its peak memory is its own. Prints a markdown table
and writes models.json (+ models.md) under --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SENTENCES = {"en": "Here is a calm piano piece, two seconds long.",
             "es": "Aquí tienes una pieza tranquila de piano."}
MUSIC_PROMPT = "a calm piano piece"


def peak_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_s() -> float:
    """CPU seconds this process has used, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def gpu_peak_mb() -> float | None:
    import torch

    if not torch.cuda.is_available():
        return None
    return torch.cuda.max_memory_allocated() / 2**20


def bench_xtts(folder: str, device: str, threads: int) -> list[dict]:
    """Load, latents (uncached), then each sentence twice: streamed (inference_stream, first
    chunk and whole) and made whole (inference, what the pipeline does per sentence)."""
    import tempfile

    import torch

    torch.set_num_threads(threads)
    os.environ["VOICE_AGENT_HOME"] = tempfile.mkdtemp(prefix="xtts-bench-")  # latents uncached
    from voice_agent.speech import DEFAULT_SPEAKER_WAV
    from voice_agent.speech.xtts import XttsSpeaker

    start = time.perf_counter()
    speaker = XttsSpeaker(folder, DEFAULT_SPEAKER_WAV, device=device)
    speaker.load()
    load_s = time.perf_counter() - start
    rows = []
    for mode in ("streamed", "whole"):
        sentences = [_xtts_sentence(speaker, text, lang, mode) for lang, text in SENTENCES.items()]
        audio = sum(s["audio_s"] for s in sentences)
        rows.append({"model": f"xtts-v2 ({mode} sentences)", "folder": folder, "load_s": load_s,
                     "sentences": sentences, "audio_s": audio,
                     "cpu_per_audio_s": sum(s["cpu_s"] for s in sentences) / audio,
                     "wall_per_audio_s": sum(s["wall_s"] for s in sentences) / audio,
                     "first_audio_s": max(s["first_chunk_s"] for s in sentences),
                     "peak_rss_mb": peak_mb(), "gpu_peak_mb": gpu_peak_mb()})
    return rows


def _xtts_sentence(speaker, text: str, language: str, mode: str) -> dict:
    cpu0, start = cpu_s(), time.perf_counter()
    first, samples = None, 0
    chunks = (speaker.stream_sentence(text, language) if mode == "streamed"
              else [speaker.synthesize(text, language)])
    for chunk in chunks:
        first = first if first is not None else time.perf_counter() - start
        samples += len(chunk.samples)
    return {"language": language, "text": text, "tokens": speaker.max_audio_tokens(text),
            "first_chunk_s": first, "wall_s": time.perf_counter() - start,
            "cpu_s": cpu_s() - cpu0, "audio_s": samples / speaker.sample_rate}


def hummed_tune(seconds: float = 4.0):
    """A hum-like tune (a sine with two harmonics, eight notes of a major scale) as Audio:
    what the melody model's chroma conditioning is computed from."""
    import numpy as np

    from voice_agent.core.types import Audio

    rate, notes = 16_000, [60, 62, 64, 65, 67, 65, 64, 62]
    per_note = int(rate * seconds / len(notes))
    t = np.arange(per_note) / rate
    parts = []
    for pitch in notes:
        hz = 440.0 * 2 ** ((pitch - 69) / 12)
        tone = sum(np.sin(2 * np.pi * hz * k * t) / k for k in (1, 2, 3))
        parts.append(0.3 * tone * np.hanning(per_note))
    return Audio(np.concatenate(parts).astype(np.float32), rate)


def bench_musicgen(folder: str, device: str, dtype: str, threads: int, seconds: float) -> dict:
    """Load, then one clip of ``seconds`` (the tokens MusicGen makes for that length)."""
    from voice_agent.core.types import MusicPlan
    from voice_agent.music.musicgen import MusicgenRenderer

    start = time.perf_counter()
    renderer = MusicgenRenderer(folder, device=device, dtype=dtype, num_threads=threads)
    renderer.load()
    kind = renderer._model.config.model_type
    result = {"model": f"musicgen ({kind}{', with a 4 s melody' if renderer.is_melody else ''})",
              "folder": folder,
              "load_s": time.perf_counter() - start}
    plan = MusicPlan("classical", 70, "C", "major", ("piano",), "calm", duration_s=seconds, seed=1)
    melody = hummed_tune() if renderer.is_melody else None  # the melody model follows a tune
    cpu0, start = cpu_s(), time.perf_counter()
    clip = renderer.render(plan, MUSIC_PROMPT, melody=melody)
    wall, cpu = time.perf_counter() - start, cpu_s() - cpu0
    audio = clip.audio.duration_s
    result.update(audio_s=audio, wall_s=wall, cpu_s=cpu, cpu_per_audio_s=cpu / audio,
                  wall_per_audio_s=wall / audio, first_audio_s=wall,  # not streamed: the clip
                  peak_rss_mb=peak_mb(), gpu_peak_mb=gpu_peak_mb())
    return result


def run_one(args) -> int:
    if args.only == "xtts":
        result = bench_xtts(args.xtts, args.device, args.threads)
    else:
        folder = args.musicgen if args.only == "musicgen" else args.melody
        result = bench_musicgen(folder, args.device, args.dtype, args.threads, args.seconds)
    print("RESULT " + json.dumps(result))
    return 0


def machine() -> dict:
    cpu = "unknown"
    flags = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
        if line.startswith("flags"):
            flags = line
    vector = "avx512f" if "avx512f" in flags else "avx2" if "avx2" in flags else "neither"
    return {"cpu": cpu, "vector": vector, "cpu_count": os.cpu_count(),
            "platform": platform.platform(), "load_avg": os.getloadavg()}


def table(results: list[dict], facts: dict, device: str, dtype: str) -> str:
    lines = [f"Device {device}, {dtype}; CPU {facts['cpu']} ({facts['vector']}), "
             f"{facts['cpu_count']} cores, load average at start {facts['load_avg'][0]:.1f}.",
             "", "| model | load s | audio s | CPU s per audio s | wall s per audio s "
             "| first audio s | peak RSS MB | peak GPU MB |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        gpu = "" if r.get("gpu_peak_mb") is None else f"{r['gpu_peak_mb']:.0f}"
        lines.append(f"| {r['model']} | {r['load_s']:.1f} | {r['audio_s']:.2f} | "
                     f"{r['cpu_per_audio_s']:.1f} | {r['wall_per_audio_s']:.1f} | "
                     f"{r['first_audio_s']:.2f} | {r['peak_rss_mb']:.0f} | {gpu} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xtts", help="XTTS v2 checkpoint folder")
    parser.add_argument("--musicgen", help="MusicGen (small) checkpoint folder")
    parser.add_argument("--melody", help="MusicGen melody checkpoint folder")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", help="MusicGen weights' dtype")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=float, default=2.0, help="MusicGen clip length")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "models"))
    parser.add_argument("--only", choices=("xtts", "musicgen", "melody"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        return run_one(args)
    facts = machine()
    results = []
    for name in ("xtts", "musicgen", "melody"):
        if getattr(args, name):
            result = _subprocess(name, args)
            results.extend(result if isinstance(result, list) else [result])
    report = table(results, facts, args.device, args.dtype)
    print(report)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "models" if args.device == "cpu" else f"models_{args.device}"
    (out / f"{stem}.json").write_text(json.dumps(
        {"machine": facts, "device": args.device, "dtype": args.dtype, "results": results},
        indent=2))
    (out / f"{stem}.md").write_text(report + "\n")
    return 0


def _subprocess(name: str, args) -> dict:
    command = [sys.executable, __file__, "--only", name, "--device", args.device, "--dtype",
               args.dtype, "--threads", str(args.threads), "--seconds", str(args.seconds),
               f"--{name}", getattr(args, name)]
    done = subprocess.run(command, capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")


if __name__ == "__main__":
    sys.exit(main())
