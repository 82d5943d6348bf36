"""satisfaction survey score on call rows and the rollup; queue callback settings and requests

Revision ID: 0007_survey
Revises: 0006_outbound
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_survey'
down_revision = '0006_outbound'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('callback_key', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True))
        batch_op.add_column(sa.Column('callback_attempts', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('callback_interval', sa.Integer(), nullable=False, server_default='120'))
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_score', sa.Integer(), nullable=True))
    with op.batch_alter_table('call_rollup', schema=None) as batch_op:
        for name in ('surveyed', 'survey_score', 'callbacks', 'callbacks_reached'):
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=False, server_default='0'))
    op.create_table('callback_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('queue', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('call_uuid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('since', sa.Float(), nullable=False),
    sa.Column('requested_at', sa.Float(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('interval', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.Float(), nullable=False),
    sa.Column('attempt_uuid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('agent', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=True),
    sa.Column('last_cause', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_request')),
    sa.UniqueConstraint('call_uuid', name=op.f('uq_callback_request_call_uuid'))
    )
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.create_index('ix_callback_request_state_next', ['state', 'next_at'], unique=False)


def downgrade() -> None:
    op.drop_table('callback_request')
    with op.batch_alter_table('call_rollup', schema=None) as batch_op:
        for name in ('callbacks_reached', 'callbacks', 'survey_score', 'surveyed'):
            batch_op.drop_column(name)
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('survey_score')
    with op.batch_alter_table('queue', schema=None) as batch_op:
        for name in ('callback_interval', 'callback_attempts', 'callback_key', 'survey'):
            batch_op.drop_column(name)
