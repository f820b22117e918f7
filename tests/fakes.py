"""Fakes of every stage protocol, for tests. They live in :mod:`voice_agent.fakes` because
the ``--fake`` mode of the web app and HTTP API needs them too; the real product never
uses them."""

from voice_agent.fakes import (FAKE_TRANSCRIPT, FakeComparer, FakeRenderer, FakeResponder,  # noqa: F401
                               FakeSpeaker, FakeTranscriber, fake_pipeline, one_note_midi, tone)

from voice_agent.types import Reply


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
