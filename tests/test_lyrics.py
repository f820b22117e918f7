"""Lyrics: reading the request, the model's JSON, honest template fallback, voice-over mix."""

from __future__ import annotations

import json

import numpy as np
import pytest

from voice_agent.library.lyrics import (LYRICS_SCHEMA, LyricsWriter, lyrics_from_model_output,
                                        lyrics_messages, parse_lyrics_request, template_lyrics)
from voice_agent.library.voiceover import (LEAD_IN_S, duck_envelope, mix_voice_over,
                                           speak_over_music)
from voice_agent.core.language import looks_like
from voice_agent.core.types import Lyrics
from tests.fakes import FakeSpeaker, tone


def test_the_request_is_read_in_english():
    request = parse_lyrics_request("Write a rock song called Midnight Road in the style of "
                                   "Bruce Springsteen, starting with 'engine humming low'.", "en")
    assert (request.title, request.genre, request.style_of, request.first_line) == (
        "Midnight Road", "rock", "Bruce Springsteen", "engine humming low")


def test_the_request_is_read_in_spanish():
    request = parse_lyrics_request("escribe una letra de salsa sobre el mar", "es")
    assert (request.genre, request.topic, request.title) == ("salsa", "el mar", "")
    named = parse_lyrics_request("escríbeme una canción de bolero que se llame luna", "es")
    assert named.genre == "bolero" and named.title == "Luna"


@pytest.mark.parametrize("text,language", [("write lyrics about the rain", "en"),
                                           ("escribe una letra de salsa sobre el mar", "es")])
def test_template_lyrics_are_structured_in_the_person_language(text, language):
    lyrics = template_lyrics(parse_lyrics_request(text, language))
    assert lyrics.source == "template" and lyrics.language == language
    assert [s.kind for s in lyrics.sections] == ["verse", "chorus"]
    assert all(len(s.lines) == 4 for s in lyrics.sections)
    words = " ".join(line for s in lyrics.sections for line in s.lines)
    assert looks_like(words, language)
    assert ("the rain" if language == "en" else "el mar") in words
    assert lyrics.title in lyrics.text() and "[Chorus]" in lyrics.text()


def test_template_variants_differ_and_keep_the_first_line():
    request = parse_lyrics_request("write a song called Blue starting with 'I woke up blue'", "en")
    takes = {template_lyrics(request, v).sections for v in range(3)}
    assert len(takes) == 3
    assert all(template_lyrics(request, v).sections[0].lines[0] == "I woke up blue"
               for v in range(3))


def _model_answer(lines_language: str = "en") -> str:
    verse = (["The engine hums a midnight tune", "Headlights cutting through the dark",
              "I chase the echo of the moon", "With a fire in my heart"]
             if lines_language == "en" else
             ["El motor canta en la noche", "la luna corre por el mar",
              "y yo te busco sin reproche", "con ganas de volar"])
    chorus = (["Midnight, midnight, take me home", "The engine hums a midnight tune"]
              if lines_language == "en" else
              ["Noche, noche, llévame contigo", "El motor canta en la noche"])
    return json.dumps({"title": "whatever", "sections": [
        {"kind": "verse", "lines": verse}, {"kind": "chorus", "lines": chorus}]})


def test_model_lyrics_are_used_with_the_requested_title():
    calls = []

    def complete(messages, schema, max_tokens, temperature, seed, repeat_penalty):
        calls.append((messages, schema, temperature, seed))
        assert repeat_penalty > 1.0
        return _model_answer()

    request = parse_lyrics_request("write a rock song called Midnight Road", "en")
    lyrics = LyricsWriter(complete, seed=7).write(request)
    assert lyrics.source == "llm" and lyrics.title == "Midnight Road"
    assert lyrics.sections[0].lines[0] == "The engine hums a midnight tune"
    assert calls[0][1] is LYRICS_SCHEMA and "Title: Midnight Road" in calls[0][0][-1]["content"]
    LyricsWriter(complete, seed=7).write(request, variant=2)
    assert calls[1][3] == 9 and calls[1][2] > calls[0][2]  # another take: new seed, warmer


_REPEATED = json.dumps({"title": "x", "sections": [
    {"kind": "verse", "lines": ["I'm going to the park"] * 4},
    {"kind": "chorus", "lines": ["Midnight Road, I'm going to the park"] + ["I'm going to the park"] * 3}]})


_COPIED = json.dumps({"title": "El mar", "sections": [
    {"kind": "verse", "lines": ["El mar me llama", "huele a pan y a mandarina",
                                "la abuela canta en la esquina", "y yo me voy"]},
    {"kind": "chorus", "lines": ["Mar, mar", "sube la cumbia, sube el sol",
                                 "todo el pueblo mira el mar", "y yo me quedo"]}]})


@pytest.mark.parametrize("raw,why", [("not json", "unusable"), (_REPEATED, "repeat"),
                                     (_COPIED, "copy the prompt's example"),
                                     (json.dumps({"title": "x", "sections": []}), "fewer than"),
                                     (_model_answer("es"), "language")])
def test_unusable_model_lyrics_fall_back_to_templates_and_say_why(raw, why):
    request = parse_lyrics_request(
        "escribe una canción" if why.startswith("copy") else "write a song about trains",
        "es" if why.startswith("copy") else "en")
    lyrics = LyricsWriter(lambda *a: raw).write(request)
    assert lyrics.source == "template" and why in lyrics.note


def test_a_second_warmer_try_is_made_before_the_templates():
    answers = iter([_REPEATED, _model_answer()])
    temperatures = []

    def complete(messages, schema, max_tokens, temperature, seed, repeat_penalty):
        temperatures.append((temperature, seed))
        return next(answers)

    lyrics = LyricsWriter(complete, seed=7).write(parse_lyrics_request("write a song", "en"))
    assert lyrics.source == "llm" and temperatures == [(0.4, 7), (0.7, 1007)]


def test_a_model_that_raises_still_gives_lyrics():
    def broken(*args):
        raise RuntimeError("llama.cpp exploded")

    lyrics = LyricsWriter(broken).write(parse_lyrics_request("escribe una canción", "es"))
    assert lyrics.source == "template" and "exploded" in lyrics.note and lyrics.language == "es"


def test_no_model_means_template_lyrics_and_the_note_says_so():
    lyrics = LyricsWriter(None).write(parse_lyrics_request("write a song", "en"))
    assert lyrics.source == "template" and "no language model" in lyrics.note


def test_messages_carry_examples_in_both_languages_that_may_not_be_copied():
    messages = lyrics_messages(parse_lyrics_request("escribe una letra de tango", "es"))
    assert messages[0]["role"] == "system" and "Language: Spanish" in messages[-1]["content"]
    examples = [m["content"] for m in messages if m["role"] == "assistant"]
    assert len(examples) == 2
    for example, language in zip(examples, ("en", "es")):
        with pytest.raises(ValueError, match="copy the prompt's example"):
            lyrics_from_model_output(example, parse_lyrics_request("write a song", language))


def test_lyrics_round_trip_through_dicts():
    lyrics = template_lyrics(parse_lyrics_request("write a song about home", "en"))
    assert Lyrics.from_dict(json.loads(json.dumps(lyrics.to_dict()))) == lyrics


def _level_at(samples: np.ndarray, rate: int, freq: float) -> float:
    """Amplitude of one frequency in a window (projection on sine and cosine)."""
    t = np.arange(len(samples)) / rate
    sin, cos = np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)
    return float(2 * np.hypot(samples @ sin, samples @ cos) / len(samples))


def test_the_music_ducks_under_the_voice():
    rate = 22_050
    music = tone(4.0, rate, freq=110, level=0.4)
    voice = tone(1.0, rate, freq=660, level=0.4)
    mixed = mix_voice_over(music, voice, duck_db=-12.0)
    start = int(LEAD_IN_S * rate)
    window = int(0.4 * rate)
    before = _level_at(mixed.samples[: window], rate, 110)
    during = _level_at(mixed.samples[start + window // 2: start + window // 2 + window], rate, 110)
    after = _level_at(mixed.samples[-window:], rate, 110)
    assert during / before == pytest.approx(10 ** (-12 / 20), rel=0.05)  # 12 dB down
    assert after / before == pytest.approx(1.0, rel=0.05)  # and back up after the voice
    voice_level = _level_at(mixed.samples[start + window // 2: start + window // 2 + window],
                            rate, 660)
    assert voice_level / before == pytest.approx(1.0, rel=0.05)  # the voice is not ducked
    assert len(mixed.samples) == len(music.samples) and mixed.peak <= 0.9 + 1e-6


def test_the_envelope_is_smooth_at_the_edges():
    rate = 22_050
    lead = np.r_[np.zeros(rate), tone(1.0, rate).samples, np.zeros(rate)]
    gain = duck_envelope(lead, rate, -12.0)
    assert gain[: rate - 500].min() == pytest.approx(1.0)
    assert np.max(np.abs(np.diff(gain))) < 0.01  # no clicks: small steps only
    assert gain[rate + rate // 2] == pytest.approx(10 ** (-12 / 20), rel=0.02)


def test_voice_longer_than_the_music_loops_the_music():
    music = tone(1.0, 22_050, freq=110)
    lyrics = template_lyrics(parse_lyrics_request("write a song", "en"))
    mixed = speak_over_music(music, lyrics, FakeSpeaker())
    spoken_s = 8 * 0.2 + 6 * 0.35 + 0.9  # eight 0.2 s lines, gaps between lines and sections
    assert mixed.duration_s == pytest.approx(LEAD_IN_S + spoken_s + 1.0, abs=0.05)
    tail = mixed.samples[-int(0.5 * 22_050):]
    assert np.sqrt(np.mean(tail ** 2)) > 0.05  # the looped music is still there at the end
