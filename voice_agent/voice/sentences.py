"""Split a reply into sentences (English and Spanish) so speech can stream sentence by sentence.

The splitter is deliberately small: it breaks after ``.``, ``!``, ``?``, ``…`` (and the
closing quote or bracket that may follow) when the next sentence starts, keeps
abbreviations ("Dr.", "Sra.", "etc.") and decimals ("3.5") intact, and keeps Spanish
opening marks (``¿``, ``¡``) with the sentence they open.
"""

from __future__ import annotations

import re

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
