"""The default music renderer: a rule-based composer played through a General MIDI synth.

Plan -> arrangement (sections, chords, bass, drums, comping, melody) -> MIDI -> audio
through FluidSynth with a SoundFont (FluidR3_GM from Debian by default), or through the
built-in numpy synthesizer when FluidSynth or a SoundFont is missing. Deterministic in
(plan, seed); no weights to download.
"""

from __future__ import annotations

import logging

from voice_agent.music.arrangement import arrange
from voice_agent.music.master import master
from voice_agent.music.midi import midi_bytes
from voice_agent.core.plan import normalize_plan
from voice_agent.music.synth import make_engine
from voice_agent.core.types import Audio, MusicClip, MusicPlan

log = logging.getLogger(__name__)

ENGINES = ("auto", "fluidsynth", "numpy")


class ComposerRenderer:
    """Renders a :class:`MusicPlan` by composing it and playing it on a GM synth.

    ``soundfont``: a .sf2 path (default: FluidR3_GM, else TimGM6mb); ``engine``:
    "auto" (FluidSynth, else numpy), "fluidsynth" (fail if missing) or "numpy".
    ``model_id`` becomes e.g. "composer+FluidR3_GM" once :meth:`load` has chosen.
    """

    def __init__(self, soundfont: str | None = None, sample_rate: int = 44100,
                 engine: str = "auto", melody: str | None = None) -> None:
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
        self.soundfont = soundfont
        self.sample_rate = int(sample_rate)
        self.engine_kind = engine
        self._engine = None
        self.model_id = "composer"
        self.melody_path = melody
        self._tune = None

    #: a tune is transcribed and played as the lead line
    takes_melody = True

    def load(self) -> None:
        """Find FluidSynth and the SoundFont (or fall back to numpy); idempotent.

        Ends with a one-second warm-up render, so the first real request does not pay
        for first-use imports and code paths (about 0.9 s here).
        """
        if self._engine is not None:
            return
        if self.melody_path:  # read and transcribed once, before anything else loads
            from voice_agent.core.audio import read_audio
            from voice_agent.music.melody import transcribe

            self._tune = transcribe(read_audio(self.melody_path))
            log.info("Melody: %d notes from %s", len(self._tune.notes), self.melody_path)
        self._engine = make_engine(self.engine_kind, self.soundfont, self.sample_rate)
        self.model_id = f"composer+{self._engine.name}"
        self._render(normalize_plan(MusicPlan(duration_s=1.0)))
        log.info("Music composer ready: %s", self.model_id)

    def render(self, plan: MusicPlan, prompt: str = "", melody: Audio | None = None) -> MusicClip:
        """Compose and play ``plan``; the clip carries the (clamped) plan actually rendered.

        ``prompt`` is ignored: the composer follows the structured plan. ``melody`` (or the
        constructor's melody file) is transcribed and played as the lead line.
        Raises :class:`~voice_agent.core.errors.BadPlanError` for a plan that cannot be rendered.
        """
        self.load()
        tune = self._tune
        if melody is not None:
            from voice_agent.music.melody import transcribe

            tune = transcribe(melody)
        return self._render(normalize_plan(plan), tune)

    def _render(self, plan: MusicPlan, tune=None) -> MusicClip:
        arrangement = arrange(plan, tune)
        samples = self._engine.render(arrangement)
        samples = master(samples, self.sample_rate, plan.duration_s, arrangement.lowpass_hz,
                         arrangement.reverb)
        return MusicClip(Audio(samples, self.sample_rate), plan, midi_bytes(arrangement),
                         self.model_id)
