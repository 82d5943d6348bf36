"""voice cards: the call row names the trunk and span a call came in over

Revision ID: 0017_hw_trunks
Revises: 0016_fleet_view
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0017_hw_trunks'
down_revision = '0016_fleet_view'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('trunk', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=True))
        batch_op.add_column(sa.Column('span', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('span')
        batch_op.drop_column('trunk')
