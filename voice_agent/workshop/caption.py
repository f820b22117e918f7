"""One-sentence MusicGen-style captions from measured features.

The local language model (any :class:`~voice_agent.responder.protocol.JsonCompleter`: the
llama.cpp responder's model by default) is given the measurements as facts and answers
``{"caption": "..."}`` under a JSON schema. The judge (:mod:`voice_agent.workshop.judge`)
checks the answer; when it names anything the features do not support, or the model is
absent or fails, the caption is the template's, stated from the features alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voice_agent.core.errors import VoiceAgentError
from voice_agent.music.describe import AudioFeatures
from voice_agent.responder.replies import key_words
from voice_agent.workshop.judge import Tags, check_caption, missing_facts
from voice_agent.workshop.words import chosen, word

log = logging.getLogger(__name__)

CAPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"caption": {"type": "string", "minLength": 20, "maxLength": 240}},
    "required": ["caption"],
}
MAX_TOKENS = 80
_SYSTEM = {
    "en": "You write one-sentence captions of music clips for training a text-to-music "
          "model, in the style of MusicGen prompts. Use only the facts given. Never name a "
          "genre, mood, instrument or voice unless it is listed under 'heard'. Answer in "
          "English as JSON: {\"caption\": \"...\"}.",
    "es": "Escribes descripciones de una sola frase de fragmentos musicales para entrenar "
          "un modelo de texto a música, al estilo de las indicaciones de MusicGen. Usa solo "
          "los datos dados. No nombres un género, estado de ánimo, instrumento o voz que no "
          "esté en 'oído'. Responde en español en JSON: {\"caption\": \"...\"}.",
}

Complete = Callable[..., str]


@dataclass(frozen=True)
class Caption:
    """A caption and how it came to be: ``source`` "llm" or "template"; ``rejected`` the
    judge's objections to the model's caption when it was replaced."""

    text: str
    source: str
    model_caption: str = ""
    rejected: tuple[str, ...] = field(default=())


def template_caption(features: AudioFeatures, tags: Tags = Tags(), language: str = "en") -> str:
    """A caption stated from the features (and CLAP's top genre and instruments, if any)."""
    spanish = language == "es"
    adjectives = [word(d, language) for d in (chosen(features, "tempo"),
                                              chosen(features, "brightness")) if d]
    noun = tags.genres[0].replace("_", " ") if tags.genres else ("tema" if spanish else "track")
    if spanish:
        head = f"Un {noun}" + (" " + " y ".join(adjectives) if adjectives else "")
    else:
        head = ("A " + ", ".join(adjectives) + f" {noun}") if adjectives else f"A {noun}"
    parts = [head]
    if features.key and features.mode and features.tempo_bpm:
        at = "a" if spanish else "at"
        parts[0] += (f" {'en' if spanish else 'in'} {key_words(features.key, features.mode, language)}"
                     f" {at} {features.tempo_bpm:.0f} BPM")
    if tags.instruments:
        parts.append(("con " if spanish else "with ") + _listed(tags.instruments[:3], spanish))
    extras = [word(d, language) for d in (chosen(features, "percussion"),
                                          chosen(features, "density"),
                                          chosen(features, "loudness")) if d]
    if extras:
        parts.append(_listed(extras, spanish))
    return ", ".join(parts) + "."


def _listed(items: tuple[str, ...] | list[str], spanish: bool) -> str:
    items = list(items)
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + (" y " if spanish else " and ") + items[-1]


def facts_prompt(features: AudioFeatures, tags: Tags, language: str) -> str:
    """The measurements as the model is told them, with the words they allow."""
    lines = [f"duration: {features.duration_s:.1f} s"]
    if features.tempo_bpm is not None:
        lines.append(f"tempo: {features.tempo_bpm:.0f} BPM ({_allowed(features, 'tempo')})")
    if features.key:
        lines.append(f"key: {key_words(features.key, features.mode or 'major', language)}")
    for aspect, shown in (("loudness", features.loudness_lufs),
                          ("brightness", features.spectral_centroid_hz),
                          ("density", features.onset_density),
                          ("percussion", features.percussive_share)):
        if shown is not None and chosen(features, aspect):
            lines.append(f"{aspect}: {_allowed(features, aspect)}")
    heard = [*tags.genres[:1], *tags.moods[:1], *tags.instruments[:3]]
    lines.append("heard: " + (", ".join(heard) if heard else "nothing named (no tagger)"))
    return "\n".join(lines)


def _allowed(features: AudioFeatures, aspect: str) -> str:
    found = chosen(features, aspect)
    return found.english[0] if found else "unremarkable"


class Captioner:
    """Features to a caption: the model's when the judge accepts it, else the template's.

    ``complete`` is a JSON completer's ``complete_json`` (None: template captions only).
    """

    def __init__(self, complete: Complete | None = None, language: str = "en",
                 seed: int = 7) -> None:
        self.complete = complete
        self.language = language
        self.seed = seed

    def caption(self, features: AudioFeatures, tags: Tags = Tags()) -> Caption:
        """The caption for one clip's ``features``."""
        template = template_caption(features, tags, self.language)
        if self.complete is None:
            return Caption(template, "template")
        answer = self._ask(features, tags)
        if answer is None:
            return Caption(template, "template", rejected=("the model gave no caption",))
        problems = check_caption(answer, features, tags)
        if problems:
            log.info("caption rejected (%s): %s", "; ".join(problems), answer)
            return Caption(template, "template", answer, tuple(problems))
        return Caption(self._completed(answer, features), "llm", answer)

    def _completed(self, caption: str, features: AudioFeatures) -> str:
        """``caption`` with the measured key and tempo added when it left them out."""
        no_tempo, no_key = missing_facts(caption, features)
        spanish = self.language == "es"
        tail = []
        if no_key:
            tail.append(f"{'en' if spanish else 'in'} "
                        f"{key_words(features.key, features.mode or 'major', self.language)}")
        if no_tempo:
            tail.append(f"{'a' if spanish else 'at'} {features.tempo_bpm:.0f} BPM")
        if not tail:
            return caption
        return caption.rstrip(" .") + ", " + " ".join(tail) + "."

    def _ask(self, features: AudioFeatures, tags: Tags) -> str | None:
        messages = [{"role": "system", "content": _SYSTEM.get(self.language, _SYSTEM["en"])},
                    {"role": "user", "content": facts_prompt(features, tags, self.language)}]
        try:
            raw = self.complete(messages, CAPTION_SCHEMA, MAX_TOKENS, temperature=0.3,
                                seed=self.seed)
            text = json.loads(raw).get("caption", "")
        except (VoiceAgentError, RuntimeError, ValueError, AttributeError) as exc:
            log.warning("the caption model failed: %s", exc)
            return None
        text = " ".join(str(text).split())
        return text or None
