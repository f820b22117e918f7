"""Fakes of every stage protocol, for tests. They live in :mod:`voice_agent.fakes` because
the ``--fake`` mode of the web app and HTTP API needs them too; the real product never
uses them."""

import time
from collections.abc import Iterator

from voice_agent.core.errors import NoSpeechError
from voice_agent.fakes import (FAKE_TRANSCRIPT, FakeComparer, FakeRenderer, FakeResponder,  # noqa: F401
                               FakeSpeaker, FakeTranscriber, fake_pipeline, one_note_midi, tone)

from voice_agent.core.types import Audio, Reply, Transcript


class StreamingFakeResponder(FakeResponder):
    """Streams a fixed JSON answer piece by piece through the real :class:`SayStream`.

    ``gate`` (when given) must be set before the answer goes past its first sentence:
    a test sets it when the first speech chunk arrives, which proves that speech starts
    while the language model is still writing.
    """

    model_id = "fake-streaming-llm"

    def __init__(self, answer: str, pieces: int = 7, gate=None, acknowledge: bool = True,
                 piece_delay_s: float = 0.0) -> None:
        super().__init__()
        self.answer = answer
        self.acknowledge = acknowledge
        self.piece_delay_s = piece_delay_s
        self.pieces = pieces
        self.gate = gate
        self.last_first_token_s = 0.0
        self.gate_opened: bool | None = None

    def respond_stream(self, transcript, history=(), on_sentence=None, reading=None,
                       on_plan=None) -> Reply:
        from voice_agent.responder.replies import (PlanWatch, complete_answer, reading_for,
                                                   reply_from_model_output, say_stream)

        reading = reading_for(transcript, history, reading)  # as LlamaCppResponder does
        stream = say_stream(transcript, reading, on_sentence, self.acknowledge)
        watch = PlanWatch(on_plan, transcript, history, 5.0, reading) if on_plan else None
        size = max(1, len(self.answer) // self.pieces)
        for start in range(0, len(self.answer), size):
            stream.feed(self.answer[start:start + size])
            if watch is not None:
                watch.feed(self.answer[start:start + size])
            if stream.spoken and self.gate is not None and self.gate_opened is None:
                self.gate_opened = self.gate.wait(timeout=10)
            if self.piece_delay_s:
                time.sleep(self.piece_delay_s)
        stream.finish()
        reply = reply_from_model_output(complete_answer(self.answer), transcript, history, 5.0,
                                        reading)
        return stream.settle(reply)


class PacedFakeSpeaker(FakeSpeaker):
    """Speaks ``seconds`` of tone per sentence (long enough to be seen and interrupted)."""

    def __init__(self, seconds: float = 0.2) -> None:
        super().__init__()
        self.seconds = seconds

    def speak(self, text: str, language: str) -> Audio:
        return tone(self.seconds, 22_050)

    def stream(self, text: str, language: str) -> Iterator[Audio]:
        for _sentence in filter(None, text.split(".")):
            yield tone(self.seconds, 22_050)


class LevelCheckingTranscriber(FakeTranscriber):
    """Like FakeTranscriber, but refuses near-silent audio the way the real ASR does,
    and takes ``delay_s`` to answer (so a front end's "thinking" state can be seen)."""

    delay_s = 0.0

    def transcribe(self, audio: Audio, language: str | None = None) -> Transcript:
        time.sleep(self.delay_s)
        if audio.rms < 0.01:
            self.calls.append((audio, language))
            raise NoSpeechError("No speech was heard in the recording (silence or noise). "
                                "Speak closer to the microphone and try again.")
        return super().transcribe(audio, language)


def talk_pipeline(config=None, speech_s: float = 0.2):
    """Fake stages for the talk session's tests: the reply streams sentence by sentence."""
    from voice_agent.pipeline.turns import Pipeline

    answer = ('{"say": "Sure! Here is some relaxing jazz with piano. Enjoy it.", '
              '"intent": "make_music", "plan": {"genre": "jazz", "bpm": 90, "key": "F", '
              '"mode": "major", "instruments": ["piano"], "mood": "relaxed", "duration_s": 4}}')
    speakers = {"cloned": PacedFakeSpeaker(speech_s), "base": PacedFakeSpeaker(speech_s)}
    return Pipeline(LevelCheckingTranscriber(), StreamingFakeResponder(answer), FakeRenderer(),
                    speakers)


def talk_pipeline_at_human_pace(config=None):
    """Fake stages for driving ``voice-agent talk`` in a terminal (run by tests/fake_talk.py):
    slow enough that each state stays on screen."""
    pipeline = talk_pipeline(config, speech_s=1.0)
    pipeline.transcriber.delay_s = 1.0
    return pipeline
