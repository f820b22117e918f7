"""The truthfulness check (responder/truth.py) and the streaming that respects it."""

from __future__ import annotations

import pytest

from voice_agent.core.types import Intent, MusicPlan
from voice_agent.responder.reading import read_request
from voice_agent.responder.replies import SayStream, safe_to_speak, truthful_say
from voice_agent.responder.truth import check_say

SALSA = MusicPlan(genre="salsa", bpm=207, key="D", mode="major",
                  instruments=("piano", "bass", "congas", "trumpet"), mood="happy",
                  duration_s=20.0, seed=3)
BEFORE = SALSA.replace(bpm=180, instruments=SALSA.instruments + ("saxophone",))


@pytest.mark.parametrize("say,language", [
    ("Here's a salsa at 207 BPM with piano and congas.", "en"),
    ("¡Aquí tienes salsa a 207 BPM con piano, bajo y congas!", "es"),
    ("A happy salsa in D major, 20 seconds long.", "en"),
    ("Una salsa en re mayor de 20 segundos.", "es"),
    ("Sure! Enjoy the music.", "en"),
    ("It has a minor change in the chorus.", "en"),  # "a minor", not "A minor"
])
def test_a_true_reply_passes(say, language):
    assert check_say(say, SALSA, language) == []


@pytest.mark.parametrize("say,claim", [
    ("Aquí tienes un tango dramático con bandoneón.", "genre tango"),
    ("Here's some jazz for you.", "genre jazz"),
    ("Here is a salsa with a saxophone.", "instrument saxophone"),
    ("Una salsa con violín.", "instrument violin"),
    ("A salsa at 180 BPM.", "180 BPM"),
    ("Here it is in C major.", "key C major"),
    ("Ahora en re menor.", "key re minor"),
    ("A 30-second salsa.", "30 s"),
    ("Una salsa de medio minuto.", "30 s"),
    ("A salsa in a minor key.", "minor mode"),
])
def test_an_untrue_claim_is_caught(say, claim):
    found = check_say(say, SALSA, "en")
    assert any(c.startswith(claim) for c in found), found


BRASSY = SALSA.replace(instruments=("piano", "bass", "brass"))


@pytest.mark.parametrize("say,plan", [
    ("I make music from what you ask. Tell me a style, a mood or instruments, like relaxing "
     "jazz with piano.", None),  # the chat template: an example, not a claim
    ("Dime un estilo, por ejemplo un bolero con violines.", None),
    ("Want something else? I could try, say, a tango with bandoneon.", SALSA),
    ("Aquí tienes una salsa con metales y piano.", BRASSY),  # brass, not the genre metal
    ("A salsa at two hundred and seven BPM, twenty seconds long.", SALSA),
    ("Una salsa a doscientas siete pulsaciones, de veinte segundos.", SALSA),
    ("Now in D-sharp major.", SALSA.replace(key="Eb")),  # a transcript's spelling of Eb
])
def test_true_sentences_are_not_flagged(say, plan):
    assert check_say(say, plan, "en") == []


@pytest.mark.parametrize("say,claim", [
    ("Here's a tango, like you asked.", "genre tango"),  # "like" without an offer
    ("Here's jazz with a sax. Want more?", "genre jazz"),
    ("¿Quieres más? Aquí tienes un tango como pediste.", "genre tango"),
    ("Una salsa de treinta segundos.", "30 s"),
    ("A salsa at one hundred and eighty BPM.", "180 BPM"),
    ("Here's some heavy metal with brass.", "genre metal"),
    ("Tell me a style. Here's a ballad with strings.", "genre ballad"),
])
def test_a_suggestion_does_not_hide_an_untrue_claim(say, claim):
    found = check_say(say, BRASSY, "en")
    assert any(c.startswith(claim) for c in found), found


def test_claims_about_the_change_are_checked_against_the_plan_before():
    assert check_say("Done: faster, now 207 BPM, and without the saxophone.", SALSA, "en",
                     BEFORE) == []
    assert check_say("Hecho: más lento.", SALSA, "es", BEFORE)
    assert check_say("Done: without the piano.", SALSA, "en", BEFORE)


def test_an_untrue_sentence_is_replaced_and_true_ones_kept():
    say, note = truthful_say("¡Claro! Aquí tienes un tango con bandoneón.", SALSA,
                             Intent.MAKE_MUSIC, "es")
    assert say.startswith("¡Claro! ") and "tango" not in say and "salsa" in say
    assert "genre tango" in note
    assert truthful_say("Here's a salsa.", SALSA, Intent.MAKE_MUSIC, "en") == (
        "Here's a salsa.", "")


def test_only_sentences_the_words_make_true_are_streamed():
    reading = read_request("una cumbia con acordeón", "es", None)
    assert safe_to_speak("¡Claro!", reading)
    assert safe_to_speak("Aquí tienes una cumbia con acordeón.", reading)
    assert not safe_to_speak("Aquí tienes un tango con bandoneón.", reading)
    assert not safe_to_speak("Una cumbia a 95 BPM.", reading)  # the tempo is not settled yet


def test_the_stream_stops_at_an_unsafe_sentence_and_acknowledges_instead():
    reading = read_request("más rápido y con más piano", "es", None)
    heard: list[str] = []
    stream = SayStream("es", heard.append, vet=lambda s: safe_to_speak(s, reading))
    stream.feed('{"say": "Aquí tienes un tango dramático con bandoneón. Que lo disfrutes.", ')
    stream.finish()
    assert heard == ["¡Claro!"]


def test_every_template_reply_is_true_of_its_plan_for_every_style():
    from voice_agent.core.vocabulary import STYLES
    from voice_agent.responder.grounding import plan_from_text
    from voice_agent.responder.replies import change_say, template_say

    untrue = []
    for style in STYLES:
        plan = plan_from_text(style.aliases[0])
        edited = plan.replace(bpm=plan.bpm + 10, key="F#", duration_s=30.0,
                              instruments=plan.instruments[1:] + ("harp",))
        for language in ("en", "es"):
            for intent in (Intent.MAKE_MUSIC, Intent.ANOTHER_LIKE):
                untrue += check_say(template_say(intent, plan, language), plan, language)
            untrue += check_say(change_say(plan, edited, language), edited, language, plan)
    assert untrue == []


def test_a_streamed_turn_never_speaks_the_copied_tango():
    """The issue-12 case through a streaming pipeline: the model copies its few-shot tango;
    the voice hears only "¡Claro!" and then a sentence true of the plan made."""
    import json

    from tests.fakes import FakeRenderer, FakeSpeaker, StreamingFakeResponder
    from voice_agent.core import events
    from voice_agent.pipeline.turns import Pipeline

    answer = json.dumps({"say": "¡Claro! Aquí tienes un tango dramático con bandoneón más rápido.",
                         "intent": "make_music", "genre": "tango",
                         "instruments": ["bandoneon", "violin", "piano"], "mood": "dramatic"},
                        ensure_ascii=False)
    pipeline = Pipeline(None, StreamingFakeResponder(answer), FakeRenderer(),
                        {"cloned": FakeSpeaker()})
    said: list[str] = []
    turn = pipeline.run(text="más rápido y con más piano", language="es",
                        on_event=lambda e: said.append(e.text) if e.kind == events.EVENT_SAY else None)
    assert said[0] == "¡Claro!" and not any("tango" in s or "bandoneón" in s for s in said)
    assert turn.reply.plan.genre != "tango" and check_say(turn.reply.say, turn.reply.plan, "es") == []


def test_a_length_with_decimals_is_read_whole_and_edits_round_it():
    from voice_agent.responder.refine import apply_refinement

    shorter = apply_refinement(SALSA.replace(duration_s=50.0), "make it a bit shorter")
    assert shorter.duration_s == 33.3
    assert check_say("Done: now 33.3 seconds long.", shorter, "en") == []
    assert check_say("Now 33.3333 seconds long.", SALSA.replace(duration_s=33.3333), "en") == []
    assert check_say("Now 33.3 seconds long.", SALSA, "en")  # the plan is 20 s


def test_without_the_old_name_is_true_after_a_swap_to_its_other_name():
    """Saying the violin is gone after a violin -> fiddle swap is true; with no swap, a plan
    with the fiddle still has the violin (one instrument, two names)."""
    before = MusicPlan(genre="country", instruments=("acoustic guitar", "violin", "bass"))
    after = before.replace(instruments=("acoustic guitar", "fiddle", "bass"))
    say = "Here it is with the fiddle, without the violin."
    assert check_say(say, after, "en", change=before) == []
    assert check_say("Here it is without the violin.", after, "en") != []
    assert check_say("Here it is without the guitar.", after, "en", change=before) != []


def test_a_list_after_without_is_all_absent():
    plan = MusicPlan(genre="tango", instruments=("bandoneon", "violin"))
    assert check_say("Hecho: sin piano y bajo.", plan, "es") == []
    assert check_say("Done: without the piano and the violin.", plan, "en") != []


@pytest.mark.parametrize("say,language", [
    ("Here's a bachata with harmonica, xylophone and sitar.", "en"),
    ("¡Aquí tienes una bachata con armónica, xilófono y sitar!", "es")])
def test_the_new_names_are_checked(say, language):
    untrue = check_say(say, SALSA, language)
    assert len(untrue) >= 4  # the genre and the three instruments are not the salsa's
    plan = SALSA.replace(genre="bachata", instruments=("harmonica", "xylophone", "sitar"))
    assert check_say(say, plan, language) == []


def test_an_edit_that_changed_nothing_says_what_the_clip_already_has():
    """'Métele también un bajo' to a clip that has a bass: not 'Done', but what it is."""
    from voice_agent.responder.grounding import plan_from_text
    from voice_agent.responder.replies import change_say

    plan = plan_from_text("flamenco con guitarra española, palmas y bajo a 110")
    spanish = change_say(plan, plan, "es")
    english = change_say(plan, plan, "en")
    assert spanish.startswith("Ya suena así") and "bajo" in spanish and "Hecho" not in spanish
    assert english.startswith("It already sounds like that") and "bass" in english
    assert check_say(spanish, plan, "es", plan) == [] and check_say(english, plan, "en", plan) == []
