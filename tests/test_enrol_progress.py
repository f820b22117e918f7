"""Enrolment reports every step (CLI lines, the Voices tab's bar) and skips work done
before: the plain styles' probes are spoken once per installation, not once per speaker."""

from __future__ import annotations

import numpy as np
import pytest

from voice_agent.core.types import Audio
from voice_agent.modes.ui_text import enrolment_line
from voice_agent.modes.web.app import WebActions
from voice_agent.service import build_service
from voice_agent.speech import DEFAULT_SPEAKER_WAV, cloning
from voice_agent.speech.cloning import EnrolmentBudget, EnrolmentStep

BUDGET = EnrolmentBudget(screen=3, blend_top=2, search_steps=2, strengths=(0.6,),
                         speeds=(0.9,))


class FakeEncoder:
    """A speaker 'embedding' from the audio's spectrum: cheap, deterministic."""

    def embed(self, audio: Audio) -> np.ndarray:
        spectrum = np.abs(np.fft.rfft(audio.samples[:16_000], 512))[:256]
        return spectrum / (np.linalg.norm(spectrum) or 1.0)


@pytest.fixture
def fake_kokoro(monkeypatch, tmp_path):
    """Kokoro replaced by a voiced tone whose pitch follows the style; counts syntheses."""
    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path / "home"))
    spoken: list[float] = []

    def synthesize_phonemes(self, phonemes, style, speed=1.0):
        pitch = 110.0 + 40.0 * float(np.tanh(np.mean(style)) + 1.0)
        spoken.append(pitch)
        t = np.arange(int(24_000 * 1.5 / speed)) / 24_000
        tone = sum(np.sin(2 * np.pi * pitch * k * t) / k for k in range(1, 6))
        return Audio((0.3 * tone).astype(np.float32), 24_000)

    def styles(names):  # no Kokoro download needed: a fixed random style per name
        return {n: np.random.default_rng(sum(map(ord, n))).normal(0, 0.2, (510, 1, 256))
                .astype(np.float32) for n in names}

    monkeypatch.setattr(cloning, "load_voice_styles", styles)
    monkeypatch.setattr(cloning.KokoroSpeaker, "load", lambda self: None)
    monkeypatch.setattr(cloning.KokoroSpeaker, "phonemes", lambda self, text, lang: "fake")
    monkeypatch.setattr(cloning.KokoroSpeaker, "synthesize_phonemes", synthesize_phonemes)
    return spoken


@pytest.fixture
def clips(tmp_path):
    """Two short recordings (4 s of the bundled speaker each): WORLD on 13 s is slow."""
    from voice_agent.core.audio import read_audio, write_wav

    audio = read_audio(DEFAULT_SPEAKER_WAV)
    cut = lambda start: Audio(audio.samples[start * audio.rate:(start + 4) * audio.rate],  # noqa: E731
                              audio.rate)
    return write_wav(tmp_path / "one.wav", cut(0)), write_wav(tmp_path / "two.wav", cut(6))


def _enrol(path, steps):
    from voice_agent.speech.enrol import load_enrolment_clip

    clip = load_enrolment_clip(path, 24_000)
    return cloning.enrol(clip, FakeEncoder(), BUDGET, show_progress=False, on_step=steps.append)


def test_every_step_is_reported_in_order_up_to_the_total(fake_kokoro, clips):
    steps: list[EnrolmentStep] = []
    profile = _enrol(clips[0], steps)
    assert [s.step for s in steps] == ["analyse", "screen", "screen", "screen", "search",
                                       "search", "speed", "strength", "save"]
    assert [s.done for s in steps] == list(range(1, 10)) and {s.total for s in steps} == {9}
    assert steps[-1].fraction == 1.0 and profile.scores["best"] > 0


def test_the_plain_probes_are_spoken_once_per_installation(fake_kokoro, clips):
    _enrol(clips[0], [])
    first = len(fake_kokoro)  # 3 plain probes + 2 blends + 1 slower reading
    assert first == 6
    _enrol(clips[1], [])  # another recording: the plain probes come from disk
    assert len(fake_kokoro) - first == 3
    assert len(list(cloning.probe_dir().glob("*.npz"))) == 3


def test_a_cpu_limit_stops_the_search_but_never_the_blend_it_needs(fake_kokoro, clips):
    from voice_agent.speech.enrol import load_enrolment_clip

    clip = load_enrolment_clip(clips[0], 24_000)
    steps: list[EnrolmentStep] = []
    hurried = EnrolmentBudget(screen=3, blend_top=2, search_steps=5, time_limit_s=0.0)
    cloning.enrol(clip, FakeEncoder(), hurried, show_progress=False, on_step=steps.append)
    names = [s.step for s in steps]
    assert names.count("screen") == 2 and "search" not in names  # blend_top styles kept
    assert steps[-1].step == "save" and steps[-1].done == steps[-1].total


def test_progress_lines_in_both_languages():
    step = EnrolmentStep("screen", 3, 28, "am_adam 0.748")
    assert enrolment_line(step) == "[3/28] Compared a voice style: am_adam 0.748"
    assert enrolment_line(step, "es") == "[3/28] Estilo de voz comparado: am_adam 0.748"


def test_the_voices_tab_moves_its_bar_per_step(tmp_path, upload):
    actions = WebActions(build_service(None, tmp_path / "server", fake=True), None, lang="es")
    seen: list[tuple[float, str]] = []
    update = actions.enrol(upload(DEFAULT_SPEAKER_WAV), "Ana",
                           lambda fraction, line: seen.append((fraction, line)))
    assert "Ana" in update["voice_status"]
    assert [fraction for fraction, _ in seen] == [0.5, 1.0]
    assert seen[0][1].startswith("[1/2] Grabación analizada") and "Voz guardada" in seen[1][1]


def test_the_cli_prints_a_line_per_step(tmp_path, monkeypatch, capsys):
    from voice_agent import cli
    from voice_agent.service.voices import fake_voice_lab

    monkeypatch.setattr(cli, "_voice_lab", lambda args: fake_voice_lab(tmp_path / "speakers"))
    assert cli.main(["enrol", str(DEFAULT_SPEAKER_WAV), "--name", "Ana",
                     "--ui-language", "en"]) == 0
    captured = capsys.readouterr()
    assert "[1/2] Analysed the recording" in captured.err
    assert "[2/2] Saved the voice" in captured.err and "'Ana'" in captured.out


def test_a_cached_probe_analysis_matches_a_fresh_one(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path / "home"))
    t = np.arange(36_000) / 24_000
    audio = Audio((0.3 * np.sin(2 * np.pi * 140 * t) + 0.1 * np.sin(2 * np.pi * 280 * t))
                  .astype(np.float32), 24_000)
    fresh = cloning.plain_probe("af_test", lambda: audio)
    cached = cloning.plain_probe("af_test", lambda: pytest.fail("spoken twice"))
    assert np.allclose(cached.f0, fresh.f0, rtol=1e-6)
    audible = np.log(fresh.envelope) > -60  # quieter bins are floored there
    error = np.abs(np.log(cached.envelope) - np.log(fresh.envelope))[audible]
    assert audible.mean() > 0.5 and error.max() < 0.05
    assert np.max(np.abs(cached.aperiodicity - fresh.aperiodicity)) < 1e-3
