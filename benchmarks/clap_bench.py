"""What a CLAP checkpoint costs through transformers' ClapModel: load, then one 10 s audio
embedding and one text embedding (what scoring a clip against its prompt needs).

    python scripts/make_random_checkpoints.py --kind clap --out /tmp/clap
    python benchmarks/clap_bench.py /tmp/clap

Prints one ``RESULT {json}`` line: load seconds, embedding wall and CPU seconds, peak RSS.
Random weights cost what laion/clap-htsat-unfused's cost (same architecture, 153 M
parameters); their similarity figure means nothing.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def cpu_s() -> float:
    """CPU seconds this process has used, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(folder: str) -> int:
    import numpy as np
    import torch
    import transformers

    start = time.perf_counter()
    model = transformers.ClapModel.from_pretrained(folder, local_files_only=True).eval()
    processor = transformers.ClapProcessor.from_pretrained(folder, local_files_only=True)
    load = time.perf_counter() - start
    rate, seconds = 48_000, 10.0
    audio = (0.1 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * rate)) / rate)).astype(
        np.float32)
    cpu0, start = cpu_s(), time.perf_counter()
    with torch.inference_mode():
        audio_in = processor(audio=[audio], sampling_rate=rate, return_tensors="pt")
        text_in = processor(text=["a calm piano piece"], return_tensors="pt", padding=True)
        audio_vec = model.get_audio_features(**audio_in)
        text_vec = model.get_text_features(**text_in)
    wall, cpu = time.perf_counter() - start, cpu_s() - cpu0
    audio_vec = getattr(audio_vec, "pooler_output", audio_vec)
    text_vec = getattr(text_vec, "pooler_output", text_vec)
    print("RESULT " + json.dumps({
        "load_s": load, "embed_wall_s": wall, "embed_cpu_s": cpu, "audio_s": seconds,
        "audio_dim": list(audio_vec.shape), "text_dim": list(text_vec.shape),
        "params_m": sum(p.numel() for p in model.parameters()) / 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
