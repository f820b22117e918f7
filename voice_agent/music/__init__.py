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


def select(config: MusicConfig) -> MusicRenderer | None:
    """The renderer ``config.backend`` names (unloaded); None for "none"."""
    if config.backend == "none":
        return None
    if config.backend == "composer":
        from voice_agent.music.composer import ComposerRenderer

        return ComposerRenderer(soundfont=config.soundfont, melody=config.melody)
    if config.backend == "musicgen":
        from voice_agent.music.musicgen import MusicgenRenderer

        if not config.model_path:
            raise ConfigError("The MusicGen backend needs music.model_path (--musicgen-model): "
                              "a local MusicGen folder or a model id in the Hugging Face cache.")
        return MusicgenRenderer(model_path=config.model_path, melody=config.melody)
    raise unknown_choice("music backend", config.backend, BACKENDS)


__all__ = ["BACKENDS", "MusicRenderer", "select"]
