"""Checking music plans: clamp what is out of range, reject what is meaningless; plain data
and back."""

import json
import logging
import math

import pytest

from voice_agent.core.errors import BadPlanError, VoiceAgentError
from voice_agent.core.plan import normalize_plan, plan_from_dict, plan_to_dict
from voice_agent.core.types import MusicPlan
from voice_agent.core.vocabulary import STYLE_BY_GENRE


def test_a_good_plan_passes_unchanged():
    plan = MusicPlan("salsa", 180, "C", "minor", ("piano", "bass"), "happy", 12.0, 3)
    assert normalize_plan(plan) == plan


def test_unknown_genre_is_rendered_as_pop_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        plan = normalize_plan(MusicPlan(genre="polka-step-xyz"))
    assert plan.genre == "pop"
    assert "polka-step-xyz" in caplog.text


def test_genre_aliases_map_to_canonical_ids():
    assert normalize_plan(MusicPlan(genre="Reguetón")).genre == "reggaeton"
    assert normalize_plan(MusicPlan(genre="bossa nova")).genre == "bossa_nova"


@pytest.mark.parametrize("bpm, expected", [(400, 220), (10, 40), (128.4, 128)])
def test_out_of_range_tempo_is_clamped(bpm, expected):
    assert normalize_plan(MusicPlan(bpm=bpm)).bpm == expected


@pytest.mark.parametrize("bpm", [0, -20, math.nan, math.inf, "fast", None, 50_000])
def test_meaningless_tempo_is_rejected_with_a_clear_message(bpm):
    with pytest.raises(BadPlanError, match="tempo.*between 40 and 220 bpm"):
        normalize_plan(MusicPlan(bpm=bpm))


@pytest.mark.parametrize("seconds, expected", [(0.2, 1.0), (600, 60.0), (7.5, 7.5)])
def test_duration_is_clamped_to_one_to_sixty_seconds(seconds, expected):
    assert normalize_plan(MusicPlan(duration_s=seconds)).duration_s == expected


@pytest.mark.parametrize("seconds", [0, -5, math.nan, 1e9, "long"])
def test_absurd_duration_is_rejected(seconds):
    with pytest.raises(BadPlanError, match="duration"):
        normalize_plan(MusicPlan(duration_s=seconds))


def test_empty_instruments_become_the_style_band():
    plan = normalize_plan(MusicPlan(genre="tango", instruments=()))
    assert plan.instruments == STYLE_BY_GENRE["tango"].instruments


def test_instrument_names_are_made_canonical_and_deduplicated():
    plan = normalize_plan(MusicPlan(instruments=("Guitarra eléctrica", "bajo", "bass", "Batería")))
    assert plan.instruments == ("electric guitar", "bass", "drums")


def test_keys_and_modes_in_other_spellings():
    plan = normalize_plan(MusicPlan(key="sol", mode="menor"))
    assert (plan.key, plan.mode) == ("G", "minor")
    assert normalize_plan(MusicPlan(key="A#", mode="Dorian")).key == "Bb"


@pytest.mark.parametrize("key, expected", [
    ("A minor", ("A", "minor")), ("Am", ("A", "minor")), ("la menor", ("A", "minor")),
    ("F# major", ("F#", "major")), ("Bbm", ("Bb", "minor")), ("Eb", ("Eb", "major")),
])
def test_a_mode_written_into_the_key_is_understood(key, expected):
    plan = normalize_plan(MusicPlan(key=key, mode="major"))
    assert (plan.key, plan.mode) == expected


def test_a_missing_seed_is_seed_zero():
    assert normalize_plan(MusicPlan(seed=None)).seed == 0


@pytest.mark.parametrize("field, value", [("key", "H"), ("key", "blue"), ("mode", "sideways")])
def test_unknown_key_or_mode_is_rejected(field, value):
    with pytest.raises(BadPlanError) as info:
        normalize_plan(MusicPlan().replace(**{field: value}))
    assert isinstance(info.value, VoiceAgentError)
    assert value in str(info.value)


def test_empty_mood_takes_the_style_mood():
    assert normalize_plan(MusicPlan(genre="metal", mood="")).mood == "aggressive"


def test_plan_to_dict_and_back_through_json_is_the_same_plan():
    # every field away from its default, so a field either function forgot shows up
    plan = MusicPlan("tango", 118, "Bb", "minor", ("bandoneon", "violin"), "dramatic", 22.5, 7)
    data = json.loads(json.dumps(plan_to_dict(plan)))
    assert data["instruments"] == ["bandoneon", "violin"]
    assert plan_from_dict(data) == plan


def test_plan_from_dict_fills_missing_fields_with_defaults():
    assert plan_from_dict({"genre": "jazz", "duration_s": 30}) == MusicPlan(genre="jazz", duration_s=30.0)
    assert isinstance(plan_from_dict({"duration_s": 30}).duration_s, float)


def test_plan_from_dict_refuses_unknown_fields_naming_them():
    with pytest.raises(BadPlanError, match="unknown field.*tempo") as info:
        plan_from_dict({"genre": "jazz", "tempo": 120})
    assert "bpm" in str(info.value)  # the message lists the fields there are


@pytest.mark.parametrize("field, value", [
    ("bpm", "fast"), ("bpm", 120.5), ("bpm", True), ("seed", None), ("duration_s", "long"),
    ("duration_s", False), ("genre", 3), ("key", None), ("instruments", "piano"),
    ("instruments", ["piano", 3]),
])
def test_plan_from_dict_refuses_values_of_the_wrong_type(field, value):
    with pytest.raises(BadPlanError, match=f"music plan's {field} is") as info:
        plan_from_dict({field: value})
    assert isinstance(info.value, VoiceAgentError)


def test_plan_from_dict_refuses_what_is_not_a_mapping():
    with pytest.raises(BadPlanError, match="mapping"):
        plan_from_dict(["jazz", 120])  # type: ignore[arg-type]
