"""Compare the spoken voices of a turn: who do they sound like, and can they be understood?

For each :class:`~voice_agent.core.types.SpokenReply`: Resemblyzer cosine similarity to a
recording of the reference speaker (a *held-out* one, not the enrolment clip, whenever
there is one) and the word error rate of the speech transcribed back by the ASR stage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from voice_agent.core.audio import read_audio
from voice_agent.core.errors import VoiceAgentError
from voice_agent.core.language import word_error_rate
from voice_agent.core.types import Audio, SpokenReply, Transcript

log = logging.getLogger(__name__)


class Transcriber(Protocol):
    """What the round-trip check needs of a speech recogniser (the ASR stage's protocol,
    restated here so the speech stage does not import another stage)."""

    def transcribe(self, audio: Audio, language: str | None = None) -> Transcript:
        """Speech to text."""


@dataclass(frozen=True)
class VoiceScore:
    """How one voice did: similarity to the reference speaker and round-trip WER."""

    voice: str
    similarity: float
    round_trip_wer: float
    heard: str


class VoiceComparer:
    """Scores spoken replies against one reference recording."""

    def __init__(self, reference_wav: str | Path, held_out: bool) -> None:
        self.reference_wav = Path(reference_wav)
        self.held_out = held_out
        self._encoder = None
        self._reference = None

    def load(self) -> None:
        """Load the speaker encoder and embed the reference (idempotent)."""
        if self._reference is not None:
            return
        from voice_agent.speech.similarity import SpeakerEncoder

        self._encoder = SpeakerEncoder()
        self._reference = self._encoder.embed(read_audio(self.reference_wav))

    def score(self, spoken: SpokenReply, text: str, transcriber: Transcriber | None) -> VoiceScore:
        """Similarity of ``spoken`` to the reference, and WER of it heard back."""
        self.load()
        heard = ""
        if transcriber is not None:
            try:
                heard = transcriber.transcribe(spoken.audio, language=None).text
            except VoiceAgentError as exc:  # unintelligible speech is a result, not a crash
                log.warning("round trip of the %s voice failed: %s", spoken.voice, exc)
        return VoiceScore(spoken.voice, self._encoder.similarity(spoken.audio, self._reference),
                          word_error_rate(text, heard) if transcriber else float("nan"), heard)

    def describe(self) -> dict[str, object]:
        """What the similarity was measured against."""
        return {"reference": self.reference_wav.name, "reference_is_held_out": self.held_out}


def default_comparer(speaker_wav: str | None, reference_wav: str | None) -> VoiceComparer:
    """Against the given reference; else the bundled held-out clip for the bundled speaker;
    else (a user's speaker with no held-out clip) the enrolment clip itself, labelled so."""
    from voice_agent.speech import HELDOUT_SPEAKER_WAV

    if reference_wav:
        return VoiceComparer(reference_wav, held_out=True)
    if speaker_wav is None:
        return VoiceComparer(HELDOUT_SPEAKER_WAV, held_out=True)
    return VoiceComparer(speaker_wav, held_out=False)
