"""The default responder on the real Qwen2.5 0.5B GGUF (needs the llm extra and weights)."""

from __future__ import annotations

import pytest

from voice_agent.core.language import looks_like
from voice_agent.core.types import Intent, Transcript

pytestmark = pytest.mark.real_model


@pytest.fixture(scope="module")
def responder():
    from voice_agent.responder.llama_cpp import LlamaCppResponder

    llm = LlamaCppResponder(threads=1, max_tokens=160)
    llm.load()
    return llm


@pytest.fixture
def evaluated_tokens(responder, monkeypatch):
    """How many tokens each llama.cpp eval() call processes."""
    counts: list[int] = []
    original = responder.llm.eval

    def counting_eval(tokens):
        counts.append(len(tokens))
        return original(tokens)

    monkeypatch.setattr(responder.llm, "eval", counting_eval)
    return counts


@pytest.mark.parametrize("text,language,genre", [
    ("play some relaxing bossa nova with a nylon guitar", "en", "bossa_nova"),
    ("pon una cumbia alegre con acordeón para bailar", "es", "cumbia"),
])
def test_music_request(responder, text, language, genre):
    reply = responder.respond(Transcript(text, language))
    assert reply.source == "llm", reply.note  # the grammar keeps the JSON valid
    assert reply.intent is Intent.MAKE_MUSIC and reply.plan.genre == genre
    assert reply.say and looks_like(reply.say, language)
    assert reply.music_prompt and 40 <= reply.plan.bpm <= 220


def test_fixed_prefix_is_not_evaluated_again(responder, evaluated_tokens):
    from voice_agent.responder.replies import chat_messages

    transcript = Transcript("play a sad piano ballad", "en")
    prompt = responder.llm.tokenize(
        str(chat_messages(transcript, ())).encode("utf-8"), add_bos=False)
    responder.respond(transcript)
    prompt_eval = evaluated_tokens[0]  # first eval = the part of the prompt not cached
    assert prompt_eval < len(prompt) / 3, (prompt_eval, len(prompt))


def test_streamed_sentences_arrive_before_the_answer_ends_and_open_the_reply(responder,
                                                                           monkeypatch):
    said: list[tuple[str, int]] = []
    pieces_before: list[str] = []  # the model's pieces so far, as each sentence is handed out
    original = responder.llm.create_chat_completion

    def counting(*args, **kwargs):
        for chunk in original(*args, **kwargs):
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                pieces_before.append(piece)
            yield chunk

    monkeypatch.setattr(responder.llm, "create_chat_completion", counting)
    # no genre named: the model writes the whole answer, plan first (see words_plan)
    reply = responder.respond_stream(
        Transcript("quiero algo alegre con trompetas para bailar", "es"),
        on_sentence=lambda s: said.append((s, len(pieces_before))))
    assert said, "no sentence was streamed"
    assert said[0][1] < len(pieces_before) / 2  # the first sentence came early
    assert reply.say.startswith(" ".join(s for s, _ in said))
    assert reply.plan is not None and responder.last_first_token_s is not None


@pytest.mark.parametrize("text,language", [
    ("quiero una salsa alegre con trompetas", "es"),
    ("play a slow blues with piano and a walking bass", "en"),
])
def test_a_named_genre_renders_before_the_model_writes_and_it_writes_only_say(
        responder, monkeypatch, text, language):
    from voice_agent.responder.reading import read_request
    from voice_agent.responder.replies import words_plan

    events: list[str] = []
    written: list[str] = []
    original = responder.llm.create_completion

    def watched(*args, **kwargs):
        for chunk in original(*args, **kwargs):
            written.append(chunk["choices"][0]["text"])
            events.append("piece")
            yield chunk

    monkeypatch.setattr(responder.llm, "create_completion", watched)
    transcript = Transcript(text, language)
    reply = responder.respond_stream(transcript, on_sentence=lambda s: events.append("said"),
                                     on_plan=lambda settled: events.append(settled))
    settled = [e for e in events if not isinstance(e, str)]
    assert len(settled) == 1 and events.index(settled[0]) < events.index("piece")
    expected = words_plan(read_request(text, language), transcript, responder.default_duration_s)
    assert settled[0].plan == expected and reply.plan == expected
    continuation = "".join(written)
    assert '"genre"' not in continuation and continuation.rstrip().endswith("}")
    assert reply.source == "llm" and reply.say and looks_like(reply.say, language)
