"""Language utilities below every stage: sentences, a language guess, text normalisation.

Sentence splitting (English and Spanish) lets speech stream sentence by sentence: it
breaks after ``.``, ``!``, ``?``, ``…`` (and the closing quote or bracket that may follow)
when the next sentence starts, keeps abbreviations ("Dr.", "Sra.", "etc.") and decimals
("3.5") intact, and keeps Spanish opening marks (``¿``, ``¡``) with their sentence.
"""

from __future__ import annotations

import re
import unicodedata

#: A "short stock phrase" ("Sure!", "¡Claro!") has at most this many words: voices cache
#: them, and a reply whose spoken opening is only such phrases can still change after it.
PHRASE_WORDS = 3


def base_language(language: str) -> str:
    """ISO 639-1 code from a tag such as ``"en-US"`` or ``"ES"``; empty means English."""
    return (language or "en").split("-")[0].split("_")[0].lower()


# Lower-cased abbreviations that end with a dot but do not end a sentence.
_ABBREVIATIONS = {
    "en": {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e",
           "approx", "no", "vol", "min", "sec"},
    "es": {"sr", "sra", "srta", "dr", "dra", "d", "dña", "ud", "uds", "vd", "etc", "p.ej",
           "pág", "núm", "aprox", "min", "seg", "prof", "lic"},
}

# A sentence end: terminal punctuation, optional closing quotes/brackets, then whitespace,
# then something that can start a sentence (a capital, a digit, a quote or ¿/¡).
_BOUNDARY = re.compile(r"([.!?…]+[\"'”’)\]»]*)\s+(?=[\"'“‘(\[«¿¡]*[A-ZÁÉÍÓÚÑÜ0-9¿¡])")


def _ends_with_abbreviation(chunk: str, language: str) -> bool:
    """True when ``chunk`` ends in a known abbreviation followed by its dot."""
    if not chunk.endswith("."):
        return False
    words = chunk[:-1].split()
    if not words:
        return False
    last = words[-1].lower().lstrip("¿¡(\"'")
    known = _ABBREVIATIONS.get(language, set()) | _ABBREVIATIONS["en"]
    return last in known or (len(last) == 1 and last.isalpha())


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split ``text`` into sentences, in order, with their punctuation and no empty items."""
    text = " ".join(text.split())
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start:match.end(1)]
        if _ends_with_abbreviation(candidate, language):
            continue
        sentences.append(candidate.strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if any(ch.isalnum() for ch in s)]



def normalise(text: str) -> str:
    """Lower-case, drop punctuation (keeping accents and apostrophes), squeeze spaces."""
    text = re.sub(r"[^\w\s']", " ", text.lower().replace("-", " "))
    return " ".join(text.split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """jiwer WER of two texts after :func:`normalise` (1.0 when the hypothesis is empty)."""
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(ref, hyp)) if hyp else 1.0


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Reguetón" matches "regueton"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

_ES_MARKERS = {"el", "la", "los", "las", "un", "una", "que", "con", "para", "aquí", "tienes",
               "es", "de", "y", "te", "claro", "hecho", "está", "esta", "lo", "música"}
_EN_MARKERS = {"the", "a", "an", "here", "is", "with", "for", "you", "your", "and", "it", "sure",
               "this", "some", "enjoy", "i", "to", "of"}


def looks_like(text: str, language: str) -> bool:
    """Cheap check that ``text`` is in ``language`` (en/es), by common function words."""
    words = re.findall(r"[a-záéíóúñü]+", text.lower())
    spanish = sum(w in _ES_MARKERS for w in words) + 2 * bool(re.search(r"[¡¿ñáéíóú]", text))
    english = sum(w in _EN_MARKERS for w in words)
    if language == "es":
        return spanish >= english
    if language == "en":
        return english >= spanish
    return True


def guess_language(text: str) -> str:
    """English or Spanish for a typed request, from its function words."""
    return "es" if looks_like(text, "es") and not looks_like(text, "en") else "en"
