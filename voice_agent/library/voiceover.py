"""Speak lyrics over the music: the voice reads each line, the music ducks under it."""

from __future__ import annotations

import numpy as np

from voice_agent.core.audio import concatenate, resample
from voice_agent.core.errors import VoiceAgentError
from voice_agent.speech.protocol import Speaker
from voice_agent.core.types import Audio, Lyrics

LEAD_IN_S = 1.0  # music alone before the voice comes in
TAIL_S = 1.0  # music after the last line
LINE_GAP_S = 0.35
SECTION_GAP_S = 0.9
DUCK_ATTACK_S = 0.08
DUCK_RELEASE_S = 0.4


def speak_lyrics(lyrics: Lyrics, speaker: Speaker) -> Audio:
    """The lyrics read line by line (short pauses between lines, longer between sections)."""
    pieces: list[Audio] = []
    for section in lyrics.sections:
        for index, line in enumerate(section.lines):
            spoken = speaker.speak(line, lyrics.language)
            if pieces:
                rate = pieces[0].rate
                gap = LINE_GAP_S if index else SECTION_GAP_S
                pieces.append(Audio(np.zeros(int(gap * rate), np.float32), rate))
            pieces.append(resample(spoken, pieces[0].rate) if pieces else spoken)
    if not pieces:
        raise VoiceAgentError("The lyrics have no lines to speak.")
    return concatenate(pieces)


def duck_envelope(voice: np.ndarray, rate: int, duck_db: float) -> np.ndarray:
    """Gain for the music: ``duck_db`` where the voice sounds, 0 dB elsewhere, smoothed."""
    window = max(1, int(0.02 * rate))
    level = np.sqrt(np.convolve(np.square(voice), np.ones(window) / window, mode="same"))
    active = level > max(1e-4, 0.05 * float(level.max(initial=0.0)))
    target = np.where(active, 10.0 ** (duck_db / 20.0), 1.0).astype(np.float32)
    return _smooth(target, rate)


def _smooth(target: np.ndarray, rate: int) -> np.ndarray:
    """One-pole smoothing: fast down (attack), slow back up (release)."""
    attack = np.exp(-1.0 / (DUCK_ATTACK_S * rate))
    release = np.exp(-1.0 / (DUCK_RELEASE_S * rate))
    # gain changes only where the voice starts or stops, so smoothing block-wise is exact
    out = np.empty_like(target)
    gain = 1.0
    edges = np.flatnonzero(np.diff(target)) + 1
    for start, stop in zip(np.r_[0, edges], np.r_[edges, len(target)]):
        goal = float(target[start])
        coefficient = attack if goal < gain else release
        steps = np.arange(1, stop - start + 1)
        out[start:stop] = goal + (gain - goal) * coefficient ** steps
        gain = float(out[stop - 1]) if stop > start else gain
    return out


def mix_voice_over(music: Audio, voice: Audio, duck_db: float = -9.0) -> Audio:
    """``voice`` over ``music`` from :data:`LEAD_IN_S`, the music ducked under it.

    The music loops when the voice outlasts it; the result ends :data:`TAIL_S` after the
    voice (or with the music, if that is longer) and peaks at 0.9 or less.
    """
    voice = resample(voice, music.rate)
    start = int(LEAD_IN_S * music.rate)
    length = max(len(music.samples), start + len(voice.samples) + int(TAIL_S * music.rate))
    bed = np.resize(music.samples, length).astype(np.float32)  # np.resize repeats the clip
    lead = np.zeros(length, np.float32)
    lead[start:start + len(voice.samples)] = voice.samples
    mixed = bed * duck_envelope(lead, music.rate, duck_db) + lead
    peak = float(np.max(np.abs(mixed), initial=0.0))
    if peak > 0.9:
        mixed *= 0.9 / peak
    return Audio(mixed, music.rate)


def speak_over_music(music: Audio, lyrics: Lyrics, speaker: Speaker,
                     duck_db: float = -9.0) -> Audio:
    """The music with ``speaker`` reading ``lyrics`` over it (see :func:`mix_voice_over`)."""
    return mix_voice_over(music, speak_lyrics(lyrics, speaker), duck_db)
