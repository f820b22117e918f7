"""The push-to-talk session as a person uses it: real models, a virtual microphone.

Usage (from the repo root, after scripts/setup.sh):

    .venv/bin/python benchmarks/talk_session_bench.py --requests en01 es01 en03 es03

Starts ``voice-agent talk`` in tmux on a private PulseAudio server (tests/talk_harness.py),
says each request into the virtual microphone, presses space to send, and measures:
the wall-clock seconds from that key press until the state line shows ``[speaking]``
(the reply is coming out of the speaker) and ``[playing music]``; the turn's own latency
marks from session.jsonl (end of recording -> first synthesised audio, music ready); and
the per-stage seconds. The model load time is read off the screen.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.talk_harness import SoundServer, Terminal, start_talk  # noqa: E402

REQUESTS = HERE / "requests"


def seconds_until(terminal: Terminal, text: str, since: float, timeout: float = 300) -> float:
    """Seconds from ``since`` until ``text`` is on the state line (polled every 50 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in terminal.state_line():
            return time.monotonic() - since
        time.sleep(0.05)
    raise TimeoutError(f"{text} never showed:\n{terminal.screen()}")


def one_turn(terminal: Terminal, server: SoundServer, wav: Path, turns_done: int) -> dict:
    """Say one request and time what the person sees and hears."""
    terminal.keys("Space")
    terminal.wait_for("dBFS")
    server.speak_into_mic(wav)
    time.sleep(1.0)  # the tail of the request is still in the sound server's buffer
    sent = time.monotonic()
    terminal.keys("Space")
    speaking = seconds_until(terminal, "[speaking]", sent)
    music = seconds_until(terminal, "[playing music]", sent)
    terminal.wait_for("saved in turn_", count=turns_done + 1, timeout=300)
    terminal.keys("s")
    terminal.wait_for("[ready]")
    return {"request": wav.stem, "send_to_speaking_s": round(speaking, 2),
            "send_to_music_s": round(music, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", nargs="+", default=["en01", "es01", "en03", "es03"])
    parser.add_argument("--out", default=str(HERE / "results" / "talk_session.json"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="talk-bench-"))
    server = SoundServer(work / "pulse")
    terminal = start_talk(server, work / "sessions", {})
    try:
        screen = terminal.wait_for("[ready]", timeout=600)
        loaded = next(line for line in screen.splitlines() if line.startswith("models loaded"))
        turns = [one_turn(terminal, server, REQUESTS / f"{name}.wav", i)
                 for i, name in enumerate(args.requests)]
        terminal.keys("q")
        terminal.wait_for("EXITED 0", timeout=60)
    finally:
        terminal.close()
        server.stop()
    [folder] = list((work / "sessions").iterdir())
    records = [json.loads(line) for line in (folder / "session.jsonl").read_text().splitlines()]
    for turn, record in zip(turns, records):
        turn.update(heard=record["transcript"]["text"] if record["transcript"] else None,
                    latency=record["latency"], timings=record["timings"], errors=record["errors"])
    result = {"models_loaded": loaded, "turns": turns,
              "median_send_to_speaking_s": round(statistics.median(
                  t["send_to_speaking_s"] for t in turns), 2),
              "median_send_to_music_s": round(statistics.median(
                  t["send_to_music_s"] for t in turns), 2),
              "session_folder": str(folder)}
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
