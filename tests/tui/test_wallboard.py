"""The wallboard on the event stream recorded from the real FreeSWITCH tier, replayed over a
local Event Socket: the figures of the calls in it, agents by state, supervisor actions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from ccctl.config import spec as s
from ccctl.config.gather import esl_password
from ccctl.config.write import apply_tenants
from ccctl.supervision.wallboard import Board
from ccctl.testing.fake_esl import ReplayEventSocket
from tui.app import CcTui
from tui.screens import wallboard

from .conftest import SIZE, settle

STREAM = Path(__file__).parent.parent / "data" / "events" / "scripted_calls.esl"


def replay_tenant() -> s.Tenant:
    """The tenant the recording was made on (tests/freeswitch/test_daemon.py)."""
    return s.Tenant(
        name="acme",
        seats=[s.Seat(extension="1001", name="Agent One"), s.Seat(extension="1009", name="Sup", supervisor=True)],
        queues=[
            s.Queue(name="sales", wrapup=0),
            s.Queue(name="support", wrapup=0),
            s.Queue(name="billing", wrapup=0, max_wait=4),
        ],
    )


@pytest.fixture
def replay_ctx(tctx):
    apply_tenants(tctx, [replay_tenant()])
    server = ReplayEventSocket(STREAM.read_bytes(), password=esl_password(tctx))
    tctx.settings = tctx.settings.with_(esl_port=server.port)
    yield tctx
    server.close()


def row(app, table: str, key: str) -> list[str]:
    return list(app.screen.query_one(f"#{table}", DataTable).get_row(key))


async def test_replayed_stream_fills_the_board(replay_ctx):
    app = CcTui(replay_ctx, start="wallboard")
    async with app.run_test(size=SIZE) as pilot:
        board = app.screen.board
        deadline = time.monotonic() + 20
        while board.events < 44 and time.monotonic() < deadline:
            await pilot.pause(0.1)
        await pilot.pause(1.2)  # the next 1 Hz frame
        sales = row(app, "queues", "acme/sales")
        # the recording: one call answered by 1001 within the target, one caller who hung up waiting
        assert sales[2:7] == ["0", "0:00", "50%", "50%", "1"]
        assert sales[7].count("_") == 11  # one bar in the sparkline: the hour of the calls
        agent = row(app, "agents", "acme/1001")
        assert agent[3:6] == ["Available", "-", "Waiting"]
        assert app.screen.frames >= 2


def board_with_call(tenant: s.Tenant) -> Board:
    b = Board([tenant])
    now = time.time()
    b.feed(
        {
            "Event-Name": "CUSTOM",
            "CC-Action": "member-queue-start",
            "CC-Queue": "sales@acme.cc.local",
            "CC-Member-UUID": "m1",
            "CC-Member-Joined-Time": str(int(now - 5)),
        }
    )
    b.feed(
        {
            "Event-Name": "CUSTOM",
            "CC-Action": "bridge-agent-start",
            "CC-Queue": "sales@acme.cc.local",
            "CC-Member-UUID": "m1",
            "CC-Member-Session-UUID": "call-1",
            "CC-Agent": "1001@acme.cc.local",
            "CC-Member-CID-Number": "13800000000",
            "CC-Agent-Answered-Time": str(int(now)),
        }
    )
    return b


async def test_supervisor_actions_reach_the_monitor_module(replay_ctx, monkeypatch):
    import ccctl.supervision.monitor

    calls_made = []
    monkeypatch.setattr(ccctl.supervision.monitor, "whisper", lambda ctx, *a: calls_made.append(("whisper", *a)))
    monkeypatch.setattr(ccctl.supervision.monitor, "hangup", lambda ctx, *a: calls_made.append(("hangup", *a)))
    app = CcTui(replay_ctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        app.install_screen(wallboard.WallboardScreen(board_with_call(replay_tenant()), follow=False), "wallboard")
        app.goto("wallboard")
        await settle(app, pilot)
        calls = app.screen.query_one("#calls", DataTable)
        assert calls.row_count == 1
        calls.focus()
        await pilot.press("w")  # whisper to the agent on the selected call, from the tenant's supervisor
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("x", "y")
        await settle(app, pilot)
        assert calls_made == [("whisper", "acme", "1009", "1001"), ("hangup", "acme", "call-1")]


async def test_agent_state_change_without_freeswitch_is_one_clear_line(replay_ctx):
    replay_ctx.settings = replay_ctx.settings.with_(esl_port=1)  # nothing listens there
    app = CcTui(replay_ctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        app.install_screen(wallboard.WallboardScreen(board_with_call(replay_tenant()), follow=False), "wallboard")
        app.goto("wallboard")
        await settle(app, pilot)
        app.screen.query_one("#agents", DataTable).focus()
        await pilot.press("b")
        await settle(app, pilot)
        status = str(app.screen.query_one("#status", Static).render())
        assert status.startswith("break acme/1001:") and "FreeSWITCH" in status


async def test_without_freeswitch_the_board_says_live_data_is_unavailable(replay_ctx):
    replay_ctx.settings = replay_ctx.settings.with_(esl_port=1)  # nothing listens there
    app = CcTui(replay_ctx, start="wallboard")
    async with app.run_test(size=SIZE) as pilot:
        banner = app.screen.query_one("#offline", Static)
        for _ in range(50):
            await pilot.pause(0.1)
            if banner.display:
                break
        said = str(banner.render())
        assert banner.display and said.startswith("LIVE DATA UNAVAILABLE: cannot reach FreeSWITCH"), said
        assert "Agent states are unknown" in said


async def test_agent_keys_act_only_on_a_selected_agent_and_messages_stay(replay_ctx, monkeypatch):
    from ccctl.supervision import agents

    done = []
    monkeypatch.setattr(agents, "set_status", lambda ctx, t, ext, action: done.append((t, ext, action)) or "Logged Out")
    app = CcTui(replay_ctx, start="tenants")
    async with app.run_test(size=SIZE) as pilot:
        app.install_screen(wallboard.WallboardScreen(board_with_call(replay_tenant()), follow=False), "wallboard")
        app.goto("wallboard")
        await settle(app, pilot)
        app.screen.query_one("#queues", DataTable).focus()
        await pilot.press("l")  # the queues pane: no agent is selected
        await settle(app, pilot)
        status = app.screen.query_one("#status", Static)
        assert done == [] and str(status.render()).startswith("select an agent first")
        app.screen.query_one("#agents", DataTable).focus()
        await pilot.press("down", "o")  # 1009
        await settle(app, pilot)
        assert done == [("acme", "1009", "logout")]
        await pilot.pause(1.5)  # frames come and go: the word stays
        assert str(status.render()) == "acme/1009: Logged Out"
        await pilot.press("up")  # until the next key
        assert str(status.render()) == ""


async def test_every_wallboard_key_is_in_help_and_footer(replay_ctx):
    from textual.widgets._footer import FooterKey

    app = CcTui(replay_ctx, start="tenants")
    async with app.run_test(size=(120, 40)) as pilot:
        app.install_screen(wallboard.WallboardScreen(board_with_call(replay_tenant()), follow=False), "wallboard")
        app.goto("wallboard")
        await settle(app, pilot)
        footer = {k.description for k in app.screen.query(FooterKey)}
        await pilot.press("question_mark")
        await settle(app, pilot)
        helped = "\n".join(str(w.render()) for w in app.screen.query(Static))
    for b in wallboard.WallboardScreen.BINDINGS:
        assert b.description in helped, b
        if b.show:
            assert b.description in footer, b
    assert (
        "o  Logout" in helped
        or "o      Logout" in helped
        or any(ln.split()[:2] == ["o", "Logout"] for ln in helped.splitlines())
    )


def test_the_board_shows_a_break_with_its_reason():
    """*24 + code (or `ccctl agent break --reason`) sends ccctl::agent with the reason after
    mod_callcenter's status change; back to Available, the reason goes."""
    b = Board([replay_tenant()])
    agent = "1001@acme.cc.local"
    b.feed(
        {"Event-Name": "CUSTOM", "CC-Action": "agent-status-change", "CC-Agent": agent, "CC-Agent-Status": "On Break"}
    )
    b.feed(
        {
            "Event-Name": "CUSTOM",
            "Event-Subclass": "ccctl::agent",
            "CCCTL-Action": "break",
            "CCCTL-Agent": agent,
            "CCCTL-Reason": "lunch",
        }
    )
    one = next(a for a in b.snapshot()["agents"] if a["extension"] == "1001")
    assert (one["status"], one["reason"]) == ("On Break", "lunch")
    b.feed(
        {"Event-Name": "CUSTOM", "CC-Action": "agent-status-change", "CC-Agent": agent, "CC-Agent-Status": "Available"}
    )
    one = next(a for a in b.snapshot()["agents"] if a["extension"] == "1001")
    assert (one["status"], one["reason"]) == ("Available", None)


def test_a_flood_costs_counters_not_frames():
    """10,000 events between two frames: the board just counts; one snapshot shows the result."""
    t = s.Tenant(
        name="big",
        seats=[s.Seat(extension=str(2000 + i), name=f"A{i}") for i in range(200)],
        queues=[s.Queue(name=f"q{i}") for i in range(50)],
    )
    b = Board([t])
    for n in range(10_000):
        b.feed(
            {
                "Event-Name": "CUSTOM",
                "CC-Action": "agent-state-change",
                "CC-Agent": f"{2000 + n % 200}@big.cc.local",
                "CC-Agent-State": ("Waiting", "In a queue call")[n % 2],
            }
        )
    snap = b.snapshot()
    assert b.events == 10_000 and len(snap["agents"]) == 200 and len(snap["queues"]) == 50
    # each agent shows its last event: even extensions only ever got Waiting, odd ones a call
    assert all(a["state"] == ("Waiting", "In a queue call")[int(a["extension"]) % 2] for a in snap["agents"])
