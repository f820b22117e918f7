"""The fixed prompt prefix's KV state on disk, so a new process does not evaluate it again.

The system prompt and few-shot examples (about 330 tokens) are the same in every turn.
``LlamaCppResponder.load()`` evaluates them once; on a 2-core CPU that took 5-50 s of the
cold start (the longer figures on a machine busy with other work). The state of sequence
0 after that evaluation (its KV cells and tokens, about 4 MB for Qwen2.5 0.5B) is written
under ``$VOICE_AGENT_HOME/llm_prefix/`` and read back by the next process in milliseconds.

The file name is a hash of everything the state depends on: the GGUF file (path, size,
modification time), the llama.cpp build, the context size and the exact messages and
schema, so a change to any of them evaluates the prefix afresh instead of reusing a
stale state. A file llama.cpp rejects is ignored (and replaced after the evaluation).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from voice_agent.core.models import cache_home

log = logging.getLogger(__name__)

#: bump when the way the state is written changes
FORMAT = 1


def prefix_file(model_path: str | Path, context_tokens: int, messages: list[dict[str, str]],
                schema: dict[str, Any], runtime_version: str) -> Path:
    """Where the state for this model, context size and prefix lives (it may not exist)."""
    model = Path(model_path).resolve()
    stat = model.stat()
    identity = {"format": FORMAT, "model": str(model), "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns, "runtime": runtime_version,
                "n_ctx": context_tokens, "messages": messages, "schema": schema}
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()
    return cache_home() / "llm_prefix" / f"{model.stem}-{digest[:24]}.kv"


def restore(llm: Any, path: Path) -> bool:
    """Load the saved state into ``llm`` (a ``llama_cpp.Llama``); False if there is none."""
    if not path.is_file():
        return False
    import llama_cpp

    capacity = int(llm.n_ctx())
    tokens = (llama_cpp.llama_token * capacity)()
    count = ctypes.c_size_t(0)
    read = llama_cpp.llama_state_seq_load_file(llm._ctx.ctx, str(path).encode("utf-8"), 0,
                                               tokens, capacity, ctypes.byref(count))
    if not read or not count.value:
        log.info("ignoring an unreadable prompt-prefix state %s", path)
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        return False
    llm.input_ids[:count.value] = tokens[:count.value]
    llm.n_tokens = count.value
    log.info("prompt prefix restored from %s (%d tokens)", path, count.value)
    return True


def save(llm: Any, path: Path) -> None:
    """Write ``llm``'s evaluated tokens and their KV state (atomically: no half files)."""
    import llama_cpp

    count = int(llm.n_tokens)
    if not count:
        return
    tokens = (llama_cpp.llama_token * count)(*llm.input_ids[:count].tolist())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    written = llama_cpp.llama_state_seq_save_file(llm._ctx.ctx, str(partial).encode("utf-8"),
                                                  0, tokens, count)
    if written:
        os.replace(partial, path)
    else:
        partial.unlink(missing_ok=True)
        log.info("could not save the prompt-prefix state to %s", path)
