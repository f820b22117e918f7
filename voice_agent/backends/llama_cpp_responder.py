"""A local GGUF language model through llama-cpp-python: the default responder.

The answer is constrained to :data:`~voice_agent.replies.REPLY_SCHEMA` by a grammar, so
it is valid JSON by construction; content problems (wrong language, a genre the person
did not ask for) are fixed by :func:`~voice_agent.replies.reply_from_model_output`.

The system prompt and few-shot examples form a fixed prefix. ``load()`` evaluates it
once, and llama.cpp reuses the matching prefix of its KV cache on every later call, so
a turn pays only for its own tokens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from voice_agent import cpu
from voice_agent.errors import MissingDependencyError, ModelNotFoundError, ResponderError
from voice_agent.models import QWEN_05B, ensure_model
from voice_agent.replies import (REPLY_SCHEMA, SayStream, chat_messages, keep_spoken,
                                 reply_from_model_output)
from voice_agent.types import Reply, Transcript, Turn

log = logging.getLogger(__name__)

_WARMUP = Transcript(text="hello", language="en")


class LlamaCppResponder:
    """A :class:`~voice_agent.protocols.Responder` over llama.cpp."""

    def __init__(
        self,
        model_path: str | None = None,
        context_tokens: int = 2048,
        threads: int = 2,
        temperature: float = 0.2,
        max_tokens: int = 200,
        seed: int = 7,
        default_duration_s: float = 15.0,
        gpu_layers: int = -1,
    ) -> None:
        self.model_path = model_path
        self.context_tokens = context_tokens
        self.threads = threads
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.default_duration_s = default_duration_s
        self.gpu_layers = gpu_layers
        self.model_id = f"llama-cpp:{model_path or QWEN_05B.name}"
        self._llm = None
        self._asked_at = 0.0
        self._threads_now = threads
        #: seconds from the request to the model's first token in the last streamed answer
        self.last_first_token_s: float | None = None

    def load(self) -> None:
        """Load the GGUF (joined and checked once) and evaluate the fixed prompt prefix."""
        if self._llm is not None:
            return
        try:
            from llama_cpp import Llama
        except ImportError:
            raise MissingDependencyError("llama-cpp-python", "llm", "The language model") from None
        path = self.model_path or str(ensure_model(QWEN_05B) / "model.gguf")
        try:
            self._llm = Llama(model_path=path, n_ctx=self.context_tokens, n_threads=self.threads,
                              n_threads_batch=self.threads, n_gpu_layers=self.gpu_layers,
                              seed=self.seed, verbose=False)
        except (ValueError, OSError) as exc:
            raise ModelNotFoundError(f"Cannot load the language model from {path}: {exc}") from None
        self._complete(chat_messages(_WARMUP, ()), max_tokens=1)

    def _complete(self, messages: list[dict[str, str]], max_tokens: int,
                  on_piece: Callable[[str], None] | None = None) -> str:
        """The model's answer; with ``on_piece``, streamed to it token by token."""
        settings = dict(messages=messages, temperature=self.temperature, max_tokens=max_tokens,
                        response_format={"type": "json_object", "schema": REPLY_SCHEMA},
                        seed=self.seed)
        if on_piece is None:
            result = self._llm.create_chat_completion(**settings)
            return result["choices"][0]["message"]["content"] or ""
        pieces = []
        for chunk in self._llm.create_chat_completion(stream=True, **settings):
            self._share_cores()
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                if not pieces:
                    self.last_first_token_s = time.perf_counter() - self._asked_at
                pieces.append(piece)
                on_piece(piece)
        self._use_threads(self.threads)
        return "".join(pieces)

    def _share_cores(self) -> None:
        """One thread while another stage computes (see :mod:`voice_agent.cpu`), else all."""
        self._use_threads(1 if cpu.others_working() else self.threads)

    def _use_threads(self, threads: int) -> None:
        if threads != self._threads_now:
            self._llm._ctx.set_n_threads(threads, threads)
            self._threads_now = threads

    def respond(self, transcript: Transcript, history: Sequence[Turn] = ()) -> Reply:
        """Ask the model for a JSON reply and validate it (rule fallback if unusable)."""
        return self.respond_stream(transcript, history, on_sentence=None)

    def respond_stream(self, transcript: Transcript, history: Sequence[Turn] = (),
                       on_sentence: Callable[[str], None] | None = None) -> Reply:
        """Like :meth:`respond`, handing each ``say`` sentence to ``on_sentence`` as it is
        written, long before the plan is complete. The reply's ``say`` always begins with
        the sentences handed out."""
        self.load()
        stream = SayStream(transcript.language, on_sentence) if on_sentence else None
        self._asked_at = time.perf_counter()
        self.last_first_token_s = None
        try:
            raw = self._complete(chat_messages(transcript, history), self.max_tokens,
                                 stream.feed if stream else None)
        except (RuntimeError, ValueError) as exc:
            raise ResponderError(f"The language model failed while answering: {exc}") from None
        log.debug("model answer: %s", raw)
        if stream is not None:
            stream.finish()
        reply = reply_from_model_output(raw, transcript, history, self.default_duration_s)
        return keep_spoken(reply, stream.spoken) if stream else reply
