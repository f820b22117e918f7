"""Music vocabulary shared by the ASR bias, the responder and the composer.

Canonical genre ids are the values ``MusicPlan.genre`` takes for styles the composer
knows; each has English and Spanish aliases and sensible defaults (tempo, mode,
instruments, mood) used when the person does not say. Instruments likewise have
canonical names with aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voice_agent.core.language import fold


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
    Style("lofi", ("lo-fi", "lofi", "lo fi", "lo-fi hip hop", "chillhop"), 80, "minor",
          ("electric piano", "bass", "drums"), "relaxed"),
    Style("jazz", ("jazz", "swing", "bebop", "jazzy"), 120, "major",
          ("piano", "upright bass", "drums", "saxophone"), "smooth"),
    Style("bossa_nova", ("bossa nova", "bossa", "bosanova"), 130, "major",
          ("nylon guitar", "upright bass", "drums", "flute"), "relaxed"),
    Style("salsa", ("salsa", "son cubano", "mambo"), 180, "minor",
          ("piano", "bass", "congas", "trumpet"), "happy"),
    Style("cumbia", ("cumbia",), 95, "minor",
          ("accordion", "bass", "guiro", "congas"), "happy"),
    Style("reggaeton", ("reggaeton", "reguetón", "regueton", "dembow", "perreo"), 95, "minor",
          ("synth", "bass", "drums"), "energetic"),
    Style("flamenco", ("flamenco", "rumba", "rumba flamenca", "bulerías", "bulerias"), 120,
          "minor", ("nylon guitar", "bass", "palmas"), "passionate"),
    Style("tango", ("tango",), 120, "minor",
          ("bandoneon", "violin", "piano", "bass"), "dramatic"),
    Style("rock", ("rock", "rock and roll", "rock & roll", "indie rock"), 125, "major",
          ("electric guitar", "bass", "drums"), "energetic"),
    Style("metal", ("metal", "heavy metal", "thrash"), 150, "minor",
          ("distorted guitar", "bass", "drums"), "aggressive"),
    Style("pop", ("pop",), 110, "major",
          ("piano", "synth", "bass", "drums"), "happy"),
    Style("ballad", ("ballad", "balada", "love song", "canción de amor"), 70, "major",
          ("piano", "strings"), "tender"),
    Style("classical", ("classical", "clásica", "clasica", "orchestral", "orquesta",
                        "symphony", "sinfonía", "string quartet", "cuarteto de cuerda"),
          90, "major", ("strings", "cello", "violin"), "elegant"),
    Style("ambient", ("ambient", "ambiental", "drone", "meditation", "meditación"), 70,
          "major", ("pad", "piano"), "calm"),
    Style("synthwave", ("synthwave", "retrowave", "outrun", "80s synth"), 105, "minor",
          ("synth", "bass", "drums"), "nostalgic"),
    Style("edm", ("edm", "house", "techno", "electronic", "electrónica", "electronica",
                  "dance", "trance"), 124, "minor", ("synth", "bass", "drums"), "energetic"),
    Style("blues", ("blues",), 80, "major",
          ("electric guitar", "piano", "bass", "drums"), "soulful"),
    Style("country", ("country", "bluegrass", "western"), 110, "major",
          ("acoustic guitar", "fiddle", "bass", "drums"), "warm"),
    Style("funk", ("funk", "funky", "disco"), 110, "minor",
          ("electric guitar", "bass", "drums", "brass"), "groovy"),
)

STYLE_BY_GENRE: dict[str, Style] = {style.genre: style for style in STYLES}
DEFAULT_STYLE = STYLE_BY_GENRE["pop"]

#: canonical instrument name -> spoken aliases (English and Spanish)
INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "piano": ("piano",),
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
    "drums": ("drums", "batería", "bateria", "percussion", "percusión"),
    "congas": ("congas", "conga", "bongos", "bongó"),
    "guiro": ("guiro", "güiro"),
    "palmas": ("palmas", "handclaps", "claps"),
    "violin": ("violin", "violín", "fiddle"),
    "fiddle": ("fiddle",),
    "cello": ("cello", "violonchelo", "chelo"),
    "strings": ("strings", "cuerdas", "orchestra", "string section"),
    "trumpet": ("trumpet", "trompeta"),
    "trombone": ("trombone", "trombón", "trombon"),
    "brass": ("brass", "metales", "horns"),
    "saxophone": ("saxophone", "sax", "saxo", "saxofón", "saxofon"),
    "flute": ("flute", "flauta"),
    "clarinet": ("clarinet", "clarinete"),
    "accordion": ("accordion", "acordeón", "acordeon"),
    "bandoneon": ("bandoneon", "bandoneón"),
    "harp": ("harp", "arpa"),
    "ukulele": ("ukulele", "ukelele"),
    "marimba": ("marimba",),
    "synth": ("synth", "synthesizer", "sintetizador", "synths"),
    "pad": ("pad", "pads", "atmospheric pad"),
    "choir": ("choir", "coro", "voices"),
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
    "marimba": "marimba", "synth": "sintetizador", "pad": "pad", "choir": "coro",
}


def instrument_name(name: str, language: str) -> str:
    """How a reply in ``language`` names a canonical instrument."""
    return SPANISH_NAMES.get(name, name) if language == "es" else name




_PLURAL = r"(?:e?s)?(?![a-z])"  # "trompetas", "tangos", "acordeones" name the singular


def _mentions(folded_text: str, alias: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(fold(alias))}{_PLURAL}", folded_text) is not None


def find_genre(text: str) -> str | None:
    """The canonical genre a request names, preferring the longest matching alias."""
    folded = fold(text)
    best: tuple[int, str] | None = None
    for style in STYLES:
        for alias in style.aliases:
            if _mentions(folded, alias) and (best is None or len(alias) > best[0]):
                best = (len(alias), style.genre)
    return best[1] if best else None


def find_instruments(text: str) -> tuple[str, ...]:
    """Canonical instruments a request names, in order of first mention.

    Longer aliases are matched first and blanked out, so "electric guitar" does not
    also count as the bare "guitar" alias of the acoustic guitar.
    """
    folded = fold(text)
    aliases = sorted(((fold(a), name) for name, names in INSTRUMENTS.items() for a in names),
                     key=lambda pair: -len(pair[0]))
    first_seen: dict[str, int] = {}
    for alias, name in aliases:
        for match in re.finditer(rf"(?<![a-z]){re.escape(alias)}{_PLURAL}", folded):
            first_seen[name] = min(first_seen.get(name, match.start()), match.start())
            folded = folded[: match.start()] + " " * (match.end() - match.start()) + folded[match.end():]
    return tuple(sorted(first_seen, key=first_seen.__getitem__))


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

