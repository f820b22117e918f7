"""The default cloned voice: the Kokoro style and WORLD conversion closest to a reference speaker.

This is *not* zero-shot neural voice cloning (that needs weights such as XTTS v2, which
cannot be had offline here; see :mod:`voice_agent.speech.xtts`). It is a search over
what the real offline models can reach:

1. Summarise the enrolment clip with WORLD (mean log F0, mean log spectral envelope) and
   Resemblyzer (speaker embedding).
2. Screen the Kokoro voice styles of the speaker's pitch range: speak a probe sentence in
   each, convert it toward the reference with WORLD, score the Resemblyzer cosine to the
   enrolment clip.
3. Random-search blends of the best styles plus a small offset of the 256-d style
   vector ((1+1) evolution strategy), keeping whatever scores higher.
4. Try a slower reading speed, then pick the strength of the WORLD conversion (pitch
   mean and range, spectral envelope) on the same score.

The result, a :class:`~voice_agent.speech.enrol.SpeakerProfile`, is cached on disk under
``$VOICE_AGENT_HOME/speakers/<sha256 of the recording>/`` so later loads cost nothing.

Speed (enrolment should take under a minute on 2 cores): step 2's probe in a plain style
does not depend on the speaker, so each style's probe is spoken and WORLD-analysed once
and kept in
``$VOICE_AGENT_HOME/speakers/probes-*/`` (:func:`plain_probe`); the probe's phonemes are
computed once; and one time limit covers the whole enrolment: past it, screening stops
(keeping at least the styles the blend needs) and the search keeps its best so far.
Every step is reported to an ``on_step`` callback as an :class:`EnrolmentStep`.
Scores here are against the enrolment clip; honest evaluation uses a held-out clip
(``benchmarks/speech_bench.py``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_agent.speech.kokoro import KOKORO_RATE, KokoroSpeaker
from voice_agent.speech.kokoro_voices import load_voice_styles
from voice_agent.core.models import cache_home
from voice_agent.core.errors import SpeakerClipError
from voice_agent.core.types import Audio
from voice_agent.speech import conversion
from voice_agent.speech.enrol import EnrolmentClip, SpeakerProfile, load_enrolment_clip
from voice_agent.speech.similarity import SpeakerEncoder, cosine
from voice_agent.speech.streaming import SentenceSpeaker

log = logging.getLogger(__name__)

#: Spoken by every candidate voice; about 4 s, enough for a stable speaker embedding.
PROBE_TEXT = "I made you a slow piece for cello and piano, with a gentle rhythm."
#: Kokoro's American and British English styles, split by pitch range.
LOW_VOICES = ("am_adam", "am_echo", "am_eric", "am_fenrir", "am_liam", "am_michael", "am_onyx",
              "am_puck", "am_santa", "bm_daniel", "bm_fable", "bm_george", "bm_lewis")
HIGH_VOICES = ("af_alloy", "af_aoede", "af_bella", "af_heart", "af_jessica", "af_kore",
               "af_nicole", "af_nova", "af_river", "af_sarah", "af_sky", "bf_alice", "bf_emma",
               "bf_isabella", "bf_lily")
#: Mean F0 below this picks the low-pitched styles first (between typical male and female).
PITCH_SPLIT_HZ = 160.0
PROFILE_VERSION = 2


@dataclass(frozen=True)
class EnrolmentBudget:
    """How hard enrolment searches. ``screen`` 0 means every style of the pitch range."""

    screen: int = 0
    blend_top: int = 3
    search_steps: int = 10
    offset_scale: float = 0.08
    strengths: tuple[float, ...] = (0.6, 1.3)  # 1.0 is what the search already scored
    speeds: tuple[float, ...] = (0.9,)
    seed: int = 0
    #: Past this many seconds of this process's CPU time from the start of enrolment,
    #: screening stops (once it has ``blend_top`` styles) and the search keeps its best so
    #: far. CPU time, not wall time: on a shared machine the result does not get worse
    #: because other work slows it down; on 2 idle cores the wall time is about the same.
    time_limit_s: float = 45.0
    #: A wall-clock limit too, so a machine busy with other work still ends in minutes.
    wall_limit_s: float = 240.0

    @property
    def evaluations(self) -> int:
        """Number of scored candidates (at most; the pitch range decides the screen)."""
        return (self.screen or len(HIGH_VOICES)) + self.search_steps + len(self.speeds) \
            + len(self.strengths)


@dataclass(frozen=True)
class EnrolmentStep:
    """One finished step of enrolment, for a progress display.

    ``step`` is one of :data:`STEPS` (the interface words for each are the caller's);
    ``done`` of ``total`` counts every step of this enrolment; ``note`` is a detail such
    as the style just scored and its score.
    """

    step: str
    done: int
    total: int
    note: str = ""

    @property
    def fraction(self) -> float:
        """How far enrolment has got, 0..1."""
        return min(1.0, self.done / self.total) if self.total else 0.0


#: The steps, in order: the recording analysed (embedding, pitch, envelope), each plain
#: style scored, each blend tried, the slower reading, each conversion strength, saved.
STEPS = ("analyse", "screen", "search", "speed", "strength", "save")
StepCallback = Callable[[EnrolmentStep], None]


DEFAULT_BUDGET = EnrolmentBudget()
#: A few seconds of search, for tests.
TINY_BUDGET = EnrolmentBudget(screen=1, blend_top=1, search_steps=1, strengths=(), speeds=())


def candidate_styles(f0_hz: float, count: int = 0) -> tuple[str, ...]:
    """Styles of the reference's pitch range first; the first ``count`` (all when 0)."""
    near, far = (LOW_VOICES, HIGH_VOICES) if f0_hz < PITCH_SPLIT_HZ else (HIGH_VOICES, LOW_VOICES)
    ordered = near + far
    return ordered[:count] if count else near


@dataclass
class _Candidate:
    style: np.ndarray
    weights: dict[str, float]
    offset: np.ndarray
    features: conversion.WorldFeatures
    conversion: conversion.Conversion
    score: float
    speed: float = 1.0


class ProfileBuilder:
    """Runs the enrolment search for one clip (see the module docstring)."""

    def __init__(self, clip: EnrolmentClip, encoder: SpeakerEncoder, budget: EnrolmentBudget,
                 on_step: StepCallback = lambda _: None, started: float | None = None) -> None:
        self.clip = clip
        self.encoder = encoder
        self.budget = budget
        self.on_step = on_step
        self.rng = np.random.default_rng(budget.seed)
        # the limits count from the start of enrolment (loading included), not of the search
        self.started = time.monotonic() if started is None else started
        self.deadline = self.started + budget.wall_limit_s
        self.cpu_deadline = time.process_time() + budget.time_limit_s
        self.done = 0
        self.total = 0
        self.reference = encoder.embed(clip.audio)
        try:
            self.target = conversion.summarise(clip.audio)
        except ValueError:  # e.g. whispering: no pitch to match
            raise SpeakerClipError(
                f"Speaker recording {clip.source}: no voiced speech (pitch) was found in it. "
                "Record 10–15 s of normal, voiced speech.") from None
        self.kokoro = KokoroSpeaker(style=np.zeros((510, 1, 256), np.float32), label="search")
        self._phonemes = ""

    def step(self, name: str, note: str = "") -> None:
        """Report one finished step to ``on_step``."""
        self.done += 1
        self.on_step(EnrolmentStep(name, self.done, max(self.total, self.done), note))

    def _probe(self, style: np.ndarray, speed: float) -> Audio:
        """The probe sentence in ``style`` (phonemised once: espeak is not free)."""
        if not self._phonemes:
            self._phonemes = self.kokoro.phonemes(PROBE_TEXT, "en")
        return self.kokoro.synthesize_phonemes(self._phonemes, style, speed)

    def _score(self, weights: dict[str, float], offset: np.ndarray,
               styles: dict[str, np.ndarray], speed: float = 1.0, step: str = "search",
               spoken: conversion.WorldFeatures | None = None) -> _Candidate:
        style = (sum(w * styles[n] for n, w in weights.items()) + offset).astype(np.float32)
        features = conversion.analyse(spoken if spoken is not None else self._probe(style, speed))
        change = conversion.conversion_between(conversion.summarise(features), self.target)
        score = cosine(self.encoder.embed(conversion.convert(features, change)), self.reference)
        self.step(step, f"{'+'.join(weights)} {score:.3f}")
        return _Candidate(style, weights, offset, features, change, score, speed)

    def build(self) -> SpeakerProfile:
        """Screen, blend-search, pick the conversion strength; return the profile."""
        self.kokoro.load()
        f0_hz = float(np.exp(self.target.f0_log_mean))
        names = candidate_styles(f0_hz, self.budget.screen)
        self.total = 2 + len(names) + self.budget.search_steps + len(self.budget.speeds) \
            + len(self.budget.strengths)
        self.step("analyse", f"{f0_hz:.0f} Hz")
        styles = load_voice_styles(list(dict.fromkeys(names)))
        screened = sorted(self._screen(names, styles), key=lambda c: c.score, reverse=True)
        best = self._search_blends(screened[: self.budget.blend_top], styles)
        for speed in self.budget.speeds:  # a slower or faster reading may fit better
            if self._out_of_time():
                break
            trial = self._score(best.weights, best.offset, styles, speed, "speed")
            best = trial if trial.score > best.score else best
        return self._finish(best, screened)

    def _screen(self, names: tuple[str, ...], styles: dict[str, np.ndarray]) -> list[_Candidate]:
        """Score each plain style (its probe from the cache); stop early when out of time."""
        zero = np.zeros((1, 1, 256), np.float32)
        screened: list[_Candidate] = []
        for name in names:
            if len(screened) >= max(1, self.budget.blend_top) and self._out_of_time():
                break
            spoken = plain_probe(name, lambda n=name: self._probe(styles[n] + zero, 1.0))
            screened.append(self._score({name: 1.0}, zero, styles, step="screen", spoken=spoken))
        return screened

    def _out_of_time(self) -> bool:
        late = time.process_time() > self.cpu_deadline or time.monotonic() > self.deadline
        if late:
            log.info("Enrolment search reached its limit (%.0f CPU-s or %.0f s); keeping the "
                     "best so far", self.budget.time_limit_s, self.budget.wall_limit_s)
        return late

    def _search_blends(self, top: list[_Candidate], styles: dict[str, np.ndarray]) -> _Candidate:
        return search_blends(top, styles, self._score, self.budget, self.rng, self._out_of_time)

    def remaining_steps(self) -> int:
        """Steps not done (skipped for time); the caller closes the bar with them."""
        return max(0, self.total - self.done)

    def _finish(self, best: _Candidate, screened: list[_Candidate]) -> SpeakerProfile:
        scores = {f"screen:{next(iter(c.weights))}": round(c.score, 4) for c in screened}
        strength, score = 1.0, best.score
        for s in self.budget.strengths:
            change = best.conversion.scaled(s, 1.0)
            trial = cosine(self.encoder.embed(conversion.convert(best.features, change)), self.reference)
            self.step("strength", f"x{s} {trial:.3f}")
            scores[f"strength:{s}"] = round(trial, 4)
            if trial > score:
                strength, score = s, trial
        scores["best"] = round(score, 4)
        final = best.conversion.scaled(strength, 1.0)
        return SpeakerProfile(
            sha256=self.clip.sha256, source=self.clip.source, style=best.style,
            recipe=best.weights, f0_shift=final.f0_shift, f0_scale=final.f0_scale,
            f0_center=final.f0_center, speed=best.speed, envelope_gain=final.envelope_gain,
            conversion_strength=strength, pitch_strength=1.0, scores=scores,
            version=PROFILE_VERSION)


def search_blends(top: list[_Candidate], styles: dict[str, np.ndarray],
                  score: Callable[[dict[str, float], np.ndarray, dict[str, np.ndarray]], _Candidate],
                  budget: EnrolmentBudget, rng: np.random.Generator,
                  out_of_time: Callable[[], bool] = lambda: False) -> _Candidate:
    """The best of ``top`` and ``budget.search_steps`` random blends around the best so far.

    ``score`` rates a blend (style weights, style offset, the styles); the search keeps only
    improvements and stops early once ``out_of_time()`` says so.
    """
    names = [next(iter(c.weights)) for c in top]
    spread = float(np.std(np.stack([styles[n] for n in names]))) or 0.1
    best = top[0]
    for _ in range(budget.search_steps):
        if out_of_time():
            break
        current = np.array([best.weights.get(n, 0.0) for n in names])
        weights = rng.dirichlet(current * 12.0 + 0.6)
        offset = best.offset + rng.normal(0, budget.offset_scale * spread,
                                          (1, 1, 256)).astype(np.float32)
        trial = score(dict(zip(names, weights.round(4).tolist())), offset, styles)
        if trial.score > best.score:
            best = trial
    return best


#: Bump when the probe's voice changes (Kokoro weights, phonemiser): old probes are ignored.
PROBE_VERSION = 2


def probe_dir() -> Path:
    """Cache folder of the plain styles' probes (speaker-independent, ~1.6 MB each)."""
    key = hashlib.sha256(PROBE_TEXT.encode()).hexdigest()[:8]
    return cache_home() / "speakers" / f"probes-v{PROBE_VERSION}-{key}"


def plain_probe(name: str, speak: Callable[[], Audio]) -> conversion.WorldFeatures:
    """The WORLD analysis of the probe sentence in plain style ``name``: from the cache,
    else ``speak()``, analyse and keep it (~1.6 MB: log envelope and aperiodicity in
    float16, which is far finer than the conversion's smoothing).

    Screening scores the same 13-15 plain probes for every speaker, so they are spoken and
    analysed once per installation (the first enrolment) instead of once per enrolment.
    """
    path = probe_dir() / f"{name}.npz"
    try:
        with np.load(path) as saved:
            return conversion.WorldFeatures(
                saved["f0"].astype(np.float64), np.exp(saved["log_envelope"].astype(np.float64)),
                saved["aperiodicity"].astype(np.float64), int(saved["rate"]))
    except (OSError, ValueError, KeyError):
        pass
    features = conversion.analyse(speak())
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".partial-{name}.npz")
    np.savez(staged, f0=features.f0.astype(np.float32),
             # below e^-60 a bin carries nothing audible; the floor keeps float16 fine
             log_envelope=np.maximum(np.log(features.envelope + 1e-30), -60.0).astype(np.float16),
             aperiodicity=features.aperiodicity.astype(np.float16), rate=features.rate)
    staged.replace(path)  # whole or absent: two enrolments may write the same probe
    return features


def profile_dir(sha256: str) -> Path:
    """Cache folder of the profile for a recording with this sha256."""
    return cache_home() / "speakers" / f"{sha256}-v{PROFILE_VERSION}"


def enrol(clip: EnrolmentClip, encoder: SpeakerEncoder | None = None,
          budget: EnrolmentBudget = DEFAULT_BUDGET, show_progress: bool = True,
          on_step: StepCallback | None = None) -> SpeakerProfile:
    """Build the profile for ``clip`` (under a minute on 2 idle cores with the probe cache).

    Progress goes to ``on_step`` (one :class:`EnrolmentStep` per step) and, when
    ``show_progress``, to a tqdm bar on stderr.
    """
    from tqdm import tqdm

    started = time.monotonic()
    encoder = encoder or SpeakerEncoder()
    with tqdm(total=budget.evaluations + 2, desc="Enrolling speaker", unit="step",
              disable=not show_progress) as bar:
        def step(done: EnrolmentStep) -> None:
            bar.total = done.total
            bar.set_postfix_str(f"{done.step} {done.note}", refresh=False)
            bar.update(1)
            if on_step is not None:
                on_step(done)

        builder = ProfileBuilder(clip, encoder, budget, step, started)
        profile = builder.build()
        builder.done += builder.remaining_steps() - 1  # steps skipped for time count as done
        builder.step("save", f"{time.monotonic() - started:.0f} s")
        return profile


def load_or_enrol(speaker_wav: str | Path, budget: EnrolmentBudget = DEFAULT_BUDGET,
                  encoder: SpeakerEncoder | None = None, show_progress: bool = True,
                  on_step: StepCallback | None = None) -> tuple[SpeakerProfile, bool]:
    """The profile for ``speaker_wav`` from the cache, or enrol and cache it.

    Returns ``(profile, cache_hit)``. Raises SpeakerClipError for unusable recordings.
    """
    clip = load_enrolment_clip(speaker_wav, KOKORO_RATE)
    folder = profile_dir(clip.sha256)
    if (folder / "profile.json").is_file():
        log.info("Speaker profile cache hit: %s", folder)
        return SpeakerProfile.load(folder), True
    log.info("Enrolling speaker from %s (%.1f s); cache miss", clip.source, clip.duration_s)
    profile = enrol(clip, encoder, budget, show_progress, on_step=on_step)
    profile.save(folder)
    log.info("Speaker profile saved to %s (enrolment score %.3f)", folder, profile.scores["best"])
    return profile, False


class ClonedSpeaker(SentenceSpeaker):
    """Speaks in the voice enrolled from ``speaker_wav`` (Kokoro style + WORLD conversion)."""

    def __init__(self, speaker_wav: str | Path, budget: EnrolmentBudget = DEFAULT_BUDGET,
                 show_progress: bool = True, use_conversion: bool = True,
                 on_step: StepCallback | None = None) -> None:
        self.speaker_wav = Path(speaker_wav)
        self.budget = budget
        self.show_progress = show_progress
        self.on_step = on_step
        self.use_conversion = use_conversion
        self.sample_rate = KOKORO_RATE
        self.model_id = f"cloned:kokoro-82m+world ({self.speaker_wav.name})"
        self.profile: SpeakerProfile | None = None
        self.cache_hit: bool | None = None
        self._kokoro: KokoroSpeaker | None = None

    def load(self) -> None:
        """Validate the recording, load or build its profile, open Kokoro (idempotent)."""
        if self._kokoro is not None:
            return
        self.profile, self.cache_hit = load_or_enrol(self.speaker_wav, self.budget,
                                                     show_progress=self.show_progress,
                                                     on_step=self.on_step)
        kokoro = KokoroSpeaker(style=self.profile.style, speed=self.profile.speed,
                               label=f"cloned-{self.profile.sha256[:12]}")
        kokoro.load()
        self._kokoro = kokoro
        self.model_id = f"cloned:kokoro-82m+world:{self.profile.sha256[:12]}"

    def synthesize(self, sentence: str, language: str) -> Audio:
        """Speak one sentence in the enrolled voice."""
        audio = self._kokoro.synthesize(sentence, language)
        if not self.use_conversion or not self.profile.envelope_gain.size:
            return audio
        p = self.profile
        change = conversion.Conversion(p.envelope_gain, p.f0_shift, p.f0_scale, p.f0_center)
        return conversion.convert(audio, change)
