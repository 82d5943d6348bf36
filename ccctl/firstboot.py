"""The box's first boot, ccctl's part (`python -m ccctl.firstboot`, run by the image's
ccctl-firstboot program): the database and its schema, the Event Socket password (made on
first use, stored in the database), the FreeSWITCH tree and its prompts. `ccctl engine install`
calls the same function when it adds the engine to a box that has no tree yet."""

from __future__ import annotations

from .context import Context


def prepare(ctx: Context) -> str:
    from sqlalchemy import text

    from .db import session_scope
    from .deploy.push import push_tree

    with session_scope(ctx.engine) as session:
        push_tree(ctx, session)
        # Read directly: importing alembic to ask takes seconds on a small box.
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return f"database at revision {revision}; tree in {ctx.settings.fs_conf_dir}"


if __name__ == "__main__":
    print(prepare(Context.open()))  # Context.open creates the database and its schema
