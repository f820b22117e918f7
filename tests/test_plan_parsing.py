"""Reading genre, instruments, tempo, key, length and intent from requests (en + es)."""

from __future__ import annotations

import pytest

from voice_agent.core.plan import PITCH_CLASSES, clamp_bpm, clamp_duration, normalize_key
from voice_agent.responder.grounding import detect_intent, find_key, ground_plan, plan_from_text
from voice_agent.core.types import Intent, MusicPlan, Reply, Turn
from voice_agent.core.vocabulary import STYLES, find_genre, find_instruments, style_for


@pytest.mark.parametrize("text,genre", [
    ("pon una salsa alegre para bailar", "salsa"),
    ("some lo-fi hip hop beats to study", "lofi"),
    ("quiero un reguetón con mucho perreo", "reggaeton"),
    ("play a bossa nova", "bossa_nova"),
    ("una rumba flamenca con palmas", "flamenco"),
    ("deep house for a party", "edm"),
    ("música clásica para cuerdas", "classical"),
    ("something slow and sad on the cello", "classical"),
])
def test_genre(text, genre):
    assert plan_from_text(text).genre == genre


def test_every_style_is_found_by_its_own_aliases():
    for style in STYLES:
        for alias in style.aliases:
            assert find_genre(f"play me some {alias} please") == style.genre, alias


def test_instruments_prefer_the_most_specific_name():
    assert find_instruments("electric guitar and piano, then a cello") == (
        "electric guitar", "piano", "cello")
    assert find_instruments("con guitarra eléctrica y batería") == ("electric guitar", "drums")


def test_named_instruments_come_first_and_solo_means_only_those():
    assert plan_from_text("jazz with a trumpet").instruments[0] == "trumpet"
    assert plan_from_text("solo piano, something calm").instruments == ("piano",)


def test_tempo_key_and_length_words():
    plan = plan_from_text("lo-fi beats at 85 bpm in D minor for 30 seconds")
    assert (plan.bpm, plan.key, plan.mode, plan.duration_s) == (85, "D", "minor", 30.0)
    es = plan_from_text("un tango en re menor de un minuto")
    assert (es.key, es.mode, es.duration_s) == ("D", "minor", 60.0)
    assert plan_from_text("slow blues").bpm < style_for("blues").bpm
    assert plan_from_text("una cumbia rápida").bpm > style_for("cumbia").bpm


def test_mood_sets_mode_when_not_said():
    assert plan_from_text("a sad piano ballad").mode == "minor"
    assert plan_from_text("a happy pop song").mode == "major"


@pytest.mark.parametrize("raw,expected", [
    ("Db", "C#"), ("f sharp minor", "F#"), ("si bemol", "Bb"), ("Am", "A"), ("H", None),
    ("", None), (None, None), ("sol", "G")])
def test_normalize_key(raw, expected):
    assert normalize_key(raw) == expected


def test_find_key_needs_a_real_key_phrase():
    assert find_key("play in a minute") == (None, None)
    assert find_key("something in C major") == ("C", "major")


def test_bad_numbers_are_clamped_or_defaulted():
    assert clamp_bpm(0, 100) == 100 and clamp_bpm(400, 100) == 220 and clamp_bpm("x", 90) == 90
    assert clamp_duration(1e9, 15) == 60 and clamp_duration(-3, 15) == 15
    assert clamp_duration(float("nan"), 15) == 15 and clamp_duration(0.2, 15) == 1.0


def test_grounding_trusts_the_request_over_the_model():
    raw = {"genre": "rock", "bpm": 999, "key": "Q", "mode": "weird", "instruments": "guitar",
           "mood": "", "duration_s": "long"}
    plan = ground_plan(raw, "pon una cumbia con acordeón", 12.0, seed=3)
    assert plan.genre == "cumbia" and plan.bpm == 220 and plan.key in PITCH_CLASSES
    assert plan.instruments[0] == "accordion" and plan.duration_s == 12.0 and plan.seed == 3
    assert plan.mode in ("major", "minor") and plan.mood


def test_unknown_genre_from_the_model_becomes_a_known_style():
    plan = ground_plan({"genre": "polka"}, "make me something fun", 15.0, 0)
    assert plan.genre == "pop" and plan.instruments == style_for("pop").instruments


def test_invented_genre_maps_to_the_nearest_style_by_mood_and_instruments():
    from voice_agent.core.vocabulary import STYLE_BY_GENRE
    from voice_agent.responder.grounding import nearest_genre

    # es08's plan came back as genre "felicidad": a mood word, not a style
    plan = ground_plan({"genre": "felicidad"}, "quiero una canción", 15.0, 0)
    assert plan.genre == "pop" and plan.genre in STYLE_BY_GENRE
    sad = ground_plan({"genre": "lluvia", "mood": "sad"}, "something for tonight", 15.0, 0)
    assert sad.genre == "ballad"
    with_horns = ground_plan({"genre": "fiesta", "instruments": ["trumpet", "congas"]},
                             "play something", 15.0, 0)
    assert with_horns.genre == "salsa"
    assert nearest_genre("calm", ("pad",)) == "ambient"
    assert nearest_genre(None, ("accordion", "guiro")) == "cumbia"
    assert nearest_genre(None) == "pop"


def _turn_with_plan() -> Turn:
    reply = Reply("ok", "jazz", Intent.MAKE_MUSIC, MusicPlan(genre="jazz"), "en")
    return Turn("t", "now", "r", None, reply)


@pytest.mark.parametrize("text,with_history,intent", [
    ("play some jazz", False, Intent.MAKE_MUSIC),
    ("hello, how are you?", False, Intent.CHAT),
    ("faster", True, Intent.REFINE),
    ("más alegre", True, Intent.REFINE),
    ("faster", False, Intent.MAKE_MUSIC),
    ("play it again", True, Intent.REPLAY),
    ("otra vez", True, Intent.REPLAY),
    ("now a tango", True, Intent.MAKE_MUSIC),
])
def test_intent(text, with_history, intent):
    history = (_turn_with_plan(),) if with_history else ()
    assert detect_intent(text, history) is intent


@pytest.mark.parametrize("text,mood", [
    ("give me something to study to", "calm"),
    ("música para el gimnasio", "energetic"),
    ("a song for my wedding", "romantic"),
    ("algo para una fiesta en la casa", "energetic"),
    ("una canción para un velorio", "sad"),
    ("music for a rainy afternoon", "calm"),
    ("something scary for halloween", "dark"),
    ("un tema para el cumpleaños de mi abuela", "happy"),
])
def test_a_scene_gives_the_mood_when_no_mood_word_is_said(text, mood):
    plan = plan_from_text(text)
    assert plan.mood == mood
    if mood in ("sad", "dark"):
        assert plan.mode == "minor"  # the scene's mood moves the mode as a named one does


def test_a_named_mood_mode_or_genre_wins_over_the_scene():
    assert plan_from_text("a sad song for my wedding").mood == "sad"
    funeral = plan_from_text("a happy song for a funeral, in A minor")
    assert funeral.mood == "happy" and funeral.mode == "minor"
    party = plan_from_text("una cumbia para la fiesta")  # a named style keeps its own mood
    assert party.genre == "cumbia" and party.mood == style_for("cumbia").mood
    assert plan_from_text("jazz for a funeral").mood == "sad"  # unless the scene changes it
    assert plan_from_text("something for a dinner party").mood != "energetic"
    assert plan_from_text("make me some rock").mood == style_for("rock").mood  # no scene, no change


def test_a_scene_said_about_the_playing_clip_is_no_edit():
    from voice_agent.responder.reading import read_request

    playing = MusicPlan(genre="jazz", mood="calm")
    for text in ("perfect for my wedding, thanks", "this is great for the gym"):
        reading = read_request(text, "en", playing)
        assert reading.intent not in (Intent.REFINE, Intent.MAKE_MUSIC), (text, reading.intent)
