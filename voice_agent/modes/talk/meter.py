"""The input level meter: RMS level in dBFS, drawn as a bar of plain ASCII characters."""

from __future__ import annotations

import math

import numpy as np

FLOOR_DB = -60.0
#: below this the microphone is taken as silent (a quiet room sits around -60 to -50 dBFS)
QUIET_DB = -50.0
CLIP_LEVEL = 0.99


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level of ``samples`` in dB relative to full scale; FLOOR_DB for silence."""
    if not len(samples):
        return FLOOR_DB
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    if rms <= 0.0:
        return FLOOR_DB
    return max(FLOOR_DB, 20.0 * math.log10(rms))


def is_clipping(samples: np.ndarray) -> bool:
    """True when any sample reaches full scale (the input gain is too high)."""
    return bool(len(samples)) and float(np.max(np.abs(samples))) >= CLIP_LEVEL


def render_meter(level_db: float, width: int = 24, clipping: bool = False) -> str:
    """``[#########---------] -23 dBFS``; the bar spans FLOOR_DB..0 dBFS."""
    level_db = min(0.0, max(FLOOR_DB, level_db))
    filled = int(round((level_db - FLOOR_DB) / -FLOOR_DB * width))
    bar = "#" * filled + "-" * (width - filled)
    note = " CLIPPING" if clipping else (" (quiet)" if level_db <= QUIET_DB else "")
    return f"[{bar}] {level_db:5.1f} dBFS{note}"
