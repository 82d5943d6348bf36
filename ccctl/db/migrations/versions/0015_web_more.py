"""the agent page: a tenant's CRM link template (the screen pop's link to the customer)

Revision ID: 0015_web_more
Revises: 0014_accounts
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015_web_more'
down_revision = '0014_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenant', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('crm_url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('crm_url')
