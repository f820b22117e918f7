"""Music vocabulary shared by the ASR bias, the responder and the composer.

Canonical genre ids are the values ``MusicPlan.genre`` takes for styles the composer
knows; each has English and Spanish aliases and sensible defaults (tempo, mode,
instruments, mood) used when the person does not say. Instruments likewise have
canonical names with aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from voice_agent.core.language import base_language, correction, fold, prefers_correction


@dataclass(frozen=True)
class Style:
    """Defaults and spoken names for one genre."""

    genre: str
    aliases: tuple[str, ...]
    bpm: int
    mode: str
    instruments: tuple[str, ...]
    mood: str


STYLES: tuple[Style, ...] = (
    Style("lofi", ("lo-fi", "lofi", "lo fi", "lo-fi hip hop", "chillhop", "hip hop", "hip-hop",
                   "boom bap"), 80, "minor",
          ("electric piano", "bass", "drums"), "relaxed"),
    Style("jazz", ("jazz", "swing", "bebop", "jazzy"), 120, "major",
          ("piano", "upright bass", "drums", "saxophone"), "smooth"),
    Style("bossa_nova", ("bossa nova", "bossa", "bosanova"), 130, "major",
          ("nylon guitar", "upright bass", "drums", "flute"), "relaxed"),
    Style("salsa", ("salsa", "son cubano", "mambo"), 180, "minor",
          ("piano", "bass", "congas", "trumpet"), "happy"),
    Style("cumbia", ("cumbia", "cumbiera", "cumbiero", "cumbiita"), 95, "minor",
          ("accordion", "bass", "guiro", "congas"), "happy"),
    Style("reggaeton", ("reggaeton", "reguetón", "regueton", "dembow", "perreo"), 95, "minor",
          ("synth", "bass", "drums"), "energetic"),
    Style("flamenco", ("flamenco", "rumba", "rumba flamenca", "bulerías", "bulerias"), 120,
          "minor", ("nylon guitar", "bass", "palmas"), "passionate"),
    Style("tango", ("tango", "tanguero", "tanguera", "tanguito"), 120, "minor",
          ("bandoneon", "violin", "piano", "bass"), "dramatic"),
    Style("rock", ("rock", "rock and roll", "rock & roll", "indie rock", "rockero", "rockera",
                   "roquero", "roquera"), 125, "major",
          ("electric guitar", "bass", "drums"), "energetic"),
    Style("metal", ("metal", "heavy metal", "thrash"), 150, "minor",
          ("distorted guitar", "bass", "drums"), "aggressive"),
    Style("pop", ("pop",), 110, "major",
          ("piano", "synth", "bass", "drums"), "happy"),
    Style("ballad", ("ballad", "balada", "love song", "canción de amor"), 70, "major",
          ("piano", "strings"), "tender"),
    Style("classical", ("classical", "clásica", "clasica", "orchestral", "orquesta",
                        "symphony", "sinfonía", "string quartet", "cuarteto de cuerda", "waltz",
                        "vals", "baroque", "barroca", "barroco"),
          90, "major", ("strings", "cello", "violin"), "elegant"),
    Style("ambient", ("ambient", "ambiental", "drone", "meditation", "meditación"), 70,
          "major", ("pad", "piano"), "calm"),
    Style("synthwave", ("synthwave", "retrowave", "outrun", "80s synth"), 105, "minor",
          ("synth", "bass", "drums"), "nostalgic"),
    Style("edm", ("edm", "house", "techno", "tecno", "electronic", "electrónica", "electronica",
                  "electrónico", "electronico",
                  "dance", "trance"), 124, "minor", ("synth", "bass", "drums"), "energetic"),
    Style("blues", ("blues",), 80, "major",
          ("electric guitar", "piano", "bass", "drums"), "soulful"),
    Style("country", ("country", "bluegrass", "western"), 110, "major",
          ("acoustic guitar", "fiddle", "bass", "drums"), "warm"),
    # bachata: the requinto (lead nylon guitar) over a strummed second guitar, bongos and güira
    Style("bachata", ("bachata", "bachatita"), 130, "minor",
          ("nylon guitar", "acoustic guitar", "bass", "congas", "guiro"), "passionate"),
    Style("funk", ("funk", "funky", "disco"), 110, "minor",
          ("electric guitar", "bass", "drums", "brass"), "groovy"),
)

STYLE_BY_GENRE: dict[str, Style] = {style.genre: style for style in STYLES}
DEFAULT_STYLE = STYLE_BY_GENRE["pop"]

#: canonical instrument name -> spoken aliases (English and Spanish)
INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "piano": ("piano", "keyboard", "teclado", "pianito", "the keys"),  # "ditch the keys"
    "electric piano": ("electric piano", "rhodes", "piano eléctrico", "piano electrico"),
    "organ": ("organ", "órgano", "organo"),
    "acoustic guitar": ("acoustic guitar", "guitarra acústica", "guitarra acustica", "guitar",
                        "guitarra"),
    "nylon guitar": ("nylon guitar", "classical guitar", "spanish guitar", "guitarra española",
                     "guitarra espanola", "guitarra clásica"),
    "electric guitar": ("electric guitar", "guitarra eléctrica", "guitarra electrica"),
    "distorted guitar": ("distorted guitar", "guitarra distorsionada"),
    "bass": ("bass", "bajo", "bass guitar"),
    "upright bass": ("upright bass", "double bass", "contrabajo"),
    "drums": ("drums", "batería", "bateria", "percussion", "percusión", "drum kit", "tambores",
              "drum", "drumkit"),
    "congas": ("congas", "conga", "bongos", "bongó", "bongo", "latin percussion",
               "percusión latina", "percusion latina", "timbales"),
    "guiro": ("guiro", "güiro"),
    "palmas": ("palmas", "handclaps", "claps"),
    # "fiddle" is its own name (the country fiddle's sound): a request for a fiddle gets one;
    # it is still the violin to a listener and to an edit (SAME_INSTRUMENT)
    "violin": ("violin", "violín"),
    "fiddle": ("fiddle",),
    "cello": ("cello", "violonchelo", "violoncelo", "violoncello", "chelo"),
    "strings": ("strings", "cuerdas", "orchestra", "string section", "sección de cuerdas",
                "seccion de cuerdas", "instrumentos de cuerda", "cuerda frotada"),
    "trumpet": ("trumpet", "trompeta"),
    "trombone": ("trombone", "trombón", "trombon"),
    "brass": ("brass", "metales", "horns", "brass section", "horn section", "sección de metales",
              "seccion de metales", "vientos metal", "viento metal"),
    "saxophone": ("saxophone", "sax", "saxo", "saxofón", "saxofon"),
    "flute": ("flute", "flauta"),
    "clarinet": ("clarinet", "clarinete"),
    "accordion": ("accordion", "acordeón", "acordeon"),
    "bandoneon": ("bandoneon", "bandoneón"),
    "harp": ("harp", "arpa"),
    "ukulele": ("ukulele", "ukelele", "uke"),
    "marimba": ("marimba",),
    "xylophone": ("xylophone", "xilófono", "xilofono", "glockenspiel"),
    "harmonica": ("harmonica", "armónica", "armonica", "blues harp", "mouth organ"),
    "sitar": ("sitar",),
    "synth": ("synth", "synthesizer", "sintetizador", "synths"),
    "pad": ("pad", "pads", "atmospheric pad"),
    "choir": ("choir", "coro", "voices", "voces", "choral voices"),
}

#: words for a family of instruments, and the canonical instruments each brings
#: ("con vientos" in Latin music is the horn section; "woodwinds" the flute and clarinet)
FAMILIES: dict[str, tuple[str, ...]] = {
    "woodwinds": ("flute", "clarinet"), "woodwind": ("flute", "clarinet"),
    "winds": ("flute", "clarinet"), "maderas": ("flute", "clarinet"),
    "vientos madera": ("flute", "clarinet"), "vientos de madera": ("flute", "clarinet"),
    "viento madera": ("flute", "clarinet"), "vientos": ("brass", "saxophone"),
    "instrumentos de viento": ("brass", "saxophone"), "seccion de vientos": ("brass", "saxophone"),
    "sección de vientos": ("brass", "saxophone"), "horns and saxes": ("brass", "saxophone"),
    "string quartet": ("violin", "cello"), "cuarteto de cuerda": ("violin", "cello"),
}

#: how a Spanish reply names each canonical instrument
SPANISH_NAMES: dict[str, str] = {
    "piano": "piano", "electric piano": "piano eléctrico", "organ": "órgano",
    "acoustic guitar": "guitarra acústica", "nylon guitar": "guitarra española",
    "electric guitar": "guitarra eléctrica", "distorted guitar": "guitarra distorsionada",
    "bass": "bajo", "upright bass": "contrabajo", "drums": "batería", "congas": "congas",
    "guiro": "güiro", "palmas": "palmas", "violin": "violín", "fiddle": "violín",
    "cello": "violonchelo", "strings": "cuerdas", "trumpet": "trompeta", "trombone": "trombón",
    "brass": "metales", "saxophone": "saxofón", "flute": "flauta", "clarinet": "clarinete",
    "accordion": "acordeón", "bandoneon": "bandoneón", "harp": "arpa", "ukulele": "ukelele",
    "marimba": "marimba", "xylophone": "xilófono", "harmonica": "armónica", "sitar": "sitar",
    "synth": "sintetizador", "pad": "pad", "choir": "coro",
}


def instrument_name(name: str, language: str) -> str:
    """How a reply in ``language`` names a canonical instrument."""
    return SPANISH_NAMES.get(name, name) if language == "es" else name


#: Spanish names of the genres whose canonical name is not Spanish (each one an alias of
#: its style, so the truth check reads it back as the same genre)
SPANISH_GENRES = {"reggaeton": "reguetón", "ballad": "balada", "classical": "música clásica",
                  "ambient": "ambiental", "edm": "electrónica"}


def genre_name(genre: str, language: str) -> str:
    """How a reply in ``language`` names a canonical genre ("balada", "bossa nova")."""
    spoken = SPANISH_GENRES.get(genre, genre) if base_language(language) == "es" else genre
    return spoken.replace("_", " ")




_PLURAL = r"(?:e?s)?(?![a-z])"  # "trompetas", "tangos", "acordeones" name the singular


def genres_named(text: str) -> tuple[str, ...]:
    """Every canonical genre ``text`` names, in style order. A word that is an instrument
    is not a genre: "con metales" is the brass, not metal; "metal" still is."""
    folded = fold(text)
    taken = _instrument_spans(folded)
    found: list[str] = []
    for style in STYLES:
        for alias in sorted(style.aliases, key=len, reverse=True):
            if any(not _inside(m.span(), taken) for m in _alias_matches(folded, alias)):
                found.append(style.genre)
                break
    return tuple(found)


#: "pop" and "house" as verbs or a greeting, not genres: "pop a cello in", "pop it on my
#: playlist", "pop in a flute", "house it" (South Africa's "howzit" as Whisper writes it)
_POP_THE_VERB = (r"\bpop(?=\s+(?:(?:a|an|the|some|it|that|this|them|one|my|those|these)\b"
                 r"|in\s+(?:a|an|the|some)\b))|\bhouse(?=\s+it\b)")


@prefers_correction
def find_genre(text: str) -> str | None:
    """The canonical genre a request names, preferring the longest matching alias."""
    folded = re.sub(_POP_THE_VERB, "put", fold(text))
    taken = _instrument_spans(folded)
    # a word said alone as a greeting first ("Mambo! ... a pop song") names no genre when
    # another is named
    # ("Salsa, please make me a happy pop song": "Sasa!" as Whisper wrote it)
    opener = re.match(r"^\W*(\w+)\s*[!,]", folded)
    # a genre taken back ("not metal, blues") or a word that is no style there ("her dance show")
    unsaid = [m.span(1) for m in re.finditer(r"\b(?:not|no|ni)\s+(?:an?\s+|una?\s+)?(\w+)\b", folded)]
    other = [m.span(1) for m in re.finditer(r"\b(dance)\s+(?:show|class|classes|floor|recital|school"
                                            r"|lesson|lessons|teacher|studio|competition)\b", folded)]
    other += [m.span(1) for m in re.finditer(r"\bhaunted[\s-]+(house)\b", folded)]  # a place, no style
    # people who want to dance, a reason and no style: "the aunties want to dance, so make it
    # faster" (while "something we can dance to" still asks for dance music)
    other += [m.span(1) for m in re.finditer(r"\b(?:wants?|wanted|wanna|ready|dying|going|gonna|likes?|liked"
                                             r"|loves?|loved|needs?|starts?|started|love|like)\s+"
                                             r"(?:to\s+)?(dance)\b(?!\s+(?:track|tune|song|beat|music))",
                                             folded)]
    # every alias said, found once (longest first), then read without each set of skipped words
    said = [(genre, [m.span() for m in _alias_matches(folded, alias)])
            for _length, genre, alias in _GENRE_ALIASES_LONGEST_FIRST]
    for skipped in ([opener.span(1)] if opener else []) + unsaid + other, unsaid + other, other:
        for genre, spans in said:  # the longest alias said outside them wins
            if any(not _inside(span, taken + skipped) for span in spans):
                return genre
    return None


def _alias_matches(folded: str, alias: str) -> list[re.Match]:
    folded_alias, pattern = _alias_pattern(alias)
    if folded_alias not in folded:  # the cheap test first: most aliases are not there
        return []
    return list(pattern.finditer(folded))


@lru_cache(maxsize=None)
def _alias_pattern(alias: str) -> tuple[str, re.Pattern]:
    """An alias folded, and compiled as a whole word with its plural (once, not per request)."""
    folded = fold(alias)
    return folded, re.compile(rf"(?<![a-z]){re.escape(folded)}{_PLURAL}")


_GENRE_ALIASES = {fold(a) for style in STYLES for a in style.aliases}
#: (length, genre, alias) for every genre alias, longest first; a stable sort, so of two
#: as long the style listed first wins
_GENRE_ALIASES_LONGEST_FIRST = tuple(sorted(((len(alias), style.genre, alias) for style in STYLES
                                             for alias in style.aliases), key=lambda item: -item[0]))


def _instrument_spans(folded: str) -> list[tuple[int, int]]:
    """Where ``folded`` names an instrument by a word that is not also a genre's name."""
    spans = []
    for alias, pattern in _SPAN_PATTERNS:  # _alias_matches inline: ~200 aliases per call
        if alias in folded:
            spans += [m.span() for m in pattern.finditer(folded)]
    return spans


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in spans)


#: (folded alias, canonical instruments it names), longest first
_ALIASES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(sorted(
    [(fold(a), (name,)) for name, names in INSTRUMENTS.items() for a in names]
    + [(fold(a), members) for a, members in FAMILIES.items()],
    key=lambda pair: -len(pair[0])))


def _has_diminutive(alias: str) -> bool:
    """A one-word name ending in -a or -o, which Spanish also says as "-ita"/"-ito"."""
    return " " not in alias and len(alias) >= 4 and alias[-1] in "ao"


def _diminutive(alias: str) -> str:
    """``alias`` as a pattern that also matches its Spanish diminutive ("flautita",
    "guitarrita", "pianito"): a one-word name ending in -a or -o."""
    if not _has_diminutive(alias):
        return re.escape(alias)
    return rf"(?:{re.escape(alias)}|{re.escape(alias[:-1])}(?:it|ic)[ao])"


#: (the text every match contains, compiled alias with its diminutive and plural, the
#: instruments it names) per instrument alias, longest first: compiled once, and a plain
#: substring test skips the regular expression for the many aliases a request lacks
_INSTRUMENT_PATTERNS = tuple(
    (alias[:-1] if _has_diminutive(alias) else alias,
     re.compile(rf"(?<![a-z]){_diminutive(alias)}{_PLURAL}"), names)
    for alias, names in _ALIASES)
#: the instrument aliases that are not also a genre's name, compiled (``_instrument_spans``)
_SPAN_PATTERNS = tuple(_alias_pattern(alias) for alias, _ in _ALIASES if alias not in _GENRE_ALIASES)


def find_instruments(text: str) -> tuple[str, ...]:
    """Canonical instruments a request names, in order of first mention.

    Longer aliases are matched first and blanked out, so "electric guitar" does not
    also count as the bare "guitar" alias of the acoustic guitar. A family word
    ("woodwinds", "vientos") names each of its instruments; plurals and Spanish
    diminutives ("una flautita") name the instrument. An instrument taken back by a
    correction that names another ("ponle una trompeta, no, mejor un saxofón") is not
    named.
    """
    named = _named_instruments(text)
    parts = correction(text) if len(named) > 1 else None
    if parts is None or not _named_instruments(parts[2]):
        return named
    kept = set(_named_instruments(f"{parts[0]} {parts[2]}"))
    return tuple(n for n in named if n in kept)


#: the words allowed between the instruments of one list: "the pad and the synth"
_LIST_WORDS = frozenset({"and", "y", "e", "&", "plus", "the", "el", "la", "los", "las", "a", "an",
                         "un", "una", "some", "unos", "unas", "also", "too", "tambien", ","})


def listed_instruments(text: str) -> list[str]:
    """The instruments a list at the start of ``text`` names: the first within four
    words, then each joined to the one before by list words only ("the pad and the synth";
    a list joined by commas must close with "and"/"y": "the sax, the flute and the bass",
    while "batería, el bajo más fuerte" names the drums only)."""
    words = text.replace(",", " , ").split()[:12]
    names: list[str] = []
    closed: list[bool] = []  # whether each name's joiner has a conjunction
    start = end = 0  # where the last instrument's words start and end
    for k in range(1, len(words) + 1):
        new = [n for n in find_instruments(" ".join(words[:k])) if n not in names]
        if not new:
            if names and k - 1 == end and _names_whole(" ".join(words[start:k])):
                end = k  # "guitarra acústica": the name's second word, still one instrument
            continue
        start = max(j for j in range(k) if new[0] in find_instruments(" ".join(words[j:k])))
        if names and start < end:  # "piano eléctrico": the name goes on, one instrument
            names[-1], end = new[0], k
            continue
        joiner = set(words[end:start])
        if (not names and k > 4) or (names and not joiner <= _LIST_WORDS):
            break
        names.append(new[0])
        closed.append(not names[1:] or bool(joiner & {"and", "y", "e", "&", "plus"}))
        end = k
    while len(names) > 1 and not closed[-1]:  # a comma with no "and" after it: no list
        names.pop()
        closed.pop()
    return names


def _names_whole(phrase: str) -> bool:
    """Whether ``phrase`` is, all of it, one instrument's name ("guitarra acústica")."""
    folded = fold(phrase).strip(" ,.;:!?")
    return any(stem in folded and pattern.fullmatch(folded)
               for stem, pattern, _names in _INSTRUMENT_PATTERNS)


def _named_instruments(text: str) -> tuple[str, ...]:
    folded = fold(text)
    first_seen: dict[str, float] = {}
    for stem, pattern, names in _INSTRUMENT_PATTERNS:
        if stem not in folded:
            continue
        for match in pattern.finditer(folded):
            for order, name in enumerate(names):
                place = match.start() + order / 10
                first_seen[name] = min(first_seen.get(name, place), place)
            folded = folded[: match.start()] + " " * (match.end() - match.start()) + folded[match.end():]
    return tuple(sorted(first_seen, key=first_seen.__getitem__))


#: one instrument under two canonical names, each mapped to the one that stands for both:
#: the reply's "fiddle" is true of a plan's violin, "remove the violin" removes a fiddle
SAME_INSTRUMENT = {"fiddle": "violin"}


def other_name(name: str) -> str | None:
    """The other canonical name of the instrument ``name`` is ("fiddle" <-> "violin"), or None."""
    return SAME_INSTRUMENT.get(name) or next((one for one, same in SAME_INSTRUMENT.items() if same == name),
                                             None)


@lru_cache(maxsize=4096)  # the same model-given names come back turn after turn
def canonical_instrument(name: str) -> str | None:
    """Map a free-text instrument ("Trompetas", "upright bass") to its canonical name.

    Plurals are tried in singular too; None when the name is not an instrument we know.
    """
    found = find_instruments(name)
    if not found:
        singular = re.sub(r"(es|s)\b", "", fold(name))
        found = find_instruments(singular) or find_instruments(re.sub(r"s\b", "", fold(name)))
    return found[0] if found else None


def style_for(genre: str) -> Style:
    """The style for a canonical genre id or alias; the default style when unknown."""
    if genre in STYLE_BY_GENRE:
        return STYLE_BY_GENRE[genre]
    found = find_genre(genre.replace("_", " "))
    return STYLE_BY_GENRE[found] if found else DEFAULT_STYLE

