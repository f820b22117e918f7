"""Mastering: loudness without clipping, fades, a repeatable room."""

import numpy as np

from voice_agent.music.master import CEILING, TARGET_RMS, fade, master, normalize_loudness, reverb

RATE = 8000


def rms(x):
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def test_quiet_music_is_brought_to_the_target_loudness():
    t = np.arange(RATE * 2) / RATE
    quiet = (0.01 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    out = normalize_loudness(quiet)
    assert abs(rms(out) - TARGET_RMS) < 0.01
    assert np.max(np.abs(out)) <= CEILING


def test_spiky_material_is_never_clipped_nor_crushed():
    clicks = np.zeros(RATE * 2, np.float32)
    clicks[::2000] = 0.3
    out = normalize_loudness(clicks)
    assert np.max(np.abs(out)) <= CEILING
    assert rms(out) < TARGET_RMS  # reaching it would take ~20 dB of limiting
    assert np.max(np.abs(out)) > 0.8 * CEILING


def test_silence_stays_silent():
    assert not np.any(normalize_loudness(np.zeros(100, np.float32)))


def test_fades_start_and_end_at_zero():
    out = fade(np.ones(RATE, np.float32), RATE, 0.5)
    assert out[0] == 0.0 and abs(out[-1]) < 1e-6 and out[RATE // 3] == 1.0


def test_reverb_adds_a_repeatable_tail():
    impulse = np.zeros(RATE, np.float32)
    impulse[0] = 1.0
    wet = reverb(impulse, RATE, 100)
    assert np.array_equal(wet, reverb(impulse, RATE, 100))
    assert rms(wet[RATE // 10:]) > 0.0 and np.array_equal(reverb(impulse, RATE, 0), impulse)


def test_master_gives_exactly_the_requested_length():
    out = master(np.ones(RATE * 3, np.float32) * 0.1, RATE, 2.5)
    assert len(out) == int(2.5 * RATE) and np.max(np.abs(out)) <= CEILING


def test_the_low_pass_keeps_the_bass_and_darkens_the_treble():
    t = np.arange(RATE) / RATE
    from voice_agent.music.master import lowpass

    bass, treble = np.sin(2 * np.pi * 100 * t), np.sin(2 * np.pi * 3000 * t)
    assert rms(lowpass(bass.astype(np.float32), RATE, 500)) > 0.95 * rms(bass)
    assert rms(lowpass(treble.astype(np.float32), RATE, 500)) < 0.05 * rms(treble)


def test_the_reverb_tail_is_the_convolution_with_a_decaying_room():
    from voice_agent.music.master import _convolve

    x, k = np.random.default_rng(1).standard_normal((2, 300))
    assert np.allclose(_convolve(x, k[:50]), np.convolve(x, k[:50]))


def test_mastering_does_not_import_scipy_signal():
    """Its import cost 1-5 s of the cold start (the composer's warm-up render masters)."""
    import subprocess
    import sys

    code = ("import sys, numpy as np; from voice_agent.music.master import master; "
            "master(np.ones(800, np.float32), 8000, 0.1, 500.0, 60); "
            "print('scipy.signal' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
