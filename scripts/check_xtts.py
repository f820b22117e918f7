"""Check that Coqui XTTS imports in this environment; say what is wrong when it does not.

    .venv/bin/python scripts/check_xtts.py

Exit status 0 when ``from TTS.tts.models.xtts import Xtts`` works. Otherwise it prints the
error and the versions that matter (torch, torchaudio, torchcodec, coqui-tts, transformers)
next to the ones setup.sh pins, and whether torchaudio's native libraries are present (its
CUDA builds need libc10_cuda.so, which a CPU torch lacks; setup.sh removes them so
torchaudio runs its pure-Python code).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import time
from pathlib import Path

PINNED = {"torch": "2.13.0", "torchaudio": "2.11.0", "torchcodec": "0.13.0",
          "coqui-tts": "0.28.0", "transformers": "5.23.0", "six": "1.17.0"}


def installed(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def torchaudio_native_libs() -> list[str]:
    spec = importlib.util.find_spec("torchaudio")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(list(spec.submodule_search_locations)[0]) / "lib"
    return sorted(p.name for p in folder.glob("*.so"))


def main() -> int:
    start = time.perf_counter()
    try:
        from TTS.tts.models.xtts import Xtts  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any failure is reported, with its cause
        print(f"XTTS does not import: {type(exc).__name__}: {exc}")
        for name, pin in PINNED.items():
            version = installed(name)
            mark = "" if version.split("+")[0] == pin else f"   <- setup.sh pins {pin}"
            print(f"  {name:13s} {version}{mark}")
        libs = torchaudio_native_libs()
        if libs:
            print(f"  torchaudio/lib holds {', '.join(libs)}: remove them (setup.sh does) so "
                  "torchaudio runs without its CUDA build's native code")
        print("  Fix: bash scripts/setup.sh (its install_xtts step), or see docs/models.md")
        return 1
    print(f"XTTS imports (coqui-tts {installed('coqui-tts')}, torch {installed('torch')}, "
          f"torchaudio {installed('torchaudio')}, torchcodec {installed('torchcodec')}) "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
