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
from collections.abc import Sequence
from typing import Any

from voice_agent.errors import MissingDependencyError, ModelNotFoundError, ResponderError
from voice_agent.models import QWEN_05B, ensure_model
from voice_agent.replies import REPLY_SCHEMA, chat_messages, reply_from_model_output
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

    def _complete(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        return self.complete_json(messages, REPLY_SCHEMA, max_tokens)

    def complete_json(self, messages: list[dict[str, str]], schema: dict[str, Any],
                      max_tokens: int, temperature: float | None = None,
                      seed: int | None = None, repeat_penalty: float = 1.0) -> str:
        """The model's answer to ``messages``, constrained by a grammar to JSON ``schema``.

        Used for replies and, by the library, for lyrics (voice_agent.library.lyrics), which
        ask for a ``repeat_penalty`` > 1: the 0.5B model otherwise repeats one line.
        """
        self.load()
        result = self._llm.create_chat_completion(
            messages=messages,
            response_format={"type": "json_object", "schema": schema},
            temperature=self.temperature if temperature is None else temperature,
            max_tokens=max_tokens,
            seed=self.seed if seed is None else seed,
            repeat_penalty=repeat_penalty,
        )
        return result["choices"][0]["message"]["content"] or ""

    def respond(self, transcript: Transcript, history: Sequence[Turn] = ()) -> Reply:
        """Ask the model for a JSON reply and validate it (rule fallback if unusable)."""
        self.load()
        try:
            raw = self._complete(chat_messages(transcript, history), self.max_tokens)
        except (RuntimeError, ValueError) as exc:
            raise ResponderError(f"The language model failed while answering: {exc}") from None
        log.debug("model answer: %s", raw)
        return reply_from_model_output(raw, transcript, history, self.default_duration_s)
