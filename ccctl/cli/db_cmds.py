"""`ccctl db ...`: schema migrations."""

from __future__ import annotations

import typer

from ccctl.cli import output
from ccctl.cli.common import JSON, ErrorMappingGroup, settings_of

app = typer.Typer(cls=ErrorMappingGroup, help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context):
    """Bring the schema up to the newest migration (also done automatically on first use)."""
    from sqlalchemy.exc import SQLAlchemyError

    from ccctl.db.migrate import current_revision
    from ccctl.db.migrate import upgrade as run_upgrade
    from ccctl.db.session import open_engine, unreachable

    url = settings_of(ctx).db_url
    engine = open_engine(url, migrate=False)
    try:
        run_upgrade(engine)
    except SQLAlchemyError as exc:
        raise unreachable(url, exc) from None
    output.message(f"database at revision {current_revision(engine)}")


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON):
    """Show the database URL and its schema revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from ccctl.db.migrate import current_revision, head_revision
    from ccctl.db.session import open_engine, unreachable

    url = settings_of(ctx).db_url
    engine = open_engine(url, migrate=False)
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        raise unreachable(url, exc) from None
    data = {"url": engine.url.render_as_string(hide_password=True), "revision": revision, "head": head_revision()}
    output.emit(data, as_json)
