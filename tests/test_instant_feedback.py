"""`voice-agent run` checks its input before any model loads, and says what it is doing.

The real CLI runs in a subprocess with -v; "loading models" is logged (and printed)
right before the first model loads, so its absence proves the check came first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from voice_agent.core.audio import Audio, write_wav
from voice_agent.core.events import EVENT_SAY, EVENT_STAGE_STARTED, TurnEvent
from voice_agent.modes.headless import ProgressLines
from tests.conftest import REQUESTS

ROOT = Path(__file__).resolve().parents[1]
MARKER = "loading models"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "voice_agent.cli", "run", *args, "-v"],
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


def _fails_before_loading(path: Path, out: Path, message: str) -> None:
    result = _run(str(path), "--out", str(out))
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert MARKER not in result.stderr
    record = json.loads((out / "turn.json").read_text())
    assert record["errors"][0]["stage"] == "input"


def test_missing_file_fails_before_any_model_loads(tmp_path):
    _fails_before_loading(tmp_path / "nowhere.wav", tmp_path / "o", "not found")


def test_corrupt_file_fails_before_any_model_loads(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00garbage" * 64)
    _fails_before_loading(bad, tmp_path / "o", "decode")


def test_silent_file_fails_before_any_model_loads(tmp_path):
    silent = tmp_path / "silent.wav"
    write_wav(silent, Audio(np.zeros(32000, dtype=np.float32), 16000))
    _fails_before_loading(silent, tmp_path / "o", "silent")


def test_too_long_file_fails_before_any_model_loads(tmp_path):
    long = tmp_path / "long.wav"
    tone = 0.1 * np.sin(np.arange(8000 * 61) * 0.05).astype(np.float32)
    write_wav(long, Audio(tone, 8000))
    _fails_before_loading(long, tmp_path / "o", "limit")


def test_a_good_file_goes_on_to_load_models(tmp_path):
    """The control: with a readable request the marker does appear (the ASR weights named
    here do not exist, so the run stops right after it)."""
    result = _run(str(REQUESTS / "example_en.wav"), "--out", str(tmp_path),
                  "--asr-model", str(tmp_path / "no-such-weights"), "--llm-backend", "rules",
                  "--music-backend", "none", "--no-speech")
    assert MARKER in result.stderr, result.stderr
    assert result.returncode != 0


def test_progress_lines_one_per_stage_in_order():
    lines: list[str] = []
    progress = ProgressLines(lines.append)
    for kind, stage in ((EVENT_STAGE_STARTED, "asr"), (EVENT_STAGE_STARTED, "llm"),
                        (EVENT_SAY, "llm"), (EVENT_SAY, "llm"), (EVENT_STAGE_STARTED, "music"),
                        (EVENT_STAGE_STARTED, "tts_base")):
        progress(TurnEvent(kind, stage=stage, elapsed_s=0.5))
    assert [line.split(" (")[0] for line in lines] == [
        "listening…", "thinking…", "speaking…", "composing…"]
