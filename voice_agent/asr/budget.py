"""A bounded worst case for recognition: retries run by time left, not by count.

Whisper's own recipe retries a doubtful decode at rising temperatures (0.0 ... 1.0) and
the recogniser decoded an unsure language both ways; on a slow CPU a garbled request
took 18-20 s that way and still came back garbled. Here every decoding pass after the
first is run only when the time it is expected to take (the last pass's) still fits in
the budget, in order of what is likeliest to help:

1. the likelier language, greedy-then-beam at temperature 0 (always run);
2. the second language, when language ID was unsure;
3. one warmer pass (temperature fallback) in the likelier language, when the best so far
   is doubtful.

The best transcript by Whisper's mean log-probability wins. If even that one is doubtful
(Whisper's own thresholds), the result is an honest "I didn't catch that" in the likelier
language (:class:`UnclearSpeechError`), not a confident answer to words never said.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from voice_agent.asr.checks import HIGH_COMPRESSION, LOW_LOGPROB, NO_SPEECH_PROB
from voice_agent.core.errors import NoSpeechError, UnclearSpeechError
from voice_agent.core.types import Transcript

log = logging.getLogger(__name__)

#: Below this language-ID probability, the second language is worth a pass.
UNSURE_LANGUAGE = 0.75
#: The temperature of the one fallback pass (Whisper's ladder starts 0.2, 0.4, ...).
FALLBACK_TEMPERATURE = 0.4
#: a word this many times in a row is a decoding loop, not a request
REPEATED_WORD = 4

DIDNT_CATCH = {
    "en": "Sorry, I didn't catch that. Could you say it again, a little more clearly?",
    "es": "Perdona, no te he entendido. ¿Puedes repetirlo un poco más claro?",
}


@dataclass(frozen=True)
class Decoded:
    """One decoding pass: the transcript and Whisper's figures for how sure it was."""

    transcript: Transcript
    avg_logprob: float
    compression_ratio: float = 1.0
    no_speech_prob: float = 0.0

    @property
    def doubtful(self) -> bool:
        """Whisper's own test for a failed decode (openai/whisper transcribe.py), plus a
        word said over and over ("trombone, trombone, trombone, trombone"), a loop too
        short for the compression ratio to show."""
        if self.compression_ratio > HIGH_COMPRESSION or self.avg_logprob < LOW_LOGPROB:
            return True
        if repeats_a_word(self.transcript.text):
            return True
        return self.no_speech_prob > NO_SPEECH_PROB and self.avg_logprob < LOW_LOGPROB / 2


#: decode(language, language probability, temperature) -> Decoded; may raise NoSpeechError
DecodeFn = Callable[[str, float, float], Decoded]


class Budget:
    """Seconds left of a fixed allowance, on an injectable clock (tests use a fake one)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.perf_counter) -> None:
        self.seconds = seconds
        self.clock = clock
        self.started = clock()

    def left(self) -> float:
        """Seconds remaining (negative once overspent)."""
        return self.seconds - (self.clock() - self.started)

    def allows(self, estimate_s: float) -> bool:
        """True when a pass expected to take ``estimate_s`` still fits."""
        return estimate_s <= self.left()


def decode_within_budget(candidates: Sequence[tuple[str, float]], decode: DecodeFn,
                         budget: Budget) -> Transcript:
    """The best transcript the budget allows (see the module's docstring).

    ``candidates`` are the languages ranked by language ID (the first is decoded always).
    Raises UnclearSpeechError when the best pass is doubtful or no pass found words in
    what the voice detector called speech.
    """
    first_language, first_p = candidates[0]
    passes: list[tuple[str, float, float]] = []
    if len(candidates) > 1 and first_p < UNSURE_LANGUAGE:
        passes.append((candidates[1][0], candidates[1][1], 0.0))
    results: list[Decoded] = []
    failure: NoSpeechError | None = None
    failed: set[str] = set()
    last_pass_s = 0.0
    for language, probability, temperature in [(first_language, first_p, 0.0), *passes,
                                               (first_language, first_p, FALLBACK_TEMPERATURE)]:
        if temperature > 0 and results and not best_of(results).doubtful:
            break  # the fallback is for doubtful decodes only
        if results or failure is not None:
            if not budget.allows(last_pass_s):
                log.info("ASR budget: %.2f s left, skipping %s at t=%.1f (a pass took %.2f s)",
                         budget.left(), language, temperature, last_pass_s)
                continue
        start = budget.clock()
        try:
            results.append(decode(language, probability, temperature))
        except NoSpeechError as exc:
            failure = exc
            failed.add(language)
        last_pass_s = budget.clock() - start
    if not results:  # the voice detector heard speech, yet no pass found words in it
        log.info("ASR found no confident words: %s", failure)
        raise unclear(likelier_language(candidates, results, failed))
    best = best_of(results)
    if best.doubtful:
        log.info("ASR doubtful (logprob %.2f, compression %.2f): %r", best.avg_logprob,
                 best.compression_ratio, best.transcript.text)
        raise unclear(likelier_language(candidates, results, failed))
    return best.transcript


def unclear(language: str) -> UnclearSpeechError:
    """The honest "I didn't catch that", said in ``language``."""
    return UnclearSpeechError(DIDNT_CATCH.get(language, DIDNT_CATCH["en"]), language)


def likelier_language(candidates: Sequence[tuple[str, float]], results: Sequence[Decoded],
                      failed: set[str]) -> str:
    """The language to say "I didn't catch that" in, when no pass was good enough.

    Language ID alone is weak exactly here: for es04 (espeak's robotic Spanish) it ranked
    English first (p = 0.54), the English pass looped until its token cap and the budget
    then left no time for Spanish, so the person was answered in English. The passes are
    better evidence: the language whose decode Whisper found likeliest, else the best
    ranked language whose pass did not fail (a decode that finds no words or loops in a
    language says the audio is probably not in it), else language ID's first.
    """
    if results:
        return best_of(results).transcript.language
    for language, _ in candidates:
        if language not in failed:
            return language
    return candidates[0][0]


def repeats_a_word(text: str, times: int = REPEATED_WORD) -> bool:
    """True when one word comes ``times`` or more times in a row."""
    words = re.findall(r"\w+", text.lower())
    run = 1
    for before, word in zip(words, words[1:]):
        run = run + 1 if word == before else 1
        if run >= times:
            return True
    return False


def best_of(results: Sequence[Decoded]) -> Decoded:
    """The pass Whisper itself finds likeliest (highest mean log-probability) among the
    sound ones; a doubtful pass wins only when every pass is doubtful.

    The order matters on unsure language ID: for d-es07 (espeak Spanish, p(es) = 0.67)
    the English pass copied the decoder-bias prompt into a looping word list, yet its mean
    log-probability (-0.51) beat the correct Spanish pass (-0.57).
    """
    return max(results, key=lambda d: (not d.doubtful, d.avg_logprob))
