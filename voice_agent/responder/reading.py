"""One reading of the request per turn: what the person's own words say.

The pipeline reads the transcript once (:func:`read_request`) and hands the reading to
the responder and the library. The reading says whether the words are authoritative:
a clear library command ("save this", "play number 2") or a clear edit of the previous
clip ("faster", "quita el saxo", "now in D major") leaves nothing for a language model
to decide, so the pipeline skips it and the reply is stated from templates and the plan.

It is built from the existing parsers (commands.parse_command, grounding's find_*,
refine.apply_refinement), not beside them.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from collections.abc import Sequence

from voice_agent.core.language import as_tu, filler_words
from voice_agent.core.types import LIBRARY_INTENTS, Intent, MusicPlan
from voice_agent.core.vocabulary import find_genre, find_instruments, fold
from voice_agent.responder.commands import (Command, after_answer_word, canonical_playlist,
                                             named_playlist_command, parse_command)
from voice_agent.responder.grounding import (ENDS_TOO_SOON, FAST_WORDS, REFINE_WORDS,
                                             REPLAY_WORDS, SLOW_WORDS, find_bpm, find_duration,
                                             find_key, find_mood, tempo_direction)
from voice_agent.responder.refine import (ADDS_TO_IT, VARIATION, apply_refinement, find_swaps,
                                          names_an_edit, plan_instrument)

#: words that make a named genre an edit of the previous clip rather than a new request:
#: "now make it a tango", "hazlo salsa", "same but as jazz", "en versión cumbia"
_GENRE_SWITCH = (r"\b(?:make it|turn (?:it|this|that|this one|the song|the track) into|flip it (?:to|into)"
                 r"|go full|with it|para el lado del?|hacia el|more towards|towards"
                 r"|(?:switch|change) (?:the genre |the style |it |this |that )?to|vuelvel[oa]"
                 r"|transformal[oa]|now as|now in|as an?|same but|same thing but|try it as"
                 r"|do it as|but as|what about|how about|in the style of|al estilo|estilo|en plan"
                 r"|y si la|y si lo|la hacemos|lo hacemos|mejor (?:en|como|un|una)|pero (?:en|como)"
                 r"|instead|hazl[oa]|hagal[oa]|hacel[oa]|hacerl[oa]|ponerl[oa]|conviertel[oa]|convertil[oa]|convierte l[oa]|convertirl[oa]|pasarl[oa] a|cambiarl[oa] a|ahora (?:en|como)|pasal[oa] a|en version"
                 r"|en vez|lo mismo pero|igual pero|cambial[oa] a"
                 # "mejor que sea una salsa", "let it be lo-fi", "more like a funk", "dale un aire
                 # más flamenco"
                 r"|que sea|let it be|more like|mas como|more of an?|un aire(?: mas)?|un toque(?: mas)?|tipo"
                 # "volvelo reguetón", "give it some disco flavour", "a pop style will suit better"
                 r"|volvel[oa]|style will suit|suit (?:it )?better"
                 r"|(?:give it|dale|darle|ponle|add)\s+(?:(?:some|a|an|more|un|una|mas)\s+)?(?:\w+\s+){0,2}"
                 r"(?:flavou?r|vibe|twist|sabor|feel|touch)"
                 r"|would (?:be|sound) better|quedaria mejor|seria mejor"
                 # the style decided after a clip made of a vague request: "let's do blues",
                 # "ya me decidí: una bossa nova", "mejor algo electrónico"
                 r"|let'?\s?s (?:do|say|go with|have|try)|i'?\s?ve decided|decided on|me decid\w+|mejor algo)\b"
                 # a bare answer that names the style first: "Ya, rock, con ...", "Eso, un son
                 # cubano", "Yes, a bossa nova, with ..."
                 r"|^\W*(?:yes|yeah|yep|si|ya|eso|listo)\W+(?:an?\s+|una?\s+)?(?=\w+(?:\s\w+)?\s*(?:,|con\b|with\b))")
#: a new genre that keeps what else was made: "now a bossa nova, but keep the tempo and the
#: key", "ahora hacé una bachata, dejá todo lo demás igual"
_KEEPS_THE_REST = (r"\b(?:keep(?:ing)?|mant[ei]n\w*|conserv\w*|respet\w*|deja\w*|leave)\s+(?:the\s+|el\s+|la\s+"
                   r"|los\s+|todo\s+)?(?:same\s+)?(?:tempo|speed|bpm|key|instruments|band|rest|everything"
                   r"|lo demas|el resto|ritmo|tono|tonalidad|instrumentos|todo)\b"
                   # the rest named first: "y lo demás me lo dejas tal cual", "the rest as is"
                   r"|\b(?:everything else|the rest|lo demas|el resto)\s+(?:me\s+)?(?:l[oa]\s+)?"
                   r"(?:dej\w*|mant\w*|keep|leave|(?:the same|as is|igual|tal cual|como esta)\b)"
                   # "pero que quede igual todo lo demás"
                   r"|\bque (?:se )?(?:quede|queden|siga|sigan) igual (?:todo )?(?:lo demas|el resto)\b"
                   r"|\b(?:lo demas|el resto) (?:se )?(?:quede|siga|mantenga) (?:igual|como esta)\b")
#: phrasings that edit the previous clip without a comparative: "make it 30 seconds",
#: "now in D major", "remove the saxophone", "cambia la guitarra por un piano"
_EDIT_CUES = (r"\b(?:make it|now|ahora|hazl[oa]|ponl[oa]|ponle|que dure|que suene|remove|take out|swap"
              r"|comes? out (?:a little |a bit |slightly |just )?different"
              r"|echale|echele"
              r"|switch|replace|add|with|without|con|sin|quita\w*|saca\w*|cambia\w*|anad\w*"
              r"|bring in|throw in|put in|include|layer in|mix in|incluye\w*|mete\w*|agrega\w*"
              r"|suma\w*|trade|lose|drop|get rid of|elimina\w*|sustituye\w*|reemplaza\w*|put"
              r"|use|instead|en vez|en lugar|in it|on it|to it|would be nice|estaria bien|le iria"
              r"|bring back|put back|vuelve a poner|recupera\w*|dure (?:un poco |un poquito |un pelin |algo |tantito )?(?:mas|menos)"
              r"|at \d+|a \d+|in [a-g]|en (?:do|re|mi|fa|sol|la|si)|same but|igual pero"
              r"|lo mismo pero|otra version|another version|another take)\b")


@dataclass(frozen=True)
class RequestReading:
    """What the person's words say, read once per turn.

    ``intent`` is set only when the words decide it (a clear library command, a clear
    edit or replay of the previous clip); ``guess`` is the words' best guess otherwise
    (what the rule responder would do). ``edited`` is the previous plan with the words'
    edits applied, when the request is an edit of it.
    """

    text: str
    language: str
    guess: Intent
    command: Command | None = None
    intent: Intent | None = None
    genre: str | None = None
    instruments: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    swapped: tuple[tuple[str, str], ...] = ()
    mood: str | None = None
    bpm: int | None = None
    tempo_change: str | None = None  # "faster" / "slower" without a number
    key: str | None = None
    mode: str | None = None
    duration_s: float | None = None
    replay: bool = False
    refine: bool = False
    variation: bool = False  # "same but different", "otra versión": new seed, same plan
    about_clip: bool = False  # "what's playing?", "¿a qué tempo va?": a question, answered
    talk: bool = False  # "cheers, love it", "did you compose this?": nothing to make
    previous: MusicPlan | None = None
    edited: MusicPlan | None = None

    @property
    def authoritative(self) -> bool:
        """The words leave nothing for a language model to decide."""
        return self.intent is not None

    @property
    def asks_for_nothing(self) -> bool:
        """The words ask for nothing the agent can do: no command, no music, no edit,
        not thanks or talk and no question about the clip (the help reply)."""
        return self.guess is Intent.CHAT and not (self.talk or self.about_clip)

    @property
    def why(self) -> str:
        """Why the language model is not needed, for the turn record."""
        if self.command is not None:
            return f"the words are a clear {self.command.intent.value} command"
        if self.intent is Intent.REPLAY:
            return "the words ask to replay the previous clip"
        if self.about_clip:
            return "the words ask what is playing"
        if self.talk:
            return "the words are thanks or talk, with nothing to make"
        return "the words are a clear edit of the previous clip"


def read_request(text: str, language: str, previous_plan: MusicPlan | None = None,
                 playlists: Sequence[str] = (), awaiting_answer: bool = True) -> RequestReading:
    """Read ``text`` once: its command, the music it names, and any edit of ``previous_plan``.

    ``playlists`` are the library's playlist names: a save or list may name one bare
    ("add it to sunday"; see :func:`named_playlist_command`). With ``awaiting_answer``
    False (nothing asked "are you sure?"), a leading "yeah" / "vale" / "no" is not an
    answer when more follows: "yeah that one, save it" is a save, "vale, repítela" a replay.
    """
    said = as_tu(text)  # "súbale diez pulsaciones" is read as "súbele diez pulsaciones"
    if said != text:
        reading = read_request(said, language, previous_plan, playlists, awaiting_answer)
        return dataclasses.replace(reading, text=text)
    folded = " " + fold(text) + " "
    command = parse_command(text)
    named = named_playlist_command(text, playlists) if playlists else None
    if named is not None and (command is None or command.intent in (Intent.CONFIRM, Intent.CANCEL,
                                                                    Intent.ANOTHER_LIKE)
                              # "pon la lista Carne Asada": its "lista" is no list verb
                              or (named.intent is Intent.PLAY and command.intent is Intent.LIST)
                              or (command.intent is named.intent
                                  and command.playlist not in map(canonical_playlist, playlists))):
        command = named  # "okay, play gym mix": the playlist, not a yes; a name heard a bit off
    if awaiting_answer and command is not None and command.intent is Intent.UNDO \
            and re.search(_CALLS_OFF, folded):
        # "¿Borro la lista?" - "No, no, esperá. Mejor cancelá eso.": the question called off,
        # not the last edit undone
        command = dataclasses.replace(command, intent=Intent.CANCEL)
    if (not awaiting_answer and command is not None
            and command.intent in (Intent.CONFIRM, Intent.CANCEL)):
        rest = after_answer_word(text)
        reading = read_request(rest, language, previous_plan, playlists, False) if rest else None
        if reading is not None and previous_plan is not None and asks_about_clip(text):
            # "Vale, perfecta. ¿Cuántos segundos tiene ahora?": the question, its "?" kept
            reading = dataclasses.replace(reading, guess=Intent.CHAT, intent=Intent.CHAT, about_clip=True)
        # "okay, can already, thank you": talk after the "okay", nothing to say yes to
        if reading is not None and (reading.guess is not Intent.CHAT or len(rest.split()) >= 2):
            return dataclasses.replace(reading, text=text)
    key, mode = find_key(text)
    mode = mode or _mode_named(text)
    fields = dict(text=text, language=language, command=command, genre=find_genre(text),
                  instruments=find_instruments(text), mood=find_mood(text), bpm=find_bpm(text),
                  tempo_change=_tempo_change(text, folded), key=key, mode=mode,
                  duration_s=find_duration(text), swapped=find_swaps(fold(text)),
                  previous=previous_plan)
    if command is None and previous_plan is not None and (rest := _after_a_genre_as_greeting(text, fields,
                                                                                          previous_plan)):
        return dataclasses.replace(read_request(rest, language, previous_plan, playlists, awaiting_answer),
                                   text=text)
    if command is None and previous_plan is not None and _another_of_its_style(folded, fields, previous_plan):
        command = fields["command"] = Command(Intent.ANOTHER_LIKE)
    if command is not None:
        intent = command.intent
        needs_clip = intent is Intent.ANOTHER_LIKE and command.item is None
        decided = None if needs_clip and previous_plan is None else intent
        return RequestReading(guess=intent, intent=decided, **fields)
    if previous_plan is None:
        return RequestReading(guess=_new_request_intent(folded, fields), **fields)
    if asks_about_clip(text):
        return RequestReading(guess=Intent.CHAT, intent=Intent.CHAT, about_clip=True, **fields)
    return _about_previous(folded, fields, previous_plan)


#: a genre word said first, alone, then a question that asks for another change: "Salsa,
#: can you change it to E flat major?" ("Sawa" as Whisper wrote it), "rock, y'all, can you
#: put it in C minor?" ("Wah, yaar"); "Salsa, and make it faster" still asks for salsa
_GENRE_GREETING = re.compile(r"^\W*(\w+)\s*[,!]\s*(?:\w+(?:'\w+)?\s*,\s*)?(?=(?:can|could|would|will) you\b"
                             r"|(?:puedes|podes|podrias|puede|podria|me la|me lo)\b)(?P<rest>.+)$",
                             re.IGNORECASE)


def _after_a_genre_as_greeting(text: str, fields: dict, previous: MusicPlan) -> str:
    """The words after a genre said as a greeting before an edit of another kind, or ""."""
    match = _GENRE_GREETING.match(text)
    if match is None or fields["genre"] in (None, previous.genre) or find_genre(match.group(1)) is None:
        return ""
    rest = match.group("rest")
    return rest if find_genre(rest) is None and names_an_edit(rest) else ""


def _another_of_its_style(folded: str, fields: dict, previous: MusicPlan) -> bool:
    """"Can you do me another bossa nova, a different one?" of a bossa nova: another like
    it, nothing else named (a style of its own or any field makes it a new request)."""
    return (fields["genre"] == previous.genre and re.search(_ANOTHER_ONE, folded) is not None
            and not any(fields[name] for name in ("instruments", "mood", "bpm", "tempo_change", "key",
                                                  "mode", "duration_s")))


#: another piece, not the clip again ("otra vez"): "another bossa nova", "otra cumbia"
_ANOTHER_ONE = r"\b(?:another|one more|otra|otro|una nueva|a new)\b(?!\s+(?:vez|time|version|take))"


#: words that call off what was asked rather than undo a change: "cancela eso", "anúlalo"
_CALLS_OFF = r"\b(?:cancel\w*|anul\w*|never mind|forget (?:it|that)|olvida\w*)\b"


#: a mode named without a key: "put it in a minor key", "en tonalidad mayor", "en menor"
_MODE_NAMED = (r"\b(?:in a |a )?(minor|major) key\b|\b(?:tonalidad|modo|tono) (menor|mayor)\b"
               r"|\ben (menor|mayor)\b(?!\s+(?:parte|cantidad|numero|medida)\b)")


def _mode_named(text: str) -> str | None:
    """The mode words name without a key, as a plan spells it, or None."""
    match = re.search(_MODE_NAMED, fold(text))
    word = next((g for g in match.groups() if g), None) if match else None
    return None if word is None else "minor" if word in ("minor", "menor") else "major"


#: words before a question that do not change it ("sorry, what key is this in again?")
_BEFORE_QUESTION = filler_words("sweet", "cool", "nice", "and", "hey", "right", "y", "mae", "oiga",
                                "sorry", "perdon", "perdona", "disculpa", "eso", "y eso")
#: a question about the clip playing: "what's playing right now?", "what tempo's it at?",
#: "¿qué es lo que está sonando?", "¿en qué tono está?"
_QUESTION = (rf"^(?:\W*{_BEFORE_QUESTION}"
             r"\b)*\W*(?:what|which|how fast|que|cual|cuales|en que|a que|cuantos?|de cuantos?|de que"
             r"|a cuantos)\b")
_CLIP_NOUNS = (r"\b(?:playing|tempos?|bpm|keys?|speed|instruments?|genre|style|sonando|suena|tonalidad"
               r"|pulsos|pulsaciones|golpes|ppm"  # "¿a cuántos pulsos va esto?"
               r"|tono|instrumentos|estilo|genero|velocidad|seconds|segundos|minutes|minutos)\b")
#: words that ask for a change, not about the clip ("what if you make it faster")
_ASKS_FOR_CHANGE = (r"\b(?:make|change|add|put|try|turn|swap|switch|pon\w*|cambia\w*|haz\w*"
                    r"|agrega\w*|quita\w*|remove|about|if|si)\b")


#: a question that needs no noun to be about the clip: "how fast is this?", "¿cuánto dura?"
_HOW_IT_IS = (r"\b(?:how (?:fast|slow|long) is (?:it|this|that)|cuanto (?:tiempo )?dura|que tan (?:rapid|lent|larg)\w*"
              r"|a que velocidad va|how many (?:bpm|beats|seconds|minutes)"
              # "¿está en mayor o en menor?", "is it major or minor?"
              r"|(?:esta|es) en (?:mayor|menor) o (?:en )?(?:mayor|menor)|is (?:it|this|that) (?:in )?(?:a )?"
              r"(?:major|minor)(?: key)? or (?:a )?(?:minor|major))\b")


def asks_about_clip(text: str) -> bool:
    """Whether ``text`` asks about the clip playing rather than for music; a greeting or
    thanks may come first ("Ndatenda, shamwari. What key is it in?")."""
    if _asks_about_clip(text):
        return True
    for ends in ("[.!?]", "[.!?,]"):  # heard, a comma may end the greeting's clause
        parts = re.split(rf"(?<={ends})\s+", text.strip())
        before = " ".join(parts[:-1])
        if (len(parts) > 1 and _asks_about_clip(parts[-1])
                and not (find_genre(before) or find_instruments(before) or names_an_edit(before))):
            return True
    # the question, then why: "Choice. What key's it in again? I want to jam along on my keyboard."
    for ends in ("[.!?]", "[.!?,]"):  # heard, commas may stand for the sentences' ends
        sentences = re.split(rf"(?<={ends})\s+", text.strip())
        for index, sentence in enumerate(sentences[:-1]):
            rest = " ".join(sentences[:index] + sentences[index + 1:])
            if _asks_about_clip(sentence) and not (find_genre(rest) or re.search(_EDIT_CUES, fold(rest))
                                                   or tempo_direction(rest) or names_an_edit(rest)):
                return True
    return False


#: which field the clip has, anywhere in the question: "¿eso es salsa o qué género es?"
_WHICH_FIELD = (r"\b(?:que|what|which|cual) (?:genero|genre|key|tempo|tonalidad|tono|estilo|style"
                r"|instrumentos?|instruments?|velocidad|speed)\s+(?:es|is|tiene|has|lleva|uses|usa)\b"
                # "¿cuál es el instrumento que suena más fuerte?": its "más fuerte" asks nothing
                r"|\b(?:cual|which|que|what) (?:es el |is the )?(?:instrumento|instrument)\b"
                # what an instrument is doing there: "what's the harmonica doing there?", "¿y la
                # armónica en qué parte entra?", "is that supposed to be the melody?"
                r"|\bwhat(?:'s|’s| s| is)? (?:the|that) \w+(?: \w+)? (?:doing|playing)\b"
                r"|\ben que (?:parte|momento) (?:entra|suena|sale|toca)\b|\bsupposed to be the\b"
                # what it is meant to be: "is that meant to be a classical thing, then?"
                r"|\bis (?:that|this|it) (?:meant|supposed) to be (?:a |an |some )?\w+(?: \w+)?\W*(?:then\W*)?$"
                r"|\bque (?:hace|toca|pinta) (?:el|la|ese|esa) \w+")


def _asks_about_clip(text: str) -> bool:
    folded = fold(text).replace("¿", " ")
    if (re.search(_HOW_IT_IS, folded) or re.search(_WHICH_FIELD, folded)) \
            and re.search(_ASKS_FOR_CHANGE, folded) is None:
        return True
    return (re.search(_QUESTION, folded) is not None and re.search(_CLIP_NOUNS, folded) is not None
            and re.search(_ASKS_FOR_CHANGE, folded) is None and tempo_direction(text) is None
            and not names_an_edit(text))


def _tempo_change(text: str, folded: str) -> str | None:
    """"faster"/"slower": any tempo idiom (grounding.tempo_direction), else a plain
    "slow"/"fast" ("something slow"), which a new request's plan reads the same way."""
    if direction := tempo_direction(text):
        return direction
    folded = re.sub(ENDS_TOO_SOON, " ", folded)  # "it ends too quick": no tempo at all
    if any(fold(w) in folded for w in FAST_WORDS):
        return "faster"
    return "slower" if any(fold(w) in folded for w in SLOW_WORDS) else None


#: a yes/no question to the agent ("did you compose this yourself?"), not a request form
#: ("can you make it faster?")
_YES_NO_QUESTION = (r"^\W*(?:[a-z]+\s*,\s*){0,2}"  # heard, "Perfect." may end in a comma: "perfect, is that ..."
                    r"(?:did|do|does|are|were|is|was|have|has|will)\s+(?:you|it|this|that)\b"
                    # who made it: "Charley, who made this music, is it you?", "¿quién la hizo?",
                    # "who is playing the sitar, is it a real person?"
                    r"|\b(?:who|quien)(?:'s|’s)?\s+(?:made|makes|composed|wrote|played|produced|hizo|compuso"
                    r"|(?:is |s )?(?:playing|singing)|plays|sings|toca|canta|esta tocando"
                    r"|escribio|toco|produjo|(?:l[oa]|esto|esta)\s+(?:hizo|compuso|escribio)"
                    # "¿y esto quién lo ha compuesto?", "¿quién la ha tocado?"
                    r"|(?:(?:l[oa]|esto|esta)\s+)?(?:ha|has|habra) (?:compuesto|hecho|escrito|tocado|producido))\b"
                    # the agent asked about itself: "¿y tú también sabes bailar?", "¿tú tocas algo?"
                    r"|(?:^|[,;]\s*)\W*(?:y\s+)?(?:tu|vos|usted)\s+(?:tambien\s+)?(?:puedes|podes"
                    r"|puede)\b")
#: a question about the agent itself or who plays, whatever instrument it names: "do you
#: know how to play the piano yourself?", "¿vos sabés cantar?", "who taught you?", "¿lo
#: toca alguien de verdad o es todo de ordenador?", "is it a real player?"
_ABOUT_ITSELF = (r"(?:^|[,;]\s*)\W*(?:y\s+)?(?:tu|vos|usted)\s+(?:tambien\s+|mism[oa]\s+|sol[oa]\s+)?"
                 r"(?:sabes|sabe|bailas|cantas|tocas|eres|sos|tienes|tenes|estas|escuchas|vives"
                 r"|\w+(?:aste|iste))\b"  # "¿tú aprendiste música en algún lado?"
                 # "¿vos cómo sabés tocar todo eso?", "what else can you do besides music?"
                 r"|\b(?:como|donde) (?:sabes|sabe|aprendiste|aprendio)\b|\bwhat else can you do\b"
                 r"|\b(?:de|con) quien aprendiste\b"  # "¿y vos de quién aprendiste a tocar cumbia?"
                 # how it makes music: "¿y usted cómo hace la música?", "how do you make the music?"
                 r"|\b(?:(?:tu|vos|usted) )?como (?:(?:tu|vos|usted) )?(?:haces|hace|hacés|compones|compone)"
                 r"(?: (?:tu|vos|usted))? (?:la |esta |tu |su )?musica\b"
                 r"|\bhow do you (?:make|do|write|compose|create) (?:the |this |your |all this |that )?music\b"
                 r"|\bquien (?:la|lo|las|los) toca\b"  # "¿y esa guitarra quién la toca, tú?"
                 r"|\bare you (?:a )?(?:person|human|real|robot|machine|bot|ai)\b|\beres (?:una )?(?:persona"
                 r"|humano|humana|real|robot|maquina)\b|\bhow did you (?:even )?(?:make|do|come up with)\b"
                 # "are you a musician yourself, or only a computer?"
                 r"|\bare you (?:an? )?(?:real )?(?:musician|composer|singer|artist|player|band)\b"
                 r"|\b(?:have )?you ever (?:been|heard|played|seen|visited|gone|met|tried)\b"
                 r"|\b(?:who|quien)\s+(?:taught|teaches|trained|programmed) you\b|\bte ensen\w*\b"
                 r"|\b(?:l[oa] )?toca alguien\b|\balguien de verdad\b|\bes todo (?:de|por) (?:ordenador"
                 r"|computadora|compu)\b|\b(?:a )?real (?:person|player|musician|band)\b"
                 r"|\breal \w+ or (?:is (?:it|that|this) )?(?:just )?(?:a |an )?(?:computer|machine|sample|fake|synth)"
                 # "¿esa que suena arriba es la flauta o es un saxo?", "is that a flute or a sax?"
                 r"|\b(?:es|is (?:it|that|this))\s+(?:la|el|un|una|a|an|the)\s+\w+\s+(?:o|or)\s+(?:es\s+|is\s+"
                 r"(?:it\s+)?)?(?:la|el|un|una|a|an|the)\s+\w+\W*$"
                 # "deadass, you got a whole band in there or what?"
                 r"|\b(?:you )?got an? (?:\w+ )*?(?:band|orchestra|musicians?|people) in (?:there|it)\b"
                 r"|\b(?:do|can|could|did) you\b.*\byourself\b"
                 # "¿cómo tú te llamas?", "what's your name?", "who are you?"
                 r"|\bcomo (?:tu |vos )?te llamas?\b|\b(?:usted )?como se llama usted\b|\busted como se llama\b|\bwhat(?: s| is) your name\b|\bwho are you\b"
                 r"|\bquien (?:eres|sos|es usted)\b"
                 # its taste: "¿y a vos qué música te gusta más?", "what music do you like?"
                 r"|\bque (?:musica|genero|estilo|canciones|cancion|tipo de musica) te gusta\b"
                 r"|\bwhat (?:kind of |sort of |type of )?(?:music|genre|songs?|style) do you (?:like|love|prefer|listen to)\b"
                 # who plays the part heard: "who's playin' that fiddle, anyhow?"
                 r"|\bwho(?:'s|’s| s| is)?\s+playin(?:g|'|’)?(?=\W|$)"
                 r"|\bquien (?:esta tocando|toca) (?:ese|esa|el|la)\b")


def _names_a_change(fields: dict) -> bool:
    """Whether the words ask for a tempo, key, mode or length: "make it faster again", "más
    rápido otra vez", "again, but 30 seconds long" are edits, not the clip played again (a
    bare "slow" or a mood is no such ask: "play that slow one again", "again, so calm")."""
    return any(fields[name] is not None for name in ("bpm", "key", "mode", "duration_s")) \
        or tempo_direction(fields["text"]) is not None


def _only_talk(folded: str, fields: dict, edit_words: bool) -> bool:
    """Praise or a question that names nothing to change: "Big tune, bredda!", "did you
    compose this yourself?" (their "tune" and "compose" are no request for music).
    ``edit_words``: the words use an edit phrasing (then they are no mere talk)."""
    if edit_words:
        return False
    if any(re.search(_ABOUT_ITSELF, sentence) for sentence in _sentences(folded)):
        return True
    asked = _asks_the_agent(folded)
    if says_thanks(fields["text"]) and not asked:  # "that's really relaxing, thanks": the mood
        # ... but "lovely, but it goes on a bit long" praises and asks for a change
        return not _names_anything(dict(fields, mood=None)) and not names_an_edit(fields["text"])
    # "is that a real harp?": a question about an instrument the clip has asks for nothing
    previous = fields["previous"]
    present = previous.instruments if previous is not None else ()
    named = tuple(name for name in fields["instruments"]
                  if plan_instrument(name, present) not in present)  # "la guitarra": the plan's
    return asked and not _names_anything(dict(fields, instruments=named))


def _asks_the_agent(folded: str) -> bool:
    """Whether a sentence of the words asks the agent a yes/no or who question ("Sick,
    thanks. Did you write that melody just now?")."""
    return any(re.search(_YES_NO_QUESTION, sentence) for sentence in _sentences(folded))


def _sentences(folded: str) -> list[str]:
    """The sentences of folded words, a Spanish "¿" opening one."""
    return re.split(r"(?<=[.!?¿])\s*", folded.strip())


def _names_anything(fields: dict) -> bool:
    """Whether the words name any part of a plan, so an edit that changed nothing still
    answers them ("add a bass" to a clip with a bass)."""
    return _names_music(fields) or any(fields[name] for name in (
        "bpm", "tempo_change", "key", "mode", "duration_s", "swapped"))


def _names_music(fields: dict) -> bool:
    return bool(fields["genre"] or fields["instruments"] or fields["mood"])


#: asking for something to be made or played, with no music named: "¿me haces algo para
#: un almuerzo familiar?", "necesito algo de fondo para un video", "give me something for a
#: rainy Sunday"
_ASKS_FOR_SOMETHING = (r"\b(?:haz\w*|haces|hace|hagas|necesito|quiero|dame|crea\w*|make|give|need|want"
                       r"|play|pon\w*|toca\w*|got)\b.*\b(?:algo|something|anything)\b")


def _new_request_intent(folded: str, fields: dict) -> Intent:
    """With no earlier clip there is nothing to edit: music if anything musical is named,
    or something asked to be made."""
    from voice_agent.responder.grounding import MUSIC_WORDS

    if _names_music(fields) or any(fold(w) in folded for w in MUSIC_WORDS + REFINE_WORDS) \
            or fields["bpm"] or fields["tempo_change"] or fields["duration_s"] or fields["key"] \
            or re.search(_ASKS_FOR_SOMETHING, folded):
        return Intent.MAKE_MUSIC
    return Intent.CHAT


#: words that start over rather than edit: "something totally different", "a new one",
#: "otra cosa", "una canción nueva"
_FRESH_START = (r"\b(?:something (?:\w+ )?(?:different|else)|a new (?:one|song|track|piece|tune)"
                r"|new (?:song|track|piece|tune)|start (?:over|again|fresh)|otra cosa"
                r"|algo (?:\w+ )?(?:distinto|diferente)|(?:cancion|pieza|tema) nuev[oa]"
                r"|nuev[oa] (?:cancion|pieza|tema)|empecemos de nuevo|de cero)\b")
#: words that name a new piece rather than a change to the current one: "a sad song with
#: piano", "something calm", "una canción alegre", "algo tranquilo"
_NEW_PIECE = (r"\b(?:song|track|piece|tune|beat|melody|something|anything|music|loop|jingle"
              r"|cancion|tema|pieza|melodia|algo|musica|ritmo|another|otra|otro)\b")


def _modifiers_only(folded: str, fields: dict) -> bool:
    """With a current piece, words that only name moods or instruments ("and some organ",
    "I want it happy and bright", "con un poco de flauta", "pero algo más tranquilo")
    change that piece."""
    piece = re.sub(r"\b(?:algo|something)\s+(?:(?:un poco|a bit|a little)\s+)?(?:mas|more)\b", " ",
                   folded)  # "algo más tranquilo": a little more so, no new piece
    return _names_music(fields) and fields["genre"] is None \
        and re.search(_NEW_PIECE, piece) is None


def _about_previous(folded: str, fields: dict, previous: MusicPlan) -> RequestReading:
    """Replay, an edit of ``previous``, or a new request."""
    names_genre = fields["genre"] is not None  # "play some jazz with piano": a new request
    switches_genre = names_genre and (re.search(_GENRE_SWITCH, folded) is not None
                                      or re.search(_KEEPS_THE_REST, folded) is not None)
    fresh_start = re.search(_FRESH_START, folded) is not None
    # "same again, just a new variation" is a new take, not the clip played again
    # ... and "let's start over from the beginning" is a new piece, not this one from its start
    if not names_genre and not fields["instruments"] and any(
            fold(w) in folded for w in REPLAY_WORDS) and not re.search(VARIATION, folded) \
            and not fresh_start and not _names_a_change(fields):
        return RequestReading(guess=Intent.REPLAY, intent=Intent.REPLAY, replay=True, **fields)
    # "¿y tú bailas, o nada más tocas?": "nada más" is "only", no "more" of anything
    plain = re.sub(r"\bnada mas\b(?!\s+(?:\w+\s+)?(?:rapid|lent|larg|cort|fuerte|suave|alegre|trist)\w*)",
                   " ", folded)
    edit_words = bool(any(fold(w) in plain for w in REFINE_WORDS) or re.search(_EDIT_CUES, plain))
    if _only_talk(folded, fields, edit_words):  # a model must not make music of "muchas gracias"
        return RequestReading(guess=Intent.CHAT, intent=Intent.CHAT, talk=True, **fields)
    cued = edit_words or names_an_edit(fields["text"])
    if (names_genre and not switches_genre and not _adds_in_its_style(folded, fields, previous)) \
            or fresh_start:
        return RequestReading(guess=Intent.MAKE_MUSIC, **fields)
    if not cued and not switches_genre and not _modifiers_only(folded, fields):
        guess = _new_request_intent(folded, fields)
        return RequestReading(guess=guess, **fields)
    edited = apply_refinement(previous, fields["text"])
    kept = set(edited.instruments)
    added = tuple(i for i in edited.instruments if i not in previous.instruments)
    removed = tuple(i for i in previous.instruments if i not in kept)
    clear = edited != previous
    # "cheers, that's all for now", "that's really relaxing, thanks": nothing asked but a
    # mood described; "awesome, add some drums" to a clip with drums stays an edit
    if not clear and not _names_anything(dict(fields, mood=None)) and (
            not fields["mood"] or says_thanks(fields["text"])):
        # "did you write that melody just now?": its "now" cued no edit, a question it is
        talk = _asks_the_agent(folded)
        return RequestReading(guess=Intent.CHAT, intent=Intent.CHAT if talk else None,
                              talk=talk, **fields)
    return RequestReading(guess=Intent.REFINE, intent=Intent.REFINE if clear else None,
                          refine=True, variation=edited.seed != previous.seed,
                          added=added, removed=removed, edited=edited, **fields)


def _adds_in_its_style(folded: str, fields: dict, previous: MusicPlan) -> bool:
    """"Échale un piano de esos de house" to a house clip: the style named to say which
    instrument to add, not a new piece."""
    return (fields["genre"] == previous.genre and bool(fields["instruments"])
            and re.search(ADDS_TO_IT, folded) is not None and re.search(_NEW_PIECE, folded) is None)


def is_library_intent(intent: Intent | None) -> bool:
    """A library command or lyrics request: its words come from the library."""
    return intent is not None and (intent in LIBRARY_INTENTS or intent is Intent.LYRICS)


#: thanks and praise with nothing asked: "thank you o", "cheers, love it", "gracias, está genial"
_THANKS = (r"\b(?:thanks?|thank you|thx|cheers|ta(?=\s*(?:[.!,]|$|very much|muchly|mate|love))|gracias|mil gracias|love it|loving it|big tune"
           # thanks in the languages people mix in: Chichewa, Swahili, Hindi, Guaraní, ...
           r"|zikomo|asante|dhanyavaad|dhanyavad|shukriya|aguyje|merci|obrigad[oa]|grazie|danke"
           r"|appreciate (?:it|you|that)|much obliged|obliged"
           r"|banger|slaps|bop|fire|lit|wicked|sick|dope|tremendo|brutal|me encanta|me gusta"
           r"|perfect|perfecto|perfecta|great|genial|brilliant|awesome|amazing|lovely"
           r"|buenisim[oa]|chever[ea]|chido|bacan[oa]?|que padre|que chimba"
           # Welsh and British praise, Spanish delight: "Diolch, that's lush", "¡qué belleza!"
           r"|diolch|lush|belter|cracking|smashing|spot on|nice one|que belleza|que bonit[oa]|que chulo"
           r"|chur|mean as|sweet as"  # New Zealand: "Chur, that's mean as."
           r"|precios[oa])\b")


#: praise taken back by a negation just before it: "no me gusta", "not great", "isn't lovely"
_NEGATED = re.compile(r"(?:\b(?:no|not|nunca|ni)|n['’ ]?t)\s+(?:(?:\w+\s+){0,2})?$")


def says_thanks(text: str) -> bool:
    """Whether ``text`` (read as chat) thanks or praises, so the answer is "you're
    welcome": "así no me gusta" or "it's not great" is no praise."""
    folded = fold(text)
    return any(_NEGATED.search(folded[:m.start()]) is None
               for m in re.finditer(_THANKS, folded))

