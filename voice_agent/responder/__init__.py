"""The responder: reads the request, writes the reply and the music plan.

:class:`Responder` (and the optional :class:`StreamingResponder`, :class:`JsonCompleter`)
are the contract; :func:`select` picks a backend by name and imports only that one.
"""

from __future__ import annotations

from voice_agent.core.config import LlmConfig
from voice_agent.core.errors import ConfigError, unknown_choice
from voice_agent.responder.protocol import (JsonCompleter, PrefillingResponder, Responder,
                                            StreamingResponder)

#: The names ``[llm] backend`` and ``--llm-backend`` accept.
BACKENDS = ("llama-cpp", "transformers", "ollama", "rules")


def select(config: LlmConfig, default_duration_s: float = 15.0) -> Responder:
    """The responder ``config.backend`` names (unloaded); ConfigError names the choices.

    ``default_duration_s`` is the clip length a plan gets when the person names none.
    """
    if config.backend == "llama-cpp":
        from voice_agent.responder.llama_cpp import LlamaCppResponder

        return LlamaCppResponder(config.model_path, config.context_tokens, config.threads,
                                 config.temperature, config.max_tokens, config.seed,
                                 default_duration_s)
    if config.backend == "transformers":
        from voice_agent.responder.transformers import TransformersResponder

        if not config.model_path:
            raise ConfigError("The transformers responder needs llm.model_path: a local model "
                              "folder or a Hugging Face model id already in the local cache.")
        return TransformersResponder(config.model_path, temperature=config.temperature,
                                     max_tokens=config.max_tokens, seed=config.seed,
                                     threads=config.threads,
                                     default_duration_s=default_duration_s)
    if config.backend == "ollama":
        from voice_agent.responder.ollama import OllamaResponder

        return OllamaResponder(config.ollama_url, config.ollama_model, config.temperature,
                               config.max_tokens, config.seed, default_duration_s)
    if config.backend == "rules":
        from voice_agent.responder.rules import RuleResponder

        return RuleResponder(default_duration_s)
    raise unknown_choice("llm backend", config.backend, BACKENDS)


__all__ = ["BACKENDS", "JsonCompleter", "PrefillingResponder", "Responder", "StreamingResponder",
           "select"]
