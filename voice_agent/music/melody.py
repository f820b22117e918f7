"""A hummed, whistled or played tune as notes, and those notes as a piece's lead line.

:func:`transcribe` follows the pitch with pYIN (librosa) and cuts it into notes where the
rounded pitch changes or the voice stops. :func:`lead_from_tune` places the notes in the
plan's tempo and key: the tune's typical note spacing becomes one beat, its tonic (the
last note, where tunes usually come home) moves to the plan's key, the whole shifts by
octaves into the instrument's range, and the intervals stay exactly as sung. The tune
repeats over the body of the piece; the intro and ending stay the composer's.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from voice_agent.core.errors import NoMelodyError
from voice_agent.core.plan import PITCH_CLASSES
from voice_agent.core.types import Audio

PYIN_RATE = 22_050
HOP = 256
MIN_NOTE_S = 0.09
#: The quantisation grid, in beats (sixteenth notes).
GRID = 0.25


@dataclass(frozen=True)
class TuneNote:
    """One sung note: onset and length in seconds, MIDI pitch."""

    onset_s: float
    duration_s: float
    pitch: int


@dataclass(frozen=True)
class Tune:
    """The notes of a melody, in order."""

    notes: tuple[TuneNote, ...]

    def intervals(self) -> list[int]:
        """Semitones from each note to the next."""
        pitches = [n.pitch for n in self.notes]
        return [b - a for a, b in zip(pitches, pitches[1:])]


@dataclass(frozen=True)
class MelodyHeard:
    """What was heard in a melody, for a person to check: "12 notes, A minor, 96 bpm"."""

    notes: int
    tonic: str
    mode: str
    bpm: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (the API's and compose.json's ``melody``)."""
        return {"notes": self.notes, "key": self.tonic, "mode": self.mode, "bpm": self.bpm,
                "seconds": self.seconds}


def heard(tune: Tune) -> MelodyHeard:
    """The tune's note count, key (its last note, where tunes come home) and tempo.

    The mode is read from the thirds (then the sixths) above the tonic, weighted by how
    long each is held; a tune that sings neither is called major.
    """
    tonic = tune.notes[-1].pitch % 12
    weight = np.zeros(12)
    for note in tune.notes:
        weight[(note.pitch - tonic) % 12] += note.duration_s
    minor = weight[3] > weight[4] or (weight[3] == weight[4] and weight[8] > weight[9])
    span = tune.notes[-1].onset_s + tune.notes[-1].duration_s - tune.notes[0].onset_s
    return MelodyHeard(len(tune.notes), PITCH_CLASSES[tonic], "minor" if minor else "major",
                       int(round(60.0 / beat_seconds(tune))), round(float(span), 2))


#: The last few transcriptions by content: the service reports what it heard, then the
#: composer plays the same recording, and pYIN (about a second per 10 s) runs once.
_HEARD: OrderedDict[bytes, Tune] = OrderedDict()
_HEARD_LOCK = threading.Lock()


def transcribe(audio: Audio) -> Tune:
    """The notes of a monophonic melody (hummed, whistled, sung or played).

    Raises NoMelodyError when fewer than two notes are heard. The same recording is
    transcribed once (the last few are remembered).
    """
    key = hashlib.sha1(audio.samples.tobytes() + audio.rate.to_bytes(4, "little")).digest()
    with _HEARD_LOCK:
        if key in _HEARD:
            return _HEARD[key]
    tune = _transcribe(audio)
    with _HEARD_LOCK:
        _HEARD[key] = tune
        while len(_HEARD) > 4:
            _HEARD.popitem(last=False)
    return tune


def _transcribe(audio: Audio) -> Tune:
    import librosa

    from voice_agent.core.audio import resample

    samples = resample(audio, PYIN_RATE).samples
    # A quarter-semitone pitch grid (librosa's default is a tenth): the notes are rounded
    # to semitones anyway, and pYIN's Viterbi costs the square of the grid's size (6x
    # faster: 7 s instead of 46 s for an 8 s hum on the loaded 2-core machine).
    f0, voiced, _ = librosa.pyin(samples, fmin=80.0, fmax=2100.0, sr=PYIN_RATE,
                                 frame_length=1024, hop_length=HOP, resolution=0.25)
    # pYIN's window bridges the breath between two notes of one pitch; a short-window
    # energy gate finds it, so repeated notes stay separate.
    rms = librosa.feature.rms(y=samples, frame_length=512, hop_length=HOP)[0][: len(f0)]
    loud = rms > 0.25 * np.median(rms[voiced[: len(rms)]]) if voiced.any() else rms > 0
    voiced = voiced & np.pad(loud, (0, len(f0) - len(loud)))
    midi = np.where(voiced & np.isfinite(f0), librosa.hz_to_midi(np.nan_to_num(f0, nan=1.0)),
                    np.nan)
    notes = tuple(_segments(midi, HOP / PYIN_RATE))
    if len(notes) < 2:
        raise NoMelodyError("No melody was heard in the recording: hum, whistle or play "
                            "a tune of a few clear notes, close to the microphone.")
    return Tune(notes)


def _segments(midi: np.ndarray, frame_s: float) -> list[TuneNote]:
    """Runs of frames with one rounded pitch; short runs (glides, wobbles) are dropped."""
    rounded = np.where(np.isfinite(midi), np.round(np.nan_to_num(midi)), -1).astype(int)
    rounded = _median(rounded, 5)
    notes: list[TuneNote] = []
    start = 0
    for index in range(1, len(rounded) + 1):
        if index < len(rounded) and rounded[index] == rounded[start]:
            continue
        length = (index - start) * frame_s
        if rounded[start] >= 0 and length >= MIN_NOTE_S:
            pitch = int(round(float(np.nanmedian(midi[start:index]))))
            if notes and notes[-1].pitch == pitch and start * frame_s - _end(notes[-1]) < 0.03:
                notes[-1] = TuneNote(notes[-1].onset_s, index * frame_s - notes[-1].onset_s, pitch)
            else:
                notes.append(TuneNote(start * frame_s, length, pitch))
        start = index
    return notes


def _end(note: TuneNote) -> float:
    return note.onset_s + note.duration_s


def _median(values: np.ndarray, width: int) -> np.ndarray:
    """A running median of odd ``width`` (smooths one-frame pitch flips)."""
    pad = width // 2
    padded = np.pad(values, pad, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width)
    return np.median(windows, axis=1).astype(int)


def beat_seconds(tune: Tune) -> float:
    """The tune's beat: the median gap between note onsets."""
    onsets = np.array([n.onset_s for n in tune.notes])
    return float(np.median(np.diff(onsets)))


def tune_in_key(tune: Tune, tonic_pc: int, low: int, high: int) -> list[int]:
    """The tune's pitches moved to ``tonic_pc`` and into ``low``-``high`` by octaves."""
    pitches = np.array([n.pitch for n in tune.notes])
    shift = (tonic_pc - pitches[-1]) % 12
    shift = shift - 12 if shift > 6 else shift
    moved = pitches + shift
    centre = (low + high) / 2
    moved += 12 * int(round((centre - moved.mean()) / 12))
    return [int(p) for p in moved]


def lead_from_tune(tune: Tune, tonic_pc: int, pitch_range: tuple[int, int],
                   first_beat: float, last_beat: float) -> list[tuple[float, float, int]]:
    """(beat, beats, pitch) for the tune, repeated from ``first_beat`` until ``last_beat``.

    One beat is the tune's typical note spacing; onsets and lengths snap to sixteenths.
    """
    beat_s = beat_seconds(tune)
    origin = tune.notes[0].onset_s
    pitches = tune_in_key(tune, tonic_pc, *pitch_range)
    placed = []
    for note, pitch in zip(tune.notes, pitches):
        beat = _snap((note.onset_s - origin) / beat_s)
        beats = max(GRID, _snap(note.duration_s / beat_s))
        placed.append((beat, beats, pitch))
    span = max(4.0, np.ceil((placed[-1][0] + placed[-1][1]) / 4.0) * 4.0)  # whole bars
    notes = []
    start = first_beat
    while start + placed[0][0] < last_beat:
        for beat, beats, pitch in placed:
            if start + beat >= last_beat:
                break
            notes.append((start + beat, min(beats, last_beat - start - beat) * 0.95, pitch))
        start += span
    return notes


def _snap(beats: float) -> float:
    return round(beats / GRID) * GRID
