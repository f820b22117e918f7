"""Checks shared by the Whisper backends: is there a signal, and which segments to trust.

Whisper invents text for silence and noise ("Thanks for watching!", "Subtítulos
realizados por la comunidad de Amara.org"). These checks stop that before and after
decoding, using Whisper's own per-segment statistics.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from voice_agent.errors import AudioInputError, NoSpeechError
from voice_agent.types import Audio

MIN_DURATION_S = 0.3
SILENCE_PEAK = 1e-3  # about -60 dBFS: nothing a microphone in a room would call sound

# Whisper's own thresholds for "this segment is not speech" (openai/whisper transcribe.py).
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
HIGH_COMPRESSION = 2.4

KNOWN_HALLUCINATIONS = (
    "thanks for watching", "thank you for watching", "subscribe", "amara.org",
    "subtitulos realizados", "subtítulos realizados", "gracias por ver",
)


def check_has_signal(audio: Audio) -> None:
    """Raise a clear error for audio too short to hold a request, or digitally silent."""
    if audio.duration_s < MIN_DURATION_S:
        raise AudioInputError(
            f"The recording is only {audio.duration_s:.2f} s long; hold the talk key while "
            "you speak your whole request."
        )
    if audio.peak < SILENCE_PEAK:
        raise NoSpeechError(
            "The recording is silent. Check that the right microphone is selected and not "
            "muted, then speak your request again."
        )


def _get(segment: Any, name: str) -> float:
    return segment[name] if isinstance(segment, dict) else getattr(segment, name)


def is_confident(segment: Any) -> bool:
    """False for segments Whisper itself marks as non-speech or degenerate."""
    text = (_get(segment, "text") or "").strip().lower()
    if not text or any(phrase in text for phrase in KNOWN_HALLUCINATIONS):
        return False
    if _get(segment, "compression_ratio") > HIGH_COMPRESSION:
        return False
    silent = _get(segment, "no_speech_prob") > NO_SPEECH_PROB
    return not (silent and _get(segment, "avg_logprob") < LOW_LOGPROB)


def keep_confident(segments: Iterable[Any]) -> list[Any]:
    """The segments worth keeping (works for faster-whisper objects and openai-whisper dicts)."""
    return [s for s in segments if is_confident(s)]
