"""Scoring a rendered clip against what was asked, and keeping the best of several renders.

Two scorers answer :class:`ClipScorer`: :class:`~voice_agent.music.clap.ClapScorer` (text-audio
cosine, needs CLAP weights) and :class:`AdherenceScorer`, which needs no weights: it
measures the clip's tempo, key and mode and how percussive it is, and compares them with
the plan. Its figure is labelled ``adherence_score`` / ``scorer: "audio-features"`` and is
never reported as a CLAP score (:meth:`voice_agent.core.types.ClipScore.as_dict`).

:class:`ScoringRenderer` wraps any renderer: it renders ``best_of`` candidates with
consecutive seeds, scores each, and returns the best (Loop Copilot keeps the best of six
this way); with ``best_of`` 1 it only scores.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Protocol, runtime_checkable

from voice_agent.core.plan import normalize_key, pitch_class
from voice_agent.core.types import Audio, ClipScore, MusicClip, MusicPlan
from voice_agent.music.protocol import MusicRenderer

log = logging.getLogger(__name__)

MAX_BEST_OF = 8
#: instruments whose presence makes a plan percussive
PERCUSSION = frozenset({"drums", "congas", "guiro", "palmas"})


@runtime_checkable
class ClipScorer(Protocol):
    """Scores a clip against its plan and prompt; higher is better."""

    model_id: str
    scorer: str

    def load(self) -> None:
        """Load weights (idempotent)."""

    def score(self, audio: Audio, plan: MusicPlan, prompt: str) -> ClipScore:
        """How well ``audio`` follows ``plan`` / ``prompt``."""


class AdherenceScorer:
    """The mean of three checks measured from the audio: tempo, key and mode, percussion.

    Tempo: 1 within 5 % of the plan, 0.5 at half or double it, else 0. Key: 1 for the
    plan's key and mode, 0.5 for its relative or parallel key, 0.25 a fifth away, else 0.
    Percussion: 1 when the audio is percussive exactly when the plan has drums or hand
    percussion. Clips too short or silent to measure score 0 on the checks they fail.
    """

    scorer = "audio-features"
    model_id = "audio-features"

    def load(self) -> None:
        """Nothing to load."""

    def score(self, audio: Audio, plan: MusicPlan, prompt: str = "") -> ClipScore:
        """The adherence of ``audio`` to ``plan`` (``prompt`` unused: words are not heard)."""
        from voice_agent.music.describe import measure

        features = measure(audio)
        details = (("tempo", tempo_agreement(features.tempo_bpm, plan.bpm)),
                   ("key", key_agreement(features.key, features.mode, plan.key, plan.mode)),
                   ("percussion", float(features.percussive is not None and
                                        features.percussive == bool(PERCUSSION &
                                                                    set(plan.instruments)))))
        value = sum(v for _, v in details) / len(details)
        return ClipScore(value, self.scorer, self.model_id, details)


def tempo_agreement(measured: float | None, planned: float) -> float:
    """1 within 5 % of ``planned``, 0.5 at half or double, 0 otherwise or unmeasured."""
    if measured is None:
        return 0.0
    if abs(measured - planned) <= 0.05 * planned:
        return 1.0
    return 0.5 if any(abs(measured - planned * f) <= 0.05 * planned * f for f in (0.5, 2.0)) \
        else 0.0


def key_agreement(key: str | None, mode: str | None, planned_key: str, planned_mode: str) -> float:
    """1 for the same key and mode, 0.5 relative or parallel, 0.25 a fifth away, else 0."""
    measured, planned = pitch_class(key or ""), pitch_class(normalize_key(planned_key) or "")
    if measured is None or planned is None or mode is None:
        return 0.0
    if measured == planned:
        return 1.0 if mode == planned_mode else 0.5
    relative = (planned + (9 if planned_mode == "major" else 3)) % 12
    if mode != planned_mode and measured == relative:
        return 0.5
    return 0.25 if mode == planned_mode and (measured - planned) % 12 in (5, 7) else 0.0


def with_best_of(renderer: MusicRenderer, best_of: int) -> MusicRenderer:
    """``renderer`` keeping the best of ``best_of`` renders: its own scorer if it scores
    already (CLAP when configured), else the audio-feature adherence score."""
    if isinstance(renderer, ScoringRenderer):
        if best_of == renderer.best_of:
            return renderer
        return ScoringRenderer(renderer.renderer, renderer.scorer, best_of)
    return ScoringRenderer(renderer, AdherenceScorer(), best_of)


class ScoringRenderer:
    """A :class:`MusicRenderer` that scores its clips and keeps the best of ``best_of`` renders.

    Candidate ``i`` renders the plan with seed ``plan.seed + i``, so candidate 0 is the
    clip a plain render would give; the clip returned carries its :class:`ClipScore` with
    every candidate's score, and its own plan (seed included) so it can be re-rendered.
    """

    def __init__(self, renderer: MusicRenderer, scorer: ClipScorer, best_of: int = 1) -> None:
        if not 1 <= best_of <= MAX_BEST_OF:
            from voice_agent.core.errors import ConfigError

            raise ConfigError(f"best_of must be between 1 and {MAX_BEST_OF}; got {best_of}.")
        self.renderer = renderer
        self.scorer = scorer
        self.best_of = best_of
        self.model_id = renderer.model_id

    @property
    def takes_melody(self) -> bool:
        """Whether the wrapped renderer follows a melody."""
        return self.renderer.takes_melody

    def load(self) -> None:
        """Load the renderer and the scorer."""
        self.renderer.load()
        self.scorer.load()

    def render(self, plan: MusicPlan, prompt: str = "", melody: Audio | None = None) -> MusicClip:
        """The best-scoring of ``best_of`` renders of ``plan``; ties keep the earliest."""
        scored: list[tuple[MusicClip, ClipScore]] = []
        for index in range(self.best_of):
            candidate = plan if index == 0 else plan.replace(seed=(plan.seed + index) % 2**32)
            clip = (self.renderer.render(candidate, prompt) if melody is None
                    else self.renderer.render(candidate, prompt, melody=melody))
            scored.append((clip, self.scorer.score(clip.audio, clip.plan, prompt)))
        best = max(range(len(scored)), key=lambda i: (scored[i][1].value, -i))
        clip, score = scored[best]
        if self.best_of > 1:
            score = dataclasses.replace(score, candidates=tuple(s.value for _, s in scored),
                                        seed=clip.plan.seed)
            log.info("best of %d: candidate %d (%s %.3f)", self.best_of, best, score.scorer,
                     score.value)
        return dataclasses.replace(clip, score=score)
