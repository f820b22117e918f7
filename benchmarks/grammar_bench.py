"""Tokens per second of the reply model with the full JSON grammar, the lazy one, and none.

    python benchmarks/grammar_bench.py [--threads 2] [--repeat 2]

Same prompt (a music request with the shipped system prompt and examples), same seed and
temperature as the responder; the three variants are interleaved so a busy machine slows
them alike. Prints tokens/s after the first token for each, and whether the lazy answers
equal the full grammar's (they may differ at temperature > 0 only through llama.cpp's
run-to-run numerics: greedy equality is checked in tests/test_lazy_grammar.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_agent.core.types import Transcript  # noqa: E402
from voice_agent.responder.lazy_grammar import LazyGrammar  # noqa: E402
from voice_agent.responder.llama_cpp import LlamaCppResponder  # noqa: E402
from voice_agent.responder.replies import REPLY_SCHEMA, chat_messages  # noqa: E402

REQUESTS = (("Play me a happy cumbia with accordion", "en"),
            ("quiero un rock con órgano y batería, rápido", "es"),
            ("jazz at 90 bpm in D minor with saxophone", "en"))


def _one(responder: LlamaCppResponder, messages, variant: str) -> tuple[float, str]:
    grammar = LazyGrammar(responder.llm, REPLY_SCHEMA) if variant == "lazy" else None
    constraint = ({"logits_processor": [grammar]} if grammar else
                  {"response_format": {"type": "json_object", "schema": REPLY_SCHEMA}}
                  if variant == "full" else {})
    first, pieces = None, []
    for chunk in responder.llm.create_chat_completion(
            messages=messages, temperature=responder.temperature, max_tokens=120,
            seed=responder.seed, stream=True, **constraint):
        piece = chunk["choices"][0]["delta"].get("content")
        if piece:
            first = first or time.perf_counter()
            pieces.append(piece)
    if grammar is not None:
        grammar.close()
    rate = (len(pieces) - 1) / max(1e-9, time.perf_counter() - first)
    return rate, "".join(pieces)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    responder = LlamaCppResponder(threads=args.threads)
    responder.load()
    rates: dict[str, list[float]] = {"full": [], "lazy": [], "none": []}
    same = total = 0
    for _ in range(args.repeat):
        for text, language in REQUESTS:
            messages = chat_messages(Transcript(text, language), ())
            answers = {}
            for variant in rates:
                rate, answers[variant] = _one(responder, messages, variant)
                rates[variant].append(rate)
            same += answers["full"] == answers["lazy"]
            total += 1
    for variant, values in rates.items():
        print(f"{variant:5s} grammar: {statistics.median(values):5.1f} tokens/s (median of "
              f"{len(values)})")
    print(f"lazy answer == full grammar's: {same}/{total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
