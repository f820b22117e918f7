"""Sentence splitting for streaming speech (English and Spanish)."""

from voice_agent.core.language import split_sentences


def test_english_sentences_keep_abbreviations_and_decimals():
    text = "Hello Dr. Smith. It runs at 3.5 beats a second! Ready? Yes."
    assert split_sentences(text, "en") == [
        "Hello Dr. Smith.", "It runs at 3.5 beats a second!", "Ready?", "Yes."]


def test_spanish_sentences_keep_opening_marks_and_abbreviations():
    text = "¡Hola! ¿Quieres una salsa? La Sra. García dice que sí."
    assert split_sentences(text, "es") == [
        "¡Hola!", "¿Quieres una salsa?", "La Sra. García dice que sí."]


def test_unpunctuated_text_is_one_sentence_and_blank_text_is_none():
    assert split_sentences("no punctuation at all", "en") == ["no punctuation at all"]
    assert split_sentences("   \n ", "en") == []
    assert split_sentences("... !", "es") == []


def test_closing_quotes_stay_with_their_sentence():
    assert split_sentences('He said "fine." Then he left.', "en") == [
        'He said "fine."', "Then he left."]
