"""The web Talk tab with the real models, without a browser: when can the page play what?

Usage (from the repo root, after scripts/setup.sh):

    .venv/bin/python benchmarks/web_talk_bench.py

Runs spoken requests through ``WebActions.talk`` (what the Send button calls) and prints,
per request, the seconds from Send until the page gets the cloned reply and the music
to play, and until the turn is done (base voice, scoring and storing included).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from voice_agent.core.config import AgentConfig  # noqa: E402
from voice_agent.modes.web.app import WebActions  # noqa: E402
from voice_agent.service import build_service  # noqa: E402


def time_request(actions: WebActions, request: Path) -> dict[str, float]:
    """Seconds from Send until each player is filled, and until the turn is done."""
    start = time.perf_counter()
    marks: dict[str, float] = {}
    for update in actions.talk(str(request), "default", "auto", None):
        for player in ("cloned", "music"):
            if update.get(player) is not None and player not in marks:
                marks[player] = round(time.perf_counter() - start, 2)
    marks["done"] = round(time.perf_counter() - start, 2)
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", nargs="+", default=["en01", "es01", "en02", "es02"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        service = build_service(AgentConfig(), Path(folder) / "server")
        service.load()
        actions = WebActions(service, Path(folder) / "bench")
        for name in args.requests:
            print(name, time_request(actions, HERE / "requests" / f"{name}.wav"), flush=True)


if __name__ == "__main__":
    main()
