"""``voice-agent bench --isa avx2``: an approximation of an AVX2-only CPU on an AVX-512 one.

No AVX2-only machine was at hand, and the issue's targets are for that class. Each
runtime that has a switch is told to use at most AVX2 code paths; the ones that have
none are named in the report, so nobody mistakes the result for an AVX2 CPU. The clock,
caches, memory bandwidth and core count stay this machine's: it is an approximation.

The switches are read when each library loads, some (numpy) before any of our code runs,
so the bench re-executes itself with them set (:func:`reexec_argv`); the report checks
what each runtime actually did where it can tell (:func:`isa_report`).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

#: the value of ``--isa`` that changes nothing
NATIVE = "native"
ISA_CHOICES = (NATIVE, "avx2")
#: set in the re-executed process, so it does not re-execute again
MARKER = "VOICE_AGENT_ISA"


def _numpy_avx512_targets() -> list[str]:
    """numpy's dispatched targets above AVX2 (names differ between numpy 1.x and 2.x)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__
    return [t for t in __cpu_dispatch__ if t.startswith("AVX512") or t == "X86_V4"]


def isa_env(isa: str) -> dict[str, str]:
    """Environment variables that hold each runtime to ``isa`` where it has a switch."""
    if isa == NATIVE:
        return {}
    if isa != "avx2":
        raise ValueError(f"unknown ISA preset {isa!r}")
    return {
        "CT2_FORCE_CPU_ISA": "AVX2",            # CTranslate2 (Whisper)
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",      # Intel MKL inside CTranslate2 and torch
        "ONEDNN_MAX_CPU_ISA": "AVX2",           # oneDNN (CTranslate2, torch)
        "DNNL_MAX_CPU_ISA": "AVX2",             # its older name
        "ATEN_CPU_CAPABILITY": "avx2",          # PyTorch's own kernels
        "NPY_DISABLE_CPU_FEATURES": " ".join(_numpy_avx512_targets()),
        MARKER: isa,
    }


def reexec_argv(isa: str) -> tuple[list[str], dict[str, str]] | None:
    """The command and environment to run this process again under ``isa``; None when
    it already runs so (or ``isa`` is native)."""
    if isa == NATIVE or os.environ.get(MARKER) == isa:
        return None
    argv = [sys.executable, "-m", "voice_agent.cli", *sys.argv[1:]]
    return argv, {**os.environ, **isa_env(isa)}


def _numpy_limited() -> dict[str, Any]:
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:
        from numpy.core._multiarray_umath import __cpu_features__
    # the dispatched targets above AVX2 (the CPU's own flags, e.g. AVX512F, stay listed)
    on = [t for t in _numpy_avx512_targets() if __cpu_features__.get(t)]
    return {"limited": not on, "how": "NPY_DISABLE_CPU_FEATURES",
            "checked": f"AVX-512 targets still on: {on or 'none'}"}


def _llama_cpp_limited() -> dict[str, Any]:
    try:
        import llama_cpp

        info = llama_cpp.llama_print_system_info().decode("utf-8", "replace")
    except (ImportError, AttributeError, OSError):
        return {"limited": None, "how": "", "checked": "llama-cpp-python not importable"}
    has_512 = re.search(r"AVX512\w* = 1", info) is not None
    return {"limited": not has_512, "how": "built without AVX-512 (scripts/setup.sh "
            "LLAMA_CMAKE_ARGS: GGML_NATIVE=OFF, GGML_AVX512=OFF; one CPU backend, no run-time "
            "variant choice)", "checked": info.strip().split(" | ")[:12]}


def _torch_limited(env: dict[str, str]) -> dict[str, Any]:
    if "torch" not in sys.modules:
        return {"limited": None, "how": "ATEN_CPU_CAPABILITY=avx2 (set; torch was not "
                "loaded by these stages)", "checked": "not loaded"}
    capability = sys.modules["torch"].backends.cpu.get_cpu_capability()
    return {"limited": capability.upper() in ("AVX2", "DEFAULT"), "how": "ATEN_CPU_CAPABILITY",
            "checked": f"torch.backends.cpu.get_cpu_capability() = {capability}"}


def isa_report(isa: str) -> dict[str, Any]:
    """Which runtimes were held to ``isa`` and which were not (bench.json ``isa``)."""
    if isa == NATIVE:
        return {"preset": NATIVE, "note": "every runtime used what this CPU offers"}
    env = {k: v for k, v in isa_env(isa).items() if k != MARKER}
    applied = all(os.environ.get(k) == v for k, v in env.items())
    return {
        "preset": isa,
        "note": "an approximation on this CPU, not an AVX2 machine: clock, caches, memory "
                "and cores are this machine's, and ONNX Runtime was not limited",
        "environment": env, "environment_applied": applied,
        "runtimes": {
            "ctranslate2": {"limited": applied, "how": "CT2_FORCE_CPU_ISA=AVX2, "
                            "MKL_ENABLE_INSTRUCTIONS=AVX2, ONEDNN_MAX_CPU_ISA=AVX2",
                            "checked": "not observable from Python (CT2_VERBOSE=1 logs it)"},
            "llama_cpp": _llama_cpp_limited(),
            "numpy": _numpy_limited(),
            "torch": _torch_limited(env),
            "onnxruntime": {"limited": False, "how": "no setting: its MLAS kernels pick "
                            "AVX-512 by cpuid at run time (Kokoro, Piper run with AVX-512)",
                            "checked": "n/a"},
        },
    }
