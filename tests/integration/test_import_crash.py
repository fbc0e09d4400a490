"""kill -9 in the middle of an import or of approvals, on PostgreSQL, with `coach serve` as an operator runs it:
nothing the coach already had is lost or duplicated, the cut-short job says so (never "running" forever), importing
the file again brings in the rest and drafts every comment left without a draft, and every approval the server
answered is kept."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

from evals.bench.import_wxr import build_export
from service.db.tables import comments, drafts
from tests.support.ports import free_port

COACH = str(Path(sys.executable).with_name("coach"))
TOKEN = "crash-test-token-" + "x" * 16
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _serve(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([COACH, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=2).json().get("status") in ("ok", "degraded"):
                return proc, url
        except (httpx.HTTPError, ValueError):
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "coach serve did not start"
        time.sleep(0.5)


def _counts(db_url: str) -> tuple[int, int, int]:
    """(comments, drafts, queued comments without a draft)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            n_comments = conn.execute(select(func.count()).select_from(comments)).scalar_one()
            n_drafts = conn.execute(select(func.count()).select_from(drafts)).scalar_one()
            orphans = conn.execute(select(func.count()).select_from(
                comments.outerjoin(drafts, drafts.c.comment_id == comments.c.id)).where(
                (comments.c.status == "pending") & (comments.c.kind == "question") &
                drafts.c.comment_id.is_(None))).scalar_one()
    finally:
        engine.dispose()
    return n_comments, n_drafts, orphans


def test_kill_9_during_an_import_loses_nothing_and_a_second_import_finishes_it(postgres, built_settings, tmp_path):
    db_url = postgres.new_database()
    env = {**os.environ, "COACH_DATA_DIR": str(tmp_path), "COACH_CHROMA_PATH": str(built_settings.chroma_path),
           "COACH_DATABASE_URL": db_url, "COACH_ADMIN_TOKEN": TOKEN, "COACH_RATE_LIMIT": "off",
           "COACH_GENERATOR": "grounded"}
    export = build_export(400)
    proc, url = _serve(env)
    try:
        started = httpx.post(f"{url}/api/coach/import?format=wxr", content=export, headers=AUTH, timeout=60)
        assert started.status_code == 202
        job_url = url + started.headers["location"]
        deadline = time.monotonic() + 120
        while (job := httpx.get(job_url, headers=AUTH, timeout=10).json())["done"] < 40:
            assert job["status"] == "running" and time.monotonic() < deadline, job
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no cleanup: the process is gone mid-import
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    cut_comments, cut_drafts, _ = _counts(db_url)
    assert 0 < cut_comments < job["total"]

    proc, url = _serve(env)
    try:
        job = httpx.get(job_url.replace(job_url.split("/api")[0], url), headers=AUTH, timeout=10).json()
        assert job["status"] == "failed" and "Import the file again" in job["error"]
        assert _counts(db_url)[:2] == (cut_comments, cut_drafts)  # nothing lost, nothing doubled by the restart
        again = httpx.post(f"{url}/api/coach/import?format=wxr", content=export, headers=AUTH, timeout=60)
        assert again.status_code == 202
        again_url = url + again.headers["location"]
        deadline = time.monotonic() + 600
        while (second := httpx.get(again_url, headers=AUTH, timeout=10).json())["status"] == "running":
            assert time.monotonic() < deadline, second
            time.sleep(0.5)
        assert second["status"] == "done", second
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    final_comments, _, orphans = _counts(db_url)
    assert final_comments > cut_comments
    assert second["result"]["created"] == final_comments - cut_comments  # the rest, each once
    assert orphans == 0  # every queued question has its draft, those the kill left without one included


def _approval_states(db_url: str) -> dict[int, tuple[str, bool]]:
    """comment id -> (comment status, draft approved) for every drafted question."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(comments.c.id, comments.c.status, drafts.c.approved_at)
                                .select_from(comments.join(drafts, drafts.c.comment_id == comments.c.id))).all()
    finally:
        engine.dispose()
    return {r.id: (r.status, r.approved_at is not None) for r in rows}


def test_kill_9_during_approvals_loses_no_acknowledged_approval(postgres, built_settings, tmp_path):
    """Eight clients approving at once, the server killed mid-way: every approval it answered 200 is kept, no
    comment is half-approved, and after a restart the rest are approved (a 409 only for one already approved)."""
    db_url = postgres.new_database()
    env = {**os.environ, "COACH_DATA_DIR": str(tmp_path), "COACH_CHROMA_PATH": str(built_settings.chroma_path),
           "COACH_DATABASE_URL": db_url, "COACH_ADMIN_TOKEN": TOKEN, "COACH_RATE_LIMIT": "off",
           "COACH_GENERATOR": "grounded"}
    proc, url = _serve(env)
    acknowledged: set[int] = set()
    refused: list[int] = []  # any status but 200 before the kill is a bug, not a race
    lock = threading.Lock()
    try:
        started = httpx.post(f"{url}/api/coach/import?format=wxr", content=build_export(240), headers=AUTH,
                             timeout=60)
        job_url = url + started.headers["location"]
        deadline = time.monotonic() + 300
        while httpx.get(job_url, headers=AUTH, timeout=10).json()["status"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.3)
        states = _approval_states(db_url)
        todo = [i for i, (status, _) in states.items() if status == "pending"]
        assert len(todo) >= 100
        engine = create_engine(db_url)
        try:
            with engine.connect() as conn:
                versions = dict(conn.execute(select(drafts.c.comment_id, drafts.c.version)).all())
        finally:
            engine.dispose()

        def approve(ids: list[int]) -> None:
            with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
                for comment_id in ids:
                    try:
                        r = client.post(f"/api/coach/comments/{comment_id}/approve",
                                        json={"version": versions[comment_id]})
                    except httpx.HTTPError:
                        return  # the server is gone
                    with lock:
                        if r.status_code == 200:
                            acknowledged.add(comment_id)
                        else:
                            refused.append(r.status_code)

        workers = [threading.Thread(target=approve, args=(todo[k::8],)) for k in range(8)]
        for w in workers:
            w.start()
        deadline = time.monotonic() + 120
        while len(acknowledged) < 30:
            assert not refused and any(w.is_alive() for w in workers) and time.monotonic() < deadline, refused
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        for w in workers:
            w.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    after_kill = _approval_states(db_url)
    assert len(acknowledged) < len(todo)  # cut short
    assert all(after_kill[i] == ("approved", True) for i in acknowledged)  # 0 lost
    assert all(status == "approved" if approved else status == "pending"  # 0 half-approved
               for status, approved in after_kill.values() if status in ("pending", "approved"))

    proc, url = _serve(env)
    try:
        with httpx.Client(base_url=url, headers=AUTH, timeout=30) as client:
            for comment_id in todo:
                if comment_id in acknowledged:
                    continue
                r = client.post(f"/api/coach/comments/{comment_id}/approve", json={"version": versions[comment_id]})
                assert r.status_code == 200 or (r.status_code == 409 and after_kill[comment_id][0] == "approved")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    final = _approval_states(db_url)
    assert all(final[i] == ("approved", True) for i in todo)  # 0 stuck
    unanswered = sum(after_kill[i][0] == "approved" for i in todo) - len(acknowledged)
    print(f"\n{len(todo)} to approve; {len(acknowledged)} answered 200 before kill -9, all kept; "
          f"{unanswered} committed without an answer; 0 half-approved; all {len(todo)} approved after the restart")
