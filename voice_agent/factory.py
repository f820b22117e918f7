"""Build a pipeline from config: backends are picked by name and imported only when picked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from voice_agent.config import AgentConfig
from voice_agent.errors import ConfigError, VoiceAgentError
from voice_agent.pipeline import Pipeline

log = logging.getLogger(__name__)


def _faster_whisper(config: AgentConfig) -> Any:
    from voice_agent.backends.faster_whisper_asr import FasterWhisperTranscriber

    c = config.asr
    return FasterWhisperTranscriber(c.model_path, c.device, c.compute_type, c.beam_size,
                                    c.languages, c.bias_music_vocabulary, c.threads)


def _openai_whisper(config: AgentConfig) -> Any:
    from voice_agent.backends.openai_whisper_asr import OpenAIWhisperTranscriber

    c = config.asr
    return OpenAIWhisperTranscriber(c.model_path, c.device, c.beam_size, c.languages,
                                    c.bias_music_vocabulary, c.threads)


def _llama_cpp(config: AgentConfig) -> Any:
    from voice_agent.backends.llama_cpp_responder import LlamaCppResponder

    c = config.llm
    return LlamaCppResponder(c.model_path, c.context_tokens, c.threads, c.temperature,
                             c.max_tokens, c.seed, config.music.default_duration_s)


def _transformers(config: AgentConfig) -> Any:
    from voice_agent.backends.transformers_responder import TransformersResponder

    c = config.llm
    if not c.model_path:
        raise ConfigError("The transformers responder needs llm.model_path: a local model "
                          "folder or a Hugging Face model id already in the local cache.")
    return TransformersResponder(c.model_path, temperature=c.temperature,
                                 max_tokens=c.max_tokens, seed=c.seed, threads=c.threads,
                                 default_duration_s=config.music.default_duration_s)


def _ollama(config: AgentConfig) -> Any:
    from voice_agent.backends.ollama_responder import OllamaResponder

    c = config.llm
    return OllamaResponder(c.ollama_url, c.ollama_model, c.temperature, c.max_tokens, c.seed,
                           config.music.default_duration_s)


def _rules(config: AgentConfig) -> Any:
    from voice_agent.backends.rule_responder import RuleResponder

    return RuleResponder(config.music.default_duration_s)


ASR_BACKENDS: dict[str, Callable[[AgentConfig], Any]] = {
    "faster-whisper": _faster_whisper,
    "openai-whisper": _openai_whisper,
}
LLM_BACKENDS: dict[str, Callable[[AgentConfig], Any]] = {
    "llama-cpp": _llama_cpp,
    "transformers": _transformers,
    "ollama": _ollama,
    "rules": _rules,
}


def _pick(table: dict[str, Callable[[AgentConfig], Any]], name: str, stage: str,
          config: AgentConfig) -> Any:
    if name not in table:
        raise ConfigError(f"Unknown {stage} backend '{name}'. Choose one of: "
                          f"{', '.join(sorted(table))}.")
    return table[name](config)


def build_transcriber(config: AgentConfig) -> Any:
    """The configured speech recogniser."""
    return _pick(ASR_BACKENDS, config.asr.backend, "asr", config)


def build_responder(config: AgentConfig) -> Any:
    """The configured responder."""
    return _pick(LLM_BACKENDS, config.llm.backend, "llm", config)


def build_renderer(config: AgentConfig) -> Any | None:
    """The configured music renderer, or None when music is switched off."""
    from voice_agent import music_backends

    return music_backends.build(config.music)


def build_speakers(config: AgentConfig) -> dict[str, Any]:
    """The configured voices by name ("cloned", "base"); empty when speech is off."""
    from voice_agent import speech_backends

    return speech_backends.build(config.speech)


def _optional(stage: str, builder: Callable[[AgentConfig], Any], config: AgentConfig,
              unavailable: dict[str, str]) -> Any:
    """Build an optional stage; record why not instead of failing the whole agent."""
    try:
        return builder(config)
    except VoiceAgentError as exc:
        log.warning("%s stage unavailable: %s", stage, exc)
        unavailable[stage] = str(exc)
        return None


def build_pipeline(config: AgentConfig) -> Pipeline:
    """The pipeline for ``config``. ASR and LLM are required; music and speech optional."""
    unavailable: dict[str, str] = {}
    renderer = _optional("music", build_renderer, config, unavailable)
    speakers = _optional("tts", build_speakers, config, unavailable) or {}
    for speaker in speakers.values():
        speaker.phrase_cache = config.speech.phrase_cache
    if not config.speech.enabled:
        unavailable["tts"] = "speech is switched off (--no-speech)"
    responder = build_responder(config)
    return Pipeline(
        transcriber=build_transcriber(config),
        responder=responder,
        renderer=renderer,
        speakers=speakers,
        history_turns=config.history_turns,
        unavailable=unavailable,
        library=build_library_session(config, responder),
    )


def build_library_session(config: AgentConfig, responder: Any) -> Any:
    """The library hook: stored clips (unless [library] enabled = false) and lyrics.

    Lyrics come from the responder's model when it can answer to a JSON schema
    (``complete_json``), else from templates. The database is opened on first use.
    """
    from voice_agent.library import Library, LibrarySession, LyricsWriter

    c = config.library
    library = Library(c.path or None) if c.enabled else None
    writer = LyricsWriter(getattr(responder, "complete_json", None), seed=config.llm.seed)
    return LibrarySession(library, writer, speak_lyrics=c.speak_lyrics, duck_db=c.duck_db)
