"""Short structured lyrics (verse / chorus) in the person's language.

"Write a rock song called Midnight Road in the style of Springsteen" or "escribe una letra
de salsa sobre el mar" is read into a :class:`LyricsRequest` (title, genre, topic, style,
first line). :class:`LyricsWriter` asks the language model for JSON constrained by
:data:`LYRICS_SCHEMA` when one is available, checks the answer (shape, language, the
title and first line the person asked for), and otherwise writes them from templates.
Either way :attr:`Lyrics.source` says honestly which one wrote them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voice_agent.core.types import Lyrics, LyricsSection
from voice_agent.core.vocabulary import find_genre, fold

log = logging.getLogger(__name__)

MAX_LINE_CHARS = 80
MIN_DISTINCT_LINES = 0.7  # share of lines that must differ (a chorus may repeat a few)
MODEL_ATTEMPTS = 2  # a second, warmer try before the templates
#: measured on 3 requests: 1.0 gave "I'm going to the park" eight times; 1.3 gave varied lines
REPEAT_PENALTY = 1.3
MAX_COPIED_LINES = 2  # lines taken word for word from the prompt's examples
LYRICS_MAX_TOKENS = 260

#: complete_json(messages, schema, max_tokens, temperature, seed, repeat_penalty) -> raw text
CompleteJson = Callable[[list[dict[str, str]], dict[str, Any], int, float, int, float], str]

LYRICS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "sections": {
            "type": "array", "minItems": 2, "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["verse", "chorus", "bridge"]},
                    "lines": {"type": "array", "minItems": 2, "maxItems": 4,
                              "items": {"type": "string"}},
                },
                "required": ["kind", "lines"],
            },
        },
    },
    "required": ["title", "sections"],
}

LYRICS_SYSTEM_PROMPT = (
    "You write short, singable song lyrics. Answer ONLY with JSON: title, and sections = a "
    "verse then a chorus (kind, lines: 4 short lines each, under 8 words a line, rhyming "
    "when you can). Write every line in the requested language. Use the requested title "
    "and first line exactly when given. Never copy lyrics of existing songs."
)

_FEW_SHOT = (
    ("Language: English\nGenre: country\nTitle: Dusty Boots\nAbout: coming home",
     {"title": "Dusty Boots", "sections": [
         {"kind": "verse", "lines": ["Left the city with the dawn", "Radio low and windows down",
                                     "Every mile a little song", "Pulling me back to my town"]},
         {"kind": "chorus", "lines": ["Dusty boots on the porch again", "Mama's light still on",
                                      "Dusty boots, I'm home again", "Right where I belong"]}]}),
    # a concrete scene far from love songs: with a bolero-about-love example the model copied
    # its lines into 3 of 3 Spanish requests (benchmarks/lyrics_bench.py); with this one, none
    # was rejected for copying
    ("Language: Spanish\nGenre: cumbia\nTitle: Domingo de Mercado\n"
     "About: un domingo en el mercado del pueblo",
     {"title": "Domingo de Mercado", "sections": [
         {"kind": "verse", "lines": ["Huele a pan y a mandarina", "la abuela canta en la esquina",
                                     "los tomates van rodando", "y el acordeón sonando"]},
         {"kind": "chorus", "lines": ["Domingo de mercado, baila la plaza entera",
                                      "domingo de mercado, nadie se queda afuera",
                                      "sube la cumbia, sube el sol", "todo el pueblo en un vaivén"]}]}),
)


@dataclass(frozen=True)
class LyricsRequest:
    """What the person asked the lyrics to be (empty strings where they did not say)."""

    title: str
    genre: str
    topic: str
    style_of: str
    first_line: str
    language: str
    text: str = ""  # the request's own words


_STOPS = (r"(?=\s*(?:[,.;!?]|\bin the style of\b|\bal estilo de\b|\bestilo\b|\babout\b"
          r"|\bsobre\b|\bacerca de\b|\bcalled\b|\btitled\b|\bllamad[ao]\b|\bque se llame\b"
          r"|\bstarting with\b|\bthat starts with\b|\bque empiece\b|\bque comience\b"
          r"|\bwith the first line\b|\bfirst line\b|\bprimera linea\b|\bprimera línea\b|$))")
_PATTERNS = {
    "title": r"(?:called|titled|named|llamad[ao]|titulad[ao]|que se llame)\s+[\"'“]?(.+?)[\"'”]?",
    "topic": r"(?:about|sobre|acerca de)\s+(.+?)",
    "style_of": r"(?:in the style of|al estilo de|estilo)\s+(.+?)",
    "first_line": r"(?:starting with|that starts with|with the first line|first line|"
                  r"que empiece (?:con|por)|que comience (?:con|por)|primera l[ií]nea)\s*:?\s*"
                  r"[\"'“]?(.+?)[\"'”]?",
}
_RAW_GENRE = (r"(?:an?|un|una)\s+(\w+)\s+(?:song|tune|track)"
              r"|(?:letra|cancion|song) de (?:(?:un|una|la|el)\s+)?(\w+)")
_NOT_GENRES = {"amor", "love", "la", "el", "un", "una", "mi", "the", "my", "new", "short",
               "nueva", "corta", "little", "pequena", "me"}


def parse_lyrics_request(text: str, language: str) -> LyricsRequest:
    """Read title, genre, topic, style and first line from a lyrics request."""
    found = {}
    for name, pattern in _PATTERNS.items():
        match = re.search(pattern + _STOPS, text, flags=re.IGNORECASE)
        found[name] = match.group(1).strip(" \"'“”") if match else ""
    if found["title"]:
        found["title"] = _title_case(found["title"])
    return LyricsRequest(title=found["title"], genre=_genre(text), topic=found["topic"],
                         style_of=found["style_of"], first_line=found["first_line"],
                         language=language, text=text)


def _title_case(title: str) -> str:
    return title if any(c.isupper() for c in title) else title.title()


def _genre(text: str) -> str:
    known = find_genre(text)
    if known:
        return known
    for match in re.finditer(_RAW_GENRE, fold(text)):
        word = match.group(1) or match.group(2)
        if word and word not in _NOT_GENRES:
            return word
    return "pop"


# -- templates -----------------------------------------------------------------------

_IMAGES = {
    "en": {"rock": ("highway", "engine"), "metal": ("storm", "thunder"), "salsa": ("dance floor", "drums"),
           "cumbia": ("street party", "accordion"), "jazz": ("smoky bar", "saxophone"),
           "ballad": ("window", "candle"), "reggaeton": ("city lights", "bass"),
           "tango": ("old café", "bandoneon"), "flamenco": ("courtyard", "guitar"),
           "bachata": ("moonlit patio", "guitar")},
    # Spanish: the place follows "la" (feminine), the sound follows "el" (masculine)
    "es": {"rock": ("carretera", "motor"), "metal": ("tormenta", "trueno"), "salsa": ("pista", "tambor"),
           "cumbia": ("verbena", "acordeón"), "jazz": ("taberna", "saxofón"),
           "ballad": ("ventana", "piano"), "reggaeton": ("ciudad", "bajo"),
           "tango": ("milonga", "bandoneón"), "flamenco": ("plaza", "cajón"),
           "bachata": ("terraza", "requinto")},
}
_DEFAULT_IMAGES = {"en": ("open road", "radio"), "es": ("orilla", "viento")}
_TEMPLATES = {
    "en": (
        (("Out on the {place} where the night is long", "I keep on thinking of {topic}",
          "The {sound} plays our favourite song", "And the stars have nowhere to go"),
         ("{title}, {title}", "Carry me home tonight", "{title}, {title}", "Hold on, hold on tight")),
        (("Morning light on the {place}", "Whispering of {topic}", "Every beat of the {sound}",
          "Tells me where I want to be"),
         ("Oh {title}, sing it loud", "Let it rise above the crowd", "Oh {title}, never fade",
          "This is the song we made")),
        (("I wrote your name on the {place}", "A little story of {topic}", "The {sound} kept time with my heart",
          "From the ending to the start"),
         ("{title}, don't let go", "{title}, take it slow", "Every word I never said",
          "Is singing in my head")),
    ),
    "es": (
        (("En la {place} cae la noche", "y yo sigo pensando en {topic}", "suena el {sound} sin reproche",
          "y el tiempo se vuelve canción"),
         ("{title}, {title}", "llévame contigo hoy", "{title}, {title}", "que aquí sigo yo")),
        (("Amanece en la {place}", "me hablas de {topic}", "cada golpe del {sound}",
          "me dice dónde quiero estar"),
         ("Ay, {title}, canta fuerte", "que la noche quiere verte", "ay, {title}, no te vayas",
          "que esta canción no se calla")),
        (("Escribí tu nombre en la {place}", "una historia de {topic}", "el {sound} marcó mi corazón",
          "del final hasta el comienzo"),
         ("{title}, no me sueltes", "{title}, quédate aquí", "lo que nunca te dije",
          "hoy lo canto para ti")),
    ),
}
_DEFAULT_TOPIC = {"en": "you", "es": "ti"}
_DEFAULT_TITLE = {"en": "{Genre} Night", "es": "Noche de {genre}"}


def default_title(request: LyricsRequest) -> str:
    """A title when the person named none: the topic ("My Dog", "El mar"), else the genre
    ("Salsa Night" / "Noche de salsa")."""
    language = "es" if request.language == "es" else "en"
    if request.topic and len(request.topic.split()) <= 4:
        return request.topic.title() if language == "en" else request.topic.capitalize()
    genre = request.genre.replace("_", " ")
    return _DEFAULT_TITLE[language].format(Genre=genre.title(), genre=genre)


def template_lyrics(request: LyricsRequest, variant: int = 0, note: str = "") -> Lyrics:
    """Deterministic lyrics from templates (``variant`` picks among them); source "template"."""
    language = "es" if request.language == "es" else "en"
    title = request.title or default_title(request)
    place, sound = _IMAGES[language].get(request.genre, _DEFAULT_IMAGES[language])
    verse, chorus = _TEMPLATES[language][variant % len(_TEMPLATES[language])]
    values = {"title": title, "topic": request.topic or _DEFAULT_TOPIC[language],
              "place": place, "sound": sound}
    verse_lines = [line.format(**values) for line in verse]
    if request.first_line:
        verse_lines[0] = request.first_line
    sections = (LyricsSection("verse", tuple(verse_lines)),
                LyricsSection("chorus", tuple(line.format(**values) for line in chorus)))
    return Lyrics(title=title, language=language, genre=request.genre, sections=sections,
                  source="template", note=note, request=request.text)


# -- the language model ----------------------------------------------------------------

def lyrics_messages(request: LyricsRequest) -> list[dict[str, str]]:
    """System prompt, one example per language, then this request."""
    messages = [{"role": "system", "content": LYRICS_SYSTEM_PROMPT}]
    for prompt, answer in _FEW_SHOT:
        messages.append({"role": "user", "content": prompt})
        messages.append({"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)})
    messages.append({"role": "user", "content": _request_prompt(request)})
    return messages


def _request_prompt(request: LyricsRequest) -> str:
    from voice_agent.responder.replies import language_name

    lines = [f"Language: {language_name(request.language)}", f"Genre: {request.genre}",
             f"Title: {request.title or default_title(request)}"]
    lines += [f"{label}: {value}" for label, value in (
        ("About", request.topic), ("In the style of", request.style_of),
        ("First line", request.first_line)) if value]
    return "\n".join(lines)


def lyrics_from_model_output(raw: str, request: LyricsRequest) -> Lyrics:
    """Validate a model's JSON lyrics; raises ValueError saying what is wrong."""
    from voice_agent.core.language import looks_like
    from voice_agent.responder.replies import parse_json_object

    data = parse_json_object(raw)
    sections = []
    for section in data.get("sections") or ():
        if not isinstance(section, dict):
            continue
        lines = tuple(_clean_line(x) for x in section.get("lines") or () if isinstance(x, str))
        lines = tuple(x for x in lines if x)
        if lines:
            sections.append(LyricsSection(str(section.get("kind", "verse")).lower(), lines))
    if len(sections) < 2 or sum(len(s.lines) for s in sections) < 4:
        raise ValueError("the lyrics have fewer than two sections or four lines")
    lines = [line.casefold() for s in sections for line in s.lines]
    if len(set(lines)) < MIN_DISTINCT_LINES * len(lines):
        raise ValueError("the lyrics repeat the same lines")  # a small model's failure mode
    if _copied_lines(lines) >= MAX_COPIED_LINES:
        raise ValueError("the lyrics copy the prompt's example")
    text = " ".join(line for s in sections for line in s.lines)
    if not looks_like(text, request.language):
        raise ValueError("the lyrics are not in the person's language")
    if request.first_line:
        first = sections[0]
        sections[0] = LyricsSection(first.kind, (request.first_line,) + first.lines[1:])
    title = request.title or _clean_line(str(data.get("title") or "")) or default_title(request)
    return Lyrics(title=title, language=request.language, genre=request.genre,
                  sections=tuple(sections), source="llm", request=request.text)


_EXAMPLE_LINES = {line.casefold() for _, answer in _FEW_SHOT
                  for section in answer["sections"] for line in section["lines"]}


def _copied_lines(lines: list[str]) -> int:
    """How many (case-folded) lines come word for word from the few-shot examples."""
    return sum(line in _EXAMPLE_LINES for line in lines)


def _clean_line(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS].rsplit(" ", 1)[0]


class LyricsWriter:
    """Writes lyrics with the language model when there is one, else from templates."""

    def __init__(self, complete_json: CompleteJson | None = None, seed: int = 7) -> None:
        self.complete_json = complete_json
        self.seed = seed

    @property
    def uses_model(self) -> bool:
        """True when a language model writes the lyrics."""
        return self.complete_json is not None

    def write(self, request: LyricsRequest, variant: int = 0) -> Lyrics:
        """Lyrics for ``request``; ``variant`` > 0 asks for a different take ("another one")."""
        if self.complete_json is None:
            return template_lyrics(request, variant, note="no language model: template lyrics")
        problems = []
        for attempt in range(MODEL_ATTEMPTS):
            temperature = 0.4 + 0.3 * bool(variant) + 0.3 * attempt
            try:
                raw = self.complete_json(lyrics_messages(request), LYRICS_SCHEMA,
                                         LYRICS_MAX_TOKENS, temperature,
                                         self.seed + variant + 1000 * attempt, REPEAT_PENALTY)
                return lyrics_from_model_output(raw, request)
            except Exception as exc:  # any model failure: try again, then honest templates
                log.warning("model lyrics unusable (%s)", exc)
                problems.append(str(exc))
        return template_lyrics(request, variant,
                               note="model lyrics unusable: " + "; ".join(dict.fromkeys(problems)))
