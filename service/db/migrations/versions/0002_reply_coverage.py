"""Replies remember how far the articles covered them (coverage, topic) and why a model's answer was replaced, for
the coach's content-gap report.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from service.db.migrate import batch_recreate

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NEW_COLUMNS = ("coverage", "topic", "fallback_reason")


def _has_them() -> bool:
    """A database made by create_all with today's tables already has the columns (adopted, stamped at 0001)."""
    if context.is_offline_mode():
        return False
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("replies")}
    return set(NEW_COLUMNS) <= columns



def upgrade() -> None:
    if _has_them():
        return
    # recreate: the table comes out exactly as a fresh create_all makes it (the migration tests compare them)
    with op.batch_alter_table("replies", recreate=batch_recreate()) as batch:
        batch.add_column(sa.Column("coverage", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("topic", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("fallback_reason", sa.Text(), nullable=True))
        batch.create_index("ix_replies_coverage", ["coverage"])


def downgrade() -> None:
    with op.batch_alter_table("replies", recreate=batch_recreate()) as batch:
        batch.drop_index("ix_replies_coverage")
        batch.drop_column("fallback_reason")
        batch.drop_column("topic")
        batch.drop_column("coverage")
