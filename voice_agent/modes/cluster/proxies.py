"""Stage proxies: the stage protocols, implemented by calling the stage deployments.

:class:`~voice_agent.pipeline.turns.Pipeline` runs unchanged on top of them. Each call
goes through :class:`StageClient`, which waits for a live replica: a call that meets a
dead replica or node (killed, lost, being replaced) is sent again until
``retry_s`` has passed, then the stage is reported busy
(:class:`~voice_agent.service.errors.StageBusyError`, answered 503 with Retry-After).
Sending again is safe: every stage call is a pure function of its arguments.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ray.exceptions import RayError, RayTaskError
from ray.serve.exceptions import RayServeException

from voice_agent.core.types import Audio, MusicClip, MusicPlan, Reply, Transcript, Turn
from voice_agent.modes.cluster.stages import StageAnswer, StageInfo
from voice_agent.responder.reading import RequestReading
from voice_agent.service.errors import StageBusyError
from voice_agent.speech.streaming import join_sentences

log = logging.getLogger(__name__)


class StageClient:
    """Calls one stage deployment through its handle, riding out lost replicas."""

    def __init__(self, handle: Any, stage: str, retry_s: float = 60.0) -> None:
        self.handle = handle
        self.stage = stage
        self.retry_s = retry_s
        self.retries = 0  # calls sent again after a lost replica (for the health answer)

    def describe(self) -> StageInfo:
        """What the deployment runs."""
        return self._send("describe")

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``method`` on the stage's backend; its own errors are raised here as they were."""
        answer: StageAnswer = self._send("call", method, *args, **kwargs)
        if answer.error is not None:
            raise answer.error
        return answer.value

    def _send(self, name: str, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + self.retry_s
        pause = 0.2
        while True:
            try:
                return getattr(self.handle, name).remote(*args, **kwargs).result()
            except RayTaskError:
                raise  # the stage's own code failed: the pipeline records it
            except (RayError, RayServeException) as exc:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StageBusyError(
                        f"The {self.stage} stage has no live replica right now ({type(exc).__name__}); "
                        "it is being replaced: ask again in a minute.") from exc
                self.retries += 1
                log.warning("%s stage call lost (%s); sending it again", self.stage,
                            type(exc).__name__)
                time.sleep(min(pause, left))
                pause = min(pause * 2, 2.0)


def light_history(history: Sequence[Turn]) -> tuple[Turn, ...]:
    """The turns without their audio: the responder reads words and plans, and a
    conversation's clips would otherwise cross the network with every request."""
    def strip(turn: Turn) -> Turn:
        music = turn.music
        if music is not None:
            music = dataclasses.replace(music, audio=Audio(music.audio.samples[:0],
                                                           music.audio.rate))
        return dataclasses.replace(turn, music=music, speech=())
    return tuple(strip(t) for t in history)


class TranscriberProxy:
    """A :class:`~voice_agent.asr.protocol.Transcriber` on the ``asr`` deployment."""

    def __init__(self, client: StageClient, model_id: str) -> None:
        self.client, self.model_id = client, model_id

    def load(self) -> None:
        """The replicas loaded their models when they started."""

    def transcribe(self, audio: Audio, language: str | None = None) -> Transcript:
        """Transcribe on a replica."""
        return self.client.call("transcribe", audio, language)


class ResponderProxy:
    """A :class:`~voice_agent.responder.protocol.Responder` on the ``responder`` deployment.

    Not a streaming responder: ``say`` comes back whole (the HTTP answer waits for the
    whole turn anyway), and the pipeline then speaks it sentence by sentence as always.
    """

    def __init__(self, client: StageClient, model_id: str) -> None:
        self.client, self.model_id = client, model_id

    def load(self) -> None:
        """The replicas loaded their models when they started."""

    def respond(self, transcript: Transcript, history: Sequence[Turn] = (),
                reading: RequestReading | None = None) -> Reply:
        """Ask a replica."""
        return self.client.call("respond", transcript, light_history(history), reading=reading)


class JsonResponderProxy(ResponderProxy):
    """A responder proxy whose model also answers to a JSON schema (lyrics)."""

    def complete_json(self, messages: list[dict[str, str]], schema: dict[str, Any],
                      max_tokens: int, temperature: float | None = None,
                      seed: int | None = None, repeat_penalty: float = 1.0,
                      on_piece: Callable[[str], None] | None = None) -> str:
        """The model's JSON answer, whole (``on_piece`` hears it once, at the end)."""
        text = self.client.call("complete_json", messages, schema, max_tokens,
                                temperature=temperature, seed=seed,
                                repeat_penalty=repeat_penalty)
        if on_piece is not None:
            on_piece(text)
        return text


class RendererProxy:
    """A :class:`~voice_agent.music.protocol.MusicRenderer` on the ``music`` deployment."""

    def __init__(self, client: StageClient, model_id: str) -> None:
        self.client, self.model_id = client, model_id

    def load(self) -> None:
        """The replicas loaded their models when they started."""

    def render(self, plan: MusicPlan, prompt: str = "") -> MusicClip:
        """Render on a replica."""
        return self.client.call("render", plan, prompt)


class SpeakerProxy:
    """A :class:`~voice_agent.speech.protocol.Speaker`: one voice of the ``voice`` deployment."""

    def __init__(self, client: StageClient, voice: str, model_id: str) -> None:
        self.client, self.voice, self.model_id = client, voice, model_id

    def load(self) -> None:
        """The replicas loaded their voices when they started."""

    def stream(self, text: str, language: str) -> Iterator[Audio]:
        """The voice's chunks for ``text``, made on one replica."""
        yield from self.client.call("speak", self.voice, text, language)

    def speak(self, text: str, language: str) -> Audio:
        """``text`` spoken, as one clip."""
        return join_sentences(list(self.stream(text, language)))
