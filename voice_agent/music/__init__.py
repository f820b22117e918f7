"""Music: the :class:`MusicRenderer` protocol, its backends and :func:`select`.

The embedded composer (:mod:`voice_agent.music.composer`) is built from this package's
parts: styles, arrangement, MIDI, synthesis, mastering and analysis of rendered audio.
MusicGen (:mod:`voice_agent.music.musicgen`) loads weights the user provides. Plans are
checked by :mod:`voice_agent.core.plan`, the one owner of the plan's rules.
"""

from __future__ import annotations

from voice_agent.core.config import MusicConfig
from voice_agent.core.errors import ConfigError, unknown_choice
from voice_agent.music.protocol import MusicRenderer

#: The names ``[music] backend`` and ``--music-backend`` accept ("none" skips music).
BACKENDS = ("composer", "musicgen", "none")


#: The engines that make music (every backend but "none").
ENGINES = ("composer", "musicgen")


def engines(config: MusicConfig) -> tuple[str, ...]:
    """The engines a person may choose between, the configured backend first.

    Derived from what is configured, nothing to list by hand: the embedded composer
    needs nothing, so it is always one; MusicGen is one when weights are given
    (``model_path``, ``--musicgen-model``). "none" offers no engine.
    """
    if config.backend == "none":
        return ()
    ready = {"composer": True, "musicgen": bool(config.model_path)}
    return (config.backend, *(name for name in ENGINES
                              if name != config.backend and ready[name]))


def select(config: MusicConfig, engine: str | None = None) -> MusicRenderer | None:
    """The renderer ``engine`` (default: ``config.backend``) names, unloaded; None for "none".

    With a CLAP model, ``best_of`` > 1 or ``score`` set, it is wrapped in a
    :class:`~voice_agent.music.scoring.ScoringRenderer`: CLAP scores when a model is given,
    the audio-feature adherence score otherwise.
    """
    renderer = _backend(config, engine)
    if renderer is None or not (config.clap_model or config.best_of > 1 or config.score):
        return renderer
    from voice_agent.music.scoring import AdherenceScorer, ScoringRenderer

    if config.clap_model:
        from voice_agent.music.clap import ClapScorer

        return ScoringRenderer(renderer, ClapScorer(config.clap_model), config.best_of)
    return ScoringRenderer(renderer, AdherenceScorer(), config.best_of)


def _backend(config: MusicConfig, engine: str | None) -> MusicRenderer | None:
    name = engine or config.backend
    if config.lora and not config.model_path:
        raise ConfigError(f"A LoRA adapter (--lora {config.lora}) is for MusicGen: give its "
                          "base with --musicgen-model FOLDER (and --music-backend musicgen), "
                          "or drop --lora.")
    if name == "none":
        return None
    if name == "composer":
        from voice_agent.music.composer import ComposerRenderer

        return ComposerRenderer(soundfont=config.soundfont, melody=config.melody)
    if name == "musicgen":
        from voice_agent.music.musicgen import MusicgenRenderer

        if not config.model_path:
            raise ConfigError("The MusicGen backend needs music.model_path (--musicgen-model): "
                              "a local MusicGen folder or a model id in the Hugging Face cache.")
        return MusicgenRenderer(model_path=config.model_path, melody=config.melody,
                                lora=config.lora)
    raise unknown_choice("music backend", name, BACKENDS)


def check_files(config: MusicConfig) -> None:
    """With a LoRA adapter, the MusicGen folder and adapter checks that read file headers
    only (milliseconds): a command runs them before it loads any model, so an adapter made
    for another base is one line up front, not a music stage found missing minutes later.
    (Without --lora a bad folder stays what it was: the music stage reported unavailable.)"""
    if not config.model_path or not config.lora:  # MusicGen may be a per-request engine
        return
    from pathlib import Path

    from voice_agent.music.musicgen import check_adapter, check_folder

    folder = Path(config.model_path).expanduser()
    if folder.is_dir():  # a model id in the HF cache is checked when it loads
        check_folder(folder)
        check_adapter(config.lora, folder)


__all__ = ["BACKENDS", "ENGINES", "MusicRenderer", "check_files", "engines", "select"]
