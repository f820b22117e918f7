"""The thin terminal layer: a scrolling log with one state line redrawn in place, and keys.

Plain ANSI (erase line, carriage return), no curses, so it works in any terminal, over
ssh and under tmux, and the screen can be read back as text.
"""

from __future__ import annotations

import os
import queue
import select
import shutil
import sys
import threading
import time
from typing import IO, Any

CLEAR_LINE = "\r\x1b[2K"


class Screen:
    """Prints log lines above a state line that is rewritten in place."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self._status = ""
        self._lock = threading.Lock()

    def log(self, line: str) -> None:
        """Print ``line`` (may hold newlines) above the state line."""
        with self._lock:
            self.stream.write(CLEAR_LINE + line + "\n" + self._fit(self._status))
            self.stream.flush()

    def status(self, text: str) -> None:
        """Replace the state line (nothing is written when it has not changed)."""
        with self._lock:
            if text == self._status:
                return
            self._status = text
            self.stream.write(CLEAR_LINE + self._fit(text))
            self.stream.flush()

    def close(self) -> None:
        """Erase the state line, leaving the cursor at the start of a fresh line."""
        with self._lock:
            self._status = ""
            self.stream.write(CLEAR_LINE)
            self.stream.flush()

    @staticmethod
    def _fit(text: str) -> str:
        # A state line that wraps can no longer be erased with one CLEAR_LINE.
        width = shutil.get_terminal_size((100, 24)).columns
        return text if len(text) < width else text[:max(1, width - 2)] + "…"


class KeyReader:
    """Reads single key presses from stdin on a thread and puts ``("key", key, time)``.

    On a terminal it switches off line buffering and echo (cbreak mode) and restores the
    terminal on :meth:`close`. Escape sequences (arrow keys) are read whole and ignored.
    """

    def __init__(self, inbox: queue.Queue, stream: Any = None) -> None:
        self.inbox = inbox
        self.stream = stream or sys.stdin
        self.fd = self.stream.fileno()
        self._saved: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="keys", daemon=True)

    def start(self) -> None:
        """Enter cbreak mode (on a terminal) and start reading."""
        if os.isatty(self.fd):
            import termios
            import tty

            self._saved = termios.tcgetattr(self.fd)
            tty.setcbreak(self.fd)
            termios.tcflush(self.fd, termios.TCIFLUSH)  # keys pressed while loading mean nothing
        self._thread.start()

    def close(self) -> None:
        """Stop reading and restore the terminal."""
        self._stop.set()
        if self._saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            data = os.read(self.fd, 64)
            if not data:  # end of input: treat as Ctrl-D
                self.inbox.put(("key", "\x04", time.monotonic()))
                return
            for key in split_keys(data.decode("utf-8", errors="ignore")):
                self.inbox.put(("key", key, time.monotonic()))


def split_keys(text: str) -> list[str]:
    """Single keys from what one read returned; escape sequences (arrows, F-keys) dropped."""
    keys: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\x1b" and i + 1 < len(text) and text[i + 1] in "[O":
            i += 2
            while i < len(text) and not ("@" <= text[i] <= "~"):
                i += 1
            i += 1
            continue
        keys.append(text[i])
        i += 1
    return keys
