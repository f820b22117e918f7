"""Text normalisation for word error rates: one definition for tests, benchmarks and reports."""

from __future__ import annotations

import re


def normalise(text: str) -> str:
    """Lower-case, drop punctuation (keeping accents and apostrophes), squeeze spaces."""
    text = re.sub(r"[^\w\s']", " ", text.lower().replace("-", " "))
    return " ".join(text.split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """jiwer WER of two texts after :func:`normalise` (1.0 when the hypothesis is empty)."""
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(ref, hyp)) if hyp else 1.0
