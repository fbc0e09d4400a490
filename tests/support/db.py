"""A migrated database for store tests (the schema always comes from the Alembic migrations)."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from service.db.engine import make_engine
from service.db.migrate import upgrade_database


def migrated_engine(url: str) -> Engine:
    upgrade_database(url)
    return make_engine(url)
