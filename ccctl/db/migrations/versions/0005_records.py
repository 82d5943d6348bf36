"""recordings index (retention, legal hold, purge), billing increments of a tenant's plan

Revision ID: 0005_records
Revises: 0004_supervision
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_records'
down_revision = '0004_supervision'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recording',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('call_uuid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('started_at', sa.Float(), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('hold_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('purged_at', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording')),
    sa.UniqueConstraint('path', name=op.f('uq_recording_path'))
    )
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recording_call_uuid'), ['call_uuid'], unique=False)
        batch_op.create_index('ix_recording_tenant_started', ['tenant', 'started_at'], unique=False)

    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('billing_increment', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('billing_minimum', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('billing_minimum')
        batch_op.drop_column('billing_increment')
    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.drop_index('ix_recording_tenant_started')
        batch_op.drop_index(batch_op.f('ix_recording_call_uuid'))
    op.drop_table('recording')
