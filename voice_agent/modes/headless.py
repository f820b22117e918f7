"""Headless mode: one request file (or typed text) in, a folder of results out.

Writes ``turn.json`` always (even when a stage failed), plus ``transcript.txt``,
``reply.txt``, ``music.wav``/``music.mid`` and ``reply_<voice>.wav`` for the stages that
produced something. Files are written as soon as the turn ends, so nothing is lost when
a later step fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from voice_agent.asr.checks import check_has_signal
from voice_agent.core.audio import AudioTooLongError, read_audio
from voice_agent.core.errors import VoiceAgentError
from voice_agent.core.events import (EVENT_SAY, EVENT_SPEECH_CHUNK, EVENT_STAGE_STARTED,
                                     TurnEvent)
from voice_agent.core.types import Audio, MusicPlan, StageError, Turn
from voice_agent.pipeline.turns import Pipeline
from voice_agent.service.compose import ComposeOptions

log = logging.getLogger(__name__)

#: the longest request ``run`` accepts (the web app and the API allow the same)
MAX_REQUEST_S = 60.0

#: stage -> the progress line ``run`` prints when it starts
STAGE_LINES = {"asr": "listening…", "llm": "thinking…", "music": "composing…"}


def check_request(path: str, max_seconds: float = MAX_REQUEST_S) -> Audio:
    """Read and check a request file before any model loads: it exists, decodes, holds
    sound and is not too long. Raises AudioInputError/NoSpeechError with one clear line.

    The length is read from the file's header first: a small compressed file can hold
    hours (and recognition takes about a minute per minute), so an over-long one is
    refused before it is decoded, and decoding stops at the limit whatever the header says.
    """
    try:
        audio = read_audio(path, max_s=max_seconds)
    except AudioTooLongError as exc:
        raise AudioTooLongError(f"{exc} Trim it to the request itself, or raise the limit "
                                "with --max-audio-s.") from None
    check_has_signal(audio)
    return audio


class ProgressLines:
    """Turns pipeline events into one progress line per stage, each printed once.

    ``write`` gets each line (the CLI prints it to stderr); speaking is announced at the
    first reply sentence or speech chunk, whichever comes first.
    """

    def __init__(self, write) -> None:
        self.write = write
        self.said: set[str] = set()

    def __call__(self, event: TurnEvent) -> None:
        line = None
        if event.kind == EVENT_STAGE_STARTED:
            line = STAGE_LINES.get(event.stage)
        elif event.kind in (EVENT_SAY, EVENT_SPEECH_CHUNK):
            line = "speaking…"
        if line and line not in self.said:
            self.said.add(line)
            self.write(f"{line} ({event.elapsed_s:.1f} s)" if line != "listening…" else line)


def run_request(pipeline: Pipeline, request: str | None, text: str | None,
                language: str | None, session: str | None = None,
                audio: Audio | None = None, on_event=None,
                adjust: Callable[[MusicPlan], MusicPlan] | None = None) -> Turn:
    """Run one turn from a request file (or its already checked ``audio``) or typed text;
    an unreadable file becomes an error.

    With ``session``, the turn continues that stored conversation (its earlier turns are
    the history: "faster", "undo", "play version 2") and is kept in it; a new name starts
    one. Without, the turn stands alone. ``adjust`` changes the reply's plan before it
    renders (see :func:`plan_adjuster`).
    """
    if text is not None:
        return _run(pipeline, session, text=text, language=language, request="text",
                    on_event=on_event, adjust=adjust)
    if audio is None:
        try:
            audio = read_audio(request)
        except VoiceAgentError as exc:
            return pipeline.failed_turn(str(request), StageError("input", exc.kind, str(exc)))
    return _run(pipeline, session, audio=audio, language=language, request=str(request),
                on_event=on_event, adjust=adjust)


def _run(pipeline: Pipeline, session: str | None, **run: Any) -> Turn:
    if not session:
        return pipeline.run(**run)
    from voice_agent.service.sessions import run_in_session

    return run_in_session(pipeline, session, **run)


def _score_lines(record: dict[str, Any]) -> list[str]:
    """The clip's score, named by its scorer (a CLAP score is only ever called one)."""
    score = (record.get("music") or {}).get("score")
    if not score:
        return []
    if score["scorer"] == "clap":
        line = f"clap score: {score['clap_score']:.3f} ({score['model']})"
    else:
        line = f"adherence score: {score['adherence_score']:.2f} (measured from the audio; not CLAP)"
    if score.get("best_of"):
        line += f"; best of {score['best_of']}, kept seed {score['seed']}"
    return [line]


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
    lines += _score_lines(record)
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
    if library.get("session") and library.get("version") is not None:
        lines.append(f"version {library['version']} of session {library['session']}")
    for entry in library.get("entries") or ():
        lines.append(f"  {entry['number']}. {entry['clip']['title']} "
                     f"(clip {entry['clip']['clip_id']}, {entry['clip']['duration_s']:.1f} s)")
    lyrics = (record.get("reply") or {}).get("lyrics")
    if lyrics:
        from voice_agent.core.types import Lyrics

        lines.append(f"lyrics ({lyrics['source']}):")
        lines += ["  " + line for line in Lyrics.from_dict(lyrics).text().splitlines()]
    return lines


def plan_adjuster(options: ComposeOptions) -> Callable[[MusicPlan], MusicPlan] | None:
    """``run --seed/--bpm/...`` as ``Pipeline.run``'s ``adjust`` (None when none is set).

    The same :class:`~voice_agent.service.ComposeOptions` as the Compose tab, applied to
    the reply's plan before it renders, so ``run --seed N`` renders exactly what Compose
    renders for seed N.
    """
    return None if options == ComposeOptions() else options.apply
