"""Opening a new library from two threads or two processes at once (seen in CI: one turn of
two concurrent sessions failed with "database is locked" while the other opened it)."""

from __future__ import annotations

import sqlite3
import threading
import time

from voice_agent.library import Library


def test_two_threads_open_a_new_library_at_once(tmp_path):
    for attempt in range(20):
        root = tmp_path / f"lib{attempt}"
        libraries = [Library(root), Library(root)]  # as two sessions of a server might
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def open_it(library: Library) -> None:
            start.wait()
            try:
                library.open()
            except BaseException as exc:  # noqa: BLE001 - the test reports it
                errors.append(exc)

        threads = [threading.Thread(target=open_it, args=(lib,)) for lib in libraries]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == [], errors


def test_opening_waits_for_another_process_holding_the_new_database(tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    held = sqlite3.connect(root / "library.sqlite3", isolation_level=None, check_same_thread=False)
    held.execute("CREATE TABLE other_process (x)")  # a writer mid-transaction elsewhere
    held.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.5, lambda: held.execute("COMMIT"))
    released.start()
    started = time.perf_counter()
    Library(root).open()  # switching to WAL needs the file to itself: it waits, not fails
    assert time.perf_counter() - started >= 0.4
    released.join()
    held.close()
    assert Library(root).open().schema_version() > 0
