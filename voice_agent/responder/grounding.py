"""Read what a request says about its music, deterministically, in English and Spanish.

Used three ways: to ground a language model's plan in what the person actually said
(a 0.5B model sometimes swaps the genre), to fill gaps in that plan, and as the whole
responder when the model's answer is unusable.
"""

from __future__ import annotations

import re
from typing import Any

from voice_agent.responder.commands import parse_command
from voice_agent.core.plan import (MAX_DURATION_S, MAJOR_MOODS, MINOR_MOODS, MODE_WORDS, MODES, MOOD_WORDS, MusicPlan,
                                   clamp_bpm, clamp_duration, normalize_key)
from voice_agent.core.types import Intent, Transcript, Turn
from voice_agent.core.language import as_tu, prefers_correction, spell_numbers
from voice_agent.core.vocabulary import (STYLES, canonical_instrument, find_genre, find_instruments,
                                         fold, style_for)

#: keys a plan gets when nobody names one, picked by seed and style so clips are not all
#: A minor / C major; common, easy keys for the instruments the composer uses
DEFAULT_KEYS = {"major": ("C", "G", "D", "F", "A", "Bb", "E", "Eb"),
                "minor": ("A", "E", "D", "G", "C", "B", "F#", "F")}

REPLAY_WORDS = ("play it again", "again", "replay", "one more time", "once more", "repeat",
                "play it back", "play that back", "play this back", "another spin",
                "spin it again", "run it back", "another listen",
                # "give it another go for our kid, he's just come in" (a fresh go at it is a
                # new take: refine.VARIATION)
                "give it another go", "give that another go", "give this another go",
                "otra vez", "una vez mas", "una vez más",
                "de nuevo", "repite", "repítela", "vuelve a poner", "vuelve a tocar",
                "volver a poner", "vuelva a poner", "volverla a poner", "vuelvela a poner",
                "volvela a poner", "volve a ponerla", "repetila", "repetilo", "repetímela",
                "repetimela", "play ulit", "ulitin", "vuelvamela a poner", "vuelvemela a poner",
                "volvemela a poner", "vuelvala a poner",
                # "volvé a pasarla, que no la escuché bien"
                "vuelve a pasar", "volve a pasar", "vuelva a pasar", "vuelvela a pasar",
                "volvela a pasar", "volve a poner", "volve a tocar",
                # "¿me la vuelves a poner?", "dale otra vuelta, que no la oyó" (Caribbean)
                "vuelves a poner", "volves a poner", "vuelves a tocar", "volves a tocar",
                "vuelves a pasar", "volves a pasar", "otra vuelta", "otra vueltita",
                # "ponla desde el principio", "play it from the top"
                "desde el principio", "from the top", "from the beginning", "from the start")
REFINE_WORDS = ("faster", "slower", "more ", "less ", "louder", "softer", "darker", "brighter",
                "happier", "sadder", "without", "add ", "longer", "shorter", "change",
                "más ", "mas ", "menos ", "sin ", "añade", "anade", "ponle", "quita",
                "cambia", "más rápido", "más lento")
SOLO_WORDS = (" solo ", " only ", " just ", " sólo ", " solamente ", " unicamente ")
SLOW_WORDS = (" slow ", " slowly ", " lento ", " lenta ", " despacio ", " pausado ", " pausada ")
FAST_WORDS = (" fast ", " quick ", " rapido ", " rapida ", " acelerado ", " up-tempo ")
MUSIC_WORDS = ("music", "song", "beat", "track", "tune", "melody", "play", "make", "compose",
               "música", "musica", "canción", "cancion", "ritmo", "pon ", "toca", "hazme",
               "haz ", "tema", "pieza", "melodía", "bailar", "bailable", "to dance to", "dance to",
               "groove", "loop", "tune", "piece")


#: a mood the clip has too much of is what the person wants gone: "it's too sad, make it
#: romantic", "está demasiado triste"
_TOO_MUCH = r"\b(?:too|demasiado)\s+\w+"
#: "love" as praise, not a mood: "I love it", "love this one", "love how it sounds"
_LOVE_AS_PRAISE = (r"\blov(?:e|ing)\s+(?:it|this|that|these|those|the way|how|what|you)\b"
                   # and as a wish: "I'd love some music under it", "would love a track"
                   r"|\b(?:i'?d|i would|would|we'?d) love\s+(?:some|a|an|to|it|this|that)\b"
                   # and as a name for the person spoken to: "top, love, that'll do nicely"
                   r"|(?:^|,|\b(?:ok|okay|thanks|cheers|ta|top|right|alright|yes|yeah)\b)\s*love\s*(?=[,.!?]|$)")


@prefers_correction
def find_mood(text: str) -> str | None:
    """The first mood word a request uses, as a canonical mood."""
    # "high energy" as heard is "high-energy" as typed
    folded = re.sub(_LOVE_AS_PRAISE, " ", fold(text)).replace("-", " ")
    folded = re.sub(_TOO_MUCH, " ", folded)
    asked = [m.end() for m in re.finditer(_MOOD_ASKED, folded)]
    # after the words that ask for it, the first mood said: "make it sound epic, yaar" heard
    # "epic, dark"; "it sounds very sad, make it hopeful and cheerful" (the complaint first)
    found = [(match.start(), mood) for mood, words in _MOOD_PATTERNS for word, pattern in words
             if word in folded for match in [pattern.search(folded, asked[-1] if asked else 0)] if match]
    if asked and found:
        return min(found)[1]
    for mood, words in _MOOD_PATTERNS:  # else the first in MOOD_WORDS's order
        if any(word in folded and pattern.search(folded) for word, pattern in words):
            return mood
    return None


#: words that ask for a mood just before it: "make it sound", "ponla", "que suene"
_MOOD_ASKED = (r"\b(?:make it|make this|turn it|give it|hazl[oa]|hacel[oa]|ponl[oa]|ponel[oa]|dejal[oa]"
               r"|volvel[oa]|que suene|que sea|que se sienta)\b")



#: moods said as the scene the music is for, when no mood word is said: "something to
#: study to" is calm, "música para el gimnasio" energetic, "a song for my wedding"
#: romantic, "make it feel like driving home alone" sad. Read for a new piece (see
#: :func:`ground_plan`) and, framed as "sound like" / "que suene a", as an edit (see
#: ``refine.scene_edit_mood``), after a named mood, so "a sad song for my wedding" stays
#: sad. Genre words ("rumba", "dance") are left out.
_SCENE_MOODS = tuple((mood, re.compile(pattern)) for mood, pattern in (
    ("calm", r"\b(?:stud(?:y|ying)|focus(?:ing)?|concentrat\w+|estudiar|concentrarme|dormir"
             r"|sleep(?:ing)?|bedtime|fall asleep|lullaby|cancion de cuna|nana para|meditat\w+"
             r"|meditar|yoga|spa|rainy (?:day|afternoon|morning|night|sunday)|dia lluvioso"
             r"|tarde lluviosa|(?:noche|tarde|dia) de lluvia|reading|para leer|sunset|atardecer"
             r"|sunday morning|domingo|lazy|perez\w*|resaca|hungover|desganad[oa]|beach|playa"
             r"|lounge|half asleep|medio dormid[oa]|fireplace|chimenea)\b"),
    ("energetic", r"\b(?:gym|gimnasio|workout|work out|working out|exercis\w+"
                  r"|ejercicio|entrenar|entrenamiento|running|jogging|correr"
                  r"|(?<!dinner )(?<!garden )(?<!tea )(?<!cocktail )(?<!pajama )party|fiesta"
                  r"|parranda|pachanga|rumbear|perreo)\b"),
    ("happy", r"\b(?:birthday|cumpleanos|celebrat\w+|celebrar|road trip|roadtrip|paseo en carro"
              r"|viaje en carretera|summer|verano|posada|fiester[oa]|sun coming up|sunrise|amanecer"
              r"|sale el sol|hopeful|esperanza|esperanzad[oa]|block party)\b"),
    ("sad", r"\b(?:funeral|velorio|entierro|heartbreak|heartbroken|break ?up|desamor"
            r"|despecho|corazon roto|me dejo|me dejaron|alone|lonely|solitari[oa]|soledad"
            r"|homesick|despedida)\b"),
    ("romantic", r"\b(?:wedding|boda|date night|first dance|primer baile|anniversary|aniversario"
                 r"|valentine'?s?|san valentin|candlelit|a la luz de las velas|cena para dos"
                 r"|dinner for two|serenata|serenade|abrazad[oa]s)\b"),
    ("dark", r"\b(?:horror|terror|halloween|haunted|embrujad[oa]|scary|de miedo|suspense"
             r"|suspenso|thriller|chase|persecucion|tens[oa]|tense)\b"),
    ("epic", r"\b(?:trailer|battle|batalla|boss fight|heroes?|heroe|victoria|victory"
             r"|movie ending)\b"),
))


#: scene moods that change how a named genre should sound ("jazz for a funeral" is sad
#: jazz); others leave a named style its own mood ("a waltz for a garden party" stays
#: elegant, "lofi for studying" relaxed)
_SCENE_MOODS_OVER_A_GENRE = {"sad", "dark", "romantic"}


def find_scene_mood(text: str) -> str | None:
    """The mood of the scene a request puts its music in ("para estudiar" -> calm), or
    None; the first scene named wins. With a genre named, only a scene that changes how
    that genre should sound counts."""
    mood = scene_mood(text)
    if mood and find_genre(text) and mood not in _SCENE_MOODS_OVER_A_GENRE:
        return None
    return mood


def scene_mood(text: str) -> str | None:
    """The mood of the first scene ``text`` names, whatever else it names."""
    folded = fold(text)
    found = [(match.start(), mood) for mood, pattern in _SCENE_MOODS
             for match in [pattern.search(folded)] if match]
    return min(found)[1] if found else None


#: a mood word that takes an "s" in the plural: a Spanish adjective ending in a vowel
#: ("love" and "intense" are English)
_PLURAL_S = re.compile(r"(?<!lov)(?<!intens)[aeo]$")
#: each mood's words folded (hyphens as spaces) and compiled once, in MOOD_WORDS order; a
#: Spanish adjective also in its plural, as Whisper may write it ("bien románticas")
_MOOD_PATTERNS = tuple(
    (mood, tuple((word, re.compile(rf"(?<![a-z]){re.escape(word)}{'s?' if _PLURAL_S.search(word) else ''}"
                                   r"(?![a-z])"))
                 for word in (fold(w).replace("-", " ") for w in words)))
    for mood, words in MOOD_WORDS.items())


#: a number said right after asking for another length is that length in seconds:
#: "dale más largo, a cuarenta", "make it longer, like 45", "que dure unos 50"
_LENGTH_NUMBER = (r"\b(?:longer|shorter|mas larg[oa]|mas long|mas cort[oa]|que dure|length|duracion"
                  r"|larg[oa]|largot[oa]|larguit[oa]|cort[oa]|cortit[oa]|alarg\w*|alargu\w*|acorta\w*)\W+"
                  r"(?:(?:dejala|dejalo|ponla|ponlo|hazla|hazlo|en|a|to|de|hasta|los|unos|about|around|like"
                  r"|como)\s+){0,2}(\d{1,3})\b(?:\s*(?:seconds?|secs?|segundos?|minutes?|minutos?)\b)?"
                  r"(?!\s*(?:bpm|beats|pulsaciones))")
#: a length set after a complaint about it: "está muy larga para el video, déjala en
#: veinticinco", "it's way too long, make it 20"
_LENGTH_AFTER_COMPLAINT = (r"\b(?:larg[oa]|long|cort[oa]|short)\b[^.?!]{0,40}?\b(?:dejala|dejalo|ponla|ponlo"
                           r"|hazla|hazlo|make it|cut it|trim it|bring it)\s+(?:(?:en|a|de|to|down to)\s+)?"
                           r"(\d{1,3})\b(?!\s*(?:bpm|beats|pulsaciones|%|percent|por ciento))")
#: a number set that no tempo can be (under 40): "déjalo en treinta" is a length
_SHORT_TARGET = (r"\b(?:dejala|dejalo|ponla|ponlo|hazla|hazlo|make it|cut it|trim it)\s+(?:en|a|de|to"
                 r"|down to)\s+([1-9]|[1-3]\d)\b(?!\s*(?:bpm|beats|pulsaciones|%|percent|por ciento))"
                 r"(?!\s+(?:\w+\s+){0,3}?(?:minut\w*|mins?)\b)")  # "de tres cuartos de minuto"


@prefers_correction
def find_bpm(text: str) -> int | None:
    """A tempo stated as "120 bpm" / "a 90 pulsaciones"."""
    folded = spell_numbers(text)
    for length in (_LENGTH_NUMBER, _LENGTH_AFTER_COMPLAINT, _SHORT_TARGET):  # "más largo, a 40"
        folded = re.sub(length, " ", folded)
    match = re.search(r"(\d{2,3})\s*(?:-\s*)?(?:bpm|beats? per minute|beats|pulsaciones|ppm|to the minute"
                      r"|pulsos|golpes por minuto|por minutos?|de (?:tempo|ritmo|velocidad)"
                      r"|(?:on|for) the (?:tempo|speed|bpm))\b", folded) \
        or re.search(_BARE_TEMPO, folded) or re.search(TEMPO_TARGET, folded) \
        or re.search(_CORRECTED_TEMPO, folded)
    said = next((g for g in match.groups() if g), None) if match else None
    if said and 30 <= int(said) <= 300:
        return int(said)
    # "metal a 160", "techno at one twenty eight", "rock con batería, 140" (the request's
    # last words: Whisper drops a short "a" before a number)
    # "rock con batería, 140", "Slower a bit can? Seventy-five.": the last words a number
    bare = re.search(_AT_TEMPO, folded) or re.search(r"[,.?!]\s*(\d{2,3})\s*[.!]?\s*$", folded) \
        or re.search(_CLAUSE_TEMPO, folded) or re.search(_SUGGESTED_TEMPO, folded) \
        or re.search(_ONLY_A_NUMBER, folded) or _number_ending_music(folded) or _tempo_then_mood(folded)
    return int(bare.group(1)) if bare and 40 <= int(bare.group(1)) <= 240 else None


def _tempo_then_mood(folded: str) -> re.Match | None:
    """A number after "at"/"a" with a mood word right after it, heard without its comma:
    "una bachata con güiro, a 120 romántica"."""
    for match in re.finditer(r"\b(?:at|a|around|about)\s+(\d{2,3})\s+(\w+)\b", folded):
        if find_mood(match.group(2)):
            return match
    return None


def _number_ending_music(folded: str) -> re.Match | None:
    """A number that ends a request naming music, heard without its comma or "at": "make me
    an edm track with synth bass and drums 128", "un jazz con piano y batería 90", "... and
    a hundred"."""
    match = re.search(r"(?:\b(?:and|y)|(?<=[a-z]))\s+(\d{2,3})\s*[.!?]?\s*$", folded)
    if match and (find_instruments(folded[:match.start()]) or find_genre(folded[:match.start()])):
        return match
    return None


#: a correction that names the tempo meant: "I mean 115, not 120", "115, no 105"
_CORRECTED_TEMPO = r"\b(\d{2,3})\s*,?\s*(?:not|no|y no|instead of|en vez de)\s+(?:a\s+)?\d{2,3}\b"
#: a number said as a clause of its own, or after "like": "rock in E, one forty, with
#: guitar", "metal for the gym, like 160, in E minor"
_CLAUSE_TEMPO = (r"(?:,|\blike|\bcomo|\btipo)\s+(\d{2,3})\s*(?=,|$|[.!?]|\s+(?:in|en|with|con"
                 r"|and|y|da|di|ji|yaar|bhai|na|lah|man|mon|please|porfa)\b)"
                 r"(?!\s*(?:s|sec|secs|seconds?|segundos?|minutes?|minutos?)\b)")


#: a tempo offered: "how about 110 instead?", "¿y si mejor 95?", "let's go with 100"
_SUGGESTED_TEMPO = (r"\b(?:how about|what about|try|maybe|que tal|y si|y si mejor|mejor|let s do|let s go with"
                    r"|lets go with|go with|vamos con|probemos con|prueba con)\s+(?:a\s+|at\s+|en\s+|con\s+)?"
                    r"(\d{2,3})\s*(?=$|[.!?,;]|(?:instead|then|please|por favor|mejor|entonces)\b)")
#: a request that is a number and nothing else: "ciento treinta, porfa", "110 please"
_ONLY_A_NUMBER = (r"^\W*(?:(?:ok|okay|vale|bueno|mejor|at|a|en)\s+)?(\d{2,3})\W*(?:(?:please|porfa"
                  r"|por favor|pls)\W*)?$")


#: a number after "at"/"a" that ends the request or a clause of it ("techno at 128", "metal
#: pesado con guitarra a 160", "house at 124 with a piano"): a tempo; a length says its unit
_AT_TEMPO = (r"\b(?:at|a|around|round|about|@)\s+(?:unos\s+|about\s+|around\s+)?(\d{2,3})\s*(?=$|[.!?,;]|(?:please|por favor|with|con"
             r"|and|y|in|en|now|ahora|po|pls|mate|bro|eh|ah|lah|o|thanks|porfa|pues|pe|que|that|ya"
             r"|da|di|ji|yaar|bhai|na|leh|man|mon|de|vale|ok|okay|si|cheers|no mas|nomas"
             # the word for the listener or a tag after it: "a 135, ¿cachai?", "a 90, mano"
             r"|cachai|cacha|weon|compa|pana|mano|chamo|parce|loco|mae|che|wey|guey|hermano)\b)")


#: a tempo without its unit: "set the tempo to 130", "cambia el ritmo a 100", "ponla a cien"
_BARE_TEMPO = (r"\b(?:tempo|ritmo|velocidad|speed)\s+(?:to|a|at|of|de|en|=)?\s*(\d{2,3})\b(?!\s*(?:s|sec"
               r"|seconds?|segundos?|minutes?|minutos?)\b)|\b(?:ponla|ponlo|put it|set it|take it"
               r"|dejala|dejalo)\s+(?:at|a|to|en)\s+(?:(?:exactly|just|right|justo|exactamente)\s+)?"
               r"(\d{2,3})\W*(?:$|please|por favor)")
#: a tempo verb with the tempo to reach, not a step: "slow it down to 100", "speed it up
#: to a hundred and ten", "crank it to 140", "bájala a ciento cuarenta", "súbelo a 170 bpm",
#: "and slower, like 100", "slower mate, say 95", "más lenta, a 90", "make it 95"; a length
#: ("to 30 seconds") is not a tempo
TEMPO_TARGET = (r"\b(?:(?:slow|speed|speeded|sped|bring|take|tek|push|crank|kick|pick|turn|dial|knock|drop|pull"
                r"|ramp|bump|put|set|move|nudge|inch|edge|lift|raise|jack|hike|ease|rev|notch|get)"
                r"(?:\s+(?:it|this|that|things|her|him|am|em|them|the tempo|the bpm))?"
                r"(?:\s+(?:up|down|back)){0,2}\s+(?:to|at)|(?:faster|slower|quicker|slow|fast"
                r"|(?:mas )?lent[oa]|(?:mas )?rapid[oa])(?:\s+(?:mate|man|dude|bro|pal|buddy|please"
                r"|then|tio|guey|wey|che|porfa|pues)|\s+\w+(?=,))?\W+(?:like|say|around|about|maybe|to|at|a|como"
                r"|unos|digamos|tipo)"
                r"|(?:make it|hazl[oa])(?=\s+(?:[4-9]\d|1\d\d|2[0-4]\d)\s*(?:$|[.!?,]|please"
                r"|por favor))|(?:baj|sub|pon|dej|llev|haz|acelera|ralentiza|apur|fren)\w*"
                r"(?:(?:\s+(?:el|la)\s+(?:tempo|ritmo|velocidad))?(?:\s+(?:justo|exactamente))?\s+(?:a|hasta|en)"
                r"|\s+l[ao](?:\s+a)?(?=\s+\d)|(?<=l[ao])(?=\s+(?:[4-9]\d|1\d\d|2[0-4]\d)\b)))\s+"
                r"(?:(?:unos?|exactly|just|right|justo|exactamente|about|around|roughly)\s+)?"
                r"(\d{2,3})\b(?!\s*(?:s|sec|secs|seconds?|segundos?|minutes?|minutos?|%|percent"
                r"|por ciento)\b)")


#: the verb's "le" as Whisper may write it apart ("sube le"); it always ends in a space
_LE = r"\s+(?:le\s+)?"
#: "a bit" between a Spanish tempo verb and its noun: "súbele tantito a la velocidad"
_A_LITTLE = (r"(?:(?:un poco|un poquito|poquito|un poquitin|tantito|un tantito|un pelin|un pelo|un pelito|algo"
             r"|un toque|un chin|tantico|un tantico|un chispito|una pizca|un pelito)\s+)?")
#: tempo idioms, English and Spanish, on folded text: one table for the reading of a
#: request ("faster" / "slower") and for the edit rules (how much)
_TEMPO_NOUNS = r"(?:tempo|pace|speed|bpm|beat|ritmo|velocidad|pulsaciones)"
#: a complaint about the current clip: "it's too fast", "es muy lenta", "demasiado larga"
TOO = _TOO = (r"\b(?:too|way too|a bit too|demasiado|(?:es|esta|it s|its|is|it is)\s+(?:un poco\s+)?"
              r"muy)\s+")
#: the clip, said as a pronoun ("pick it up", "slow her down")
_IT = (r"(?:this|that|the) (?:one|track|song|tune|piece|clip)|it|things|this|that|her|him|er")
#: how the clip feels, before "slow"/"fast": "it's a little slow for me", "feels kinda fast"
_FEELS = (r"\b(?:it s|its|it is|this is|feels?|sounds?|seems?)\s+(?:a\s+)?(?:little\s+|bit\s+|tad\s+"
          r"|touch\s+|kinda\s+|kind of\s+|really\s+|quite\s+|rather\s+|pretty\s+){0,2}")
FASTER_PATTERNS = (
    r"\b(?:faster|quicker|speedier|mas rapid\w*|mas deprisa|mas veloz|agiliza\w*"
    r"|acelera(?!d[oa]s?\b)\w*)",  # not "está muy acelerada", a complaint it is too fast
    rf"\b(?:pick|speed|speeded|sped|step|kick|ramp|crank|amp|push|bump|nudge|jack)\s+(?:{_IT})?\s*up\b",
    r"\b(?:up|push it|kick it|take it)\s+a\s+(?:notch|gear|bit|touch)\b"
    r"(?!\s+(?:slower|down|lower|softer|quieter|calmer))",
    # the clip feels slow: "it's kinda sleepy", "está muy parada", "la siento medio dormida"
    r"\b(?:feels?|sounds?|it s|its|is|kinda|kind of|bit)\s+(?:a bit\s+|a little\s+|kinda\s+|kind of"
    r"\s+|too\s+|really\s+|so\s+)?(?:sleepy|sluggish|draggy|dragging|draggin|lifeless)\b(?!\s+(?:a bit\s+|a little\s+|too\s+|way\s+)?(?:long|on)\b)|\bit drags\b(?! on)"
    r"|\bneeds? (?:sped|speeded|speeding) up\b",  # "it needs sped up" (Pittsburgh)
    r"\b(?:esta|la siento|lo siento|se siente|suena|va)\s+(?:un poco\s+|muy\s+|medio\s+|como muy"
    r"\s+|como\s+|bien\s+|algo\s+|un pelin\s+|re\s+)?(?:parad[oa]|dormid[oa]|lent[oa]|lentit[oa]"
    r"|lentic[oa]|aguad[oa]|pesad[oa]|arrastrad[oa]|cansad[oa])\b"
    # "ta' to' lento eso", then a bare "súbele" at the end
    r"|\bta (?:to |todo |muy )?lent[oa]\b|\b(?:subele|subale|subelo|subela)(?:\s+(?:un poco|un poquito"
    r"|tantito|tantico|un pelin|algo))?\W*$",
    # "dale más vidilla al ritmo", "apúrale tantito", "súbele un cambio"
    r"\b(?:mas|un poco mas de|algo mas de)\s+(?:vida|vidilla|marcha|chispa|energia|pila|cana)\s+al?\s+"
    r"(?:ritmo|tempo)\b|\bapur(?:a|ale|ele|ala|alo|enle)\b|\b(?:sube\w*|subi(?:le|la|lo)|subale\w*)"
    r"\s+(?:un|una)\s+(?:cambio|marcha)\b",
    # "it's a little slow for me", "feels kinda slow": a complaint, not "make it slow"
    _FEELS + r"slow\b(?!\s+(?:it|this|things|down))",
    rf"\b(?:pick|speed|step|crank|ramp|push|turn|bring|kick|dial|jack)\s+(?:up\s+the\s+"
    rf"{_TEMPO_NOUNS}|the\s+{_TEMPO_NOUNS}\s+up)\b",
    rf"\b(?:up|raise|increase|boost|lift|quicken|more|mair)\s+(?:the\s+)?{_TEMPO_NOUNS}\b",
    r"\b(?:a bit |a wee bit |a little )?(?:more|mair) pace\b",
    rf"\b(?:higher|faster|quicker)\s+{_TEMPO_NOUNS}\b|\b{_TEMPO_NOUNS}\s+up\b",
    r"\b(?:less slow|not so slow|not as slow|menos lent[oa]|no tan lent[oa])\b",
    _TOO + r"(?:slow|sluggish|lent[oa]|pesad[oa])\b",
    # "súbale" / "auméntele": usted's imperative, as people from Colombia say it
    rf"\b(?:sube\w*|subi(?:le|la|lo)\b|subale\w*|subanle|subir|aumenta\w*|aumente\w*|incrementa\w*|aprieta\w*"
    rf"|dale mas|mas){_LE}"
    rf"{_A_LITTLE}(?:a la |al |a los |el |la |las |los |de |en la |en el )?{_TEMPO_NOUNS}\b",
    r"\b(?:make it|hazl[oa]|ponl[oa]|que sea|que vaya)\s+(?:\w+\s+)?(?:fast|quick|rapid[oa])\b",
    rf"\b(?:sube\w*|subi(?:le|la|lo)\b|subale\w*|subir){_LE}{_A_LITTLE}(?:a la |al |el |la )?tiempo\b",  # "súbele el tiempo"
)
SLOWER_PATTERNS = (
    r"\b(?:slower|mas lent(?:[oa]|it[oa]|ic[oa])\b|mas despacio|mas despacit[oa]|mas pausad[oa]"
    r"|ralentiza\w*|frena\w*)",
    r"\b(?:ease (?:it )?off|ease up|back it off|needs? (?:slowed|slowing) down)\b"
    r"|\b(?:bajale|bajele|bajalo|bajala)\W*$"
    r"|\bbring (?:it |her |things )?(?:back )?down (?:a bit|a little|a notch|a touch|some|a fair bit)\b"
    r"|\bease (?:the )?(?:tempo|pace|speed) (?:back|down|off)\b|\bslow (?:it|that|this|her)\W*$"
    r"|\b(?:feels?|feeling|sounds?|is) (?:a bit |a little |kinda |so |really )?rushed\b"
    r"|\b(?:va|esta|suena) (?:como |muy |medio |bien )?desbocad[oa]\b"
    r"|\bque no (?:corra|vaya) tan(?:to| rapid[oa])\b|\bnot so (?:rushed|fast|quick)\b",
    rf"\b(?:slow|wind|ease)\s+(?:{_IT})\s+(?:right\s+|way\s+|a bit\s+"
    r"|a little\s+)?down\b"
    r"|\bslow down\b",
    rf"\b(?:bring|take|dial|knock|notch)\s+(?:{_IT})\s+down\b",
    r"\bdown\s+a\s+(?:notch|gear)\b",
    rf"\b(?:slow|bring|take|turn|dial|wind|drop|pull|knock|ease)\s+(?:down\s+the\s+"
    rf"{_TEMPO_NOUNS}|the\s+{_TEMPO_NOUNS}\s+down)\b",
    rf"\b(?:lower|reduce|decrease|drop|cut|ease off|ease up on|less)\s+(?:the\s+)?"
    rf"{_TEMPO_NOUNS}\b",
    rf"\b(?:lower|slower)\s+{_TEMPO_NOUNS}\b|\b{_TEMPO_NOUNS}\s+down\b",
    r"\b(?:less fast|not so fast|not as fast|menos rapid[oa]|no tan rapid[oa])\b",
    _TOO + r"(?:fast|quick|rushed|frantic|hectic|hurried|rapid[oa]|acelerad[oa])\b",  # "it's too fast"
    r"\b(?:baja\w*|bajele\w*)\s+(?:un|una)\s+(?:cambio|marcha)\b",  # "bájale un cambio": a gear down
    r"\b(?:feels?|sounds?|it s|its|is)\s+(?:a bit\s+|a little\s+|kinda\s+|too\s+|really\s+|so\s+)?"
    r"(?:rushed|hurried|frantic)\b",
    r"\b(?:esta|la siento|lo siento|se siente|suena|va)\s+(?:un poco\s+|muy\s+|medio\s+|como muy\s+"
    r"|como\s+|algo\s+|re\s+)?(?:apurad[oa]|atropellad[oa]|acelerad[oa]|rapid[oa])\b",
    _FEELS + r"(?:fast|quick)\b",
    rf"\b(?:baja\w*|bajele\w*|bajenle|bajar|reduce\w*|reduzca\w*|disminu\w*|relaja\w*"
    rf"|afloja\w*|menos){_LE}"
    rf"{_A_LITTLE}(?:a la |al |a los |el |la |las |los |de |en la |en el )?{_TEMPO_NOUNS}\b",
    r"\b(?:make it|hazl[oa]|ponl[oa]|que sea|que vaya)\s+(?:\w+\s+)?(?:slow|lent[oa]|despacio)\b",
    rf"\b(?:baja\w*|bajele\w*|bajar){_LE}{_A_LITTLE}(?:a la |al |el |la )?tiempo\b",  # "bájale el tiempo"
    # speed taken away: "que le quites tantito de velocidad" ("quítale el beat" takes the drums out)
    rf"\b(?:quita\w*|quites|quite|saca\w*|saques){_LE}{_A_LITTLE}(?:de |a la |al |el |la )?(?:velocidad|tempo)\b",
)


def bpm_step(text: str) -> int | None:
    """A tempo change by a number: "speed it up by 20 bpm" (+20), "10 bpm slower" (-10),
    "súbele diez pulsaciones" (+10); None when the number is a tempo to set."""
    folded = spell_numbers(text)
    match = re.search(r"\b(?:by|en|unas?|some)?\s*(\d{1,3})\s*(?:bpm|beats per minute|beats|pulsaciones|ppm)"
                      r"(?:\s+(faster|quicker|slower|more|less|mas|menos|up|down))?", folded)
    if not match:  # "súbale diez", "drop it by five": a number too small to be a tempo is a step
        step = re.search(r"\b(sub|baj)\w*\s+(?:unos\s+|otros\s+|como\s+|tipo\s+)?([1-3]?\d)\s*(?:$|[.!?,;]|mas\b"
                         r"|menos\b|please|porfa|por favor"
                         # "bájale unos veinte de velocidad", "súbele diez al tempo"
                         r"|(?:de|a la|al|en)\s+(?:velocidad|tempo|ritmo)\b)", folded)
        if step is not None:
            return int(step.group(2)) * (1 if step.group(1) == "sub" else -1)
        off = re.search(r"\b(?:knock|take)\s+(?:it\s+)?off\s+([1-3]?\d)\b(?!\s*(?:%|percent|seconds?|secs?))"
                        r"|\b(?:knock|take)\s+([1-3]?\d)\s+(?:bpm\s+|beats\s+)?off\b(?!\s+the\s+(?:length|end))",
                        folded)  # "now knock off twenty"
        if off:
            return -int(off.group(1) or off.group(2))
        by = re.search(r"\bby\s+([1-3]?\d)\b(?!\s*(?:%|percent|seconds?|secs?|semitones?|half steps?"
                       r"|tones?|steps?|whole steps?))", folded)
        direction = (tempo_direction(text) or _raised(folded)) if by else None
        return None if direction is None else int(by.group(1)) * (1 if direction == "faster" else -1)
    if re.search(TEMPO_TARGET, folded):
        return None  # "súbelo a 170 bpm" sets the tempo
    said = match.group(2) or ""
    relative = said or re.search(r"\b(?:by|en)\s+\d", match.group(0))
    direction = tempo_direction(text) or ("faster" if said in ("faster", "quicker", "more", "mas",
                                                              "up") else None)
    if said in ("slower", "less", "menos", "down"):
        direction = "slower"
    if int(match.group(1)) <= 30 and re.search(r"\b(?:up|down)\b", folded):
        relative = True  # "nudge it up maybe five beats": too few to be a tempo
    if not relative and not re.search(r"\b(?:sube\w*|baja\w*)\s+(?:\w+\s+)?\d", folded):
        return None
    if direction is None:
        direction = "faster" if re.search(r"\bsube", folded) else "slower" if re.search(
            r"\bbaja", folded) else None
    if direction is None:
        return None
    return int(match.group(1)) * (1 if direction == "faster" else -1)


def _raised(folded: str) -> str | None:
    """"faster" for "increase it by twenty", "slower" for "reduce it by ten" (no noun
    said; "lower it" may be the key)."""
    if re.search(r"\b(?:increase|raise|boost|up)\s+(?:it|that|this)\s+by\b", folded):
        return "faster"
    if re.search(r"\b(?:decrease|reduce)\s+(?:it|that|this)\s+by\b", folded):
        return "slower"
    return None


#: the direction a correction rules out: "slower, not quicker", "más rápido, no más lento"
#: a complaint about the length, not the tempo: "it ends too quick", "is over too soon",
#: "se acaba muy rápido", "termina demasiado pronto" (longer, not slower)
ENDS_TOO_SOON = (r"\b(?:ends|finishes|is over|s over|stops|cuts off|se acaba|se me acaba|se termina|termina"
                 r"|acaba)\s+(?:(?:way|a bit|kind of|kinda|muy|demasiado|bien|super|re|tan)\s+)?"
                 r"(?:too\s+)?(?:quick(?:ly)?|fast|soon|early|abruptly|rapid(?:o|a|it[oa])|pront(?:o|ito)"
                 r"|de golpe|enseguida|en seguida|de una)\b")
_NOT_THIS_WAY = (r"(?<=[,;]) ?(?:not|no|y no)\s+(?:mas\s+)?(?:faster|quicker|slower|rapid[oa]|lent[oa])\b")


def tempo_direction(text: str) -> str | None:
    """"faster" or "slower" when ``text`` asks for a tempo change without a number, by any
    idiom of :data:`FASTER_PATTERNS` / :data:`SLOWER_PATTERNS` ("pick up the pace",
    "sube el tempo", "bring the tempo down", "más lento"); None otherwise."""
    # "knock it down to C minor", "take it up to E": a move of key, not of tempo
    # "it's dragging": the apostrophe apart, as the idioms spell it ("it s")
    folded = re.sub(_KEY_MOVE, " ", fold(text).replace("'", " ").replace("’", " "))
    folded = re.sub(_NOT_THIS_WAY, " ", folded)  # "I meant slower, not quicker"
    folded = re.sub(ENDS_TOO_SOON, " ", folded)  # "it ends too quick": a length
    # "más lento que una tortuga": a comparison, the complaint is the other way; "bump it up a
    # fifth": an interval
    folded = re.sub(r"\bmas (?:lent|rapid)[oa] que (?:un|una|el|la|los|las|mi)\b|\b(?:up|down) an? (?:fifth|fourth|third|octave|tone"
                    r"|semitone|whole step|half step)\b", " ", folded)
    slower = any(re.search(p, folded) for p in SLOWER_PATTERNS)
    faster = any(re.search(p, folded) for p in FASTER_PATTERNS)
    if faster != slower:
        return "faster" if faster else "slower"
    return None


_COUNT_WORDS = {"one": 1, "a": 1, "an": 1, "un": 1, "una": 1, "two": 2, "dos": 2,
                "three": 3, "tres": 3, "half a": 0.5, "half": 0.5, "medio": 0.5, "media": 0.5,
                "three quarters of a": 0.75, "tres cuartos de": 0.75, "3 quarters of a": 0.75,
                "3 cuartos de": 0.75, "the full": 1, "the whole": 1}
_HALF = r"(?:\s+(?:and a half|y medio|y media))?"
_MINUTES = (rf"\b(\d{{1,2}}(?:[.,]5)?|one and a half|uno y medio|half an?|{'|'.join(_COUNT_WORDS)})"
            rf"{_HALF}\s*(?:-\s*)?(?:full\s+|whole\s+)?(?:minutes?|minutos?|mins?|minutitos?)\b{_HALF}")


@prefers_correction
def find_duration(text: str) -> float | None:
    """A length however it is said: "30 seconds", "a 20-second loop", "20 segundos",
    "one minute", "half a minute", "que dure medio minuto", "un minuto y medio"."""
    # "ninety-five beats a minute", "cien golpes por minuto": a tempo's unit, not a length
    folded = re.sub(r"\b(?:beats?|bpm|golpes|pulsaciones|pulsos)\s+(?:a|per|por|al|each|every)\s+minut\w*",
                    " bpm", spell_numbers(text), flags=re.IGNORECASE)
    match = re.search(r"\b(\d{1,3}(?:[.,]\d)?)\s*(?:-\s*)?(?:s|sec|secs|seconds?|segundos?|segs?"
                      r"|segundit[oa]s?)\b", folded) or re.search(_LENGTH_NUMBER, folded) \
        or re.search(_LENGTH_AFTER_COMPLAINT, folded) or re.search(_SHORT_TARGET, folded)
    if match:  # "treinta segunditos", "más largo, a cuarenta"
        return float(match.group(1).replace(",", "."))
    match = re.search(_MINUTES, folded)
    if not match:  # "que dure minuto y medio", "a minute and a half" said without a count
        if re.search(r"\b(?:hasta|al|to|up to)\s+(?:el|the|a|one|un)?\s*(?:minuto|minute)\b", folded):
            return 60.0  # "alárgala hasta el minuto"
        if re.search(_AS_LONG_AS_IT_GOES, fold(folded)):
            return MAX_DURATION_S  # "stretch it out as long as you're able to"
        return 90.0 if re.search(r"\bminuto y medio\b|\bminute and a half\b", folded) else None
    count = match.group(1)
    if count in ("one and a half", "uno y medio"):
        minutes = 1.5
    elif count.startswith("half"):
        minutes = 0.5
    else:
        minutes = _COUNT_WORDS[count] if count in _COUNT_WORDS else float(count.replace(",", "."))
    if re.search(r"(?:and a half|y medio|y media)", match.group(0)[len(count):]):
        minutes += 0.5
    return minutes * 60.0


#: the longest a clip can be: "as long as you can make it", "lo más larga que puedas"
_AS_LONG_AS_IT_GOES = (r"\bas long as (?:you can|you['’ ]?re able|you are able|you could|it can go|it goes|possible"
                       r"|it gets)\b|\b(?:the )?(?:longest|max|maximum) (?:length|you can|possible)\b"
                       r"|\blo mas larg[oa] (?:que (?:puedas|se pueda|puedes|podas|pueda)|posible)\b"
                       r"|\bal maximo de (?:largo|duracion)\b")


#: a note as said in English or Spanish ("E flat", "fa sostenido", "si bemol", "C#")
NOTE = r"(do|re|mi|fa|sol|la|si|[a-g])(?:[\s-]*(#|b|sharp|flat|sostenido|bemol)(?![a-z]))?"
#: a mode word, the church modes included: each counts as the major or minor it is
#: closest to (core.plan.MODE_WORDS)
_MODE = f"({'|'.join(sorted(MODE_WORDS, key=len, reverse=True))})"
#: "down to C minor", "up to E flat": what follows the move is a key
_KEY_MOVE = (rf"\b(?:up|down)\s+(?:a\s+\w+\s+)?(?:to|into)\s+(?:[a-g](?:\s*(?:#|b|sharp|flat))?"
             rf"\s+{_MODE}|[a-g]\s*(?:#|sharp|flat)|[b-g](?=\s*(?:[?.!,]|$))"
             # "take it down into minor", "bring it up to a major key": a mode alone
             rf"|(?:the\s+|a\s+)?{_MODE}(?:\s+(?:key|mode|tonality))?(?=\s*(?:[?.!,]|$|please|then|for)))\b")
#: what follows a note and mode when the words are not a key: "a minor key" names only the
#: mode, "la mayor parte" is "most of"
_NOT_A_KEY = r"(?!\s+(?:key|parte|cantidad|numero)\b)"
_KEY_PATTERNS = (
    # "D minor", "sol mayor", "E flat major", and "e-minor" as Whisper writes it
    rf"\b{NOTE}(?:\s*|\s*-\s*){_MODE}\b{_NOT_A_KEY}",
    rf"\b(?:in|en|to|into|a|al)\s+{NOTE}()(?=\s*(?:$|[,.;!?]|and\b|y\b|with\b|con\b|please\b"
    rf"|por favor\b|now\b|instead\b|ahora\b|a\s+\d|at\s+\d|en modo\b|modo\b|mode\b"  # "en sol a 120"
    rf"|a ver\b|para ver\b|to see\b|see how\b))",  # "pásala a fa a ver cómo queda"
    rf"\b(?:key of|tono de|tonalidad de|en el tono de)\s+{NOTE}()(?![a-z])",
    # a bare "A" after a move: "move it up to A", "take it down to A"
    rf"\b(?:up|down|over|move it|shift it|take it|put it)\s+(?:to|into)\s+{NOTE}()"
    rf"(?=\s*(?:$|[,.;!?]|please\b|now\b|instead\b))",
    # a note put in another's place: "E instead of A", "en mi en vez de la"
    rf"\b{NOTE}()(?=\s+(?:instead of|rather than|en vez de|en lugar de)\s+(?:do|re|mi|fa|sol|la|si"
    rf"|[a-g])\b)",
    # a note with its accidental said in words, anywhere: "te dije mi bemol", "make it E flat"
    # ("a flat sound", "a sharp edge": an article, never the note A here)
    r"\b(do|re|mi|fa|sol|la|si|[b-g])[\s-]+(sostenido|bemol|sharp|flat)()\b",
)
#: a key the person rules out: "mi bemol, no si bemol", "not in D"
_RULED_OUT = r"(?:\bno|\bnot|\bno en|\bnot in)\s*$"


#: the mode said apart from the note: "en fa, en modo mayor", "in G, keep it minor", "G,
#: minor key"
_MODE_APART = (rf"\b(?:(?:modo|mode|tono|tonalidad)\s+{_MODE}|{_MODE}\s+(?:mode|key|tonality)"
               rf"|(?:keep it|leave it|make it|dejal[oa]|mantenl[oa]|que sea)\s+(?:en\s+)?{_MODE})\b")


def _not_a_note(note: str, accidental: str | None, mode: str | None, bare_ok: bool,
                clause_ends: bool) -> bool:
    """Words that only look like a note: "to a", "en la", "en mi" with nothing after;
    "a mayor" (Spanish "to major": Spanish names notes do, re, mi...). "en mi," and "en
    la." before a comma or stop are notes: "en mi casa" and "en la intro" go on."""
    if len(note) == 1 and mode in ("mayor", "menor"):
        return True
    if mode or accidental:
        return False
    return note == "a" and bare_ok or note == "si" or note in ("la", "mi") and not clause_ends


@prefers_correction
def find_key(text: str) -> tuple[str | None, str | None]:
    """Key and mode however they are said: "in D minor", "now in E flat major", "en re
    menor", "pásala a sol mayor", "en la bemol" (key only), "key of F#"; (None, None)
    when no key is named. A bare note needs an accidental or the end of a phrase after
    it ("in a hurry", "en la intro", "en mi casa" are not keys)."""
    # "B♭" as a transcript writes it; numbers as digits, so "en mi a noventa" ends the key
    folded = spell_numbers(fold(text).replace("♯", "#").replace("♭", "b"))
    # a capital "A" after "in"/"en" is the note, not the article: "slow blues in A with piano"
    capital_a = re.search(r"\b(?:in|en|to|into)\s+A\b(?!['’])", text) is not None
    for pattern in _KEY_PATTERNS:
        for match in re.finditer(pattern, folded):
            note, accidental, mode = match.groups()
            after = folded[match.end():].split()[:1]
            bare_ok = pattern is _KEY_PATTERNS[1] and not (note == "a" and capital_a)
            if re.search(_RULED_OUT, folded[:match.start()]):
                continue  # "te dije mi bemol, no si bemol"
            if bare_ok and len(note) == 1 and re.match(r"al?\s", match.group(0)):
                continue  # Spanish "a sol" names solfège; "a b, in D" is an English article
            # what follows a bare "en mi" / "en la" there ends its phrase ("en mi con
            # guitarra", "en mi a 90", "en mi,"); "en mi casa" does not match at all
            if _not_a_note(note, accidental, mode, bare_ok, clause_ends=bare_ok) or (
                    note == "la" and after in (["de"], ["del"], ["que"])):
                continue  # "la mayor de todas", "la menor que"
            key = normalize_key(note + (accidental or ""))
            if key:
                apart = re.search(_MODE_APART, folded) if not mode else None
                mode = mode or (next(g for g in apart.groups() if g) if apart else "")
                return key, MODE_WORDS.get(mode)
    return None, None


def _has_any(folded: str, words: tuple[str, ...]) -> bool:
    return any(fold(w) in folded for w in words)


def detect_intent(text: str, history: tuple[Turn, ...] | list[Turn] = ()) -> Intent:
    """Intent from words alone: a clear library command or lyrics request first (see
    :mod:`voice_agent.responder.commands`); replay / refine need an earlier clip to act on."""
    command = parse_command(text)
    if command is not None:
        return command.intent
    folded = " " + fold(text) + " "
    names_genre = find_genre(text) is not None
    about_last_clip = not names_genre and any(t.reply and t.reply.plan for t in history)
    names_music = names_genre or bool(find_instruments(text) or find_mood(text))
    if about_last_clip and _has_any(folded, REPLAY_WORDS):
        return Intent.REPLAY
    if about_last_clip and _has_any(folded, REFINE_WORDS):
        return Intent.REFINE
    if names_music or _has_any(folded, MUSIC_WORDS) or _has_any(folded, REFINE_WORDS):
        return Intent.MAKE_MUSIC
    return Intent.CHAT


def plan_from_text(text: str, default_duration_s: float = 15.0, seed: int = 0) -> MusicPlan:
    """A complete plan from the request's own words plus the genre's defaults."""
    return ground_plan({}, text, default_duration_s, seed)


def ground_plan(raw: dict[str, Any], text: str, default_duration_s: float,
                seed: int) -> MusicPlan:
    """Turn a model's raw plan dict into a valid MusicPlan, trusting explicit words first.

    Anything the person said outright (a genre, instruments, "120 bpm", "in D minor",
    "30 seconds", a mood) wins over the model's guess; gaps get the style's defaults;
    out-of-range numbers are clamped.
    """
    text = as_tu(text)  # "póngale", "hágame": usted's commands read as tú's
    said_mood = find_mood(text) or find_scene_mood(text)
    genre = _genre(text, raw.get("genre"), said_mood, raw)
    style = style_for(genre)
    said_key, said_mode = find_key(text)
    named_mood = said_mood or find_mood(str(raw.get("mood") or ""))
    mood = named_mood or style.mood
    # the style's own mood does not move its mode (cumbia is "happy" and minor); a named one does
    mode = said_mode or mode_for_mood(None if said_mood else raw.get("mode"), named_mood or "",
                                      style.mode)
    instruments = _instruments(text, raw.get("instruments"), style.instruments)
    return MusicPlan(
        genre=genre,
        bpm=find_bpm(text) or tempo_from_words(text, clamp_bpm(raw.get("bpm"), style.bpm)),
        key=said_key or normalize_key(raw.get("key")) or default_key(mode, seed, genre),
        mode=mode,
        instruments=instruments,
        mood=mood,
        duration_s=clamp_duration(find_duration(text) or raw.get("duration_s"),
                                  default_duration_s),
        seed=seed,
    )


#: genre to suggest when a request names only instruments or a mood
_INSTRUMENT_GENRES = {"cello": "classical", "violin": "classical", "strings": "classical",
                      "harp": "classical", "bandoneon": "tango", "accordion": "cumbia",
                      "nylon guitar": "flamenco", "saxophone": "jazz", "upright bass": "jazz",
                      "synth": "synthwave", "distorted guitar": "metal",
                      "electric guitar": "rock", "congas": "salsa", "ukulele": "pop",
                      "harmonica": "blues", "choir": "classical"}  # church music: a choir and an organ
_MOOD_GENRES = {"sad": "ballad", "calm": "ambient", "romantic": "ballad",
                "energetic": "edm", "dark": "ambient", "epic": "classical", "happy": "pop"}


def _genre(text: str, raw_genre: Any, said_mood: str | None,
           raw: dict[str, Any] | None = None) -> str:
    """Named genre > the model's genre > one suggested by named instruments or mood.

    Always a style the composer knows: a genre the model invented ("felicidad") maps to
    the nearest known one by mood and instruments (:func:`nearest_genre`).
    """
    said = find_genre(text)
    if said:
        return said
    name = str(raw_genre or "").strip().lower()
    known = find_genre(name.replace("_", " ")) if name else None
    if known:
        return known
    for instrument in find_instruments(text):
        if instrument in _INSTRUMENT_GENRES:
            return _INSTRUMENT_GENRES[instrument]
    raw = raw or {}
    mood = said_mood or find_mood(name) or find_mood(str(raw.get("mood") or ""))
    wanted = set(find_instruments(text)) | {
        i for i in (canonical_instrument(str(x)) for x in _as_list(raw.get("instruments"))) if i}
    return nearest_genre(mood, tuple(sorted(wanted)))


#: moods the styles carry that answer a mood word (a "happy" request fits a "groovy" style)
_MOOD_FAMILY = {"happy": {"happy", "groovy", "warm"}, "sad": {"tender", "soulful", "nostalgic"},
                "calm": {"calm", "relaxed", "smooth"}, "relaxed": {"relaxed", "smooth", "calm"},
                "energetic": {"energetic", "aggressive"}, "dark": {"dramatic", "aggressive"},
                "romantic": {"tender", "passionate"}, "epic": {"elegant", "dramatic"},
                "dramatic": {"dramatic", "passionate"}}


def nearest_genre(mood: str | None, instruments: tuple[str, ...] = ()) -> str:
    """The known style closest to a mood and instruments (ties: the mood's usual genre).

    Scores each style: 3 for the mood's usual genre, 2 for a style whose own mood is in the
    mood's family, 1 per shared instrument. Nothing to go on gives "pop".
    """
    usual = _MOOD_GENRES.get(mood or "")
    family = _MOOD_FAMILY.get(mood or "", set())

    def score(style) -> int:
        return (3 * (style.genre == usual) + 2 * (style.mood in family)
                + len(set(style.instruments) & set(instruments)))

    best = max(STYLES, key=score)
    return best.genre if score(best) > 0 else "pop"


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value] if value else []


def mode_for_mood(value: Any, mood: str, default: str) -> str:
    """The mode a plan gets: one given outright, else the mood's (sad -> minor, happy ->
    major), else the style's."""
    if isinstance(value, str) and value.strip().lower() in MODES:
        return value.strip().lower()
    if mood in MINOR_MOODS:
        return "minor"
    return "major" if mood in MAJOR_MOODS else default


def default_key(mode: str, seed: int, genre: str) -> str:
    """A key for a plan whose request named none: varies with the seed and the style."""
    import zlib

    keys = DEFAULT_KEYS.get(mode, DEFAULT_KEYS["major"])
    return keys[(seed + zlib.crc32(genre.encode("utf-8"))) % len(keys)]


def _instruments(text: str, raw: Any, defaults: tuple[str, ...]) -> tuple[str, ...]:
    """Named instruments first, then the model's, then the style's band (unless "solo")."""
    said = list(find_instruments(text))
    guessed = [canonical_instrument(str(i)) for i in raw] if isinstance(raw, list) else []
    merged = said + [i for i in dict.fromkeys(guessed) if i and i not in said]
    if said and _has_any(" " + fold(text) + " ", SOLO_WORDS):
        return tuple(said)
    # the style's band adds no second name for one already there (country's "fiddle"
    # beside a requested "violin", which find_instruments reads "fiddle" as)
    named = {canonical_instrument(i) or i for i in merged}
    merged += [i for i in defaults if (canonical_instrument(i) or i) not in named]
    return tuple(merged[:6])


def tempo_from_words(text: str, bpm: int) -> int:
    """Scale the style's tempo when the request says "slow" / "fast" without a number."""
    folded = " " + fold(text) + " "
    if _has_any(folded, SLOW_WORDS):
        return clamp_bpm(bpm * 0.75, bpm)
    if _has_any(folded, FAST_WORDS):
        return clamp_bpm(bpm * 1.25, bpm)
    return bpm


def transcript_plan_seed(transcript: Transcript) -> int:
    """A stable seed from the request text, so the same request gives the same clip."""
    import zlib

    return zlib.crc32(fold(transcript.text).encode("utf-8")) & 0x7FFFFFFF
