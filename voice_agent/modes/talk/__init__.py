"""``voice-agent talk``: the push-to-talk desktop session (see :mod:`.app`)."""

from __future__ import annotations

import dataclasses
import logging
import sys
from typing import Any

from voice_agent.core.config import AgentConfig
from voice_agent.core.errors import VoiceAgentError
from voice_agent.modes.talk.app import TalkOptions, TalkSession
from voice_agent.modes.talk.devices import load_sounddevice
from voice_agent.modes.talk.terminal import KeyReader, Screen
from voice_agent.modes.ui_text import stage_name, t
from voice_agent.pipeline.turns import Pipeline
from voice_agent.responder.replies import COMMON_OPENERS

log = logging.getLogger(__name__)

__all__ = ["TalkOptions", "TalkSession", "run_talk"]


def sounddevice_for(options: TalkOptions) -> Any:
    """The sounddevice module; None in text-only mode when it cannot be loaded."""
    try:
        return load_sounddevice()
    except VoiceAgentError as exc:
        if not options.text_only:
            raise
        log.warning("no sound devices: %s", exc)
        return None


def load_models(pipeline: Pipeline) -> dict[str, float]:
    """Preload every stage and the reply's usual first words; any failure becomes one
    clear message."""
    try:
        loaded = pipeline.load(later=pipeline.comparison_stages())
        loaded["openers"] = pipeline.warm_phrases(COMMON_OPENERS)
        return loaded
    except VoiceAgentError:
        raise
    except Exception as exc:  # a runtime library failing to start: say so, no traceback
        raise VoiceAgentError(f"The models could not be loaded ({type(exc).__name__}: {exc}). "
                              "Check them with: voice-agent models") from exc


def run_talk(options: TalkOptions, config: AgentConfig, pipeline: Pipeline | None = None) -> int:
    """Run the session until the person quits; 0 on a clean exit.

    ``pipeline`` replaces the one built from ``config`` (tests drive the terminal session
    with fake stages this way).
    """
    if pipeline is None:
        from voice_agent.pipeline.build import build_pipeline

        pipeline = build_pipeline(config)
    if config.asr.streaming:
        options = dataclasses.replace(options, stream_asr=True)
    screen = Screen()
    sd = sounddevice_for(options)
    session = TalkSession(pipeline, options, screen, sd)
    session.open_output()
    session.check_input()
    session.redraw()
    loaded = load_models(session.pipeline)
    lang = options.ui_language
    screen.log(t("talk.models_loaded", lang, times=", ".join(
        f"{stage_name(k, lang)} {v:.1f}s" for k, v in loaded.items())))
    for stage, reason in session.pipeline.unavailable.items():
        screen.log(t("talk.not_available", lang, stage=stage_name(stage, lang), reason=reason))
    keys = KeyReader(session.inbox, sys.stdin)
    keys.start()
    try:
        session.start()
        session.run()
    except KeyboardInterrupt:  # Ctrl-C still raises in cbreak mode: leave cleanly
        session.shutdown()
    finally:
        keys.close()
        screen.close()
    return 0
