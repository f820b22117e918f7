"""Mood words (English and Spanish) to the two knobs the composer turns.

``energy`` (0-1) scales loudness and note density; ``brightness`` (-1..1) moves the
melody and chords up or down in register.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice_agent.core.vocabulary import fold


@dataclass(frozen=True)
class Feel:
    """How loud/busy and how high/bright a mood plays."""

    energy: float
    brightness: float


MOODS: dict[str, Feel] = {
    "happy": Feel(0.7, 0.7), "alegre": Feel(0.7, 0.7), "feliz": Feel(0.7, 0.7),
    "bright": Feel(0.65, 0.9), "upbeat": Feel(0.8, 0.6), "energetic": Feel(0.9, 0.4),
    "energico": Feel(0.9, 0.4), "aggressive": Feel(1.0, -0.3), "agresivo": Feel(1.0, -0.3),
    "epic": Feel(0.9, 0.0), "epico": Feel(0.9, 0.0), "sad": Feel(0.3, -0.7),
    "triste": Feel(0.3, -0.7), "melancholic": Feel(0.35, -0.6), "melancolico": Feel(0.35, -0.6),
    "dark": Feel(0.5, -0.9), "oscuro": Feel(0.5, -0.9), "sombrio": Feel(0.45, -0.9),
    "calm": Feel(0.2, 0.0), "tranquilo": Feel(0.2, 0.0), "relaxed": Feel(0.35, 0.1),
    "relajado": Feel(0.35, 0.1), "chill": Feel(0.35, 0.1), "tender": Feel(0.3, 0.3),
    "tierno": Feel(0.3, 0.3), "romantic": Feel(0.35, 0.3), "romantico": Feel(0.35, 0.3),
    "smooth": Feel(0.45, 0.2), "passionate": Feel(0.75, -0.1), "apasionado": Feel(0.75, -0.1),
    "dramatic": Feel(0.75, -0.4), "dramatico": Feel(0.75, -0.4), "elegant": Feel(0.5, 0.3),
    "elegante": Feel(0.5, 0.3), "nostalgic": Feel(0.5, -0.2), "nostalgico": Feel(0.5, -0.2),
    "soulful": Feel(0.55, -0.2), "warm": Feel(0.5, 0.3), "calido": Feel(0.5, 0.3),
    "groovy": Feel(0.75, 0.2), "festive": Feel(0.85, 0.7), "festivo": Feel(0.85, 0.7),
}
NEUTRAL = Feel(0.55, 0.0)


def feel_for(mood: str) -> Feel:
    """The feel of the first known mood word in ``mood``; neutral when none is known."""
    for word in fold(mood or "").replace(",", " ").replace("-", " ").split():
        if word in MOODS:
            return MOODS[word]
    return NEUTRAL
