"""fleet: the nodes behind the Kamailio edge, and each tenant's home node

Revision ID: 0013_fleet
Revises: 0012_agent_reports
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013_fleet'
down_revision = '0012_agent_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'node',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column('sip_address', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('trunk_address', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('esl_address', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('standby', sa.Boolean(), nullable=False),
        sa.Column('max_sessions', sa.Integer(), nullable=False),
        sa.Column('heartbeat_at', sa.Float(), nullable=True),
        sa.Column('deployed_generation', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_node')),
        sa.UniqueConstraint('name', name=op.f('uq_node_name')),
    )
    with op.batch_alter_table('tenant', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('home_node', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=True))
        batch_op.create_index(batch_op.f('ix_tenant_home_node'), ['home_node'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_home_node'))
        batch_op.drop_column('home_node')
    op.drop_table('node')
