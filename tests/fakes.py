"""Fakes of every stage protocol, for tests only (the product never uses them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from voice_agent.errors import VoiceAgentError
from voice_agent.replies import rule_reply
from voice_agent.types import Audio, MusicClip, MusicPlan, Reply, Transcript, Turn


def tone(seconds: float = 1.0, rate: int = 16_000, freq: float = 220.0, level: float = 0.3) -> Audio:
    """A sine tone: a stand-in for any audio."""
    t = np.arange(int(seconds * rate)) / rate
    return Audio((level * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate)


class FakeTranscriber:
    """Returns a fixed transcript; counts calls and loads."""

    model_id = "fake-asr"

    def __init__(self, text: str = "play some jazz with piano", language: str = "en",
                 error: VoiceAgentError | None = None) -> None:
        self.text, self.language, self.error = text, language, error
        self.loads = 0
        self.calls: list[tuple[Audio, str | None]] = []

    def load(self) -> None:
        self.loads += 1

    def transcribe(self, audio: Audio, language: str | None = None) -> Transcript:
        self.calls.append((audio, language))
        if self.error:
            raise self.error
        return Transcript(self.text, language or self.language, duration_s=audio.duration_s)


class FakeResponder:
    """Answers with the rule parser, or raises ``error``; records the history it saw."""

    model_id = "fake-llm"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.histories: list[tuple[Turn, ...]] = []

    def load(self) -> None:
        pass

    def respond(self, transcript: Transcript, history: Sequence[Turn] = ()) -> Reply:
        self.histories.append(tuple(history))
        if self.error:
            raise self.error
        return rule_reply(transcript, history, 5.0)


class FakeRenderer:
    """Renders a tone as long as the plan asks; can fail on demand."""

    model_id = "fake-music"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.plans: list[MusicPlan] = []

    def load(self) -> None:
        pass

    def render(self, plan: MusicPlan, prompt: str = "") -> MusicClip:
        self.plans.append(plan)
        if self.error:
            raise self.error
        return MusicClip(tone(plan.duration_s, 22_050), plan, midi=b"MThd", backend="fake")


class FakeSpeaker:
    """Speaks a short tone per sentence."""

    model_id = "fake-voice"

    def __init__(self, error: Exception | None = None, seconds: float = 0.2) -> None:
        self.error = error
        self.seconds = seconds

    def load(self) -> None:
        pass

    def speak(self, text: str, language: str) -> Audio:
        return tone(self.seconds, 22_050)

    def stream(self, text: str, language: str) -> Iterator[Audio]:
        if self.error:
            raise self.error
        for _sentence in filter(None, text.split(".")):
            yield tone(self.seconds, 22_050)


class StreamingFakeResponder(FakeResponder):
    """Streams a fixed JSON answer piece by piece through the real :class:`SayStream`.

    ``gate`` (when given) must be set before the answer goes past its first sentence:
    a test sets it when the first speech chunk arrives, which proves that speech starts
    while the language model is still writing.
    """

    model_id = "fake-streaming-llm"

    def __init__(self, answer: str, pieces: int = 7, gate=None) -> None:
        super().__init__()
        self.answer = answer
        self.pieces = pieces
        self.gate = gate
        self.last_first_token_s = 0.0
        self.gate_opened: bool | None = None

    def respond_stream(self, transcript, history=(), on_sentence=None) -> Reply:
        from voice_agent.replies import SayStream, keep_spoken, reply_from_model_output

        stream = SayStream(transcript.language, on_sentence)
        size = max(1, len(self.answer) // self.pieces)
        for start in range(0, len(self.answer), size):
            stream.feed(self.answer[start:start + size])
            if stream.spoken and self.gate is not None and self.gate_opened is None:
                self.gate_opened = self.gate.wait(timeout=10)
        stream.finish()
        reply = reply_from_model_output(self.answer, transcript, history, 5.0)
        return keep_spoken(reply, stream.spoken)


class LevelCheckingTranscriber(FakeTranscriber):
    """Like FakeTranscriber, but refuses near-silent audio the way the real ASR does,
    and takes ``delay_s`` to answer (so a front end's "thinking" state can be seen)."""

    delay_s = 0.0

    def transcribe(self, audio: Audio, language: str | None = None) -> Transcript:
        import time

        from voice_agent.errors import NoSpeechError

        time.sleep(self.delay_s)
        if audio.rms < 0.01:
            self.calls.append((audio, language))
            raise NoSpeechError("No speech was heard in the recording (silence or noise). "
                                "Speak closer to the microphone and try again.")
        return super().transcribe(audio, language)


def talk_pipeline(config=None):
    """Fake stages for the talk session's tests: the reply streams sentence by sentence."""
    from voice_agent.pipeline import Pipeline

    answer = ('{"say": "Sure! Here is some relaxing jazz with piano. Enjoy it.", '
              '"intent": "make_music", "plan": {"genre": "jazz", "bpm": 90, "key": "F", '
              '"mode": "major", "instruments": ["piano"], "mood": "relaxed", "duration_s": 4}}')
    speakers = {"cloned": FakeSpeaker(), "base": FakeSpeaker()}
    return Pipeline(LevelCheckingTranscriber(), StreamingFakeResponder(answer), FakeRenderer(),
                    speakers)


def talk_pipeline_at_human_pace(config=None):
    """Fake stages for driving ``voice-agent talk`` in a terminal (selected by the
    VOICE_AGENT_TALK_PIPELINE test hook): slow enough that each state stays on screen."""
    pipeline = talk_pipeline(config)
    pipeline.transcriber.delay_s = 1.0
    for speaker in pipeline.speakers.values():
        speaker.seconds = 1.0
    return pipeline
