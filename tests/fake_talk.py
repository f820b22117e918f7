"""Test-only entry: ``voice-agent talk`` with fake stages at a human pace.

``python -m tests.fake_talk --out DIR [talk flags]`` runs the real talk session (devices,
keys, screen, session log) on :func:`tests.fakes.talk_pipeline_at_human_pace`, so a test can
drive it in a terminal; :func:`main` takes another pipeline builder for in-process tests.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from voice_agent.cli import build_parser, config_from_args, guarded, talk_options
from voice_agent.core.config import AgentConfig
from voice_agent.modes.talk import run_talk
from voice_agent.pipeline.turns import Pipeline
from tests.fakes import talk_pipeline_at_human_pace


def main(argv: list[str] | None = None,
         build: Callable[[AgentConfig], Pipeline] = talk_pipeline_at_human_pace) -> int:
    """Parse the ``talk`` flags and run the session on ``build(config)``; the CLI's exit codes."""
    args = build_parser().parse_args(["talk", *(sys.argv[1:] if argv is None else argv)])

    def talk() -> int:
        config = config_from_args(args)
        return run_talk(talk_options(args), config, build(config))

    return guarded(args, talk)


if __name__ == "__main__":
    sys.exit(main())
