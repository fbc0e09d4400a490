"""What each model-written reply cost: the endpoint's prompt and completion tokens and how long it took (the coach's
usage view reads these; a grounded reply leaves them empty).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from service.db.migrate import batch_recreate

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inspector = None if context.is_offline_mode() else sa.inspect(op.get_bind())
    # A database made by create_all with today's tables already has them (adopted, stamped at 0001).
    if inspector is not None and "model_total_ms" in {c["name"] for c in inspector.get_columns("replies")}:
        return
    with op.batch_alter_table("replies", recreate=batch_recreate()) as batch:
        batch.add_column(sa.Column("model_prompt_tokens", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("model_completion_tokens", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("model_first_text_ms", sa.Float(), nullable=True))
        batch.add_column(sa.Column("model_total_ms", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("replies", recreate=batch_recreate()) as batch:
        batch.drop_column("model_total_ms")
        batch.drop_column("model_first_text_ms")
        batch.drop_column("model_completion_tokens")
        batch.drop_column("model_prompt_tokens")
