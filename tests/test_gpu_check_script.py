"""scripts/gpu_check.sh parses, and its dry run (any machine, no GPU needed) builds and
measures all three full-size models, MusicGen melody among them. It was never run on a GPU."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gpu_check.sh"


def test_gpu_check_parses_and_its_dry_run_covers_musicgen_melody(tmp_path):
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0
    env = {**os.environ, "DRY_RUN": "1", "WORK": str(tmp_path / "work")}
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    for kind in ("xtts-v2", "musicgen-small", "musicgen-melody"):
        assert any(f"--kind {kind} " in line for line in lines)
    bench = next(line for line in lines if "models_bench.py" in line)
    assert "--device cuda" in bench and f"--melody {tmp_path / 'work' / 'musicgen-melody'}" in bench
    assert not (tmp_path / "work").exists()  # a dry run writes nothing
