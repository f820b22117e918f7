"""The speaker-profile cache: keyed by the recording's sha256; a hit costs no enrolment."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from voice_agent.speech import DEFAULT_SPEAKER_WAV, cloning
from voice_agent.speech.enrol import SpeakerProfile


def _profile(sha: str) -> SpeakerProfile:
    rng = np.random.default_rng(1)
    return SpeakerProfile(sha256=sha, source="x.wav",
                          style=rng.normal(size=(510, 1, 256)).astype(np.float32),
                          recipe={"am_adam": 0.7, "am_puck": 0.3}, f0_shift=0.12, f0_scale=0.8,
                          f0_center=4.6, speed=0.9,
                          envelope_gain=rng.normal(size=513).astype(np.float32),
                          scores={"best": 0.8})


@pytest.fixture
def speech_cache(tmp_path, monkeypatch):
    """A private VOICE_AGENT_HOME so the test never touches the real profile cache."""
    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def counted_enrol(monkeypatch, speech_cache):
    """Replace the (slow) enrolment search by a fake that counts its calls."""
    calls = []

    def fake_enrol(clip, encoder=None, budget=None, show_progress=True, on_step=None):
        calls.append(clip.sha256)
        return _profile(clip.sha256)

    monkeypatch.setattr(cloning, "enrol", fake_enrol)
    return calls


def test_profile_round_trips_through_disk(tmp_path):
    original = _profile("ab" * 32)
    loaded = SpeakerProfile.load(original.save(tmp_path / "p"))
    assert np.array_equal(loaded.style, original.style)
    assert np.array_equal(loaded.envelope_gain, original.envelope_gain)
    assert loaded.recipe == original.recipe and loaded.f0_shift == original.f0_shift
    assert (loaded.f0_scale, loaded.speed) == (0.8, 0.9)
    assert loaded.scores == original.scores


def test_first_load_misses_and_enrols_then_hits(counted_enrol, speech_cache):
    first, hit1 = cloning.load_or_enrol(DEFAULT_SPEAKER_WAV, show_progress=False)
    second, hit2 = cloning.load_or_enrol(DEFAULT_SPEAKER_WAV, show_progress=False)
    assert (hit1, hit2) == (False, True)
    assert len(counted_enrol) == 1
    assert np.array_equal(first.style, second.style)
    assert cloning.profile_dir(first.sha256).is_relative_to(speech_cache)


def test_a_different_recording_is_a_miss(counted_enrol, tmp_path):
    other = tmp_path / "other.wav"
    shutil.copy(DEFAULT_SPEAKER_WAV, other)
    cloning.load_or_enrol(DEFAULT_SPEAKER_WAV, show_progress=False)
    cloning.load_or_enrol(other, show_progress=False)  # same bytes, other name: a hit
    with open(other, "r+b") as handle:  # change one sample: other bytes, a miss
        handle.seek(2000)
        handle.write(b"\x10\x00")
    _, hit = cloning.load_or_enrol(other, show_progress=False)
    assert not hit and len(counted_enrol) == 2


def test_cloned_speaker_reports_the_cache_state(counted_enrol, monkeypatch):
    monkeypatch.setattr(cloning.KokoroSpeaker, "load", lambda self: None)
    speaker = cloning.ClonedSpeaker(DEFAULT_SPEAKER_WAV, show_progress=False)
    speaker.load()
    assert speaker.cache_hit is False
    again = cloning.ClonedSpeaker(DEFAULT_SPEAKER_WAV, show_progress=False)
    again.load()
    assert again.cache_hit is True and again.model_id == speaker.model_id
    assert speaker.model_id.startswith("cloned:kokoro-82m+world:")


def test_candidate_styles_follow_the_reference_pitch():
    assert cloning.candidate_styles(95.0)[0].startswith("am_")
    assert all(n[1] == "f" for n in cloning.candidate_styles(210.0))
    assert len(cloning.candidate_styles(95.0, 3)) == 3


def _search(budget, scores, top, styles, out_of_time=lambda: False):
    """The blend search with a fake scorer returning ``scores`` in order."""
    queue = list(scores)

    def fake_score(weights, offset, styles, speed=1.0):
        return cloning._Candidate(np.zeros(1), weights, offset, None, None, queue.pop(0), speed)

    return cloning.search_blends(top, styles, fake_score, budget, np.random.default_rng(0),
                                 out_of_time)


def _screened(*names_scores):
    return [cloning._Candidate(np.zeros(1), {n: 1.0}, np.zeros((1, 1, 256)), None, None, s)
            for n, s in names_scores]


def test_blend_search_keeps_only_improvements():
    budget = cloning.EnrolmentBudget(search_steps=3)
    top = _screened(("am_adam", 0.8), ("am_puck", 0.6))
    styles = {"am_adam": np.zeros((510, 1, 256)), "am_puck": np.ones((510, 1, 256))}
    assert _search(budget, [0.70, 0.81, 0.75], top, styles).score == 0.81


def test_blend_search_stops_at_the_time_limit():
    top = _screened(("am_adam", 0.8))
    best = _search(cloning.EnrolmentBudget(search_steps=5), [0.99] * 5, top,
                   {"am_adam": np.zeros((510, 1, 256))}, out_of_time=lambda: True)  # already past
    assert best.score == 0.8
