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
    """One holder at a time, served first-in first-out; waiting bounded per kind."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._order: deque[object] = deque()  # waiting tickets, oldest first
        self._kinds: Counter[str] = Counter()
        self._busy = False

    @property
    def waiting(self) -> int:
        """Requests waiting right now (the one running not counted)."""
        return len(self._order)

    def waiting_for(self, kind: str) -> int:
        """Requests of ``kind`` waiting right now."""
        return self._kinds[kind]

    @contextmanager
    def hold(self, kind: str, cap: int, what: str = "requests") -> Iterator[None]:
        """Wait for the models in arrival order; refuse when ``cap`` of ``kind`` wait."""
        ticket = object()
        with self._changed:
            if self._kinds[kind] >= cap:
                raise BusyError(f"The agent is busy ({self._kinds[kind]} {what} waiting); "
                                "try again in a minute.")
            self._order.append(ticket)
            self._kinds[kind] += 1
            try:
                while self._busy or self._order[0] is not ticket:
                    self._changed.wait()
                self._busy = True
            finally:
                self._order.remove(ticket)
                self._kinds[kind] -= 1
                self._changed.notify_all()  # the next ticket may be first now
        try:
            yield
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()
