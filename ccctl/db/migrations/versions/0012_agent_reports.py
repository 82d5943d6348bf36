"""agent reports: the recordings index marks a call whose recording was masked (*4 ... *5);
a tenant's break reason for missed offers; queues (or a whole tenant) that require a wrap-up
code, and the wrap-up codes a queue takes

Revision ID: 0012_agent_reports
Revises: 0010_agent_codes
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012_agent_reports'
down_revision = '0010_agent_codes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recording', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('masked', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('tenant', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('missed_calls_reason', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
        batch_op.add_column(sa.Column('require_disposition', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('queue', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('require_disposition', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('dispositions', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.drop_column('dispositions')
        batch_op.drop_column('require_disposition')
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('require_disposition')
        batch_op.drop_column('missed_calls_reason')
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.drop_column('masked')
