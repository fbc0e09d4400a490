"""WordPress imports: a comment's source holds the blog's address (wxr:example.com/blog), so two blogs' comment
ids never collide (widened from 32 to 200 characters); the queue's order (status, risk, newest first) gets an
index; imports run in the background and record their progress in import_jobs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from service.db.migrate import batch_recreate

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _inspector():
    return None if context.is_offline_mode() else sa.inspect(op.get_bind())



def upgrade() -> None:
    inspector = _inspector()
    # A database made by create_all with today's tables already has all of it (adopted, stamped at 0001).
    if inspector is None or "ix_comments_queue" not in {i["name"] for i in inspector.get_indexes("comments")}:
        with op.batch_alter_table("comments", recreate=batch_recreate()) as batch:
            batch.alter_column("source", existing_type=sa.String(length=32), type_=sa.String(length=200),
                               existing_nullable=False)
            batch.create_index("ix_comments_queue", ["status", "risk_level", "posted_at"])
    if inspector is None or not inspector.has_table("import_jobs"):
        op.create_table(
            "import_jobs",
            sa.Column("id", sa.String(length=32), primary_key=True),
            sa.Column("filename", sa.String(length=300), nullable=False),
            sa.Column("status", sa.String(length=12), nullable=False),
            sa.Column("total", sa.Integer(), nullable=False),
            sa.Column("done", sa.Integer(), nullable=False),
            sa.Column("result", sa.Text(), nullable=True),
            sa.Column("error", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        )
        op.create_index("ix_import_jobs_created_at", "import_jobs", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_import_jobs_created_at", table_name="import_jobs")
    op.drop_table("import_jobs")
    with op.batch_alter_table("comments", recreate=batch_recreate()) as batch:
        batch.drop_index("ix_comments_queue")
        batch.alter_column("source", existing_type=sa.String(length=200), type_=sa.String(length=32),
                           existing_nullable=False)
