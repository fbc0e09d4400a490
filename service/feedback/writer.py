"""A writer thread that stores queued rows in batched transactions, so a request never waits for its insert."""
from __future__ import annotations

import logging
import queue
import threading

from sqlalchemy import Table
from sqlalchemy.engine import Engine

log = logging.getLogger("coach")
MAX_BATCH = 500


class BatchWriter:
    """Rows put() here are inserted by one daemon thread, as many as have queued up per transaction."""

    def __init__(self, engine: Engine, table: Table):
        self.engine = engine
        self.table = table
        self._pending: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, row: dict) -> None:
        self._pending.put(row)
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=f"{self.table.name}-writer",
                                                    daemon=True)
                    self._thread.start()

    def flush(self) -> None:
        """Wait until every queued row is stored."""
        if self._thread is not None:
            self._pending.join()

    def _run(self) -> None:
        while True:
            rows = [self._pending.get()]
            while len(rows) < MAX_BATCH:
                try:
                    rows.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            try:
                with self.engine.begin() as conn:
                    conn.execute(self.table.insert(), rows)
            except Exception:
                log.exception("could not store %d %s rows", len(rows), self.table.name)
            finally:
                for _ in rows:
                    self._pending.task_done()
