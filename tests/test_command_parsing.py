"""Library intents from the person's words, in English and Spanish, and the model's grounding.

These are the development phrases the rule parser was tuned on; the benchmark set in
benchmarks/intents/commands.tsv is separate.
"""

from __future__ import annotations

import json

import pytest

from voice_agent.responder.commands import (DEFAULT_PLAYLIST, LAST_ITEM, Command, VersionCommand,
                                         canonical_playlist,
                                         find_item, normalise_command_text, parse_command)
from voice_agent.responder.grounding import detect_intent
from voice_agent.responder.replies import reply_from_model_output, rule_reply
from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn

HISTORY = (Turn("t", "now", "r", None,
                Reply("ok", "jazz", Intent.MAKE_MUSIC, MusicPlan(genre="jazz", seed=5), "en")),)

# (text, intent, playlist, item)
PHRASES = [
    # save
    ("Save this.", Intent.SAVE, None, None),
    ("save it to favorites", Intent.SAVE, DEFAULT_PLAYLIST, None),
    ("add this to my gym playlist", Intent.SAVE, "gym", None),
    ("add to a new playlist called summer vibes", Intent.SAVE, "summer vibes", None),
    ("Guárdala, por favor.", Intent.SAVE, None, None),
    ("guardala en una lista nueva llamada verano", Intent.SAVE, "verano", None),
    ("mete esta en la playlist de cumple", Intent.SAVE, "cumple", None),
    # list
    ("What's on my playlist?", Intent.LIST, None, None),
    ("read me my favorites", Intent.LIST, DEFAULT_PLAYLIST, None),
    ("show the gym playlist", Intent.LIST, "gym", None),
    ("¿Qué canciones tengo guardadas?", Intent.LIST, None, None),
    ("enséñame la lista de cumple", Intent.LIST, "cumple", None),
    # play
    ("play number two", Intent.PLAY, None, 2),
    ("Play track 4 from the gym playlist.", Intent.PLAY, "gym", 4),
    ("play the last song", Intent.PLAY, None, LAST_ITEM),
    ("number 3 please", Intent.PLAY, None, 3),
    ("Pon la tres.", Intent.PLAY, None, 3),
    ("toca la primera de favoritos", Intent.PLAY, DEFAULT_PLAYLIST, 1),
    ("ponme la canción número 5", Intent.PLAY, None, 5),
    # remove
    ("remove song number one", Intent.REMOVE, None, 1),
    ("Delete the third one from my gym playlist", Intent.REMOVE, "gym", 3),
    ("quita la última", Intent.REMOVE, None, LAST_ITEM),
    ("saca la número 2 de favoritos", Intent.REMOVE, DEFAULT_PLAYLIST, 2),
    # clear
    ("clear my favorites", Intent.CLEAR, DEFAULT_PLAYLIST, None),
    ("remove all the songs from the gym playlist", Intent.CLEAR, "gym", None),
    ("Vacía mi lista.", Intent.CLEAR, None, None),
    ("borra todo", Intent.CLEAR, None, None),
    # confirm / cancel
    ("yes please", Intent.CONFIRM, None, None),
    ("ok do it", Intent.CONFIRM, None, None),
    ("sí", Intent.CONFIRM, None, None),
    ("claro que sí", Intent.CONFIRM, None, None),
    ("no", Intent.CANCEL, None, None),
    ("forget it", Intent.CANCEL, None, None),
    ("cancela", Intent.CANCEL, None, None),
    ("no, olvídalo", Intent.CANCEL, None, None),
    # another like
    ("make one like number 2", Intent.ANOTHER_LIKE, None, 2),
    ("another one please", Intent.ANOTHER_LIKE, None, None),
    ("make another version like the last one", Intent.ANOTHER_LIKE, None, LAST_ITEM),
    ("otra igual que la tres", Intent.ANOTHER_LIKE, None, 3),
    ("dame otra", Intent.ANOTHER_LIKE, None, None),
    # lyrics
    ("Write lyrics about summer", Intent.LYRICS, None, None),
    ("write a country song titled Dusty Boots", Intent.LYRICS, None, None),
    ("escribe una canción sobre la lluvia", Intent.LYRICS, None, None),
    ("componme la letra de una cumbia", Intent.LYRICS, None, None),
]

# requests that must stay music / refine / replay / chat (not be taken as commands)
NOT_COMMANDS = ["play some relaxing jazz", "play 30 seconds of jazz", "play some 80s synthwave",
                "pon una salsa para bailar", "make it faster", "add more drums",
                "remove the drums", "quita la batería", "no más piano por favor",
                "play it again", "otra vez", "one more time", "another jazz song please",
                "what can you do", "hola", "si puedes pon jazz", "I want a rock song for my workout",
                "go back to the salsa", "vuelve a hacerla más rápida", "a version of jazz with piano"]

# (text, intent, versions named): commands about the session's versions
VERSION_PHRASES = [
    ("go back to the first version", Intent.GO_TO_VERSION, (1,)),
    ("Go back to version two, please.", Intent.GO_TO_VERSION, (2,)),
    ("vuelve a la primera", Intent.GO_TO_VERSION, (1,)),
    ("Vuelve a la versión original.", Intent.GO_TO_VERSION, (1,)),
    ("undo", Intent.UNDO, ()),
    ("Undo that.", Intent.UNDO, ()),
    ("go back to the previous version", Intent.UNDO, ()),
    ("Deshaz.", Intent.UNDO, ()),
    ("deshazlo", Intent.UNDO, ()),
    ("No, no, deshacé eso", Intent.UNDO, ()),  # voseo (Argentina), and as Whisper writes it
    ("No, no deshace eso.", Intent.UNDO, ()),
    ("Mejor déjala como estaba antes.", Intent.UNDO, ()),
    ("leave it like it was before", Intent.UNDO, ()),
    ("vuelve a la anterior", Intent.UNDO, ()),
    ("play version 2", Intent.PLAY_VERSION, (2,)),
    ("let me hear version three again", Intent.PLAY_VERSION, (3,)),
    ("Pon la versión 2.", Intent.PLAY_VERSION, (2,)),
    ("pon la primera versión", Intent.PLAY_VERSION, (1,)),
    ("compare the last two", Intent.COMPARE, (LAST_ITEM - 1, LAST_ITEM)),
    ("compare version 1 and 3", Intent.COMPARE, (1, 3)),
    ("Compara las dos últimas.", Intent.COMPARE, (LAST_ITEM - 1, LAST_ITEM)),
    ("compara la versión 1 con la 3", Intent.COMPARE, (1, 3)),
    # going back a step, said without "undo" or "version"
    ("step back one", Intent.UNDO, ()),
    ("can we go back a step", Intent.UNDO, ()),
    ("vuelve un paso atrás", Intent.UNDO, ()),
    ("ve para atrás", Intent.UNDO, ()),
    ("play the previous one", Intent.UNDO, ()),
    ("pon la de antes", Intent.UNDO, ()),
    ("regresa a la dos", Intent.GO_TO_VERSION, (2,)),
    ("back to three please", Intent.GO_TO_VERSION, (3,)),
    ("revert", Intent.UNDO, ()),
    ("quita el último cambio", Intent.UNDO, ()),
    ("play v2", Intent.PLAY_VERSION, (2,)),
    ("compare 1 and 2", Intent.COMPARE, (1, 2)),
    ("compare the first and the last", Intent.COMPARE, (1, LAST_ITEM)),
    # the seventh blind set's misses (2026-11-30)
    ("Right, compare that first one with the latest", Intent.COMPARE, (1, LAST_ITEM)),
    ("Me quedo con la dos, vuelve a esa", Intent.GO_TO_VERSION, (2,)),
    ("I'll go with the second one", Intent.GO_TO_VERSION, (2,)),
    ("Hmm, no, I preferred it how it was before", Intent.UNDO, ()),
    # the eighth blind set's misses (2026-11-30)
    ("Can you play version one and then version three, so I can compare?", Intent.COMPARE,
     (1, 3)),
    ("Play me version one, then version four.", Intent.COMPARE, (1, 4)),
    ("Mae, ¿me pone otra vez la versión uno?", Intent.PLAY_VERSION, (1,)),
    ("Hmm, actually, no. Put it back the way it was before the sax.", Intent.UNDO, ()),
    ("Yeah nah, actually put it back how it was.", Intent.UNDO, ()),
]


@pytest.mark.parametrize("text,intent,versions", VERSION_PHRASES)
def test_each_version_phrase(text, intent, versions):
    from voice_agent.responder.commands import parse_version_command

    command = parse_version_command(text)
    assert command is not None, text
    assert (command.intent, command.versions) == (intent, versions)
    assert detect_intent(text, HISTORY) is intent
    assert rule_reply(Transcript(text, "en"), HISTORY, 15.0).plan is None  # nothing to render


@pytest.mark.parametrize("text", ["a thirty second version", "no tan rápido", "no more sax",
                                  "dale más caña", "sí, más rápido", "me quedo con la guitarra",
                                  "me quedo con dos guitarras", "I'll take the 2 pianos"])
def test_a_length_or_an_edit_is_not_a_version_command_or_a_no(text):
    from voice_agent.responder.commands import parse_version_command

    assert parse_version_command(text) is None
    assert parse_command(text) is None or parse_command(text).intent is not Intent.CANCEL


@pytest.mark.parametrize("text", ["play the first one", "pon la número 2", "play number two",
                                  "play the last one"])
def test_playlist_numbers_are_not_versions(text):
    assert parse_command(text).intent is Intent.PLAY


def test_the_model_is_never_offered_the_version_intents():
    from voice_agent.core.types import VERSION_INTENTS
    from voice_agent.responder.replies import REPLY_SCHEMA

    offered = set(REPLY_SCHEMA["properties"]["intent"]["enum"])
    assert offered and not offered & {i.value for i in VERSION_INTENTS}


@pytest.mark.parametrize("text,intent,playlist,item", PHRASES)
def test_each_command_phrase(text, intent, playlist, item):
    command = parse_command(text)
    assert command is not None, text
    assert (command.intent, command.playlist, command.item) == (intent, playlist, item)
    assert detect_intent(text, HISTORY) is intent


def test_every_library_intent_is_covered_in_both_languages():
    from voice_agent.core.language import looks_like

    covered = {(intent, "es" if looks_like(text, "es") and not looks_like(text, "en") else "en")
               for text, intent, _, _ in PHRASES}
    for intent in (Intent.SAVE, Intent.LIST, Intent.PLAY, Intent.REMOVE, Intent.CLEAR,
                   Intent.CONFIRM, Intent.CANCEL, Intent.ANOTHER_LIKE, Intent.LYRICS):
        assert (intent, "en") in covered and (intent, "es") in covered, intent


@pytest.mark.parametrize("text", NOT_COMMANDS)
def test_music_requests_are_not_commands(text):
    assert parse_command(text) is None, text
    assert detect_intent(text, HISTORY) in (Intent.MAKE_MUSIC, Intent.REFINE, Intent.REPLAY,
                                            Intent.CHAT)


def test_asr_style_text_parses_like_written_text():
    assert parse_command("PLAY NUMBER TWO") == parse_command("Play number 2!")
    assert parse_command("guardala en favoritos") == parse_command("¡Guárdala en favoritos!")
    assert normalise_command_text("¿Qué hay en mi lista?") == "que hay en mi lista"


def test_items_and_playlist_names():
    assert find_item("play number to") == 2  # Whisper's homophone after "number"
    assert find_item("play the second one") == 2 and find_item("la decima") == 10
    assert find_item("play 120 bpm jazz") is None and find_item("play 30 seconds") is None
    assert canonical_playlist("Favoritos") == DEFAULT_PLAYLIST
    assert canonical_playlist("  Road   Trip ") == "road trip" and canonical_playlist(" ") is None


def test_rule_reply_carries_the_arguments_and_no_plan_for_commands():
    reply = rule_reply(Transcript("pon la número 2 de la lista de viaje", "es"), HISTORY, 15.0)
    assert reply.intent is Intent.PLAY and reply.item == 2 and reply.playlist == "viaje"
    assert reply.plan is None and reply.music_prompt == ""


def test_another_like_without_a_library_varies_the_last_plan():
    reply = rule_reply(Transcript("another one", "en"), HISTORY, 15.0)
    assert reply.intent is Intent.ANOTHER_LIKE
    assert reply.plan.genre == "jazz" and reply.plan.seed != 5


def _model(intent: str, **extra) -> str:
    return json.dumps({"say": "Sure, here you go.", "intent": intent,
                       "plan": {"genre": "jazz", "bpm": 100, "key": "C", "mode": "major",
                                "instruments": [], "mood": "happy", "duration_s": 10}, **extra})


def test_clear_command_words_overrule_the_model():
    reply = reply_from_model_output(_model("make_music"), Transcript("play number 2", "en"),
                                    HISTORY, 15.0)
    assert reply.intent is Intent.PLAY and reply.item == 2 and reply.plan is None


def test_model_library_intent_is_refused_when_the_words_ask_for_music():
    reply = reply_from_model_output(_model("play", item=3),
                                    Transcript("play some jazz with piano", "en"), HISTORY, 15.0)
    assert reply.intent is Intent.MAKE_MUSIC and reply.item is None and reply.plan.genre == "jazz"


def test_model_library_intent_and_named_playlist_are_used_when_the_words_are_unclear():
    reply = reply_from_model_output(_model("save", playlist="Road Trip"),
                                    Transcript("I really like that one, road trip vibes", "en"),
                                    HISTORY, 15.0)
    assert reply.intent is Intent.SAVE and reply.playlist == "road trip"


@pytest.mark.parametrize("text,language,model_intent,intent", [
    ("I really like that one", "en", "save", Intent.SAVE),
    ("Pon la número dos.", "es", "make_music", Intent.PLAY)])  # measured in the intent bench
def test_a_playlist_the_person_never_named_is_dropped(text, language, model_intent, intent):
    reply = reply_from_model_output(_model(model_intent, playlist="calm jazz", item=2),
                                    Transcript(text, language), HISTORY, 15.0)
    assert reply.intent is intent and reply.playlist is None and reply.item == 2


@pytest.mark.parametrize("text,language,intent", [
    ("make it faster", "en", Intent.REFINE), ("ponle más piano", "es", Intent.REFINE),
    ("play it again", "en", Intent.REPLAY), ("otra vez por favor", "es", Intent.REPLAY)])
def test_refine_and_replay_words_overrule_a_model_that_says_make_music(text, language, intent):
    """Measured: the 0.5B model answered make_music to all four (benchmarks/intent_bench.py)."""
    reply = reply_from_model_output(_model("make_music"), Transcript(text, language), HISTORY, 15.0)
    assert reply.intent is intent and reply.plan.genre == "jazz"  # acts on the last clip


def test_a_new_genre_is_still_a_new_clip_even_with_refine_words():
    reply = reply_from_model_output(_model("make_music"),
                                    Transcript("play a salsa with more trumpets", "en"), HISTORY, 15.0)
    assert reply.intent is Intent.MAKE_MUSIC and reply.plan.genre == "salsa"


@pytest.mark.parametrize("text,intent,versions", [
    ("Hmm, I preferred it before. Go back.", Intent.UNDO, ()),
    ("That was better, go back please", Intent.UNDO, ()),
    ("Volvé a la versión 1", Intent.GO_TO_VERSION, (1,))])
def test_go_back_at_the_end_of_other_words_and_voseo(text, intent, versions):
    from voice_agent.responder.commands import parse_version_command

    command = parse_version_command(text)
    assert command is not None and (command.intent, command.versions) == (intent, versions)


@pytest.mark.parametrize("text", ["Write me a slow piano ballad in E flat major, about 45 seconds.",
                                  "write a song at 90 bpm with guitar",
                                  "escríbeme una balada de piano en re menor"])
def test_a_song_with_sound_details_is_music_not_lyrics(text):
    command = parse_command(text)
    assert command is None or command.intent is not Intent.LYRICS


@pytest.mark.parametrize("text", ["Write me a ballad about my dog", "escríbeme una canción de amor"])
def test_a_song_without_sound_details_is_still_lyrics(text):
    assert parse_command(text).intent is Intent.LYRICS


@pytest.mark.parametrize("text", ["Déjalo a 75 bpm", "no, 80 bpm"])
def test_a_no_with_a_number_is_not_a_cancel(text):
    command = parse_command(text)
    assert command is None or command.intent is not Intent.CANCEL


@pytest.mark.parametrize("text,intent,versions", [
    ("Can we go back to how it was?", Intent.UNDO, ()),
    ("Recupera la versión 2", Intent.GO_TO_VERSION, (2,))])
def test_back_to_how_it_was_and_recupera(text, intent, versions):
    from voice_agent.responder.commands import parse_version_command

    command = parse_version_command(text)
    assert command is not None and (command.intent, command.versions) == (intent, versions)


@pytest.mark.parametrize("text", [
    "turn it into a blues, keep everything else", "make it jazz but keep the rest",
    "conviértela en salsa y mantén todo lo demás", "hazla tango, deja lo demás igual",
    "keep only the guitar", "just keep the drums", "keep the key"])
def test_keep_with_a_part_of_the_music_is_not_a_save(text):
    command = parse_command(text)
    assert command is None or command.intent is not Intent.SAVE


@pytest.mark.parametrize("text", ["keep this one", "keep it in my favourites", "guárdala"])
def test_keep_the_clip_is_still_a_save(text):
    assert parse_command(text).intent is Intent.SAVE


@pytest.mark.parametrize("text", [
    "same vibe but a fresh take", "dame otra por el estilo", "another one like that",
    "something similar", "give me something similar", "algo parecido", "en la misma onda",
    "otra en la misma onda", "otra igual pero distinta", "make another along those lines",
    "quiero algo por el estilo"])
def test_another_like_this_said_many_ways(text):
    assert parse_command(text) == Command(Intent.ANOTHER_LIKE)


@pytest.mark.parametrize("text", ["same vibe but faster", "algo parecido con saxo",
                                  "something similar but sadder", "same idea but slightly different",
                                  "I want something like jazz"])
def test_a_similar_request_with_an_edit_or_music_is_not_a_bare_another_like(text):
    assert parse_command(text) is None


@pytest.mark.parametrize("text,playlist,item", [
    ("play my first favourite", DEFAULT_PLAYLIST, 1), ("pon mi primera favorita", DEFAULT_PLAYLIST, 1),
    ("play my last favourite", DEFAULT_PLAYLIST, LAST_ITEM),
    ("play the second saved song", None, 2), ("pon mi segunda canción", None, 2)])
def test_ordinals_after_my_or_before_favourite_name_the_item(text, playlist, item):
    assert parse_command(text) == Command(Intent.PLAY, playlist, item)


@pytest.mark.parametrize("text,version", [
    ("ve a la versión 2", 2), ("vete a la versión dos", 2), ("pasa a la versión 3", 3),
    ("switch to version 2", 2), ("go to v2", 2), ("ve a la 2", 2),
    ("switch to the second version", 2), ("vamos a la primera versión", 1),
    ("cambia a la toma 3", 3), ("revert to version one", 1), ("go back to the first version", 1)])
def test_go_to_a_version_without_back(text, version):
    from voice_agent.responder.commands import parse_version_command

    assert parse_version_command(text) == VersionCommand(Intent.GO_TO_VERSION, (version,))


@pytest.mark.parametrize("text", ["go to the kitchen", "pasa a jazz", "ve a la tienda",
                                  "switch to piano", "pásala a sol mayor"])
def test_go_to_something_that_is_no_version_is_no_version_command(text):
    from voice_agent.responder.commands import parse_version_command

    assert parse_version_command(text) is None


@pytest.mark.parametrize("text", ["revert", "undo that", "go back one", "revert to the previous one",
                                  "vuelve atrás"])
def test_undo_and_a_step_back_are_still_undo(text):
    from voice_agent.responder.commands import parse_version_command

    assert parse_version_command(text) == VersionCommand(Intent.UNDO)
