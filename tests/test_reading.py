"""One reading of the request (responder/reading.py) and the edits people ask for, en/es.

The EDIT_CASES below are the cases the edit rules were tuned on; the held-out set the
conversation benchmark scores lives apart, in benchmarks/conversations/.
"""

from __future__ import annotations

import json

import pytest

from tests.fakes import FakeRenderer, FakeResponder, FakeSpeaker
from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn
from voice_agent.library import Library, LibrarySession, LyricsWriter
from voice_agent.pipeline.record import turn_record
from voice_agent.pipeline.turns import STAGE_LLM, Pipeline
from voice_agent.responder.grounding import ground_plan, plan_from_text
from voice_agent.responder.reading import read_request, says_thanks
from voice_agent.responder.replies import reply_from_model_output, rule_reply
from voice_agent.responder.truth import check_say

SALSA = MusicPlan(genre="salsa", bpm=180, key="A", mode="minor",
                  instruments=("piano", "bass", "congas", "trumpet", "saxophone",
                               "acoustic guitar"),
                  mood="energetic", duration_s=15.0, seed=11)

#: (request, field -> value expected in the edited plan); every other field must stay
EDIT_CASES: tuple[tuple[str, dict], ...] = (
    ("faster", {"bpm": 207}),
    ("más rápido", {"bpm": 207}),
    ("slower please", {"bpm": 157}),
    ("más lento", {"bpm": 157}),
    ("at 90 bpm", {"bpm": 90}),
    ("ponla a 90 bpm", {"bpm": 90}),
    ("now in D major", {"key": "D", "mode": "major"}),
    ("ahora en re menor", {"key": "D"}),
    ("remove the saxophone",
     {"instruments": ("piano", "bass", "congas", "trumpet", "acoustic guitar")}),
    ("quita el saxo", {"instruments": ("piano", "bass", "congas", "trumpet", "acoustic guitar")}),
    ("swap the guitar for a flute",
     {"instruments": ("piano", "bass", "congas", "trumpet", "saxophone", "flute")}),
    ("cambia la guitarra por un piano",
     {"instruments": ("piano", "bass", "congas", "trumpet", "saxophone")}),
    ("add a violin", {"instruments": SALSA.instruments + ("violin",)}),
    ("añade una flauta", {"instruments": SALSA.instruments + ("flute",)}),
    ("make it sad", {"mood": "sad", "mode": "minor"}),
    ("ponla alegre", {"mood": "happy", "mode": "major"}),
    ("make it 30 seconds", {"duration_s": 30.0}),
    ("make it a 20-second loop", {"duration_s": 20.0}),
    ("que dure medio minuto", {"duration_s": 30.0}),
    ("hazla de un minuto y medio", {"duration_s": 60.0}),  # clamped to the 60 s limit
    ("make it half a minute", {"duration_s": 30.0}),
    ("now make it a cumbia", {"genre": "cumbia", "bpm": 95,
                              "instruments": ("accordion", "bass", "guiro", "congas")}),
    ("hazlo tango", {"genre": "tango", "bpm": 120,
                     "instruments": ("bandoneon", "violin", "piano", "bass")}),
    ("same but different", {"seed": 12}),
    ("lo mismo pero distinto", {"seed": 12}),
    # issue 12 quality round: numbers said in words, multipliers, tempo idioms, keys said
    # any way (solfège with sharps and flats), instrument families
    ("take it to one hundred and twenty beats per minute", {"bpm": 120}),
    ("déjala en ciento cuarenta pulsaciones", {"bpm": 140}),
    ("stretch it out to forty-five seconds", {"duration_s": 45.0}),
    ("que dure veintidós segundos", {"duration_s": 22.0}),
    ("hazla de minuto y medio", {"duration_s": 60.0}),  # 90 s, clamped to the 60 s limit
    ("twice as long please", {"duration_s": 30.0}),
    ("hazla la mitad de larga", {"duration_s": 7.5}),
    ("twice as fast", {"bpm": 220}),  # 360, clamped to the 220 limit
    ("could you pick it up a little", {"bpm": 207}),
    ("crank the tempo up", {"bpm": 207}),
    ("súbele un poco la velocidad", {"bpm": 207}),
    ("no tan lenta", {"bpm": 207}),
    ("ease off the pace", {"bpm": 157}),
    ("take the tempo down a notch", {"bpm": 157}),
    ("bájale el ritmo", {"bpm": 157}),
    ("no tan rápido", {"bpm": 157}),
    ("frénala un poco", {"bpm": 157}),
    ("can we move it to B flat major", {"key": "Bb", "mode": "major"}),
    ("cámbiala a fa sostenido mayor", {"key": "F#", "mode": "major"}),
    ("ahora en mi bemol", {"key": "Eb"}),
    ("switch it to major", {"mode": "major"}),
    ("throw in a horn section", {"instruments": SALSA.instruments + ("brass",)}),
    ("ponle metales", {"instruments": SALSA.instruments + ("brass",)}),
    ("añádele cuerdas", {"instruments": SALSA.instruments + ("strings",)}),
    ("bring in the woodwinds", {"instruments": SALSA.instruments + ("flute", "clarinet")}),
    ("la misma pero un poco distinta", {"seed": 12}),
    ("same idea but slightly different", {"seed": 12}),
    ("speed it up by 20 bpm", {"bpm": 200}),
    ("make it 10 bpm slower", {"bpm": 170}),
    ("bájale quince pulsaciones", {"bpm": 165}),
    ("raise it a semitone", {"key": "Bb"}),
    ("bájala medio tono", {"key": "Ab"}),
    ("I want it in C", {"key": "C"}),
    ("use a violin instead of the saxophone",
     {"instruments": ("piano", "bass", "congas", "trumpet", "violin", "acoustic guitar")}),
    ("en vez del saxo, una flauta",
     {"instruments": ("piano", "bass", "congas", "trumpet", "flute", "acoustic guitar")}),
    ("put an organ in it", {"instruments": SALSA.instruments + ("organ",)}),
    ("try it as funk", {"genre": "funk", "bpm": 110,
                        "instruments": ("electric guitar", "bass", "drums", "brass")}),
    ("y si la hacemos tango", {"genre": "tango", "bpm": 120,
                               "instruments": ("bandoneon", "violin", "piano", "bass")}),
    ("stretch it to a full minute", {"duration_s": 60.0}),
    ("make it a tango but keep the tempo", {"genre": "tango",
                                            "instruments": ("bandoneon", "violin", "piano", "bass")}),
    ("hazla cumbia con los mismos instrumentos", {"genre": "cumbia", "bpm": 95}),
    ("set the tempo to 130", {"bpm": 130}),
    ("ponla a cien", {"bpm": 100}),
    ("que dure menos", {"duration_s": 10.0}),
    ("vuelve a poner la flauta", {"instruments": SALSA.instruments + ("flute",)}),
    # a key move is not a tempo move; church modes; "baja la 85"; a genre switch that
    # keeps the rest, however it is said (sixth session)
    ("knock it down to C minor", {"key": "C"}),
    ("bring it up to D dorian", {"key": "D"}),
    ("ahora en sol mixolidio", {"key": "G", "mode": "major"}),
    ("está muy rápida, baja la 85", {"bpm": 85}),
    ("bájalo a 150", {"bpm": 150}),
    ("same again, just a new variation", {"seed": 12}),
    ("ahora conviértela en una cumbia, lo demás déjalo igual", {"genre": "cumbia"}),
    ("pasarlo a blues, pero deja todo lo demás igual", {"genre": "blues"}),
    ("convierte la en bossa nova y el resto queda igual", {"genre": "bossa_nova"}),
    ("ya po, ponle ciento quince de tempo", {"bpm": 115}),
    ("hacelo más cortito", {"duration_s": 10.0}),
    ("cambie la trompeta por un trombón",
     {"instruments": ("piano", "bass", "congas", "trombone", "saxophone", "acoustic guitar")}),
    ("same settings, different take please", {"seed": 12}),
    ("same thing again, only give it a different spin", {"seed": 12}),
    ("subile un poco el tempo", {"bpm": 207}),
    ("now in G, keep it minor", {"key": "G"}),
)


@pytest.mark.parametrize("text,expected", EDIT_CASES, ids=[c[0] for c in EDIT_CASES])
def test_each_edit_changes_only_what_was_asked(text, expected):
    reading = read_request(text, "en", SALSA)
    assert reading.intent is Intent.REFINE and reading.authoritative
    assert reading.edited == SALSA.replace(**expected)


@pytest.mark.parametrize("text", ["con metales", "more horns", "un bolero con cuerdas",
                                  "lower the volume", "in a hurry", "en la intro"])
def test_words_that_only_look_like_a_genre_tempo_or_key_change_none(text):
    edited = read_request(text, "es", SALSA).edited or SALSA
    assert (edited.genre, edited.bpm, edited.key) == (SALSA.genre, SALSA.bpm, SALSA.key)


@pytest.mark.parametrize("text,bpm,seconds,key", [
    ("a jazz tune at ninety bpm", 90, 15.0, None),
    ("un tango a ciento veinte pulsaciones", 120, 15.0, None),
    ("rock de treinta segundos", 125, 30.0, None),
    ("a fifteen second funk loop", 110, 15.0, None),
    ("un vals en sol mayor", 90, 15.0, ("G", "major")),
    ("a sad ballad in E flat minor", 70, 15.0, ("Eb", "minor")),
])
def test_a_new_request_reads_numbers_in_words_and_keys(text, bpm, seconds, key):
    plan = plan_from_text(text)
    assert (plan.bpm, plan.duration_s) == (bpm, seconds)
    assert key is None or (plan.key, plan.mode) == key


def test_a_few_shot_instrument_does_not_leak_into_an_edit_or_a_new_plan():
    answer = _model("Here's a cumbia with bandoneon and violin.", "cumbia",
                    ["accordion", "bandoneon", "violin"], "dramatic")
    reply = reply_from_model_output(answer, Transcript("a cumbia with accordion", "en"), (),
                                    15.0)
    assert reply.plan.genre == "cumbia" and "accordion" in reply.plan.instruments
    assert not {"bandoneon", "violin"} & set(reply.plan.instruments)
    assert "bandoneon" not in reply.say.lower()


def test_reading_names_what_changed():
    reading = read_request("cambia la guitarra por un piano y quita el saxo", "es", SALSA)
    assert reading.swapped == (("acoustic guitar", "piano"),)
    assert reading.removed == ("saxophone", "acoustic guitar") and reading.added == ()
    faster = read_request("faster", "en", SALSA)
    assert faster.tempo_change == "faster" and faster.bpm is None
    assert read_request("same but different", "en", SALSA).variation


@pytest.mark.parametrize("text,intent", [
    ("save this", Intent.SAVE), ("play number 2", Intent.PLAY),
    ("guárdala en favoritos", Intent.SAVE), ("pon la número dos", Intent.PLAY),
    ("play it again", Intent.REPLAY), ("otra vez", Intent.REPLAY),
])
def test_clear_commands_and_replays_are_authoritative(text, intent):
    reading = read_request(text, "en", SALSA)
    assert reading.intent is intent and reading.authoritative and reading.why


@pytest.mark.parametrize("text,previous", [
    ("play some jazz with piano", SALSA),  # a new request, even after a clip
    ("una cumbia alegre con acordeón", SALSA),
    ("más rápido y con más piano", None),  # nothing to edit yet
    ("hello, who are you?", None),
])
def test_new_requests_and_chat_are_left_to_the_model(text, previous):
    reading = read_request(text, "es", previous)
    assert not reading.authoritative and reading.edited is None


@pytest.mark.parametrize("text,genre", [("a happy cumbia", "cumbia"), ("una salsa alegre", "salsa"),
                                        ("happy tango", "tango")])
def test_a_happy_request_is_in_a_major_key(text, genre):
    plan = plan_from_text(text)
    assert plan.genre == genre and plan.mood == "happy" and plan.mode == "major"


def test_sad_is_minor_and_a_named_mode_wins():
    assert plan_from_text("a sad pop song").mode == "minor"
    assert plan_from_text("a happy cumbia in A minor").mode == "minor"
    assert plan_from_text("una cumbia").mode == "minor"  # the style's own mode


def test_keys_vary_by_seed_instead_of_always_a_minor_or_c_major():
    keys = {ground_plan({}, "some jazz", 15.0, seed).key for seed in range(12)}
    assert len(keys) >= 4


@pytest.mark.parametrize("text,seconds", [
    ("a 20-second jazz loop", 20.0), ("a 20 second mellow bossa nova", 20.0),
    ("jazz, 20 seconds long", 20.0), ("una cumbia que dure medio minuto", 30.0),
    ("half a minute of rock", 30.0), ("one minute of ambient", 60.0),
])
def test_lengths_said_any_common_way(text, seconds):
    assert plan_from_text(text).duration_s == seconds


def _model(say, genre, instruments, mood, intent="make_music"):
    return json.dumps({"say": say, "intent": intent, "genre": genre,
                       "instruments": instruments, "mood": mood}, ensure_ascii=False)


def test_the_few_shot_tango_does_not_leak_into_a_plan():
    answer = _model("¡Claro! Aquí tienes un tango dramático con bandoneón más rápido.", "tango",
                    ["bandoneon", "violin", "piano"], "dramatic")
    reply = reply_from_model_output(answer, Transcript("más rápido y con más piano", "es"), (), 15.0)
    assert reply.plan.genre != "tango" and "bandoneon" not in reply.plan.instruments
    assert "piano" in reply.plan.instruments and reply.plan.mood != "dramatic"
    assert "tango" not in reply.say and "bandoneón" not in reply.say
    assert reply.note.startswith("untrue reply replaced")


def test_the_few_shot_lofi_does_not_leak_but_a_named_tango_stays():
    answer = _model("Sure! Here's a mellow lo-fi beat.", "lofi", ["electric piano"], "relaxed")
    reply = reply_from_model_output(answer, Transcript("something to study to", "en"), (), 15.0)
    assert reply.plan.genre != "lofi" and "electric piano" not in reply.plan.instruments
    asked = _model("¡Claro! Un tango con bandoneón.", "tango", ["bandoneon"], "dramatic")
    reply = reply_from_model_output(asked, Transcript("quiero un tango", "es"), (), 15.0)
    assert reply.plan.genre == "tango" and "bandoneon" in reply.plan.instruments
    assert reply.say == "¡Claro! Un tango con bandoneón." and reply.note == ""


def _history(plan: MusicPlan) -> tuple[Turn, ...]:
    reply = Reply(say="", music_prompt="", intent=Intent.MAKE_MUSIC, plan=plan, language="en")
    return (Turn(turn_id="t0", created_at="", request="", transcript=None, reply=reply,
                 music=None, speech=(), timings=(), errors=(), skipped=(), latency={},
                 models={}),)


@pytest.mark.parametrize("text,language,say", [
    ("faster and remove the saxophone", "en",
     "Done: faster, now 207 BPM, and without the saxophone."),
    ("más lento y quita el saxo", "es", "Hecho: más lento, ahora a 157 BPM, y sin saxofón."),
    ("now in D major", "en", "Done: now in D major."),
    ("ahora en re mayor", "es", "Hecho: ahora en re mayor."),
    ("que dure medio minuto", "es", "Hecho: ahora dura 30 segundos."),
    ("same but different", "en", "Done: a new version of the same piece."),
])
def test_an_edit_reply_says_what_changed(text, language, say):
    reply = rule_reply(Transcript(text, language), _history(SALSA), 15.0)
    assert reply.intent is Intent.REFINE and reply.say == say


def test_a_wrong_edit_reply_from_the_model_is_replaced():
    answer = _model("I'll remove the saxophone from the playlist. It's now a tango with violin.",
                    "tango", ["violin"], "dramatic", intent="refine")
    reply = reply_from_model_output(answer, Transcript("remove the saxophone", "en"),
                                    _history(SALSA), 15.0)
    assert "saxophone" not in reply.plan.instruments and reply.plan.genre == "salsa"
    assert "tango" not in reply.say and "without the saxophone" in reply.say


def _library_pipeline(tmp_path):
    return Pipeline(None, FakeResponder(), FakeRenderer(), {"cloned": FakeSpeaker()},
                    library=LibrarySession(Library(tmp_path / "lib"), LyricsWriter(None)))


@pytest.mark.parametrize("command", ["save this", "guárdala en favoritos", "play number 1"])
def test_a_clear_library_command_turn_has_no_llm_stage(tmp_path, command):
    pipeline = _library_pipeline(tmp_path)
    history = pipeline.new_history()
    history.append(pipeline.run(text="play some jazz with piano", history=history))
    history.append(pipeline.run(text="save this", history=history))
    asked = len(pipeline.responder.histories)
    turn = pipeline.run(text=command, history=history)
    record = turn_record(turn)
    assert len(pipeline.responder.histories) == asked  # the model was not asked
    assert STAGE_LLM not in record["timings"]
    assert any(s["stage"] == STAGE_LLM and "command" in s["reason"] for s in record["not_run"])
    assert record["reply"]["source"] == "words" and turn.library.done


def test_a_clear_edit_skips_the_model_and_a_new_request_does_not(tmp_path):
    pipeline = _library_pipeline(tmp_path)
    first = pipeline.run(text="play a salsa with saxophone")
    assert STAGE_LLM in turn_record(first)["timings"]
    edit = pipeline.run(text="remove the saxophone", history=[first])
    record = turn_record(edit)
    assert STAGE_LLM not in record["timings"] and edit.reply.intent is Intent.REFINE
    assert "saxophone" not in edit.reply.plan.instruments and edit.music is not None
    assert edit.reply.plan.seed == first.reply.plan.seed
    assert "without the saxophone" in edit.reply.say


@pytest.mark.parametrize("responder", ["rules", "fake"])
def test_the_words_are_read_once_per_turn_even_when_the_model_answers(monkeypatch, responder):
    """The pipeline's one reading goes to the responder; nobody reads the words again."""
    from voice_agent.responder import reading as reading_module
    from voice_agent.responder.rules import RuleResponder

    read = []
    real = reading_module.read_request

    def counting(text, *args, **kwargs):
        read.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr("voice_agent.pipeline.turns.read_request", counting)
    monkeypatch.setattr("voice_agent.responder.replies.read_request", counting)
    chosen = RuleResponder() if responder == "rules" else FakeResponder()
    pipeline = Pipeline(None, chosen, FakeRenderer(), {"cloned": FakeSpeaker()})
    turn = pipeline.run(text="play a calm jazz tune with piano")
    assert turn.reply is not None and turn.reply.plan.genre == "jazz"
    assert read == ["play a calm jazz tune with piano"]


#: general phenomena found on the (now seen) eval_fresh set, said with other words here
FOLLOW_UP_EDITS: tuple[tuple[str, str, dict], ...] = (
    ("slow it down to 150", "en", {"bpm": 150}),
    ("speed it up to a hundred and ninety", "en", {"bpm": 190}),
    ("bájala a ciento veinte", "es", {"bpm": 120}),
    ("súbela a 200 bpm", "es", {"bpm": 200}),
    ("push it up a little", "en", {"bpm": 207}),
    ("bring it down a notch", "en", {"bpm": 157}),
    ("chop it in half", "en", {"duration_s": 7.5}),
    ("make it three times as long", "en", {"duration_s": 45.0}),
    ("double its length", "en", {"duration_s": 30.0}),
    ("que dure el triple", "es", {"duration_s": 45.0}),
    ("move it up to B", "en", {"key": "B"}),
    ("and some organ", "en", {"instruments": SALSA.instruments + ("organ",)}),
    ("y un poco de flauta", "es", {"instruments": SALSA.instruments + ("flute",)}),
    ("I want it sad and dark", "en", {"mood": "sad"}),
    ("replace the congas with a nice warm organ", "en",
     {"instruments": ("piano", "bass", "organ", "trumpet", "saxophone", "acoustic guitar")}),
)


@pytest.mark.parametrize("text,language,expected", FOLLOW_UP_EDITS,
                         ids=[c[0] for c in FOLLOW_UP_EDITS])
def test_follow_ups_edit_the_current_piece(text, language, expected):
    reading = read_request(text, language, SALSA)
    assert reading.intent is Intent.REFINE, text
    assert reading.edited == SALSA.replace(**expected)


@pytest.mark.parametrize("text", ["a sad song", "something dark and slow",
                                  "una canción alegre", "algo tranquilo"])
def test_a_new_piece_named_after_a_clip_is_not_read_as_modifiers_only(text):
    from voice_agent.core.language import fold
    from voice_agent.responder.reading import _modifiers_only

    fields = dict(genre=None, instruments=(), mood="sad")
    assert not _modifiers_only(" " + fold(text) + " ", fields)
    assert _modifiers_only(" and a sad feel ", fields)  # the test can fail


@pytest.mark.parametrize("text,bpm", [("keep the key and the tempo but make it a tango", 180),
                                      ("mantén el tono y el ritmo pero hazla tango", 180),
                                      ("keep the key but change the tempo, make it a tango", 120)])
def test_a_list_of_kept_fields_keeps_each_through_a_genre_change(text, bpm):
    reading = read_request(text, "en", SALSA)
    assert reading.edited.genre == "tango" and reading.edited.bpm == bpm


@pytest.mark.parametrize("text,key", [("up a whole step", "B"), ("súbele el tono", "B"),
                                      ("bájale un tono", "G"), ("down a whole step", "G")])
def test_a_whole_step_up_or_down_transposes_by_two(text, key):
    reading = read_request(text, "en", SALSA)
    assert reading.intent is Intent.REFINE and reading.edited == SALSA.replace(key=key)


@pytest.mark.parametrize("text,instruments", [
    ("piano only", ("piano",)), ("just the congas and bass", ("congas", "bass")),
    ("solo la trompeta", ("trumpet",)), ("the bass alone", ("bass",))])
def test_only_named_instruments_keeps_just_those(text, instruments):
    reading = read_request(text, "en", SALSA)
    assert reading.intent is Intent.REFINE
    assert reading.edited == SALSA.replace(instruments=instruments)


@pytest.mark.parametrize("text", ["just add a flute", "only a little faster",
                                  "now add a piano solo"])
def test_just_or_solo_that_names_no_band_keeps_the_band(text):
    edited = read_request(text, "en", SALSA).edited
    assert set(SALSA.instruments) <= set(edited.instruments)


@pytest.mark.parametrize("text", ["Now something totally different: a calm piano piece",
                                  "let's do a new one, sad piano", "otra cosa: algo con flauta"])
def test_starting_over_is_a_new_request_not_an_edit(text):
    reading = read_request(text, "en", SALSA)
    assert reading.guess is Intent.MAKE_MUSIC and reading.edited is None


@pytest.mark.parametrize("text,expected", [
    ("it's too fast", {"bpm": 157}), ("too slow", {"bpm": 207}),
    ("está demasiado rápida", {"bpm": 157}), ("es muy lenta", {"bpm": 207}),
    ("that's too long", {"duration_s": 10.0}), ("demasiado corta", {"duration_s": 22.5}),
    ("five seconds longer", {"duration_s": 20.0}), ("cut 5 seconds", {"duration_s": 10.0}),
    ("add 10 seconds", {"duration_s": 25.0}), ("diez segundos más", {"duration_s": 25.0}),
    ("hazla 5 segundos más corta", {"duration_s": 10.0})])
def test_complaints_and_steps_in_seconds_edit_the_other_way_or_by_that_much(text, expected):
    reading = read_request(text, "es", SALSA)
    assert reading.intent is Intent.REFINE
    assert reading.edited == SALSA.replace(**expected)


@pytest.mark.parametrize("text,expected", [
    ("raise the pitch", {"key": "B"}), ("lower the key", {"key": "G"}),
    ("make it cheerier", {"mood": "happy", "mode": "major"})])
def test_pitch_words_transpose_and_an_ier_comparative_names_its_mood(text, expected):
    reading = read_request(text, "en", SALSA)
    assert reading.intent is Intent.REFINE and reading.edited == SALSA.replace(**expected)


def test_an_ier_comparative_of_a_mood_word_names_that_mood():
    calm = SALSA.replace(mood="calm")
    reading = read_request("make it punchier", "en", calm)
    assert reading.intent is Intent.REFINE and reading.edited == calm.replace(mood="energetic")


@pytest.mark.parametrize("text", ["turn it into a blues, keep everything else",
                                  "hazla blues y deja todo lo demás igual",
                                  "conviértela en blues, mantén lo demás"])
def test_a_genre_change_keeping_everything_else_changes_only_the_genre(text):
    reading = read_request(text, "en", SALSA)
    assert reading.intent is Intent.REFINE and reading.edited == SALSA.replace(genre="blues")


@pytest.mark.parametrize("text", ["keep only the piano", "solo deja el piano", "just keep the piano",
                                  "deja solo el piano", "piano only"])
def test_keep_only_one_instrument_removes_every_other(text):
    reading = read_request(text, "en", SALSA)
    assert reading.intent is Intent.REFINE and reading.edited == SALSA.replace(instruments=("piano",))


@pytest.mark.parametrize("text", ["same vibe but a fresh take", "dame otra por el estilo",
                                  "something similar", "en la misma onda"])
def test_another_like_this_is_a_new_take_of_the_current_plan(text):
    assert read_request(text, "en", SALSA).intent is Intent.ANOTHER_LIKE


@pytest.mark.parametrize("text,bpm,key", [
    ("I want a techno track at one twenty eight", 128, None),
    ("metal pesado con guitarra distorsionada a 160", 160, None),
    ("slow blues in A with electric guitar and piano", None, "A")])
def test_a_new_request_with_a_said_tempo_or_a_bare_key(text, bpm, key):
    plan = plan_from_text(text)
    assert (bpm is None or plan.bpm == bpm) and (key is None or plan.key == key)


@pytest.mark.parametrize("text,language,intent,fields", [
    ("play it back", "en", Intent.REPLAY, {}),
    ("turn this into rock but keep the tempo", "en", Intent.REFINE,
     {"genre": "rock", "bpm": 105}),
    ("switch the genre to salsa and leave everything else as it is", "en", Intent.REFINE,
     {"genre": "salsa", "bpm": 105, "key": "A"}),
    ("ahora vuélvela reguetón", "es", Intent.REFINE, {"genre": "reggaeton", "key": "A"}),
])
def test_genre_switches_and_replays_as_the_blind_set_said_them(text, language, intent, fields):
    """From the first run of eval_fresh4 (2026-11-30); that run's figures stand."""
    previous = plan_from_text("a funk groove at 105 bpm in A major")
    reading = read_request(text, language, previous)
    assert reading.intent is intent
    for name, value in fields.items():
        assert getattr(reading.edited, name) == value, name


def test_a_save_names_a_new_playlist_bare():
    from voice_agent.responder.commands import parse_command

    assert parse_command("save it to study beats please").playlist == "study beats"
    assert parse_command("guárdala en mañanas").playlist == "mananas"
    assert parse_command("save it to my favorites").playlist == "favourites"
    assert parse_command("save it to the library").playlist is None


@pytest.mark.parametrize("text,key", [
    ("make a rock track and e-minor with electric guitar", ("E", "minor")),  # Whisper's hyphen
    ("strings in harp and d-major, slow", ("D", "major")),
    ("in D minor", ("D", "minor")),
])
def test_a_key_written_with_a_hyphen_is_a_key(text, key):
    from voice_agent.responder.grounding import find_key

    assert find_key(text) == key


@pytest.mark.parametrize("text,direction", [
    ("Está chida, pero sube le tantito a la velocidad.", "faster"),  # "súbele", written apart
    ("Bajale un poco el tiempo.", "slower"),  # "tiempo": the tempo, after subir/bajar
    ("dame más tiempo", None),  # ... but "more time" is a length, not a tempo
    ("que dure menos tiempo", None),
])
def test_spanish_tempo_verbs_as_whisper_writes_them(text, direction):
    from voice_agent.responder.grounding import tempo_direction

    assert tempo_direction(text) == direction


@pytest.mark.parametrize("text,bpm", [
    ("Quiero un rock bien potente con guitarra eléctrica, bajo y batería, 140.", 140),
    ("a salsa, 30 seconds", None),  # a length
    ("a salsa, thirty", None),  # too slow to be a tempo
])
def test_a_number_ending_the_request_after_a_comma_is_its_tempo(text, bpm):
    from voice_agent.responder.grounding import find_bpm

    assert find_bpm(text) == bpm


@pytest.mark.parametrize("text,intent", [
    ("Qué bacano. Guárdela en la lista parranda", Intent.SAVE),
    ("Métala también en parranda", Intent.SAVE),
    ("Give me another one in that style", Intent.ANOTHER_LIKE),
    ("Está padre, hazme otra así", Intent.ANOTHER_LIKE),
    ("Échame otro igualito pero que sea diferente", Intent.ANOTHER_LIKE),
])
def test_usted_commands_and_another_like_as_the_fifth_blind_set_said_them(text, intent):
    """From the first run of eval_fresh5 (2026-11-30); that run's figures stand."""
    assert read_request(text, "es", SALSA, ("parranda",)).intent is intent


@pytest.mark.parametrize("text,expected", [
    ("Súbale un poquito la velocidad a esa", {"bpm": 207}),
    ("Bájele el tempo", {"bpm": 157}),
    ("Quítele el saxofón", {"instruments": ("piano", "bass", "congas", "trumpet",
                                            "acoustic guitar")}),
])
def test_usted_edits(text, expected):
    reading = read_request(text, "es", SALSA)
    assert reading.intent is Intent.REFINE
    assert reading.edited == SALSA.replace(**expected)


def test_metal_is_still_a_genre_not_a_command():
    from voice_agent.responder.commands import _ADD_VERBS, _has

    assert _has(_ADD_VERBS, "metala en parranda") and _has(_ADD_VERBS, "metalo")
    assert not _has(_ADD_VERBS, "un metal pesado") and not _has(_ADD_VERBS, "metales")


@pytest.mark.parametrize("text, playlist", [("play the homework playlist", "homework"),
                                            ("pon la lista parranda", "parranda"),
                                            ("ponme la playlist del antro", "antro")])
def test_playing_a_named_playlist_starts_at_its_first_song(text, playlist):
    reading = read_request(text, "en", SALSA)
    assert reading.intent is Intent.PLAY
    assert (reading.command.playlist, reading.command.item) == (playlist, 1)


@pytest.mark.parametrize("text", ["muestra la lista parranda", "what is in my homework playlist"])
def test_showing_a_playlist_still_lists_it(text):
    assert read_request(text, "en", SALSA).intent is Intent.LIST


@pytest.mark.parametrize("text, intent", [("No, no, mejor como estaba", Intent.UNDO),
                                          ("Nah, take that last change back", Intent.UNDO),
                                          ("I preferred it how it was before", Intent.UNDO),
                                          ("Vuelva a la primera versión", Intent.GO_TO_VERSION),
                                          ("Mejor devuélvase a la versión dos",
                                           Intent.GO_TO_VERSION),
                                          ("Otra más así", Intent.ANOTHER_LIKE),
                                          ("Chuck it on my playlist Gym", Intent.SAVE),
                                          ("keep this one", Intent.SAVE),
                                          ("hazme otra del mismo palo", Intent.ANOTHER_LIKE),
                                          ("What playlists have I got?", Intent.LIST)])
def test_commands_said_other_ways(text, intent):
    assert read_request(text, "es", SALSA, awaiting_answer=False).intent is intent


# -- the eighth blind set's misses (2026-11-30), now tuning cases ---------------------------

@pytest.mark.parametrize("text, playlist, item, intent", [
    ("Ya, déjala en la lista Carrete.", "carrete", None, Intent.SAVE),
    ("Mándala a la lista Pa' Mi Jeva.", "pa mi jeva", None, Intent.SAVE),
    ("Ahora poné la lista Asado.", "asado", 1, Intent.PLAY),      # voseo
    ("Poneme la lista Fiesta, pues.", "fiesta", 1, Intent.PLAY),
    ("Cool. Do I have any playlists yet?", "*", None, Intent.LIST),
])
def test_playlist_commands_said_other_ways(text, playlist, item, intent):
    reading = read_request(text, "es", SALSA, awaiting_answer=False)
    assert reading.intent is intent
    assert (reading.command.playlist, reading.command.item) == (playlist, item)


@pytest.mark.parametrize("text, intent", [
    ("Okay, play Gym Mix.", Intent.PLAY), ("Shot. Play Sunday Lunch, please.", Intent.PLAY),
    ("Put that one in Gym Mix too.", Intent.SAVE),
    ("Pop that one on Sunday Lunch as well.", Intent.SAVE),
])
def test_a_playlist_named_bare_once_it_exists(text, intent):
    reading = read_request(text, "en", SALSA, playlists=("gym mix", "sunday lunch"))
    assert reading.intent is intent
    assert reading.command.playlist in ("gym mix", "sunday lunch")
    # unknown names stay unread rather than guessed
    assert read_request(text, "en", SALSA).intent is not intent


@pytest.mark.parametrize("text", ["¿Qué es lo que está sonando ahora?",
                                  "What tempo's it sitting at now?",
                                  "Sweet. What's playing right now?", "What key is this in?"])
def test_a_question_about_the_clip_is_answered_from_its_plan(text):
    reading = read_request(text, "en", SALSA)
    assert reading.intent is Intent.CHAT and reading.about_clip
    reply = rule_reply(Transcript(text, "en"), _history(SALSA), 15.0, reading=reading)
    assert reply.plan is None  # nothing is made
    assert "salsa" in reply.say and "180 BPM" in reply.say and "A minor" in reply.say
    assert check_say(reply.say, SALSA, "en") == []  # every fact is the clip's


@pytest.mark.parametrize("text", ["what about a faster tempo?", "what if you change the key",
                                  "¿qué tal si le pones piano?", "Qué padre, súbele el tempo",
                                  "¡Qué padre! Bájale al ritmo"])
def test_a_question_that_asks_for_a_change_is_not_about_the_clip(text):
    assert not read_request(text, "en", SALSA).about_clip


@pytest.mark.parametrize("text, expected", [
    ("Súbele un poquito, que está muy parada.", "faster"),
    ("Ta, está buena, pero la siento medio dormida, bo.", "faster"),
    ("Está como muy lentita, ¿no?", "faster"),
    ("Could you take it a touch slower? It feels a bit rushed.", "slower"),
    ("No, sorry, I got that wrong, I meant slower, not quicker.", "slower"),
    ("No, pará, me equivoqué: lo quería más rápido, no más lento.", "faster"),
    ("it's dragging a bit", "faster"), ("está muy acelerada", "slower"),
    ("acelérala un poco", "faster"),
    ("it's a little slow for me", "faster"), ("this is kinda fast", "slower"),
    ("can you slow it right down", "slower"), ("más lentito", "slower"),
    ("la siento un poco lenta", "faster"),
    ("Uf, se siente pesada. ¿Le das un poco más de vidilla al ritmo?", "faster"),
    ("Está chida, pero como que va muy lenta, ¿no? Apúrale tantito.", "faster"),
    ("Nah mate, that's way too frantic.", "slower"),
    ("Che, va re acelerado. Bajale un cambio, dale.", "slower"),
])
def test_a_tempo_said_by_how_it_feels_or_corrected(text, expected):
    reading = read_request(text, "es", SALSA)
    assert reading.intent is Intent.REFINE
    assert (reading.edited.bpm > SALSA.bpm) == (expected == "faster")
    assert reading.edited.replace(bpm=SALSA.bpm) == SALSA


@pytest.mark.parametrize("text, field, value", [
    ("Sorry sorry, I mean 115, not 120.", "bpm", 115),
    ("No wait, I meant 115, not a hundred and five.", "bpm", 115),
    ("No, perdón, te dije mi bemol, no si bemol.", "key", "Eb"),
    ("Vale, pues ahora fuera el saxo, y mete una flauta.", "instruments",
     ("piano", "bass", "congas", "trumpet", "acoustic guitar", "flute")),
    ("Ponle una flautita también, pues.", "instruments", SALSA.instruments + ("flute",)),
    ("Ahora hazme la misma, pero tocada de otra forma.", "seed", 12),
    ("¿Y una versión distinta de esa misma, sin cambiarle nada?", "seed", 12),
    ("Now a bossa nova, but keep the tempo and the key.", "genre", "bossa_nova"),
    ("Ahora hacé una bachata, dejá todo lo demás igual.", "genre", "bachata"),
])
def test_edits_said_other_ways(text, field, value):
    reading = read_request(text, "es", SALSA)
    assert reading.intent is Intent.REFINE
    assert getattr(reading.edited, field) == value
    if field == "genre":  # what was said to be kept is kept
        assert (reading.edited.bpm, reading.edited.key) == (SALSA.bpm, SALSA.key)


def test_talk_after_an_okay_with_nothing_to_confirm_is_chat():
    assert read_request("Okay, can already. Thank you ah.", "en", SALSA,
                        awaiting_answer=False).guess is Intent.CHAT
    assert read_request("yes", "en", SALSA, awaiting_answer=False).intent is Intent.CONFIRM


TANGO = MusicPlan(genre="tango", bpm=120, key="F#", mode="minor",
                  instruments=("bandoneon", "violin", "piano", "bass"), mood="passionate",
                  duration_s=15.0, seed=3)


@pytest.mark.parametrize("text, instruments", [
    ("Agregale un contrabajo.", TANGO.instruments + ("upright bass",)),  # that very bass
    ("add an upright bass", TANGO.instruments + ("upright bass",)),
    ("add an electric guitar", TANGO.instruments + ("electric guitar",)),
    ("remove the bass", ("bandoneon", "violin", "piano")),  # whichever bass it has
])
def test_a_named_instrument_is_that_instrument_a_generic_one_the_plans(text, instruments):
    assert read_request(text, "es", TANGO).edited.instruments == instruments


def test_adding_the_kind_of_instrument_the_plan_has_changes_nothing():
    assert read_request("add a bass", "en", TANGO).edited == TANGO


@pytest.mark.parametrize("text, language, welcome", [
    ("Thank you o, this one sweet me well well.", "en", "You're welcome"),
    ("Cheers, love it", "en", "You're welcome"), ("Gracias, está genial", "es", "De nada"),
])
def test_thanks_with_nothing_asked_is_answered_with_a_welcome(text, language, welcome):
    reading = read_request(text, language, SALSA, awaiting_answer=False)
    reply = rule_reply(Transcript(text, language), _history(SALSA), 15.0, reading=reading)
    assert reply.intent is Intent.CHAT and reply.plan is None
    assert welcome in reply.say


def test_a_request_that_is_not_thanks_gets_no_welcome():
    reply = rule_reply(Transcript("hello there", "en"), _history(SALSA), 15.0)
    assert "welcome" not in reply.say
    assert not says_thanks("make it faster") and not says_thanks("tango at 120")


@pytest.mark.parametrize("text", ["I love it", "love this one, thanks", "Loving how it sounds"])
def test_love_as_praise_is_not_a_romantic_mood(text):
    reading = read_request(text, "en", SALSA, awaiting_answer=False)
    assert reading.intent is not Intent.REFINE and reading.mood is None
    assert read_request("a love theme with strings", "en").mood == "romantic"


@pytest.mark.parametrize("text", ["actually put it back", "I liked the old one better",
                                  "como estaba antes", "la de antes era mejor",
                                  "hmm, the previous one was better"])
def test_a_preference_for_how_it_was_is_an_undo(text):
    assert read_request(text, "en", SALSA, awaiting_answer=False).intent is Intent.UNDO


def test_put_it_back_with_more_after_is_not_an_undo():
    assert read_request("put it back in a minor key", "en", SALSA).intent is not Intent.UNDO


@pytest.mark.parametrize("text, old, new", [
    ("en vez del saxo pon una flauta", "saxophone", "flute"),
    ("instead of the trumpet use a trombone", "trumpet", "trombone"),
])
def test_instead_of_then_a_verb_is_a_swap(text, old, new):
    edited = read_request(text, "es", SALSA).edited
    assert old not in edited.instruments and new in edited.instruments


def test_again_but_different_is_a_new_take_of_the_same_plan():
    edited = read_request("hazla de nuevo pero distinta", "es", SALSA).edited
    assert edited.seed != SALSA.seed and edited.replace(seed=SALSA.seed) == SALSA


@pytest.mark.parametrize("text, bpm", [("how about 110 instead", 110),
                                       ("ciento treinta, porfa", 130), ("¿y si mejor noventa?", 90)])
def test_a_tempo_offered_or_said_alone(text, bpm):
    reading = read_request(text, "es", SALSA)
    assert reading.intent is Intent.REFINE and reading.edited.bpm == bpm


def test_a_number_in_a_sentence_is_not_a_tempo_on_its_own():
    assert read_request("save it to playlist 2", "en", SALSA).bpm is None
    assert read_request("make it 30 seconds", "en", SALSA).bpm is None


@pytest.mark.parametrize("text, removed", [
    ("kill the sax", "saxophone"), ("mute the trumpet", "trumpet"),
    ("the sax is annoying, remove it", "saxophone"), ("el piano, quítalo", "piano"),
])
def test_removals_said_other_ways(text, removed):
    edited = read_request(text, "en", SALSA).edited
    assert removed not in edited.instruments
    assert len(edited.instruments) == len(SALSA.instruments) - 1


@pytest.mark.parametrize("text, intent, playlist", [
    ("put on my fiesta playlist", Intent.PLAY, "fiesta"),
    ("¿cuáles son mis listas?", Intent.LIST, "*"),
    ("what's on the fiesta list", Intent.LIST, "fiesta"),
    ("scratch that", Intent.UNDO, None), ("no, I didn't like that change", Intent.UNDO, None),
    ("a ver la versión uno", Intent.PLAY_VERSION, None),
])
def test_playlist_and_version_commands_said_more_ways(text, intent, playlist):
    reading = read_request(text, "en", SALSA, awaiting_answer=False)
    assert reading.intent is intent
    if playlist is not None:
        assert reading.command.playlist == playlist


@pytest.mark.parametrize("text", ["how fast is this?", "¿cuánto dura?", "how long is it"])
def test_a_how_question_is_about_the_clip(text):
    assert read_request(text, "en", SALSA).about_clip
    assert not read_request("how fast can you make it?", "en", SALSA).about_clip


def test_beats_a_minute_is_a_tempo_not_a_length():
    edited = read_request("Could we have it at about ninety-five beats a minute instead?", "en",
                          SALSA).edited
    assert (edited.bpm, edited.duration_s) == (95, SALSA.duration_s)


@pytest.mark.parametrize("text, key", [("Hazme un blues con armónica en mi a noventa.", "E"),
                                       ("una cumbia en la a ciento diez", "A")])
def test_a_bare_solfege_note_before_its_tempo(text, key):
    from voice_agent.responder.grounding import find_key
    assert find_key(text)[0] == key
    assert find_key("tócala en mi casa a las diez")[0] is None


@pytest.mark.parametrize("text, intent, versions", [
    ("Play us the original one again, mate.", Intent.PLAY_VERSION, (1,)),
    ("¿Me pones la primera otra vez?", Intent.PLAY_VERSION, (1,)),
    ("Compáreme la uno con la dos, por favor.", Intent.COMPARE, (1, 2)),
    ("Can you play me the first and the last, back to back?", Intent.COMPARE, (1, -1)),
    ("Make I hear the new one and then the old one, one after the other.", Intent.COMPARE,
     (-1, -2)),
    ("Scratch that last change, eh.", Intent.UNDO, ()),
])
def test_version_commands_said_other_ways(text, intent, versions):
    from voice_agent.responder.commands import parse_version_command
    command = parse_version_command(text)
    assert (command.intent, command.versions) == (intent, versions)


@pytest.mark.parametrize("text, intent, playlist", [
    ("Put it inna mi Sunday Vibes playlist.", Intent.SAVE, "sunday vibes"),
    ("Now play mi Sunday Vibes playlist.", Intent.PLAY, "sunday vibes"),
])
def test_a_playlist_after_mi(text, intent, playlist):
    reading = read_request(text, "en", SALSA)
    assert (reading.intent, reading.command.playlist) == (intent, playlist)


@pytest.mark.parametrize("text, intent", [
    ("¿La puede volver a poner, por favor?", Intent.REPLAY),
    ("Could you have another go at that? Same everything, just played differently.", Intent.REFINE),
])
def test_replays_and_new_takes_said_other_ways(text, intent):
    reading = read_request(text, "es", SALSA)
    assert reading.intent is intent
    if intent is Intent.REFINE:
        assert reading.edited.seed != SALSA.seed


def test_an_edit_word_with_nothing_to_change_is_talk_not_a_new_version():
    reading = read_request("Cheers, that's all for now. Have a good one.", "en", SALSA)
    assert reading.guess is Intent.CHAT and reading.intent is None
    # naming what the clip already has is still an edit, answered with what it has
    assert read_request("Métele también un bajo", "es", SALSA).guess is Intent.REFINE
    # praise before it changes nothing (probes2, after a first fix had made it chat)
    assert read_request("Awesome, eh. Add some piano.", "en", SALSA,
                        awaiting_answer=False).guess is Intent.REFINE


@pytest.mark.parametrize("text", ["Big tune, bredda!", "Did you compose this yourself?",
                                  "That's really relaxing, thanks eh."])
def test_praise_and_questions_to_the_agent_make_nothing(text):
    # authoritative: a language model must not make music of "muchas gracias" either
    reading = read_request(text, "en", SALSA, awaiting_answer=False)
    assert reading.intent is Intent.CHAT and reading.authoritative and reading.talk


@pytest.mark.parametrize("text", ["thanks, more relaxing please", "can you make it faster?",
                                  "Gracias, ahora más lenta"])
def test_thanks_or_a_question_with_an_edit_is_the_edit(text):
    assert read_request(text, "en", SALSA, awaiting_answer=False).intent is Intent.REFINE


def test_the_mode_alone_after_usted_and_voseo_verbs():
    major = SALSA.replace(mode="major")
    for text in ("Vuélvalo menor y más rápido, por favor.", "hacela menor"):
        assert read_request(text, "es", major).edited.mode == "minor"


@pytest.mark.parametrize("text, key", [
    ("Drop it to seventy, E instead of A, keep everything else.", "E"),
    ("Hazme un blues en mi con guitarra eléctrica y armónica.", "E"),
])
def test_more_bare_keys(text, key):
    from voice_agent.responder.grounding import find_key
    assert find_key(text)[0] == key
    assert find_key("nos vemos en mi casa con amigos")[0] is None


def test_spoken_forms_of_typed_requests_read_the_same():
    """Found by benchmarks/spoken_fields.py: what a transcript writes differently."""
    from voice_agent.responder.grounding import find_key, find_mood
    assert read_request("Bájale un toque en la velocidad.", "es", SALSA).edited.bpm < SALSA.bpm
    assert find_mood("a high energy edm track") == find_mood("a high-energy EDM track") == "energetic"
    assert find_key("Ponle la tonalidad en fa en modo mayor.") == ("F", "major")
    from voice_agent.responder.grounding import find_bpm
    assert find_bpm("una rumba flamenca con palmas a 120 que sea apasionada") == 120


@pytest.mark.parametrize("text, check", [
    ("Lovely. Could you pop a cello in as well?", lambda e: e.genre == "salsa" and "cello" in e.instruments),
    ("Now slow her down some.", lambda e: e.bpm < SALSA.bpm),
    ("Slower a bit can? Seventy-five.", lambda e: e.bpm == 75),
])
def test_eval_fresh9_edits(text, check):
    """The ninth blind set's typed misses (run once on c280e88, then fixed)."""
    reading = read_request(text, "en", SALSA)
    assert reading.intent is Intent.REFINE and check(reading.edited)


def test_eval_fresh9_commands_and_questions():
    assert read_request("Sorry, what key is this in again?", "en", SALSA).about_clip
    assert read_request("Undo that one, I prefer the one before.", "en", SALSA,
                        awaiting_answer=False).intent is Intent.UNDO
    from voice_agent.core.vocabulary import find_genre
    assert find_genre("give me some pop in D major") == find_genre("a pop song") == "pop"


@pytest.mark.parametrize("text, intent", [
    ("I know, put it back the way it was.", Intent.UNDO), ("M-M-M no deshaste eso.", Intent.UNDO),
    ("Desaflo último.", Intent.UNDO),
])
def test_eval_fresh9_spoken_undos(text, intent):
    assert read_request(text, "es", SALSA, awaiting_answer=False).intent is intent


def test_eval_fresh9_spoken_fields():
    from voice_agent.core.vocabulary import find_genre
    from voice_agent.responder.grounding import find_bpm
    assert find_bpm("hazme un reguetón con harto bajo y sintetizador a 92 ya.") == 92
    assert find_genre("house it, can you make a jazz tune with piano") == "jazz"
    assert find_genre("some deep house with a piano") == "edm"


@pytest.mark.parametrize("text, language, field, value", [
    # the tenth blind set's typed misses (run once on 181f800, then fixed) and new phrasings
    ("Alright la, make us a rock song, about a hundred and twenty, no, make that a hundred and "
     "thirty, in G major.", "en", "bpm", 130),
    ("Hazme una cumbia con acordeón, a ciento diez... no, mejor a ciento cinco.", "es", "bpm", 105),
    ("A rock song at 120, no wait, make that 130", "en", "bpm", 130),
    ("Una salsa en re, digo, en mi menor", "es", "key", "E"),
    ("Some jazz, I mean salsa, with a trumpet", "en", "genre", "salsa"),
])
def test_a_correction_mid_request_replaces_what_came_before(text, language, field, value):
    reading = read_request(text, language)
    assert getattr(reading, field) == value
    assert plan_from_text(text, language).__getattribute__(field) == value


def test_a_correction_keeps_what_it_does_not_restate():
    reading = read_request("A rock song at 120, no, make that 130, in G major", "en")
    assert (reading.genre, reading.bpm, reading.key) == ("rock", 130, "G")
    # "no" with nothing restated after it is no correction
    assert read_request("Add a sax, no bass though", "en", SALSA).bpm is None
    assert read_request("jazz at 120, no, make it salsa", "en").bpm == 120


@pytest.mark.parametrize("text", ["Ai, no, así no me gusta. Deshaz eso.",
                                  "Ay no así no me gusta, deshaz eso.",
                                  "Hmm, I'm not sure about that one. Go back to version one."])
def test_a_complaint_then_an_undo_is_the_undo(text):
    reading = read_request(text, "es", SALSA, awaiting_answer=False)
    assert reading.intent in (Intent.UNDO, Intent.GO_TO_VERSION) and not reading.talk


@pytest.mark.parametrize("text, thanks", [
    ("Así no me gusta.", False), ("It's not great.", False), ("I don't love it.", False),
    ("Me gusta mucho, gracias.", True), ("Love it, thanks!", True), ("Not bad at all, cheers", True),
])
def test_praise_taken_back_is_no_thanks(text, thanks):
    assert says_thanks(text) is thanks


@pytest.mark.parametrize("text", ["OK, now can you do me a similar one?",
                                  "Sácame otra en esa misma onda.", "Give me a similar track"])
def test_another_one_like_it_said_other_ways(text):
    assert read_request(text, "en", SALSA, awaiting_answer=False).intent is Intent.ANOTHER_LIKE


def test_a_genre_change_that_keeps_the_rest_said_other_ways():
    cumbia = SALSA.replace(genre="cumbia", bpm=105, instruments=("accordion", "guiro", "bass"))
    for text in ("Y pásala a salsa, y lo demás me lo dejas tal cual.",
                 "Cámbiala a salsa, el resto déjalo igual.",
                 "Que pasa a la salsa y lo demás me lo dejas tal cual."):  # heard, no verb
        edited = read_request(text, "es", cumbia).edited
        assert edited.genre == "salsa" and edited.bpm == 105
        assert edited.instruments == cumbia.instruments


@pytest.mark.parametrize("text, mood", [("It's too sad. Make it romantic instead.", "romantic"),
                                        ("Está demasiado triste, hazla alegre.", "happy")])
def test_a_mood_there_is_too_much_of_is_not_the_one_asked(text, mood):
    sad = SALSA.replace(mood="sad")
    assert read_request(text, "en", sad).edited.mood == mood


def test_a_correction_heard_without_its_commas():
    congas = read_request("Y ponle un cajón no mejor unas congas.", "es", SALSA)
    assert "congas" in congas.edited.instruments  # "no ... congas" is no removal here
    assert read_request("una salsa a 120 no mejor a 100", "es").bpm == 100


@pytest.mark.parametrize("text, about", [("Ndatenda, shamwari. What key is it in?", True),
                                         ("Nice one. What tempo is this?", True),
                                         ("Add a piano. What key is it in?", False)])
def test_a_question_about_the_clip_after_a_greeting(text, about):
    assert read_request(text, "en", SALSA).about_clip is about


def _plan(genre: str, *instruments: str, bpm: int = 110) -> MusicPlan:
    return MusicPlan(genre=genre, bpm=bpm, key="C", mode="major", instruments=instruments,
                     mood="happy", duration_s=15.0, seed=3)


@pytest.mark.parametrize("text, language, previous, check", [
    # the eleventh blind set's typed misses (run once on 2dba4d8, then fixed), and others
    ("O sea, ponle una trompeta, no, mejor un saxofón.", "es", _plan("ballad", "piano", "strings"),
     lambda e: "saxophone" in e.instruments and "trumpet" not in e.instruments),
    ("Lekker. Throw in some congas, wait, no, claps.", "en", _plan("edm", "synth", "bass"),
     lambda e: "palmas" in e.instruments and "congas" not in e.instruments),
    ("Add a cello, actually no, a violin", "en", _plan("ballad", "piano"),
     lambda e: e.instruments == ("piano", "violin")),
    ("Aye, no bad. Stick a saxophone on it.", "en", _plan("synthwave", "synth", "bass"),
     lambda e: "saxophone" in e.instruments),
    ("Está muy bien, maño, pero el saxo chirría un poco. Cámbialo por un clarinete.", "es",
     _plan("jazz", "piano", "saxophone"), lambda e: e.instruments == ("piano", "clarinet")),
    ("The drums are too busy, swap them for congas.", "en", _plan("salsa", "piano", "drums"),
     lambda e: e.instruments == ("piano", "congas")),
    ("It's fine, but the saxophone is too loud. Take it out and put a trumpet there.", "en",
     _plan("jazz", "piano", "saxophone"), lambda e: e.instruments == ("piano", "trumpet")),
    ("Now turn it into an electronic track, but don't touch the tempo or the key.", "en",
     _plan("pop", "piano", bpm=120), lambda e: (e.genre, e.bpm, e.key) == ("edm", 120, "C")),
    ("Good stuff. Slow it down to ninety, actually no, ninety-five.", "en",
     _plan("bossa nova", bpm=120), lambda e: e.bpm == 95),
    ("Ahora hágalo cumbia, pero con el mismo tempo.", "es", _plan("pop", bpm=126),
     lambda e: (e.genre, e.bpm) == ("cumbia", 126)),
])
def test_eval_fresh11_edits(text, language, previous, check):
    reading = read_request(text, language, previous, awaiting_answer=False)
    assert reading.guess is Intent.REFINE and check(reading.edited)


@pytest.mark.parametrize("text, intent", [
    ("Uf, el violín no pega ni con cola. Deshaz eso.", Intent.UNDO),
    ("No o, the congas are too much. Remove that last change.", Intent.UNDO),
    ("Sweet as. Can I get a second one a bit like that?", Intent.ANOTHER_LIKE),
    ("Charley, who made this music, is it you?", Intent.CHAT),
    ("¿Y quién la compuso, tú?", Intent.CHAT),
])
def test_eval_fresh11_commands_and_talk(text, intent):
    reading = read_request(text, "en", _plan("funk", "bass", "congas", "violin"), awaiting_answer=False)
    assert reading.intent is intent


@pytest.mark.parametrize("text, language, previous, check", [
    # the eleventh set's spoken misses, as heard (commas where the typed words had periods)
    ("O sea, ponle una trompeta no mejor un saxofón.", "es", _plan("ballad", "piano"),
     lambda r: r.edited.instruments == ("piano", "saxophone")),
    ("I, no bad, take a saxophone on it.", "en", _plan("synthwave", "synth"),
     lambda r: "saxophone" in r.edited.instruments),
    ("make it a little faster, around 100 no, 110.", "en", _plan("classical", bpm=90),
     lambda r: r.edited.bpm == 110),
    ("noo, the congas are too much, remove that last change.", "en", _plan("funk", "congas"),
     lambda r: r.intent is Intent.UNDO),
    ("appreciate it, partner, what's that instrument carrying the melody?", "en",
     _plan("country", "fiddle"), lambda r: r.about_clip),
    ("Proper job. What key is that in, out of interest?", "en", _plan("rock"), lambda r: r.about_clip),
    ("¿Y eso en qué tonalidad está?", "es", _plan("jazz"), lambda r: r.about_clip),
])
def test_eval_fresh11_heard(text, language, previous, check):
    assert check(read_request(text, language, previous, awaiting_answer=False))
    # "no drums" after a comma is still a removal
    assert read_request("no drums, no bass, just piano", "en",
                        _plan("jazz", "piano", "drums", "bass")).edited.instruments == ("piano",)


def test_a_correction_of_the_mode_keeps_the_key_said_before():
    from voice_agent.responder.grounding import find_key
    assert find_key("a tango in A minor, no wait, in C") == ("C", "minor")
    assert find_key("en re, digo, en mi menor") == ("E", "minor")
