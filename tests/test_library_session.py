"""Library commands inside real pipeline turns (fake models, real library), en and es."""

from __future__ import annotations

import json

import numpy as np
import pytest

from voice_agent.library import Library, LibrarySession, LyricsWriter
from voice_agent.library import commands
from voice_agent.modes.headless import summary
from voice_agent.pipeline.record import write_outputs
from voice_agent.pipeline.turns import Pipeline
from voice_agent.pipeline.record import turn_record
from voice_agent.core.types import Intent
from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker, FakeTranscriber


class Agent:
    """A pipeline with fake models and a real library in a temp folder."""

    def __init__(self, root, library=True, speak_lyrics=False):
        self.renderer = FakeRenderer()
        self.library = Library(root) if library else None
        self.pipeline = Pipeline(FakeTranscriber(), FakeResponder(), self.renderer,
                                 {"cloned": FakeSpeaker()},
                                 library=LibrarySession(self.library, LyricsWriter(None),
                                                        speak_lyrics=speak_lyrics))
        self.history = self.pipeline.new_history()

    def say(self, text, language=None):
        turn = self.pipeline.run(text=text, language=language, history=self.history)
        self.history.append(turn)
        return turn


@pytest.fixture
def agent(tmp_path):
    return Agent(tmp_path / "lib")


def test_every_rendered_clip_is_stored_with_its_turn(agent):
    turn = agent.say("play some jazz with piano")
    stored = agent.library.clip(turn.library.stored_clip_id)
    assert stored.transcript == "play some jazz with piano" and stored.plan == turn.reply.plan
    assert stored.say == turn.reply.say and stored.turn_id == turn.turn_id
    assert np.allclose(agent.library.load_audio(stored.clip_id).samples, turn.music.audio.samples,
                       atol=1e-4)
    assert turn.seconds("library_store") is not None and turn.ok


def test_save_list_play_remove_in_english(agent):
    agent.say("play some jazz with piano")
    agent.say("play a sad tango")
    saved = agent.say("save this to my evening playlist")
    assert saved.reply.say == "Saved to evening as number 1." and saved.library.done
    assert saved.music is None and agent.library.playlist("evening")[0].clip.plan.genre == "tango"
    assert agent.say("save it to the evening playlist").reply.say == \
        "That one is already in evening, as number 1."
    listed = agent.say("what's on my evening playlist")
    assert listed.reply.say == "evening has 1 clip: 1, sad tango."
    assert [e.number for e in listed.library.entries] == [1]
    rendered = len(agent.renderer.plans)
    played = agent.say("play number 1 from the evening playlist")
    assert len(agent.renderer.plans) == rendered  # played from the library, not rendered
    assert played.music.plan.genre == "tango" and played.reply.say.startswith("Playing number 1")
    assert played.library.stored_clip_id is None and agent.library.count() == 2
    assert any(s.stage == "music" and "library" in s.message for s in played.skipped)
    removed = agent.say("remove the last one from my evening playlist")
    assert removed.reply.say == "Removed number 1, sad tango, from evening."
    assert agent.library.playlist("evening") == [] and agent.library.count() == 2


def test_the_same_in_spanish(agent):
    agent.say("pon una salsa alegre", "es")
    saved = agent.say("guárdala en la lista de fiesta", "es")
    assert saved.reply.say == "Guardada en fiesta como la número 1."
    agent.say("quiero una cumbia", "es")
    assert agent.say("añádela a favoritos", "es").reply.say == \
        "Guardada en favoritos como la número 1."
    listed = agent.say("¿qué hay en la lista de fiesta?", "es")
    assert listed.reply.say.startswith("fiesta tiene 1 clip: 1,") and "salsa" in listed.reply.say
    played = agent.say("pon la número uno de la lista de fiesta", "es")
    assert played.music.plan.genre == "salsa" and played.reply.say.startswith("Pongo la número 1")
    missing = agent.say("pon la número 4", "es")
    assert missing.reply.say == "No hay número 4 en favoritos: tiene 1 clip." and missing.music is None
    removed = agent.say("quita la número 1 de favoritos", "es")
    assert removed.reply.say.startswith("He quitado la número 1")


def test_clear_asks_first_and_a_no_keeps_the_playlist(agent):
    agent.say("play some jazz")
    agent.say("save this")
    asked = agent.say("clear the playlist")
    assert "Say yes to confirm" in asked.reply.say and not asked.library.done
    assert asked.library.pending_confirmation == "clear:favourites"
    assert len(agent.library.playlist()) == 1
    kept = agent.say("no")
    assert kept.reply.say == "OK, I left favourites as it was." and len(agent.library.playlist()) == 1
    agent.say("vacía mis favoritos", "es")
    cleared = agent.say("sí", "es")
    assert cleared.reply.say == "Hecho: favoritos está vacía (1 clip quitados)."
    assert agent.library.playlist() == [] and agent.library.count() == 1  # the clip stays
    assert agent.say("yes").reply.say == "There's nothing waiting for a yes or no right now."


def test_a_yes_with_a_command_after_it_is_that_command_when_nothing_was_asked(agent):
    agent.say("play some jazz with piano")
    saved = agent.say("yeah that one, save it")
    assert saved.reply.intent is Intent.SAVE and saved.library.done
    assert agent.library.playlist()[0].clip.plan.genre == "jazz"
    replayed = agent.say("vale, repítela", "es")
    assert replayed.reply.intent is Intent.REPLAY
    # while "are you sure?" waits, the same words answer it
    asked = agent.say("clear my favourites")
    assert asked.library.pending_confirmation == "clear:favourites"
    answered = agent.say("yes, do it, clear them")
    assert answered.reply.intent is Intent.CONFIRM and agent.library.playlist() == []
    assert agent.say("yeah").reply.say == "There's nothing waiting for a yes or no right now."


def test_a_stale_confirmation_expires(agent, monkeypatch):
    agent.say("play some jazz")
    agent.say("save this")
    agent.say("clear my favourites")
    now = commands.time.time()
    monkeypatch.setattr(commands.time, "time", lambda: now + commands.PENDING_TTL_S + 1)
    assert not agent.say("yes").library.done and len(agent.library.playlist()) == 1


def test_another_like_a_numbered_clip_renders_a_new_seed(agent):
    agent.say("play some bossa nova")
    agent.say("save this")
    agent.say("play some metal")
    turn = agent.say("make another like number 1")
    source = agent.library.playlist()[0].clip
    new = agent.renderer.plans[-1]
    assert turn.reply.intent is Intent.ANOTHER_LIKE and new.genre == "bossa_nova"
    assert new.replace(seed=source.seed) == source.plan and new.seed != source.seed
    assert turn.library.clip_id == source.clip_id and turn.library.stored_clip_id == 3
    again = agent.say("another one")  # like the current clip: the one just made
    assert agent.renderer.plans[-1].genre == "bossa_nova"
    assert agent.renderer.plans[-1].seed not in (new.seed, source.seed)
    assert again.reply.say.startswith("Here's another one like the last clip")


def test_lyrics_are_written_stored_and_shown(agent, tmp_path):
    turn = agent.say("write a rock song called Midnight Road in the style of Springsteen")
    lyrics = turn.reply.lyrics
    assert turn.reply.intent is Intent.LYRICS and lyrics.title == "Midnight Road"
    assert lyrics.source == "template" and turn.reply.say.startswith("Here's Midnight Road")
    assert turn.music.plan.genre == "rock"
    assert agent.library.clip(turn.library.stored_clip_id).lyrics == lyrics
    record = write_outputs(turn, tmp_path / "out")
    assert record["reply"]["lyrics"]["title"] == "Midnight Road"
    assert (tmp_path / "out" / "lyrics.txt").read_text().startswith("Midnight Road")
    assert "lyrics (template):" in summary(record) and "[Chorus]" in summary(record)
    assert record["library"]["stored_clip_id"] == turn.library.stored_clip_id


def test_another_one_after_lyrics_writes_a_new_take(agent):
    first = agent.say("escribe una letra de salsa sobre el mar", "es")
    second = agent.say("otra", "es")
    assert second.reply.lyrics is not None and second.reply.lyrics.language == "es"
    assert second.reply.lyrics.sections != first.reply.lyrics.sections
    assert "el mar" in second.reply.lyrics.text()  # the same request, asked again
    assert agent.library.clip(second.library.stored_clip_id).lyrics == second.reply.lyrics


def test_lyrics_spoken_over_the_music_when_switched_on(tmp_path):
    agent = Agent(tmp_path / "lib", speak_lyrics=True)
    turn = agent.say("write a song about trains")
    mix = turn.library.lyrics_audio
    assert mix is not None and mix.duration_s > turn.music.audio.duration_s - 0.01
    stored = agent.library.clip(turn.library.stored_clip_id)
    assert stored.lyrics_audio_path.is_file()
    record = write_outputs(turn, tmp_path / "out")
    assert record["library"]["lyrics_audio_file"] == "lyrics_voice.wav"
    assert (tmp_path / "out" / "lyrics_voice.wav").is_file()
    agent.say("save this")
    played = agent.say("play number 1")
    assert played.music.audio.duration_s == pytest.approx(mix.duration_s, abs=1e-3)


def test_nothing_to_save_yet(agent):
    turn = agent.say("save this")
    assert turn.reply.say == "There's no clip to save yet. Ask me for some music first."
    assert not turn.library.done


def test_replay_does_not_store_a_duplicate(agent):
    agent.say("play some jazz")
    turn = agent.say("play it again")
    assert turn.reply.intent is Intent.REPLAY and turn.library.stored_clip_id is None
    assert agent.library.count() == 1


def test_with_the_library_off_commands_are_refused_and_lyrics_still_work(tmp_path):
    agent = Agent(tmp_path / "lib", library=False)
    agent.say("play some jazz")
    turn = agent.say("guárdala", "es")
    assert turn.reply.say == "No puedo hacerlo: la biblioteca de clips está desactivada."
    assert turn.ok and not (tmp_path / "lib").exists()
    song = agent.say("write a song about rain")
    assert song.reply.lyrics is not None and song.library.stored_clip_id is None
    another = agent.say("another one")  # varies the last plan from the history
    assert another.reply.intent is Intent.ANOTHER_LIKE
    assert another.music.plan == song.music.plan.replace(seed=another.music.plan.seed)
    assert another.music.plan.seed != song.music.plan.seed


def test_a_library_that_cannot_store_keeps_the_music_and_says_why(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    agent = Agent(blocker / "lib")
    turn = agent.say("play some jazz")
    assert turn.music is not None and len(turn.speech) == 1
    assert [e.stage for e in turn.errors] == ["library"]
    assert "Cannot create the library folder" in turn.errors[0].message


def test_the_turn_record_carries_what_the_library_did(agent):
    agent.say("play some jazz")
    turn = agent.say("save this")
    record = json.loads(json.dumps(turn_record(turn)))
    assert record["library"]["intent"] == "save" and record["library"]["done"] is True
    assert record["library"]["playlist"] == "favourites" and record["library"]["item"] == 1
    assert record["reply"]["intent"] == "save"


def test_config_and_flags_build_the_library_session(tmp_path):
    from voice_agent.responder.rules import RuleResponder
    from voice_agent.cli import build_parser, config_from_args
    from voice_agent.core.config import load_config
    from voice_agent.pipeline.build import build_library_session

    toml = tmp_path / "agent.toml"
    toml.write_text(f'[library]\npath = "{tmp_path / "mine"}"\nspeak_lyrics = true\n')
    config = load_config(toml)
    session = build_library_session(config, RuleResponder())
    assert session.library.root == tmp_path / "mine" and session.speak_lyrics
    assert not session.lyrics_writer.uses_model  # the rule responder has no model
    args = build_parser().parse_args(["run", "--text", "x", "--config", str(toml), "--no-library"])
    assert build_library_session(config_from_args(args), RuleResponder()).library is None
    args = build_parser().parse_args(["run", "--text", "x", "--library-dir", str(tmp_path / "b")])
    assert config_from_args(args).library.path == str(tmp_path / "b")


def test_the_default_library_is_under_the_agent_home(monkeypatch, tmp_path):
    from voice_agent.library import default_library_dir

    monkeypatch.delenv("VOICE_AGENT_LIBRARY")
    monkeypatch.setenv("VOICE_AGENT_HOME", str(tmp_path / "home"))
    assert default_library_dir() == tmp_path / "home" / "library"


def test_without_a_library_a_yes_is_read_as_an_answer_without_a_warning(caplog):
    # the bench's pipeline has a library session but no store: no warning every turn
    from voice_agent.library import LibraryScope

    with caplog.at_level("WARNING"):
        assert LibrarySession(None).awaiting_answer(LibraryScope()) is True
    assert not [r for r in caplog.records if "pending confirmation" in r.getMessage()]


def test_remove_it_takes_out_the_clip_playing_not_the_last_saved(agent):
    agent.say("play some jazz with piano")
    agent.say("save this one")
    agent.say("play a sad tango")
    agent.say("save this one")
    agent.say("play number 1 from my favourites")  # the jazz plays again: "it" is the jazz
    removed = agent.say("actually, remove it from my saved songs")
    assert removed.reply.intent is Intent.REMOVE and removed.library.done
    assert [e.clip.plan.genre for e in agent.library.playlist("favourites")] == ["tango"]
    assert [e.clip.plan.genre for e in removed.library.entries] == ["jazz"]
