"""A Hugging Face transformers model as the responder (Qwen2.5 instruct, FLAN-T5, ...).

Weights come from a local folder or a model id already in the Hugging Face cache; nothing
is downloaded (``local_files_only``, and ``HF_HUB_OFFLINE=1`` is set). Decoder-only chat
models get the chat template; encoder-decoder models (T5) get a flat text prompt.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError
from voice_agent.responder.replies import chat_messages, reply_from_model_output
from voice_agent.core.types import Reply, Transcript, Turn
from voice_agent.responder.reading import RequestReading

log = logging.getLogger(__name__)


class TransformersResponder:
    """A :class:`~voice_agent.responder.protocol.Responder` over ``transformers`` generate()."""

    def __init__(self, model_path: str, temperature: float = 0.2, max_tokens: int = 200,
                 seed: int = 7, threads: int = 2, default_duration_s: float = 15.0,
                 device: str = "auto") -> None:
        self.model_path = model_path
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.threads = threads
        self.default_duration_s = default_duration_s
        self.device = device
        self.model_id = f"transformers:{model_path}"
        self._model = None
        self._tokenizer = None
        self._seq2seq = False

    def load(self) -> None:
        """Load tokenizer and model from local files only."""
        if self._model is not None:
            return
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            import transformers
        except ImportError:
            raise MissingDependencyError("transformers", "transformers", "The transformers responder") from None
        torch.set_num_threads(self.threads)
        try:
            config = transformers.AutoConfig.from_pretrained(self.model_path, local_files_only=True)
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
            self._seq2seq = bool(getattr(config, "is_encoder_decoder", False))
            auto = (transformers.AutoModelForSeq2SeqLM if self._seq2seq
                    else transformers.AutoModelForCausalLM)
            self._model = auto.from_pretrained(self.model_path, local_files_only=True)
        except OSError as exc:
            raise ModelNotFoundError(
                f"Cannot load a transformers model from '{self.model_path}': {exc}. Give a local "
                "folder with config.json, tokenizer and weights, or a model id already in the "
                "Hugging Face cache (nothing is downloaded)."
            ) from None
        device = ("cuda" if torch.cuda.is_available() else "cpu") if self.device == "auto" else self.device
        self._model.to(device).eval()

    def _prompt_ids(self, transcript: Transcript, history: Sequence[Turn]):
        messages = chat_messages(transcript, history)
        if not self._seq2seq and getattr(self._tokenizer, "chat_template", None):
            encoded = self._tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                          return_tensors="pt", return_dict=True)
            return encoded["input_ids"]
        text = "\n\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\n\nassistant:"
        return self._tokenizer(text, return_tensors="pt").input_ids

    def respond(self, transcript: Transcript, history: Sequence[Turn] = (),
                reading: RequestReading | None = None) -> Reply:
        """Generate an answer and validate it (rule fallback when unusable)."""
        import torch

        self.load()
        torch.manual_seed(self.seed)
        input_ids = self._prompt_ids(transcript, history).to(self._model.device)
        with torch.inference_mode():
            output = self._model.generate(
                input_ids=input_ids,
                max_new_tokens=self.max_tokens,
                do_sample=self.temperature > 0,
                temperature=self.temperature if self.temperature > 0 else None,
                pad_token_id=self._tokenizer.pad_token_id or self._tokenizer.eos_token_id,
            )
        new_tokens = output[0] if self._seq2seq else output[0, input_ids.shape[1]:]
        raw = self._tokenizer.decode(new_tokens, skip_special_tokens=True)
        log.debug("model answer: %s", raw)
        return reply_from_model_output(raw, transcript, history, self.default_duration_s,
                                      reading)
