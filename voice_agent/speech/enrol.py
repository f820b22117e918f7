"""Speaker enrolment: check a 10–15 s reference recording and describe the voice built from it.

:func:`load_enrolment_clip` reads any common audio file, refuses recordings that cannot
give a usable voice (unreadable, under 3 s, under 16 kHz, silent, too quiet, clipped) with
a :class:`~voice_agent.core.errors.SpeakerClipError` that says what to do, warns about
weaker ones (under 10 s, quiet, a few clipped samples), and returns the clip as mono,
peak-normalised, at the model's rate, with the sha256 of the file's bytes.

:class:`SpeakerProfile` is what enrolment produces and what the on-disk cache stores.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from voice_agent.core.audio import decode_audio, normalize_peak, resample
from voice_agent.core.errors import AudioInputError, SpeakerClipError
from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

MIN_SECONDS = 3.0
RECOMMENDED_SECONDS = 10.0
MAX_SECONDS = 30.0
#: Longer recordings are refused before decoding (their header says how long they are).
MAX_DECODE_SECONDS = 300.0
MIN_RATE = 16_000
SILENT_PEAK = 1e-3  # -60 dBFS: nothing was recorded
QUIET_PEAK = 0.02  # -34 dBFS: too little signal above the noise to learn a voice
LOW_PEAK = 0.1  # -20 dBFS: usable, but worth a warning
CLIP_LEVEL = 0.99
MAX_CLIPPED_FRACTION = 0.005
WARN_CLIPPED_FRACTION = 0.0005
MIN_SPEECH_SECONDS = 2.0
_FRAME_S = 0.02

_RECORD_TIP = "Record 10–15 s of one person speaking clearly, close to the microphone, in a quiet room."


@dataclass(frozen=True)
class EnrolmentClip:
    """A validated reference recording, ready for a voice model."""

    audio: Audio
    sha256: str
    source: str
    duration_s: float
    speech_s: float
    warnings: tuple[str, ...] = ()


def _refuse(source: str, problem: str) -> SpeakerClipError:
    return SpeakerClipError(f"Speaker recording {source}: {problem} {_RECORD_TIP}")


def _decode(data: bytes, source: str) -> Audio:
    try:
        return decode_audio(data, name=source, max_s=MAX_DECODE_SECONDS)
    except AudioInputError as exc:
        raise _refuse(source, f"cannot be read as audio ({exc}).") from None


def speech_seconds(audio: Audio) -> float:
    """Seconds of 20 ms frames 15 dB above the noise floor and within 35 dB of the loudest.

    The floor ignores digital silence (below -90 dBFS), so zero padding does not make
    quiet room noise count as speech.
    """
    frame = max(1, int(audio.rate * _FRAME_S))
    count = len(audio.samples) // frame
    if count == 0:
        return 0.0
    frames = audio.samples[: count * frame].reshape(count, frame)
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    audible = level[level > -90.0]
    floor = float(np.percentile(audible, 10)) if len(audible) else -90.0
    threshold = max(floor + 15.0, float(level.max()) - 35.0, -60.0)
    active = level > threshold
    return float(active.sum() * _FRAME_S)


def best_window(audio: Audio, seconds: float) -> float:
    """Start (s) of the ``seconds``-long stretch of ``audio`` holding the most speech.

    Speech frames are counted as in :func:`speech_seconds` (above the noise floor, within
    35 dB of the loudest); ties go to the earliest stretch.
    """
    frame = max(1, int(audio.rate * _FRAME_S))
    count = len(audio.samples) // frame
    span = int(seconds / _FRAME_S)
    if count <= span:
        return 0.0
    frames = audio.samples[: count * frame].reshape(count, frame)
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    audible = level[level > -90.0]
    floor = float(np.percentile(audible, 10)) if len(audible) else -90.0
    active = (level > max(floor + 15.0, float(level.max()) - 35.0, -60.0)).astype(np.int64)
    totals = np.convolve(active, np.ones(span, np.int64), mode="valid")
    return float(int(np.argmax(totals)) * _FRAME_S)


def _check_signal(audio: Audio, source: str, warnings: list[str]) -> float:
    """Duration, level, clipping and speech checks; returns seconds of speech."""
    if audio.rate < MIN_RATE:
        raise _refuse(source, f"is sampled at {audio.rate} Hz; it needs at least {MIN_RATE} Hz "
                              "(telephone-quality audio loses the voice's timbre).")
    if audio.duration_s < MIN_SECONDS:
        raise _refuse(source, f"is only {audio.duration_s:.1f} s long; it needs at least "
                              f"{MIN_SECONDS:.0f} s (10–15 s recommended).")
    if audio.peak < SILENT_PEAK:
        raise _refuse(source, "is silent (no signal above -60 dBFS).")
    if audio.peak < QUIET_PEAK:
        raise _refuse(source, f"is too quiet (peak {20 * np.log10(audio.peak):.0f} dBFS); "
                              "raise the microphone gain or speak closer.")
    clipped = float(np.mean(np.abs(audio.samples) >= CLIP_LEVEL))
    if clipped > MAX_CLIPPED_FRACTION:
        raise _refuse(source, f"is clipped ({clipped:.1%} of samples at full scale); "
                              "lower the microphone gain and record again.")
    if clipped > WARN_CLIPPED_FRACTION:
        warnings.append(f"{clipped:.2%} of samples are clipped; the voice may sound harsh.")
    if audio.peak < LOW_PEAK:
        warnings.append(f"the level is low (peak {20 * np.log10(audio.peak):.0f} dBFS); "
                        "it was normalised, but noise was amplified with it.")
    speech = speech_seconds(audio)
    if speech < MIN_SPEECH_SECONDS:
        raise _refuse(source, f"holds only {speech:.1f} s of speech (mostly silence or steady "
                              "noise).")
    return speech


def load_enrolment_clip(path: str | Path, rate: int) -> EnrolmentClip:
    """Read and validate a speaker recording; return it mono, normalised, at ``rate`` Hz.

    Raises :class:`SpeakerClipError` (never a traceback) when it cannot be used.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise _refuse(source, "does not exist. Check the path given with --speaker.")
    data = path.read_bytes()
    if not data:
        raise _refuse(source, "is an empty file.")
    audio = _decode(data, source)
    warnings: list[str] = []
    speech = _check_signal(audio, source, warnings)
    if audio.duration_s < RECOMMENDED_SECONDS:
        warnings.append(f"it is only {audio.duration_s:.1f} s long (under "
                        f"{RECOMMENDED_SECONDS:.0f} s); 10–15 s gives a closer voice.")
    if audio.duration_s > MAX_SECONDS:
        start = best_window(audio, MAX_SECONDS)
        warnings.append(f"it is {audio.duration_s:.0f} s long; only the best "
                        f"{MAX_SECONDS:.0f} s (the most speech, from {start:.0f} s) are used.")
        first = int(start * audio.rate)
        audio = Audio(audio.samples[first: first + int(MAX_SECONDS * audio.rate)], audio.rate)
    for warning in warnings:
        log.warning("Speaker recording %s: %s", source, warning)
    clip = normalize_peak(resample(audio, rate), 0.9)
    return EnrolmentClip(clip, hashlib.sha256(data).hexdigest(), source, audio.duration_s,
                         speech, tuple(warnings))


@dataclass
class SpeakerProfile:
    """The enrolled voice: a Kokoro style table plus a WORLD conversion toward the speaker.

    ``style`` is the ``(510, 1, 256)`` Kokoro style built from ``recipe`` (voice name ->
    blend weight) plus an optimised offset, spoken at ``speed``; ``envelope_gain`` (log, per
    frequency bin) and ``f0_shift``/``f0_scale``/``f0_center`` (log F0) are the WORLD
    conversion applied to every sentence (see :class:`~voice_agent.speech.conversion.Conversion`),
    already scaled by the chosen ``conversion_strength`` (empty gain: no conversion). ``scores`` holds the Resemblyzer similarities to the *enrolment*
    clip measured during the search (the held-out evaluation lives in the benchmark).
    """

    sha256: str
    source: str
    style: np.ndarray
    recipe: dict[str, float]
    f0_shift: float = 0.0
    f0_scale: float = 1.0
    f0_center: float = 0.0
    speed: float = 1.0
    envelope_gain: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    conversion_strength: float = 0.0
    pitch_strength: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)
    version: int = 1

    def save(self, folder: Path) -> Path:
        """Write ``profile.npz`` (arrays) and ``profile.json`` (the rest) into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "profile.npz", style=self.style, envelope_gain=self.envelope_gain)
        meta = {k: v for k, v in asdict(self).items() if k not in ("style", "envelope_gain")}
        (folder / "profile.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
        return folder

    @classmethod
    def load(cls, folder: Path) -> "SpeakerProfile":
        """Read a profile written by :meth:`save`."""
        meta = json.loads((folder / "profile.json").read_text())
        with np.load(folder / "profile.npz") as arrays:
            return cls(style=arrays["style"], envelope_gain=arrays["envelope_gain"], **meta)
