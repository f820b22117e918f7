"""Random-weight checkpoints for tests, made by scripts/make_random_checkpoints.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_random_checkpoints.py"


def make_checkpoint(kind: str, out: Path) -> Path:
    """The script's ``make_checkpoint(kind, out)``: the layout a user's download has."""
    spec = importlib.util.spec_from_file_location("make_random_checkpoints", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_checkpoint(kind, out)
