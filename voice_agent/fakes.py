"""FAKE stages: stand-ins for every model, for the tests and for ``--fake`` mode only.

Nothing here runs a model. ``voice-agent web --fake`` and ``voice-agent serve --fake`` use
them so the web app and the HTTP API can be developed and tested in seconds, without
weights; every answer they give says it is fake (``model_id`` starts with ``fake``).
The real product never builds them: :func:`voice_agent.pipeline.build.build_pipeline` does not
know them. The test suite imports them through ``tests/fakes.py``.
"""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from voice_agent.core.errors import VoiceAgentError
from voice_agent.responder.replies import rule_reply
from voice_agent.core.types import Audio, MusicClip, MusicPlan, Reply, SpokenReply, Transcript, Turn
from voice_agent.responder.reading import RequestReading

FAKE_TRANSCRIPT = "play some jazz with piano"


def tone(seconds: float = 1.0, rate: int = 16_000, freq: float = 220.0, level: float = 0.3) -> Audio:
    """A sine tone: a stand-in for any audio."""
    t = np.arange(int(seconds * rate)) / rate
    return Audio((level * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate)


def one_note_midi(pitch: int = 60, ticks: int = 480) -> bytes:
    """A valid one-track Standard MIDI File holding one quarter note (a fake clip's score)."""
    events = bytes([0x00, 0x90, pitch, 0x64]) + _vlq(ticks) + bytes([0x80, pitch, 0x40]) \
        + bytes([0x00, 0xFF, 0x2F, 0x00])
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)
    return header + b"MTrk" + struct.pack(">I", len(events)) + events


def _vlq(value: int) -> bytes:
    """MIDI variable-length quantity."""
    out = [value & 0x7F]
    while value > 0x7F:
        value >>= 7
        out.insert(0, (value & 0x7F) | 0x80)
    return bytes(out)


class FakeTranscriber:
    """Returns a fixed transcript; counts calls and loads."""

    model_id = "fake-asr"

    def __init__(self, text: str = FAKE_TRANSCRIPT, language: str = "en",
                 error: VoiceAgentError | None = None, alternatives: Sequence[str] = ()) -> None:
        self.text, self.language, self.error = text, language, error
        self.alternatives = tuple(alternatives)  # the beam's next-best hypotheses
        self.loads = 0
        self.calls: list[tuple[Audio, str | None]] = []

    def load(self) -> None:
        self.loads += 1

    def transcribe(self, audio: Audio, language: str | None = None) -> Transcript:
        self.calls.append((audio, language))
        if self.error:
            raise self.error
        return Transcript(self.text, language or self.language, duration_s=audio.duration_s,
                          alternatives=self.alternatives)


class FakeWordTranscriber(FakeTranscriber):
    """A FakeTranscriber that also streams: its text's words are heard one per
    ``word_s`` seconds of audio (a word once its end is in), so consecutive hypotheses of
    a growing recording agree and LocalAgreement commits them as they come."""

    def __init__(self, text: str = FAKE_TRANSCRIPT, language: str = "en",
                 word_s: float = 0.4) -> None:
        super().__init__(text, language)
        self.word_s = word_s
        self._stepped = 0  # samples in the last step's buffer (0: none this recording)
        self.word_calls: list[tuple[int, str | None, str]] = []

    def transcribe_words(self, samples: np.ndarray, language: str | None,
                         prompt: str = ""):
        from voice_agent.asr.streaming import Word, WordHypothesis

        self.word_calls.append((len(samples), language, prompt))
        # a call shorter than the step before is the end-of-speech tail, taken to end
        # where that step's buffer ended (exact when the last step saw all the audio);
        # after it, the next call starts a new recording
        start = max(0, self._stepped - len(samples)) / 16_000
        self._stepped = 0 if start else len(samples)
        end = start + len(samples) / 16_000
        words = tuple(Word(i * self.word_s - start, i * self.word_s + 0.3 - start, text)
                      for i, text in enumerate(self.text.split())
                      if i * self.word_s >= start and i * self.word_s + 0.3 <= end)
        return WordHypothesis(words, language or self.language, 0.95)


class FakeResponder:
    """Answers with the rule parser, or raises ``error``; records the history it saw."""

    model_id = "fake-llm"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.histories: list[tuple[Turn, ...]] = []

    def load(self) -> None:
        pass

    def respond(self, transcript: Transcript, history: Sequence[Turn] = (),
                reading: RequestReading | None = None) -> Reply:
        self.histories.append(tuple(history))
        if self.error:
            raise self.error
        return rule_reply(transcript, history, 5.0, reading=reading)


class FakeRenderer:
    """Renders a tone as long as the plan asks (pitch follows the tempo); can fail on demand.

    ``delay_s`` makes each render take that long, and ``max_in_flight`` records the most
    renders that ever ran at once, so tests can see whether model access is serialised.
    """

    model_id = "fake-music"
    takes_melody = True

    def __init__(self, error: Exception | None = None, delay_s: float = 0.0) -> None:
        self.error = error
        self.delay_s = delay_s
        self.plans: list[MusicPlan] = []
        self.melodies: list[Audio | None] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._count_lock = threading.Lock()

    def load(self) -> None:
        pass

    def render(self, plan: MusicPlan, prompt: str = "", melody: Audio | None = None) -> MusicClip:
        self.melodies.append(melody)
        with self._count_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self.plans.append(plan)
            time.sleep(self.delay_s)
            if self.error:
                raise self.error
            audio = tone(plan.duration_s, 22_050, freq=2.0 * plan.bpm)
            return MusicClip(audio, plan, midi=one_note_midi(), backend="fake")
        finally:
            with self._count_lock:
                self.in_flight -= 1


class FakeSpeaker:
    """Speaks a short tone per sentence."""

    model_id = "fake-voice"

    def __init__(self, error: Exception | None = None, freq: float = 220.0) -> None:
        self.error = error
        self.freq = freq

    def load(self) -> None:
        pass

    def speak(self, text: str, language: str) -> Audio:
        return tone(0.2, 22_050, freq=self.freq)

    def stream(self, text: str, language: str) -> Iterator[Audio]:
        if self.error:
            raise self.error
        for _sentence in filter(None, text.split(".")):
            yield tone(0.2, 22_050, freq=self.freq)


class FakeComparer:
    """Stands in for the Resemblyzer voice comparison: FIXED made-up scores, labelled fake."""

    SCORES = {"cloned": 0.9, "base": 0.5}

    def __init__(self, reference_wav: str | Path, held_out: bool) -> None:
        self.reference_wav = Path(reference_wav)
        self.held_out = held_out

    def load(self) -> None:
        pass

    def score(self, spoken: SpokenReply, text: str, transcriber) -> "FakeScore":
        return FakeScore(spoken.voice, self.SCORES.get(spoken.voice, 0.0), 0.0, text)

    def describe(self) -> dict[str, object]:
        return {"reference": self.reference_wav.name, "reference_is_held_out": self.held_out,
                "fake": True}


class FakeScore:
    """What :class:`FakeComparer` returns (the fields of a real VoiceScore)."""

    def __init__(self, voice: str, similarity: float, round_trip_wer: float, heard: str) -> None:
        self.voice, self.similarity = voice, similarity
        self.round_trip_wer, self.heard = round_trip_wer, heard


def fake_pipeline(render_delay_s: float = 0.0):
    """A pipeline of fakes: fixed transcript, rule-based reply, tone music and voices."""
    from voice_agent.pipeline.turns import Pipeline

    return Pipeline(transcriber=FakeTranscriber(), responder=FakeResponder(),
                    renderer=FakeRenderer(delay_s=render_delay_s),
                    speakers={"cloned": FakeSpeaker(freq=330.0), "base": FakeSpeaker()})
