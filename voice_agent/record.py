"""The turn record: one JSON object per turn, the same in every mode."""

from __future__ import annotations

import dataclasses
import platform
from importlib import metadata
from typing import Any

from voice_agent import __version__
from voice_agent.replies import plan_to_dict
from voice_agent.types import Turn

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
