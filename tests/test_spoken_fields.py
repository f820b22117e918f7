"""benchmarks/spoken_fields.py: fields read from speech against those read from the text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from voice_agent.core.audio import write_wav
from voice_agent.core.types import Audio, Transcript

from tests.bench_scripts import load_benchmark

tool = load_benchmark("spoken_fields")


class HeardAs:
    """A recogniser that hears each request as a given transcript (a fake for tests)."""

    def __init__(self, *heard: tuple[str, str]) -> None:
        self.heard = list(heard)  # (text, language) per request, in order

    def transcribe(self, audio, language=None):
        return Transcript(*self.heard.pop(0))


def _request(tmp_path: Path, text: str, language: str) -> dict[str, str]:
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.wav"
    write_wav(path, Audio(np.zeros(1600, dtype=np.float32), 16000))
    return {"text": text, "language": language, "file": "x.json", "audio": str(path)}


def test_a_misheard_key_is_a_field_that_disagrees(tmp_path):
    requests = [_request(tmp_path, "now in E flat", "en"),
                _request(tmp_path, "Cambialo a re menor", "es")]
    # "now knee flat" is mended back to "now in E flat"; "arre menos" is not a key at all
    asr = HeardAs(("now knee flat", "en"), ("Cambialo arre menos", "es"))
    rows = [tool.hear(asr, r) for r in requests]
    assert rows[0]["all_agree"] and rows[0]["transcript"] == "now in E flat"
    assert not rows[1]["all_agree"]
    assert rows[1]["agree"]["key"] is False and rows[1]["typed"]["key"] == "D"
    table = tool.summarise(rows)
    assert table["all"]["all_fields"] == 0.5
    assert table["all"]["key_said"] == (2, 0.5)  # two texts name a key, one heard right
    assert table["en"]["command_said"] == (0, None)


def test_the_report_lists_what_was_read_differently(tmp_path):
    rows = [tool.hear(HeardAs(("make it 90 bpm", "en")),
                      _request(tmp_path, "make it 95 bpm", "en"))]
    markdown = tool.write_report(rows, tmp_path / "out", {"started": "now", "asr": "fake",
                                                          "cpu": "test"})
    assert "bpm: 95 -> 90" in markdown
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["groups"]["all"][
        "requests"] == 1


def test_requests_are_those_with_cached_audio(tmp_path):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    turns = [{"text": "a jazz tune", "language": "en"}, {"text": "faster", "language": "en"}]
    (scripts / "a.json").write_text(json.dumps({"conversations": [{"id": "c", "turns": turns}]}))
    audio = tmp_path / "audio"
    audio.mkdir()
    write_wav(tool.audio_path("faster", "en", audio), Audio(np.zeros(160, np.float32), 16000))
    found = tool.requests_with_audio(scripts, [], audio)
    assert [r["text"] for r in found] == ["faster"]
