"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('setting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('tenant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('plan', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('domain', sqlmodel.sql.sqltypes.AutoString(length=253), nullable=True),
    sa.Column('seat_limit', sa.Integer(), nullable=False),
    sa.Column('call_limit', sa.Integer(), nullable=False),
    sa.Column('caller_id_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('caller_id_number', sqlmodel.sql.sqltypes.AutoString(length=21), nullable=True),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('lease_price', sa.Float(), nullable=True),
    sa.Column('lease_currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('lease_period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant')),
    sa.UniqueConstraint('domain', name=op.f('uq_tenant_domain')),
    sa.UniqueConstraint('name', name=op.f('uq_tenant_name'))
    )
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=21), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_customer_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('tenant_id', 'number', name='uq_customer_tenant_number')
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ivr_menu',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('greeting_text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('greeting_file', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('greeting_language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('timeout', sa.Integer(), nullable=False),
    sa.Column('max_failures', sa.Integer(), nullable=False),
    sa.Column('failure_target', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=True),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('closed_target', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_ivr_menu_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_menu')),
    sa.UniqueConstraint('tenant_id', 'name', name='uq_ivr_menu_tenant_name')
    )
    with op.batch_alter_table('ivr_menu', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ivr_menu_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('number',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=21), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_number_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number')),
    sa.UniqueConstraint('number', name=op.f('uq_number_number'))
    )
    with op.batch_alter_table('number', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_number_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('queue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('skill', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=True),
    sa.Column('strategy', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('moh', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('announce', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('announce_every', sa.Integer(), nullable=False),
    sa.Column('max_wait', sa.Integer(), nullable=False),
    sa.Column('overflow_target', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('no_agent_timeout', sa.Integer(), nullable=False),
    sa.Column('no_agent_target', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('service_level', sa.Integer(), nullable=False),
    sa.Column('wrapup', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_queue_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue')),
    sa.UniqueConstraint('tenant_id', 'name', name='uq_queue_tenant_name')
    )
    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('recording_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('legal_hold', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_recording_policy_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording_policy')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_recording_policy_tenant_id'))
    )
    op.create_table('seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('extension', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('password', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('remote', sa.Boolean(), nullable=False),
    sa.Column('supervisor', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_seat_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat')),
    sa.UniqueConstraint('tenant_id', 'extension', name='uq_seat_tenant_extension')
    )
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('trunk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=253), nullable=True),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('transport', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('password', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('register_gw', sa.Boolean(), nullable=False),
    sa.Column('caller_id', sqlmodel.sql.sqltypes.AutoString(length=21), nullable=True),
    sa.Column('span_group', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_trunk_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trunk')),
    sa.UniqueConstraint('tenant_id', 'name', name='uq_trunk_tenant_name')
    )
    with op.batch_alter_table('trunk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trunk_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('ivr_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('menu_id', sa.Integer(), nullable=False),
    sa.Column('digit', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.ForeignKeyConstraint(['menu_id'], ['ivr_menu.id'], name=op.f('fk_ivr_option_menu_id_ivr_menu'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_option')),
    sa.UniqueConstraint('menu_id', 'digit', name='uq_ivr_option_menu_digit')
    )
    with op.batch_alter_table('ivr_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ivr_option_menu_id'), ['menu_id'], unique=False)

    op.create_table('seat_skill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('skill', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_seat_skill_seat_id_seat'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_skill')),
    sa.UniqueConstraint('seat_id', 'skill', name='uq_seat_skill_seat_skill')
    )
    with op.batch_alter_table('seat_skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_skill_seat_id'), ['seat_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('seat_skill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seat_skill_seat_id'))

    op.drop_table('seat_skill')
    with op.batch_alter_table('ivr_option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ivr_option_menu_id'))

    op.drop_table('ivr_option')
    with op.batch_alter_table('trunk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trunk_tenant_id'))

    op.drop_table('trunk')
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seat_tenant_id'))

    op.drop_table('seat')
    op.drop_table('recording_policy')
    with op.batch_alter_table('queue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_tenant_id'))

    op.drop_table('queue')
    with op.batch_alter_table('number', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_number_tenant_id'))

    op.drop_table('number')
    with op.batch_alter_table('ivr_menu', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ivr_menu_tenant_id'))

    op.drop_table('ivr_menu')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_customer_number'))

    op.drop_table('customer')
    op.drop_table('tenant')
    op.drop_table('setting')

