"""Imports in the background: one at a time per process, their progress kept in import_jobs for any page to poll."""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..db.tables import import_jobs
from ..errors import CoachError, NotFound
from .comments import now
from .records import ImportResult

log = logging.getLogger("coach")
PROGRESS_EVERY = 0.5  # seconds between progress writes: a 5,000-comment import writes ~100 times, not 5,000
Work = Callable[[Callable[[int, int], None]], ImportResult]


class ImportJobs:
    """Starts imports on one background thread (so an import never holds a request, and two never interleave)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coach-import")
        self._finished = threading.Condition()
        with self.engine.begin() as conn:  # jobs a restart cut short: say so instead of "running" forever
            conn.execute(import_jobs.update().where(import_jobs.c.status == "running").values(
                status="failed", finished_at=now(),
                error="The service restarted during this import. Import the file again: comments already "
                      "imported are not duplicated, and any left without a draft get one."))

    def start(self, filename: str, total: int, work: Work) -> str:
        job_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(import_jobs.insert().values(id=job_id, filename=filename[:300], status="running",
                                                     total=total, done=0, created_at=now()))
        self._pool.submit(self._run, job_id, work)
        return job_id

    def _run(self, job_id: str, work: Work) -> None:
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if time.monotonic() - last >= PROGRESS_EVERY or done == total:
                last = time.monotonic()
                self._update(job_id, done=done, total=total)

        try:
            result = work(progress)
        except CoachError as exc:
            self._update(job_id, status="failed", error=exc.detail, finished_at=now())
        except Exception:  # the coach sees what to do; the log keeps the trace
            log.exception("import %s failed", job_id)
            self._update(job_id, status="failed", finished_at=now(),
                         error="The import stopped unexpectedly. Import the file again: comments already imported "
                               "are not duplicated, and any left without a draft get one.")
        else:
            self._update(job_id, status="done", result=json.dumps(result.as_dict()), finished_at=now())
        with self._finished:
            self._finished.notify_all()

    def _update(self, job_id: str, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(import_jobs.update().where(import_jobs.c.id == job_id).values(**values))

    def get(self, job_id: str) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(select(import_jobs).where(import_jobs.c.id == job_id)).first()
        if row is None:
            raise NotFound(f"no import {job_id}")
        job = dict(row._mapping)
        job["result"] = json.loads(job["result"]) if job["result"] else None
        return job

    def wait(self, job_id: str, timeout: float) -> dict:
        """The job once it has finished, or as it stands after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._finished:
            while (job := self.get(job_id))["status"] == "running" and time.monotonic() < deadline:
                self._finished.wait(min(1.0, max(0.0, deadline - time.monotonic())))
        return job

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
