"""supervision: street and community columns, and indexes for every list filter

- A supervisor's API key may limit them to an area (district, street or community): the overdue
  and near-due lists filter on the matching column through a partial index, as district did.
- Category and urgency filters get their own (filter, due_at, order_id) partial indexes: without
  them PostgreSQL read every overdue order and sorted them (12 ms at 1M orders, growing).
- The yellow list gets (due_at, order_id, warn_at), replacing the warn_at index that PostgreSQL
  intersected with the due index (15 ms at 1M orders, growing). Figures: bench/README.md.

Revision ID: 0101
Revises: 0100
Create Date: 2026-11-23 11:22:13.905712
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0101'
down_revision: str | None = '0100'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text('due_at IS NOT NULL')
_YELLOW = sa.text('due_at IS NOT NULL AND warn_at IS NOT NULL')
_WARN = sa.text('warn_at IS NOT NULL')
_KEYED = ('street_code', 'community_code', 'category', 'urgency')


def upgrade() -> None:
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('community_code', sa.String(length=40), nullable=True))
    # Orders supervised before this revision take their street and community from their case.
    op.execute(
        """
        UPDATE supervision_orders SET
            street_code = (SELECT c.street_code FROM dispatch_cases c WHERE c.case_no = supervision_orders.case_no),
            community_code = (
                SELECT c.community_code FROM dispatch_cases c WHERE c.case_no = supervision_orders.case_no
            )
        """
    )
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        for column in _KEYED:
            batch_op.create_index(
                f'ix_supervision_orders_{column.removesuffix("_code")}_due',
                [column, 'due_at', 'order_id'],
                unique=False,
                sqlite_where=_OPEN,
                postgresql_where=_OPEN,
            )
        batch_op.create_index(
            'ix_supervision_orders_yellow',
            ['due_at', 'order_id', 'warn_at'],
            unique=False,
            sqlite_where=_YELLOW,
            postgresql_where=_YELLOW,
        )
        batch_op.drop_index('ix_supervision_orders_warn', sqlite_where=_WARN, postgresql_where=_WARN)


def downgrade() -> None:
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        batch_op.create_index(
            'ix_supervision_orders_warn', ['warn_at'], unique=False, sqlite_where=_WARN, postgresql_where=_WARN
        )
        batch_op.drop_index('ix_supervision_orders_yellow', sqlite_where=_YELLOW, postgresql_where=_YELLOW)
        for column in _KEYED:
            batch_op.drop_index(
                f'ix_supervision_orders_{column.removesuffix("_code")}_due', sqlite_where=_OPEN, postgresql_where=_OPEN
            )
        batch_op.drop_column('community_code')
        batch_op.drop_column('street_code')
