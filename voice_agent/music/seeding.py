"""Randomness that depends only on the plan's seed and what it is used for."""

from __future__ import annotations

import zlib

import numpy as np


def seeded_rng(seed: int, *purpose: object) -> np.random.Generator:
    """A generator that depends only on the seed and what it is used for."""
    tag = zlib.crc32("/".join(map(str, purpose)).encode())
    return np.random.default_rng([seed, tag])
