"""The one way into the library: `open(settings) -> Services`.

Every front end (the CLI, the TUI, the daemon, bench/ and the tests) builds its Services here,
the same way. Services holds what every operation needs, passed in explicitly: the settings
(where things are), the database engine, and whether a committed configuration change is then
deployed to FreeSWITCH (rendered, swapped in, reloaded). That choice is made once, when the
Services is built; nothing is patched in afterwards. Operations return their own results and
messages (see ccctl.config.write.Result); Services accumulates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ccctl.settings import Settings


@dataclass
class Services:
    settings: Settings
    engine: Engine
    deploy: bool = False
    """True: every committed configuration change is rendered and pushed to FreeSWITCH."""


def open(settings: Settings | None = None, *, deploy: bool | None = None) -> Services:  # noqa: A001
    """Services for SETTINGS (the environment's when None). DEPLOY None follows
    settings.fs_deploy ("auto": deploy, "off": database only)."""
    from ccctl.db import open_engine

    settings = settings or Settings.from_env()
    if deploy is None:
        deploy = settings.fs_deploy != "off"
    return Services(settings=settings, engine=open_engine(settings.db_url), deploy=deploy)
