"""Imports in the background: one at a time per process, their progress kept in import_jobs for any page to poll."""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..db.tables import import_jobs
from ..errors import CoachError, NotFound
from .comments import aware, now
from .records import ImportResult

log = logging.getLogger("coach")
PROGRESS_EVERY = 0.5  # seconds between progress writes: a 5,000-comment import writes ~100 times, not 5,000
HEARTBEAT_EVERY = 5.0  # seconds between heartbeats while an import runs, whatever its progress
# A running job whose heartbeat is older than this has lost its process (kill -9, a replica gone): reported failed.
# Long enough for one slow comment (a 1 MB comment drafts in ~1.5 s) on a busy machine.
STALE_AFTER = 60.0
HOST = socket.gethostname()[:200]
DIED = ("The import stopped when the service did. Import the file again: comments already imported are not "
        "duplicated, and any left without a draft get one.")
Work = Callable[[Callable[[int, int], None]], ImportResult]


class ImportJobs:
    """Starts imports on one background thread (so an import never holds a request, and two never interleave)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coach-import")
        self._finished = threading.Condition()
        self._fail_stale()  # jobs a crash cut short: say so instead of "running" forever

    def start(self, filename: str, total: int, work: Work) -> str:
        job_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(import_jobs.insert().values(id=job_id, filename=filename[:300], status="running",
                                                     total=total, done=0, created_at=now(), updated_at=now(),
                                                     owner=f"{HOST}:{os.getpid()}"))
        self._pool.submit(self._run, job_id, work)
        return job_id

    def _run(self, job_id: str, work: Work) -> None:
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if time.monotonic() - last >= PROGRESS_EVERY or done == total:
                last = time.monotonic()
                self._update(job_id, done=done, total=total)

        beating = threading.Event()
        heart = threading.Thread(target=self._beat, args=(job_id, beating), daemon=True, name="coach-import-beat")
        heart.start()
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
        finally:
            beating.set()
        with self._finished:
            self._finished.notify_all()

    def _beat(self, job_id: str, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_EVERY):
            try:
                self._update(job_id)
            except Exception:  # a missed beat is retried; a long outage makes the job look stale, as it should
                log.warning("import %s: heartbeat not written", job_id, exc_info=True)

    def _update(self, job_id: str, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(import_jobs.update().where(import_jobs.c.id == job_id).values(**values, updated_at=now()))

    def _fail_stale(self) -> None:
        """Running jobs whose process is gone are failed, with what to do (never another worker's live import)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(import_jobs.c.id, import_jobs.c.owner, import_jobs.c.updated_at)
                                .where(import_jobs.c.status == "running")).all()
        self._fail([r.id for r in rows if _dead(r)])

    def _fail(self, job_ids: list[str]) -> None:
        if job_ids:
            with self.engine.begin() as conn:
                conn.execute(import_jobs.update().where(
                    import_jobs.c.id.in_(job_ids) & (import_jobs.c.status == "running")).values(
                    status="failed", finished_at=now(), error=DIED))

    def get(self, job_id: str) -> dict:
        """The job as it stands; a running one whose process is gone is failed first (a read, not a write, per
        poll otherwise)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(import_jobs).where(import_jobs.c.id == job_id)).first()
        if row is None:
            raise NotFound(f"no import {job_id}")
        if row.status == "running" and _dead(row):
            self._fail([job_id])
            return self.get(job_id)
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


def _dead(row) -> bool:
    """A running job's process is gone: on this host its pid no longer runs; anywhere its heartbeat stopped."""
    beat = aware(row.updated_at)  # SQLite gives it back naive
    if beat is None or beat < now() - timedelta(seconds=STALE_AFTER):
        return True
    return bool(row.owner) and row.owner.startswith(f"{HOST}:") and not _alive(row.owner)


def _alive(owner: str) -> bool:
    """Whether the process host:pid (on this host) still runs."""
    try:
        os.kill(int(owner.rsplit(":", 1)[1]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # someone else's live process
        return True
    return True
