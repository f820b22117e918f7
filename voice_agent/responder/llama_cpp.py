"""A local GGUF language model through llama-cpp-python: the default responder.

The answer is constrained to :data:`~voice_agent.responder.replies.REPLY_SCHEMA` by a grammar, so
it is valid JSON by construction; content problems (wrong language, a genre the person
did not ask for) are fixed by :func:`~voice_agent.responder.replies.reply_from_model_output`.

The system prompt and few-shot examples form a fixed prefix. ``load()`` evaluates it
once (or reads its KV state saved by an earlier process, see
:mod:`voice_agent.responder.prefix_cache`), and llama.cpp reuses the matching prefix of
its KV cache on every later call, so a turn pays only for its own tokens.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from voice_agent.core import cpu
from voice_agent.core.errors import MissingDependencyError, ModelNotFoundError, ResponderError
from voice_agent.core.models import QWEN_05B, ensure_model
from voice_agent.responder import prefix_cache
from voice_agent.responder.lazy_grammar import LazyGrammar
from voice_agent.responder.replies import (REPLY_SCHEMA, SAY_GRAMMAR, PlanWatch, SayStream,
                                           answer_head, chat_messages, complete_answer,
                                           compose_music_prompt, reading_for,
                                           reply_from_model_output, say_stream, words_plan)
from voice_agent.core.types import Intent, MusicPlan, Reply, Transcript, Turn
from voice_agent.responder.reading import RequestReading

log = logging.getLogger(__name__)

_WARMUP = Transcript(text="hello", language="en")
#: prompt tokens a prefill leaves for the turn: the next words may merge with them
PREFILL_MARGIN_TOKENS = 2


class CoreGovernor:
    """Picks llama.cpp's thread count token by token, so it never fights for the cores.

    llama.cpp's threads spin while they wait for one another; when any other work needs
    a core, one of them is descheduled and the rest spin on it. Measured here: a reply
    that takes 6.4 s with two threads took 24-54 s beside Kokoro, and 9-10 s with one
    thread. So it uses one thread while another stage of this turn computes
    (:func:`voice_agent.core.cpu.others_working`), and once a token takes over three times
    the fastest one seen with all threads, which is what another program on the machine
    does to it (2 threads fell to 0.8 tokens/s; 1 kept 10.9). While contended it tries
    all threads again for one token in every ``PROBE_EVERY``, and the state carries over
    to the next answer, so its prompt is not evaluated on spinning threads either.
    """

    SLOWDOWN = 3.0
    PROBE_EVERY = 16
    #: pieces closer together than this came out of one decode step: not a token's time
    MIN_TOKEN_S = 0.005

    def __init__(self, threads: int, best_token_s: float = float("inf"),
                 contended: bool = False) -> None:
        self.threads = threads
        self.best_token_s = best_token_s
        self.contended = contended and threads > 1
        self._last: float | None = None
        self._last_threads = self.initial_threads()
        self._tokens = 0

    def initial_threads(self) -> int:
        """Threads for the prompt: one while contended, else all."""
        return 1 if self.contended else self.threads

    def threads_for_next_token(self, first: bool = False) -> int:
        """Call once per generated token; returns the threads to use for the next one."""
        now = time.perf_counter()
        ours = cpu.others_working()
        # Judge only tokens made on all threads with no other stage of ours computing:
        # a slowdown our own voice causes is handled by ``ours``, not by ``contended``.
        if (self._last is not None and not first and self._last_threads == self.threads > 1
                and not ours):
            took = now - self._last
            if took >= self.MIN_TOKEN_S:
                self.best_token_s = min(self.best_token_s, took)
                self.contended = took > self.SLOWDOWN * self.best_token_s
        self._last = now
        self._tokens += 1
        probe = self.contended and self._tokens % self.PROBE_EVERY == 0
        busy = (self.contended and not probe) or ours
        self._last_threads = 1 if busy else self.threads
        return self._last_threads


class LlamaCppResponder:
    """A :class:`~voice_agent.responder.protocol.Responder` over llama.cpp.

    ``llm`` is an already loaded ``llama_cpp.Llama`` to use instead of loading the GGUF;
    after :meth:`load` the attribute holds the model in use (tests count its evaluated
    tokens and streamed pieces through it).
    """

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
        *,
        llm: Any = None,
        prefix_cache: bool = True,
        lazy_grammar: bool = True,
        acknowledge: bool = True,
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
        self.llm = llm
        #: keep the evaluated prompt prefix on disk for the next process (cold start)
        self.prefix_cache = prefix_cache
        #: check the JSON grammar against the likeliest tokens only (lazy_grammar.py);
        #: False: llama-cpp-python's grammar over the whole vocabulary (twice as slow)
        self.lazy_grammar = lazy_grammar
        #: say "Sure!" / "¡Claro!" the moment a music request arrives (see SayStream)
        self.acknowledge = acknowledge
        #: whether the last load() read the prefix's state instead of evaluating it
        self.prefix_restored = False
        self._asked_at = 0.0
        self._threads_now = threads
        self._best_token_s = float("inf")
        self._contended = False
        #: seconds from the request to the model's first token in the last streamed answer
        self.last_first_token_s: float | None = None
        #: one evaluation at a time: a prefill must not run into an answer being written
        self._busy = threading.Lock()

    def load(self) -> None:
        """Load the GGUF (joined and checked once) and evaluate the fixed prompt prefix."""
        if self.llm is not None:
            return
        try:
            from llama_cpp import Llama
        except ImportError:
            raise MissingDependencyError("llama-cpp-python", "llm", "The language model") from None
        path = self.model_path or str(ensure_model(QWEN_05B) / "model.gguf")
        try:
            self.llm = Llama(model_path=path, n_ctx=self.context_tokens, n_threads=self.threads,
                              n_threads_batch=self.threads, n_gpu_layers=self.gpu_layers,
                              seed=self.seed, verbose=False)
        except (ValueError, OSError) as exc:
            raise ModelNotFoundError(f"Cannot load the language model from {path}: {exc}") from None
        self._evaluate_prefix(path)

    def _evaluate_prefix(self, model_path: str) -> None:
        """Evaluate the fixed prompt prefix, or read the state an earlier process saved."""
        warmup = chat_messages(_WARMUP, ())
        saved = None
        if self.prefix_cache:
            import llama_cpp

            saved = prefix_cache.prefix_file(model_path, self.context_tokens, warmup,
                                             REPLY_SCHEMA, llama_cpp.__version__)
            self.prefix_restored = prefix_cache.restore(self.llm, saved)
            if self.prefix_restored:
                return
        self._complete(warmup, max_tokens=1)
        if saved is not None:
            prefix_cache.save(self.llm, saved)

    def _complete(self, messages: list[dict[str, str]], max_tokens: int,
                  on_piece: Callable[[str], None] | None = None) -> str:
        """The reply JSON, streamed token by token to ``on_piece`` when given."""
        return self.complete_json(messages, REPLY_SCHEMA, max_tokens, on_piece=on_piece)

    def complete_json(self, messages: list[dict[str, str]], schema: dict[str, Any],
                      max_tokens: int, temperature: float | None = None,
                      seed: int | None = None, repeat_penalty: float = 1.0,
                      on_piece: Callable[[str], None] | None = None) -> str:
        """The model's answer to ``messages``, constrained by a grammar to JSON ``schema``.

        Used for replies and, by the library, for lyrics (voice_agent.library.lyrics), which
        ask for a ``repeat_penalty`` > 1: the 0.5B model otherwise repeats one line. Between
        tokens the thread count follows the machine (see :class:`CoreGovernor`).
        """
        self.load()
        with self._busy:
            grammar = LazyGrammar(self.llm, schema) if self.lazy_grammar else None
            constraint = ({"logits_processor": [grammar]} if grammar is not None
                          else {"response_format": {"type": "json_object", "schema": schema}})
            return self._generate(
                lambda **options: self.llm.create_chat_completion(
                    messages=messages, **constraint, **options),
                lambda chunk: chunk["choices"][0]["delta"].get("content"), grammar,
                dict(max_tokens=max_tokens, repeat_penalty=repeat_penalty,
                     temperature=self.temperature if temperature is None else temperature,
                     seed=self.seed if seed is None else seed), on_piece)

    def continue_answer(self, prompt: str, gbnf: str, max_tokens: int,
                        on_piece: Callable[[str], None] | None = None) -> str:
        """The model's continuation of ``prompt`` (a formatted chat prompt ending inside
        the assistant's answer), constrained by the llama.cpp grammar ``gbnf``."""
        self.load()
        with self._busy:
            grammar = LazyGrammar(self.llm, gbnf=gbnf) if self.lazy_grammar else None
            if grammar is not None:
                constraint: dict[str, Any] = {"logits_processor": [grammar]}
            else:
                from llama_cpp.llama_grammar import LlamaGrammar

                constraint = {"grammar": LlamaGrammar.from_string(gbnf, verbose=False)}
            return self._generate(
                lambda **options: self.llm.create_completion(prompt=prompt, **constraint,
                                                             **options),
                lambda chunk: chunk["choices"][0]["text"], grammar,
                dict(max_tokens=max_tokens, temperature=self.temperature, seed=self.seed),
                on_piece)

    def _generate(self, start: Callable[..., Any], piece_of: Callable[[Any], str | None],
                  grammar: LazyGrammar | None, options: dict[str, Any],
                  on_piece: Callable[[str], None] | None) -> str:
        """Stream one answer (``start(**options, stream=True)``), choosing the threads
        token by token (:class:`CoreGovernor`); ``piece_of`` reads a chunk's text."""
        pieces: list[str] = []
        governor = CoreGovernor(self.threads, self._best_token_s, self._contended)
        self._use_threads(governor.initial_threads())
        try:
            for chunk in start(**options, stream=True):
                piece = piece_of(chunk)
                if piece:
                    self._use_threads(governor.threads_for_next_token(first=not pieces))
                    if not pieces:
                        self.last_first_token_s = time.perf_counter() - self._asked_at
                    pieces.append(piece)
                    if on_piece is not None:
                        on_piece(piece)
        finally:
            if grammar is not None:
                grammar.close()
        self._best_token_s, self._contended = governor.best_token_s, governor.contended
        return "".join(pieces)

    def prefill(self, partial: Transcript, history: Sequence[Turn] = ()) -> int:
        """Evaluate the prompt up to ``partial``'s words now; returns the tokens evaluated.

        For streaming recognition: while the person is still speaking, the words already
        committed are evaluated, so when the turn asks, llama.cpp's prefix match leaves
        only the last words and the closing of the prompt. The last tokens of ``partial``
        are left out (the next words may merge with them into other tokens). Does nothing
        (0) while an answer is being written, before :meth:`load`, or for a chat format it
        cannot reproduce.
        """
        if self.llm is None or not partial.text.strip():
            return 0
        if not self._busy.acquire(blocking=False):
            return 0
        try:
            prompt = self._format_prompt(chat_messages(partial, history))
            if prompt is None:
                return 0
            upto = prompt.rindex(partial.text) + len(partial.text)
            # as the chat handler tokenises (BOS only where the model's vocabulary adds one)
            tokens = self.llm.tokenize(prompt[:upto].encode("utf-8"), add_bos=True,
                                       special=True)[:-PREFILL_MARGIN_TOKENS]
            done = self.llm.longest_token_prefix(self.llm._input_ids.tolist(), tokens)
            if done >= len(tokens):
                return 0
            self._use_threads(1)  # streaming recognition computes on the other core
            self.llm.n_tokens = done
            self.llm.eval(tokens[done:])
            return len(tokens) - done
        finally:
            self._busy.release()

    def _format_prompt(self, messages: list[dict[str, str]]) -> str | None:
        """The prompt text llama-cpp-python's chat handler makes of ``messages``."""
        from llama_cpp import llama_chat_format

        chat_format = self.llm.chat_format
        if chat_format == "chatml":
            return llama_chat_format.format_chatml(messages).prompt
        template = self.llm.metadata.get("tokenizer.chat_template")
        if chat_format != "chat_template.default" or not template:
            return None
        model = self.llm._model
        eos, bos = self.llm.token_eos(), self.llm.token_bos()  # as Llama.__init__ does
        formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template, eos_token=model.token_get_text(eos) if eos != -1 else "",
            bos_token=model.token_get_text(bos) if bos != -1 else "")
        return formatter(messages=messages).prompt

    def _use_threads(self, threads: int) -> None:
        if threads != self._threads_now:
            self.llm._ctx.set_n_threads(threads, threads)
            self._threads_now = threads

    def respond(self, transcript: Transcript, history: Sequence[Turn] = (),
                reading: RequestReading | None = None) -> Reply:
        """Ask the model for a JSON reply and validate it (rule fallback if unusable)."""
        return self.respond_stream(transcript, history, on_sentence=None, reading=reading)

    def respond_stream(self, transcript: Transcript, history: Sequence[Turn] = (),
                       on_sentence: Callable[[str], None] | None = None,
                       reading: RequestReading | None = None,
                       on_plan: Callable[[Reply], None] | None = None) -> Reply:
        """Like :meth:`respond`, handing each ``say`` sentence to ``on_sentence`` as it is
        written. The reply's ``say`` always begins with the sentences handed out.
        ``on_plan`` gets the music the answer settles on as soon as its plan fields are
        written (before ``say``; see :func:`~voice_agent.responder.replies.settled_reply`),
        or at once when the person's words settle it (a new piece of a named genre, see
        :func:`~voice_agent.responder.replies.words_plan`: the model then writes only
        ``say``); the returned reply's plan is the same."""
        self.load()
        reading = reading_for(transcript, history, reading)
        stream = say_stream(transcript, reading, on_sentence, self.acknowledge) \
            if on_sentence else None
        self._asked_at = time.perf_counter()
        self.last_first_token_s = None
        messages = chat_messages(transcript, history)
        settled = words_plan(reading, transcript, self.default_duration_s)
        prompt = self._format_prompt(messages) if settled is not None else None
        try:
            if prompt is not None:  # the words settled the music: the model writes ``say``
                raw = self._say_about(settled, transcript, prompt, stream, on_plan)
            else:
                watch = PlanWatch(on_plan, transcript, history, self.default_duration_s,
                                  reading) if on_plan else None
                raw = self._complete(messages, self.max_tokens, _fan_out(stream, watch))
        except (RuntimeError, ValueError) as exc:
            raise ResponderError(f"The language model failed while answering: {exc}") from None
        log.debug("model answer: %s", raw)
        if stream is not None:
            stream.finish()
        reply = reply_from_model_output(complete_answer(raw), transcript, history,
                                        self.default_duration_s, reading,
                                        settled_plan=settled if prompt is not None else None)
        return stream.settle(reply) if stream else reply

    def _say_about(self, plan: MusicPlan, transcript: Transcript, prompt: str,
                   stream: SayStream | None, on_plan: Callable[[Reply], None] | None) -> str:
        """The answer for a plan the words settled (:func:`words_plan`): ``on_plan`` gets
        the plan at once, and the model continues an answer begun with it
        (:func:`answer_head`), writing only its ``say``."""
        if on_plan is not None:
            on_plan(Reply(say="", music_prompt=compose_music_prompt(plan),
                          intent=Intent.MAKE_MUSIC, plan=plan, language=transcript.language,
                          source="words"))
        head = answer_head(plan, transcript.language)
        if stream is not None:
            stream.feed(head)
        return head + self.continue_answer(prompt + head, SAY_GRAMMAR, self.max_tokens,
                                           stream.feed if stream is not None else None)


def _fan_out(*listeners: SayStream | PlanWatch | None) -> Callable[[str], None] | None:
    """One ``on_piece`` feeding every listener given (None when there is none)."""
    active = [listener for listener in listeners if listener is not None]
    if not active:
        return None

    def feed(piece: str) -> None:
        for listener in active:
            listener.feed(piece)
    return feed
