"""WORLD voice conversion toward a reference speaker: pitch and spectral envelope.

Each voice is summarised once (mean log F0 and mean log spectral envelope over voiced
frames). The conversion from the synthetic voice to the reference is then fixed: a log F0
shift (intonation is kept) and the smoothed difference of the mean envelopes, which carries
formant positions, spectral tilt and the recording's colour. Every sentence gets the same
change, so the voice stays consistent across sentences. Uses ``pyworld`` (DIO + StoneMask,
CheapTrick, D4C).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_agent.core.errors import MissingDependencyError
from voice_agent.core.types import Audio

FRAME_MS = 5.0
_SMOOTH_BINS = 9
_EPS = 1e-12


def _world():
    try:
        import pyworld
    except ImportError as exc:
        raise MissingDependencyError("pyworld-prebuilt", "speech", "Voice conversion (WORLD)") from exc
    return pyworld


@dataclass(frozen=True)
class VoiceSummary:
    """Mean and spread of log F0, and mean log spectral envelope, over voiced frames."""

    f0_log_mean: float
    envelope: np.ndarray
    f0_log_std: float = 0.0


@dataclass(frozen=True)
class WorldFeatures:
    """WORLD analysis of one clip at 5 ms frames."""

    f0: np.ndarray
    envelope: np.ndarray
    aperiodicity: np.ndarray
    rate: int


def analyse(audio: Audio | WorldFeatures) -> WorldFeatures:
    """WORLD analysis (DIO + StoneMask F0, CheapTrick envelope, D4C aperiodicity)."""
    if isinstance(audio, WorldFeatures):
        return audio
    world = _world()
    x = audio.samples.astype(np.float64)
    f0, times = world.dio(x, audio.rate, frame_period=FRAME_MS)
    f0 = world.stonemask(x, f0, times, audio.rate)
    envelope = world.cheaptrick(x, f0, times, audio.rate)
    return WorldFeatures(f0, envelope, world.d4c(x, f0, times, audio.rate), audio.rate)


def summarise(audio: Audio | WorldFeatures) -> VoiceSummary:
    """Summarise a voice (needs some voiced speech)."""
    features = analyse(audio)
    voiced = features.f0 > 0
    if voiced.sum() < 10:
        raise ValueError("no voiced speech found to summarise")
    log_f0 = np.log(features.f0[voiced])
    return VoiceSummary(float(log_f0.mean()),
                        np.log(features.envelope[voiced] + _EPS).mean(axis=0).astype(np.float32),
                        float(log_f0.std()))


def _smooth(values: np.ndarray) -> np.ndarray:
    kernel = np.ones(_SMOOTH_BINS) / _SMOOTH_BINS
    padded = np.pad(values, _SMOOTH_BINS // 2, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


@dataclass(frozen=True)
class Conversion:
    """A fixed change applied to every sentence.

    Log F0 becomes ``f0_center + f0_shift + (log F0 - f0_center) * f0_scale``: the mean moves
    by ``f0_shift`` and the intonation range scales by ``f0_scale`` around the synthetic
    voice's mean ``f0_center``. The log spectral envelope gains ``envelope_gain`` per bin.
    """

    envelope_gain: np.ndarray
    f0_shift: float
    f0_scale: float = 1.0
    f0_center: float = 0.0

    def scaled(self, strength: float, pitch_strength: float) -> "Conversion":
        """The same conversion at a fraction (or multiple) of its strength."""
        return Conversion(self.envelope_gain * strength, self.f0_shift * pitch_strength,
                          1.0 + (self.f0_scale - 1.0) * pitch_strength, self.f0_center)


def conversion_between(source: VoiceSummary, target: VoiceSummary) -> Conversion:
    """The conversion that moves ``source``'s averages onto ``target``'s."""
    gain = _smooth(target.envelope - source.envelope).astype(np.float32)
    scale = target.f0_log_std / source.f0_log_std if source.f0_log_std > 0 else 1.0
    return Conversion(gain, target.f0_log_mean - source.f0_log_mean, float(scale),
                      source.f0_log_mean)


def convert(audio: Audio | WorldFeatures, conversion: Conversion) -> Audio:
    """Apply ``conversion`` with WORLD (``audio`` or its analysis); peak-normalised output."""
    features = analyse(audio)
    f0 = features.f0
    if not np.any(f0 > 0) or len(conversion.envelope_gain) != features.envelope.shape[1]:
        # nothing voiced to convert (or another rate): resynthesise unchanged
        conversion = Conversion(np.zeros(features.envelope.shape[1], np.float32), 0.0)
    new_f0 = np.exp(conversion.f0_center + conversion.f0_shift
                    + (np.log(np.maximum(f0, 1.0)) - conversion.f0_center) * conversion.f0_scale)
    new_f0 = np.where(f0 > 0, new_f0, 0.0)
    new_envelope = features.envelope * np.exp(conversion.envelope_gain.astype(np.float64))
    y = _world().synthesize(new_f0, new_envelope, features.aperiodicity, features.rate,
                            FRAME_MS).astype(np.float32)
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    return Audio(y * (0.9 / peak) if peak else y, features.rate)
