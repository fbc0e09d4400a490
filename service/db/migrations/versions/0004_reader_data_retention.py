"""Reader data care: each reply remembers the widget conversation it belongs to (so the coach can export or delete
one conversation), and when its question and answer were erased (COACH_RETENTION_DAYS).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from service.db.migrate import batch_recreate

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None



def upgrade() -> None:
    inspector = None if context.is_offline_mode() else sa.inspect(op.get_bind())
    # A database made by create_all with today's tables already has them (adopted, stamped at 0001).
    if inspector is not None and "conversation_id" in {c["name"] for c in inspector.get_columns("replies")}:
        return
    # recreate: the table comes out exactly as a fresh create_all makes it (the migration tests compare them)
    with op.batch_alter_table("replies", recreate=batch_recreate()) as batch:
        batch.add_column(sa.Column("conversation_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_replies_conversation_id", ["conversation_id"])


def downgrade() -> None:
    with op.batch_alter_table("replies", recreate=batch_recreate()) as batch:
        batch.drop_index("ix_replies_conversation_id")
        batch.drop_column("redacted_at")
        batch.drop_column("conversation_id")
