"""An Ollama server's model as the responder, over its local HTTP API (``/api/chat``).

For people who already run Ollama. The reply is constrained with Ollama's ``format``
(a JSON schema), then validated like every other model's answer.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence

from voice_agent.core.errors import ModelNotFoundError, ResponderError
from voice_agent.responder.replies import REPLY_SCHEMA, chat_messages, reply_from_model_output
from voice_agent.core.types import Reply, Transcript, Turn
from voice_agent.responder.reading import RequestReading

log = logging.getLogger(__name__)


class OllamaResponder:
    """A :class:`~voice_agent.responder.protocol.Responder` over a running Ollama server."""

    def __init__(self, url: str = "http://127.0.0.1:11434", model: str = "qwen2.5:0.5b-instruct",
                 temperature: float = 0.2, max_tokens: int = 200, seed: int = 7,
                 default_duration_s: float = 15.0, timeout_s: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.default_duration_s = default_duration_s
        self.timeout_s = timeout_s
        self.model_id = f"ollama:{model}"
        self._checked = False

    def _request(self, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise ResponderError(f"Ollama at {self.url} answered {exc.code}: {exc.read()[:200]!r}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ResponderError(
                f"Cannot reach Ollama at {self.url} ({exc}). Start it with 'ollama serve', "
                "or pick another responder with --llm-backend."
            ) from None

    def load(self) -> None:
        """Check the server is up and has the model."""
        if self._checked:
            return
        names = {m.get("name") for m in self._request("/api/tags").get("models", [])}
        if self.model not in names:
            raise ModelNotFoundError(f"Ollama has no model '{self.model}'. Run: ollama pull "
                                     f"{self.model} (available: {', '.join(sorted(filter(None, names))) or 'none'})")
        self._checked = True

    def respond(self, transcript: Transcript, history: Sequence[Turn] = (),
                reading: RequestReading | None = None) -> Reply:
        """Ask the server for a schema-constrained JSON answer and validate it."""
        self.load()
        answer = self._request("/api/chat", {
            "model": self.model,
            "messages": chat_messages(transcript, history),
            "format": REPLY_SCHEMA,
            "stream": False,
            "options": {"temperature": self.temperature, "num_predict": self.max_tokens,
                        "seed": self.seed},
        })
        raw = str(answer.get("message", {}).get("content", ""))
        return reply_from_model_output(raw, transcript, history, self.default_duration_s,
                                      reading)
