"""The Event Socket adapter's one behaviour on -ERR, against the wire-level fake: both the
command connection (EventSocket) and the event stream (EventStream) raise FreeSwitchRefused
on an api or bgapi answer of -ERR, and return the text when the caller asks with check=False."""

from __future__ import annotations

import pytest

from ccctl.errors import FreeSwitchError, FreeSwitchRefused
from ccctl.freeswitch.esl import EventSocket, EventStream
from ccctl.testing.fake_esl import FakeEventSocket, ReplayEventSocket

REPLIES = {
    "status": "UP 0 years\nFreeSWITCH is ready",
    "uuid_getvar gone": "-ERR No such channel!",
    "originate bad": "-ERR GATEWAY_DOWN",
}


@pytest.fixture
def fake():
    server = FakeEventSocket(password="secret", replies=dict(REPLIES))
    yield server
    server.close()


def _connections(fake):
    """The command connection and an event stream (subscribed to events, so its api replies
    come between events), each as FreeSWITCH's clients in ccctl open them."""
    return [
        EventSocket("127.0.0.1", fake.port, "secret", timeout=5).connect(),
        EventStream("127.0.0.1", fake.port, "secret", ["CHANNEL_ANSWER"], timeout=5),
    ]


def test_api_err_raises_on_both_paths(fake):
    for conn in _connections(fake):
        try:
            assert "is ready" in conn.api("status")
            with pytest.raises(FreeSwitchRefused) as err:
                conn.api("uuid_getvar gone ccctl_tenant")
            assert isinstance(err.value, FreeSwitchError)  # callers catching the general error still do
            assert err.value.command == "uuid_getvar gone ccctl_tenant"
            assert err.value.reason == "No such channel!"
            assert str(err.value) == "uuid_getvar gone ccctl_tenant: No such channel!"
            assert err.value.id == "freeswitch-error" and err.value.exit_code == 1
            # check=False: the caller reads FreeSWITCH's text itself
            assert conn.api("uuid_getvar gone ccctl_tenant", check=False) == "-ERR No such channel!"
            assert "is ready" in conn.api("status")  # the connection is still usable
        finally:
            conn.close()


def test_bgapi_err_raises_on_both_paths(fake):
    for conn in _connections(fake):
        try:
            job = "2f6c0e3a-0000-4000-8000-000000000001"
            assert conn.bgapi("originate good &park", job_uuid=job) == f"+OK Job-UUID: {job}"
            with pytest.raises(FreeSwitchRefused, match="GATEWAY_DOWN") as err:
                conn.bgapi("originate bad &park")
            assert err.value.command == "originate bad &park" and err.value.reason == "GATEWAY_DOWN"
            assert conn.bgapi("originate bad &park", check=False) == "-ERR GATEWAY_DOWN"
        finally:
            conn.close()
    assert fake.background == ["originate good &park", "originate bad &park", "originate bad &park"] * 2


def test_refused_login_is_a_freeswitch_error_on_both_paths(fake):
    with pytest.raises(FreeSwitchError, match="cannot reach"):
        EventSocket("127.0.0.1", fake.port, "wrong", timeout=2).connect()
    with pytest.raises(FreeSwitchError, match="auth: invalid"):
        EventStream("127.0.0.1", fake.port, "wrong", ["CHANNEL_ANSWER"], timeout=2)
    replay = ReplayEventSocket(b"", password="secret")
    try:
        with pytest.raises(FreeSwitchError, match="auth: invalid"):
            EventStream("127.0.0.1", replay.port, "wrong", ["CHANNEL_ANSWER"], timeout=2)
    finally:
        replay.close()


def test_password_never_in_a_refusal(fake):
    with pytest.raises(FreeSwitchError) as err:
        EventStream("127.0.0.1", fake.port, "hunter2-wrong", [], timeout=2)
    assert "hunter2" not in str(err.value)


def test_a_connection_stop_logs_nothing_at_info(fake, caplog):
    """greenswitch's stop() logs "Waiting for event processing greenlet exit" at INFO (through
    the root logger): once per short-lived connection, 8,600 lines a day from the daemon's
    watchdog. A connect / api / close cycle now logs nothing at INFO; greenswitch's warnings
    still pass."""
    import logging

    caplog.set_level(logging.DEBUG)
    for _ in range(2):
        conn = EventSocket("127.0.0.1", fake.port, "secret", timeout=5).connect()
        assert "is ready" in conn.api("status")
        conn.close()
    assert conn._conn is None
    said = [r.getMessage() for r in caplog.records if r.levelno <= logging.INFO]
    assert not [m for m in said if "greenlet exit" in m], said
    logging.getLogger().warning("kept")  # the filter drops only greenswitch's chatter
    assert any(r.getMessage() == "kept" for r in caplog.records)
