"""The store tests run on SQLite and on a real PostgreSQL: a private cluster this fixture
creates and starts on 127.0.0.1 (or CCCTL_TEST_PG_URL, when one is given)."""

from __future__ import annotations

import os

import pytest

from ccctl.testing.postgres import NoPostgres, new_database, private_cluster  # noqa: F401


@pytest.fixture(scope="session")
def postgres_url():
    if os.environ.get("CCCTL_TEST_PG_URL"):
        yield os.environ["CCCTL_TEST_PG_URL"]
        return
    try:
        with private_cluster() as url:
            yield url
    except NoPostgres as exc:
        pytest.skip(f"{exc}: PostgreSQL tier skipped")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.db"
    return new_database(request.getfixturevalue("postgres_url"))
