"""Mishearings of a music request, mended against the music vocabulary.

Whisper base writes the ordinary words that sound like the music words it did not expect:
"con trabajo" for "contrabajo", "violon cielo" for "violonchelo", "adharmonica" for "add
harmonica", "convierte la embosa nova" for "conviértela en bossa nova", "any minor" for
"in E minor", "and see major" for "in C major", "and do that" for "undo that",
"cuárdalo" for "guárdalo". Read as written, such a request asks for the wrong key, misses
its instrument or is not a command at all. :func:`mend` puts back the music word where
the misheard one cannot be anything else in a request to a music assistant:

- **vocabulary words split, glued or one letter off**: two words that join into an
  instrument or genre name, a word that is a short prefix ("ad", "en") glued to one, or
  a long word one letter from one;
- **key names** after "in": a letter Whisper spelled as a word ("see", "any", "bee")
  just before major/minor/flat/sharp;
- **command words** at the start of the request: "and do" / "on do" for "undo", "at it
  to" for "add it to", and a Spanish command verb whose first consonant came out voiced
  or unvoiced ("pájale" for "bájale").

Only recognised speech is mended; typed words are taken as written. The mended text is
what every later stage reads; the words as heard are logged.
"""

from __future__ import annotations

import logging
import os.path
import re
from dataclasses import replace
from functools import lru_cache

from voice_agent.core.language import filler_words
from voice_agent.core.plan import MOOD_WORDS
from voice_agent.core.types import Transcript
from voice_agent.core.vocabulary import INSTRUMENTS, STYLES, find_genre, find_instruments, fold

log = logging.getLogger(__name__)

#: words said before a command that do not change it ("hmm, nah, undo that")
_FILLERS = (rf"(?:{filler_words('no', 'nah', 'nope', 'a ver', 'ya', 'porfa', 'bo', 'wey', 'güey', 'hip')}"
            r"[,.!?]?\s+)*")
#: a letter of the key spelled as the word it sounds like
_LETTER_WORDS = {"see": "C", "sea": "C", "c": "C", "bee": "B", "be": "B", "b": "B",
                 "dee": "D", "de": "D", "d": "D", "gee": "G", "g": "G", "eff": "F", "ef": "F",
                 "f": "F", "e": "E", "a": "A", "ay": "A"}
#: "and see major", "and b-flat", "and de-dorian": "in" heard as "and", the letter as a word
_KEY = re.compile(r"\b(?:in|and|an|on|en)\s+(see|sea|bee|be|dee|de|gee|eff|ef|ay|[a-g])[\s-]+"
                  r"(major|minor|flat|sharp|dorian|lydian|mixolydian|phrygian|aeolian|ionian)\b",
                  re.IGNORECASE)
#: "any minor", "any flatt", "indeed major", "in the flat": "in E" / "in D" run together
_RUN_TOGETHER_KEY = re.compile(r"\b(any|indeed|indie|in the|and the|and(?=\s+(?:major|minor)\s*(?:[,.!?]|$"
                               r"|about|around|at|please)))\s+(major|minor|flat|sharp)t?\b", re.IGNORECASE)
_RUN_TOGETHER = {"any": "E", "indeed": "D", "indie": "D", "in the": "E", "and the": "E",
                 "and": "A"}  # "and minor, about 120": "in A minor"
#: "an F," / "and A, around 70" / "and e, at around 90": a note letter after "an"/"and",
#: where a request says its key ("in F"); a lower-case "and a," is the article
_NOTE_AFTER_AND = re.compile(r"(?<![A-Ga-g] )\b(?:an|and|on)\s+([A-G]|[b-g])(?=\s*(?:[,.!?;]|$|\s+(?:major|minor"
                             r"|flat|sharp|with|please|around|at|and)\b))")
#: Spanish "a re menor" heard "arre menor": the preposition glued to the note
_GLUED_SPANISH_NOTE = re.compile(r"\ba(rre|re|mi|fa|sol|la|si|do)(?:\s+(mayor|menor|bemol|sostenido)"
                                 r"|(mayor|menor))\b", re.IGNORECASE)  # "arremenor": all one word
#: "en remenor", "solmayor": a Spanish note run together with its mode
_GLUED_NOTE_MODE = re.compile(r"\b(do|re|mi|fa|sol|la|si)(mayor|menor)\b", re.IGNORECASE)
#: "about 6 to 5 bpm": "sixty-five" written as two digits with "to" between
_DIGITS_AS_TENS = re.compile(r"\b([1-9]) to ([0-9])(?=\s*(?:bpm|beats)\b)", re.IGNORECASE)
#: "in E" heard "and knee" / "now knee flat" (the only knee in a music request)
_KNEE = re.compile(r"\b(?:(now)\s+|(?:and|an|in|on)\s+)knee\b", re.IGNORECASE)
#: "la más mayor": "la bemol mayor" (más is no key word between a note and its mode)
_MAS_AS_BEMOL = re.compile(r"\b(do|re|mi|fa|sol|la|si)\s+m[aá]s\s+(mayor|menor)\b", re.IGNORECASE)
#: "a 22nd loop": "a 20-second loop"
_NTH_AS_SECONDS = re.compile(r"\b([2-5])2nd(?=\s+(?:loop|clip|track|piece|song|one|version)\b)",
                             re.IGNORECASE)
_FLATT = re.compile(r"\b(in [A-G]) flatt\b", re.IGNORECASE)
#: Spanish keys heard as other words: "Rema York" / "Solma York" ("re mayor", "sol
#: mayor"), "si vemos mayor" ("si bemol mayor"), "en 2 mayor" ("en do mayor": "dos")
_MAYOR_AS_YORK = re.compile(r"\b(do|re|mi|fa|sol|la|si)\s?ma\s+(?:york|llor|yor)\b", re.IGNORECASE)
_BEMOL = re.compile(r"\b(do|re|mi|fa|sol|la|si)(?:\s?[bv]em[oó]n\b|\s+(?:vemos|bemos|vemole|bemole|vemol|bemo|bemoles)"
                    r"|[bv]emol)\b", re.IGNORECASE)  # "Sivemol": run together too
_DO_AS_TWO = re.compile(r"\b(en|a|tono de)\s+(?:2|dos)\s+(mayor|menor|sostenido)(?:es)?\b", re.IGNORECASE)
#: "en solo menor": "sol menor" ("solo" is never a key)
_SOLO_AS_SOL = re.compile(r"\b(en|a|de)\s+solo\s+(mayor|menor)\b", re.IGNORECASE)
#: "115 btm": the tempo's unit misheard
_BPM = re.compile(r"\b(\d{2,3})\s*(?:btm|bpn|vpm|bbm|bgm|beat dm|b pm)(?![a-z])", re.IGNORECASE)
#: "some EDM ..., 128 EDM": after a number, a second "EDM" is the tempo's unit
_EDM_AS_BPM = re.compile(r"(?<=\bedm\b)(.*?\b\d{2,3})\s*edm\b", re.IGNORECASE)
#: "Y sube la 85": "súbela a 85" (a tempo, not "the 85")
_VERB_LA_NUMBER = re.compile(r"\b(sub|baj)e\s+la\s+(?:a\s+)?(\d{2,3})\b", re.IGNORECASE)
#: "en mí a 135": "mí" (me) before a tempo is the note E ("en mi, a 135")
_MI_ACCENTED = re.compile(r"\ben m[íi]\s+(?=a\s+\d)", re.IGNORECASE)
#: a word for the listener after an undo heard "and do that": "..., and do that, man"
_LISTENER = r"man|mate|bro|dude|pal|love"
#: "and do (that)" as the whole of a clause, or of a request after a few small words:
#: "undo that" ("hip, not, and do that.", "not and do that", "actually know and do.")
_UNDO = re.compile(rf"(^(?:(?:no|not|nah|now|know|nope|actually|hmm+|uh|um|ok|okay|oh|well|yeah"
                   r"|wait|sorry|please|just)[,.!?]?\s+){0,3}|[,.!?;]\s*)(?:and|an|on|un|in)\s+(?:do|you|new)\b"
                   r"(?=(?:\s+(?:that|it|this|the)(?: last(?: one| change| thing| edit)?)?)?"
                   rf"(?:[\s,]+(?:please|{_LISTENER}|bru|boet|buddy|mon))?"  # "agno, ..., and do that, man"
                   # the undo ends the request, or a reason follows it: "and do that, it was better"
                   r"(?:[\s,.!?]*$|\s*[,.;!?]\s+(?:it|that|this|i|because|cos|cause)\b))",
                   re.IGNORECASE)
_ADD_TO = re.compile(rf"^({_FILLERS})(?:at|ad|and)\s+(that|it|this)\b(?=(?:\s+(?:one|song|track))?"
                     r"\s+(?:to|in|into)\b)", re.IGNORECASE)
#: "at a choir, no hang on": "add" heard as "at" before an instrument's name
_AT_INSTRUMENT = re.compile(rf"^({_FILLERS})at\s+(?=(?:an?|some)\s+(\w+(?:\s+\w+)?))", re.IGNORECASE)
#: "sorry, see minor only", "move it down to sea": a letter said as a word where a key
#: ends its clause (the "in" left out)
_LETTER_KEY = re.compile(r"(?<=[,.!?] )(see|sea|bee|dee|gee)\s+(major|minor)\b"
                         r"|\b(?:down|up|over)\s+to\s+(see|sea|bee|dee|gee)(?=\s*(?:[.!?,]|$))", re.IGNORECASE)
#: "a si bemol" heard "y bemol"
_Y_BEMOL = re.compile(r"\b(?:a\s+)?y\s+(bemol|sostenido)\b", re.IGNORECASE)
#: "throwing some congas": "throw in" run together
_THROWING = re.compile(r"\bthrowing\s+(?=(?:some|a|an|the)\b)", re.IGNORECASE)
#: "chuck it on a playlist" heard "check it on a playlist"
_CHECK_IT_ON = re.compile(r"\bcheck\s+(?=(?:it|that|this)\s+(?:on|in|into|onto|to)\s+(?:a|my|the)\s+"
                          r"(?:\w+\s+)?play\s?list\b)", re.IGNORECASE)
#: "now add ten seconds" heard "now at ten seconds"
_AT_SECONDS = re.compile(r"\b(now|then|and|just)\s+at\s+(?=\w+\s+(?:more\s+)?seconds?\b)", re.IGNORECASE)
#: "agrégala a mi playlist" heard "agrega la mi play list"
_VERB_LA_MI = re.compile(r"\b(agrega|añade|anade|guarda|mete|pon)\s+l([ao])\s+(mi|tu)\b", re.IGNORECASE)
#: "ponla un pelín más rápida" heard "por la un pelín..."
_POR_LA = re.compile(r"\bpor la (?=(?:un (?:pel[ií]n|poco|poquito|toque)|m[aá]s)\b)", re.IGNORECASE)
#: "flow it down a little": "slow" (nothing else flows down in a request)
_FLOW_DOWN = re.compile(r"\bflow(?=\s+(?:it|this|that|things|the tempo)?\s*down\b)", re.IGNORECASE)
_AD = re.compile(r"\bad\b(?=\s+\w)", re.IGNORECASE)
#: English words Whisper writes for a music word: "swap the piano out for roads" (a Rhodes),
#: "sick that on my playlist" ("stick")
_ENGLISH_WORDS = ((re.compile(r"\b((?:for|some|with|add)\s+(?:an?\s+|the\s+)?)roads(?=\s*(?:$|[,.!?]|and\b))",
                              re.IGNORECASE), r"\1rhodes"),
                  (re.compile(r"^(\W*(?:\w+\W+){0,2}?)sick(?=\s+(?:it|that|this|that one)\s+(?:on|in|to|into)\b)",
                              re.IGNORECASE), r"\1stick"),
                  # "put a harmonica in" heard "put a harmonic in": the article before it
                  (re.compile(r"\b((?:a|the|some)\s+)harmonic(?=\s+(?:in|on|instead|too|as well|and|to)\b|\s*(?:[,.!?]|$))",
                              re.IGNORECASE), r"\1harmonica"),
                  # "can you chuck a trombone on it" heard "check a trombone on it"
                  (re.compile(r"\bcheck(?=\s+(?:an?|some|the)\s+\w+(?:\s+\w+)?\s+(?:on|in)\b)",
                              re.IGNORECASE), "chuck"),
                  # "No wait, leave it" heard "no weight, leave it"
                  (re.compile(r"^(\W*no,?\s+)weight(?=\s*[,.!])", re.IGNORECASE), r"\1wait"))
#: "bachata nova": "bossa nova" (no genre is called that)
_BACHATA_NOVA = re.compile(r"\bbachata\s+nova\b", re.IGNORECASE)
#: "make it one four minute": "one full minute"
_FULL_MINUTE = re.compile(r"\b(one|a)\s+four\s+minute\b", re.IGNORECASE)
#: "Súbale a 98C": "a 98, ¿sí?", the "sí" written as the letter it sounds like
_NUMBER_SI = re.compile(r"\b(\d{2,3})C\b")
#: "asme la misma": "hazme" without its h and with a seseo s
_SESEO_VERBS = {"asme": "hazme", "aslo": "hazlo", "asla": "hazla", "asmela": "házmela",
                "hasme": "hazme", "haslo": "hazlo", "hasla": "hazla"}
_SESEO = re.compile(rf"\b(?:{'|'.join(_SESEO_VERBS)})\b", re.IGNORECASE)
#: "quítasela" heard "quítacela": the seseo "s" of "se" written "c" after a command verb
_CELA = re.compile(r"\b((?:qu[ií]t|s[aá]c|p[oó]n|agr[eé]g|a[nñ][aá]d|c[aá]mbi|b[aá]j|s[uú]b|d[eé]j|m[eé]t)[aei])"
                   r"c(el[oa]s?)\b", re.IGNORECASE)
#: "como a noventa" heard "como anoventa": the "a" glued to the tempo said in words
_GLUED_A_NUMBER = re.compile(r"\ba(noventa|ochenta|setenta|sesenta|cincuenta|cien|ciento)\b", re.IGNORECASE)
#: "mejor cancelá eso" heard "mejor cancelar eso": a voseo command written as its
#: infinitive, at the start of a clause with what it acts on after it
_VOSEO_AS_INFINITIVE = re.compile(r"((?:^|[,.!?]\s*|\bmejor\s+|\bahora\s+))(cancel|borr|guard|anul|quit|sac"
                                  r"|baj|sub|cambi|agreg)ar\b(?=\s+(?:eso|esto|todo|la|lo|el|los|las)\b)",
                                  re.IGNORECASE)
#: "en si bemol menor" heard "en si bemol el menor": an article between the note and its mode
_ARTICLE_BEFORE_MODE = re.compile(r"\b(bemol|sostenido)\s+el\s+(mayor|menor)\b", re.IGNORECASE)
#: "un poquito más despacio" heard "un poquito más de espacio" (no space is asked of music)
_DE_ESPACIO = re.compile(r"\b(m[aá]s|menos|bien|muy)\s+de\s+espacio\b", re.IGNORECASE)
#: "¿me la cambias a fa?" heard "me la cambias a far": the note with an English r
_FAR = re.compile(r"\b(a|en)\s+far\b(?=\s*(?:[,.!?]|$|mayor|menor|sostenido|bemol))", re.IGNORECASE)
#: "que suene épica" heard "que suena épica": a wish, written as what it does, before a mood
_QUE_SUENA = re.compile(r"^(\W*(?:y\s+|ahora\s+|bueno,?\s+)?)que suena\s+(?=(?:(?:mas|más|un poco|bien)\s+)?(\w+))",
                        re.IGNORECASE)
#: "Bale, repítela": "Vale" with the b/v Spanish does not tell apart
_BALE = re.compile(r"^(\W*)bale\b", re.IGNORECASE)
#: "guarda la amilista de flamenqueo": "a mi lista" run together
_AMILISTA = re.compile(r"\bamilista\b", re.IGNORECASE)
#: "a cien" heard "hacién" ("con congas, hacién en sol menor"), "asien", or "así en" before
#: "por minuto" or at the end
_A_CIEN = re.compile(r"\bhaci[eé]n\b|\bas[ií]en\b|\bas[ií] en(?=\s+(?:por minuto|bpm|pulsaciones)\b"
                     r"|\s*[.!?]?\s*$)", re.IGNORECASE)
#: Spanish command verbs a request starts with, and the first consonants Whisper confuses
#: (voiced / unvoiced): "cuárdalo" is "guárdalo", "pájale" is "bájale"
_SPANISH_COMMANDS = ("guárdalo", "guárdala", "guárdela", "guárdelo", "guarda", "bájale",
                     "bájala", "bájalo", "bájele", "baja", "dale", "deshaz", "déjalo",
                     "déjala", "deja", "vuelve", "gírala", "tócala", "tócalo", "toca", "pásalo",
                     "pásala", "pon", "ponle", "ponla", "ponlo", "quita", "quítale", "cambia",
                     "cámbiale", "guárdame", "guárdamela", "guárdeme", "guárdemela", "súbele",
                     "súbale", "súbela", "súbelo", "sube", "subile", "bajale", "vuelva")
#: words of assent said before a command ("Eso, guárdela", "Listo, bájale"); the word
#: after them is mended only when it is a misheard command verb, which no word is
_INTERJECTIONS = frozenset({"eso", "listo", "perfecto", "genial", "si", "bien", "buenisimo"})
_VOICING = {"g": "ck", "b": "pv", "d": "t", "t": "d", "p": "b", "v": "fpb", "q": "k"}
#: misheard forms that are words of their own ("cuarta versión", "teja")
_REAL_WORDS = frozenset({"cuarta", "teja"})
#: short words Whisper glues to the music word after them ("adharmonica", "embosa")
_PREFIXES = {"add": "add", "ad": "add", "and": "and", "an": "an", "in": "in", "en": "en",
             "em": "en", "con": "con", "com": "con", "a": "a"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _is_mood_word(word: str) -> bool:
    """Whether ``word`` names a mood (core.plan.MOOD_WORDS), a Spanish plural too."""
    folded = fold(word)
    return any(folded in (fold(w), fold(w) + "s") for words in MOOD_WORDS.values() for w in words)


def mend_transcript(transcript: Transcript) -> Transcript:
    """``transcript`` with its mishearings of music words mended (see :func:`mend`), in
    its words and in the recogniser's alternatives."""
    mended = mend(transcript.text, transcript.language)
    # mending may make an alternative the words themselves ("contrompetas" / "con trompetas")
    alternatives = tuple(a for a in dict.fromkeys(mend(a, transcript.language)
                                                  for a in transcript.alternatives)
                         if a.lower() != mended.lower())
    if mended == transcript.text and alternatives == transcript.alternatives:
        return transcript
    if mended != transcript.text:
        log.info("heard %r, read as %r", transcript.text, mended)
    return replace(transcript, text=mended, alternatives=alternatives)


#: "cambia el tono así menor": "a si menor" (no other "así" comes before a mode)
_ASI_MODE = re.compile(r"\bas[ií]\s+(menor|mayor)\b", re.IGNORECASE)
#: "más lenta y indómenor": "en do menor", the "en" heard as "in" and glued on; "pon la
#: enré mayor": "en re mayor", the "en" glued on
_IN_GLUED_NOTE = re.compile(r"\b(?:in|en)(d[oó]|r[eé]|m[ií]|f[aá]|s[oó]l|l[aá]|s[ií])\s*(m[eé]nor|mayor)\b",
                            re.IGNORECASE)
#: "98BDN", "120 BPN": beats per minute, its letters misheard
_BPM_LETTERS = re.compile(r"\b(\d{1,3}|(?:one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty"
                          r"|thirty|forty|fifty))\s*(?:bdn|bdm|bpn|btm|vpm)\b"  # "make it ten bdm faster"
                          # "at 128 p.m.": no hour of the day is past 24
                          r"|\b((?:2[5-9]|[3-9]\d|[12]\d\d))\s*p\.?\s?m\b\.?", re.IGNORECASE)
#: "and gene major": "in G major"
_GENE_KEY = re.compile(r"\b(?:and|in)\s+gene\s+(major|minor)\b", re.IGNORECASE)
#: "strings and a harp, in D major" heard "... and demajor": the letter glued to its mode
_GLUED_ENGLISH_KEY = re.compile(r"\b(?:in|and|an|on)\s+(dee|de|d|see|c|e|gee|g|bee|b|ay|a|eff|f)(major|minor)\b",
                                re.IGNORECASE)
#: "Póngala en sol menor" heard "Ponga la enzol menor": "en sol" run together, the pronoun
#: written apart from its verb before a key
_EN_SOL = re.compile(r"\b(?:en[sz]ol|en\s+zol)\b(?=\s+(?:mayor|menor)\b)", re.IGNORECASE)
_VERB_APART_KEY = re.compile(r"\b(ponga|p[oó]n|pasa|pase|d[eé]ja|deje)\s+(l[ao])\s+"
                             r"(?=en\s+(?:do|re|mi|fa|sol|la|si)\b)", re.IGNORECASE)
#: "en si bemol mayor" heard "encibe mol mayor": the note's "be" glued to it, "mol" apart
_SPLIT_BEMOL = re.compile(r"\b(en|a)?(do|re|mi|fa|sol|la|si|ci)\s?be\s?mol\b", re.IGNORECASE)
#: "actually nah, make it a choir" heard "actually not, make it a choir": a take-back
_ACTUALLY_NOT = re.compile(r"\b(actually|wait)\s+not(?=\s*,\s*(?:make|put|add|use|swap|change|give|go with"
                           r"|i mean|let s|let's|lets|just|rather|a|an|some|the)\b)", re.IGNORECASE)
#: "a sitar... nah, make that a flute" heard "a sitar or not, make that a flute", and "no,
#: no, a flute" heard "know, know, a flute": a take-back before the words that replace
_OR_NOT = re.compile(r",?\s+or not(?=\s*,\s*(?:make (?:that|it)|i mean|put|use|give|go with|rather)\b)",
                     re.IGNORECASE)
_KNOW_KNOW = re.compile(r"\bknow,?\s+know\b", re.IGNORECASE)
#: "round eight to five beats", "around 7 to 5": a tempo's tens and units heard as a range
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9}
_TENS_AS_RANGE = re.compile(r"\b((?:a?round|about|at|like)\s+)([2-9]|two|three|four|five|six|seven|eight|nine)"
                            r"\s+to\s+([1-9]|one|two|three|four|five|six|seven|eight|nine)"
                            r"(?=\s*(?:[,.!?]|$|beats|bpm))", re.IGNORECASE)
#: "one thirty-five bpm" heard "1-3-5 BPM": a tempo's digits spelled out one by one
_SPELLED_DIGITS = re.compile(r"\b([12])-(\d)-(\d)(?=\s*(?:bpm|beats)\b)", re.IGNORECASE)
#: "versions one and three, one after the other" heard "versions 1 & 3, 1 after the other"
_AMPERSAND = re.compile(r"(?<=\d)\s*&\s*(?=\d)")  # between numbers only ("R&B" stays)
_ONE_AFTER = re.compile(r"\b1 after (?=(?:the )?other\b|another\b)", re.IGNORECASE)
#: "and deminer please": "in D minor"
_D_MINOR = re.compile(r"\b(?:and|in)\s+(?:deminer|deminor|diminor|dminor)\b", re.IGNORECASE)
#: English "around a hundred and fifteen" heard "rumba 115": no rumba comes before a bare number
_RUMBA_NUMBER = re.compile(r"\brumba\s+(?=\d{2,3}\b)", re.IGNORECASE)
#: "could you redo that" heard "could you read you that"
_READ_YOU = re.compile(r"\bread you (that|it|this)\b", re.IGNORECASE)
#: "kinda muddy. Undo that." heard "kind of muddy and do that.": "and do that" ending a request
_UNDO_AT_END = re.compile(rf"(?<=\w)\s+(?:and|an)\s+do\s+that(?=(?:[\s,]+(?:{_LISTENER}))?"
                          r"[\s,.!?]*$)", re.IGNORECASE)
#: "around 140, in F" heard "around 140, NF": "in" and the note run into two capitals
_N_NOTE = re.compile(r"(?<=[,?.\d] )N([A-G])(?=\s*(?:[,.!?]|$|\s+(?:major|minor|flat|sharp)\b))")
#: English words Whisper writes for a request's words: "another in the same bane" (vein),
#: "marimba and condos" (congas)
_ENGLISH_SOUNDALIKES = ((re.compile(r"\bsame bane\b", re.IGNORECASE), "same vein"),
                        (re.compile(r"\b(and|with|some|the)\s+condos\b", re.IGNORECASE), r"\1 congas"))
#: "one common ambient piece": "calm" before a style's name (no style is common)
_COMMON_STYLE = re.compile(r"\bcommon\s+(?=(\w+(?:[\s-]\w+)?))", re.IGNORECASE)
#: Spanish "house" as Whisper writes it from a Spanish voice: "un oce", "de Ouse", "una de ósea"
_HOUSE = re.compile(r"\b(un|una de|de|el|del)\s+(?:oce|ouse|ose|jaus|[oó]sea)\b", re.IGNORECASE)
#: Spanglish "save esta en mi playlist" heard "Sabé esta en mi playlist"
_SAVE_AS_SABE = re.compile(r"^(\W*)sab[eé]\s+(?=(?:esta|este|esto|la|lo)\s+(?:en|a)\s+(?:mi|la|una|tu)\s+"
                           r"(?:playlist|play list|lista)\b)", re.IGNORECASE)
#: "Ándale pues, pon la lista" heard "Andale pues con la lista": a playlist put on at the start
_CON_LA_LISTA = re.compile(r"^(\W*(?:(?:[aá]ndale|[oó]rale|pues|bueno|vale|dale|ya|oye|eso|listo|va|sale|ahora"
                           r"|y)\W+){0,3})con\s+(?=(?:la|mi)\s+(?:lista|playlist)\b)", re.IGNORECASE)
#: "córtala un poco" heard "corta la un poco": the pronoun written apart from its verb
_VERB_APART = re.compile(r"\b(corta|acorta|alarga|estira|baja|sube|acelera|frena|deja|pon|haz)\s+(l[ao])\s+"
                         r"(?=(?:un|una)\s+(?:poco|poquito|pel[ií]n|pelito|toque|chispito|pizca)\b)",
                         re.IGNORECASE)
#: "lose the harmonica" heard "blues the harmonica" (no style comes before "the" and a name)
_BLUES_THE = re.compile(r"\bblues\s+(?=the\s+(\w+(?:\s+\w+)?))", re.IGNORECASE)
#: "Compárame la versión dos" heard "Compáramela versión 2": the article glued to the verb
_GLUED_LA_VERSION = re.compile(r"\b(\w+me)la\s+(?=versi[oó]n\b)", re.IGNORECASE)


def mend(text: str, language: str = "en") -> str:
    """``text`` with the music words Whisper misheard put back (module docstring)."""
    text = _BPM_LETTERS.sub(lambda m: f"{m.group(1) or m.group(2)} bpm", text)
    text = _GENE_KEY.sub(lambda m: f"in G {m.group(1).lower()}", text)
    text = _D_MINOR.sub("in D minor", text)
    if not language.startswith("es"):
        text = _RUMBA_NUMBER.sub("around ", text)
        text = _READ_YOU.sub(r"redo \1", text)
        text = _N_NOTE.sub(r"in \1", text)
        text = _ACTUALLY_NOT.sub(r"\1 nah", text)
        text = _KNOW_KNOW.sub("no, no", _OR_NOT.sub(", nah", text))
        text = _SPELLED_DIGITS.sub(r"\1\2\3", text)
        text = _ONE_AFTER.sub("one after ", _AMPERSAND.sub(" and ", text))
        text = _TENS_AS_RANGE.sub(lambda m: m.group(1) + "".join(
            str(_UNITS.get(d.lower(), d)) for d in m.group(2, 3)), text)
        text = _GLUED_ENGLISH_KEY.sub(
            lambda m: f"in {_LETTER_WORDS[m.group(1).lower()]} {m.group(2).lower()}", text)
        for pattern, said in _ENGLISH_SOUNDALIKES:
            text = pattern.sub(said, text)
        text = _BLUES_THE.sub(lambda m: "lose " if find_instruments(m.group(1)) else m.group(0), text)
        text = _COMMON_STYLE.sub(lambda m: "calm " if find_genre(m.group(1)) else m.group(0), text)
    if language.startswith("es"):
        text = _ASI_MODE.sub(lambda m: f"a si {m.group(1).lower()}", text)
        text = _VERB_APART_KEY.sub(r"\1\2 ", _EN_SOL.sub("en sol", text))
        text = _SPLIT_BEMOL.sub(lambda m: f"{m.group(1).lower() + ' ' if m.group(1) else ''}"
                                          f"{m.group(2).lower().replace('ci', 'si')} bemol", text)
        text = _IN_GLUED_NOTE.sub(lambda m: f"en {fold(m.group(1))} {fold(m.group(2))}", text)
        if find_genre(text) is None:  # "una de ósea salsa" names its style already
            text = _HOUSE.sub(r"\1 house", text)
        text = _SAVE_AS_SABE.sub(r"\1save ", text)
        text = _CELA.sub(r"\1s\2", _GLUED_A_NUMBER.sub(r"a \1", text))
        text = _VOSEO_AS_INFINITIVE.sub(r"\1\2a", text)
        text = _FAR.sub(r"\1 fa", _DE_ESPACIO.sub(r"\1 despacio", text))
        text = _ARTICLE_BEFORE_MODE.sub(r"\1 \2", text)
        text = _QUE_SUENA.sub(lambda m: f"{m.group(1)}que suene " if _is_mood_word(m.group(2)) else m.group(0),
                              text)
        text = _CON_LA_LISTA.sub(r"\1pon ", text)
        text = _GLUED_LA_VERSION.sub(r"\1 la ", text)
        text = _VERB_APART.sub(r"\1\2 ", text)
    text = _mend_keys(text)
    text = _BACHATA_NOVA.sub("bossa nova", text)
    text = _mend_commands(text, language)
    return _mend_vocabulary(text, language.startswith("es"))


def _mend_keys(text: str) -> str:
    text = _RUN_TOGETHER_KEY.sub(
        lambda m: f"in {_RUN_TOGETHER[m.group(1).lower()]} {m.group(2).lower()}", text)
    text = _NOTE_AFTER_AND.sub(lambda m: f"in {m.group(1).upper()}", text)
    text = _GLUED_SPANISH_NOTE.sub(
        lambda m: f"a {m.group(1).lower().replace('rre', 're')} {(m.group(2) or m.group(3)).lower()}",
        text)
    text = _GLUED_NOTE_MODE.sub(lambda m: f"{m.group(1)} {m.group(2).lower()}", text)
    text = _DIGITS_AS_TENS.sub(r"\1\2", text)
    text = _KNEE.sub(lambda m: f"{m.group(1)} in E" if m.group(1) else "in E", text)
    text = _MAS_AS_BEMOL.sub(lambda m: f"{m.group(1).lower()} bemol {m.group(2).lower()}", text)
    text = _NTH_AS_SECONDS.sub(lambda m: f"{m.group(1)}0-second", text)
    text = _EDM_AS_BPM.sub(lambda m: f"{m.group(1)} bpm", text)
    text = _KEY.sub(lambda m: f"in {_LETTER_WORDS[m.group(1).lower()]} {m.group(2).lower()}",
                    text)
    text = _MAYOR_AS_YORK.sub(lambda m: f"{m.group(1).lower()} mayor", text)
    text = _BEMOL.sub(lambda m: f"{m.group(1).lower()} bemol", text)
    text = _DO_AS_TWO.sub(lambda m: f"{m.group(1)} do {m.group(2).lower()}", text)
    text = _MI_ACCENTED.sub("en mi, ", text)
    text = _LETTER_KEY.sub(lambda m: f"{_LETTER_WORDS[m.group(1).lower()]} {m.group(2).lower()}" if m.group(1)
                           else m.group(0)[: m.start(3) - m.start()] + _LETTER_WORDS[m.group(3).lower()], text)
    text = _Y_BEMOL.sub(lambda m: f"a si {m.group(1).lower()}", text)
    text = _VERB_EN_MODE.sub(lambda m: f"{m.group(1)} en {m.group(2).lower()}", text)
    text = _SOSTENIDO.sub(lambda m: f"{m.group(1).lower()} sostenido", text)
    text = _VERB_LA_NUMBER.sub(lambda m: f"{m.group(1)}ela a {m.group(2)}", text)
    text = _SOLO_AS_SOL.sub(lambda m: f"{m.group(1)} sol {m.group(2).lower()}", text)
    text = _BPM.sub(lambda m: f"{m.group(1)} bpm", text)
    return _FLATT.sub(lambda m: f"{m.group(1)} flat", text)


def _mend_commands(text: str, language: str) -> str:
    text = _UNDO.sub(lambda m: f"{m.group(1)}undo", text)
    text = _ADD_TO.sub(lambda m: f"{m.group(1)}add {m.group(2)}", text)
    if not language.startswith("es"):
        text = _UNDO_AT_END.sub(". Undo that", text)  # after a complaint, not a clause of its own
        for pattern, said in _ENGLISH_WORDS:
            text = pattern.sub(said, text)
        text = _AD.sub("add", text)
        text = _THROWING.sub("throw in ", text)
        text = _CHECK_IT_ON.sub("chuck ", text)
        text = _AT_SECONDS.sub(lambda m: f"{m.group(1)} add ", text)
        text = _AT_INSTRUMENT.sub(lambda m: f"{m.group(1)}add " if find_instruments(m.group(2))
                                  else m.group(0), text)
        text = _FLOW_DOWN.sub("slow", text)
        return _FULL_MINUTE.sub(lambda m: f"{m.group(1)} full minute", text)
    text = _SESEO.sub(lambda m: _SESEO_VERBS[m.group(0).lower()], _A_CIEN.sub("a cien", text))
    text = _NUMBER_SI.sub(r"\1, sí", text)
    text = _BALE.sub(r"\1Vale", _AMILISTA.sub("a mi lista", text))
    text = _CIELO.sub(lambda m: f"{m.group(1)} {_AFTER_UN[m.group(2).lower()]}", text)
    text = _UKELELE.sub("un ukelele", text)
    text = _VERB_LA_MI.sub(lambda m: f"{m.group(1)}l{m.group(2)} a {m.group(3)}", text)
    text = _POR_LA.sub("ponla ", text)
    text = _PASA_LO.sub(lambda m: f"{_ACCENTED[m.group(1).lower()]}{m.group(2).lower()} a " if find_genre(m.group(3))
                        or _NOTE_NAMED.fullmatch(m.group(3)) else m.group(0), text)
    return _mend_spanish_verb(text)


def _mend_spanish_verb(text: str) -> str:
    """The first word of the request and of each later sentence, when it is a Spanish
    command verb with its first consonant voiced or unvoiced ("Pájale un toque" ->
    "Bájale un toque"; "Ándale. Cuárdala en la lista" -> "... Guárdala ...")."""
    text = _mend_first_verb(text)
    for start in reversed([m.end() for m in re.finditer(r"[.!?]\s+", text)]):
        text = text[:start] + _mend_first_verb(text[start:])
    return text


def _mend_first_verb(text: str) -> str:
    """The first word of ``text`` (or the one after a word of assent) mended when it is a
    misheard command verb."""
    start = re.match(_FILLERS, text, re.IGNORECASE)
    at = start.end() if start else 0
    word = _WORD.match(text, at)
    if word is not None and (text[word.end():word.end() + 1] == ","
                             or fold(word.group()) in _INTERJECTIONS):
        # "Cuárdalo, porfa"; else the verb after a word of assent or a greeting: "Dale,
        # subire un poco", "Eso cuártela en la lista", "Dímelo, cuártame la en una playlist"
        mended = _mend_verb_at(text, word)
        return mended if mended != text else _mend_verb_at(text, _WORD.search(text, word.end() + 1))
    return _mend_verb_at(text, word)


def _mend_verb_at(text: str, word: re.Match[str] | None) -> str:
    """``text`` with ``word`` mended when it is a misheard command verb."""
    if word is None:
        return text
    folded = fold(word.group())
    if folded in _command_verbs():
        return text  # "Tócala" is a verb as said, not "toca" + "la"
    verb, article = _misheard_verbs().get(folded), ""
    if verb is None:  # "Kitalela guitarra": the verb with the article glued on
        glued = re.match(r"(.+?)(la|el|los|las|a)$", folded)
        head = glued.group(1) if glued else ""
        verb = _misheard_verbs().get(head) or _command_verbs().get(head)
        article = f" {glued.group(2)}" if glued else ""
    if verb is None:
        return text
    if word.group()[0].isupper():
        verb = verb[0].upper() + verb[1:]
    return text[:word.start()] + verb + article + text[word.end():]


@lru_cache(maxsize=1)
def _command_verbs() -> dict[str, str]:
    """Folded command verb -> the verb as written ("subale" -> "súbale")."""
    return {fold(v): v for v in _SPANISH_COMMANDS}


@lru_cache(maxsize=1)
def _misheard_verbs() -> dict[str, str]:
    """Folded misheard form -> the command verb (only forms that are not commands too)."""
    known = set(_command_verbs()) | _REAL_WORDS
    misheard: dict[str, str] = {}
    for verb in _SPANISH_COMMANDS:
        folded = fold(verb)
        for swap in _VOICING.get(folded[0], ""):
            form = swap + folded[1:]
            if swap == "c" and folded.startswith("gu"):
                form = "cu" + folded[2:]  # "guárdalo" heard "cuárdalo"
            if swap == "k" and folded.startswith("qu"):
                form = "k" + folded[2:]  # "quítale" written "kitale"
            for variant in (form, *_inner_unvoiced(form), *_inner_unvoiced(folded)):
                if variant not in known:
                    misheard.setdefault(variant, verb)
        if folded.endswith("le") and folded[:-2] + "re" not in known:
            misheard.setdefault(folded[:-2] + "re", verb)  # "subire": an r for the l of "le"
    return misheard


def _inner_unvoiced(form: str) -> list[str]:
    """``form`` with one later "d" heard "t" ("cuárdala" -> "cuártala")."""
    return [form[:i] + "t" + form[i + 1:] for i in range(1, len(form)) if form[i] == "d"]


#: music words heard as other words, mended after a small word that comes before a name
#: ("el guido", "la flota"), and made-up words that can only be the name ("y trabajo" too:
#: "con trabajo" is joined by _joined)
_AFTER_SMALL_WORD = {"guido": "güiro", "huiro": "güiro", "flota": "flauta"}
_SMALL_WORD = re.compile(rf"\b(el|la|un|una|con|y|and|with|the|a)\s+({'|'.join(_AFTER_SMALL_WORD)})\b"
                         r"(?=\s*(?:$|[,.!?;]|y\b|and\b|con\b|with\b|porfa|por favor|please|too|s[ií]\b"
                         r"|tambi[eé]n))", re.IGNORECASE)  # where a name ends: not "la flota pesquera"
#: "añádele un cielo": the cello ("chelo") heard as the sky, where an instrument's name ends
#: "póngale un ukelele" heard "póngale uno que lele": the instrument's name split in two
_UKELELE = re.compile(r"\b(?:uno|un)\s+(?:que\s?lele|u\s?que\s?lele|cu\s?lele|kulele)\b", re.IGNORECASE)
_AFTER_UN = {"cielo": "chelo", "trabajo": "contrabajo"}  # "ponle un trabajo también": the double bass
_CIELO = re.compile(rf"\b(un)\s+({'|'.join(_AFTER_UN)})\b(?=\s*(?:$|[,.!?;]|y\b|con\b|porfa|por favor"
                    r"|tambi[eé]n))", re.IGNORECASE)
#: "y si la hacen menor": "la hace en menor", the "en" glued to the verb before a mode
_VERB_EN_MODE = re.compile(r"\b(hace|pone|deja)n\s+(menor|mayor)\b", re.IGNORECASE)
#: "fazos tenido menor", "fa sos tenido": "fa sostenido" split where the "s" sounds
_SOSTENIDO = re.compile(r"\b(do|re|mi|fa|sol|la|si)\s*[sz]o?s?\s+tenid[oa]\b", re.IGNORECASE)
#: "ahora pasa lo rock", "pasa la re no más": "pásalo a rock", "pásala a re" with the "a"
#: swallowed, before a style's name or a note
_PASA_LO = re.compile(r"\b(pasa|cambia)\s+(l[oa])\s+(?:a\s+)?(?=(\w+(?:\s+\w+)?))", re.IGNORECASE)
_ACCENTED = {"pasa": "pása", "cambia": "cámbia"}
_NOTE_NAMED = re.compile(r"(?:do|re|mi|fa|sol|la|si)(?:\s+(?:mayor|menor|bemol|sostenido|no)|$)",
                         re.IGNORECASE)
_MADE_UP = {"yguiro": "y güiro", "y trabajo": "y contrabajo", "situave": "synthwave", "cintuave": "synthwave",
            "sintuave": "synthwave", "sinthwave": "synthwave", "handclubs": "handclaps",
            "hand clubs": "handclaps", "bolbe": "volvé", "buelve": "vuelve", "bolve": "volvé",
            "desaga": "deshaga", "desaga eso": "deshaga eso", "balz": "vals", "bals": "vals",
            "cambiano": "cámbialo", "cambiala": "cámbiala", "ibongos": "y bongos",
            "císpito": "chispito", "cispito": "chispito", "bóramé": "bórrame", "borame": "bórrame",
            "bórame": "bórrame", "ply listas": "playlists", "ply lista": "playlist",
            "ply list": "playlist",
            # "Y quítale el güiro" heard "Y quétale el guido": the í heard as é
            "quétale": "quítale", "quetale": "quítale", "quétala": "quítala", "quetala": "quítala",
            # "con ukelele y batería" heard "con oquelele", "marimba" with the n it is often said with
            "oquelele": "ukelele", "okelele": "ukelele", "marínba": "marimba", "marinba": "marimba",
            # "hazla más oscura" heard "hazla masos cura"; "en fa mayor" heard "en fama mayor"
            "masos cura": "más oscura", "masos curo": "más oscuro", "fama mayor": "fa mayor",
            "fama menor": "fa menor"}
_MADE_UP_WORD = re.compile(rf"\b({'|'.join(_MADE_UP)})\b", re.IGNORECASE)


def _mend_vocabulary(text: str, spanish: bool = False) -> str:
    """Instrument and genre names split in two, glued to a short word, or a letter off."""
    text = _SMALL_WORD.sub(lambda m: f"{m.group(1)} {_AFTER_SMALL_WORD[m.group(2).lower()]}", text)
    text = _MADE_UP_WORD.sub(lambda m: _MADE_UP[m.group(1).lower()], text)
    tokens = text.split(" ")
    out: list[str] = []
    index = 0
    while index < len(tokens):
        mended, used = _mend_at(tokens, index, spanish)
        out.append(mended)
        index += used
    return " ".join(out)


def _mend_at(tokens: list[str], index: int, spanish: bool = False) -> tuple[str, int]:
    """The mended text at ``tokens[index]`` and how many tokens it stands for."""
    word, tail = _split_tail(tokens[index])
    folded = fold(word)
    if not folded.isalpha():
        return tokens[index], 1
    if spanish and (same_sound := _b_or_v(folded)) is not None:
        return same_sound + tail, 1
    following = _split_tail(tokens[index + 1]) if index + 1 < len(tokens) else None
    if following is not None and (joined := _joined(folded, fold(following[0]))):
        return joined + following[1], 2
    if folded[-2:] in ("po", "pe") and folded[:-2] in _names():  # "reguetonpo": "reguetón, po"
        return f"{word[:-2]} {word[-2:]}{tail}", 1
    if folded in _names() or (following is not None
                              and f"{folded} {fold(following[0])}" in _phrases()):
        return tokens[index], 1  # "acoustic guitar" is a name as heard, not "a coustic guitar"
    for prefix, said in _PREFIXES.items():
        rest = folded[len(prefix):]
        if not folded.startswith(prefix) or len(rest) < 4:
            continue
        if following is not None:
            pair = _closest(f"{rest} {fold(following[0])}", _phrases(), min_length=8)
            if pair is not None:
                return f"{said} {pair}{following[1]}", 2
        if (alone := _closest(rest, _names(), min_length=5)) is not None:
            return f"{said} {alone}{tail}", 1
        if _plural_of_name(rest):  # "contrompetas": the plural as said
            return f"{said} {word[len(prefix):]}{tail}", 1
    close = _closest(folded, _names(), min_length=8)
    return (close + tail, 1) if close is not None else (tokens[index], 1)


def _b_or_v(folded: str) -> str | None:
    """The name ``folded`` is with its b and v swapped, which Spanish says alike
    ("vachata" -> "bachata", "contravajo" -> "contrabajo"); None when it is a name as
    written or names nothing."""
    if folded in _names() or ("b" not in folded and "v" not in folded):
        return None
    for variant in (folded.replace("v", "b"), folded.replace("b", "v")):
        if variant in _names():
            return _names()[variant][0]
    return None


def _plural_of_name(word: str) -> bool:
    """Whether ``word`` is the plural of an instrument or genre name ("trompetas", "violines")."""
    return (word.endswith("s") and word[:-1] in _names()
            or word.endswith("es") and word[:-2] in _names())


def _joined(first: str, second: str) -> str | None:
    """The name two words make run together ("con trabajo" -> "contrabajo", "violon
    cielo" -> "violonchelo"), unless the second is a name already or a short ending
    ("metal es")."""
    if len(first) < 3 or len(second) < 3 or not second.isalpha() or second in _names():
        return None
    if f"{first} {second}" in _phrases():
        return None
    return _closest(first + second, _names(), min_length=8)


def _split_tail(token: str) -> tuple[str, str]:
    """A token's word and the punctuation after it ("nova." -> "nova", ".")."""
    match = re.match(r"^(.*?)([\W_]*)$", token, re.UNICODE)
    return (match.group(1), match.group(2)) if match else (token, "")


def _closest(candidate: str, names: dict[str, tuple[str, str]], min_length: int) -> str | None:
    """The name ``candidate`` is, or is one letter from inside the word (not at its end,
    where "ambiente" and "clásico" differ from "ambient" and "clásica"), as spelled in the
    vocabulary; None when it is near the names of two different things."""
    if len(candidate) < min_length:
        return None
    if candidate in names:
        return names[candidate][0]
    if len(candidate) < 8:
        return None
    near = [n for n in names if len(n) >= 8 and _one_edit_inside(candidate, n)]
    if not near or len({names[n][1] for n in near}) > 1:
        return None
    # of two spellings of one thing ("acordeon", "accordion"), the one that starts alike
    return names[max(near, key=lambda n: (len(os.path.commonprefix([n, candidate])), n))][0]


def _one_edit_inside(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one insertion, deletion or substitution before
    their last two letters."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            rest_same = a[i + 1:] == b[i + 1:] if len(a) == len(b) else a[i:] == b[i + 1:]
            return rest_same and i < len(a) - 2
    return False


def _spellings() -> list[tuple[str, str]]:
    """(spelling, the thing it names) for every instrument and genre name."""
    return ([(a, name) for name, names in INSTRUMENTS.items() for a in names]
            + [(a, style.genre) for style in STYLES for a in style.aliases])


@lru_cache(maxsize=1)
def _names() -> dict[str, tuple[str, str]]:
    """Folded one-word instrument and genre names -> (spelling, the thing it names)."""
    return {fold(word): (word, thing) for word, thing in reversed(_spellings())
            if " " not in word and word.isalpha()}


@lru_cache(maxsize=1)
def _phrases() -> dict[str, tuple[str, str]]:
    """Folded two-word instrument and genre names ("bossa nova", "upright bass")."""
    return {fold(word): (word, thing) for word, thing in reversed(_spellings())
            if len(word.split(" ")) == 2}
