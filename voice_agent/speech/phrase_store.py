"""Stock phrases ("Sure!", "¡Claro!") kept on disk per voice, so a new process says them at once.

The agent says "Sure!" the moment a music request is recognised; a phrase cache in memory
makes that instant only from a process's second turn on, and ``voice-agent run`` has one
turn. The audio is written under ``$VOICE_AGENT_HOME/phrases/`` in a file named by a hash
of the voice's model id (which names the cloned profile too), the language and the words,
so another voice, profile or wording never reads it. Writes are atomic (a killed process
leaves no half file); an unreadable file is ignored and written again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from voice_agent.core.models import cache_home
from voice_agent.core.types import Audio

log = logging.getLogger(__name__)

#: bump when the file layout changes
FORMAT = 1


def phrase_file(model_id: str, language: str, sentence: str) -> Path:
    """Where the phrase's audio in this voice lives (it may not exist)."""
    digest = hashlib.sha256(f"{FORMAT}\n{model_id}\n{language}\n{sentence}".encode("utf-8"))
    return cache_home() / "phrases" / f"{digest.hexdigest()[:32]}.npz"


def load(model_id: str, language: str, sentence: str) -> Audio | None:
    """The stored audio, or None (never stored, or unreadable)."""
    path = phrase_file(model_id, language, sentence)
    if not model_id or not path.is_file():
        return None
    try:
        with np.load(path) as data:
            return Audio(data["samples"].astype(np.float32), int(data["rate"]))
    except (OSError, ValueError, KeyError) as exc:
        log.info("ignoring unreadable stored phrase %s: %s", path, exc)
        return None


def save(model_id: str, language: str, sentence: str, audio: Audio) -> None:
    """Store ``audio`` atomically; a failure only costs a synthesis next time."""
    if not model_id:
        return
    path = phrase_file(model_id, language, sentence)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            np.savez(tmp, samples=np.asarray(audio.samples, np.float32), rate=audio.rate)
        os.replace(tmp.name, path)
    except OSError as exc:
        log.info("could not store the phrase %r: %s", sentence, exc)
