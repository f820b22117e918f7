"""Language utilities below every stage: sentences, a language guess, text normalisation.

Sentence splitting (English and Spanish) lets speech stream sentence by sentence: it
breaks after ``.``, ``!``, ``?``, ``…`` (and the closing quote or bracket that may follow)
when the next sentence starts, keeps abbreviations ("Dr.", "Sra.", "etc.") and decimals
("3.5") intact, and keeps Spanish opening marks (``¿``, ``¡``) with their sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

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


@lru_cache(maxsize=4096)  # the same names and requests are folded again and again per turn
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
    return "es" if written_in(text, "es") else "en"


def written_in(text: str, language: str) -> bool:
    """True when ``text``'s function words are plainly ``language``'s and no other's."""
    return looks_like(text, language) and not any(
        looks_like(text, other) for other in ("en", "es") if other != language)


# ---------------------------------------------------------------- numbers said as words

_EN_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
             "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
            "seventy": 70, "eighty": 80, "ninety": 90}
_ES_UNITS = ("cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce "
             "quince dieciseis diecisiete dieciocho diecinueve veinte").split()
_ES_TWENTIES = {"veinti" + w: 20 + i for i, w in enumerate(
    "_ uno dos tres cuatro cinco seis siete ocho nueve".split()) if i} | {"veintiun": 21}
_ES_TENS = {"treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
            "ochenta": 80, "noventa": 90}
_ES_HUNDREDS = {"cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200,
                "trescientos": 300, "trescientas": 300}
#: every word a number is made of, folded, with its value ("hundred" multiplies)
NUMBER_WORDS: dict[str, int] = (
    {w: i for i, w in enumerate(_EN_UNITS)} | _EN_TENS | {"hundred": 100}
    | {w: i for i, w in enumerate(_ES_UNITS)} | _ES_TWENTIES | _ES_TENS | _ES_HUNDREDS)
#: words that join the parts of one number: "one hundred and twenty", "treinta y cinco"
_JOINERS = {"and", "y"}
_NUMBER_RUN = re.compile(
    r"\b(?:a\s+(?=hundred))?(?:%s)(?:(?:\s+|-)(?:(?:and|y)\s+)?(?:%s))*\b" % (
        ("|".join(sorted(NUMBER_WORDS, key=len, reverse=True)),) * 2))


def number_value(words: str) -> int | None:
    """The value of a number said in words, English or Spanish, up to a few hundred:
    "twenty-five", "one hundred and twenty", "a hundred twenty", "ciento veinte",
    "noventa y cinco", "veintidós"; None when the words are not one number."""
    current = 0
    for word in re.split(r"[\s-]+", fold(words).strip()):
        if word in _JOINERS or word == "a":
            continue
        value = NUMBER_WORDS.get(word)
        if value is None:
            return None
        if word == "hundred":
            current = max(current, 1) * 100
        elif value >= 100 and current == 0 or value < 100 and _adds_up(current % 100, value):
            current += value
        else:
            return None  # "two three", "ten and two": two numbers, not one
    return current if words.strip() else None


def _adds_up(tens: int, value: int) -> bool:
    """Whether ``value`` continues a number whose last two digits are ``tens``: nothing
    yet, or a round ten (20-90) followed by a unit ("twenty five", "treinta y cinco")."""
    return tens == 0 or (tens >= 20 and tens % 10 == 0 and value < 10)


#: a tempo said the way musicians say it, hundreds as one digit: "one twenty eight" (128),
#: "one forty" (140), "one oh five" (105), "two ten"; not before a length unit ("one twenty
#: second clip" is one clip of twenty seconds)
_TENS_AND_TEENS = "|".join(sorted(_EN_UNITS[10:] + list(_EN_TENS), key=len, reverse=True))
_SAID_HUNDREDS = re.compile(
    rf"\b(one|two|a buck)[\s-]+(?:(?:oh|o)[\s-]+({'|'.join(_EN_UNITS[1:10])})"
    rf"|((?:{_TENS_AND_TEENS})(?:[\s-]+(?:{'|'.join(_EN_UNITS[1:10])}))?))\b"
    rf"(?!\s*-?\s*(?:seconds?|secs?|minutes?|mins?)\b)")


def _said_hundreds(match: re.Match) -> str:
    rest = number_value(match.group(3)) if match.group(3) else NUMBER_WORDS[match.group(2)]
    if rest is None:
        return match.group(0)
    return str(NUMBER_WORDS.get(match.group(1), 1) * 100 + rest)  # "a buck-fifteen" is 115


def spell_numbers(text: str) -> str:
    """``text`` folded, with each number said in words written in digits: "fifteen
    seconds" -> "15 seconds", "a ciento veinte bpm" -> "a 120 bpm", "at one twenty
    eight" -> "at 128". Lone "one"/"uno" stay words ("another one" is not a number);
    "un"/"una"/"a" are never numbers here."""
    def digits(match: re.Match) -> str:
        said = match.group(0)
        if said in ("one", "uno"):
            return said
        value = number_value(said)
        return str(value) if value is not None else said
    folded = _DIGIT_TENS_AND_UNITS.sub(_tens_and_units, fold(text))
    # "a buck 15" (a buck is a hundred; "a buck-fifteen" in words is read by _SAID_HUNDREDS)
    folded = re.sub(r"\ba buck[\s-]+([1-9]\d?)\b", lambda m: str(100 + int(m.group(1))), folded)
    return _NUMBER_RUN.sub(digits, _SAID_HUNDREDS.sub(_said_hundreds, folded))


#: Spanish tens and units as Whisper writes "noventa y cinco" or "ciento veinte" (in
#: digits, spaced): "90 y 5" -> 95, "ciento 20" -> 120 ("30 y 5 segundos" -> 35)
_DIGIT_TENS_AND_UNITS = re.compile(r"\b(?:([2-9]0) y ([1-9])|ciento ([1-9]\d?))\b")


def _tens_and_units(match: re.Match) -> str:
    if match.group(3):
        return str(100 + int(match.group(3)))
    return str(int(match.group(1)) + int(match.group(2)))


#: words said before a request that do not change it, English and Spanish: hesitations
#: and discourse markers ("hmm, okay, ...", "bueno, pues, ..."); regex alternatives
LEAD_FILLERS = ("hmm+", "hm+", "mm+", "uh+", "um+", "eh+", "ah+", "oh+", "ok", "okay", "yeah",
                "well", "actually", "so", "oye", "bueno", "vale", "pues", "mira", "che")


def filler_words(*extra: str) -> str:
    """A regex group of :data:`LEAD_FILLERS` and the ``extra`` words one reader also skips."""
    return f"(?:{'|'.join(LEAD_FILLERS + extra)})"


#: the words that take back what was just said, one or several ("sorry sorry", "no, no",
#: "nah scratch that", "no man", "no vale")
_TAKE_BACK = (r"(?:no wait|wait no|(?:(?:no|nah|naw),? )?(?:hang|hold) on|on second thought|mejor no"
              r"|(?:(?:no|nah|naw) )?(?:scratch|scrap) that|no (?:man|mate|bro|vale|tio|wey|pues)"
              r"|no|nah|naw|nope|sorry|perd[oó]n|wait|espera|pens[aá]ndolo (?:bien|mejor)"
              r"|chale|bah|i misspoke|me equivoqu[eé]|i got that wrong"
              r"|excuse me|pardon(?: me)?|my bad|disculpa|disculpe|perdona|perdone)")
#: sounds said around the words that take back ("wait ah", "no lah", "ay no, perdón")
_AROUND = r"(?:ah|oh|eh|ay|uy|lah|la|na|pues|bueno|well)"
#: a correction said in the middle of a request, after which the words say it again:
#: "about a hundred and twenty, no, make that a hundred and thirty", "a ciento diez... no,
#: mejor a ciento cinco", "jazz, I mean salsa", "en re, digo, en mi"
_CORRECTION = re.compile(
    # heard, "actually, no" may come with no comma before it: "pop a cello in there actually
    # nah, make it a choir"
    r"(?:[,;.?!]|\.\.\.|…|\s[-–—]+|\s(?=(?:actually|wait)\s*,?\s+(?:no|nah|naw|nope)\s*[,.!;]))"
    r"\s*(?:(?:(?:actually|wait|oh|ah|ay|uy|bueno|well|o sea|or|o|ehm|erm|um|uh"
    r"|hmm|mm|eh|em|also|too)\s*,?\s*){0,3}"  # "a sitar, also no, no, a flute" as heard
    rf"{_TAKE_BACK}(?:[\s,]+(?:{_TAKE_BACK}|{_AROUND}))*\s*(?:[,.!;]|\.\.\.|…)+\s*"
    r"(?P<cue>(?:make (?:that|it)|i mean|i meant|digo|mejor|better|rather|o sea)\b\s*,?)?"
    r"|(?:or|o)\s+(?:let['’]?s|lets|let us)?\s*say\b\s*,?|o digamos\b\s*,?"  # "twenty seconds, or let's say twenty-five"
    r"|(?:(?:or|o)\s+)?(?:make that|i mean|i meant|digo|or rather|o mejor|mejor dicho|no mejor"
    r"|(?:bueno|well),?\s+(?:mejor|actually))\b\s*,?)"
    # "I said A major but what I really meant was A minor"
    r"|\s+(?:but\s+)?what i (?:really |actually )?meant (?:was|is)\b\s*,?"
    r"|\s+(?:pero\s+)?lo que quise decir (?:es|era|fue)\b\s*,?"
    # "about 60 actually? Make that 65": heard, the cue may start a sentence of its own
    r"|[.?!]\s+(?:make that|i mean|i meant|or rather|mejor dicho)\b\s*,?"
    # heard without its commas: "un cajón no mejor unas congas", "a 110 no perdón a 105"
    r"|\s+no,?\s+(?:mejor|make that|i mean|perd[oó]n|sorry|wait|espera|esp[eé]rate|esperarte|digo|vale"
    r"|para|pará)\b\s*,?"
    # "make it 30 seconds, na, hang on 25": the number right after
    r"|[,;]?\s*(?:(?:na|nah|naw|no),?\s+)?(?:hang on|hold on)\s+(?=\d)"
    r"|[,;]\s*(?:sorry|perd[oó]n|i mean|digo|no|nah|naw|na)\s+(?=\d)"  # "make it 92, sorry 96" as heard
    r"|(?<=\d)\s+no,\s+(?=\d)"  # "around 100 no, 110"
    # heard without the comma after the take-back: "a 120, no a 112", "a sol menor, no no a la menor"
    r"|[,;]\s*(?:no|nah|naw)\s+(?=(?:a|to|at|en|in)\s+\d)"
    r"|[,;]\s*(?:no|nah|naw),?\s+(?:no|nah|naw)\s+(?=\w)",
    re.IGNORECASE)

_Found = TypeVar("_Found")


@lru_cache(maxsize=1024)  # each field reader of one request asks about the same words
def correction(text: str) -> tuple[str, str, str, str] | None:
    """``text`` split at its last correction: (the words before the clause it corrects,
    that clause, the words after the correction, the same with the verb that says it);
    None when it corrects nothing. "A rock song, about 120, no, make that 130, in G" ->
    ("A rock song,", " about 120", "130, in G", "make that 130, in G")."""
    found = None
    for found in _CORRECTION.finditer(text):
        pass
    if found is None or not re.sub(r"\W", "", text[found.end():]):
        return None  # "... A minor, I mean.": said to make sure, nothing taken back
    clause = max(text.rfind(mark, 0, found.start()) for mark in ",;.!?…")
    while clause > 0 and len(re.findall(r"\w+", text[clause + 1:found.start()])) <= 1:
        # a tag is no clause of its own: "agrégale trompeta, ¿ya? Ay no, ..."
        clause = max(text.rfind(mark, 0, clause) for mark in ",;.!?…")
    # "agrégale un trombón y bájale a la trompeta... no, mejor quítale la trompeta": a
    # command of its own after "and" is the clause taken back; the trombone stays
    joined = list(_JOINED_COMMAND.finditer(text, clause + 1, found.start()))
    if joined:
        clause = joined[-1].start()
    cue = found.start("cue") if found.group("cue") else found.end()
    return (text[:clause + 1], text[clause + 1:found.start()], text[found.end():].strip(),
            text[cue:].strip())


#: "and" / "y" followed by a command verb: where a second command of one sentence begins
_JOINED_COMMAND = re.compile(
    r"\s(?=(?:and|y|e)\s+(?:(?:add|turn|take|make|put|remove|drop|bring|throw|swap|change|slow|speed|lose"
    r"|kill|cut|raise|lower)\b|(?:pon|quita|sube|baja|agrega|mete|saca|cambia|haz|deja)\b"
    r"|(?:baj|b[aá]j|sub|s[uú]b|quit|qu[ií]t|pon|agreg|agr[eé]g|a[ñn]ad|met|m[eé]t|sac|s[aá]c|cambi|c[aá]mbi|haz"
    r"|dej|d[eé]j|alarg|al[aá]rg|acort|ac[oó]rt|ech|[eé]ch|sum|s[uú]m|borr|b[oó]rr|da|toc|t[oó]c)[a-záéíóú]*?"
    r"(?:le|la|lo|les|selo|sela)\b))", re.IGNORECASE)  # a verb with its pronoun: "y bájale"


#: what may follow a bare number said again: "ninety-five'll do", "C minor only", "a cuarenta"
_BARE_NUMBER = re.compile(r"^\W*(?:a|at|to|en|de)?\s*(\d{1,3})(?P<rest>(?:\s*'ll|\W+\w+){0,5}?)\W*$")
#: the words a bare number said again may have after it ("fifty na lang, fifty is better",
#: "one-thirty enough lah"): none names a field
_AFTER_NUMBER = (r"(?:'ll|will|do|only|then|please|mejor|entonces|nomas|porfa|por favor|instead"
                 r"|na|lang|lah|la|is|es|better|enough|fine|ok|okay|vale|ya|cerrado|cerrados|exacto|exactos"
                 r"|redondo|justo|flat|exactly|\d{1,3})")


@lru_cache(maxsize=1024)  # each field reader of one request asks about the same words
def restated(text: str) -> str | None:
    """``text`` as it would have been said right the first time when its correction
    gives a bare number again: "Make it thirty seconds, naw, hang on, twenty-five" ->
    "Make it 25 seconds"; "bring it back to a hundred, ah nah, ninety-five'll do" ->
    "bring it back to 95"; None otherwise. The number takes the place of the last one
    in the clause it corrects, so it keeps that one's unit and verb."""
    parts = correction(text)
    if parts is None:
        return None
    before, clause, after, _said = parts
    number = _BARE_NUMBER.match(spell_numbers(after))
    spelled = spell_numbers(clause)
    numbers = list(re.finditer(r"\d{1,3}", spelled))
    if number is None or not numbers or not all(
            re.fullmatch(_AFTER_NUMBER, word) and (not word.isdigit() or word == number.group(1))
            for word in re.findall(r"'?\w+", number.group("rest"))):
        return None
    last = numbers[-1]
    return f"{before} {spelled[:last.start()]}{number.group(1)}{spelled[last.end():]}".strip()


def as_corrected(text: str) -> str:
    """``text`` read as corrected: the request said right the first time
    (:func:`restated`), else without the clause its last correction takes back ("y más
    alegre... bueno, no, mejor más romántico" -> "mejor más romántico"), else as said."""
    if (said_again := restated(text)) is not None:
        return said_again
    parts = correction(text)
    return text if parts is None else f"{parts[0]} {_with_its_preposition(parts[1], parts[3])}".strip()


#: a note said alone (a capital letter), as the words after a correction may be: "G"
_NOTE_ALONE = re.compile(r"[A-G](?:\s*(?:#|b\b|flat\b|sharp\b))?(?=\s*(?:[,.!?]|$|(?:major|minor|and|please)\b))")


def _with_its_preposition(clause: str, said: str) -> str:
    """The words after a correction with the preposition of the key they correct: "put it
    in D... actually no, G" -> "in G" (a bare capital note means nothing on its own)."""
    if _NOTE_ALONE.match(said) and re.search(r"\b(?:in|to|into|en|a)\s+\S+\W*$", clause):
        return f"in {said}"
    return said


def corrected_readings(text: str) -> tuple[str, ...]:
    """What to read ``text`` as after its last correction, most corrected first: the
    words after it ("..., no, make that a hundred and thirty" -> ", a hundred and thirty"),
    the same with their verb (", make that a hundred and thirty"), then the request
    without the clause it corrects ("a rock song, make that a hundred and thirty"); ()
    when the request corrects nothing."""
    parts = correction(text)
    if parts is None:
        return ()
    before, clause, after, said = parts
    after, said = (_with_its_preposition(clause, words) for words in (after, said))
    rest = f", {after}"  # a clause of its own (", 130, in G major": a tempo said alone)
    without = f"{before} {said}".strip()
    # "make it major": the verb before a mode is what makes it one
    return tuple(dict.fromkeys((rest, f", {said}", without)))


def prefers_correction(find: Callable[[str], _Found]) -> Callable[[str], _Found]:
    """``find`` (a reader of one field of a request) made to read a corrected request as
    corrected: what a person says after "no, make that" replaces what came before ("a
    hundred and twenty, no, make that a hundred and thirty" is 130). A field the
    corrected words do not state is read from the whole request."""

    @wraps(find)
    def find_corrected(text: str) -> _Found:
        said_again = restated(text)
        if said_again is not None:  # a bare number said again: the request said right
            return find(said_again)
        readings = corrected_readings(text)
        if not readings:
            return find(text)
        found = [find(reading) for reading in (*readings, text)]
        if isinstance(found[-1], tuple):  # (key, mode): each part from the first that says it
            return tuple(next((f[i] for f in found if f[i] is not None), None)  # type: ignore
                         for i in range(len(found[-1])))
        return next((f for f in found if f), found[-1])

    return find_corrected


#: Spanish command verbs said with "usted" -> the same verb with "tú", which the rules read:
#: (usted stem, tú command). "súbale" -> "súbele", "sáquele" -> "sácale", "póngala" ->
#: "ponla", "vuélvala" -> "vuélvela".
_USTED_VERBS = (
    ("sub", "sube"), ("baj", "baja"), ("quit", "quita"), ("saqu", "saca"), ("dej", "deja"),
    ("cambi", "cambia"), ("agregu", "agrega"), ("añad", "añade"), ("pong", "pon"), ("hag", "haz"),
    ("vuelv", "vuelve"), ("toqu", "toca"), ("repit", "repite"), ("guard", "guarda"),
    ("pas", "pasa"), ("acort", "acorta"), ("alargu", "alarga"), ("ech", "echa"),
    ("aceler", "acelera"), ("sig", "sigue"), ("apur", "apura"), ("estir", "estira"),
    ("recort", "recorta"), ("part", "parte"), ("calm", "calma"),
)
#: the pronouns a command takes after it ("sáquemela", "póngale")
_CLITICS = ("melas", "melos", "sela", "selo", "mela", "melo", "les", "las", "los", "nos",
            "le", "la", "lo", "me", "")
#: the usted vowel of each stem: -ar verbs end in -e, -er/-ir verbs (and the irregular
#: "ponga", "haga", "vuelva", "repita", "siga") in -a. Not "meter": "métale" is also
#: "metales" (brass).
_USTED_VOWEL = {"sub": "a", "añad": "a", "pong": "a", "hag": "a", "vuelv": "a", "repit": "a",
                "sig": "a", "part": "a"}
#: forms that are also other words and stay as said: "un toque de piano", "un pase", and
#: "quite", which is English too
_USTED_KEEP = {"toque", "pase", "eche", "quite"}


@lru_cache(maxsize=1)
def _usted_forms() -> dict[str, str]:
    """Folded usted command (with its pronouns) -> the tú command, folded."""
    forms: dict[str, str] = {}
    for stem, tu in _USTED_VERBS:
        usted = fold(stem) + _USTED_VOWEL.get(stem, "e")
        for clitic in _CLITICS:
            if usted + clitic not in _USTED_KEEP:
                forms[usted + clitic] = fold(tu + clitic)  # "pon" + "le": "ponle"
    return forms


@lru_cache(maxsize=4096)
def as_tu(text: str) -> str:
    """``text`` with its Spanish commands said with "usted" said with "tú" ("Súbale diez
    pulsaciones" -> "subele diez pulsaciones"), the form the request rules read. Words that
    are no such command are left as they are."""
    forms = _usted_forms()

    def tu(match: re.Match) -> str:
        form = forms.get(fold(match.group()))
        if form is None:
            return match.group()
        return form.capitalize() if match.group()[0].isupper() else form

    return re.sub(r"\b[^\W\d_]{3,}\b", tu, text)
