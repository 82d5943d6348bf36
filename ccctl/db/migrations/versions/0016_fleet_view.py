"""fleet view: each node's calls in progress and management address (in its heartbeat), and the
node holding each recording file

Revision ID: 0016_fleet_view
Revises: 0015_web_more
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0016_fleet_view'
down_revision = '0015_web_more'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding columns leaves the edge's views over `node` (ccctl/fleet/edge.py) valid on PostgreSQL.
    with op.batch_alter_table('node', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('live_calls', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(
            sa.Column('manage_address', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )
    with op.batch_alter_table('recording', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('node', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.drop_column('node')
    with op.batch_alter_table('node', schema=None) as batch_op:
        batch_op.drop_column('manage_address')
        batch_op.drop_column('live_calls')
