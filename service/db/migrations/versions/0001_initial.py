"""Initial schema: replies and feedback (the widget), comments and drafts (the coach's workspace).

The same tables, indexes and constraints metadata.create_all made before migrations existed.

Revision ID: 0001
Revises:
Create Date: 2025-11-23

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _missing(table: str) -> bool:
    """False for a table a pre-migration database already has (service/migrate.py runs this revision on a
    create_all database that predates the workspace: only its missing tables are created)."""
    return context.is_offline_mode() or not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("replies"):
        op.create_table(
            "replies",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("question", sa.Text(), nullable=False),
            sa.Column("answer", sa.Text(), nullable=False),
            sa.Column("generator", sa.String(length=16), nullable=False),
            sa.Column("scope", sa.String(length=8), nullable=False),
            sa.Column("safety_level", sa.String(length=8), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("replies") as batch_op:
            batch_op.create_index("ix_replies_created_at", ["created_at"], unique=False)

    if _missing("feedback"):
        op.create_table(
            "feedback",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("reply_id", sa.String(length=64), nullable=False),
            sa.Column("rating", sa.String(length=4),
                      sa.CheckConstraint("rating IN ('up', 'down')", name="feedback_rating"), nullable=False),
            sa.Column("comment", sa.String(length=2000), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("reply_id"),
            sa.ForeignKeyConstraint(["reply_id"], ["replies.id"], ondelete="CASCADE"),
        )
        with op.batch_alter_table("feedback") as batch_op:
            batch_op.create_index("ix_feedback_created_at", ["created_at"], unique=False)

    if _missing("comments"):
        op.create_table(
            "comments",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("source", sa.String(length=32), nullable=False),
            sa.Column("external_id", sa.String(length=128), nullable=False),
            sa.Column("article_id", sa.String(length=200), nullable=True),
            sa.Column("author", sa.String(length=200), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("risk_level", sa.String(length=8), nullable=False),
            sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("parent_external_id", sa.String(length=128), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("source", "external_id", name="comments_source_external_id"),
        )
        with op.batch_alter_table("comments") as batch_op:
            batch_op.create_index("ix_comments_status", ["status"], unique=False)

    if _missing("drafts"):
        op.create_table(
            "drafts",
            sa.Column("comment_id", sa.Integer(), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("generated_text", sa.Text(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("comment_id"),
            sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="CASCADE"),
        )


def downgrade() -> None:
    op.drop_table("drafts")
    with op.batch_alter_table("comments") as batch_op:
        batch_op.drop_index("ix_comments_status")
    op.drop_table("comments")
    with op.batch_alter_table("feedback") as batch_op:
        batch_op.drop_index("ix_feedback_created_at")
    op.drop_table("feedback")
    with op.batch_alter_table("replies") as batch_op:
        batch_op.drop_index("ix_replies_created_at")
    op.drop_table("replies")
