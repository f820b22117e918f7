"""Who is computing right now, so stages that share the two cores can give way.

llama.cpp's worker threads spin while they wait for one another. When a voice is being
synthesised at the same time, one of its threads is descheduled and the others spin on
it: measured here, the reply that takes 6.4 s alone took 24-54 s next to Kokoro with two
llama.cpp threads, and 9-10 s with one. So a stage that computes announces it with
:func:`working`, and the language model drops to one thread while :func:`others_working`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_working = 0


@contextmanager
def working() -> Iterator[None]:
    """Mark the enclosed computation as using a core."""
    global _working
    with _lock:
        _working += 1
    try:
        yield
    finally:
        with _lock:
            _working -= 1


def others_working() -> bool:
    """True while some stage is inside :func:`working`."""
    return _working > 0
