"""`ccctl backup FILE` and `ccctl restore FILE`."""

from __future__ import annotations

from pathlib import Path

import typer

from ccctl.cli import output
from ccctl.cli.common import JSON, settings_of
from ccctl.cli.progress import bar

FILE = typer.Argument(..., metavar="FILE", help="The archive (a gzipped tar).")
WITH_RECORDINGS = typer.Option(
    False, "--with-recordings", help="The recordings folder too (CCCTL_FS_RECORDINGS_DIR); can be large."
)


def backup(ctx: typer.Context, file: Path = FILE, with_recordings: bool = WITH_RECORDINGS, as_json: bool = JSON):
    """Back up the database (configuration, the box's secrets, call rows, recordings index) to
    a new FILE, online: calls and the daemon go on, and the copy is one consistent moment. The
    archive restores onto SQLite or PostgreSQL, whichever it came from. It holds every secret
    of the box: keep it as safe as the box."""
    from ccctl.box.backup import backup as run
    from ccctl.db.session import open_engine

    settings = settings_of(ctx)
    engine = open_engine(settings.db_url)
    with bar("recordings", as_json) as progress:
        r = run(engine, file, recordings_dir=settings.fs_recordings_dir if with_recordings else None, progress=progress)
    _done(r, as_json, "backed up")


def restore(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="An archive of `ccctl backup`."),
    force: bool = typer.Option(False, "--force", help="Replace a database that already holds data."),
    with_recordings: bool = typer.Option(
        False, "--with-recordings", help="Put the archive's recordings back into CCCTL_FS_RECORDINGS_DIR."
    ),
    as_json: bool = JSON,
):
    """Restore the database from FILE into an empty database (a fresh box), or replace
    everything in it with --force; then bring FreeSWITCH's configuration to it."""
    from ccctl.app import Services
    from ccctl.box.backup import restore as run
    from ccctl.db.session import open_engine

    settings = settings_of(ctx)
    engine = open_engine(settings.db_url, migrate=False)
    before = _esl_password(engine)
    with bar("recordings", as_json) as progress:
        r = run(
            engine,
            file,
            force=force,
            recordings_dir=settings.fs_recordings_dir if with_recordings else None,
            progress=progress,
            webhook_hosts=settings.webhook_hosts,
        )
    _done(r, as_json, "restored")
    if before and before != _esl_password(engine):
        output.message(
            "the Event Socket password is the backup's now: restart FreeSWITCH "
            "(systemctl restart freeswitch) so that ccctl can reach it"
        )
    from ccctl.deploy.run import commit_generation, deploy_latest

    # The restored rows are a configuration of their own: a new generation, pushed under the
    # deploy lock like every write's (and pending in `ccctl status` when deploys are off).
    c = Services(settings=settings, engine=engine)
    commit_generation(c)
    if settings.fs_deploy != "off":
        outcome = deploy_latest(c)
        for m in outcome.notes:
            output.message(m)
        if outcome.commands:
            output.message(f"FreeSWITCH reloaded: {len(outcome.commands)} command(s)")


def _esl_password(engine) -> str | None:
    """The box's Event Socket password as the database holds it (None: no database yet)."""
    import sqlalchemy as sa

    from ccctl.config.gather import ESL_PASSWORD

    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT value FROM setting WHERE key = :k"), {"k": ESL_PASSWORD}).scalar()
    except sa.exc.SQLAlchemyError:
        return None


def _done(r: dict, as_json: bool, verb: str) -> None:
    if as_json:
        output.emit_json(r)
        return
    rec = r.get("recordings")
    extra = f", {rec['files']} recording file(s)" if rec else ""
    output.message(
        f"{verb}: {r['rows']} row(s) in {r['tables']} table(s){extra}, schema {r['revision']}, "
        f"{r['seconds']} s -> {r['file']}"
        if verb == "backed up"
        else f"{verb}: {r['rows']} row(s) in {r['tables']} table(s){extra} from {r['file']} in {r['seconds']} s"
    )
