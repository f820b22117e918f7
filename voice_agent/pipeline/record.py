"""The turn record: one JSON object per turn, the same in every mode."""

from __future__ import annotations

import dataclasses
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from voice_agent import __version__
from voice_agent.core.plan import plan_to_dict
from voice_agent.core.audio import write_wav
from voice_agent.core.types import Turn

_VERSIONED = ("faster-whisper", "ctranslate2", "llama-cpp-python", "openai-whisper",
              "transformers", "torch", "pyfluidsynth", "pretty-midi", "kokoro-onnx",
              "piper-tts", "onnxruntime")


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape results, for comparing runs."""
    versions = {"voice_agent": __version__, "python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _transcript(turn: Turn) -> dict[str, Any] | None:
    if turn.transcript is None:
        return None
    data = dataclasses.asdict(turn.transcript)
    data["segments"] = list(data["segments"])
    data["alternatives"] = list(data["alternatives"])
    return data


def _library(turn: Turn, files: dict[str, str]) -> dict[str, Any] | None:
    """What the clip library did this turn (voice_agent.library.LibraryAction), if anything."""
    if turn.library is None:
        return None
    data = turn.library.to_dict()
    data["lyrics_audio_file"] = files.get("lyrics_voice")
    return data


def turn_record(turn: Turn, files: dict[str, str] | None = None) -> dict[str, Any]:
    """A JSON-ready dict of ``turn``; ``files`` maps output names to written file names."""
    files = files or {}
    reply = turn.reply
    return {
        "turn_id": turn.turn_id,
        "created_at": turn.created_at,
        "cancelled": turn.cancelled,
        "request": turn.request,
        "transcript": _transcript(turn),
        "reply": None if reply is None else {
            "say": reply.say,
            "music_prompt": reply.music_prompt,
            "intent": reply.intent.value,
            "plan": plan_to_dict(reply.plan) if reply.plan else None,
            "language": reply.language,
            "source": reply.source,
            "note": reply.note,
            "playlist": reply.playlist,
            "item": reply.item,
            "lyrics": reply.lyrics.to_dict() if reply.lyrics else None,
        },
        "music": None if turn.music is None else {
            "backend": turn.music.backend,
            "duration_s": round(turn.music.audio.duration_s, 3),
            "sample_rate": turn.music.audio.rate,
            "file": files.get("music"),
            "midi_file": files.get("music_midi"),
            "library_clip_id": turn.music.library_clip_id,
            "score": turn.music.score.as_dict() if turn.music.score else None,
        },
        "speech": {s.voice: {
            "backend": s.backend,
            "file": files.get(f"reply_{s.voice}"),
            "duration_s": round(s.audio.duration_s, 3),
            "synth_s": round(s.synth_s, 4),
            "first_audio_s": round(s.first_audio_s, 4),
            "rtf": round(s.rtf, 4),
        } for s in turn.speech},
        "timings": {t.stage: round(t.seconds, 4) for t in turn.timings},
        "latency": dict(turn.latency),
        "errors": [dataclasses.asdict(e) for e in turn.errors],
        "not_run": [{"stage": s.stage, "reason": s.message} for s in turn.skipped],
        "models": dict(turn.models),
        "library": _library(turn, files),
        "versions": library_versions(),
    }


def compare_voices(turn: Turn, comparer, transcriber) -> dict[str, Any]:
    """Similarity and round-trip WER of each spoken voice (see voice_agent.speech.compare)."""
    if not turn.speech or turn.reply is None:
        return {}
    scores = {}
    for spoken in turn.speech:
        score = comparer.score(spoken, turn.reply.say, transcriber)
        scores[spoken.voice] = {"similarity": round(score.similarity, 4),
                                "round_trip_wer": round(score.round_trip_wer, 4),
                                "heard": score.heard}
    return {**comparer.describe(), "voices": scores}


def write_outputs(turn: Turn, out_dir: str | Path, comparison: dict[str, Any] | None = None,
                  request_id: str | None = None) -> dict[str, Any]:
    """Write the turn's files and ``turn.json`` (once) into ``out_dir``; return the record.

    ``request_id`` names the service request the turn answered, when there is one.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    if turn.transcript is not None:
        (out / "transcript.txt").write_text(turn.transcript.text + "\n", encoding="utf-8")
        files["transcript"] = "transcript.txt"
    if turn.reply is not None:
        (out / "reply.txt").write_text(turn.reply.say + "\n", encoding="utf-8")
        files["reply"] = "reply.txt"
    if turn.music is not None:
        files["music"] = write_wav(out / "music.wav", turn.music.audio).name
        if turn.music.midi:
            (out / "music.mid").write_bytes(turn.music.midi)
            files["music_midi"] = "music.mid"
    for spoken in turn.speech:
        name = f"reply_{spoken.voice}"
        files[name] = write_wav(out / f"{name}.wav", spoken.audio).name
    files.update(_write_lyrics(turn, out))
    record = turn_record(turn, files)
    if comparison:
        record["voice_comparison"] = comparison
    if request_id is not None:
        record["request_id"] = request_id
    (out / "turn.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return record


def _write_lyrics(turn: Turn, out: Path) -> dict[str, str]:
    """``lyrics.txt`` and, when the lyrics were spoken over the music, ``lyrics_voice.wav``."""
    files = {}
    if turn.reply is not None and turn.reply.lyrics is not None:
        (out / "lyrics.txt").write_text(turn.reply.lyrics.text() + "\n", encoding="utf-8")
        files["lyrics"] = "lyrics.txt"
    mix = turn.library.lyrics_audio if turn.library is not None else None
    if mix is not None:
        files["lyrics_voice"] = write_wav(out / "lyrics_voice.wav", mix).name
    return files
