"""The prompt prefix's KV state saved on disk: what invalidates it, and a real round trip."""

from __future__ import annotations

import os

import pytest

from voice_agent.responder import prefix_cache

MESSAGES = [{"role": "system", "content": "You make music."}]
SCHEMA = {"type": "object"}


@pytest.fixture
def model(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path / "home"))
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF weights")
    return path


def test_the_same_inputs_name_the_same_file_under_the_cache_home(model, tmp_path):
    first = prefix_cache.prefix_file(model, 2048, MESSAGES, SCHEMA, "0.3.36")
    assert first == prefix_cache.prefix_file(model, 2048, MESSAGES, SCHEMA, "0.3.36")
    assert first.parent == tmp_path / "home" / "llm_prefix"


@pytest.mark.parametrize("change", ["prompt", "schema", "context", "runtime", "weights"])
def test_anything_the_state_depends_on_changes_the_file(model, change):
    before = prefix_cache.prefix_file(model, 2048, MESSAGES, SCHEMA, "0.3.36")
    args = {"model_path": model, "context_tokens": 2048, "messages": MESSAGES,
            "schema": SCHEMA, "runtime_version": "0.3.36"}
    if change == "prompt":
        args["messages"] = [{"role": "system", "content": "You make songs."}]
    elif change == "schema":
        args["schema"] = {"type": "array"}
    elif change == "context":
        args["context_tokens"] = 4096
    elif change == "runtime":
        args["runtime_version"] = "0.3.37"
    else:
        model.write_bytes(b"GGUF other weights")
        os.utime(model, ns=(1, 1))
    assert prefix_cache.prefix_file(**args) != before


def test_a_missing_file_restores_nothing(model):
    path = prefix_cache.prefix_file(model, 2048, MESSAGES, SCHEMA, "0.3.36")
    assert prefix_cache.restore(object(), path) is False


@pytest.mark.real_model
def test_a_second_process_reads_the_prefix_and_answers_the_same(tmp_path, monkeypatch):
    """Two responders stand for two processes: the second evaluates only the request."""
    pytest.importorskip("llama_cpp")
    from voice_agent.core.types import Transcript
    from voice_agent.responder.llama_cpp import LlamaCppResponder
    from voice_agent.responder.replies import chat_messages

    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path))
    request = Transcript("play a calm jazz song with piano", "en")
    first = LlamaCppResponder(threads=1, max_tokens=24)
    first.load()
    assert not first.prefix_restored
    assert list((tmp_path / "llm_prefix").glob("*.kv"))
    expected = first._complete(chat_messages(request, ()), 24)
    second = LlamaCppResponder(threads=1, max_tokens=24)
    second.load()
    assert second.prefix_restored
    evaluated: list[int] = []
    original = second.llm.eval
    monkeypatch.setattr(second.llm, "eval", lambda t: (evaluated.append(len(t)), original(t))[1])
    assert second._complete(chat_messages(request, ()), 24) == expected
    assert evaluated[0] < 60, evaluated  # the request's own tokens, not the ~330 of the prefix
