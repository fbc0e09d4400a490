"""Import jobs whose process died are reported failed (never "running" forever), and only those: another worker's or
replica's live import is left alone. On SQLite and PostgreSQL."""
from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import select

from service.db.tables import import_jobs
from service.workspace.comments import now
from service.workspace.jobs import STALE_AFTER, ImportJobs
from tests.support.db import migrated_engine


def _running(engine, job_id: str, owner: str, beat_ago: float) -> None:
    with engine.begin() as conn:
        conn.execute(import_jobs.insert().values(id=job_id, filename="blog.xml", status="running", total=10, done=3,
                                                 created_at=now(), updated_at=now() - timedelta(seconds=beat_ago),
                                                 owner=owner))


def test_only_jobs_whose_process_is_gone_are_failed(db_url):
    engine = migrated_engine(db_url)
    host = socket.gethostname()
    dead_pid = 2 ** 22 + 12345  # above Linux's pid_max: never a live process
    _running(engine, "other-replica-live", "another-host:41", beat_ago=2)
    _running(engine, "other-replica-dead", "another-host:42", beat_ago=STALE_AFTER + 5)
    _running(engine, "this-host-dead-pid", f"{host}:{dead_pid}", beat_ago=1)
    _running(engine, "this-host-live-pid", f"{host}:{os.getpid()}", beat_ago=1)
    jobs = ImportJobs(engine)  # a process starting up looks for jobs cut short
    try:
        with engine.connect() as conn:
            status = dict(conn.execute(select(import_jobs.c.id, import_jobs.c.status)).all())
        assert status == {"other-replica-live": "running", "other-replica-dead": "failed",
                          "this-host-dead-pid": "failed", "this-host-live-pid": "running"}
        failed = jobs.get("this-host-dead-pid")
        assert "Import the file again" in failed["error"] and failed["finished_at"] is not None
    finally:
        jobs.close()
