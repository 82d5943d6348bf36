"""outbound campaigns, their contacts, the tenants' do-not-call lists

Revision ID: 0006_outbound
Revises: 0005_records
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0006_outbound'
down_revision = '0005_records'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign', S(length=63), nullable=True))

    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', S(length=63), nullable=False),
    sa.Column('name', S(length=63), nullable=False),
    sa.Column('kind', S(length=16), nullable=False),
    sa.Column('queue', S(length=63), nullable=True),
    sa.Column('target', S(length=200), nullable=True),
    sa.Column('mode', S(length=12), nullable=False),
    sa.Column('trunk', S(length=63), nullable=True),
    sa.Column('caller_id', S(length=21), nullable=True),
    sa.Column('country', S(length=2), nullable=False),
    sa.Column('window_start', S(length=5), nullable=False),
    sa.Column('window_end', S(length=5), nullable=False),
    sa.Column('days', S(length=40), nullable=False),
    sa.Column('retries', sa.JSON(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('max_concurrent', sa.Integer(), nullable=False),
    sa.Column('ring_timeout', sa.Integer(), nullable=False),
    sa.Column('abandon_target', sa.Float(), nullable=False),
    sa.Column('state', S(length=10), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
    sa.UniqueConstraint('tenant', 'name', name='uq_campaign_tenant_name')
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_tenant'), ['tenant'], unique=False)

    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('number', S(length=21), nullable=False),
    sa.Column('name', S(length=200), nullable=True),
    sa.Column('timezone', S(length=64), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('state', S(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.Float(), nullable=False),
    sa.Column('last_disposition', S(length=16), nullable=True),
    sa.Column('last_call', S(length=64), nullable=True),
    sa.Column('agent', S(length=63), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_contact_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact')),
    sa.UniqueConstraint('campaign_id', 'number', name='uq_contact_campaign_number')
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index('ix_contact_due', ['campaign_id', 'state', 'next_at'], unique=False)

    op.create_table('dnc',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', S(length=63), nullable=False),
    sa.Column('number', S(length=21), nullable=False),
    sa.Column('note', S(length=200), nullable=True),
    sa.Column('added_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dnc')),
    sa.UniqueConstraint('tenant', 'number', name='uq_dnc_tenant_number')
    )


def downgrade() -> None:
    op.drop_table('dnc')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_due')
    op.drop_table('contact')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_tenant'))
    op.drop_table('campaign')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('campaign')
