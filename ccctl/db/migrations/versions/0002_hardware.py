"""voice cards: spans and analog ports

Revision ID: 0002_hardware
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002_hardware'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('voice_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('profile', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('spans', sa.JSON(), nullable=False),
    sa.Column('ports', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_card')),
    sa.UniqueConstraint('name', name=op.f('uq_voice_card_name'))
    )


def downgrade() -> None:
    op.drop_table('voice_card')
