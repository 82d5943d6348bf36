"""agent feature codes: a tenant's break reasons and wrap-up codes; the wrap-up code on call rows

Revision ID: 0010_agent_codes
Revises: 0009_tenant_identity
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010_agent_codes'
down_revision = '0009_tenant_identity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenant', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('pause_reasons', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('default_pause_reason', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
        batch_op.add_column(sa.Column('dispositions', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('call', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('wrapup_code', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('wrapup_code')
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('dispositions')
        batch_op.drop_column('default_pause_reason')
        batch_op.drop_column('pause_reasons')
