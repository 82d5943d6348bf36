"""tenant identity: every tenant gets a uid that is never reused, and operational rows (calls,
agent events, rollups, recordings, audit, callbacks, campaigns, do-not-call) carry the uid of
the tenant they belong to; webhook secrets are kept under the uid.

Columns are added in place (no table rebuild: with foreign keys on, rebuilding tenant would
delete every row that refers to it). Existing rows get their tenant's identity here.

Revision ID: 0009_tenant_identity
Revises: 0008_same_names
Create Date: 2026-12-06
"""
import uuid

import sqlalchemy as sa
from alembic import op


revision = '0009_tenant_identity'
down_revision = '0008_same_names'
branch_labels = None
depends_on = None

TABLES = ('call', 'agent_event', 'call_rollup', 'recording', 'audit_log', 'callback_request', 'campaign', 'dnc')


def upgrade() -> None:
    op.add_column('tenant', sa.Column('uid', sa.String(length=32), nullable=True))
    op.create_index('ix_tenant_uid', 'tenant', ['uid'], unique=True)
    conn = op.get_bind()
    for tid, name in conn.execute(sa.text("SELECT id, name FROM tenant")).all():
        uid = uuid.uuid4().hex
        conn.execute(sa.text("UPDATE tenant SET uid = :u WHERE id = :i"), {"u": uid, "i": tid})
        conn.execute(sa.text("UPDATE setting SET key = :new WHERE key = :old"),
                     {"new": f"webhook_secret.{uid}", "old": f"webhook_secret.{name}"})
    for table in TABLES:
        op.add_column(table, sa.Column('tenant_uid', sa.String(length=32), nullable=True))
        op.create_index(f'ix_{table}_tenant_uid', table, ['tenant_uid'], unique=False)
        conn.execute(sa.text(f'UPDATE "{table}" SET tenant_uid = (SELECT uid FROM tenant WHERE tenant.name = "{table}".tenant)'))


def downgrade() -> None:
    conn = op.get_bind()
    for uid, name in conn.execute(sa.text("SELECT uid, name FROM tenant")).all():
        conn.execute(sa.text("UPDATE setting SET key = :new WHERE key = :old"),
                     {"new": f"webhook_secret.{name}", "old": f"webhook_secret.{uid}"})
    for table in TABLES:
        op.drop_index(f'ix_{table}_tenant_uid', table_name=table)
        with op.batch_alter_table(table, recreate='never') as batch_op:
            batch_op.drop_column('tenant_uid')
    op.drop_index('ix_tenant_uid', table_name='tenant')
    with op.batch_alter_table('tenant', recreate='never') as batch_op:
        batch_op.drop_column('uid')
