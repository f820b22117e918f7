"""Library commands and lyrics with the real llama.cpp responder (Qwen2.5 0.5B GGUF)."""

from __future__ import annotations

import pytest

from voice_agent.library import Library, LibrarySession, LyricsWriter, parse_lyrics_request
from voice_agent.core.language import looks_like
from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn

pytestmark = pytest.mark.real_model

HISTORY = (Turn("t", "now", "text", Transcript("play some jazz", "en"),
                Reply("Here's jazz.", "jazz", Intent.MAKE_MUSIC, MusicPlan(genre="jazz"), "en")),)


@pytest.fixture(scope="module")
def responder():
    from voice_agent.responder.llama_cpp import LlamaCppResponder

    llm = LlamaCppResponder(threads=1, max_tokens=160)
    llm.load()
    return llm


@pytest.mark.parametrize("text,language,intent,playlist,item", [
    ("play number two from my road trip playlist", "en", Intent.PLAY, "road trip", 2),
    ("guárdala en favoritos", "es", Intent.SAVE, "favourites", None),
])
def test_the_real_responder_reads_commands(responder, text, language, intent, playlist, item):
    reply = responder.respond(Transcript(text, language), HISTORY)
    assert reply.source == "llm", reply.note  # the grammar still yields valid JSON
    assert (reply.intent, reply.playlist, reply.item) == (intent, playlist, item)
    assert reply.plan is None  # a command renders nothing new


def test_the_real_responder_still_makes_music(responder):
    reply = responder.respond(Transcript("play some relaxing jazz with piano", "en"), HISTORY)
    assert reply.intent is Intent.MAKE_MUSIC and reply.plan.genre == "jazz"


@pytest.mark.parametrize("text,language", [
    ("write a rock song called Midnight Road about driving at night", "en"),
    ("escribe una letra de salsa sobre el mar", "es"),
])
def test_the_real_model_writes_lyrics(responder, text, language):
    lyrics = LyricsWriter(responder.complete_json).write(parse_lyrics_request(text, language))
    assert lyrics.source == "llm", lyrics.note  # the model's own lyrics, not the template
    assert lyrics.language == language and len(lyrics.sections) >= 2
    assert all(1 <= len(line) <= 80 for s in lyrics.sections for line in s.lines)
    assert looks_like(" ".join(line for s in lyrics.sections for line in s.lines), language)
    if language == "en":
        assert lyrics.title == "Midnight Road"


def test_a_lyrics_turn_with_the_real_model_is_stored(responder, tmp_path):
    from voice_agent.pipeline.turns import Pipeline
    from tests.fakes import FakeRenderer

    session = LibrarySession(Library(tmp_path / "lib"), LyricsWriter(responder.complete_json))
    pipeline = Pipeline(None, responder, FakeRenderer(), library=session)
    turn = pipeline.run(text="write a ballad about the sea", language="en")
    assert turn.reply.intent is Intent.LYRICS and turn.reply.lyrics is not None
    stored = session.library.clip(turn.library.stored_clip_id)
    assert stored.lyrics == turn.reply.lyrics and stored.plan.genre == "ballad"
