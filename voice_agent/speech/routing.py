"""The base voice: one speaker that picks a backend by the reply's language.

English goes to Piper (``en_US-joe-medium``), Spanish to Kokoro (``em_alex``). When a
neural voice cannot load (package or weights missing), that language falls back to the
next choice and finally to espeak-ng; the fallback is logged and shows in ``model_id``
and :attr:`LanguageRouter.fallbacks`, so the turn record says which voice really spoke.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

from voice_agent.core.errors import VoiceAgentError
from voice_agent.core.types import Audio
from voice_agent.core.language import base_language
from voice_agent.speech.streaming import SentenceSpeaker

log = logging.getLogger(__name__)

#: A factory that builds an (unloaded) speaker; called only when that voice is needed.
SpeakerFactory = Callable[[], SentenceSpeaker]


class LanguageRouter(SentenceSpeaker):
    """Speaks each language with the first of its candidate speakers that loads."""

    def __init__(self, choices: dict[str, Sequence[SpeakerFactory]],
                 last_resort: SpeakerFactory | None = None) -> None:
        self.choices = {base_language(k): tuple(v) for k, v in choices.items()}
        self.last_resort = last_resort
        self.chosen: dict[str, SentenceSpeaker] = {}
        self.fallbacks: dict[str, str] = {}
        self.model_id = "base (not loaded)"
        self.last_backend = ""

    def load(self) -> None:
        """Load one speaker per configured language (idempotent)."""
        if self.chosen:
            return
        for language, factories in self.choices.items():
            self.chosen[language] = self._first_that_loads(language, factories)
        self.model_id = "base[" + ", ".join(
            f"{lang}={self.describe(lang)}" for lang in self.chosen) + "]"

    def _first_that_loads(self, language: str, factories: Sequence[SpeakerFactory]) -> SentenceSpeaker:
        reasons = []
        candidates = list(factories) + ([self.last_resort] if self.last_resort else [])
        for index, factory in enumerate(candidates):
            speaker = factory()
            try:
                speaker.load()
            except VoiceAgentError as exc:
                log.warning("Voice %s unavailable for '%s': %s", speaker.model_id, language, exc)
                reasons.append(f"{speaker.model_id}: {exc}")
                continue
            if index:
                self.fallbacks[language] = "; ".join(reasons)
                log.warning("Speaking '%s' with fallback voice %s", language, speaker.model_id)
            return speaker
        raise VoiceAgentError(f"No voice could load for '{language}': " + "; ".join(reasons))

    def describe(self, language: str) -> str:
        """Backend name for ``language``, marked when it is a fallback."""
        speaker = self.chosen[language]
        suffix = " (fallback)" if language in self.fallbacks else ""
        return speaker.model_id + suffix

    def speaker_for(self, language: str) -> SentenceSpeaker:
        """The loaded speaker for ``language`` (English's when the language is unknown)."""
        self.load()
        language = base_language(language)
        if language not in self.chosen:
            log.warning("No base voice for '%s'; using the English voice", language)
            language = "en" if "en" in self.chosen else next(iter(self.chosen))
        self.last_backend = self.describe(language)
        return self.chosen[language]

    def stream(self, text: str, language: str) -> Iterator[Audio]:
        """Stream with the speaker for ``language``, sentence by sentence."""
        speaker = self.speaker_for(language)
        spoken_language = language if base_language(language) in self.chosen else "en"
        yield from speaker.stream(text, spoken_language)

    def synthesize(self, sentence: str, language: str) -> Audio:
        """Speak one sentence with the speaker for ``language``."""
        return self.speaker_for(language).synthesize(sentence, base_language(language))
