"""The composer renderer: every style renders real audio; plans are honoured; refinements
re-render the same piece otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from voice_agent.music.composer import ComposerRenderer
from voice_agent.core.errors import BadPlanError, MissingDependencyError, ModelNotFoundError
from voice_agent.music import synth
from voice_agent.music.arrangement import arrange
from voice_agent.music.midi import instruments_in_midi
from voice_agent.core.plan import normalize_plan
from voice_agent.music.styles import RECIPES
from voice_agent.music.protocol import MusicRenderer
from voice_agent.core.types import MusicPlan
from voice_agent.core.vocabulary import STYLE_BY_GENRE

RATE = 22050  # half the default rate keeps the suite fast; the benchmark uses 44.1 kHz


@pytest.fixture(scope="module")
def fluid() -> ComposerRenderer:
    renderer = ComposerRenderer(sample_rate=RATE, engine="fluidsynth")
    try:
        renderer.load()
    except (MissingDependencyError, ModelNotFoundError) as exc:
        pytest.skip(f"FluidSynth or its SoundFont is not installed: {exc}")
    return renderer


@pytest.fixture(scope="module")
def numpy_synth() -> ComposerRenderer:
    return ComposerRenderer(sample_rate=RATE, engine="numpy")


def style_plan(genre: str, seconds: float = 4.0, seed: int = 5) -> MusicPlan:
    style = STYLE_BY_GENRE[genre]
    return MusicPlan(genre, style.bpm, "E", style.mode, style.instruments, style.mood, seconds, seed)


def assert_good_audio(clip, seconds: float) -> None:
    samples = clip.audio.samples
    assert clip.audio.rate == RATE
    assert len(samples) == int(round(seconds * RATE))
    assert np.all(np.isfinite(samples))
    assert clip.audio.peak <= 0.95  # never clipped
    assert clip.audio.rms > 0.03  # audible, loudness-normalised
    middle = samples[len(samples) // 4: 3 * len(samples) // 4]
    assert np.sqrt(np.mean(middle**2)) > 0.03  # not silent in the body of the clip


def test_the_renderer_meets_the_protocol(fluid):
    assert isinstance(fluid, MusicRenderer)
    assert fluid.model_id == "composer+FluidR3_GM"


def test_every_genre_of_the_vocabulary_has_a_recipe_and_no_more():
    # normalize_plan accepts exactly the vocabulary's genres; each must have a recipe.
    assert set(RECIPES) == set(STYLE_BY_GENRE)


@pytest.mark.parametrize("genre", sorted(RECIPES))
def test_every_style_renders_clean_audio_with_fluidsynth(fluid, genre):
    clip = fluid.render(style_plan(genre))
    assert_good_audio(clip, 4.0)
    assert clip.backend == "composer+FluidR3_GM"
    assert set(instruments_in_midi(clip.midi)) == set(clip.plan.instruments)


@pytest.mark.parametrize("genre", sorted(RECIPES))
def test_every_style_renders_clean_audio_without_fluidsynth(numpy_synth, genre):
    clip = numpy_synth.render(style_plan(genre, seconds=3.0))
    assert_good_audio(clip, 3.0)
    assert clip.backend == "composer+numpy-synth"


@pytest.mark.parametrize("seconds", [1.0, 7.3, 60.0])
def test_clip_length_is_exactly_the_requested_duration(fluid, seconds):
    clip = fluid.render(style_plan("pop", seconds))
    assert_good_audio(clip, seconds)


def test_the_clip_fades_out_cleanly(fluid):
    samples = fluid.render(style_plan("rock", 8.0)).audio.samples
    tail = samples[-int(0.05 * RATE):]
    assert np.sqrt(np.mean(tail**2)) < 0.1 * np.sqrt(np.mean(samples**2))
    assert abs(samples[-1]) < 1e-3


def test_same_seed_gives_the_same_clip_and_another_seed_another(fluid):
    plan = style_plan("jazz", 5.0)
    first, again = fluid.render(plan), fluid.render(plan)
    other = fluid.render(plan.replace(seed=6))
    assert np.array_equal(first.audio.samples, again.audio.samples)
    assert first.midi == again.midi
    assert not np.array_equal(first.audio.samples, other.audio.samples)


def test_out_of_range_plan_is_clamped_and_the_clip_says_so(fluid):
    clip = fluid.render(MusicPlan(genre="k-pop", bpm=400, instruments=(), duration_s=0.5))
    assert (clip.plan.genre, clip.plan.bpm, clip.plan.duration_s) == ("pop", 220, 1.0)
    assert clip.plan.instruments == STYLE_BY_GENRE["pop"].instruments
    assert_good_audio(clip, 1.0)


def test_meaningless_plan_is_rejected(fluid):
    with pytest.raises(BadPlanError, match="tempo"):
        fluid.render(MusicPlan(bpm=0))


def test_instruments_the_person_names_are_in_the_arrangement(fluid):
    plan = MusicPlan("cumbia", 95, "A", "minor", ("accordion", "guiro", "flute", "banjo"), "happy", 4.0)
    tracks = instruments_in_midi(fluid.render(plan).midi)
    assert set(tracks) == {"accordion", "guiro", "flute", "banjo"}
    assert tracks["banjo"][0] == 105  # General MIDI banjo, found by name
    assert tracks["guiro"][1] is True  # played from the drum channel


def test_a_long_clip_has_intro_body_and_ending():
    arrangement = arrange(normalize_plan(style_plan("pop", 30.0)))
    names = [s.name for s in arrangement.sections]
    assert names[0] == "intro" and names[-1] == "ending" and {"A", "B"} <= set(names)
    assert sum(s.bars for s in arrangement.sections) == len(arrangement.chords)


def _pitches(arrangement, name):
    track = next(t for t in arrangement.tracks if t.name == name)
    return [n.pitch for n in track.notes]


def test_adding_an_instrument_leaves_the_other_parts_unchanged():
    base = normalize_plan(style_plan("bossa_nova", 12.0))
    more = base.replace(instruments=base.instruments + ("piano",))
    before, after = arrange(base), arrange(more)
    for track in before.tracks:
        assert next(t for t in after.tracks if t.name == track.name).notes == track.notes
    assert "piano" in [t.name for t in after.tracks]


def test_faster_keeps_the_same_progression_melody_and_groove():
    base = normalize_plan(style_plan("pop", 16.0))
    slow, fast = arrange(base), arrange(base.replace(bpm=int(base.bpm * 1.15)))
    bars = min(len(slow.chords), len(fast.chords)) - 1  # the last bar of each is its ending
    assert slow.chords[:bars] == fast.chords[:bars]
    for name in ("synth", "bass", "drums"):
        shared = min(len(_pitches(slow, name)), len(_pitches(fast, name))) // 2
        assert _pitches(slow, name)[:shared] == _pitches(fast, name)[:shared]
    assert fast.tracks[0].notes[3].start < slow.tracks[0].notes[3].start  # but sooner


def test_darker_keeps_the_progression_degrees_and_the_groove():
    base = normalize_plan(style_plan("pop", 12.0).replace(key="C", mode="major"))
    major, minor = arrange(base), arrange(base.replace(mode="minor", mood="dark"))
    assert len(major.chords) == len(minor.chords)
    scale_major, scale_minor = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)  # key of C
    assert [scale_major.index(c.root) for c in major.chords] == \
        [scale_minor.index(c.root) for c in minor.chords]
    assert major.chords[0].intervals != minor.chords[0].intervals  # in the minor scale's qualities
    drums = lambda a: [(round(n.start, 6), n.pitch) for n in a.tracks[-1].notes]  # noqa: E731
    assert drums(major) == drums(minor)


def test_a_missing_soundfont_is_a_clear_error():
    renderer = ComposerRenderer(soundfont="/nonexistent/font.sf2")
    with pytest.raises(ModelNotFoundError, match="SoundFont not found"):
        renderer.load()


def test_without_pyfluidsynth_auto_falls_back_and_fluidsynth_mode_explains(monkeypatch):
    def missing():
        raise MissingDependencyError("pyfluidsynth", "music", "Rendering music with FluidSynth")

    monkeypatch.setattr(synth, "import_fluidsynth", missing)
    auto = ComposerRenderer(sample_rate=RATE)
    auto.load()
    assert auto.model_id == "composer+numpy-synth"
    assert_good_audio(auto.render(style_plan("funk", 2.0)), 2.0)
    with pytest.raises(MissingDependencyError, match=r"voice-agent\[music\]"):
        ComposerRenderer(engine="fluidsynth").load()


def test_without_any_soundfont_auto_falls_back(monkeypatch):
    monkeypatch.setattr(synth, "SOUNDFONT_CANDIDATES", ())
    monkeypatch.setattr(synth, "_pretty_midi_soundfont", lambda: None)
    renderer = ComposerRenderer(sample_rate=RATE)
    renderer.load()
    assert renderer.model_id == "composer+numpy-synth"
    with pytest.raises(ModelNotFoundError, match="fluid-soundfont-gm"):
        synth.find_soundfont()


def test_load_is_idempotent_and_the_constructor_does_no_io(monkeypatch):
    calls = []
    monkeypatch.setattr("voice_agent.music.composer.make_engine",
                        lambda *a: calls.append(a) or synth.NumpySynthEngine(RATE))
    renderer = ComposerRenderer(soundfont="/does/not/matter.sf2")
    assert calls == []
    renderer.load()
    renderer.load()
    assert len(calls) == 1


@pytest.mark.parametrize("name,program", [("harmonica", 22), ("xylophone", 13), ("sitar", 104)])
def test_new_instruments_have_their_general_midi_program(name, program):
    from voice_agent.music.arrangement import program_for
    from voice_agent.music.styles import recipe_for

    assert program_for(name, recipe_for("bachata")) == program
