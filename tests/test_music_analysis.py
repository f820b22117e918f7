"""Tempo and key estimation from audio, on synthetic signals with a known answer,
and on the composer's own clips (prompt adherence)."""

import numpy as np
import pytest

from voice_agent.music.composer import ComposerRenderer
from voice_agent.music.analysis import estimate_key, estimate_tempo, tempo_matches
from voice_agent.core.types import Audio, MusicPlan

RATE = 22050


def click_track(bpm: float, seconds: float = 12.0, seed: int = 0) -> Audio:
    rng = np.random.default_rng(seed)
    samples = np.zeros(int(seconds * RATE))
    burst = rng.uniform(-1, 1, 600) * np.exp(-np.arange(600) / 80)
    for beat in np.arange(0, seconds, 60.0 / bpm):
        start = int(beat * RATE)
        samples[start:start + 600] += burst[: len(samples) - start]
    return Audio(0.5 * samples, RATE)


def chord_sequence(chords: list[list[int]], seconds_each: float = 1.5) -> Audio:
    t = np.arange(int(seconds_each * RATE)) / RATE
    parts = []
    for chord in chords:
        tone = sum(sum(0.5 ** h * np.sin(2 * np.pi * 440 * 2 ** ((p - 69) / 12) * (h + 1) * t)
                       for h in range(4)) for p in chord)
        parts.append(tone * np.exp(-t))
    samples = np.concatenate(parts)
    return Audio(0.8 * samples / np.abs(samples).max(), RATE)


@pytest.mark.parametrize("bpm", [72, 100, 128, 175])
def test_tempo_of_a_click_track(bpm):
    assert tempo_matches(estimate_tempo(click_track(bpm)), bpm)


@pytest.mark.parametrize("estimate", [estimate_tempo, estimate_key])
def test_too_short_a_clip_is_refused_clearly(estimate):
    with pytest.raises(ValueError, match="at least 3 s"):
        estimate(Audio(np.zeros(RATE, np.float32), RATE))


def test_tempo_matches_allows_half_and_double_but_not_more():
    assert tempo_matches(61, 120) and tempo_matches(236, 120) and tempo_matches(124, 120)
    assert not tempo_matches(130, 120) and not tempo_matches(80, 120)


def test_key_of_a_major_cadence():
    g, c, d = [55, 59, 62, 67], [48, 60, 64, 67], [50, 62, 66, 69]  # G - C - D - G in G major
    key = estimate_key(chord_sequence([g, c, d, g, c, d, g]))
    assert (key.key, key.mode) == ("G", "major")


def test_key_of_a_minor_cadence():
    a, d, e = [45, 57, 60, 64], [50, 62, 65, 69], [52, 64, 68, 71]  # Am - Dm - E - Am
    key = estimate_key(chord_sequence([a, d, e, a, d, e, a]))
    assert (key.key, key.mode) == ("A", "minor")


@pytest.fixture(scope="module")
def renderer():
    r = ComposerRenderer(sample_rate=RATE)
    r.load()
    return r


@pytest.mark.parametrize("plan", [
    MusicPlan("pop", 116, "A", "major", ("piano", "synth", "bass", "drums"), "happy", 16.0, 1),
    MusicPlan("edm", 126, "F", "minor", ("synth", "bass", "drums"), "energetic", 16.0, 2),
    MusicPlan("tango", 112, "G", "minor", ("bandoneon", "violin", "piano", "bass"), "dramatic", 16.0, 3),
])
def test_a_composed_clip_keeps_its_planned_tempo_and_key(renderer, plan):
    clip = renderer.render(plan)
    assert tempo_matches(estimate_tempo(clip.audio), plan.bpm)
    key = estimate_key(clip.audio)
    assert (key.key, key.mode) == (plan.key, plan.mode)
