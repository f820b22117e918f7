"""A save or list may name an existing playlist bare: "add it to sunday", "añádelo a carretera"."""

from __future__ import annotations

import pytest

from voice_agent.core.types import Intent
from voice_agent.library import Library, LibrarySession, LyricsWriter
from voice_agent.pipeline.turns import Pipeline
from voice_agent.responder.commands import named_playlist_command
from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber

NAMES = ("sunday", "dance night", "morning", "carretera", "favourites")


@pytest.mark.parametrize("text,intent,playlist", [
    ("add it to sunday", Intent.SAVE, "sunday"),
    ("put that one in morning as well", Intent.SAVE, "morning"),
    ("add that to dance night too", Intent.SAVE, "dance night"),
    ("Añádelo a carretera", Intent.SAVE, "carretera"),
    ("mete esta en carretera", Intent.SAVE, "carretera"),
    ("what's left in sunday", Intent.LIST, "sunday"),
    ("what's on dance night", Intent.LIST, "dance night"),
    ("¿qué hay en carretera?", Intent.LIST, "carretera"),
])
def test_a_bare_playlist_name_is_read_as_the_command(text, intent, playlist):
    command = named_playlist_command(text, NAMES)
    assert command is not None and command.intent is intent and command.playlist == playlist


@pytest.mark.parametrize("text,names", [
    ("add it to sunday", ()),                       # no such playlist: not a command
    ("add a trumpet to sunday", NAMES),             # an instrument: an edit of the piece
    ("play something for a sunday morning", NAMES),  # music, not a command
    ("add some dance night vibes", NAMES),          # the name is not where a list goes
    ("make it sound like a sunday", NAMES),
])
def test_other_words_with_a_playlist_s_name_are_not_commands(text, names):
    assert named_playlist_command(text, names) is None


def test_the_pipeline_reads_the_names_the_library_holds(tmp_path):
    library = Library(tmp_path / "lib")
    pipeline = Pipeline(FakeTranscriber(), FakeResponder(), FakeRenderer(),
                        {"cloned": FakeSpeaker()}, library=LibrarySession(library, LyricsWriter(None)))
    pipeline.run(text="make some slow jazz with piano")
    first = pipeline.run(text="save this to a playlist called sunday")
    assert first.reply.intent is Intent.SAVE
    pipeline.run(text="make some happy salsa")
    again = pipeline.run(text="add it to sunday")
    assert again.reply.intent is Intent.SAVE and again.reply.playlist == "sunday"
    assert [p.count for p in library.playlists() if p.name == "sunday"] == [2]
    listed = pipeline.run(text="what's left in sunday")
    assert listed.reply.intent is Intent.LIST and "2" in listed.reply.say


def test_asking_which_playlists_there_are_names_them_with_their_counts(tmp_path):
    library = Library(tmp_path / "lib")
    pipeline = Pipeline(FakeTranscriber(), FakeResponder(), FakeRenderer(),
                        {"cloned": FakeSpeaker()}, library=LibrarySession(library, LyricsWriter(None)))
    none_yet = pipeline.run(text="what playlists do I have?")
    assert none_yet.reply.intent is Intent.LIST and "no playlists" in none_yet.reply.say
    pipeline.run(text="make some slow jazz with piano")
    pipeline.run(text="save this to a playlist called sunday")
    pipeline.run(text="save it")
    listed = pipeline.run(text="Which playlists have I got?")
    assert listed.reply.intent is Intent.LIST
    assert listed.reply.say == "You have 2 playlists: favourites, 1 clip; sunday, 1 clip."
    assert listed.library.playlists == ("favourites", "sunday")  # the record names them
    spanish = pipeline.run(text="¿Qué listas tengo?", language="es")
    assert spanish.reply.say == "Tienes 2 listas: favoritos, con 1 clip; sunday, con 1 clip."
    assert pipeline.run(text="what's in sunday").reply.say.startswith("sunday has 1 clip")


@pytest.mark.parametrize("heard,intent,playlist", [
    ("what's on pecan nights?", Intent.LIST, "peckham nights"),      # heard for "Peckham Nights"
    ("put on the playlist o sea en drive", Intent.PLAY, "ocean drive"),
    ("ponme la lista dance nite", Intent.PLAY, "dance night"),
    ("add it to carreteras", Intent.SAVE, "carretera"),
])
def test_a_playlist_name_heard_a_little_off_is_the_playlist_it_sounds_like(heard, intent, playlist):
    command = named_playlist_command(heard, (*NAMES, "peckham nights", "ocean drive"))
    assert command is not None and command.intent is intent and command.playlist == playlist


@pytest.mark.parametrize("text", [
    "play jim mix",                 # too far from "gym mix" to be sure (0.67)
    "play something relaxing",      # no name alike
    "what's on the radio",
    "play some salsa night",        # "some" music asked for, not a playlist named
    "play monday",                  # alike, but not the same first sound as "sunday"
])
def test_words_too_far_from_any_name_are_no_playlist(text):
    assert named_playlist_command(text, (*NAMES, "gym mix", "salsa nights")) is None
