"""ONNX Runtime sessions whose optimised graph is kept on disk between processes.

Creating a session optimises the graph (constant folding, fusions, layout changes) every
time; for the Piper voice that was about a quarter of the session's CPU time at load. The
first process writes the optimised model (``SessionOptions.optimized_model_filepath``)
under ``$VOICE_AGENT_HOME/onnx/``; later ones open that file with optimisation off.

The optimised graph can hold layouts for this CPU's vector units (ONNX Runtime warns
about it), so the file name hashes the model file (path, size, modification time), the
ONNX Runtime version and the CPU's flags: another machine or runtime re-optimises. A file
the runtime cannot open is deleted and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voice_agent.core.models import cache_home

log = logging.getLogger(__name__)

CPU_PROVIDER = ("CPUExecutionProvider",)


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() in ("flags", "Features"):
                return " ".join(sorted(value.split()))
    except OSError:
        pass
    import platform

    return platform.machine()


def optimised_path(model: str | Path, runtime_version: str, cpu_flags: str | None = None) -> Path:
    """Where the optimised copy of ``model`` for this runtime and CPU lives (may not exist)."""
    source = Path(model).resolve()
    stat = source.stat()
    identity = {"model": str(source), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                "runtime": runtime_version,
                "cpu": _cpu_flags() if cpu_flags is None else cpu_flags}
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()
    return cache_home() / "onnx" / f"{source.stem}-{digest[:24]}.onnx"


def cached_session(model: str | Path, options: Any = None,
                   providers: Sequence[str] = CPU_PROVIDER) -> Any:
    """An ``onnxruntime.InferenceSession`` for ``model``, from its cached optimised graph.

    ``options`` (a ``SessionOptions``, threads and spinning already set) is used as given
    apart from the optimisation settings. Only CPU sessions are cached: other providers
    optimise for their device.
    """
    import onnxruntime as ort

    options = options if options is not None else ort.SessionOptions()
    if tuple(providers) != CPU_PROVIDER:
        return ort.InferenceSession(str(model), options, providers=list(providers))
    cached = optimised_path(model, ort.__version__)
    if cached.is_file():
        level = options.graph_optimization_level
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return ort.InferenceSession(str(cached), options, providers=list(providers))
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types
            log.info("rebuilding the optimised ONNX model %s: %s", cached, exc)
            cached.unlink(missing_ok=True)
            options.graph_optimization_level = level
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{cached.stem}.{os.getpid()}.part.onnx")
    options.optimized_model_filepath = str(partial)
    session = ort.InferenceSession(str(model), options, providers=list(providers))
    if partial.is_file():
        os.replace(partial, cached)
    return session
