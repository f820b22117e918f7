"""Refinements ("faster", "more piano", "darker", "más alegre") applied to a plan.

A pure function over a small table of English and Spanish phrases: each rule that
matches changes only its own fields, so everything the person did not ask to change
(seed included) stays, and the composer re-renders the same piece otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from voice_agent.core.plan import (MAJOR_MOODS, MAX_BPM, MAX_DURATION_S, MIN_BPM, MIN_DURATION_S,
                                   MINOR_MOODS, PITCH_CLASSES, MusicPlan, key_name,
                                   normalize_key)
from voice_agent.core.vocabulary import (INSTRUMENTS, find_genre, find_instruments, fold,
                                         listed_instruments, other_name, style_for)
from voice_agent.core.language import as_corrected, as_tu, correction, spell_numbers
from voice_agent.responder.grounding import (ENDS_TOO_SOON, TOO, bpm_step, find_bpm, find_duration, find_key,
                                             find_mood, scene_mood, tempo_direction)

Rule = tuple[str, Callable[[MusicPlan, re.Match], MusicPlan]]
#: what a rule returns when its pattern matched but the words were not what it reads
_NO_CHANGE = MusicPlan(genre="__no_change__")

_MORE = r"(?:a lot|much|mucho|muy)\s+"
# "no" is no removal before a correction ("no, mejor un saxo") or in "no bad", "no worries"
_REMOVE_CUES = (r"(?:without|sin|no(?!,?\s+(?:mejor|better|wait|espera|digo|i mean|make that|bad"
                r"|worries|problem|way|esta mal|hay problema|man|mate|bro|vale|tio|wey|pues|hang"
                r"|hold|sorry|perdon|scratch|scrap|no|rather|actually|un|una|para|hay|tienes|tenes|have"
                r"|es|me))|no more|remove|take out"
                r"|take(?=(?:\s+\S+){1,3}\s+out\b)|take off|take away"
                # "take the piano away from it", "ditch the keys"
                r"|take(?=(?:\s+[^\s,.;]+){1,3}\s+away\b)"
                r"|get rid of|quita|quitale|quitar|quitales|quitad[oa]|sacal[oa]s?"
                # the infinitive, as Whisper may write "quítale": "quitarle las cuerdas"
                r"|quitarle|quitarles|quitarla|quitarlo|sacarle|sacarles|eliminarle"
                r"|saca|sacale|elimina|drop|lose|less|menos|fuera|afuera"
                # usted's imperative: "quítele la batería", "sáquele el bajo"
                r"|quitele|quitenle|quitelo|quitela|saquele|saquenle|elimine"
                # "kill the sax", "mute the trumpet", "apágale el piano", "bótale la batería"
                # ("scrap that, a saxophone": a take-back, the saxophone is what is asked)
                r"|kill|mute|ditch|scrap(?!\s+(?:that|this|it)\s*[,.;!?])|nix|axe|silence|cut|apaga|apagale"
                r"|silencia|bota|botale"
                r"|bin|dump|tek out|don'?t want|do not want|no quiero"
                # "knock the flute out", "leave the sax out"
                r"|(?:knock|leave|cut|tek)(?=(?:\s+[^\s,.;]+){1,3}\s+out\b))")  # not "leave the bass, take out"
_TWICE_AS_FAST = (r"\b(?:twice as (?:fast|quick)|double (?:the )?(?:tempo|speed|pace|bpm)"
                  r"|(?:ponla|ponlo|hazla|hazlo|pasala|pasalo|llevala|llevalo) al doble(?! de)"
                  r"|double[- ]time|(?:el )?doble de (?:rapid\w*|velocidad|tempo|ritmo)"
                  r"|dos veces mas rapid\w*)")
_HALF_AS_FAST = (r"\b(?:half as fast|half (?:the )?(?:tempo|speed|pace|bpm)|half[- ]time"
                 r"|half speed|(?:la )?mitad de (?:rapid\w*|velocidad|tempo|ritmo)"
                 r"|a media velocidad|(?:to )?half (?:that|of that)|halve (?:the |its )?(?:tempo|speed|pace|bpm)"
                 r"|(?:baja\w*|bajal[ea]) (?:(?:el|la) (?:tempo|ritmo|velocidad) )?a la mitad)")
_TWICE_AS_LONG = (r"\b(?:twice as long|double (?:the |its )?(?:length|duration)|two times (?:as long"
                  r"|longer)|alarga\w* al doble|(?:hazla|hazlo|hacela|hacelo) el doble de larg[oa]"
                  r"|(?:el )?doble de (?:larg\w*|duracion|tiempo)|dure el doble"
                  r"|dos veces mas larg\w*)"
                  r"|^\W*(?:now\s+)?double (?:it|that)(?:\s+(?:please|then|up))?\W*$")  # "Double it."
#: "three times as long", "four times longer", "el triple de largo", "tres veces más larga"
_TIMES = {"three": 3, "four": 4, "tres": 3, "cuatro": 4, "3": 3, "4": 4}
_TIMES_AS_LONG = (rf"\b(?P<n>{'|'.join(_TIMES)})\s+(?:times|veces)\s+(?:as long|longer|mas larg\w*)"
                  r"|\b(?:el )?(?P<word>triple|cuadruple) de (?:larg\w*|duracion|tiempo)"
                  r"|\bdure el (?P<dure>triple|cuadruple)\b")
_HALF_AS_LONG = (r"\b(?:half as long|half (?:the |its )?(?:length|duration)"
                 r"|(?:cut|chop|trim|shorten) (?:it|that|this|the length) (?:in|by) (?:the )?half"
                 r"|halve (?:it|that|this|the)(?!\s+(?:tempo|speed|pace|bpm))"
                 r"|(?:la )?mitad de (?:larg\w*|duracion|tiempo)|dure la mitad"
                 r"|(?:cortal[oa]|acortal[oa]|partel[oa]|parte\w*) a la mitad|(?:partel[oa]|cortal[oa]) en dos)")
_FEATURE_CUES = r"(?:more|mas|louder|featuring|feature|destaca|resalta)"


def _bpm(plan: MusicPlan, factor: float) -> MusicPlan:
    return plan.replace(bpm=int(round(min(max(plan.bpm * factor, MIN_BPM), MAX_BPM))))


def _tempo_step(plan: MusicPlan, direction: str | None) -> MusicPlan:
    """One step faster or slower (x1.15) for a tempo idiom; no match without one."""
    if direction is None:
        return _NO_CHANGE
    return _bpm(plan, 1.15 if direction == "faster" else 1 / 1.15)


def _duration(plan: MusicPlan, seconds: float) -> MusicPlan:
    seconds = round(min(max(seconds, MIN_DURATION_S), MAX_DURATION_S), 1)  # not "33.3333 s"
    return plan.replace(duration_s=float(seconds))


_SECONDS = r"(\d{1,2})\s*(?:seconds?|secs?|s|segundos?|segundit[oa]s?)"
_LONGER = r"(?:longer|more|extra|mas(?! cort)|mas larg\w*)"
_SHORTER = r"(?:shorter|less|fewer|menos|mas cort\w*)"
_CUTS = r"\b(?:cut|trim|take off|remove|quita\w*|recorta\w*|acorta\w*)"
_ADDS_TIME = r"\b(?:add|give it|anade\w*|agrega\w*|alarga\w*)"


def duration_step(text: str) -> float | None:
    """Seconds to add or take away: "five seconds longer", "add 10 seconds", "cut 5
    seconds", "diez segundos más", "hazla 5 segundos más corta"; None otherwise."""
    folded = spell_numbers(text)
    if more := re.search(r"\b(\d{1,2})\s+(?:more|extra|mas)\s+(?:seconds?|secs?|segundos?)\b", folded):
        return float(more.group(1))  # "give it ten more seconds", "diez más segundos"
    if re.search(rf"{_SECONDS}\s+{_SHORTER}\b|{_CUTS}\s+(?:it by\s+)?{_SECONDS}", folded):
        sign = -1
    elif re.search(rf"{_SECONDS}\s+{_LONGER}\b|{_ADDS_TIME}\s+(?:it by\s+)?(?:another\s+"
                   rf"|otros\s+)?{_SECONDS}", folded):
        sign = 1
    else:
        return None
    return sign * float(re.search(_SECONDS, folded).group(1))


def _times(match: re.Match) -> int:
    """The factor a :data:`_TIMES_AS_LONG` match says: 3 for "three times", "triple"."""
    word = match.group("n") or match.group("word") or match.group("dure")
    return _TIMES.get(word, 3 if word == "triple" else 4)


def _pitch_class(name: str) -> int | None:
    """0-11 for a key name ("D", "re", "si bemol"), read as forgivingly as the grounding
    reads a key (:func:`normalize_key`); None if it is not one."""
    key = normalize_key(name)
    return PITCH_CLASSES.index(key) if key else None


def _transpose(plan: MusicPlan, semitones: int) -> MusicPlan:
    pc = _pitch_class(plan.key)
    return plan if pc is None else plan.replace(key=key_name(pc + semitones))


def _said_key(plan: MusicPlan, match: re.Match) -> MusicPlan:
    """The key (and mode, if named) the words give; the rule does not match without one."""
    key, mode = find_key(match.group(0))
    return _NO_CHANGE if key is None else plan.replace(key=key, mode=mode or plan.mode)


#: "lower the tempo" is not a key change, "la mayor parte" not a mode
_SEMITONE = r"(?:semitone|half(?: a)? step|semitono|medio tono)"
_NOT_TEMPO = (r"(?!\s+(?:the\s+|el\s+|la\s+)?(?:tempo|pace|speed|bpm|volume|ritmo|velocidad"
              r"|volumen|parte|cantidad|numero)\b)")
_MODE_CUE = (r"\b(?:make it|now|switch(?: it)? to|change(?: it)? to|in|to|into|turn it|hazl[oa]"
             r"|ponl[oa]|pasal[oa] a|cambial[oa] a|ahora|en|a|modo|tono|keep it|leave it|que sea"
             # "vuélvalo menor", "hacela mayor", "póngala en menor": usted and voseo too
             r"|vuelv\w*|hag[ae]l[oa]|hacel[oa]|ponel[oa]|pongal[oa]|dejal[oa]|que quede)\s+(?:a\s+|en\s+)?$")


def _mode_word(plan: MusicPlan, match: re.Match, mode: str) -> MusicPlan:
    """"make it minor", "pásala a mayor", "now in major": the mode alone, when a cue
    word comes just before the mode word."""
    before = match.string[: match.start()]
    return plan.replace(mode=mode) if re.search(_MODE_CUE, before) else _NO_CHANGE


#: "keep the tempo", "same instruments", "mantén el ritmo": a field a genre change leaves
#: field; a list of them counts for each: "keep the key and the tempo", "mantén el tono y el ritmo"
_KEEP = (r"\b(?:keep(?:ing)?|same|mant\w*|mism[oa]s?|conserv\w*|respet\w*|respect|sin cambiar(?:le)?|sin tocar(?:le)?"
         r"|deja|dejame|dejale|dejalo|dejala|dejen|deje|dejeme"  # "dejá los instrumentos como están"
         r"|dejarle|dejarlo|dejarla|dejando"  # "cambiarle el género, pero dejarle el tempo" as heard
         r"|hold|hold onto|hang onto|stick with"  # "but hold the tempo and the instruments steady"
         r"|don'?t touch|do not touch"
         r"|don'?t change|do not change|leave|no (?:le )?toques|no (?:le )?cambies)\s+(?:the\s+|el\s+"
         r"|la\s+|los\s+|las\s+)?(?:(?!but\b|pero\b|change\b|cambia)[\w,]+\s+){0,4}?"
         r"(?:the\s+|el\s+|la\s+|los\s+|las\s+)?")


#: "keep everything else", "the rest the same", "deja todo lo demás igual": only the genre changes
_KEEP_ALL = (r"\bsame everything else\b|\b(?:keep(?:ing)?|mant\w*|conserva\w*|deja\w*|leave)\s+(?:everything else|all (?:the )?"
             r"(?:rest|else)|the rest|(?:todo\s+)?(?:lo demas|el resto|lo otro))\b|\b(?:everything"
             r" else|the rest|todo lo demas|lo demas|el resto)\s+(?:(?:me\s+)?(?:l[oa]\s+)?(?:dej\w*|leave it"
             r"|keep it|mantenl[oa]|queda)\s+)?(?:the same|as is|as it is|unchanged"
             r"|igual|igualit[oa]|como esta|tal cual|tal como esta|sin cambiar|untouched|intact)\b"
             # "everything else don't change", "todo lo demás no lo cambies"
             r"|\b(?:everything else|the rest|todo lo demas|lo demas|el resto)\s+(?:don'?\s?t|do not|no)"
             r"\s+(?:l[oa]s?\s+)?(?:change|cambies|toques|touch)\b"
             # "pero sin tocar nada más", "without changing anything else", "don't touch
             # anything else", "change nothing else"
             r"|\b(?:sin|without) (?:tocar|cambiar|mover|touching|changing)(?:le|la|lo)? (?:nada|anything) (?:mas|else)\b"
             # "everything else stays exactly the way it is", "the rest remains as is"
             r"|\b(?:everything else|the rest|all the rest)\s+(?:stays|stay|staying|remains|remain|is kept"
             r"|should stay)\b"
             # "pero que quede igual todo lo demás", "que lo demás se quede igual"
             r"|\bque (?:se )?(?:quede|queden|siga|sigan|mantenga|mantengan) igual (?:todo )?(?:lo demas|el resto)\b"
             r"|\bque (?:todo )?(?:lo demas|el resto) (?:se )?(?:quede|siga|mantenga) (?:igual|como esta)\b"
             r"|\b(?:no toques|no cambies|don'?t touch|don'?t change|do not touch|do not change)"
             r" (?:nada mas|anything else)\b|\b(?:change|touch) nothing else\b")


def _new_genre(plan: MusicPlan, match: re.Match) -> MusicPlan:
    """A new style brings its own band and tempo; key, mood, length and seed stay (and the
    band and tempo too when the words keep "everything else")."""
    style = style_for(find_genre(match.group(0)) or plan.genre)
    keeps = match.group(0)
    keeps_all = re.search(_KEEP_ALL, keeps) is not None
    # "el mismo tiempo": in Spanish the tempo is also "tiempo"
    kept_tempo = (rf"{_KEEP}(?:tempo|tiempo|speed|bpm|pace|ritmo|velocidad)"
                  # "pero que quede igual de rápida", "but just as fast"
                  r"|\bigual de (?:rapid|lent|movid)[oa]\b|\bjust as (?:fast|quick|slow|upbeat)\b")
    bpm = plan.bpm if keeps_all or re.search(kept_tempo, keeps) else style.bpm
    band = plan.instruments if keeps_all or re.search(
        rf"{_KEEP}(?:instruments|band|instrumentos|banda)", keeps) else style.instruments
    return plan.replace(genre=style.genre, bpm=bpm, instruments=band)


#: a new take on the same request: a new seed, the same plan ("same but different")
VARIATION = (r"\b(?:another one|another version|different version|variation|otra version"
             r"|otra variacion|otra distinta|same but different|same thing but different"
             r"|lo mismo pero (?:diferente|distinto)|igual pero (?:diferente|distinto)"
             r"|another take|otra toma|(?:(?:lo|la|el) mism[oa]|igual) pero (?:un poco |algo "
             r"|un pelin )?(?:diferente|distint[oa])"
             r"|same (?:thing|song|piece|one|idea|again)?\s*but (?:a bit |slightly )?different"
             r"|a different (?:take|version|variation)|una variacion|otra variante|new seed"
             r"|nueva semilla|reshuffle|otra interpretacion|otra tirada|try again with the same"
             # "the same thing again but freshly played, not a copy"
             r"|freshly played|played (?:fresh|afresh|anew)|not (?:a|an exact|the same) copy"
             r"|(?:one more |another )?(?:fresh|new) (?:attempt|try|go)\b"
             r"|same (?:settings|everything|plan),? (?:but )?(?:a )?(?:different|new|fresh)"
             r" (?:take|version|one)|(?:a )?(?:different|fresh|new) (?:take|spin)"
             # "generate it fresh, like a different recording of it", "otra grabación"
             r"|(?:a )?(?:different|fresh|new|another) (?:recording|rendition|performance)"
             r"|(?:generate|make|render|record|do|play) it (?:fresh|afresh|anew)"
             r"|otra (?:grabacion|interpretacion)|(?:grabacion|interpretacion) (?:distinta|diferente|nueva)"
             # "play it a different way", "hazla de nuevo igual, pero que suene distinta"
             r"|(?:play|do|perform|sing) it (?:a |in a )?(?:different|new|another|fresh) way"
             # "can you record it one new time, same to same, nothing changed?"
             r"|(?:record|make|do|play) it (?:one )?(?:new|fresh|another) time|same to same"
             r"|(?:pero|but) (?:que (?:suene|sea) |(?:it )?sound(?:s|ing)? )(?:un poco |algo |a bit "
             r"|slightly )?(?:diferente|distint[oa]|different)"
             # "la misma, pero tocada de otra forma", "una versión distinta de esa misma"
             r"|(?:tocad[ao]|hech[ao]|interpretad[ao]|de) (?:de )?otra (?:forma|manera)"
             r"|version distinta|distinta de esa|sin cambiarle nada(?! mas)|played differently|tocad[oa] distint[oa]"
             r"|(?:have|take) another go at (?:it|that|this)"
             # "do that same exact tune over, just let it come out a little different"
             r"|comes? out (?:a little |a bit |slightly |just )?different"
             # "change nothing, just let it come out another way", "que salga de otra manera"
             r"|comes? out (?:(?:in )?(?:another|a different|some other|a new) way|differently)"
             r"|salga (?:de otra (?:forma|manera)|distint[oa]|diferente)"
             # "hazla de nuevo pero distinta", "do it again but different"
             r"|(?:de nuevo|otra vez|again|over)\s*,?\s*(?:pero|but)\s+(?:un poco |a bit |slightly )?"
             r"(?:diferente|distint[oa]|different))\b")

# Groups of rules; within a group the first match wins ("much faster" is not also "faster").
RULES: tuple[tuple[Rule, ...], ...] = (
    (  # tempo: a change by a number, a number, "twice as fast", "much faster", any idiom
        (r".+", lambda p, m: _bpm(p.replace(bpm=p.bpm + bpm_step(m.group(0))), 1.0)
         if bpm_step(m.group(0)) else _NO_CHANGE),
        (r".+", lambda p, m: _bpm(p.replace(bpm=find_bpm(m.group(0))), 1.0)
         if find_bpm(m.group(0)) else _NO_CHANGE),
        (_TWICE_AS_FAST, lambda p, m: _bpm(p, 2.0)),
        (_HALF_AS_FAST, lambda p, m: _bpm(p, 0.5)),
        (rf"\b(?:{_MORE})(?:faster|quicker)\b|\bmucho mas rapid", lambda p, m: _bpm(p, 1.3)),
        (rf"\b(?:{_MORE})slower\b|\bmucho mas lent", lambda p, m: _bpm(p, 1 / 1.3)),
        (r".+", lambda p, m: _tempo_step(p, tempo_direction(m.group(0)))),
    ),
    (  # mood, and the mode that goes with it
        (r"\b(?:darker|more dark|gloomier|moodier|more ominous|mas oscur[oa]|mas sombri[oa]"
         r"|mas tenebros[oa])\b",
         lambda p, m: _more_of(p, "dark", "minor", 0.92)),
        (r"\b(?:sadder|more sad|more melancholic|mas triste|mas melancolic[oa]|mas nostalgic[oa]"
         r"|more somber|more sombre)\b",
         lambda p, m: _more_of(p, "sad", "minor", 0.92)),
        (r"\b(?:happier|brighter|cheerier|more cheerful|more joyful|more upbeat|more festive|mas festiv[oa]"
         r"|mas alegre|mas feliz"
         r"|mas luminos[oa]|mas animad[oa])\b",
         lambda p, m: _more_of(p, "happy", "major", 1.08)),
        (r"\b(?:calmer|softer|more relaxed|mas tranquil[oa]|mas suave|mas relajad[oa])\b",
         lambda p, m: _bpm(p.replace(mood="calm"), 0.9)),
        (r"\b(?:more energy|more energetic|more intense|mas energia|mas energic[oa]"
         r"|mas intens[oa]|mas marcha|mas cana|mas fuerza|more punch|more drive|mas potencia"
         r"|mas potente|more power|more powerful)\b",
         lambda p, m: _bpm(p.replace(mood="energetic"), 1.1)),
    ),
    (  # length: "5 seconds longer" (a step), then "30 seconds", "que dure medio minuto"
        (r".+", lambda p, m: _duration(p, p.duration_s + duration_step(m.group(0)))
         if duration_step(m.group(0)) else _NO_CHANGE),
        (r".+", lambda p, m: _duration(p, find_duration(m.group(0))) if find_duration(m.group(0))
         else _NO_CHANGE),
        (_TWICE_AS_LONG, lambda p, m: _duration(p, p.duration_s * 2)),
        (_HALF_AS_LONG, lambda p, m: _duration(p, p.duration_s / 2)),  # before "too long"
        (TOO + r"(?:long|larg[oa]|largot[oa])\b|\b(?:drags on|goes on (?:too long|forever)|se hace eterna"
         # "it goes on a wee bit long for what I need", "it runs a little long"
         r"|(?:goes on|runs|going on|running)\s+(?:a (?:wee |little |tiny |tad |touch )?(?:bit )?|kind of |kinda "
         r"|rather |quite |pretty |way |a tad )?(?:too )?long(?! enough)"
         r"|se hace muy larga)\b", lambda p, m: _duration(p, p.duration_s / 1.5)),
        (TOO + r"(?:short|cort[oa])\b", lambda p, m: _duration(p, p.duration_s * 1.5)),
        (_TIMES_AS_LONG, lambda p, m: _duration(p, p.duration_s * _times(m))),
        (rf"\b(?:longer|mas larg[oa]|mas long|extend it|alarga\w*|alargu\w*|dure (?:un poco |un poquito |un pelin |algo |tantito )?mas"
         rf"|estira\w*|stretch (?:it|that|this)(?: out)?|se (?:me |nos )?queda cort[oa])\b|{ENDS_TOO_SOON}",
         lambda p, m: _duration(p, p.duration_s * 1.5)),
        (r"\b(?:shorter|mas cort(?:[oa]|it[oa]|ic[oa])|trim it|acorta\w*|dure (?:un poco |un poquito |un pelin |algo |tantito )?menos|cortal[oa]|cortale"
         r"|recortal[oa]|recorta|recortale|chop (?:it|that|this) (?:down|back)|cut (?:it|that|this) down)\b"
         r"(?!\s+(?:\w+\s+)?(?:slower|faster|tempo|speed|to \d+\s*bpm))",
         lambda p, m: _duration(p, p.duration_s / 1.5)),
    ),
    (  # key and mode
        # a key however it is said (grounding.find_key): "in D major", "pásala a sol
        # mayor", "en la bemol"; "in a hurry", "en la intro" are not keys
        (r".+", _said_key),
        # "switch it over to the major, same root note"
        (r"\b(?:to|into|in) the (major|minor)\b(?!\s+(?:key|scale|part|chords?)\b)",
         lambda p, m: p.replace(mode=m.group(1))),
        # "bump it up a fifth", "down a fourth"
        (r"\b(up|down) an? (fifth|fourth|third|octave)\b",
         lambda p, m: _transpose(p, {"fifth": 7, "fourth": 5, "third": 4, "octave": 0}[m.group(2)]
                                 * (1 if m.group(1) == "up" else -1))),
        (r"\b(?:in a minor key|en (?:(?:tono|tonalidad|modo) )?menor|minor key)\b",
         lambda p, m: p.replace(mode="minor")),
        (r"\b(?:in a major key|en (?:(?:tono|tonalidad|modo) )?mayor|major key)\b",
         lambda p, m: p.replace(mode="major")),
        # "the relative minor" of E flat major is C minor, and back
        (r"\b(?:relative minor|relativ[oa] menor|menor relativ[oa])\b",
         lambda p, m: _transpose(p, -3).replace(mode="minor") if p.mode == "major" else _NO_CHANGE),
        (r"\b(?:relative major|relativ[oa] mayor|mayor relativ[oa])\b",
         lambda p, m: _transpose(p, 3).replace(mode="major") if p.mode == "minor" else _NO_CHANGE),
        (r"\b(?:another|different|other|change the|cambia la|otra) (?:key|tonalidad|tono)\b",
         lambda p, m: _transpose(p, 5)),
        (rf"\b(?:minor|menor)\b{_NOT_TEMPO}", lambda p, m: _mode_word(p, m, "minor")),
        (rf"\b(?:major|mayor)\b{_NOT_TEMPO}", lambda p, m: _mode_word(p, m, "major")),
        # "raise it by two semitones", "súbele dos semitonos", "drop it three half steps"
        (rf"\b(?P<verb>up|raise|sube|subi|subele|subelo|subela|down|lower|drop|baja|bajale|bajalo|bajala)"
         rf"\w*(?:\s+(?:it|the key|el tono|la tonalidad))?(?:\s+by)?\s+(?P<n>\d|two|three|four|five"
         rf"|dos|tres|cuatro|cinco)\s+{_SEMITONE}s?\b",
         lambda p, m: _transpose(p, int(spell_numbers(m.group("n"))) * (
             -1 if m.group("verb").startswith(("down", "lower", "drop", "baj")) else 1))),
        (rf"\b(?:(?:up|sube\w*|raise it)\s+(?:a|one|un)?\s*{_SEMITONE}|(?:a\s+|un\s+)?{_SEMITONE}"
         rf"\s+(?:up|higher|arriba|mas alto|mas agudo))\b", lambda p, m: _transpose(p, 1)),
        (rf"\b(?:(?:down|baja\w*|lower it|drop it)\s+(?:a|one|un)?\s*{_SEMITONE}|(?:a\s+|un\s+)?{_SEMITONE}"
         rf"\s+(?:down|lower|abajo|mas bajo|mas grave))\b", lambda p, m: _transpose(p, -1)),
        (r"\btranspose (?:it )?down\b|\btransporta\w* (?:hacia )?abajo\b", lambda p, m: _transpose(p, -2)),
        (r"\btranspose (?:it )?(?:up)?\b|\btransporta\w*\b", lambda p, m: _transpose(p, 2)),
        (r"\b(?:up a (?:whole )?(?:step|tone)|a whole step up|sube\w* (?:el|un) tono"
         r"|raise the (?:pitch|key)|pitch (?:it )?up)\b",
         lambda p, m: _transpose(p, 2)),  # "up a whole step", "súbele el tono"
        (r"\b(?:down a (?:whole )?(?:step|tone)|a whole step down|baja\w* (?:el|un) tono"
         r"|lower the (?:pitch|key)|pitch (?:it )?down)\b",
         lambda p, m: _transpose(p, -2)),
        (rf"\b(?:higher|a tone up|mas agud[oa]|sube un tono)\b{_NOT_TEMPO}",
         lambda p, m: _transpose(p, 2)),
        (rf"\b(?:lower|a tone down|mas grave|baja un tono)\b{_NOT_TEMPO}",
         lambda p, m: _transpose(p, -2)),
    ),
    (  # a new take on the same request
        (VARIATION,
         lambda p, m: p.replace(seed=(p.seed + 1) % 2**32)),
    ),
)


_MOOD_RULES = 1  # the index of the mood group in RULES


def _more_of(plan: MusicPlan, mood: str, mode: str, tempo: float) -> MusicPlan:
    """The mood and the mode that goes with it; a clip already so ("make it happier" of a
    happy one in a major key) gets more of it from its tempo."""
    changed = plan.replace(mood=mood, mode=mode)
    return changed if changed != plan else _bpm(plan, tempo)


#: where the words a cue governs end: the sentence, or a next verb ("sácala y poné un
#: clarinete", "kill the pad, leave the bass")
_NEXT_CLAUSE = (r"[.!?;]|\b(?:and|y|e|but|pero|then|luego|,)?\s*\b(?:pon\w*|pone|agrega\w*|mete\w*|add"
                r"|put|bring|throw|use|usa|leave|keep|deja\w*|manten\w*|con|with|make|hazl\w*)\b")


def _cued_instruments(folded: str, cues: str) -> tuple[str, ...]:
    """The instruments a cue governs ("sin la batería"): the one named within a few words
    after it, and those listed after that one ("kill the pad and the synth")."""
    found: list[str] = []
    for match in re.finditer(rf"\b{cues}\s+(?=(.*))", folded):
        # within the cue's clause: "Aye, no bad. Stick a saxophone on it." removes nothing
        said = re.split(_NEXT_CLAUSE, match.group(1))[0]
        found += listed_instruments(said)
    return tuple(found)


_SWAP = (r"\b(?:swap|switch|replace|change|exchange|trade|cambi[ae]\w*|sustitu\w*|reemplaz\w*"
         r"|reemplac\w*)\s+"
         r"(?P<old>(?:\S+\s+){0,3}?\S+)\s+(?:for|with|to|into|by|por|con)\s+"
         r"(?P<new>(?:\S+\s*){1,4})")  # "with a clean electric guitar"


#: "a violin instead of the accordion", "un violín en lugar del acordeón"; and with the
#: old one first: "en vez del acordeón, un violín", "instead of the sax, a flute"
_INSTEAD = r"(?:instead of|in place of|rather than|en lugar de|en vez de)l?"
_NEW_INSTEAD = rf"(?P<new>(?:\S+\s+){{0,3}}?\S+)\s+{_INSTEAD}\s+(?P<old>(?:\S+\s*){{1,3}})"
_INSTEAD_NEW = (rf"^\s*{_INSTEAD}\s+(?P<old>(?:[^\s,]+\s*){{1,3}}?)(?:,\s*|\s+(?=(?:pon|mete|usa|use"
                rf"|put|add|agrega|echa|try|give|have)\w*\s))(?P<new>(?:\S+\s*){{1,4}})")


#: a swap of an instrument named before, by a pronoun: "the sax squeaks, swap it for a
#: clarinet", "el saxo chirría, cámbialo por un clarinete"
_SWAP_IT = (r"\b(?:(?:swap|switch|replace|change|exchange|trade)(?:\s+(?:it|that|them))?(?=\s+(?:out\s+)?"
            r"(?:for|with|by|to)\b)"
            r"|(?:cambi\w*|sustitu\w*|reemplac\w*|reemplaz\w*)l[oa]s?)\s+(?:out\s+)?"
            r"(?:for|with|by|to|por|con)\s+(?P<new>(?:\S+\s*){1,4})")


def find_swaps(folded: str) -> tuple[tuple[str, str], ...]:
    """(old, new) instrument pairs: "swap the guitar for a piano", "cambia el saxo por
    una flauta", "replace the drums with congas", "a violin instead of the accordion",
    "el saxo chirría, cámbialo por un clarinete"."""
    swaps = _swaps_said(folded) or _swaps_said(_swap_said_again(folded))
    return tuple(_corrected_swaps(folded, swaps))


def _swap_said_again(folded: str) -> str:
    """The swap with its new instrument as a correction says it again: "swap the guitar for
    a tin whistle... ah no, a flute" is "swap the guitar for a flute" (the instrument taken
    back may be one the composer does not know); "" when nothing is said again."""
    parts = correction(folded)
    if parts is None or len(find_instruments(parts[2])) != 1:
        return ""
    clause = re.sub(r"\b(for|with|por|con)\s+.*$", lambda m: f"{m.group(1)} {parts[2]}", parts[1])
    return parts[0] + clause if clause != parts[1] else ""


def _swaps_said(folded: str) -> list[tuple[str, str]]:
    """The (old, new) pairs the words say, before any correction is applied."""
    swaps = []
    for match in re.finditer(_SWAP_IT, folded):
        old, new = find_instruments(folded[:match.start()]), find_instruments(match.group("new"))
        if len(old) == 1 and new and old[0] != new[0]:
            swaps.append((old[0], new[0]))
    for match in [*re.finditer(_SWAP, folded), *re.finditer(_INSTEAD_NEW, folded),
                  *re.finditer(_NEW_INSTEAD, folded), *re.finditer(_MAKE_IT_KIND, folded)]:
        old = find_instruments(match.group("old")) or _kind_only(match.group("old"))
        new = _elided(match.group("old"), match.group("new"))
        if match.re.pattern != _MAKE_IT_KIND:  # "make it acoustic" names no instrument itself
            new = find_instruments(match.group("new")) or new
        if old and new and old[0] != new[0]:
            pair = (old[0], new[-1] if match.re.pattern == _NEW_INSTEAD else new[0])
            swaps += [pair] if pair not in swaps else []
    return swaps


def _corrected_swaps(folded: str, swaps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Swaps whose new instrument a correction takes back for another: "cámbiale el piano
    por un órgano... no, no, mejor por un piano eléctrico" swaps the piano for the electric
    piano."""
    parts = correction(folded) if swaps else None
    said_again = find_instruments(parts[2]) if parts else ()
    if len(said_again) != 1:
        return swaps
    taken_back = set(find_instruments(parts[1]))
    return [(old, said_again[0]) if new in taken_back and old != said_again[0] else (old, new)
            for old, new in swaps]


#: an instrument said by its kind alone, the noun left out: "for an acoustic one", "por
#: una acústica" (the noun is the old instrument's: "swap the electric guitar for ...")
_ELIDED = (r"^(?:(?:a|an|the|una?|por|la|el)\s+)*(?P<kind>\w+)(?:\s+one\b|(?=\s*(?:[,.!?]|$)))")
#: the nouns an instrument's kind may leave out, as said in English and in Spanish
_KIND_NOUNS = (("guitar", "guitarra"), ("bass", "bajo"), ("piano", "piano"))
#: "the electric guitar, make it acoustic", "el bajo, que sea eléctrico"
_MAKE_IT_KIND = (r"(?P<old>(?:\S+\s+){0,3}?\S+?)\s*,?\s+(?:make it|make that|turn it|hazl[oa]"
                 r"|ponl[oa]|que sea)\s+(?P<new>(?:an?\s+|una?\s+)?\w+(?:\s+one)?)\s*(?:[.!?,]|$)")


def _elided(old_said: str, new_said: str) -> tuple[str, ...]:
    """The instrument a swap names without its noun ("swap the electric guitar for an
    acoustic one" -> the acoustic guitar; "cambia la guitarra eléctrica por una acústica";
    "cambia la eléctrica por una acústica"), or ()."""
    match = re.match(_ELIDED, new_said.strip())
    old = find_instruments(old_said) or _kind_only(old_said)
    if match is None or not old:
        return ()
    for english, spanish in _KIND_NOUNS:
        if old[0].endswith(english):
            found = _of_kind(match.group("kind"), english, spanish)
            return found if found and found[0] != old[0] else ()
    return ()


def _of_kind(kind: str, english: str, spanish: str) -> tuple[str, ...]:
    """The instrument ``kind`` makes of a noun ("acoustic" guitar, "eléctrica" guitarra):
    only one the noun alone does not name ("electrica guitar" is no acoustic guitar)."""
    for said in (f"{kind} {english}", f"{spanish} {kind}"):
        found = find_instruments(said)
        # the kind must be in one of the names the instrument goes by
        if found and any(kind in fold(alias).split() for alias in INSTRUMENTS.get(found[0], ())):
            return found
    return ()


def _kind_only(said: str) -> tuple[str, ...]:
    """The instrument a kind names alone ("la eléctrica": the electric guitar), or ()."""
    match = re.match(_ELIDED, re.sub(r"^(?:(?:my|that|this|mi|esa|ese)\s+)+", "", said.strip()))
    if match is None:
        return ()
    for english, spanish in _KIND_NOUNS:
        if found := _of_kind(match.group("kind"), english, spanish):
            return found
    return ()


def plan_instrument(name: str, instruments: tuple[str, ...], either_name: bool = True) -> str:
    """The plan's own instrument a spoken name means: "the guitar" is the electric guitar
    of a rock plan, "el bajo" its upright bass; with ``either_name``, "the violin" is a
    country plan's fiddle (not for an instrument added: "put a violin on it" adds one)."""
    if name in instruments:
        return name
    if either_name and (alike := other_name(name)) in instruments:
        return alike  # "remove the violin" from a country plan's fiddle
    last = name.split()[-1]
    return next((i for i in instruments if i.split()[-1] == last), name)


#: the generic word for a kind of instrument, en and es ("the bass", "el bajo")
_GENERIC_WORDS = {"bass": "bass|bajo", "guitar": "guitar|guitarra"}
_QUALIFIED = (r"(?<!upright )(?<!double )(?<!acoustic )(?<!electric )(?<!nylon )(?<!spanish )"
              r"(?<!classical )(?<!bass )")


def _said_generically(name: str, folded: str) -> bool:
    """Whether the words name ``name``'s kind only ("add a bass": whichever bass the plan
    has), not that very instrument ("agrégale un contrabajo": the upright bass)."""
    words = _GENERIC_WORDS.get(name.split()[-1])
    if words is None:  # "a piano" may be the plan's electric piano; "an electric piano" is one
        return len(name.split()) == 1
    return re.search(
        rf"{_QUALIFIED}\b(?:{words})\b(?!\s+(?:electric\w*|acoustic|electrica|electrico|acustic[ao]"
        rf"|espanola|clasica))", folded) is not None


def _change_instruments(plan: MusicPlan, folded: str) -> MusicPlan:
    """Swap, drop removed instruments, bring "more X" to the front (featured), add the rest."""
    swaps = tuple((plan_instrument(old, plan.instruments), new) for old, new in find_swaps(folded))
    swapped_names = {name for pair in find_swaps(folded) for name in pair}
    current = tuple(dict.fromkeys(dict(swaps).get(i, i) for i in plan.instruments))
    current += tuple(new for _, new in swaps if new not in current)
    removed = tuple(plan_instrument(n, current) for n in _removals(folded)
                    if n not in swapped_names) or _removed_by_pronoun(folded, current) \
        or _named_out(folded, current)
    featured = [plan_instrument(n, current) for n in _cued_instruments(folded, _FEATURE_CUES)]
    featured = [n for n in dict.fromkeys(featured) if n not in removed]
    named = [plan_instrument(n, current, either_name=False) if _said_generically(n, folded) else n
             for n in find_instruments(folded) if n not in swapped_names]
    taken = removed + tuple(featured)
    instruments = featured + [n for n in current if n not in taken]
    # a name removed or featured under the plan's other name for it is no new instrument
    instruments += [name for name in named if name not in instruments
                    and name not in removed and other_name(name) not in taken]
    solo = _solo(folded)
    return plan.replace(instruments=tuple(plan_instrument(n, current) for n in solo) or tuple(instruments))


def _removals(folded: str) -> tuple[str, ...]:
    """The instruments a removal cue names, as the request says it at last: "take out the
    bass, oh no, leave the bass, take out the synth" and "remove the piano, no wait, the
    guitar" remove only the second."""
    parts = correction(folded)
    if parts is not None and _ends_removing(parts[1]):
        before, _clause, _after, said = parts
        found = _cued_instruments(f"{before} {said}", _REMOVE_CUES)
        if found or re.search(rf"\b{_REMOVE_CUES}", said):
            return found
        if len(said.split()) <= 5:  # "no wait, the guitar": the cue said once, before it
            return tuple(listed_instruments(said))
    return _cued_instruments(folded, _REMOVE_CUES)


def _ends_removing(clause: str) -> bool:
    """Whether the last instrument cue of ``clause`` removes: "quítale la trompeta y ponle
    un clarinete" ends adding, so what corrects it corrects the clarinet."""
    clause = re.sub(r"(?:\W+(?:no|nah|naw|nope|sorry|perdon|wait|espera))+\W*$", "", clause)  # the take-back
    removal = [m.start() for m in re.finditer(rf"\b{_REMOVE_CUES}(?![a-z])", clause)]  # not "now"
    adding = [m.start() for m in re.finditer(_ADD_CUES, clause)]
    return bool(removal) and (not adding or max(removal) > max(adding))


#: a removal of an instrument named earlier: "the sax is annoying, remove it", "el piano, quítalo"
_REMOVE_IT = (r"\b(?:remove|lose|drop|kill|mute|ditch|get rid of|take out|cut) (?:it|that|them)\b"
              r"|\btake (?:it|that|them) out\b|\b(?:quita|saca|elimina|quite|saque|elimine)(?:le)?l[oa]s?\b"
              r"|\b(?:bin|ditch|lose) (?:it|that|them)\b"  # "sacala" (voseo) too
              r"|\b(?:quita|saca)sel[oa]s?\b"  # "así que quítasela"
              r"|\btek (?:it|them|that) out\b|\b(?:quita|quite|saca|saque)(?:me|le|nos)? (?:eso|esto)\b")


#: an instrument sent out at the start of a clause: "sax out already, not nice", "drums out"
_OUT = r"(?:^|[,.;!?]\s*)(?:the\s+|di\s+)?([a-z]+(?:\s+[a-z]+)?)\s+(?:out|gone|are gone|is gone)\b"


def _named_out(folded: str, current: tuple[str, ...]) -> tuple[str, ...]:
    """The instruments a clause sends out by naming them first ("sax out")."""
    return tuple(plan_instrument(name, current) for match in re.finditer(_OUT, folded)
                 for name in find_instruments(match.group(1)))


def _removed_by_pronoun(folded: str, current: tuple[str, ...]) -> tuple[str, ...]:
    """The one instrument named before a removal by a pronoun, if exactly one: "the sax
    is too loud, take it out and put a trumpet there" removes the sax."""
    removal = re.search(_REMOVE_IT, folded)
    named = find_instruments(folded[:removal.start()]) if removal else ()
    if len(named) != 1:
        return ()
    return (plan_instrument(named[0], current),)


_ARTICLES = r"(?:(?:the|a|an|el|la|los|las|un|una)\s+)?"
#: verbs that bring an instrument in ("y ponle un clarinete", "and add a flute")
_ADD_CUES = (r"\b(?:add|put|throw|stick|chuck|bring|pon|ponle|ponme|agrega\w*|anade\w*|mete\w*|metale|suma\w*"
             r"|with|con)\b")
_ADDS = r"\b(?:add|put in|bring in|anade\w*|agrega\w*|mete\w*)\b"  # "just add a flute"
#: a verb that adds to the clip playing, "throw in" and "échale" too ("échale un piano de esos
#: de house"; reading.py tells such an edit from a new piece by it)
ADDS_TO_IT = rf"{_ADDS}|\b(?:throw in|stick in|chuck in|echale|echele|ponle|ponele|pongale)\b"
#: "only"/"solo" may come before the verb that keeps: "solo deja la guitarra", "just keep the drums"
_KEEP_VERB = r"(?:(?:deja\w*|keep|leave|manten\w*|quedate con|conserva\w*|want|quiero)\s+)?"
_SOLO = (rf"\b(?:only|just|solo|solamente|unicamente|nothing but)\s+{_KEEP_VERB}{_ARTICLES}"
         rf"(?P<after>.+)"
         # the verb first: "deja nomás el acordeón y el bajo", "quédate solo con el piano",
         # "keep only the drums", "leave just the bass"
         rf"|\b(?:deja\w*|keep|leave|manten\w*|quedate|conserva\w*)\s+(?:only|just|solo"
         rf"|solamente|nomas|nada mas|unicamente)\s+(?:con\s+)?{_ARTICLES}(?P<kept>.+)"
         rf"|(?P<before>.+?)\s+(?:only|alone|nada mas)\s*$")  # "a piano solo" is a feature


def _solo(folded: str) -> tuple[str, ...]:
    """The instruments of "piano only", "just the drums and bass", "solo piano y voz":
    the only ones to keep; () when the words right after "just"/"only" are no
    instrument ("just add a flute", "only a little faster")."""
    # "quítale todo menos el piano", "remove everything but the drums": only those stay
    folded = re.sub(r"\b(?:quita\w*|saca\w*|remove|take out|get rid of|drop|strip)\s+(?:todo|everything|all)"
                    r"\s+(?:lo demas\s+|else\s+)?(?:menos|excepto|salvo|but|except(?: for)?)\s+", "solo ", folded)
    # "remove everything except the guitar, and add a harmonica": the guitar stays alone,
    # and the harmonica joins it
    folded, *added = re.split(rf",?\s+(?:and|y)\s+(?={_ADDS})", folded, maxsplit=1)
    match = re.search(_SOLO, folded.strip(" .!?,"))
    if match is None or re.search(_ADDS, folded):
        return ()
    words = (match.group("after") or match.group("kept") or match.group("before")).split()
    lead = " ".join(words[-2:]) if match.group("before") else " ".join(words[:2])
    if not find_instruments(lead):
        return ()
    return tuple(dict.fromkeys(find_instruments(" ".join(words)) + find_instruments(" ".join(added))))


def _said_mood(plan: MusicPlan, folded: str) -> MusicPlan:
    """A mood named outright ("make it sad", "ponla alegre") when no comparative rule
    matched."""
    mood = find_mood(folded) or find_mood(re.sub(r"(\w\w+)ier\b", r"\1y", folded))  # groovier
    return _with_mood(plan, mood, folded)


def _with_mood(plan: MusicPlan, mood: str | None, folded: str) -> MusicPlan:
    """``plan`` in ``mood``; the mode follows the mood unless a mode was named too, or
    everything else is to stay ("more melancholic, but keep everything else as is")."""
    if mood is None or mood == plan.mood:
        return plan
    names_mode = re.search(r"\b(?:major|minor|mayor|menor)\b", folded) is not None
    if names_mode or re.search(_KEEP_ALL, folded) or mood not in MINOR_MOODS | MAJOR_MOODS:
        return plan.replace(mood=mood)
    return plan.replace(mood=mood, mode="minor" if mood in MINOR_MOODS else "major")


def _only_the_mood(original: MusicPlan, edited: MusicPlan, folded: str) -> MusicPlan:
    """A mood asked with everything else kept ("more melancholic, but keep everything else
    as is"): the tempo, key and mode it would bring stay as they were, unless named."""
    names_tempo = find_bpm(folded) or bpm_step(folded) or tempo_direction(folded)
    names_key = find_key(folded)[0] or re.search(r"\b(?:major|minor|mayor|menor)\b", folded)
    return edited.replace(bpm=edited.bpm if names_tempo else original.bpm,
                          key=edited.key if names_key else original.key,
                          mode=edited.mode if names_key else original.mode)


def _first_match(plan: MusicPlan, folded: str, rules: tuple[Rule, ...]) -> MusicPlan:
    for pattern, change in rules:
        match = re.search(pattern, folded)
        if match:
            changed = change(plan, match)
            if changed is not _NO_CHANGE:
                return changed
    return plan


#: a mood asked as a scene the clip should sound like: "make it feel like driving home
#: alone at night", "que suene a tarde de verano", "dale un aire como de domingo de
#: resaca", "póngale más sabor a noche de lluvia", "que se sienta como una persecución";
#: a request verb comes first, so "that sounds like a party!" describes, asks nothing
_SCENE_FRAME = (r"\b(?:make it|make this|turn it|can it|could it|should|let it|give it|hazl[oa]|hacel[oa]"
                r"|hagal[oa]|ponel[oa]|ponl[oa]|volvel[oa]|dale|dele|darle|ponle|ponele|pongale|echale|que)\b"
                r"[^.!?]{0,30}?\b(?:sound|feel|seem|like|vibe|feeling|mood|suene|se sienta|sienta|parezca"
                r"|transmita|aire|sabor|onda|ambiente|como)\b"
                # the rest after a leading "dale" (read as an okay): "un aire de cumpleaños"
                r"|^\W*(?:un|una|mas|more|a|some)\s+(?:\w+\s+)?(?:aire|sabor|onda|ambiente|vibe|feel)\b")


def scene_edit_mood(text: str) -> str | None:
    """The mood of a scene the clip is asked to sound like ("make it sound like a block
    party" -> happy), or None when no scene is framed as one."""
    folded = fold(text)
    return scene_mood(folded) if re.search(_SCENE_FRAME, folded) else None


def names_an_edit(text: str) -> bool:
    """Whether ``text`` uses any phrasing these rules read as an edit ("speed it up",
    "get rid of the sax", "swap X for Y", "more piano", "in E flat", "thirty seconds"),
    so callers need no second list."""
    folded = fold(text)
    patterns = [pattern for group in RULES for pattern, _ in group if pattern != ".+"]
    patterns += [rf"\b{_REMOVE_CUES}\s", rf"\b{_FEATURE_CUES}\s", _SWAP, _INSTEAD]
    readers = (find_bpm, bpm_step, find_duration, tempo_direction, lambda t: find_key(t)[0])
    return any(re.search(pattern, folded) for pattern in patterns) or any(
        read(text) for read in readers) or scene_edit_mood(text) is not None


def apply_refinement(plan: MusicPlan, text: str) -> MusicPlan:
    """``plan`` changed as ``text`` asks; fields the text does not touch are kept.

    English and Spanish: tempo (faster, más lento, 140 bpm), mood and mode (darker,
    sadder, más alegre, calmer), instruments (more piano, con flauta, sin batería),
    length (longer, 30 segundos), key (another key, en re menor, higher), genre
    (as a tango) and a new variation (another one, otra versión). "More X" moves X to
    the front of the instruments, where the composer features it.
    """
    text = as_tu(text)  # "súbale", "sáquele": usted's commands read as tú's
    folded = fold(text)
    original = plan
    genre = find_genre(folded)
    if genre and genre != plan.genre:
        plan = _new_genre(plan, re.search(".*", folded))
    corrected = fold(as_corrected(text))  # "más alegre... no, mejor más romántico": romantic
    for index, group in enumerate(RULES):
        changed = _first_match(plan, corrected, group)
        if index == _MOOD_RULES and changed == plan:
            changed = _said_mood(plan, corrected)
        plan = changed
    if plan.mood != original.mood and re.search(_KEEP_ALL, corrected):
        plan = _only_the_mood(original, plan, corrected)
    edited = _change_instruments(plan, folded)  # instruments read their corrections themselves
    if edited == original and find_mood(folded) is None:  # nothing else asked, no mood
        return _with_mood(original, scene_edit_mood(text), folded)  # named: a scene may say it
    return edited
