"""The lazily checked JSON grammar on the real Qwen2.5 0.5B GGUF and its real vocabulary."""

from __future__ import annotations

import json

import numpy as np
import pytest

from voice_agent.core.types import Transcript

pytestmark = pytest.mark.real_model

_NUMBER_SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}


@pytest.fixture(scope="module")
def responder():
    from voice_agent.responder.llama_cpp import LlamaCppResponder

    llm = LlamaCppResponder(threads=2, max_tokens=120)
    llm.load()
    return llm


def _token(llm, text: str) -> int:
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    assert len(tokens) == 1, (text, tokens)
    return tokens[0]


def _greedy(responder, messages, **constraint) -> str:
    responder.llm.reset()  # evaluate the prompt afresh each time: identical logits
    out = responder.llm.create_chat_completion(messages=messages, temperature=0.0,
                                               max_tokens=120, seed=7, **constraint)
    return out["choices"][0]["message"]["content"]


@pytest.mark.parametrize("text,language", [
    ("play a happy cumbia with accordion", "en"),
    ("hola, ¿qué tal?", "es"),
])
def test_greedy_answer_is_the_one_the_full_grammar_gives(responder, text, language):
    from voice_agent.responder.lazy_grammar import LazyGrammar
    from voice_agent.responder.replies import REPLY_SCHEMA, chat_messages

    messages = chat_messages(Transcript(text, language), ())
    full = _greedy(responder, messages,
                   response_format={"type": "json_object", "schema": REPLY_SCHEMA})
    grammar = LazyGrammar(responder.llm, REPLY_SCHEMA)
    try:
        lazy = _greedy(responder, messages, logits_processor=[grammar])
    finally:
        grammar.close()
    assert lazy == full
    assert grammar.steps > 10 and grammar.full_checks <= 1
    json.loads(lazy)


def test_a_likely_token_the_grammar_forbids_is_masked_and_the_whole_vocabulary_judged(responder):
    from voice_agent.responder.lazy_grammar import LazyGrammar

    llm = responder.llm
    grammar = LazyGrammar(llm, _NUMBER_SCHEMA, top=8)
    try:
        scores = np.full(llm.n_vocab(), -10.0, dtype=np.single)
        words = [_token(llm, w) for w in ("hello", "Sure", "The", "yes", "I", "no", "ok", "a")]
        scores[words] = 10.0  # the model's likeliest tokens: none of them is JSON
        brace = _token(llm, "{")
        scores[brace] = -5.0
        masked = grammar(np.array([1, 2, 3], dtype=np.intc), scores)
        assert grammar.full_checks == 1
        assert np.all(np.isneginf(masked[words]))
        assert masked[brace] == -5.0
        allowed = np.flatnonzero(np.isfinite(masked))
        texts = [llm.detokenize([int(t)]).decode("utf-8", "replace") for t in allowed[:50]]
        assert all(t.lstrip().startswith("{") for t in texts), texts
    finally:
        grammar.close()


def test_it_follows_the_answer_token_by_token(responder):
    """After "{" the grammar allows a quote (the key), never a closing brace or a digit."""
    from voice_agent.responder.lazy_grammar import LazyGrammar

    llm = responder.llm
    grammar = LazyGrammar(llm, _NUMBER_SCHEMA)
    try:
        prompt = np.array([1, 2, 3], dtype=np.intc)
        brace, quote, close, digit = (_token(llm, t) for t in ("{", '"', "}", "7"))
        scores = np.zeros(llm.n_vocab(), dtype=np.single)
        scores[[brace, quote, close, digit]] = 5.0
        first = grammar(prompt, scores)
        assert np.isfinite(first[brace]) and np.isneginf(first[close])
        second = grammar(np.append(prompt, brace), scores)  # "{" was sampled
        assert np.isfinite(second[quote])
        assert np.isneginf(second[close]) and np.isneginf(second[digit])
        assert grammar.full_checks == 0
    finally:
        grammar.close()


def test_the_responder_uses_it_by_default_and_answers_valid_json(responder):
    from voice_agent.responder.replies import REPLY_SCHEMA, chat_messages

    assert responder.lazy_grammar
    raw = responder.complete_json(chat_messages(Transcript("sad piano ballad", "en"), ()),
                                  REPLY_SCHEMA, max_tokens=120)
    answer = json.loads(raw)
    assert {"say", "intent", "genre", "instruments", "mood"} <= set(answer)
