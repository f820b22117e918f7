"""How each genre sounds: progressions, grooves, bass and comping figures, sound choices.

Everything here is data. Rhythms are 16-step strings, one character per sixteenth of a
4/4 bar (32 characters for two-bar figures such as the clave):

* drums and percussion: ``X`` accent, ``x`` normal hit, ``o`` ghost, ``.`` rest;
* bass: ``R`` root, ``3``/``5``/``6``/``8`` that interval above it, ``b`` the minor
  seventh, ``C`` a chord tone chosen by the seed, ``A`` a chromatic approach to the next
  chord's root, ``N`` the next chord's root played early (salsa's anticipated bass),
  ``-`` hold, ``.`` rest;
* comping: ``x`` the whole chord, ``o`` the whole chord softly, digits ``0``-``3`` one
  chord tone (lowest first) for arpeggios and montunos, ``-`` hold, ``.`` rest;
* lead rhythms: ``x`` a note, ``-`` hold, ``.`` rest.

Progressions are scale degrees, one per bar (see :mod:`voice_agent.music.theory`); every
style gives the same number of progressions for both modes so a change of mode keeps
the seed's choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# General MIDI percussion keys (channel 10).
KICK, SIDE_STICK, SNARE, CLAP, CLOSED_HAT, PEDAL_HAT, OPEN_HAT = 36, 37, 38, 39, 42, 44, 46
CRASH, RIDE, TAMBOURINE, COWBELL = 49, 51, 54, 56
MUTE_CONGA, OPEN_CONGA, LOW_CONGA, TIMBALE = 62, 63, 64, 65
MARACAS, SHORT_GUIRO, LONG_GUIRO, CLAVES = 70, 73, 74, 75


@dataclass(frozen=True)
class Recipe:
    """The musical recipe for one genre."""

    genre: str
    progressions: tuple[tuple[str, ...], ...]
    drums: dict[int, str]
    bass: str
    comp: str
    lead_rhythms: tuple[str, ...]
    chord_size: int = 3
    dominant_v: bool = False
    blues_sevenths: bool = False
    power_chords: bool = False
    chord_bars: int = 1
    swing: float = 0.0  # delay of the swung off-beat, in beats
    swing_unit: int = 8  # 8: swing eighths, 16: swing sixteenths
    drum_kit: int = 0  # GM drum kit (bank 128 program)
    lead_scale: str = "scale"  # "scale", "pentatonic" or "blues"
    comp_octave_double: bool = False
    strum_s: float = 0.0  # spread of a strummed chord
    humanize_s: float = 0.008
    reverb: int = 40  # MIDI CC91 send, 0-127
    programs: dict[str, int] = field(default_factory=dict)
    percussion: dict[str, dict[int, str]] = field(default_factory=dict)
    lowpass_hz: float = 0.0  # darken the mix (lo-fi)


#: General MIDI program for each canonical instrument of :mod:`voice_agent.core.vocabulary`.
PROGRAMS: dict[str, int] = {
    "piano": 0, "electric piano": 4, "organ": 16, "acoustic guitar": 25, "nylon guitar": 24,
    "electric guitar": 27, "distorted guitar": 30, "bass": 33, "upright bass": 32,
    "violin": 40, "fiddle": 110, "cello": 42, "strings": 48, "trumpet": 56, "trombone": 57,
    "brass": 61, "saxophone": 65, "flute": 73, "clarinet": 71, "accordion": 21,
    "bandoneon": 23, "harp": 46, "ukulele": 24, "marimba": 12, "synth": 81, "pad": 89,
    "choir": 52, "xylophone": 13, "harmonica": 22, "sitar": 104,
}

#: Instruments that play from the drum channel, with the figure used when a style has none.
PERCUSSION: dict[str, dict[int, str]] = {
    "drums": {},
    "congas": {MUTE_CONGA: "....x.......o...", OPEN_CONGA: "..........x.x..."},
    "guiro": {LONG_GUIRO: "x.......x.......", SHORT_GUIRO: "....x.x.....x.x."},
    "palmas": {CLAP: "....x.......x..."},
}

BASS_INSTRUMENTS = ("bass", "upright bass")
LEAD_INSTRUMENTS = ("trumpet", "trombone", "brass", "saxophone", "flute", "clarinet", "violin",
                    "fiddle", "choir", "harmonica", "sitar", "xylophone")
PAD_INSTRUMENTS = ("pad", "strings", "organ", "choir")
LOW_INSTRUMENTS = ("cello", "trombone")  # take the bass part when no bass is in the band

_FOUR = "x...x...x...x..."
_EIGHTS = "x.x.x.x.x.x.x.x."
_BACKBEAT = "....x.......x..."

RECIPES: dict[str, Recipe] = {s.genre: s for s in (
    Recipe("lofi", (("2", "5", "1", "6"), ("4", "3", "2", "1"), ("1", "6", "4", "5")),
           {KICK: "X......x.xX.....", SNARE: "....X.......X...", CLOSED_HAT: "x.o.x.o.x.o.x.oo"},
           bass="R-----..R.....5.", comp="x-----.....o----",
           lead_rhythms=("x--.....x-.x----", "..x---x-....x---", "x-x-x---....x-x-"),
           chord_size=4, swing=0.06, swing_unit=16, humanize_s=0.015, reverb=50,
           lowpass_hz=4500.0),
    Recipe("jazz", (("2", "5", "1", "1"), ("1", "6", "2", "5"), ("3", "6", "2", "5")),
           {RIDE: "x...x.x.x...x.x.", PEDAL_HAT: "....x.......x...", KICK: "o...o...o...o..."},
           bass="R...C...C...A...", comp="x.....o.......x.",
           lead_rhythms=("x-.x..x-x-.xx---", "..x.x-x.x---..x.", "x---x.x-..x-x-.."),
           chord_size=4, dominant_v=True, swing=1 / 6, drum_kit=32, programs={"saxophone": 66},
           reverb=45),
    Recipe("bossa_nova", (("1", "2", "5", "1"), ("2", "5", "1", "6"), ("1", "4", "3", "6")),
           {SIDE_STICK: "x..x..x...x..x....x..x..x..x....", KICK: "x..xx..xx..xx..x",
            CLOSED_HAT: _EIGHTS},
           bass="R-----5-R-----5-", comp="x..o..x...x..o..",
           lead_rhythms=("x---..x-x---....", "..x-x---x-..x---", "x-x---..x-x-x---"),
           chord_size=4, dominant_v=True, drum_kit=40, humanize_s=0.010, reverb=45,
           percussion={"congas": {MUTE_CONGA: "..x...x...x...x.", OPEN_CONGA: "......x.......x."}}),
    Recipe("salsa", (("1", "4", "5", "4"), ("1", "5", "5", "1"), ("6", "2", "5", "1")),
           {CLAVES: "....x...x.......x.....x.....x...", COWBELL: "X...x...X...x...",
            TIMBALE: "............x.x."},
           bass="......5-----N---", comp="0.2.1.0..2.1.2.1",
           lead_rhythms=("x.x...x.x.x.....", "..x.x.x...x.x-..", "x.x.x...x-..x.x."),
           dominant_v=True, comp_octave_double=True, humanize_s=0.006, reverb=30,
           percussion={"congas": {MUTE_CONGA: "....x.......o...", OPEN_CONGA: "............x.x."},
                       "guiro": {SHORT_GUIRO: "x.x.x.x.x.x.x.x."}}),
    Recipe("cumbia", (("1", "4", "5", "1"), ("1", "5", "5", "1"), ("1", "7", "6", "5")),
           {KICK: "x.......x.......", SIDE_STICK: "..x...x...x...x.", CLOSED_HAT: _EIGHTS},
           bass="R...5.5.R...5.5.", comp="..x-..x-..x-..x-",
           lead_rhythms=("x.x.x-..x.x.x---", "..x.x.x.x---..x.", "x-x-x.x.x---...."),
           dominant_v=True, reverb=30,
           percussion={"guiro": {LONG_GUIRO: "x...x...x...x...", SHORT_GUIRO: "..xx..xx..xx..xx"},
                       "congas": {MUTE_CONGA: "x.......x.......", OPEN_CONGA: "..x...x...x...x."}}),
    Recipe("reggaeton", (("1", "6", "3", "7"), ("1", "4", "6", "5"), ("6", "4", "1", "5")),
           {KICK: _FOUR, SNARE: "...x..x....x..x.", CLOSED_HAT: _EIGHTS},
           bass="R.....R.R.....R.", comp="...x..x....x..x.",
           lead_rhythms=("x.x.x---x.x.x---", "..x.x.x...x.x-..", "x---x.x.x---...."),
           drum_kit=25, humanize_s=0.002, reverb=30, programs={"bass": 38, "synth": 81},
           percussion={"palmas": {CLAP: "...x..x....x..x."}}),
    Recipe("flamenco", (("1", "7", "6", "5"), ("4", "7", "1", "5"), ("1", "7", "6", "5")),
           {KICK: "x.....x...x.....", SNARE: "..x...x...x...x."},
           bass="R.....R...5.....", comp="x.xx.xx.x.xx.xx.",
           lead_rhythms=("xxxxx-..xxxx----", "..xxxxxxx---....", "x-xxx-xxx---..x-"),
           dominant_v=True, strum_s=0.012, humanize_s=0.010, reverb=35,
           percussion={"palmas": {CLAP: "..x...x...x...x."}, "congas": {LOW_CONGA: "x..x..x.x..x..x."}}),
    Recipe("tango", (("1", "5", "5", "1"), ("1", "4", "5", "1"), ("4", "1", "5", "1")),
           {},
           bass="R...R...5...5...", comp="X...x...X...x...",
           lead_rhythms=("x--x--x-x-------", "x-.xx-.xx-.xx---", "..x-x-x-x---x---"),
           dominant_v=True, humanize_s=0.006, reverb=35),
    Recipe("rock", (("1", "5", "6", "4"), ("1", "4", "5", "4"), ("6", "4", "1", "5")),
           {KICK: "x.....x.x.......", SNARE: _BACKBEAT, CLOSED_HAT: _EIGHTS},
           bass="R.R.R.R.R.R.R.R.", comp=_EIGHTS,
           lead_rhythms=("x-x-x---x-x-x---", "..x-x-x-x-------", "x---x-x-..x-x---"),
           chord_size=3, lead_scale="pentatonic", reverb=30,
           programs={"electric guitar": 29}),
    Recipe("metal", (("1", "6", "7", "1"), ("1", "b2", "1", "7"), ("1", "6", "4", "5")),
           {KICK: "x.x.x.x.x.x.x.x.", SNARE: _BACKBEAT, CRASH: "x.......x......."},
           bass="R.R.R.R.R.R.R.R.", comp="x.xxx.xxx.xxx.xx",
           lead_rhythms=("xxxxxxxx--------", "x-x-xxxx--x-x---", "xxxx----xxxx----"),
           power_chords=True, drum_kit=16, humanize_s=0.003, reverb=25,
           programs={"electric guitar": 30}),
    Recipe("pop", (("1", "5", "6", "4"), ("6", "4", "1", "5"), ("1", "6", "4", "5")),
           {KICK: "x.......x.x.....", CLAP: _BACKBEAT, CLOSED_HAT: _EIGHTS},
           bass="R.....R.R...R...", comp="x-..x-..x-..x-..",
           lead_rhythms=("x-x-x---..x-x---", "..x-x-x-x---....", "x---x-x-x-x-x---"),
           reverb=40),
    Recipe("ballad", (("1", "5", "6", "4"), ("1", "3", "4", "5"), ("4", "5", "3", "6")),
           {KICK: "x.......x.x.....", SIDE_STICK: _BACKBEAT},
           bass="R-------5-------", comp="0.1.2.1.0.1.2.1.",
           lead_rhythms=("x---x-x-x-------", "..x-x---x---x---", "x-----x-x-x-----"),
           humanize_s=0.012, reverb=60),
    Recipe("classical", (("1", "4", "5", "1"), ("1", "6", "2", "5"), ("1", "5", "6", "3", "4", "1", "4", "5")),
           {},
           bass="R-------5-------", comp="0.2.1.2.0.2.1.2.",
           lead_rhythms=("x---x-x-x---x---", "x-x-x-x-x-------", "x-----x-x---x---"),
           dominant_v=True, humanize_s=0.010, reverb=60),
    Recipe("ambient", (("1", "4", "6", "4"), ("1", "5", "4", "1"), ("6", "4", "1", "5")),
           {},
           bass="R---------------", comp="x---------------",
           lead_rhythms=("x-------........", "........x-------", "x---------------"),
           chord_size=4, chord_bars=2, humanize_s=0.015, reverb=100),
    Recipe("synthwave", (("1", "6", "3", "7"), ("6", "4", "1", "5"), ("1", "7", "6", "7")),
           {KICK: _FOUR, SNARE: _BACKBEAT, CLOSED_HAT: "xxxxxxxxxxxxxxxx"},
           bass="R.8.R.8.R.8.R.8.", comp="x-------x-------",
           lead_rhythms=("x---x---x-x-x---", "x-x-x---x-------", "..x-x-x-x---x---"),
           drum_kit=24, humanize_s=0.0, reverb=70, programs={"bass": 39}),
    Recipe("edm", (("1", "6", "3", "7"), ("1", "4", "6", "5"), ("6", "7", "1", "1")),
           {KICK: _FOUR, CLAP: _BACKBEAT, OPEN_HAT: "..x...x...x...x.", CLOSED_HAT: "o.o.o.o.o.o.o.o."},
           bass="..R...R...R...R.", comp="..x...x...x..x..",
           lead_rhythms=("x.x.x.x.x.x.x-x-", "x-x-..x-x-..x---", "x.xx.xx.x.xx.xx."),
           drum_kit=25, humanize_s=0.0, reverb=55, programs={"bass": 38, "synth": 81}),
    Recipe("blues", (("1", "4", "1", "1", "4", "4", "1", "1", "5", "4", "1", "5"),
                     ("1", "4", "1", "1", "4", "4", "1", "1", "5", "4", "1", "1"),
                     ("1", "1", "1", "1", "4", "4", "1", "1", "5", "4", "1", "5")),
           {RIDE: _EIGHTS, KICK: "x.......x.......", SNARE: _BACKBEAT},
           bass="R...3...5...6...", comp="x-..o-..x-..o-..",
           lead_rhythms=("..x-x-x-x-------", "x.x.x---..x-x---", "x---..x.x-x-x---"),
           blues_sevenths=True, dominant_v=True, swing=1 / 6, lead_scale="blues", reverb=40),
    Recipe("country", (("1", "4", "1", "5"), ("1", "5", "4", "1"), ("1", "1", "4", "5")),
           {KICK: "x.......x.......", SNARE: "o.x.o.x.o.x.o.x."},
           bass="R.......5.......", comp="....x-......x-..",
           lead_rhythms=("x-x-x-x-x---....", "..x-x-x-x-x-x---", "x---x-x-x-------"),
           lead_scale="pentatonic", strum_s=0.015, reverb=35),
    # bachata: i-iv-V-style minor loops, the bass's syncopated tumbao-like figure, the
    # guitar's arpeggiated requinto, bongos in the martillo pattern and a steady güira
    Recipe("bachata", (("1", "4", "5", "1"), ("6", "4", "1", "5"), ("1", "7", "6", "5")),
           {KICK: "x.......x.......", SIDE_STICK: "......x.......x."},
           bass="R.....5.R...5.5.", comp="0.1.2.1.0.1.2.1.",
           lead_rhythms=("x.x.x-x.x.x.x---", "..x.x.x.x-x.x...", "x-x.x.x.x---x.x."),
           dominant_v=True, strum_s=0.010, humanize_s=0.008, reverb=40,
           percussion={"congas": {MUTE_CONGA: "x.x.x.x.x.x.x.o.", OPEN_CONGA: "......x.......x."},
                       "guiro": {LONG_GUIRO: "x.......x.......", SHORT_GUIRO: "..x.x.x...x.x.x."}}),
    Recipe("funk", (("1", "1", "4", "1"), ("1", "4", "1", "4"), ("1", "1", "1", "4")),
           {KICK: "x.....x...x..x..", SNARE: "....x..o.o..x..o", CLOSED_HAT: "xxxxxxxxxxxxxxxx"},
           bass="R..8..R.R.b.R..5", comp="x.ox.ox.x.oxx.o.",
           lead_rhythms=("x.x...x.x.......", "..x.x...x.x.x...", "x...x.x...x.x..."),
           chord_size=4, lead_scale="pentatonic", humanize_s=0.004, reverb=30),
)}

DEFAULT_GENRE = "pop"


def recipe_for(genre: str) -> Recipe:
    """The recipe for a canonical genre id; pop's for anything unknown."""
    return RECIPES.get(genre, RECIPES[DEFAULT_GENRE])
