"""Voices by name (imported only when picked): the cloned voice and the base voice."""

from __future__ import annotations

from typing import Any

from voice_agent.config import SpeechConfig


def build(config: SpeechConfig) -> dict[str, Any]:
    """{"cloned": Speaker, "base": Speaker}, or {} when speech is switched off."""
    if not config.enabled:
        return {}
    from voice_agent.voice import make_base_speaker, make_cloned_speaker

    return {
        "cloned": make_cloned_speaker(config.speaker_wav, backend=config.cloned_backend,
                                      xtts_dir=config.xtts_dir),
        "base": make_base_speaker(backend=config.base_backend),
    }
