"""The one queue for the models: first come, first served, with a bounded wait per kind.

Every expensive request (a turn, a composition, a voice comparison, an enrolment, the
first load) holds the models through :class:`WorkQueue`. Requests are served strictly in
arrival order (a plain lock is not fair: a thread that just released it may take it
again). Each kind of work has its own cap on how many may wait; one over the cap is
refused at once with :class:`~voice_agent.service.errors.BusyError`, so waiting work can
never pile up and take every worker thread (health checks and downloads never queue).
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager

from voice_agent.service.errors import BusyError


class WorkQueue:
    """``slots`` holders at a time (one by default), served first-in first-out; waiting
    bounded per kind.

    One slot is the in-process service's one set of models. More slots are for stages
    that live elsewhere and serve several requests at once (the Ray engine): each holder
    gets its own slot number, so it can use per-slot state (its own pipeline).
    """

    def __init__(self, slots: int = 1) -> None:
        if slots < 1:
            raise ValueError("a work queue needs at least one slot")
        self.slots = slots
        self._changed = threading.Condition()
        self._order: deque[object] = deque()  # waiting tickets, oldest first
        self._kinds: Counter[str] = Counter()
        self._free = list(range(slots - 1, -1, -1))  # pop() hands out slot 0 first

    @property
    def waiting(self) -> int:
        """Requests waiting right now (the one running not counted)."""
        return len(self._order)

    def waiting_for(self, kind: str) -> int:
        """Requests of ``kind`` waiting right now."""
        return self._kinds[kind]

    @contextmanager
    def hold(self, kind: str, cap: int, what: str = "requests") -> Iterator[int]:
        """Wait for a slot in arrival order (yields its number); refuse when ``cap`` of
        ``kind`` wait."""
        ticket = object()
        with self._changed:
            if self._kinds[kind] >= cap:
                raise BusyError(f"The agent is busy ({self._kinds[kind]} {what} waiting); "
                                "try again in a minute.")
            self._order.append(ticket)
            self._kinds[kind] += 1
            try:
                while not self._free or self._order[0] is not ticket:
                    self._changed.wait()
                slot = self._free.pop()
            finally:
                self._order.remove(ticket)
                self._kinds[kind] -= 1
                self._changed.notify_all()  # the next ticket may be first now
        try:
            yield slot
        finally:
            with self._changed:
                self._free.append(slot)
                self._changed.notify_all()
