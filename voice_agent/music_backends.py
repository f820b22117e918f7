"""Music renderers by name (imported only when picked)."""

from __future__ import annotations

from typing import Any

from voice_agent.config import MusicConfig
from voice_agent.errors import ConfigError

MUSIC_BACKENDS = ("composer", "musicgen", "none")


def build(config: MusicConfig) -> Any | None:
    """The renderer ``config.backend`` names; None for "none"."""
    if config.backend == "none":
        return None
    if config.backend == "composer":
        from voice_agent.backends.composer import ComposerRenderer

        return ComposerRenderer(soundfont=config.soundfont)
    if config.backend == "musicgen":
        from voice_agent.backends.musicgen import MusicgenRenderer

        if not config.model_path:
            raise ConfigError("The MusicGen backend needs music.model_path (--musicgen-model): "
                              "a local MusicGen folder or a model id in the Hugging Face cache.")
        return MusicgenRenderer(model_path=config.model_path)
    raise ConfigError(f"Unknown music backend '{config.backend}'. Choose one of: "
                      f"{', '.join(MUSIC_BACKENDS)}.")
