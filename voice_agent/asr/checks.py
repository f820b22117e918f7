"""Checks shared by the Whisper backends: is there a signal, and which segments to trust.

Whisper invents text for silence and noise ("Thanks for watching!", "Subtítulos
realizados por la comunidad de Amara.org"). These checks stop that before and after
decoding, using Whisper's own per-segment statistics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from voice_agent.core.errors import AudioInputError, NoSpeechError
from voice_agent.core.types import Audio, Segment, Transcript

log = logging.getLogger(__name__)

MIN_DURATION_S = 0.3
SILENCE_PEAK = 1e-3  # about -60 dBFS: nothing a microphone in a room would call sound

# Whisper's own thresholds for "this segment is not speech" (openai/whisper transcribe.py).
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
HIGH_COMPRESSION = 2.4

NO_SPEECH_MESSAGE = ("No speech detected in the recording (only silence or noise). "
                     "Check the microphone and speak your request again.")
UNCLEAR_SPEECH_MESSAGE = ("I heard sound but no words I could make out. Speak closer to the "
                          "microphone, in English or Spanish, and try again.")

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


def _get(segment: Any, name: str) -> Any:
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


def confident_transcript(
    segments: Iterable[Any],
    language: str,
    probability: float,
    duration_s: float,
    to_recording_time: Callable[[float], float] = float,
) -> Transcript:
    """A Transcript of the segments worth keeping; NoSpeechError when none holds words.

    ``to_recording_time`` maps segment times back onto the recording when VAD cut parts out.
    """
    kept = keep_confident(segments)
    text = " ".join(_get(s, "text").strip() for s in kept).strip()
    if not text:
        raise NoSpeechError(UNCLEAR_SPEECH_MESSAGE)
    pieces = tuple(Segment(to_recording_time(_get(s, "start")), to_recording_time(_get(s, "end")),
                           _get(s, "text").strip()) for s in kept)
    return Transcript(text=text, language=language, language_probability=probability,
                      duration_s=duration_s, segments=pieces)


def silero_speech(samples: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """The voiced parts of 16 kHz ``samples`` per Silero VAD, and the speech chunks found.

    Silero VAD ships inside faster-whisper. Raises NoSpeechError when nothing is voiced.
    """
    from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

    chunks = get_speech_timestamps(samples, VadOptions(min_speech_duration_ms=200))
    if not chunks:
        raise NoSpeechError(NO_SPEECH_MESSAGE)
    pieces, _ = collect_chunks(samples, chunks)
    return np.concatenate(pieces), chunks


def rank_languages(probabilities: Iterable[tuple[str, float]],
                   languages: Sequence[str]) -> list[tuple[str, float]]:
    """``languages`` by likelihood, probabilities renormalised among them.

    Choosing among the configured languages rather than all 99 avoids e.g. Spanish heard
    as Portuguese or Galician.
    """
    allowed = [(lang, p) for lang, p in probabilities if lang in languages]
    total = sum(p for _, p in allowed) or 1.0
    ranked = sorted(((lang, p / total) for lang, p in allowed), key=lambda pair: -pair[1])
    log.debug("language candidates %s", ranked)
    return ranked


def language_candidates(given: str | None, languages: Sequence[str],
                        detect: Callable[[], Iterable[tuple[str, float]]]
                        ) -> list[tuple[str, float]]:
    """The given language, the only configured one, or the configured ones ranked by
    Whisper's language ID (``detect`` runs only in that last case)."""
    if given:
        return [(given, 1.0)]
    if len(languages) == 1:
        return [(languages[0], 1.0)]
    return rank_languages(detect(), languages)


def mean_logprob(segments: Iterable[Any]) -> float:
    """Whisper's average token log-probability over the confident segments (-inf if none)."""
    values = [_get(s, "avg_logprob") for s in keep_confident(segments)]
    return sum(values) / len(values) if values else float("-inf")
