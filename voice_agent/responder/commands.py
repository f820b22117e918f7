"""Recognise library commands and lyrics requests in a request's own words (English, Spanish).

"save this", "add it to my rock playlist", "pon la número 2", "quita la última",
"clear the playlist", "sí", "make another like number 1", "escribe una letra de salsa
sobre el mar"... A clear command phrasing is authoritative over the language model's
guess (a 0.5B model is unreliable at this), the same way the plan is grounded in the
person's words. Text is folded first (lower case, no accents, no punctuation), so
ASR-style transcripts ("play number two", "guardala en favoritos") parse the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from collections.abc import Sequence

from voice_agent.core.language import as_tu, filler_words, spell_numbers
from voice_agent.core.types import Intent
from voice_agent.core.vocabulary import find_genre, find_instruments, fold

#: ``Command.item`` for "the last one" / "la última"
LAST_ITEM = -1
DEFAULT_PLAYLIST = "favourites"
#: the "playlist" of a list command that asks which playlists there are ("what playlists
#: do I have?"); no stored name can be it (names are letters, digits and spaces)
ALL_PLAYLISTS = "*"

_NUMBER_WORDS = {
    "one": 1, "two": 2, "to": 2, "too": 2, "three": 3, "four": 4, "for": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
}
_AMBIGUOUS_NUMBERS = {"to", "too", "for", "un", "una", "once"}  # only after "number"/"número"
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
    "primera": 1, "primero": 1, "segunda": 2, "segundo": 2, "tercera": 3, "tercero": 3,
    "cuarta": 4, "cuarto": 4, "quinta": 5, "quinto": 5, "sexta": 6, "sexto": 6,
    "septima": 7, "septimo": 7, "octava": 8, "octavo": 8, "novena": 9, "noveno": 9,
    "decima": 10, "decimo": 10,
}
_NUMBER = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_ORDINAL = "|".join(sorted(_ORDINALS, key=len, reverse=True))

_FAVOURITES = ("favourites", "favorites", "favourite", "favorite", "favs", "faves",
               "favoritos", "favoritas", "favorito", "favorita")
_PLAYLIST_NOUNS = ("playlist", "play list", "lista", "list") + _FAVOURITES
_GENERIC_NAMES = {"", "my", "the", "mi", "la", "de", "reproduccion", "canciones", "songs",
                  "musica", "music", "temas", "this", "that", "esta", "it", "mis", "whole",
                  "entire", "toda", "todo", "all", "current", "new", "nueva", "other", "otra"}
_TRAILING = (r"(?:\s+(?:please|now|for me|fi mi|for us|nah|por favor|ahora|porfa|pues|too|as well|also"
             r"|tambien|then|cheers|thanks|thank you|gracias|ta))*\s*$")

_YES = ("yes", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed", "do it",
        "go ahead", "of course", "please do", "si", "claro", "vale", "dale", "confirmo",
        "hazlo", "adelante", "por supuesto", "de acuerdo", "correcto", "afirmativo")
_NO = ("no", "nope", "cancel", "dont", "don't", "do not", "never mind", "nevermind",
       "forget it", "stop", "keep them", "cancela", "cancelalo", "dejalo",
       "mejor no", "olvidalo", "ni hablar", "para", "no gracias")

#: tú's and usted's imperatives ("guárdala", "guárdela"), not "guardadas"
_SAVE_VERBS = (r"(?:save|stash|keep(?!\s+(?:up|going|on|at|it up|playing|pace)\b)|bookmark|store"
               r"|(?!guardad)guarda\w*|guarde\w*|salva\w*|salve\w*"
               r"|file(?=\s+(?:it|this|that|this one|that one)\s+(?:under|in|into|away in)\b))")  # "can't keep up": no save
_ADD_VERBS = (r"(?:add|put|stick|chuck|bung|pop|hop|throw|toss|append|pon|ponla|ponlo|anade\w*|agrega\w*|agregue\w*|mete\w*"
              r"|metal[ao]s?|metale|incluye\w*|incluya\w*)")  # "métala" (usted), never "metal"
_PLAY_VERBS = (r"(?:play|put on|stick on|bung on|whack on|start|listen to|hear|a ver|pon|pones|ponme|ponla|pone|poneme|ponela|poner|ponga"
               r"|pongame|reproduce\w*|toca\w*|pasame|pasamela|pasamelo|let me hear|hace sonar|haz sonar"
               r"|escuchar|escucharla|escucho|escuchemos|oir|quiero oir|quiero escuchar)")
_REMOVE_VERBS = (r"(?:remove|delete|drop|erase|take|get rid of|quita\w*|borra\w*|elimina\w*"
                 r"|saca\w*)")
_CLEAR_VERBS = r"(?:clear|empty|wipe|reset|vacia\w*|limpia\w*)"
_ALL_WORDS = r"(?:all|everything|every song|toda|todo|todas|todos)"
_LIST_VERBS = (r"(?:list|show|read|tell me|what s in|whats in|what is in|what s on|whats on|what s inside"
               r"|whats inside|what is inside|what all s in|what all is in|what all s on"
               r"|what is on|what songs|which songs|what have i|lista\w*|muestra\w*|ensena\w*"
               r"|dime|lee\w*|que hay|que canciones|cuales|que tengo)")
_LYRICS_NOUNS = r"(?:lyrics?|letras?)"
_WRITE_VERBS = r"(?:write|writing|pen|escrib\w*|compon\w*|redacta\w*)"
_SONG_NOUNS = r"(?:song|songs|cancion|canciones|tema|ballad|balada)"
_TITLE_WORDS = r"(?:called|titled|named|llamad[ao]|titulad[ao]|que se llame)"
_ANOTHER = (r"(?:another|one more|a second one|a second (?:piece|song|track|tune)|a different one|a new one"
            r"|a next one|the next one"
            r"|una mas|uno mas|una nueva|una distinta|uno distinto"
            r"|uno nuevo|otra"
            r"|(?<!lo )(?<!los )otro)")  # "todo lo otro igualito" keeps the rest
_LIKE = (r"(?:like|similar|same as|parecid(?:it)?[ao]|como|igual|igualit[ao]|similar|por el estilo"
         r"|same (?:kinda|kind of|sorta|sort of) thing"
         r"|del estilo|del mismo estilo|en la misma (?:onda|linea)|en esa (?:onda|linea)"
         r"|en (?:esa|esta|la) misma (?:onda|linea|vibra)|along (?:the same|those|those same|these|these same) lines"
         r"|in (?:the same|that) vein|in (?:the same|that|this) style|de ese estilo|en ese estilo|(?<=otra )asi|(?<=otro )asi|(?<=otra mas )asi|(?<=otro mas )asi|del mismo palo"
         r"|de ese palo|de la misma onda|de esa onda|en el mismo rollo|del mismo rollo"
         r"|(?<=otra )mas o menos asi|(?<=otro )mas o menos asi"
         r"|por (?:el mismo|ese|este) (?:lado|camino|rumbo)|por la misma (?:linea|onda)"
         r"|se (?:le )?parezca|same (?:kind|sort|type)|mismo (?:tipo|estilo)|de es[ao]s|of those"
         # "one more in this same style", "in the same lane", "that resembles this one",
         # "de ese mismo palo"
         r"|in (?:the|that|this) same (?:style|vein|vibe|lane|kind|mood|spirit|feel)|in the same lane"
         # "one more in that vibe", "otra en ese mismo rollo"
         r"|in (?:that|this) (?:vibe|mood|spirit|feel)|en (?:ese|este) (?:mismo )?rollo"
         r"|resembles? (?:this|that|it)|de (?:ese|este) mismo (?:palo|estilo|rollo|tipo))")
#: the same music said without "another": "same vibe but a fresh take", "something similar",
#: "algo parecido", "en la misma onda"
_SAME_FEEL = (r"(?:same (?:vibe|feel|feeling|style|mood|energy|idea|thing|sound)|misma onda"
              r"|mismo (?:rollo|estilo|aire|feeling|royo)|misma (?:vibra|idea|energia)"
              r"|(?:a|one) similar (?:one|track|tune|song|clip|piece|beat)"
              r"|(?:something|anything|algo|una|uno)(?: else)?(?: a (?:bit|little))? (?:similar|parecid[oa]|asi|por el estilo"
              r"|del estilo|like (?:that|this|it))|en la misma (?:onda|linea)|along the same lines"
              r"|in the same vein)")
_NEW_TAKE = (r"(?:(?:fresh|new|different|another|other|nueva|otra|distinta) (?:take|version|spin"
             r"|variation|go|toma|version|variacion)|(?:give|make|play|do) me|dame|hazme|haz|pon"
             r"|ponme|quiero|i want|i d like|want|something|anything|algo)")
#: words that edit rather than repeat: "same vibe but faster", "algo parecido con saxo"
_EDIT_WORDS = (r"(?:faster|slower|louder|softer|darker|brighter|happier|sadder|longer|shorter"
               r"|more|less|mas|menos|with|without|con|sin|add|remove|quita\w*|anade\w*)")


@dataclass(frozen=True)
class Command:
    """A recognised library command: the intent and its arguments."""

    intent: Intent
    playlist: str | None = None
    item: int | None = None


@dataclass(frozen=True)
class VersionCommand:
    """A command about the session's versions of the piece.

    ``versions`` are the numbers named, in the order said: one for go-to / play
    (:data:`LAST_ITEM` for "the last one"), two for compare (``(LAST_ITEM - 1, LAST_ITEM)``,
    i.e. ``(-2, -1)``, for "the last two"); empty for undo.
    """

    intent: Intent
    versions: tuple[int, ...] = ()


def normalise_command_text(text: str) -> str:
    """Folded text: lower case, no accents, punctuation as spaces, single spaces."""
    return " ".join(re.sub(r"[^a-z0-9#\s]", " ", fold(text).replace("'", " ").replace("&", " and ")).split())


def _has(pattern: str, folded: str) -> bool:
    return re.search(rf"(?<![a-z]){pattern}(?![a-z])", folded) is not None


def find_item(folded: str) -> int | None:
    """The item number a command names: "number 2", "the second one", "la última" (-1)."""
    if re.search(r"\b(?:the last|la ultima|el ultimo|last one|last song|ultima cancion|my last"
                 r"|mi ultima|mi ultimo)\b", folded):
        return LAST_ITEM
    match = re.search(rf"(?:number|numero|no|#|track|song|cancion|tema|pista|item)\s*"
                      rf"(\d{{1,2}}|{_NUMBER})\b", folded)
    if match:
        return _number_value(match.group(1))
    # "the second one", "my first favourite", "mi primera favorita", "la tercera guardada"
    match = re.search(rf"\b(?:the|la|el|lo|a la|my|mi)\s+({_ORDINAL})\b", folded) or \
        re.search(rf"\b({_ORDINAL})\s+(?:one|song|track|cancion|tema|saved|guardad[ao]"
                  rf"|{'|'.join(_FAVOURITES)})\b", folded)
    if match:
        return _ORDINALS[match.group(1)]
    match = re.search(rf"\b(?:la|el|play|pon|ponme|toca|reproduce|quita|borra|elimina|remove"
                      rf"|delete)\s+(\d{{1,2}}|{_NUMBER})\b(?!\s*(?:s|sec|seconds|segundos|bpm"
                      rf"|minutes?|minutos?|canciones|songs|more))", folded)  # "play one more time": again
    if match and match.group(1) not in _AMBIGUOUS_NUMBERS:
        return _number_value(match.group(1))
    return None


def _number_value(word: str) -> int | None:
    value = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
    return value if value and value > 0 else None


def find_playlist(folded: str) -> str | None:
    """The playlist a command names ("my rock playlist", "la lista de viaje"), canonical."""
    if _has(f"(?:{'|'.join(_FAVOURITES)})", folded):
        return DEFAULT_PLAYLIST
    patterns = (
        rf"\b(?:playlist|play list|lista)(?:\s+(?:nueva|new))?\s+(?:called|named|llamada"
        rf"|que se llam(?:a|e|es|as)|que se va a llamar|de nombre|con el nombre(?: de)?|call it|name it"
        rf"|llamala|ponle de nombre|nueva|new)\s+(?P<named>[a-z0-9 ]{{1,30}}?){_TRAILING}",
        # the nearest determiner: "the first one from my road trip playlist" -> "road trip"
        r"\b(?:my|the|our|a|mi)\s+((?:(?!(?:my|the|our|a|mi)\s)[a-z0-9]+\s+){1,4})(?:playlist|play list)\b",
        r"\b(?:my|the|our)\s+((?:(?!(?:my|the|our|a)\s)[a-z0-9]+\s+){1,3})list\b",  # "the fiesta list"
        rf"\b(?:playlist|play list)\s+(?:called\s+|named\s+|de\s+|del\s+|llamada\s+)?"
        rf"([a-z0-9 ]{{1,30}}?){_TRAILING}",
        rf"\blista\s+(?:de\s+|del\s+|llamada\s+|que se llam(?:a|e|es|as)\s+)?"
        rf"([a-z0-9 ]{{1,30}}?){_TRAILING}",
        r"\b(?:playlist|lista)\s+(?:de\s+|del\s+|llamada\s+)?([a-z0-9]+)\b",
    )
    for pattern in patterns:
        match = re.search(pattern, folded)
        if match:
            # a name said after "called" is all name: "Domingo en la Playa"
            name = _clean_name(match.group(1), named="named" in match.groupdict())
            if name:
                return name
    return None


def canonical_playlist(name: str) -> str | None:
    """A playlist name as stored: lower case, no accents, single spaces; any spelling of
    "favourites" is the default playlist; None for an empty name."""
    folded = normalise_command_text(name)
    if not folded:
        return None
    return DEFAULT_PLAYLIST if folded in _FAVOURITES else folded


def _clean_name(raw: str, named: bool = False) -> str | None:
    """A playlist name without the words around it; None when it is only a generic word.
    ``named``: said right after "called" / "que se llame", so words such as "en" or "la"
    inside it are part of it."""
    words = raw.split()  # "pa mi jeva": a determiner inside a name is part of it
    while words and words[0] in ("called", "named", "de", "del", "llamada", "my", "the", "mi",
                                 "la", "el", "a", *_ALL_OF_IT):
        words = words[1:]
    name = " ".join(words)
    if name in _GENERIC_NAMES or find_item(name) is not None or re.fullmatch(r"\d+", name):
        return None
    if not named and re.search(r"\b(?:from|in|en|to|a|number|numero|la|one|una)\b|^de\b", name):
        return None  # the match ran into the rest of the sentence ("Lluvia de Noche" is a name)
    return name


def _names_music(text: str) -> bool:
    return find_genre(text) is not None or bool(find_instruments(text))


def _sound_details(text: str) -> bool:
    """Words only music has, never lyrics: an instrument, a key, a tempo, a length ("write
    me a slow piano ballad in E flat, 45 seconds" asks for music, not words)."""
    from voice_agent.responder.grounding import find_bpm, find_duration, find_key

    return bool(find_instruments(text) or find_key(text)[0] or find_bpm(text)
                or find_duration(text))


def _is_short_answer(folded: str, words: tuple[str, ...]) -> bool:
    """A short utterance that starts with one of ``words`` ("yes", "sí, bórrala")."""
    if len(folded.split()) > 6:
        return False
    return any(folded == w or folded.startswith(w + " ") for w in words)


def after_answer_word(text: str) -> str:
    """What ``text`` says after a leading yes/no word ("yeah that one, save it" -> "that
    one save it"; folded), or "" when it is nothing but the answer."""
    folded = normalise_command_text(text)
    if folded in _YES + _NO:
        return ""
    for word in sorted(_YES + _NO, key=len, reverse=True):
        if folded.startswith(word + " "):
            return folded[len(word):].strip()
    return ""


def parse_command(text: str) -> Command | None:
    """The library command ``text`` states clearly, or None (then it is a music request/chat)."""
    text = as_tu(text)  # "tóqueme la primera", "guárdela": usted's commands read as tú's
    folded = normalise_command_text(text)
    if not folded:
        return None
    version = parse_version_command(text)
    if version is not None:
        return Command(version.intent, None, version.versions[0] if version.versions else None)
    for detect in (_confirmation, _lyrics, _clear, _remove, _another_like, _save, _list, _play):
        command = detect(folded, text)
        if command is not None:
            return command
    return None


#: words that end a save or list right before a playlist's bare name: "add it to sunday",
#: "put that one in morning", "what's left in dance night", "añádelo a carretera"
_BEFORE_NAME = r"(?:to|in|into|on|onto|inside|under|a|en|al)(?:\s+(?:my|the|mi|la|el))?\s+$"
_LEFT_IN = (r"(?:what s left|whats left|what is left|que queda|que me queda|que tengo|que hay"
            r"|what have i got|what do i have)")
#: a question about a playlist's songs that names it bare after its verb: "¿qué canciones
#: tiene Fiesta?", "which songs dey inside Osu Nights?", "what's playing on Sunday?"
#: a save with no verb: "esa también a Lluvia en Compostela", "and that one to Road Trip"
_THAT_ONE_TOO = (r"(?:(?:y|and|ok|okay|vale|dale)\s+)*(?:esa|ese|esta|este|that one|this one|that|this)"
                 r"(?:\s+(?:tambien|too|also|as well))?\s+(?:a|en|al|to|in|into)(?:\s+(?:my|the|mi|la|el))?\s+")
#: the word for a playlist said after its name ("the Mindil Beach playlist")
_PLAYLIST_NOUN = r"(?:playlist|play list|lista)"
#: "play the whole Marina Bay playlist", "la lista entera de Malecón": all of it, from its
#: first song; not part of its name
_ALL_OF_IT = ("whole", "entire", "full", "complete", "entera", "completa")
_WHOLE = rf"(?:{'|'.join(_ALL_OF_IT)})"
#: what may follow a playlist played by name: nothing much, or an aside after a pause that
#: names no list ("pon Camino al Trabajo, anda", "pon Domingo Familiar, que ya llegaron")
_AFTER_PLAYED_NAME = re.compile(rf"(?:\s+{_PLAYLIST_NOUN})?\s*{_TRAILING}|\s+(?:anda|va|dale|ya|bro|lah|mate|que|because"
                                r"|cause|cos|since|porque|pues)\b.*"
                                r"|\s*[,.;!?]\s*(?!.*\b(?:playlist|play list|lista|list)\b).*")
_SONGS_IN = (r"(?:que|what|which|cuales)\s+(?:canciones|songs|temas|clips|tracks)\s+(?:\w+\s+){0,2}$")


def named_playlist_command(text: str, playlists: Sequence[str]) -> Command | None:
    """A save or list that names an existing playlist without saying "playlist".

    ``playlists`` are the names the library holds; only those count, so "add it to
    sunday" saves to "sunday" once such a playlist exists and is otherwise left to the
    other readings. A request naming an instrument ("add a trumpet to it") is an edit.
    """
    folded = normalise_command_text(text)
    keys = {name: normalise_command_text(name) for name in playlists}
    # an instrument named outside a playlist's own name ("add a trumpet to it") is an edit;
    # inside one it is the name ("ponme Sin Batería")
    unnamed = folded
    for key in sorted(filter(None, keys.values()), key=len, reverse=True):
        unnamed = re.sub(rf"(?<![a-z]){re.escape(key)}(?![a-z])", " ", unnamed)
    if not folded or find_instruments(unnamed):
        return None
    names = sorted((name for name in playlists if keys[name]), key=len, reverse=True)
    spans = {name: _said_exactly(keys[name], folded) for name in names}
    if not any(spans.values()):  # heard, a name may come out a little off
        spans = {name: _heard_at_end(keys[name], folded) for name in names}
    for name in names:
        if spans[name] is None:
            continue
        start, end = spans[name]
        before = folded[:start]
        if re.search(rf"(?:^|\s){_PLAY_VERBS}\s+(?:back\s+|me\s+|us\s+)?(?:(?:my|the|mi|la|el|a|al|to)\s+)?"
                     rf"(?:{_WHOLE}\s+)?(?:(?:playlist|play list"
                     rf"|lista)\s+)?$", before) and re.fullmatch(_AFTER_PLAYED_NAME, folded[end:]):
            return Command(Intent.PLAY, canonical_playlist(name), 1)  # "play gym mix"
        if re.search(_SONGS_IN, before) and re.fullmatch(rf"\s*{_TRAILING}", folded[end:]):
            return Command(Intent.LIST, canonical_playlist(name))
        if re.search(rf"(?:^|\s){_REMOVE_VERBS}\s.*(?:out of|off of|from|off|de|del)(?:\s+(?:my|the|mi|la|el))?\s+$",
                     before):
            return Command(Intent.REMOVE, canonical_playlist(name))  # "take it back out of Platte River"
        if re.search(_BEFORE_NAME, before) is None:
            continue
        if _has(_ADD_VERBS, before) or _has(_SAVE_VERBS, before) or re.fullmatch(_THAT_ONE_TOO, before):
            return Command(Intent.SAVE, canonical_playlist(name))
        if _has(_LIST_VERBS, before) or _has(_LEFT_IN, before):
            return Command(Intent.LIST, canonical_playlist(name))
    return None


def _said_exactly(key: str, folded: str) -> tuple[int, int] | None:
    """Where the words say playlist ``key`` (both normalised) as it is spelled, or None."""
    match = re.search(rf"(?<![a-z]){re.escape(key)}(?![a-z])", folded)
    return match.span() if match else None


#: how alike (difflib's ratio, spaces left out) a name at the end of a request must be to
#: a playlist's: "pack of nights" is heard for "Peckham Nights" (0.72), "o sea en drive"
#: for "Ocean Drive" (0.86); "jim mix" for "gym mix" (0.67) is too far to be sure
_HEARD_ALIKE = 0.7


def _heard_at_end(key: str, folded: str) -> tuple[int, int] | None:
    """Where the end of the words is playlist ``key`` as a recogniser may write it: as
    many words as the name, give or take, alike enough, starting with the same letter
    and naming no other music; None otherwise."""
    tail = re.sub(_TRAILING, "", folded)
    if re.search(rf"(?:^|\s){_PLAY_VERBS}\s", tail):  # "play me the minor beach playlist"
        tail = re.sub(rf"\s+{_PLAYLIST_NOUN}$", "", tail)  # (a save may name a new one)
    words, wanted = tail.split(), key.replace(" ", "")
    best: tuple[float, int] | None = None
    count = len(key.split())
    for size in range(max(1, count - 1), min(len(words), count + 2) + 1):
        said = words[-size:]
        ratio = SequenceMatcher(None, "".join(said), wanted).ratio()
        if ratio >= _HEARD_ALIKE and said[0][0] == wanted[0] and _same_music(" ".join(said), key) \
                and (best is None or ratio > best[0]):
            best = (ratio, size)
    if best is None:
        return None
    start = len(tail) - len(" ".join(words[-best[1]:]))
    return start, len(tail)


def _same_music(said: str, name: str) -> bool:
    """Whether words name no music the playlist's name does not ("dance nite" for "dance
    night" does; "some salsa night" for "salsa nights" names salsa, a request)."""
    return find_genre(said) == find_genre(name) and find_instruments(said) == find_instruments(name)


def _confirmation(folded: str, text: str) -> Command | None:
    if _names_music(text):
        return None
    # "déjalo en veinte" sets a number: no "never mind"
    if _is_short_answer(folded, _NO) and not re.search(r"\d", spell_numbers(folded)) and not re.match(
            r"no\s+(?:tan|so|as|too|more|mas|menos|muy)\b", folded):  # "no tan rápido": an edit
        return Command(Intent.CANCEL)
    if _is_short_answer(folded, _YES) and not re.search(r"\b(?:mas|more|menos|less)\s+\w", folded):
        return Command(Intent.CONFIRM)
    # the answer said last, after taking it back: "Oh, hang on, no, don't do that. Cancel."
    if len(folded.split()) <= 10 and re.search(r"(?:^|\s)(?:cancel|cancela|cancelalo|cancel that|cancel it"
                                              r"|never mind|forget it|olvidalo|leave it be|leave it alone"
                                              # "No wait, leave it. Don't clear it."
                                              r"|don t (?:clear|delete|erase|empty|wipe|do) (?:it|that|them|anything)"
                                              r"|no (?:la |lo |las |los )?(?:borres|vacies|limpies))"
                                              r"(?:\s+(?:please|por favor))?$",
                                              folded):
        return Command(Intent.CANCEL)
    return None


def _lyrics(folded: str, text: str) -> Command | None:
    if _has(_SAVE_VERBS, folded):
        return None  # "guarda la letra": save the clip, lyrics and all
    asks = (_has(_LYRICS_NOUNS, folded)
            or (_has(_WRITE_VERBS, folded) and _has(_SONG_NOUNS, folded)
                and not _sound_details(text))
            or (_has(_SONG_NOUNS, folded) and _has(_TITLE_WORDS, folded)))
    return Command(Intent.LYRICS) if asks else None


def _playlist_noun(folded: str) -> bool:
    return _has(f"(?:{'|'.join(_PLAYLIST_NOUNS)})", folded)


#: a whole playlist deleted: "borra la playlist Deep Ellum", "delete my road trip playlist"
#: (not "bórrala de la playlist": a song taken out of it)
_DELETE_PLAYLIST = (r"(?:delete|erase|borra|borrame|elimina|eliminame)\s+(?:(?:la|the|my|mi|esa|that|this|esta)\s+)?"
                    r"(?:(?!de\b|del\b|from\b|out\b|off\b)[a-z0-9]+\s+){0,3}?(?:playlist|play list|lista)\b")


def _clear(folded: str, text: str) -> Command | None:
    clears = (_has(_CLEAR_VERBS, folded) and (_playlist_noun(folded) or _has(_ALL_WORDS, folded))) \
        or _has(_DELETE_PLAYLIST, folded) \
        or (_has(_REMOVE_VERBS, folded) and _has(_ALL_WORDS, folded)
            and (_playlist_noun(folded) or _has(r"(?:songs|canciones|clips|temas)", folded)
                 or len(folded.split()) <= 4))
    return Command(Intent.CLEAR, _playlist_of_clause(folded, text)) if clears else None


def _playlist_of_clause(folded: str, text: str) -> str | None:
    """The playlist named in the clause that names a playlist ("borra la playlist Deep
    Ellum, ya no la quiero": not "deep ellum ya no la quiero", nor "deep")."""
    for clause in re.split(r"[,.;!?]", text):
        said = normalise_command_text(clause)
        if said and _playlist_noun(said):
            return find_playlist(said) or find_playlist(folded)
    return find_playlist(folded)


#: the clip playing taken out of where it was saved: "remove it from my saved songs", "quítala
#: de mis favoritos", "take this one off the playlist"
_REMOVE_THIS = (rf"{_REMOVE_VERBS}\s+(?:it|this|that|this one|that one|the song|the track|this song|that song"
                rf"|(?:esta|esa) (?:cancion|rola|pieza)|(?:este|ese) tema|esta|esa|la|lo)?"
                rf"\s*(?:out\s+)?(?:from|off|out of|de|del)\s+(?:my|mi|mis|the|la|los|las)?\s*"
                rf"(?:saved(?: songs| tracks| ones| music)?|library|biblioteca|guardad[ao]s|canciones guardadas"
                rf"|(?:[a-z0-9]+\s+){{0,3}}?(?:{'|'.join(_PLAYLIST_NOUNS)}))")  # "off the road trip playlist"


def _remove(folded: str, text: str) -> Command | None:
    item = find_item(folded)
    if item is None and _has(_REMOVE_THIS, folded) and not find_instruments(text):
        return Command(Intent.REMOVE, find_playlist(folded))  # the clip playing, where it is saved
    # "quítale la trompeta ... no, no, un saxofón": an instrument's removal, not a song's
    if item is None or not _has(_REMOVE_VERBS, folded) or find_instruments(text):
        return None
    return Command(Intent.REMOVE, find_playlist(folded), item)


def _another_like(folded: str, text: str) -> Command | None:
    if _has(r"(?:otra vez|one more time|again)", folded):
        return None  # "play it again" / "otra vez" is a replay
    if _has(_ANOTHER, folded) and _has(_LIKE, folded):
        return Command(Intent.ANOTHER_LIKE, find_playlist(folded), find_item(folded))
    if _has(r"(?:one|something|algo|una|uno)\s+(?:like|similar to|parecid[ao] a|como)", folded) \
            and find_item(folded) is not None:
        return Command(Intent.ANOTHER_LIKE, find_playlist(folded), find_item(folded))
    short = len(folded.split()) <= 4 and not _has(r"(?:but|pero)", folded)  # "en la misma onda"
    if _has(_SAME_FEEL, folded) and (_has(_NEW_TAKE, folded) or short) and not _has(_EDIT_WORDS, folded) \
            and not _names_music(text) and not _sound_details(text):
        return Command(Intent.ANOTHER_LIKE, find_playlist(folded), find_item(folded))
    bare = re.fullmatch(r"(?:(?:make|give me|play|do|hazme|haz|dame|pon|ponme|quiero)\s+)?"
                        r"(?:another|another one|another version|one more|otra|otra mas|otra"
                        r" version|otro|otro mas|una mas)(?:\s+(?:one|please|por favor))?",
                        folded)
    if bare and not _names_music(text):
        return Command(Intent.ANOTHER_LIKE)
    return None


#: "keep" that keeps part of the music, not the clip: "but keep the tempo", "keep the band",
#: "keep everything else", "keep only the guitar", "manten lo demás", "deja solo el piano"
_KEEPS_A_FIELD = (r"\b(?:but|and|pero|y)\s+keep|\bkeep(?:ing)?\s+(?:the\s+)?(?:same\s+)?(?:tempo|speed"
                  r"|bpm|pace|key|instruments|band|mood|length|rest|beat|groove|melody"
                  r"|everything else|all (?:the )?(?:rest|else)|the rest|only|just|solo)\b"
                  r"|\b(?:only|just|solo)\s+keep"
                  r"|\b(?:keep|guarda\w*|manten\w*|conserva\w*|deja\w*)\s+(?:todo\s+)?"
                  r"(?:lo demas|el resto|lo otro|igual lo demas)\b")


#: a clip sent or left in a playlist: "déjala en la lista Carrete", "mándala a la lista X",
#: "send it to my gym playlist"
_PUT_IN_LIST = (r"(?:deja\w*|manda\w*|mande\w*|envia\w*|tira\w*|echa\w*|send|throw|drop)\s+"
                r"(?:\w+\s+)?(?:en|a|al|to|in|into|on)\s+(?:la|mi|my|the)\s+(?:lista|playlist)")


def _save(folded: str, text: str) -> Command | None:
    if re.search(_KEEPS_A_FIELD, folded) or (_has("keep(?:ing)?", folded)
                                             and find_instruments(text)):
        return None  # "keep the drums, lose the rest": the band, not the clip
    stays = (r"keep(?:ing)? (?:it|this|that) (?:major|minor|slow|fast|short|long|the same|as is"
             r"|like that|simple|chill|calm|dark|happy|sad|mellow|soft|loud|low|high)"
             # "keep everything exactly as is, just a different performance": the plan stays
             r"|keep(?:ing)? (?:everything|it all|all of it|all) (?:else )?(?:exactly |just )?(?:as is"
             r"|as it is|the same|like it is|how it is)")
    if _has(stays, folded) and not _has(_SAVE_VERBS, re.sub(stays, " ", folded)):
        return None  # "now in G, keep it minor": how the piece stays, not a save
    if re.match(r"(?:(?:please|now|and|ok|okay|can you|could you)\s+)*(?:put|stick|bung|whack) on\s+(?:my|the|our)\b",
                folded):
        return None  # "put on my fiesta playlist": play it
    if _has(_SAVE_VERBS, folded) or _has(_PUT_IN_LIST, folded) or re.match(_INTO_NEW_PLAYLIST, folded):
        return Command(Intent.SAVE, find_playlist(folded) or _bare_save_target(folded))
    adds_to_list = _has(_ADD_VERBS, folded) and _playlist_noun(folded) and _has(
        r"(?:to|in|into|on|a|en|al|inna)", folded)
    if adds_to_list and find_item(folded) is None:
        return Command(Intent.SAVE, find_playlist(folded))
    return None


#: the clip put into a playlist given a name, whatever the verb was heard as: "bung that one
#: on a playlist called Port Hills" ("fun that one..."), "súbela a una lista llamada Costa"
_INTO_NEW_PLAYLIST = (r"(?:[a-z]+\s+){0,3}?(?:[a-z]+\s+(?:it|this|that|la|lo|esa|esta)(?:\s+one)?|[a-z]+l[ao])\s+"
                      r"(?:on|in|into|onto|to|en|a)\s+(?:a|my|the|una|mi)\s+(?:new\s+|nueva\s+)?"
                      r"(?:playlist|play list|lista)\s+(?:called|named|que se llame|llamada)\b")
#: "save it to study beats", "guárdala en mañanas", "sick, save that to gym mix": a save into
#: a playlist named bare, new or not (an existing one is also found by named_playlist_command)
_SAVE_INTO = (rf"^(?:[a-z]+\s+){{0,3}}?{_SAVE_VERBS}\s+(?:it|this|that|this one|that one|la|lo|esta|este"
              rf"|esa|ese)?\s*(?:to|in|into|on|onto|under|en|a|al)\s+([a-z0-9]+(?:\s+[a-z0-9]+){{0,2}}?){_TRAILING}")
#: words after "save it to" that are no playlist's name
_NOT_A_NAME = ("library", "biblioteca", "later", "luego", "disk", "disco", "my library",
               "the library", "mi biblioteca", "list", "lista", "my list", "mi lista")


def _bare_save_target(folded: str) -> str | None:
    """The playlist a save names bare at its end ("save it to study beats"), or None."""
    match = re.search(_SAVE_INTO, folded)
    if match is None or match.group(1).strip() in _NOT_A_NAME:
        return None
    name = _clean_name(match.group(1))
    return canonical_playlist(name) if name else None


#: "what playlists do I have?", "list my playlists", "¿qué listas tengo?"
_WHICH_PLAYLISTS = (r"(?:what(?: all)? s in (?:my|the|all my|all the) (?:playlists|play lists|lists)"
                    r"|(?:do|have|did)\s+(?:i|we)\s+(?:have|got|made)?\s*(?:any\s+)?(?:playlists"
                    r"|play lists|lists)|(?:tengo|tenemos|hay)\s+(?:alguna|algunas|ninguna)\s+(?:playlists?"
                    r"|listas?)|(?:what|which|how many)\s+(?:playlists|play lists|lists"
                    r"|(?:playlist|list)(?=\s+(?:have|do|did)\s+(?:i|we)\b))|(?:list|show|read"
                    r"|tell me)(?:\s+me)?\s+(?:all\s+)?(?:my|the)\s+(?:playlists|lists)"
                    r"|(?:que|cuales|cuantas)\s+(?:son\s+(?:mis|las)\s+)?(?:playlists|listas)"
                    r"|(?:muestra\w*|ensena\w*|dime"
                    r"|lee\w*)\s+(?:todas\s+)?(?:mis|las)\s+(?:playlists|listas))\b")


def _list(folded: str, text: str) -> Command | None:
    if _play_playlist(folded) is not None:  # "pon la lista parranda" plays it
        return None
    if _has(_WHICH_PLAYLISTS, folded):
        return Command(Intent.LIST, ALL_PLAYLISTS)
    about_saved = _playlist_noun(folded) or _has(
        r"(?:saved|guardad\w*|library|biblioteca|my songs|mis canciones|my clips)", folded)
    if about_saved and _has(_LIST_VERBS, folded) and find_item(folded) is None:
        return Command(Intent.LIST, find_playlist(folded))
    return None


def _play(folded: str, text: str) -> Command | None:
    if _has(_AGAIN, folded) and not _playlist_noun(folded) and _has(
            r"(?:(?:that|this|esa|esta|the very) (?:last|ultima|first) one|(?:el|la) ultim[oa])", folded):
        return None  # "play that last one again": the clip again, not a playlist's song
    item = find_item(folded)
    if item is None:
        return _play_playlist(folded)
    if _has(_PLAY_VERBS, folded) or len(folded.split()) <= 4:
        return Command(Intent.PLAY, find_playlist(folded), item)
    return None


def _play_playlist(folded: str) -> Command | None:
    """"play the homework playlist", "pon la lista parranda": a named playlist from its
    first song (a bare "play the playlist" names none and stays unread)."""
    playlist = find_playlist(folded) if _playlist_noun(folded) else None
    if playlist is None or not re.match(rf"\s*(?:(?:please|por favor|now|ahora|and|y|ok|okay|right|righto"
                                        rf"|andale|ole|aguyje|alright|cool|sweet|great"
                                        rf"|vale|dale|hey|ey|oye|bueno|pues|so"
                                        rf"|(?:can|could|would|will) you|(?:me )?(?:puedes"
                                        rf"|podes|podrias))\s+)*{_PLAY_VERBS}\b", folded):
        return None
    return Command(Intent.PLAY, playlist, 1)


# -- versions of the piece: undo, go back to version N, play version N, compare ----------

_VERSION_NOUN = r"(?:version|versions|versiones|take|toma|v(?=\s*\d))"
_UNDO = (r"(?:undo|undo that|undo it|desha[cz]\w*|deshaga\w*|desaz\w*|revert|revert it"
         r"|deshaste|desaste|desaflo|deshaflo"  # "deshacé eso" / "deshazlo" as Whisper wrote them
         r"|mejor (?:como|asi como) (?:estaba|era|antes)|better (?:as|how|the way) it was"
         r"|(?:i )?(?:preferred|liked) it (?:better |more )?(?:how|the way|as) it was(?: before)?"
         # "quita lo último que le has metido", "quítale eso que le pusiste"
         r"|(?:quita|quitale|saca|sacale)\s+(?:lo ultimo|eso|lo)\s+que\s+(?:le\s+)?(?:has\s+)?(?:metido|puesto"
         r"|pusiste|metiste|agregaste|agregado|anadiste|hizo|hiciste|has hecho"
         r"|acabas de (?:poner|meter|agregar|anadir|hacer|cambiar)|acaba de (?:poner|meter|agregar|anadir|hacer"
         r"|cambiar))"
         r"(?:\s+(?:recien|ahorita|ahora))?"
         # "take out whatever you just added", "remove what you added just now"
         r"|(?:take out|remove|get rid of|lose|drop|ditch|undo)\s+(?:what|whatever|the thing|that thing"
         r"|the bit)\s+(?:you(?: ve| have)?\s+)?(?:just\s+)?(?:added|put in|threw in|stuck in|brought in)"
         r"(?:\s+(?:just now|right now|a moment ago|a second ago))?"
         r"|take (?:that|the|my) (?:last )?(?:change|edit) back"
         r"|(?:deja|dejala|dejalo|ponla|ponlo|leave it|put it back|make it)\s+(?:como|like|how"
         r"|the way)\s+"
         r"(?:estaba|era|taba|it was|it were|it worked|it used to be)(?:\s+(?:antes|before))?"
         r"|(?:quita\w*|anula\w*|borra\w*|undo|revert|cancel|drop|remove|scrap|lose)\s+(?:el|the|that|ese)\s+(?:ultimo\s+|last\s+)?"
         r"(?:cambio|change|edit)|(?:scrap|cancel|undo) (?:that|the) last bit"
         r"|take that back|revert that|cancel (?:what|whatever) you (?:just )?did"
         r"|(?:go|switch) back to that (?:one|version)$"
         r"|(?:quedaba|estaba|sonaba) (?:mas bonit[oa]|mejor|mas lind[oa]) antes"
         # "actually, put it back", "no, como estaba antes": nothing after, so the last edit
         r"|(?:put|change|set|turn|switch) it back(?:\s+(?:please|then|again|po|pls|mate|lah|la|nah))?$"
         r"|^(?:como|asi como) (?:estaba|era|sonaba)(?: antes)?$"
         # "I liked the old one better", "the previous one was better", "me gustaba más la de antes"
         r"|(?:liked|like|prefer|preferred) the (?:old|previous|last|other|earlier) (?:one|version)"
         r" (?:better|more)|(?:i )?(?:liked|like|prefer|preferred) the one (?:before|from before)"
         r"|the (?:old|previous|earlier|last) (?:one|version) was (?:better|nicer)"
         r"|the one (?:we had |from |you made )?before (?:was|sounded) (?:better|nicer)"
         r"|(?:it was|it s|it sounded|sounded) better without|(?:era|estaba|sonaba) mejor sin"
         r"|(?:la|el) (?:de antes|anterior) (?:me gustaba|sonaba) mas"
         r"|me gustaba mas (?:la de antes|la anterior|el de antes|el anterior|como estaba)"
         r"|(?:la|el) (?:de antes|anterior) (?:era|estaba|sonaba) mejor"
         r"|(?:scratch|scrap) that(?:\s+(?:last\s+)?(?:change|edit|bit))?"
         # "mejor anula eso", "cancela eso", "anúlalo"
         r"|(?:anula|cancela)\s+(?:eso|esto|ese cambio|lo ultimo|eso ultimo)$|anulalo$"
         # "mejor déjala como la tenías antes"
         r"|(?:deja\w*|ponla|ponlo|vuelve\w*)\s+como\s+(?:la|lo)\s+ten[ií]as?(?:\s+antes)?|(?:didn t|did not|don t|do not) like (?:that|the|this) (?:last )?(?:change|edit)"
         r"|no me gusto (?:ese|el|este) (?:ultimo )?cambio)")
_BACK = (r"(?:go back|back to|return to|return me to|return us to|revert to|switch back|change it back|vuelve"
         r"|volver|volve"
         r"|de vuelta"  # "llévame de vuelta a la segunda versión"
         r"|vuelva|devuelv\w*|regrese\w*"
         r"|vuelvo|volvamos|regresa\w*|retrocede\w*|recupera\w*|restore)")
#: a move to a named version without "back": "go to version 2", "switch to v3", "ve a la
#: versión 2", "vete a la 2", "pasa a la versión dos", "cambia a la toma 3"
_GO_TO = (r"(?:go to|goto|switch to|jump to|skip to|move to|change to|swap to|let s go to|take me to"
          r"|take me back to|llevame a|llevanos a|lleva\w* a"
          r"|ve a|vete a|anda a|andate a|vamos a|pasa a|pasate a|cambia a|salta a|ir a|ve pa|pasemos a)")
_PREVIOUS = (r"(?:previous|the one before|last one|anterior|de antes|la de antes|how it was"
             r"|the way it was|como estaba|como era)")
#: "back" said as a step: "go back one", "go back a step", "vuelve atrás", "un paso atrás"
_STEP_BACK = (r"(?:(?:go|step|move)\s+back\s+(?:one|1|a step|one step|a version|once)"
              r"|(?:one|a|1)\s+step\s+back|back\s+(?:one|a)\s+(?:step|version)"
              # "volvé atrás" (voseo), "echa para atrás ese cambio", "échale pa' atrás"
              r"|(?:vuelve|volver|volve|vuelvo|volvamos|regresa\w*|retrocede\w*|ve|ir|echa|echale"
              r"|echalo|echala|tira|tirale)\s+(?:un paso\s+)?"
              r"(?:atras|para atras|pa atras)|un paso (?:atras|para atras)|retrocede\w*)")
#: the version before, without a "back" verb: "play the previous one", "pon la anterior"
_PREVIOUS_VERSION = (r"(?:(?:the\s+)?previous\s+(?:one|version|take)|the one before"
                     r"|(?:la|el)\s+(?:version\s+|toma\s+)?anterior|la de antes)")
_COMPARE = (r"(?:compare|comparing|compar[ae]\w*|a b|ab test|side by side|back to back|versus|vs"
            r"|one after the other|una (?:tras|despues de|detras de) (?:la )?otra|one after another"
            # "ponme la uno y la tres seguidas": two named, then "in a row"
            r"|\b(?:la|el)\s+(?:\w+\s+){1,2}y\s+(?:la|el)\s+\w+\s+(?:seguidas|seguiditas|seguidos|de corrido)$)")
#: a new piece asked for, a comparison only its reason: "hazme otro reguetón diferente, pa'
#: comparar", "make me another one so I can compare"
_MAKES_ANOTHER = (r"(?:hazme|haz|hagame|haceme|make me|make|dame|give me|do me)\s+(?:otr[oa]|another|una nueva"
                  r"|uno nuevo|a new)\b")
#: two versions heard so as to hear how they differ: "play versions one and two next to
#: each other so I can hear the difference", "ponme las dos versiones para notar la diferencia"
_DIFFERENCE = (r"(?:next to each other|(?:hear|tell|spot|notice) the difference|la diferencia"
               r"|(?:una )?al lado de la otra)")
#: a difference not heard, a complaint and no ask to compare: "I can't tell the difference"
_NO_DIFFERENCE = (r"(?:can ?t|cannot|can not|couldn ?t|don ?t|no)\s+(?:\w+\s+)?(?:tell|hear|spot|notice|noto"
                  r"|oigo|escucho|veo)")
#: "me quedo con la dos", "I'll go with the second one": the person picks a version to go on from
_KEEP_VERSION = (rf"(?:me quedo|nos quedamos|quedemonos|quedate|i ll (?:take|keep|go with|stick with)"
                 rf"|let s (?:go with|keep|stick with)|i ll have)\s+(?:con\s+)?(?:the\s+|la\s+|el\s+)?"
                 rf"(?:{_VERSION_NOUN}\s+(?:number\s+|numero\s+)?)?(\d{{1,2}}|{_NUMBER}|{_ORDINAL})"
                 rf"(?=\s*$|\s+(?:one|{_VERSION_NOUN}|and|y|please|por favor|vuelve|go|pon|ponla|play)\b)")
#: words a person says before the command itself: "hmm, no, undo that", "mmm, nah, ..."
_LEAD_FILLERS = (rf"^(?:{filler_words('ham', 'hum', 'and', 'no', 'nah', 'nope', 'sorry', 'perdon', 'la verdad', 'i know', 'i mean')}"
                 r"\s+)+")
#: what an undo may name after "how it was": "before the sax", "antes del piano"
_BEFORE_WHAT = r"\s+(?:before|antes de|antes del)\s+(?:the\s+|la\s+|el\s+|adding\s+)?\w+$"
_LAST_TWO = (r"(?:(?:the\s+)?last two|(?:the\s+)?two last|(?:las|los)\s+dos\s+ultim[ao]s"
             r"|(?:las|los)\s+ultim[ao]s\s+dos)")


def parse_version_command(text: str) -> VersionCommand | None:
    """A command about this session's versions ("undo", "vuelve a la primera", "play
    version 2", "compara las dos últimas"), or None. A request may say why first: "Ai, no,
    así no me gusta. Deshaz eso." is the undo its last sentence or clause says."""
    command = _version_command(text)
    if command is not None:
        return command
    # a word for the person spoken to ends no clause of its own: "..., undo that, man."
    text = re.sub(rf"[,\s]+{_VOCATIVE}\W*$", "", text, flags=re.IGNORECASE) or text
    # the last sentence or clause, after words about the music ("Uf, el violín no pega ni
    # con cola. Deshaz eso."; heard "the congas are too much, remove that last change")
    for ends in (r"[.!?;]", r"[.!?;,]"):  # "... se pelean. Deshaga eso, por favor."
        parts = [s for s in re.split(rf"(?<={ends})\s+", text.strip()) if s.strip()]
        last = _version_command(parts[-1]) if len(parts) > 1 else None
        if last is not None and last.intent in (Intent.UNDO, Intent.GO_TO_VERSION):
            return last
        # the command, then why: "Undo that, it was better with the piano."
        if (first := _command_then_reason(parts)) is not None:
            return first
    return None


def _command_then_reason(parts: list[str]) -> VersionCommand | None:
    """An undo or go back said first, after at most a filler, then why ("Hmm. Undo that,
    it was better with the piano.")."""
    for index, part in enumerate(parts[:-1]):
        command = _version_command(part)
        if command is not None and command.intent in (Intent.UNDO, Intent.GO_TO_VERSION):
            said_why = re.match(_A_REASON, normalise_command_text(" ".join(parts[index + 1:])))
            return command if said_why else None
        if re.sub(_LEAD_FILLERS, "", normalise_command_text(part) + " ").strip():
            return None  # words before it that are more than a filler
    return None


#: a clause that says why, not what: "it was better with the piano", "I liked it more
#: before", "porque así sonaba mejor", "estaba mejor con el piano"
_A_REASON = (r"(?:(?:it|that|this|which|the \w+)\s+)?(?:was|were|sounded|sounds|had|felt|s|is)\b"
             r"|i\s+(?:liked|preferred|prefer|like|loved)\b|(?:because|cos|cause|coz|since|porque|pues|ya que"
             r"|que)\b|(?:estaba|sonaba|era|me gustaba|quedaba|me gusto)\b|(?:too|demasiado|muy)\b")


def _version_command(text: str) -> VersionCommand | None:
    folded = normalise_command_text(text)
    if not folded:
        return None
    if len(folded.split()) <= 24 and _has(_DIFFERENCE, folded) and _has(_VERSION_NOUN, folded) \
            and not _has(_NO_DIFFERENCE, folded):
        return VersionCommand(Intent.COMPARE, _compared(folded))  # its reason makes it long
    if len(folded.split()) > 16:
        return None
    if (_has(_COMPARE, folded) and not _has(_MAKES_ANOTHER, folded)) or _plays_two_versions(folded):
        return VersionCommand(Intent.COMPARE, _compared(folded))
    unfilled = re.sub(_LEAD_FILLERS, "", folded)  # "hmm, actually, no, ..." says nothing more
    if len(unfilled.split()) > 12:
        # "play me the very first one I asked for, let me hear it again": still that version
        replayed = _replays_a_version(folded) if len(unfilled.split()) <= 16 else None
        # "play me version two again, I want to hear it without the voices": the version
        # named outright, whatever music the reason names
        said_outright = _has(rf"{_VERSION_NOUN}\s+(?:number\s+|numero\s+)?(?:\d{{1,2}}|{_NUMBER})", folded)
        return None if replayed is None or (_names_music(text) and not said_outright) else VersionCommand(
            Intent.PLAY_VERSION, (replayed,))
    named = _named_version(folded, _BACK)  # "revert to version one": a version, not a step
    # "deshaz eso que así se hace pesada": the undo, then why, with no comma between
    unfilled = re.sub(rf"((?<![a-z]){_UNDO}(?![a-z])(?:\s+(?:eso|esto|that|it|this))?)\s+(?:que|porque|because"
                      r"|cause|cos|since|ya que)\s.*$", r"\1", unfilled)
    core_words = len(re.sub(_BEFORE_WHAT, "", unfilled).split())
    # "undo that one, I prefer the one before": two undo phrases make a longer request one
    twice = len(re.findall(rf"(?<![a-z]){_UNDO}(?![a-z])", folded)) >= 2
    said = re.search(rf"(?<![a-z]){_UNDO}(?![a-z])", folded)  # the undo words, if any
    if said is not None and said.group(0).startswith(("scratch", "scrap")) and find_instruments(
            folded[said.end():]):
        said = None  # "throw a trombone on there, scratch that, a trumpet": a correction
    mostly = said is not None and len(said.group(0).split()) >= 0.6 * len(unfilled.split())
    if said is not None and (core_words <= 7 or twice or mostly) and named is None:
        return VersionCommand(Intent.UNDO)
    if ago := re.search(r"\b(?:(?:la|el) de hace|(?:the one )?from|where we were)\s+(dos|tres|two|three|2|3)"
                        r"(?:\s+(?:versiones|versions|cambios|changes|edits|steps))?(?:\s+(?:ago|atras))?\s*$",
                        folded):
        if _has(rf"(?:{_BACK}|{_GO_TO}|{_PLAY_VERBS})", folded) and (ago.group(0).startswith(("la", "el"))
                                                                     or _has("ago", folded)):
            back = _number_value(ago.group(1)) or 2  # "regrésame a la de hace dos": two before the last
            return VersionCommand(Intent.GO_TO_VERSION, (LAST_ITEM - back,))
    kept = re.search(rf"(?<![a-z]){_KEEP_VERSION}", folded)
    if kept and not _names_music(text):
        word = kept.group(1)
        return VersionCommand(Intent.GO_TO_VERSION, (_ORDINALS.get(word) or _number_value(word),))
    number = _version_number(folded)
    if _has(_STEP_BACK, folded) or (_has(_PREVIOUS_VERSION, folded) and not _names_music(text)
                                    and len(folded.split()) <= 7):
        return VersionCommand(Intent.UNDO)
    if named is not None:
        return VersionCommand(Intent.GO_TO_VERSION, (named,))
    if _has(_GO_TO, folded) and not _has(_BACK, folded) and not _names_music(text):
        named = _named_version(folded)
        if named is not None:
            return VersionCommand(Intent.GO_TO_VERSION, (named,))
    if _has(_BACK, folded):
        number = number if number is not None else _bare_number(folded)
        if number is not None and not _has(_PREVIOUS, folded):
            return VersionCommand(Intent.GO_TO_VERSION, (number,))
        if _has(_PREVIOUS, folded) or re.search(rf"(?:^|\s){_BACK}(?:\s+(?:please|por favor))?$",
                                                folded):  # "I preferred it before. Go back."
            return VersionCommand(Intent.UNDO)
        return None
    if (replayed := _replays_a_version(folded)) is not None:  # "¿me pones la primera otra vez?"
        return VersionCommand(Intent.PLAY_VERSION, (replayed,))
    if number is not None and _has(_VERSION_NOUN, folded) and (
            _has(_PLAY_VERBS, folded) or _has(r"(?:again|otra vez|de nuevo)", folded)
            or len(folded.split()) <= 4):  # "¿me pone otra vez la versión uno?"
        return VersionCommand(Intent.PLAY_VERSION, (number,))
    return None


#: words that ask to hear something once more
_AGAIN = r"(?:again|otra vez|de nuevo|una vez mas|once more|one more time)"


def _replays_a_version(folded: str) -> int | None:
    """The version an "again" names by its place: "play the original one again", "¿me
    pones la primera otra vez?" (a playlist's "first favourite" is the library's)."""
    match = re.search(rf"\b(?:the|la|el|{_VERSION_NOUN})\s+(?:very\s+)?({_ORDINAL}|original|{_NUMBER}|\d)\b",
                      folded)
    if match is None or _playlist_noun(folded) or not _has(_AGAIN, folded) \
            or not _has(_PLAY_VERBS, folded) or match.group(1) in _AMBIGUOUS_NUMBERS:
        return None
    word = match.group(1)
    return 1 if word == "original" else _ORDINALS.get(word) or _number_value(word)


def _plays_two_versions(folded: str) -> bool:
    """"play version one, then version four": two versions to hear one after the other."""
    named = re.findall(rf"{_VERSION_NOUN}\s*(?:number\s+|numero\s+)?(\d{{1,2}}|{_NUMBER})\b", folded)
    if len(set(named)) >= 2 and _has(_PLAY_VERBS, folded):
        return True
    # "déjame oír la dos y luego la tres", "play the one and then the three": two by
    # number, one then the other, and no playlist named
    pair = re.search(rf"\b(?:la|el|the)\s+(\d{{1,2}}|{_NUMBER})\s*,?\s+(?:y\s+(?:luego|despues)|(?:and\s+)?then"
                     rf"|luego|despues)\s+(?:la|el|the)\s+(\d{{1,2}}|{_NUMBER})\b", folded)
    if pair and pair.group(1) != pair.group(2) and _has(_PLAY_VERBS, folded) and not _playlist_noun(folded):
        return True
    # "quiero oír la primera y la segunda, a ver cuál me gusta más": two by place, to choose
    places = re.findall(rf"\b(?:the|la|el)\s+({_ORDINAL})\b", folded)
    return len(set(places)) >= 2 and _has(_WHICH_IS_BETTER, folded) and not _playlist_noun(folded)


#: words that ask which of two is better: a comparison, not a playlist
_WHICH_IS_BETTER = (r"(?:cual|which)\s+(?:one\s+)?(?:me gusta|te gusta|i like|is better|es mejor"
                    r"|suena mejor|sounds better|i prefer|prefiero)")


def _version_number(folded: str) -> int | None:
    """The version a command names: "version 2", "the first (version)", "la primera",
    "the original" (1), "the last version" (:data:`LAST_ITEM`)."""
    match = re.search(rf"{_VERSION_NOUN}\s*(?:number\s+|numero\s+)?(\d{{1,2}}|{_NUMBER})\b",
                      folded)
    if match:
        return _number_value(match.group(1))
    match = re.search(rf"\b({_ORDINAL})\b", folded)
    if match and not re.search(r"\d\s*-?\s*$", spell_numbers(folded[: match.start()])):
        return _ORDINALS[match.group(1)]  # not "a thirty second version": a length
    if _has(r"(?:original|the start|el principio|al principio)", folded):
        return 1
    if _has(rf"(?:(?:the\s+)?last\s+{_VERSION_NOUN}|(?:la\s+)?ultima\s+{_VERSION_NOUN}"
            rf"|latest)", folded):
        return LAST_ITEM
    return None


def _named_version(folded: str, verb: str = _GO_TO) -> int | None:
    """The version right after a go-to verb: "version 2", "v2", "la versión dos", "the
    first version", "la 2" (a bare number only at the end: "ve a la 2")."""
    if re.search(rf"{verb}\s+(?:to\s+|a\s+)?(?:the\s+|la\s+|el\s+)?original\b", folded):
        return 1  # "revert to the original version", "llévame a la original"
    match = re.search(rf"{verb}\s+(?:to\s+|a\s+)?(?:the\s+|la\s+|el\s+)?(?:{_VERSION_NOUN}\s*(?:number\s+"
                      rf"|numero\s+)?(\d{{1,2}}|{_NUMBER})\b|({_ORDINAL})\s+{_VERSION_NOUN}"
                      rf"|(\d{{1,2}}|{_NUMBER}|{_ORDINAL})(?:\s+(?:please|por favor))?\s*$)", folded)
    if match is None:
        return None
    word = next(g for g in match.groups() if g)
    value = _ORDINALS.get(word) or _number_value(word)
    # "bring it back to 90": a tempo, no session has ninety versions
    return value if value is not None and value <= _MOST_VERSIONS_SAID else None


def _bare_number(folded: str) -> int | None:
    """A number right after "back to" / "vuelve a la": "go back to 2", "vuelve a la dos"."""
    match = re.search(rf"\b(?:to|a|a la|al|to number|a la numero)\s+(\d{{1,2}}|{_NUMBER})"
                      rf"(?:\s+(?:please|por favor|{_VOCATIVE}))*\s*$", folded)
    value = _number_value(match.group(1)) if match else None
    return value if value is not None and value <= _MOST_VERSIONS_SAID else None


#: a word for the person spoken to after a command: "go back to number two, cher"
_VOCATIVE = (r"(?:mate|cher|bro|bruv|man|love|pal|buddy|dude|boss|chief|friend|my friend|fam|sir|hun|hon"
             r"|darling|my guy|cuz|amigo|amiga|hermano|mano|pana|parce|che|wey|guey|tio|tia|compa|cuate"
             r"|lah|leh|yaar|bhai|ji|oga|boet|bru|china|sis)")
#: the highest version number a "back to N" may name; a larger one is a tempo
_MOST_VERSIONS_SAID = 30


def _compared(folded: str) -> tuple[int, ...]:
    """The two versions a compare names; the last two when it names fewer."""
    if _has(_LAST_TWO, folded):
        return (LAST_ITEM - 1, LAST_ITEM)
    found: list[int] = []
    pattern = (rf"(?:{_VERSION_NOUN}|la|el|the|that|this|esa|and|with|y|con|vs|versus|compare|number|numero"
               rf"|compara)\s+(\d{{1,2}}|{_NUMBER}|{_ORDINAL}|last|latest|newest|ultima|new|newer"
               rf"|nueva|old|older|previous|anterior|vieja|original)\b")
    for match in re.finditer(pattern, folded):
        word = match.group(1)
        if word in ("last", "latest", "newest", "ultima", "new", "newer", "nueva"):
            value = LAST_ITEM
        elif word in ("old", "older", "previous", "anterior", "vieja"):
            value = LAST_ITEM - 1  # "the new one and then the old one"
        elif word == "original":
            value = 1
        else:
            value = _ORDINALS.get(word) or _number_value(word)
        if value is not None and value not in found:
            found.append(value)
    return tuple(found[:2]) if len(found) >= 2 else (LAST_ITEM - 1, LAST_ITEM)
