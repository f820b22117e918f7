"""Speech recognition: the :class:`Transcriber` protocol, its backends and :func:`select`.

Backends are imported only when picked, so a missing optional dependency costs nothing
until it is asked for (and then its error names the extra to install).
"""

from __future__ import annotations

from voice_agent.asr.protocol import Transcriber
from voice_agent.core.config import AsrConfig
from voice_agent.core.errors import unknown_choice

#: The names ``[asr] backend`` and ``--asr-backend`` accept.
BACKENDS = ("faster-whisper", "openai-whisper")


def select(config: AsrConfig) -> Transcriber:
    """The recogniser ``config.backend`` names (unloaded); ConfigError names the choices."""
    if config.backend == "faster-whisper":
        from voice_agent.asr.faster_whisper import FasterWhisperTranscriber

        return FasterWhisperTranscriber(config.model_path, config.device, config.compute_type,
                                        config.beam_size, config.languages,
                                        config.bias_music_vocabulary, config.threads,
                                        config.max_seconds)
    if config.backend == "openai-whisper":
        from voice_agent.asr.openai_whisper import OpenAIWhisperTranscriber

        return OpenAIWhisperTranscriber(config.model_path, config.device, config.beam_size,
                                        config.languages, config.bias_music_vocabulary,
                                        config.threads)
    raise unknown_choice("asr backend", config.backend, BACKENDS)


__all__ = ["BACKENDS", "Transcriber", "select"]
