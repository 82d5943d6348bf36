"""call rows, their 15-minute rollup, agent status changes, tenant webhooks (operational data of the daemon)

Revision ID: 0002_calls
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002_calls'
down_revision = '0002_hardware'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agent_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('agent', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('node', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_event'))
    )
    with op.batch_alter_table('agent_event', schema=None) as batch_op:
        batch_op.create_index('ix_agent_event_tenant_at', ['tenant', 'at'], unique=False)

    op.create_table('call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('caller_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('caller_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('called_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('did', sqlmodel.sql.sqltypes.AutoString(length=21), nullable=True),
    sa.Column('ivr_path', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    sa.Column('ivr_digits', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('queue', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=True),
    sa.Column('agent', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=True),
    sa.Column('entered_at', sa.Float(), nullable=False),
    sa.Column('ivr_left_at', sa.Float(), nullable=True),
    sa.Column('queued_at', sa.Float(), nullable=True),
    sa.Column('offered_at', sa.Float(), nullable=True),
    sa.Column('answered_at', sa.Float(), nullable=True),
    sa.Column('ended_at', sa.Float(), nullable=False),
    sa.Column('wait_s', sa.Float(), nullable=True),
    sa.Column('talk_s', sa.Float(), nullable=False),
    sa.Column('wrapup_s', sa.Float(), nullable=False),
    sa.Column('sla_target', sa.Integer(), nullable=True),
    sa.Column('disposition', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('hangup_cause', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('hangup_side', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('recording', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('node', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call')),
    sa.UniqueConstraint('uuid', name=op.f('uq_call_uuid'))
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_agent'), ['agent'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_queue'), ['queue'], unique=False)
        batch_op.create_index('ix_call_tenant_entered', ['tenant', 'entered_at'], unique=False)

    op.create_table('call_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('bucket', sa.Float(), nullable=False),
    sa.Column('queue', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('agent', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('calls', sa.Float(), nullable=False),
    sa.Column('offered', sa.Float(), nullable=False),
    sa.Column('answered', sa.Float(), nullable=False),
    sa.Column('abandoned', sa.Float(), nullable=False),
    sa.Column('short_abandoned', sa.Float(), nullable=False),
    sa.Column('within_sla', sa.Float(), nullable=False),
    sa.Column('answer_wait', sa.Float(), nullable=False),
    sa.Column('wait', sa.Float(), nullable=False),
    sa.Column('longest_wait', sa.Float(), nullable=False),
    sa.Column('handle', sa.Float(), nullable=False),
    sa.Column('talk', sa.Float(), nullable=False),
    sa.Column('no_agent', sa.Float(), nullable=False),
    sa.Column('timed_out', sa.Float(), nullable=False),
    sa.Column('overflowed', sa.Float(), nullable=False),
    sa.Column('abandoned_ivr', sa.Float(), nullable=False),
    sa.Column('failed', sa.Float(), nullable=False),
    sa.Column('outbound', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_rollup')),
    sa.UniqueConstraint('tenant', 'bucket', 'queue', 'agent', name='uq_call_rollup_key')
    )
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhooks', sa.JSON(), server_default='[]', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('webhooks')

    op.drop_table('call_rollup')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_tenant_entered')
        batch_op.drop_index(batch_op.f('ix_call_queue'))
        batch_op.drop_index(batch_op.f('ix_call_agent'))

    op.drop_table('call')
    with op.batch_alter_table('agent_event', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_event_tenant_at')

    op.drop_table('agent_event')
