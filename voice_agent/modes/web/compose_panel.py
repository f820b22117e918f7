"""The Compose tab's melody input and music-engine chooser ("hum a tune, get it as a
bossa nova"), kept beside app.py so the tab there changes by a few lines.

The melody is an upload or a microphone recording; as soon as it is given, what was
heard in it is shown ("Heard: 12 notes, A minor, 96 bpm"), or why no tune was heard. It
goes to the same service operation as ``POST /api/audio/generate``'s ``melody``
(:meth:`AgentService.decode_melody`, then ``compose(melody=...)``). The engine chooser
appears only when the service has more than one music engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from voice_agent.core.errors import NoMelodyError
from voice_agent.core.types import Audio
from voice_agent.music.melody import MelodyHeard
from voice_agent.modes.ui_text import t
from voice_agent.modes.web.common import failure_message, message, uploaded
from voice_agent.service import AgentService

#: Spanish names of the keys, as a person says them ("la menor").
SOLFEGE = {"C": "Do", "C#": "Do#", "D": "Re", "Eb": "Mi♭", "E": "Mi", "F": "Fa", "F#": "Fa#",
           "G": "Sol", "Ab": "La♭", "A": "La", "Bb": "Si♭", "B": "Si"}


@dataclass(frozen=True)
class ComposeExtras:
    """The components this module adds to the Compose tab."""

    melody: gr.Audio
    heard: gr.Markdown
    engine: gr.Radio


def engine_choices(service: AgentService, lang: str) -> list[tuple[str, str]]:
    """(label, name) for each music engine, the default first."""
    pipeline = service.pipeline
    choices = []
    for name in pipeline.music_engines():
        if name == "composer":
            label = t("compose.engine.composer", lang)
        elif name == "musicgen":
            renderer = pipeline.renderer_for(name)
            label = t("compose.engine.musicgen", lang,
                      model=renderer.model_id.removeprefix("musicgen:"))
        else:
            label = name
        choices.append((label, name))
    return choices


def melody_inputs(service: AgentService, lang: str) -> ComposeExtras:
    """The melody input, the line saying what was heard in it, and the engine chooser
    (shown only when there is a choice)."""
    melody = gr.Audio(sources=["upload", "microphone"], type="filepath",
                      label=t("compose.melody", lang), elem_id="compose-melody")
    heard = gr.Markdown(elem_id="compose-melody-heard")
    choices = engine_choices(service, lang)
    engine = gr.Radio(choices, value=choices[0][1] if choices else None,
                      label=t("compose.engine", lang), elem_id="compose-engine",
                      visible=len(choices) > 1)
    melody.change(lambda path: melody_status(service, path, lang), melody, heard,
                  api_name=False)
    return ComposeExtras(melody, heard, engine)


def read_melody(service: AgentService, path: str | None) -> Audio | None:
    """The uploaded or recorded melody, checked (None when there is none)."""
    if not path:
        return None
    upload = uploaded(path)
    service.check_size(upload.stat().st_size, "melody")
    return service.decode_melody(upload.read_bytes(), upload.name)


def heard_words(heard: MelodyHeard, lang: str) -> dict[str, object]:
    """The figures of ``heard`` in the interface language (key names, major/minor)."""
    key = SOLFEGE.get(heard.tonic, heard.tonic) if lang == "es" else heard.tonic
    return {"notes": heard.notes, "key": key, "mode": t(f"music.{heard.mode}", lang),
            "bpm": heard.bpm}


def melody_problem(exc: Exception, lang: str, upload: str | None = None) -> str:
    """The page's words for a melody that cannot be used."""
    if isinstance(exc, NoMelodyError):
        reason = exc.reason if exc.reason in ("short", "silent") else "no_tune"
        return message(t(f"compose.melody_{reason}", lang, seconds=exc.seconds), "error", lang)
    text = failure_message(exc, lang)
    return text.replace(str(upload), Path(upload).name) if upload else text


def melody_status(service: AgentService, path: str | None, lang: str) -> str:
    """What was heard in a new melody, or why it cannot be used ("" when cleared)."""
    if not path:
        return ""
    try:
        melody = read_melody(service, path)
        heard = service.hear_melody(melody)
    except Exception as exc:  # noqa: BLE001 - shown on the page
        return melody_problem(exc, lang, path)
    return message(t("compose.melody_heard", lang, **heard_words(heard, lang)), "info", lang)


def melody_used(heard: MelodyHeard | None, lang: str) -> str:
    """A sentence for the status line when the clip follows a melody ("" otherwise)."""
    return " " + t("compose.melody_used", lang, **heard_words(heard, lang)) if heard else ""
