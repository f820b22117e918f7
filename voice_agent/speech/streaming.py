"""The sentence-streaming half of every speaker, shared by all TTS backends.

A backend implements ``load()`` and ``synthesize(sentence, language)``; this base class
turns that into the :class:`~voice_agent.speech.protocol.Speaker` verbs: ``stream()`` yields one
:class:`Audio` per sentence as soon as it is made (synthesising the next one meanwhile),
and ``speak()`` joins them.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from voice_agent.core.audio import concatenate, resample
from voice_agent.speech import phrase_store
from voice_agent.core.types import Audio
from voice_agent.core.language import PHRASE_WORDS, base_language, split_sentences

log = logging.getLogger(__name__)

#: Silence between streamed sentences when they are joined into one clip.
SENTENCE_GAP_S = 0.15
#: Sentences of at most this many words are kept once synthesised: replies open with
#: "Sure!", "¡Claro!", "Done!", and the person hears those at once on later turns.
PHRASE_CACHE_SIZE = 64


class SentenceSpeaker:
    """Base class: sentence-by-sentence ``stream()`` and a joined ``speak()``."""

    model_id: str = ""
    #: Rate of the audio this speaker produces (used for an empty reply).
    sample_rate: int = 24_000

    def load(self) -> None:  # pragma: no cover - every backend overrides it
        """Load weights (idempotent)."""
        raise NotImplementedError

    def synthesize(self, sentence: str, language: str) -> Audio:  # pragma: no cover
        """Speak one sentence."""
        raise NotImplementedError

    #: False switches the phrase cache off (e.g. to measure uncached synthesis)
    phrase_cache = True
    #: also keep stock phrases on disk, so a new process says "Sure!" without synthesising
    #: it (speech.select switches it on for the real voices; see :mod:`.phrase_store`)
    phrase_store = False
    #: what makes this voice sound as it does, for the stored phrases' key: the model id,
    #: unless the model id alone does not say (XTTS names its checkpoint, not the speaker)
    voice_identity = ""

    def synthesize_phrase(self, sentence: str, language: str) -> Audio:
        """:meth:`synthesize`, served from memory (and disk) for short stock phrases said
        before."""
        if not self.phrase_cache or len(sentence.split()) > PHRASE_WORDS:
            return self.synthesize(sentence, language)
        cache = self.__dict__.setdefault("_phrases", OrderedDict())
        key = (language, sentence)
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        voice = self.voice_identity or self.model_id
        stored = phrase_store.load(voice, language, sentence) if self.phrase_store else None
        audio = stored if stored is not None else self.synthesize(sentence, language)
        if stored is None and self.phrase_store:
            phrase_store.save(voice, language, sentence, audio)
        cache[key] = audio
        if len(cache) > PHRASE_CACHE_SIZE:
            cache.popitem(last=False)
        return audio

    def stream(self, text: str, language: str) -> Iterator[Audio]:
        """Yield one chunk per sentence, each as soon as it is synthesised.

        One sentence of look-ahead runs on a worker thread, so the next sentence is being
        made while the caller plays the one just yielded (ONNX Runtime and torch release
        the GIL while they compute).
        """
        self.load()
        language = base_language(language)
        sentences = split_sentences(text, language)
        if not sentences:
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts") as pool:
            pending = pool.submit(self.synthesize_phrase, sentences[0], language)
            for sentence in sentences[1:]:
                ready = pending.result()
                pending = pool.submit(self.synthesize_phrase, sentence, language)
                yield ready
            yield pending.result()

    def speak(self, text: str, language: str) -> Audio:
        """Speak all of ``text`` as one clip (sentences joined by a short pause)."""
        chunks = list(self.stream(text, language))
        if not chunks:
            return Audio(np.zeros(0, np.float32), self.sample_rate)
        return join_sentences(chunks)


def join_sentences(chunks: list[Audio]) -> Audio:
    """Sentences spoken one by one, as one clip with a short pause between them."""
    rate = chunks[0].rate
    return concatenate([resample(c, rate) for c in chunks], gap_s=SENTENCE_GAP_S)
