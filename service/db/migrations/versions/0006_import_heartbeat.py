"""Import jobs keep a heartbeat (updated_at) and their process (owner, host:pid): a job whose process died (kill -9,
a lost replica) is reported failed, at once when it ran on this host, else once its heartbeat is stale, instead of
"running" forever; a replica starting up no longer fails another replica's running import.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from service.db.migrate import batch_recreate

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inspector = None if context.is_offline_mode() else sa.inspect(op.get_bind())
    # A database made by create_all with today's tables already has it (adopted, stamped at 0001).
    if inspector is not None and "updated_at" in {c["name"] for c in inspector.get_columns("import_jobs")}:
        return
    with op.batch_alter_table("import_jobs", recreate=batch_recreate()) as batch:
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("owner", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_jobs", recreate=batch_recreate()) as batch:
        batch.drop_column("owner")
        batch.drop_column("updated_at")
