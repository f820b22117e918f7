"""Mastering: colour, loudness, fades and exact length, the same for every engine."""

from __future__ import annotations

import numpy as np

TARGET_RMS = 0.125  # about -18 dBFS: loud enough, with room for peaks
CEILING = 0.95  # no sample goes above this (about -0.45 dBFS)
FADE_IN_S = 0.005
MAX_OVERDRIVE = 1.4


def lowpass(samples: np.ndarray, rate: int, cutoff_hz: float) -> np.ndarray:
    """A gentle 2nd-order low-pass (the muffled lo-fi colour).

    The magnitude of a 2nd-order Butterworth, applied in the frequency domain with zero
    phase. numpy only: importing ``scipy.signal`` cost 1-5 s of the cold start here.
    """
    cutoff = min(cutoff_hz, 0.45 * rate)
    if not len(samples):
        return samples.astype(np.float32)
    frequencies = np.fft.rfftfreq(len(samples), 1.0 / rate)
    gain = 1.0 / np.sqrt(1.0 + (frequencies / cutoff) ** 4)
    return np.fft.irfft(np.fft.rfft(samples) * gain, len(samples)).astype(np.float32)


def _convolve(samples: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Full linear convolution through one FFT (numpy: no ``scipy.signal`` import)."""
    size = len(samples) + len(kernel) - 1
    fast = 1 << max(0, (size - 1).bit_length())
    spectrum = np.fft.rfft(samples, fast) * np.fft.rfft(kernel, fast)
    return np.fft.irfft(spectrum, fast)[:size]


def reverb(samples: np.ndarray, rate: int, send: int) -> np.ndarray:
    """A room: ``samples`` plus their convolution with a decaying noise tail.

    ``send`` (0-127, like MIDI CC91) sets both the wet level and the decay time. The
    tail is seeded, so the same input always gives the same output.
    """
    if send <= 0:
        return samples

    amount = min(send, 127) / 127.0
    rt60 = 0.6 + 1.8 * amount
    t = np.arange(int(rt60 * rate)) / rate
    tail = np.random.default_rng(0).standard_normal(len(t)) * np.exp(-6.9 * t / rt60)
    tail = np.convolve(tail, np.ones(8) / 8, mode="same")  # darker than white noise
    tail = np.concatenate([np.zeros(int(0.02 * rate)), tail / np.sqrt(np.sum(tail**2))])
    wet = _convolve(samples, tail.astype(np.float32))[: len(samples)]
    return (samples + 0.3 * amount * wet).astype(np.float32)


def normalize_loudness(samples: np.ndarray, target_rms: float = TARGET_RMS,
                       ceiling: float = CEILING) -> np.ndarray:
    """Scale toward ``target_rms``; peaks above 80 % of ``ceiling`` are soft-limited below it."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    if rms < 1e-7:
        return samples.astype(np.float32)
    peak = float(np.max(np.abs(samples)))
    # Spiky material (drums alone) would need heavy limiting to reach the target: drive
    # the limiter at most ~3 dB past the ceiling and accept a quieter clip instead.
    gain = min(target_rms / rms, MAX_OVERDRIVE * ceiling / peak)
    scaled = samples.astype(np.float64) * gain
    knee = 0.8 * ceiling
    magnitude = np.abs(scaled)
    over = magnitude > knee
    limited = knee + (ceiling - knee) * np.tanh((magnitude[over] - knee) / (ceiling - knee))
    scaled[over] = np.sign(scaled[over]) * limited
    return scaled.astype(np.float32)


def fade(samples: np.ndarray, rate: int, fade_out_s: float) -> np.ndarray:
    """A click-free start and a raised-cosine fade-out over the last ``fade_out_s``."""
    out = samples.copy()
    n_in = min(len(out), int(FADE_IN_S * rate))
    out[:n_in] *= np.linspace(0.0, 1.0, n_in, dtype=np.float32)
    n_out = min(len(out), int(fade_out_s * rate))
    if n_out:
        out[-n_out:] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, n_out))).astype(np.float32)
    return out


def master(samples: np.ndarray, rate: int, duration_s: float, lowpass_hz: float = 0.0,
           reverb_send: int = 0) -> np.ndarray:
    """Exact length, room, style colour, loudness normalisation and fades."""
    total = int(round(duration_s * rate))
    out = np.zeros(total, np.float32)
    out[: min(total, len(samples))] = samples[:total]
    out = reverb(out, rate, reverb_send)
    if lowpass_hz:
        out = lowpass(out, rate, lowpass_hz)
    out = normalize_loudness(out)
    return fade(out, rate, min(2.0, 0.25 * duration_s))
