"""Who is computing right now, so stages that share the two cores can give way.

llama.cpp's worker threads spin while they wait for one another. When a voice is being
synthesised at the same time, one of its threads is descheduled and the others spin on
it: measured here, the reply that takes 6.4 s alone took 24-54 s next to Kokoro with two
llama.cpp threads, and 9-10 s with one. So a stage that computes announces it with
:func:`working`, and the language model drops to one thread while :func:`others_working`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_working = 0


@contextmanager
def working() -> Iterator[None]:
    """Mark the enclosed computation as using a core."""
    global _working
    with _lock:
        _working += 1
    try:
        yield
    finally:
        with _lock:
            _working -= 1


def others_working() -> bool:
    """True while some stage is inside :func:`working`."""
    return _working > 0


#: /proc/cpuinfo flag -> the name figures are reported under (the SIMD classes that decide
#: how fast CTranslate2, ONNX Runtime and llama.cpp run on a CPU)
VECTOR_FLAGS = (("avx2", "AVX2"), ("fma", "FMA"), ("avx512f", "AVX-512F"),
                ("avx512_vnni", "AVX-512 VNNI"), ("avx512_bf16", "AVX-512 BF16"),
                ("avx_vnni", "AVX-VNNI"), ("amx_tile", "AMX"), ("amx_int8", "AMX-INT8"),
                ("amx_bf16", "AMX-BF16"), ("asimd", "NEON"))


def vector_extensions(cpuinfo: str) -> tuple[str, ...]:
    """The vector extensions the first CPU in ``cpuinfo`` (/proc/cpuinfo text) reports."""
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):  # x86 / ARM
            flags = set(value.split())
            break
    return tuple(label for flag, label in VECTOR_FLAGS if flag in flags)


def cpu_class(extensions: tuple[str, ...]) -> str:
    """A short class name for figures: "AMX", "AVX-512", "AVX2", "NEON" or "baseline"."""
    for label, name in (("AMX", "AMX"), ("AVX-512F", "AVX-512"), ("AVX2", "AVX2"),
                        ("NEON", "NEON")):
        if label in extensions:
            return name
    return "baseline"


def cpu_mhz(cpuinfo: str) -> float | None:
    """The mean current clock (MHz) over the cores listed in ``cpuinfo``, if it says."""
    values = []
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "cpu MHz":
            try:
                values.append(float(value))
            except ValueError:
                continue
    return round(sum(values) / len(values), 1) if values else None


def cpu_max_mhz() -> float | None:
    """The highest rated clock per cpufreq (MHz), or None where the kernel does not say."""
    from pathlib import Path

    try:
        khz = Path("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq").read_text()
        return round(int(khz) / 1000.0, 1)
    except (OSError, ValueError):
        return None


def model_name(cpuinfo: str) -> str | None:
    """The first CPU's model name in ``cpuinfo`` ("Intel(R) Xeon(R) Processor @ 2.50GHz")."""
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return None


def describe() -> str:
    """This machine's CPU for a report: its model name and vector class ("Intel(R) Xeon(R)
    Processor @ 2.50GHz, AVX-512"); a figure without its CPU is not a figure."""
    import platform
    from pathlib import Path

    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        cpuinfo = ""
    name = model_name(cpuinfo) or platform.processor() or "unknown CPU"
    return f"{name}, {cpu_class(vector_extensions(cpuinfo))}"
