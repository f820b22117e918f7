"""Caption files and folders into a JSON-lines dataset, resumably, one bad file at a time.

Each line is one audio file (schema in docs/workshop.md)::

    {"audio": "/abs/path.wav", "caption": "...", "caption_source": "llm"|"template",
     "language": "en", "features": {...measured..., "clap_tags": {...}}, "error": null}

A file that cannot be read or measured gets a line with ``caption`` and ``features`` null
and ``error`` saying why; the batch goes on. Files already in the output (by absolute path,
with or without an error) are skipped, so a run stopped halfway resumes where it stopped;
delete a file's line to redo it. Lines are flushed one by one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_agent.core.audio import read_audio
from voice_agent.core.errors import VoiceAgentError
from voice_agent.core.plan import MOOD_WORDS
from voice_agent.core.vocabulary import INSTRUMENTS, STYLES
from voice_agent.music.describe import AudioFeatures, measure
from voice_agent.workshop.caption import Captioner
from voice_agent.workshop.judge import Tags

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus", ".aiff",
                            ".aif", ".wma", ".webm"})
#: the longest stretch of a file measured (a song's first few minutes say enough)
MAX_SECONDS = 600.0
GENRE_LABELS = tuple(style.genre for style in STYLES)
MOOD_LABELS = tuple(MOOD_WORDS)
INSTRUMENT_LABELS = tuple(name for name in INSTRUMENTS if name != "fiddle") + ("vocals",)
TOP_TAGS = 3


class WorkshopError(VoiceAgentError):
    """A caption run that cannot start (no audio found, an unwritable output)."""

    kind = "workshop"


@dataclass(frozen=True)
class BatchSummary:
    """What one run did: files found, skipped as already done, captioned, failed."""

    found: int
    skipped: int
    captioned: int
    failed: int
    out: Path


def audio_files(paths: Iterable[str | Path]) -> list[Path]:
    """The audio files among ``paths`` and inside the folders among them, sorted, absolute."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if path.is_dir():
            found += sorted(p for p in path.rglob("*")
                            if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
        elif path.exists() or path.suffix.lower() in AUDIO_SUFFIXES:
            found.append(path)  # a named file is tried even with an odd suffix
        else:
            raise WorkshopError(f"No such file or folder: {raw}")
    return list(dict.fromkeys(found))


def done_paths(out: Path) -> set[str]:
    """The ``audio`` of every complete line already in ``out`` (a torn last line is not)."""
    if not out.is_file():
        return set()
    done = set()
    for line in out.read_text(encoding="utf-8").splitlines():
        try:
            done.add(json.loads(line)["audio"])
        except (ValueError, KeyError, TypeError):
            continue
    return done


def caption_file(path: Path, captioner: Captioner, clap: Any = None) -> dict[str, Any]:
    """One dataset row for ``path``; a failure becomes the row's ``error``."""
    row: dict[str, Any] = {"audio": str(path), "caption": None, "caption_source": None,
                           "language": captioner.language, "features": None, "error": None}
    try:
        audio = read_audio(path, max_s=None)
        if audio.duration_s > MAX_SECONDS:
            from voice_agent.core.types import Audio

            audio = Audio(audio.samples[: int(MAX_SECONDS * audio.rate)], audio.rate)
        features = measure(audio)
        tags, clap_tags = _clap_tags(clap, audio)
        caption = captioner.caption(features, tags)
    except (VoiceAgentError, ValueError, RuntimeError, OSError) as exc:
        row["error"] = f"{type(exc).__name__}: {exc}"
        return row
    row.update(caption=caption.text, caption_source=caption.source,
               features={**features.as_dict(), **clap_tags})
    if caption.rejected:
        row["rejected"] = {"model_caption": caption.model_caption,
                           "reasons": list(caption.rejected)}
    return row


def _clap_tags(clap: Any, audio) -> tuple[Tags, dict[str, Any]]:
    """Zero-shot genre, mood and instrument tags, for the judge and for the row."""
    if clap is None:
        return Tags(), {}
    embedding = clap.audio_embedding(audio)
    found = {name: clap.tags(audio, labels, template, TOP_TAGS, embedding)
             for name, labels, template in (("genre", GENRE_LABELS, "a {} song"),
                                            ("mood", MOOD_LABELS, "{} music"),
                                            ("instruments", INSTRUMENT_LABELS,
                                             "music with {}"))}
    tags = Tags(*(tuple(t.label for t in found[name]) for name in ("genre", "mood",
                                                                   "instruments")))
    shown = {name: [{"label": t.label, "probability": round(t.probability, 4)}
                    for t in found[name]] for name in found}
    return tags, {"clap_tags": shown, "clap_model": clap.model_id}


def caption_batch(paths: Iterable[str | Path], out: str | Path, captioner: Captioner,
                  clap: Any = None,
                  progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None
                  ) -> BatchSummary:
    """Caption every audio file under ``paths`` not yet in ``out``, appending to it.

    ``progress`` wraps the list of files to do (a tqdm bar, Gradio's progress).
    """
    out = Path(out)
    files = audio_files(paths)
    if not files:
        raise WorkshopError("No audio files found (looked for "
                            + ", ".join(sorted(AUDIO_SUFFIXES)) + ").")
    done = done_paths(out)
    todo = [f for f in files if str(f) not in done]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _end_torn_line(out)
        handle = out.open("a", encoding="utf-8")
    except OSError as exc:
        raise WorkshopError(f"Cannot write the dataset to {out}: {exc}") from None
    captioned = failed = 0
    with handle:
        for path in (progress(todo) if progress else todo):
            row = caption_file(path, captioner, clap)
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()
            failed += row["error"] is not None
            captioned += row["error"] is None
    return BatchSummary(len(files), len(files) - len(todo), captioned, failed, out)


def _end_torn_line(out: Path) -> None:
    """A run killed mid-line left no newline: start the next row on a line of its own."""
    if out.is_file() and out.stat().st_size:
        with out.open("rb") as handle:
            handle.seek(-1, 2)
            if handle.read(1) != b"\n":
                with out.open("a", encoding="utf-8") as append:
                    append.write("\n")


def features_from_row(row: dict[str, Any]) -> AudioFeatures:
    """The measured features of a dataset row, back as :class:`AudioFeatures`."""
    known = set(AudioFeatures.__dataclass_fields__)
    values = {k: v for k, v in row["features"].items() if k in known}
    values["notes"] = tuple(values.get("notes", ()))
    return AudioFeatures(**values)
