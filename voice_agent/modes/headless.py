"""Headless mode: one request file (or typed text) in, a folder of results out.

Writes ``turn.json`` always (even when a stage failed), plus ``transcript.txt``,
``reply.txt``, ``music.wav``/``music.mid`` and ``reply_<voice>.wav`` for the stages that
produced something. Files are written as soon as the turn ends, so nothing is lost when
a later step fails.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from voice_agent.audio import read_audio, write_wav
from voice_agent.errors import VoiceAgentError
from voice_agent.pipeline import Pipeline
from voice_agent.record import turn_record
from voice_agent.types import StageError, Turn

log = logging.getLogger(__name__)


def run_request(pipeline: Pipeline, request: str | None, text: str | None,
                language: str | None) -> Turn:
    """Run one turn from a request file or typed text; an unreadable file becomes an error."""
    if text is not None:
        return pipeline.run(text=text, language=language, request="text")
    try:
        audio = read_audio(request)
    except VoiceAgentError as exc:
        return pipeline.failed_turn(str(request), StageError("input", exc.kind, str(exc)))
    return pipeline.run(audio=audio, language=language, request=str(request))


def compare_voices(turn: Turn, comparer, transcriber) -> dict[str, Any]:
    """Similarity and round-trip WER of each spoken voice (see voice_agent.voice.compare)."""
    if not turn.speech or turn.reply is None:
        return {}
    scores = {}
    for spoken in turn.speech:
        score = comparer.score(spoken, turn.reply.say, transcriber)
        scores[spoken.voice] = {"similarity": round(score.similarity, 4),
                                "round_trip_wer": round(score.round_trip_wer, 4),
                                "heard": score.heard}
    return {**comparer.describe(), "voices": scores}


def write_outputs(turn: Turn, out_dir: str | Path,
                  comparison: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the turn's files and ``turn.json`` into ``out_dir``; return the record."""
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
    (out / "turn.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return record


def _write_lyrics(turn: Turn, out: Path) -> dict[str, str]:
    """``lyrics.txt`` and, when the lyrics were spoken over the music, ``lyrics_voice.wav``."""
    files = {}
    if turn.reply is not None and turn.reply.lyrics is not None:
        (out / "lyrics.txt").write_text(turn.reply.lyrics.text() + "\n", encoding="utf-8")
        files["lyrics"] = "lyrics.txt"
    mix = getattr(turn.library, "lyrics_audio", None)
    if mix is not None:
        files["lyrics_voice"] = write_wav(out / "lyrics_voice.wav", mix).name
    return files


def summary(record: dict[str, Any]) -> str:
    """A few human-readable lines about a turn record."""
    lines = []
    if record["transcript"]:
        t = record["transcript"]
        lines.append(f"heard ({t['language']}): {t['text']}")
    if record["reply"]:
        r = record["reply"]
        lines.append(f"reply: {r['say']}")
        if r["music_prompt"]:
            lines.append(f"music prompt: {r['music_prompt']}")
        if r["source"] != "llm":
            lines.append(f"(reply from the {r['source']} parser{': ' + r['note'] if r['note'] else ''})")
    lines += _library_lines(record)
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in record["timings"].items())
    lines.append(f"timings: {timings}")
    latency = record.get("latency") or {}
    if "first_audio" in latency:
        ready = latency.get("music_ready")
        lines.append(f"from the end of speech: first reply audio {latency['first_audio']:.2f}s"
                     + (f", music ready {ready:.2f}s" if ready is not None else ""))
    lines += [f"not run: {s['stage']}: {s['reason']}" for s in record["not_run"]
              if s["stage"] != "asr" or record["request"] != "text"]
    for voice, score in record.get("voice_comparison", {}).get("voices", {}).items():
        lines.append(f"{voice} voice: similarity {score['similarity']:.3f} to "
                     f"{record['voice_comparison']['reference']}, "
                     f"round-trip WER {score['round_trip_wer']:.2f}")
    lines += [f"ERROR in {e['stage']}: {e['message']}" for e in record["errors"]]
    return "\n".join(lines)


def _library_lines(record: dict[str, Any]) -> list[str]:
    """What the library did, and the lyrics when some were written."""
    lines = []
    library = record.get("library") or {}
    if library.get("stored_clip_id") is not None:
        lines.append(f"library: stored as clip {library['stored_clip_id']}")
    for entry in library.get("entries") or ():
        lines.append(f"  {entry['number']}. {entry['clip']['title']} "
                     f"(clip {entry['clip']['clip_id']}, {entry['clip']['duration_s']:.1f} s)")
    lyrics = (record.get("reply") or {}).get("lyrics")
    if lyrics:
        from voice_agent.types import Lyrics

        lines.append(f"lyrics ({lyrics['source']}):")
        lines += ["  " + line for line in Lyrics.from_dict(lyrics).text().splitlines()]
    return lines
