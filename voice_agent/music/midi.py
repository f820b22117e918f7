"""Arrangement to a Standard MIDI File, and reading back which instruments one holds."""

from __future__ import annotations

import io

from voice_agent.music.arrangement import Arrangement
from voice_agent.music.theory import pitch_class


def to_pretty_midi(arrangement: Arrangement):  # -> pretty_midi.PrettyMIDI
    """A ``pretty_midi.PrettyMIDI`` with one named instrument per track."""
    import pretty_midi

    plan = arrangement.plan
    midi = pretty_midi.PrettyMIDI(initial_tempo=float(plan.bpm))
    key_number = pitch_class(plan.key) + (12 if plan.mode == "minor" else 0)
    midi.key_signature_changes.append(pretty_midi.KeySignature(key_number, 0.0))
    for track in arrangement.tracks:
        instrument = pretty_midi.Instrument(program=track.program, is_drum=track.is_drum,
                                            name=track.name)
        instrument.notes = [pretty_midi.Note(n.velocity, n.pitch, n.start, n.end)
                            for n in track.notes]
        instrument.control_changes += [pretty_midi.ControlChange(7, track.volume, 0.0),
                                       pretty_midi.ControlChange(91, track.reverb, 0.0)]
        midi.instruments.append(instrument)
    return midi


def midi_bytes(arrangement: Arrangement) -> bytes:
    """The arrangement as the bytes of a Standard MIDI File."""
    buffer = io.BytesIO()
    to_pretty_midi(arrangement).write(buffer)
    return buffer.getvalue()


def instruments_in_midi(data: bytes) -> dict[str, tuple[int, bool, int]]:
    """Track name -> (GM program, is drum, number of notes) for tracks that have notes."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(io.BytesIO(data))
    return {inst.name: (inst.program, inst.is_drum, len(inst.notes))
            for inst in midi.instruments if inst.notes}
