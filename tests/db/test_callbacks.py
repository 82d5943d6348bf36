"""Callback requests and survey figures in the database, on SQLite and PostgreSQL: one request
per call and per open caller, the attempts and retries the daemon's worker makes (against a
recording stand-in for FreeSWITCH's API), list and cancel, and the score in statistics."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine

from ccctl.callbacks import requests
from ccctl.callbacks.worker import CallbackWorker
from ccctl.daemon.store import write_rows
from ccctl.db import open_engine
from ccctl.errors import Conflict, NotFound
from ccctl.stats.history import Query, statistics

from .test_calls import T0, row


@dataclass
class Ctx:
    engine: Engine


@pytest.fixture
def engine(db_url):
    e = open_engine(db_url)
    yield e
    e.dispose()


def asked(uuid: str, number: str = "1003", at: float = 0) -> dict:
    return dict(row(uuid, "callback", at=at, wait=12), caller_number=number)


def attempt(uuid: str, reached: bool, number: str = "1003", at: float = 50) -> dict:
    r = row(uuid, "answered" if reached else "failed", at=at, wait=3, agent="1001")
    return dict(
        r, direction="callback", caller_number=number, hangup_cause="NORMAL_CLEARING" if reached else "NO_ANSWER"
    )


def test_requests_attempts_and_retries(engine):
    commands: list[str] = []
    worker = CallbackWorker(engine, lambda c: commands.append(c) or "+OK Job-UUID: x")
    worker.put_rows(
        [
            asked("c1"),
            asked("c1"),
            asked("c2"),
            asked("c3", number="4915112345678", at=60),
            row("n1", "answered", wait=3, agent="1001"),
        ]
    )
    worker.step(now=T0 + 100)
    # c2 is the same caller again while c1 is open: one request
    open_ = requests.list_requests(Ctx(engine), state="open")
    assert [(r["number"], r["state"], r["attempts"]) for r in open_] == [
        ("1003", "placed", 1),
        ("4915112345678", "placed", 1),
    ]
    assert len(commands) == 2 and all(c.startswith("bgapi originate {") for c in commands)
    # the earlier caller was placed with the higher base score
    scores = [int(c.split("cc_base_score=")[1].split(",")[0]) for c in commands]
    assert scores[0] > scores[1]

    worker.put_rows([attempt("p1", reached=False)])
    worker.step(now=T0 + 200)
    [first] = requests.list_requests(Ctx(engine), state="waiting")
    assert first["attempts"] == 1 and first["last_cause"] == "NO_ANSWER"
    worker.step(now=T0 + 200 + 119)  # the rule's interval (120 s by default) not over yet
    assert len(commands) == 2
    worker.step(now=T0 + 200 + 121)
    assert len(commands) == 3
    worker.put_rows([attempt("p2", reached=False)])
    worker.step(now=T0 + 400)
    worker.step(now=T0 + 600)
    worker.put_rows([attempt("p3", reached=False)])
    worker.step(now=T0 + 700)
    assert requests.list_requests(Ctx(engine), state="failed")[0]["attempts"] == 3

    worker.put_rows([attempt("p4", reached=True, number="4915112345678")])
    worker.step(now=T0 + 700)
    [done] = requests.list_requests(Ctx(engine), state="done")
    assert done["number"] == "4915112345678" and done["agent"] == "1001"


def test_placement_refused_by_freeswitch_is_not_an_attempt(engine):
    def down(command: str) -> str:
        raise ConnectionRefusedError("FreeSWITCH is down")

    worker = CallbackWorker(engine, down)
    worker.put_rows([asked("c1")])
    worker.step(now=T0)
    [r] = requests.list_requests(Ctx(engine))
    assert r["state"] == "waiting" and r["attempts"] == 0


def test_cancel(engine):
    hung: list[str] = []
    worker = CallbackWorker(engine, lambda c: "+OK")
    worker.put_rows([asked("c1"), asked("c2", number="1004")])
    worker.step(now=T0)
    [a, b] = requests.list_requests(Ctx(engine))
    out = requests.cancel(Ctx(engine), a["id"], hangup=hung.append)
    assert out["state"] == "cancelled" and hung == [f"hupall NORMAL_CLEARING ccctl_callback_id {a['id']}"]
    with pytest.raises(Conflict):
        requests.cancel(Ctx(engine), a["id"])
    with pytest.raises(NotFound):
        requests.cancel(Ctx(engine), 999)
    # the cancelled attempt's own row, when it comes, changes nothing
    worker.put_rows([attempt("p1", reached=True)])
    worker.step(now=T0 + 10)
    assert {r["number"]: r["state"] for r in requests.list_requests(Ctx(engine))} == {
        "1003": "cancelled",
        "1004": "placed",
    }


def test_survey_scores_in_statistics(engine):
    rows = [
        dict(row("s1", "answered", at=10, wait=3, talk=30, agent="1001"), survey_score=5),
        dict(row("s2", "answered", at=20, wait=3, talk=30, agent="1001"), survey_score=2),
        dict(row("s3", "answered", at=30, wait=3, talk=30, agent="1002"), survey_score=None),
        asked("c1", at=40),
        attempt("p1", reached=True),
    ]
    write_rows(engine, rows, [])
    for since, until in ((T0, T0 + 3600), (T0 + 5, T0 + 3000)):  # rollup, and raw rows at the edges
        by_agent = {r["agent"]: r for r in statistics(engine, Query(since, until, tenant="acme", by="agent"))}
        assert (by_agent["1001"]["surveyed"], by_agent["1001"]["survey_avg"]) == (2, 3.5)
        assert by_agent["1002"]["surveyed"] == 0 and by_agent["1002"]["survey_avg"] is None
        [t] = statistics(engine, Query(since, until, tenant="acme"))
        assert (t["offered"], t["callbacks"], t["callbacks_reached"], t["abandoned"]) == (4, 1, 1, 0)


def test_a_lost_placement_is_a_failed_attempt_and_retried(engine):
    commands: list[str] = []
    worker = CallbackWorker(engine, lambda c: commands.append(c) or "+OK")
    worker.put_rows([asked("c1")])
    worker.step(now=T0)
    worker.step(now=T0 + requests.PLACED_MAX_S - 1)
    assert requests.list_requests(Ctx(engine))[0]["state"] == "placed"
    worker.step(now=T0 + requests.PLACED_MAX_S + 1)
    [r] = requests.list_requests(Ctx(engine))
    assert (r["state"], r["attempts"], r["last_cause"]) == ("waiting", 1, "LOST")
    worker.step(now=T0 + requests.PLACED_MAX_S + 200)
    assert len(commands) == 2 and requests.list_requests(Ctx(engine))[0]["state"] == "placed"
