"""The post-call satisfaction survey against a real FreeSWITCH, sipp seats and callers, and
the event daemon: after the agent hangs up, the caller's leg goes on to the survey; the
score keyed in by real RFC 2833 DTMF lands on the call row and in `ccctl stats` per agent,
queue and tenant; a caller who hangs up without scoring leaves no score."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.supervision.agents import set_status
from ccctl.testing import sip
from ccctl.testing.sip import Agents, Seat, call

from .test_daemon import box_and_daemon, check, wait_rows

pytestmark = pytest.mark.skipif(sip.available() is not None, reason=str(sip.available()))

TENANT, DOMAIN, DID = "acme", "acme.cc.local", "4000000021"
AGENT_TALK_MS = 3000


def tenant() -> s.Tenant:
    return s.Tenant(
        name=TENANT,
        recording=s.Recording(mode="none"),
        seats=[s.Seat(extension="1001", name="Alice", skills={"sales": 5})],
        queues=[s.Queue(name="sales", wrapup=0, survey=True, no_agent=s.NoAgent(timeout=60, target="hangup"))],
        numbers=[s.Number(number=DID, target="queue:sales")],
    )


@pytest.fixture(autouse=True)
def no_stray_sipp():
    yield
    sip.kill_all()


def test_survey_score_from_dtmf_is_on_the_call_row_and_in_stats(fs_install, tmp_path):
    with box_and_daemon(fs_install, tmp_path, tenant()) as (ctx, box, daemon):
        with (
            daemon,
            Agents(
                box,
                tmp_path / "seats",
                [Seat("1001", DOMAIN, seat_password(box.services, TENANT, "1001"), AGENT_TALK_MS)],
            ) as agents,
        ):
            set_status(box.services, TENANT, "1001", "ready")
            diag = [agents.diagnostics, daemon.text, lambda: box.fs.log_tail(120)]
            # The agent hangs up after 3 s; the caller presses 4 about 4 s later, in the survey.
            scored = call(tmp_path / "scored", DID, digits="4", wait_ms=AGENT_TALK_MS + 4500, talk_ms=20000)
            check(
                scored.ok and scored.answered and scored.ended == "remote-bye" and len(agents["1001"].calls) == 1,
                f"scored call: {scored} (FreeSWITCH must hang up after the thanks)",
                scored.diagnostics,
                *diag,
            )
            # This caller hangs up during the question without pressing anything.
            silent = call(
                tmp_path / "silent", DID, digits="", wait_ms=AGENT_TALK_MS + 3000, talk_ms=500, source_ip="127.0.0.3"
            )
            check(
                silent.ok and silent.ended == "local-bye" and len(agents["1001"].calls) == 2,
                f"silent call: {silent}",
                silent.diagnostics,
                *diag,
            )
            rows = wait_rows(ctx.engine, 2)
            check(len(rows) == 2, f"rows: {rows}", *diag)

    from sqlalchemy import select

    from ccctl.model import Call

    with ctx.engine.connect() as conn:
        stored = [
            dict(r) for r in conn.execute(select(Call.__table__).order_by(Call.__table__.c.entered_at)).mappings()
        ]
    print(
        json.dumps(
            [{k: r[k] for k in ("disposition", "agent", "talk_s", "survey_score", "hangup_side")} for r in stored],
            indent=1,
        )
    )
    first, second = stored
    assert first["disposition"] == "answered" and first["agent"] == "1001" and first["survey_score"] == 4
    # talk ends when the agent hung up, not when the survey did
    assert AGENT_TALK_MS / 1000 - 1 < first["talk_s"] < AGENT_TALK_MS / 1000 + 2, first["talk_s"]
    assert second["disposition"] == "answered" and second["survey_score"] is None

    runner = CliRunner()
    env = {"CCCTL_DB": ctx.settings.db}
    for by, key in (("agent", "1001"), ("queue", "sales"), ("tenant", TENANT)):
        result = runner.invoke(app, ["stats", "--tenant", TENANT, "--by", by, "--json"], env=env)
        assert result.exit_code == 0, result.output
        stats = {r[by]: r for r in json.loads(result.stdout)}
        assert stats[key]["surveyed"] == 1 and stats[key]["survey_avg"] == 4.0 and stats[key]["answered"] == 2, stats
    table = runner.invoke(app, ["stats", "--tenant", TENANT, "--by", "agent"], env={**env, "COLUMNS": "400"})
    assert table.exit_code == 0 and "survey_avg" in table.stdout and "surveyed" in table.stdout, table.stdout


def test_an_originated_call_lands_in_the_survey_ivr(fs_install, tmp_path):
    """The hook of the outbound survey campaign: a call originated into `cc-survey` of the
    tenant's context is asked and keeps the score in ccctl_survey_score. The far end here is
    the other leg of a loopback that keys 5 (the dialer originates to a trunk instead)."""
    from .test_calls import running_box

    with running_box(fs_install, tmp_path / "fs", tenant()) as (box, events):
        box.api(
            f"bgapi originate {{ccctl_tenant={TENANT},ccctl_campaign=t}}loopback/cc-survey/{TENANT} "
            "sleep:2500,send_dtmf:5@200,sleep:8000 inline"
        )
        ended = events.wait_for(
            lambda e: (
                e.get("Event-Name") == "CHANNEL_HANGUP_COMPLETE" and e.get("Caller-Destination-Number") == "cc-survey"
            ),
            timeout=40,
        )[0]
        assert ended.get("variable_ccctl_survey") == "asked", ended
        assert ended.get("variable_ccctl_survey_score") == "5", {k: v for k, v in ended.items() if "ccctl" in k}
