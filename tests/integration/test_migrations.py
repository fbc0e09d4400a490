"""The schema comes from Alembic migrations: they match the models, adopt create_all databases, run twice."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, select

from service.db import tables
from service.db.engine import make_engine
from service.db.migrate import (
    BASELINE,
    BASELINE_TABLES,
    database_state,
    downgrade_database,
    foreign_keys_kept,
    head_revision,
    migration_connection,
    upgrade_database,
)
from service.feedback.store import FeedbackStore
from service.workspace.comments import CommentStore


def _url(path) -> str:
    return f"sqlite:///{path}"


def _diffs(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), tables.metadata)
    finally:
        engine.dispose()


def _schema(path) -> dict[str, str]:
    """Every table's and index's CREATE statement, as SQLite stores it."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                            "AND name != 'alembic_version'").fetchall()
    # A table a migration rebuilt (batch mode) is stored under its quoted name: the same table, as create_all has it.
    return {name: re.sub(r'^CREATE TABLE "(\w+)"', r"CREATE TABLE \1", sql) for name, sql in rows}


def _versions(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]


READER_TABLES = ("replies", "feedback")  # the service's tables before the coach's workspace existed


def _create_all(path, names: tuple[str, ...] = tuple(tables.metadata.tables)) -> None:
    """A database the way the service made it before migrations (metadata.create_all of those tables)."""
    only = MetaData()
    for name in names:
        tables.metadata.tables[name].to_metadata(only)
    engine = create_engine(_url(path))
    only.create_all(engine)
    engine.dispose()


def _reply(reply_id: str) -> SimpleNamespace:
    """What FeedbackStore.record_reply reads of a Reply."""
    return SimpleNamespace(id=reply_id, answer="Stay in no contact.", scope="in", generator="grounded",
                           safety=SimpleNamespace(level="none"), coverage="covered", topic=None,
                           fallback_reason=None)


def _use(url: str, reply_id: str) -> None:
    """The stores work on this database: a reply, its feedback, a comment and its draft."""
    engine = make_engine(url)
    store = FeedbackStore(engine)
    try:
        store.record_reply("My ex is my coworker.", _reply(reply_id))
        assert store.add_feedback(reply_id, "down", "too short") is not None
        assert any(r["reply_id"] == reply_id for r in store.reviews("down"))
        drafts = CommentStore(engine)
        comment_id, created = drafts.add_comment(source="test", external_id=reply_id, author="Ann", text="How long?",
                                                 kind="question", risk_level="none")
        assert created
        drafts.set_draft(comment_id, "Hi Ann.")
        assert drafts.get(comment_id)["version"] == 1
    finally:
        engine.dispose()


def test_fresh_database_gets_exactly_the_models_schema(tmp_path):
    url = _url(tmp_path / "data" / "coach.db")  # the folder does not exist yet
    result = upgrade_database(url)
    assert result.before.revision is None and not result.before.legacy_tables
    assert result.after.revision == head_revision() and result.after.at_head
    assert _diffs(url) == []
    # Byte for byte what create_all made: check constraint, ON DELETE CASCADE, unique constraints, indexes.
    _create_all(tmp_path / "old.db")
    assert _schema(tmp_path / "data" / "coach.db") == _schema(tmp_path / "old.db")
    _use(url, "r1")


def test_create_all_database_is_stamped_and_keeps_its_rows(tmp_path):
    path = tmp_path / "coach.db"
    _create_all(path)
    _use(_url(path), "before")  # rows written before migrations existed
    schema = _schema(path)
    state = database_state(_url(path))
    assert state.revision is None and state.legacy_tables == BASELINE_TABLES

    result = upgrade_database(_url(path))
    assert result.adopted == "stamped" and result.after.at_head
    assert _versions(path) == [head_revision()] and _schema(path) == schema  # stamped, nothing recreated
    assert _diffs(_url(path)) == []
    engine = create_engine(_url(path))
    with engine.connect() as conn:
        assert conn.execute(select(tables.replies.c.id)).scalars().all() == ["before"]
        assert conn.execute(select(tables.feedback.c.rating)).scalars().all() == ["down"]
    engine.dispose()
    _use(_url(path), "after")


def test_database_from_before_the_workspace_gets_the_missing_tables(tmp_path):
    path = tmp_path / "coach.db"
    _create_all(path, READER_TABLES)
    engine = make_engine(_url(path))
    FeedbackStore(engine).record_reply("q", _reply("kept"))
    engine.dispose()

    result = upgrade_database(_url(path))
    assert result.adopted == "completed" and result.after.at_head
    assert _diffs(_url(path)) == []
    _create_all(tmp_path / "old.db")
    assert _schema(path) == _schema(tmp_path / "old.db")
    _use(_url(path), "new")
    engine = create_engine(_url(path))
    with engine.connect() as conn:
        assert sorted(conn.execute(select(tables.replies.c.id)).scalars()) == ["kept", "new"]
    engine.dispose()


def test_upgrade_is_idempotent(tmp_path):
    path = tmp_path / "coach.db"
    first = upgrade_database(_url(path))
    _use(_url(path), "r1")
    second = upgrade_database(_url(path))
    assert first.after == second.before == second.after and second.adopted is None
    assert second.describe() == f"already at {head_revision()} (head)"
    assert _versions(path) == [head_revision()]
    assert _versions(path) == [head_revision()] and _diffs(_url(path)) == []


def test_workers_starting_together_migrate_once(tmp_path):
    url = _url(tmp_path / "coach.db")
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: upgrade_database(url), range(6)))
    assert all(r.after.at_head for r in results)
    assert sum(r.before.revision is None for r in results) == 1  # one migrated, the others waited for it
    assert _versions(tmp_path / "coach.db") == [head_revision()]


def test_downgrade_to_base_then_upgrade_again(tmp_path):
    path = tmp_path / "coach.db"
    upgrade_database(_url(path))
    _use(_url(path), "r1")
    state = downgrade_database(_url(path), "base")
    assert state.revision is None and not state.legacy_tables
    assert _schema(path) == {}  # every table and index gone (alembic_version aside)
    assert upgrade_database(_url(path)).after.at_head
    assert _diffs(_url(path)) == []
    _use(_url(path), "r1")  # empty again: the same ids go in
    assert downgrade_database(_url(path), BASELINE).revision == BASELINE  # a no-op at the baseline


def test_a_migration_that_leaves_dangling_rows_is_rolled_back(tmp_path):
    """SQLite migrates with foreign keys off (a batch rebuild must not cascade): checked at the end instead."""
    path = tmp_path / "coach.db"
    upgrade_database(_url(path))
    with (pytest.raises(RuntimeError, match="foreign keys point nowhere"),
          migration_connection(_url(path)) as conn, foreign_keys_kept(conn)):
            conn.exec_driver_sql("INSERT INTO feedback (reply_id, rating, created_at) "
                                 "VALUES ('nowhere', 'up', '2024-01-01')")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM feedback").fetchone() == (0,)


def test_in_memory_sqlite_is_refused_clearly():
    with pytest.raises(ValueError, match="in-memory"):
        upgrade_database("sqlite://")


def _coach(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COACH_DATA_DIR": str(tmp_path / "data")}
    env.pop("COACH_DATABASE_URL", None)
    # From an unrelated folder: the migrations ship inside the package.
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=tmp_path, env=env,
                          check=False, capture_output=True, text=True, timeout=120)


def test_cli_db_upgrade_and_current(tmp_path):
    head = head_revision()
    before = _coach(tmp_path, "db", "current")
    assert before.returncode == 0, before.stderr
    assert "no database yet" in before.stdout and not (tmp_path / "data").exists()  # reading creates nothing
    up = _coach(tmp_path, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert f"upgraded from empty to {head} (head)" in up.stdout
    again = _coach(tmp_path, "db", "upgrade")
    assert again.returncode == 0 and f"already at {head} (head)" in again.stdout
    current = _coach(tmp_path, "db", "current")
    assert current.returncode == 0 and current.stdout.strip().endswith(f"{head} (head)")
    assert _versions(tmp_path / "data" / "coach.db") == [head]
