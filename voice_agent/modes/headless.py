"""Headless mode: one request file (or typed text) in, a folder of results out.

Writes ``turn.json`` always (even when a stage failed), plus ``transcript.txt``,
``reply.txt``, ``music.wav``/``music.mid`` and ``reply_<voice>.wav`` for the stages that
produced something. Files are written as soon as the turn ends, so nothing is lost when
a later step fails.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

from voice_agent.asr.checks import check_has_signal
from voice_agent.core.audio import AudioTooLongError, read_audio
from voice_agent.core.errors import VoiceAgentError
from voice_agent.core.events import (EVENT_SAY, EVENT_SPEECH_CHUNK, EVENT_STAGE_STARTED,
                                     TurnEvent)
from voice_agent.core.types import Audio, Reply, StageError, Transcript, Turn
from voice_agent.pipeline.turns import Pipeline
from voice_agent.responder import StreamingResponder
from voice_agent.responder.replies import compose_music_prompt
from voice_agent.service.compose import ComposeOptions
from voice_agent.responder.reading import RequestReading

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
                audio: Audio | None = None, on_event=None) -> Turn:
    """Run one turn from a request file (or its already checked ``audio``) or typed text;
    an unreadable file becomes an error.

    With ``session``, the turn continues that stored conversation (its earlier turns are
    the history: "faster", "undo", "play version 2") and is kept in it; a new name starts
    one. Without, the turn stands alone.
    """
    if text is not None:
        return _run(pipeline, session, text=text, language=language, request="text",
                    on_event=on_event)
    if audio is None:
        try:
            audio = read_audio(request)
        except VoiceAgentError as exc:
            return pipeline.failed_turn(str(request), StageError("input", exc.kind, str(exc)))
    return _run(pipeline, session, audio=audio, language=language, request=str(request),
                on_event=on_event)


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


class PlanOverrides:
    """A responder whose music plans get fixed overrides (``run --seed/--bpm/...``).

    The same :class:`~voice_agent.service.ComposeOptions` as the Compose tab, applied to
    the plan the responder made, so ``run --seed N`` renders exactly what Compose renders
    for seed N. Everything else is the wrapped responder's.
    """

    def __init__(self, inner: Any, options: ComposeOptions) -> None:
        self.inner = inner
        self.options = options
        self.model_id = getattr(inner, "model_id", type(inner).__name__)

    def load(self) -> None:
        """Load the wrapped responder."""
        self.inner.load()

    def respond(self, transcript: Transcript, history: Sequence[Turn] = (),
                reading: RequestReading | None = None) -> Reply:
        """The wrapped responder's reply, its plan overridden."""
        return self.apply(self.inner.respond(transcript, history, reading))

    def apply(self, reply: Reply) -> Reply:
        """``reply`` with the overrides applied to its plan (and the prompt redone)."""
        if reply.plan is None:
            return reply
        plan = self.options.apply(reply.plan)
        if plan == reply.plan:
            return reply
        return dataclasses.replace(reply, plan=plan, music_prompt=compose_music_prompt(plan))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class StreamingPlanOverrides(PlanOverrides):
    """:class:`PlanOverrides` for a responder that streams its sentences."""

    @property
    def last_first_token_s(self) -> float | None:
        """The wrapped responder's time to its first token."""
        return self.inner.last_first_token_s

    def respond_stream(self, transcript: Transcript, history: Sequence[Turn] = (),
                       on_sentence: Callable[[str], None] | None = None,
                       reading: RequestReading | None = None) -> Reply:
        """The wrapped responder's streamed reply, its plan overridden."""
        return self.apply(self.inner.respond_stream(transcript, history, on_sentence, reading))


def override_plans(pipeline: Pipeline, options: ComposeOptions) -> None:
    """Make every plan of ``pipeline`` carry ``options`` (no-op when none is set)."""
    if options == ComposeOptions():
        return
    wrapper = StreamingPlanOverrides if isinstance(pipeline.responder, StreamingResponder) \
        else PlanOverrides
    pipeline.responder = wrapper(pipeline.responder, options)
