"""The admin console on a real SQLite database (database only: the FreeSWITCH tier has its
own test where a change made in the console reaches the switch)."""

from __future__ import annotations

import pytest

from ccctl import app
from ccctl.app import Services
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.settings import Settings

SIZE = (80, 24)


def acme() -> s.Tenant:
    return s.Tenant(
        name="acme",
        display_name="Acme",
        seat_limit=5,
        seats=[
            s.Seat(extension="1001", name="张三", skills={"sales": 5}),
            s.Seat(extension="1002", name="Bob", skills={"sales": 3, "support": 2}, supervisor=True),
        ],
        queues=[s.Queue(name="sales"), s.Queue(name="support")],
        ivrs=[
            s.Ivr(
                name="main",
                greeting=s.Greeting(text="Welcome to Acme"),
                options={"1": "queue:sales", "2": "ivr:after"},
                hours={"mon": "09:00-18:00"},
                holidays=["12-25"],
            ),
            s.Ivr(name="after", greeting=s.Greeting(text="We are closed"), options={"0": "ivr:main"}),
        ],
        numbers=[s.Number(number="4001", target="ivr:main")],
        trunks=[s.Trunk(name="carrier", host="sip.example.net", username="acme", password="s3cret-trunk")],
    )


def scratch(tmp_path) -> Services:
    # root: the wizard's host name, keys and time zone go to a scratch tree, never this machine's
    return app.open(
        Settings(
            db=str(tmp_path / "ccctl.db"),
            fs_deploy="off",
            root=tmp_path / "root",
            fs_recordings_dir=tmp_path / "recordings",
            fs_conf_dir=tmp_path / "conf",
        )
    )


@pytest.fixture
def tctx(tmp_path) -> Services:
    ctx = scratch(tmp_path)
    apply_tenants(ctx, [acme()])
    return ctx


@pytest.fixture
def fresh(tmp_path) -> Services:
    """A box as it first boots: an empty database."""
    return scratch(tmp_path)


async def settle(app, pilot) -> None:
    """Let saves (thread workers) finish and the screen catch up."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run the async tests of this folder in their own event loop (no asyncio plugin needed)."""
    import asyncio
    import inspect

    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None
