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

Every pass, the first included, is also capped in tokens by the time left
(:class:`StepCost` learns the seconds a decoded token costs on this machine), because
the check above runs only between passes: a pass that loops runs to its token cap, and
on an AVX2 CPU es04's looping English pass alone took the request to 2.68 s of a 2.5 s
budget. A pass that the budget cut short is doubtful (what came after is unknown), so
a garbled decode cut by the budget still ends in "didn't catch that". The first pass is
never capped below ``floor`` tokens (enough for a request of that length, at most
MAX_FLOOR), so when the work before decoding (voice detection, features, encoder,
language ID) has already used the budget on a busy machine, a clear request is still
heard. Recognition thus takes at most max(budget, work before decoding + a floor-length
pass) plus the error of the per-token estimate; on an idle machine, the budget.

The best transcript by Whisper's mean log-probability wins. If even that one is doubtful
(Whisper's own thresholds), the result is an honest "I didn't catch that" in the likelier
language (:class:`UnclearSpeechError`), not a confident answer to words never said.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

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
#: seconds per decoded token assumed before any pass was measured (beam 5, Whisper base
#: int8 on 2 threads of a busy AVX2 core is about 0.03-0.08 s, prompt and features included)
PRIOR_STEP_S = 0.05
#: seconds kept back from a pass's token cap for what follows it (segments, checks)
MARGIN_S = 0.05
#: the most tokens a pass may decode when nothing else bounds it (Whisper's window cap)
MAX_TOKENS = 448
#: tokens the first pass always gets when the caller gives no floor
DEFAULT_FLOOR = 24
#: the most tokens a floor may be: a long request does not get a long floor (the worst
#: overrun, when the work before decoding already used the whole budget)
MAX_FLOOR = 32

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
    #: tokens the pass decoded (0 when the decoder does not say)
    tokens: int = 0
    #: False when the pass stopped at its token cap instead of closing its last segment
    complete: bool = True
    #: True when the time budget's token cap stopped the pass before it ended
    cut: bool = False

    @property
    def doubtful(self) -> bool:
        """Whisper's own test for a failed decode (openai/whisper transcribe.py), plus a
        word said over and over ("trombone, trombone, trombone, trombone"), a loop too
        short for the compression ratio to show."""
        if self.cut:
            return True
        if self.compression_ratio > HIGH_COMPRESSION or self.avg_logprob < LOW_LOGPROB:
            return True
        if loops(self.transcript.text):
            return True
        return self.no_speech_prob > NO_SPEECH_PROB and self.avg_logprob < LOW_LOGPROB / 2


#: decode(language, language probability, temperature, max new tokens) -> Decoded;
#: may raise NoSpeechError
DecodeFn = Callable[[str, float, float, int], Decoded]


class StepCost:
    """Seconds one decoded token costs here, learned from the passes measured so far.

    A pass's seconds over its tokens counts the pass's fixed costs (features, prompt)
    into every token, which overstates long passes' cost, so caps err on the short side.
    A recogniser keeps one across requests: the warm-up request calibrates it. A
    slower pass is believed at once and a faster one only halfway, because running over
    the budget is the failure this exists for (the machine is often busy).
    """

    def __init__(self, seconds_per_token: float = PRIOR_STEP_S) -> None:
        self.seconds_per_token = seconds_per_token

    def observe(self, seconds: float, tokens: int) -> None:
        """Fold in one pass that decoded ``tokens`` in ``seconds``."""
        if tokens > 0 and seconds > 0:
            observed = seconds / tokens
            self.seconds_per_token = max(observed, 0.5 * self.seconds_per_token + 0.5 * observed)


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

    def tokens_that_fit(self, cost: StepCost, reserve_s: float = 0.0) -> int:
        """How many tokens a pass can decode in the time left, less ``reserve_s``."""
        room = self.left() - reserve_s - MARGIN_S
        return max(0, int(room / cost.seconds_per_token))


def decode_within_budget(candidates: Sequence[tuple[str, float]], decode: DecodeFn,
                         budget: Budget, cost: StepCost | None = None,
                         floor: int = DEFAULT_FLOOR, cap: int = MAX_TOKENS,
                         unsure_below: float = UNSURE_LANGUAGE) -> Transcript:
    """The best transcript the budget allows (see the module's docstring).

    ``candidates`` are the languages ranked by language ID (the first is decoded always);
    ``cap`` is the most tokens a pass may decode at all (a loop guard by speech length),
    ``floor`` the fewest the first pass gets however late it starts; ``cost`` is updated
    with every pass measured; below ``unsure_below`` the first language's probability
    calls for the second language's pass too. Raises UnclearSpeechError when the best pass is doubtful or
    no pass found words in what the voice detector called speech.
    """
    cost = cost if cost is not None else StepCost()
    floor = min(floor, cap, MAX_FLOOR)
    first_language, first_p = candidates[0]
    spent_before_s = budget.seconds - budget.left()  # a step in flight, features, encoder
    timings: list[str] = []
    pass_s: dict[str, float] = {}  # each language's pass: the fallback's best estimate
    passes: list[tuple[str, float, float]] = []
    if len(candidates) > 1 and first_p < unsure_below:
        passes.append((candidates[1][0], candidates[1][1], 0.0))
    results: list[Decoded] = []
    failure: NoSpeechError | None = None
    failed: set[str] = set()
    last_pass_s = 0.0
    for language, probability, temperature in [(first_language, first_p, 0.0), *passes,
                                               (first_language, first_p, FALLBACK_TEMPERATURE)]:
        if temperature > 0 and results and not best_of(results).doubtful:
            break  # the fallback is for doubtful decodes only
        first = not results and failure is None
        limit = pass_limit(budget, cost, first, bool(passes), floor, cap, last_pass_s,
                           pass_s.get(language))
        if limit is None:
            log.info("ASR budget: %.2f s left, skipping %s at t=%.1f (a pass took %.2f s)",
                     budget.left(), language, temperature, last_pass_s)
            continue
        start = budget.clock()
        try:
            result = decode(language, probability, temperature, limit)
        except NoSpeechError as exc:
            failure = exc
            failed.add(language)
            result = None
        last_pass_s = budget.clock() - start
        pass_s[language] = max(last_pass_s, pass_s.get(language, 0.0))
        timings.append(f"{language} t={temperature:.1f} {last_pass_s:.2f} s"
                       f" ({result.tokens if result else 0} tokens)")
        if result is not None:
            cost.observe(last_pass_s, result.tokens)
            if limit < cap and not result.complete:
                log.info("ASR budget cut a %s pass at %d tokens: %r", language, limit,
                         result.transcript.text)
                result = replace(result, cut=True)
            results.append(result)
    if budget.left() < 0:  # what to look at when a request's recognition ran long
        log.info("ASR over its %.1f s budget by %.2f s: %.2f s before the first pass; %s",
                 budget.seconds, -budget.left(), spent_before_s, "; ".join(timings))
    if not results:  # the voice detector heard speech, yet no pass found words in it
        log.info("ASR found no confident words: %s", failure)
        raise unclear(likelier_language(candidates, results, failed))
    best = best_of(results)
    if best.doubtful:
        log.info("ASR doubtful (logprob %.2f, compression %.2f): %r", best.avg_logprob,
                 best.compression_ratio, best.transcript.text)
        raise unclear(likelier_language(candidates, results, failed))
    return best.transcript


def pass_limit(budget: Budget, cost: StepCost, first: bool, second_planned: bool,
               floor: int, cap: int, last_pass_s: float,
               same_language_s: float | None = None) -> int | None:
    """The most tokens the next pass may decode, or None when it does not fit at all.

    The first pass always runs, with at least ``floor`` tokens (at most MAX_FLOOR); when a second language
    is planned it leaves that one room for a request-length pass, if it can spare it.
    A later pass runs only when a pass like the last one (or a request-length one, if
    shorter) still fits, capped to the tokens the time left holds. A pass in a language
    already decoded (the temperature fallback) must fit as long as that language's pass
    took: its fixed costs do not shrink with fewer tokens (natively, es04's English
    fallback took 0.66 s after a 0.47 s Spanish pass, and ran 0.07 s over).
    """
    if first:
        reserve = floor * cost.seconds_per_token if second_planned else 0.0
        fit = budget.tokens_that_fit(cost, reserve)
        if fit < floor:
            fit = budget.tokens_that_fit(cost)
        return min(cap, max(floor, fit))
    expected = same_language_s if same_language_s is not None else min(
        last_pass_s, floor * cost.seconds_per_token)
    fit = budget.tokens_that_fit(cost)
    if not budget.allows(expected) or fit < 1:
        return None
    return min(cap, fit)


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


#: a two- or three-word phrase this many times in a row is a loop too ("cumbia, reggaeton,
#: cumbia, reggaeton, cumbia, reggaeton": the prompt's word list copied over and over)
REPEATED_PHRASE = 3


def loops(text: str) -> bool:
    """True when one word comes REPEATED_WORD or more times in a row, or a phrase of two
    or three words REPEATED_PHRASE or more times ("trombone, trombone, trombone,
    trombone"; "play the blues, play the blues, play the blues")."""
    words = re.findall(r"\w+", text.lower())
    return any(_repeated(words, size, REPEATED_WORD if size == 1 else REPEATED_PHRASE)
               for size in (1, 2, 3))


def _repeated(words: list[str], size: int, times: int) -> bool:
    """Whether some ``size`` words come ``times`` times in a row (a phrase of one word
    over and over, "cha cha", is the one-word case, not a phrase)."""
    for start in range(len(words) - size * times + 1):
        phrase = words[start:start + size]
        if (size == 1 or len(set(phrase)) > 1) and all(
                words[start + k * size:start + (k + 1) * size] == phrase for k in range(1, times)):
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
