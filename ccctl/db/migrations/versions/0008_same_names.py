"""one name per field: the table columns that the site file names differently get its names
(seat.display_name -> name, queue.overflow_target -> overflow, ivr_menu.failure_target ->
on_failure, ivr_menu.closed_target -> closed, trunk.register_gw -> register_, as the spec's
Python attribute: `register` shadows a pydantic class method)

Renamed in place (ALTER TABLE ... RENAME COLUMN, SQLite 3.25 and later): a batch that
recreated seat or ivr_menu would, with foreign keys on, delete their skills and options.

Revision ID: 0008_same_names
Revises: 0007_survey
Create Date: 2026-12-06
"""
from alembic import op


revision = '0008_same_names'
down_revision = '0007_survey'
branch_labels = None
depends_on = None

RENAMES = {
    'seat': [('display_name', 'name')],
    'queue': [('overflow_target', 'overflow')],
    'ivr_menu': [('failure_target', 'on_failure'), ('closed_target', 'closed')],
    'trunk': [('register_gw', 'register_')],
}


def upgrade() -> None:
    for table, pairs in RENAMES.items():
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            for old, new in pairs:
                batch_op.alter_column(old, new_column_name=new)


def downgrade() -> None:
    for table, pairs in RENAMES.items():
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            for old, new in pairs:
                batch_op.alter_column(new, new_column_name=old)
