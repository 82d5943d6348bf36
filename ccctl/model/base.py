"""Shared column helpers and the naming convention that keeps constraint names stable
across SQLite and PostgreSQL (Alembic batch mode needs named constraints)."""

from sqlmodel import SQLModel

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING


def tenant_fk():
    from sqlmodel import Field

    return Field(foreign_key="tenant.id", ondelete="CASCADE", index=True)
