"""``voice-agent talk``: the push-to-talk desktop session (see :mod:`.app`)."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any

from voice_agent.core.config import AgentConfig
from voice_agent.core.errors import VoiceAgentError
from voice_agent.modes.talk.app import TalkOptions, TalkSession
from voice_agent.modes.talk.devices import load_sounddevice
from voice_agent.modes.talk.terminal import KeyReader, Screen
from voice_agent.pipeline.turns import Pipeline
from voice_agent.responder.replies import COMMON_OPENERS

log = logging.getLogger(__name__)

#: Test/dev tooling: "module:function" building the pipeline from the config instead of
#: the real factory, so the terminal session can be driven end to end with fake stages.
PIPELINE_HOOK = "VOICE_AGENT_TALK_PIPELINE"

__all__ = ["TalkOptions", "TalkSession", "run_talk"]


def make_pipeline(config: AgentConfig) -> Pipeline:
    """The configured pipeline (or the one the test hook names)."""
    hook = os.environ.get(PIPELINE_HOOK)
    if not hook:
        from voice_agent.pipeline.build import build_pipeline

        return build_pipeline(config)
    module, _, function = hook.partition(":")
    return getattr(importlib.import_module(module), function)(config)


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
        loaded = pipeline.load()
        loaded["openers"] = pipeline.warm_phrases(COMMON_OPENERS)
        return loaded
    except VoiceAgentError:
        raise
    except Exception as exc:  # a runtime library failing to start: say so, no traceback
        raise VoiceAgentError(f"The models could not be loaded ({type(exc).__name__}: {exc}). "
                              "Check them with: voice-agent models") from exc


def run_talk(options: TalkOptions, config: AgentConfig) -> int:
    """Run the session until the person quits; 0 on a clean exit."""
    screen = Screen()
    sd = sounddevice_for(options)
    session = TalkSession(make_pipeline(config), options, screen, sd)
    session.open_output()
    session.check_input()
    session.redraw()
    loaded = load_models(session.pipeline)
    screen.log("models loaded: " + ", ".join(f"{k} {v:.1f}s" for k, v in loaded.items()))
    for stage, reason in session.pipeline.unavailable.items():
        screen.log(f"not available: {stage}: {reason}")
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
