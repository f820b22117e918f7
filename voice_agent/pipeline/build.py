"""Build a pipeline from config: each stage's ``select`` picks its backend by name."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from voice_agent import asr, music, responder, speech
from voice_agent.core.config import AgentConfig
from voice_agent.core.errors import ConfigError, VoiceAgentError, unknown_choice
from voice_agent.library import LibrarySession
from voice_agent.pipeline.turns import Pipeline
from voice_agent.responder import JsonCompleter, Responder

log = logging.getLogger(__name__)

T = TypeVar("T")


def check_config(config: AgentConfig) -> None:
    """Raise ConfigError for any backend name no stage knows, before anything loads."""
    checks = ((config.asr.backend, asr.BACKENDS, "asr backend"),
              (config.llm.backend, responder.BACKENDS, "llm backend"),
              (config.music.backend, music.BACKENDS, "music backend"),
              (config.speech.base_backend, speech.BASE_BACKENDS, "base voice backend"),
              (config.speech.cloned_backend, speech.CLONE_BACKENDS, "cloned voice backend"))
    for name, choices, what in checks:
        if name not in choices:
            raise unknown_choice(what, name, choices)


def _optional(stage: str, builder: Callable[[], T], unavailable: dict[str, str]) -> T | None:
    """Build an optional stage; record why not instead of failing the whole agent.

    A ConfigError is the person's to fix and is never swallowed.
    """
    try:
        return builder()
    except ConfigError:
        raise
    except VoiceAgentError as exc:
        log.warning("%s stage unavailable: %s", stage, exc)
        unavailable[stage] = str(exc)
        return None


def build_stage(config: AgentConfig, stage: str) -> Any:
    """One stage's backend, unloaded: ``"asr"`` a Transcriber, ``"responder"`` a Responder,
    ``"music"`` a MusicRenderer, ``"voice"`` the voices (name -> Speaker).

    The in-process pipeline and the Ray engine's stage replicas both build stages here.
    """
    if stage == "asr":
        return asr.select(config.asr)
    if stage == "responder":
        return responder.select(config.llm, config.music.default_duration_s)
    if stage == "music":
        return music.select(config.music)
    if stage == "voice":
        return speech.select(config.speech)
    raise ValueError(f"unknown stage {stage!r}")


def build_pipeline(config: AgentConfig, with_asr: bool = True) -> Pipeline:
    """The pipeline for ``config``. ASR and LLM are required; music and speech optional.

    ``with_asr=False`` leaves the recogniser out, for typed requests only (``run --text``):
    loading Whisper would cost seconds per process for nothing.
    """
    check_config(config)
    unavailable: dict[str, str] = {}
    renderer = _optional("music", lambda: build_stage(config, "music"), unavailable)
    # the other engines a request may choose: built now (cheap), loaded on first use
    others = {name: _optional(f"music:{name}", lambda n=name: music.select(config.music, n),
                              unavailable)
              for name in music.engines(config.music)[1:]}
    speakers = _optional("tts", lambda: build_stage(config, "voice"), unavailable) or {}
    if not config.speech.enabled:
        unavailable["tts"] = "speech is switched off (--no-speech)"
    chosen = build_stage(config, "responder")
    return Pipeline(
        transcriber=build_stage(config, "asr") if with_asr else None,
        responder=chosen,
        renderer=renderer,
        speakers=speakers,
        history_turns=config.history_turns,
        prefill_while_speaking=config.llm.prefill_while_speaking,
        unavailable=unavailable,
        library=build_library_session(config, chosen),
        engine=config.music.backend,
        other_engines={name: r for name, r in others.items() if r is not None},
    )


def build_library_session(config: AgentConfig, chosen: Responder) -> LibrarySession:
    """The library hook: stored clips (unless [library] enabled = false) and lyrics.

    Lyrics come from the responder's model when it can answer to a JSON schema
    (:class:`JsonCompleter`), else from templates. The database is opened on first use.
    """
    from voice_agent.library import Library, LyricsWriter

    c = config.library
    library = Library(c.path or None) if c.enabled else None
    complete = chosen.complete_json if isinstance(chosen, JsonCompleter) else None
    writer = LyricsWriter(complete, seed=config.llm.seed)
    return LibrarySession(library, writer, speak_lyrics=c.speak_lyrics, duck_db=c.duck_db)
