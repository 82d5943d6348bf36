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


def new_uid() -> str:
    """A tenant's identity: generated once, at creation, never reused (a later tenant of the
    same name gets its own)."""
    import uuid

    return uuid.uuid4().hex


def _current_uid(context):
    """The identity of the tenant that holds the row's tenant name now (None when none does):
    how operational rows, written by name (the daemon knows the channel's tenant name only),
    are keyed by the tenant they belong to."""
    from sqlalchemy import text

    name = context.get_current_parameters().get("tenant")
    if name is None:
        return None
    return context.connection.execute(text("SELECT uid FROM tenant WHERE name = :n"), {"n": name}).scalar()


def tenant_uid():
    """The owning tenant's identity on an operational row, filled in from its `tenant` name
    when the row is inserted."""
    from sqlmodel import Field

    return Field(default=None, max_length=32, index=True, sa_column_kwargs={"default": _current_uid})
