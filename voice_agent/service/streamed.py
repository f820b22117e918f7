"""A spoken request that arrives in pieces (the API's ``/api/turn/stream`` WebSocket).

The client sends raw PCM16 (little-endian, mono) at a rate it names, in pieces of any
size, as it records. The pieces are kept (the turn record and the batch recogniser need
the whole request), and with ``stream`` on they also go to a streaming recognition
session (LocalAgreement-2, :mod:`voice_agent.asr.streaming`), which transcribes while the
audio is still arriving and starts the language model on the committed words. Batch
recognition at the end stays the default: on the 2-core Xeon streaming measured slower
(docs/speed.md).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from voice_agent.asr.streaming import StreamingRecognizer, StreamingSession, WordTranscriber
from voice_agent.core.types import Audio, Transcript
from voice_agent.pipeline.turns import Pipeline
from voice_agent.service.errors import ServiceError

MIN_RATE, MAX_RATE = 8_000, 48_000


class StreamedRequest:
    """PCM16 pieces of one spoken request, recognised as they come when ``stream`` is on."""

    def __init__(self, pipeline: Pipeline, rate: int, max_s: float, stream: bool = False,
                 language: str | None = None) -> None:
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ServiceError(f"The sample rate must be {MIN_RATE}-{MAX_RATE} Hz, not {rate}.")
        self.rate = rate
        self.max_samples = int(max_s * rate)
        self._pieces: list[np.ndarray] = []
        self._count = 0
        self.session: StreamingSession | None = None
        transcriber = pipeline.transcriber
        if stream and isinstance(transcriber, WordTranscriber):
            recognizer = StreamingRecognizer(transcriber, language=language)
            self.session = StreamingSession(recognizer, on_commit=pipeline.early_prefill(
                lambda: recognizer.language))

    @property
    def seconds(self) -> float:
        """Audio received so far."""
        return self._count / self.rate

    def add(self, data: bytes) -> None:
        """One piece of PCM16; ServiceError past the length limit or for a half sample."""
        if len(data) % 2:
            raise ServiceError("A piece of PCM16 audio must hold whole 2-byte samples.")
        samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
        self._count += len(samples)
        if self._count > self.max_samples:
            self.close()
            raise ServiceError(f"The request is too long: say it in at most "
                               f"{self.max_samples / self.rate:.0f} s.")
        self._pieces.append(samples)
        if self.session is not None:
            self.session.feed(samples, self.rate)

    def audio(self) -> Audio:
        """The whole request as received."""
        if not self._count:
            raise ServiceError("No audio arrived before 'end': send PCM16 pieces first.")
        return Audio(np.concatenate(self._pieces), self.rate)

    def transcriber(self) -> Callable[[Audio, str | None], Transcript] | None:
        """What the turn recognises with: the streaming session's finish, or None (batch)."""
        if self.session is None:
            return None
        return lambda _audio, language=None: self.session.finish(language=language)

    def close(self) -> None:
        """Stop recognising (the client went away or the request was refused)."""
        if self.session is not None:
            self.session.close()
