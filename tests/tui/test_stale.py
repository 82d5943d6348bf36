"""What another admin changed while a screen was open: a form saved late loses nothing of
theirs, a form, row, credential or menu of an object removed meanwhile says so in one line,
and the console stays up with no password on screen or in a logged traceback."""

from __future__ import annotations

import logging

from textual.widgets import DataTable, Input, Static

from ccctl.config import entities
from ccctl.config.write import apply_tenants
from tui.app import CcTui
from tui.screens.form import FormScreen
from tui.screens.listing import ListScreen

from .conftest import SIZE, acme, settle


def secrets(services) -> list[str]:
    """Every password of the test's tenant: none may ever be shown unasked."""
    t = entities.get_tenant(services, "acme", with_secrets=True)
    return [x.password for x in t.seats] + [tr.password for tr in t.trunks if tr.password]


def shown(app) -> str:
    return app.export_screenshot()


def toasts(app) -> list[str]:
    return [str(t.render()) for t in app.screen.query("Toast")]


def status(app) -> str:
    return str(app.screen.query_one("#status", Static).render())


def assert_nothing_secret(app, caplog, passwords: list[str]) -> None:
    svg = shown(app)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for p in passwords:
        assert p not in svg and p not in logged


async def test_a_late_queue_form_keeps_a_seat_added_meanwhile(tctx):
    """The issue's race: a queue form open while `ccctl seat add` runs; saving the form kept
    every seat (it used to write back the whole tenant as the form had read it)."""
    app = CcTui(tctx, start="queues")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")  # queue sales
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        entities.add_item(tctx, "seat", "acme", "1003", {"name": "New", "skills": {"sales": 1}})
        entities.set_item(tctx, "queue", "acme", "sales", {"wrapup": 33})  # a field the form shows, not edited
        app.screen.query_one("#f-max_wait", Input).value = "240"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen)
        assert "~ queue acme/sales (max_wait)" in status(app)
    t = entities.get_tenant(tctx, "acme")
    assert [x.extension for x in t.seats] == ["1001", "1002", "1003"]
    assert (t.queues[0].max_wait, t.queues[0].wrapup) == (240, 33)


async def test_a_form_of_a_seat_removed_meanwhile_says_so(tctx, caplog):
    caplog.set_level(logging.DEBUG)
    passwords = secrets(tctx)
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("down", "e")  # seat 1002
        await settle(app, pilot)
        entities.remove_item(tctx, "seat", "acme", "1002")
        app.screen.query_one("#f-name", Input).value = "Robert"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)  # still open, still up
        general = str(app.screen.query_one("#general", Static).render())
        assert general == "seat 1002 of acme was removed meanwhile"
        assert_nothing_secret(app, caplog, passwords)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.query_one(DataTable).row_count == 1  # the list as it is now
        # A row whose seat went since the list was read: edit and delete say the same line.
        entities.add_item(tctx, "seat", "acme", "1004", {"name": "Short-lived"})
        app.screen.action_refresh()
        await pilot.press("down")
        entities.remove_item(tctx, "seat", "acme", "1004")
        await pilot.press("e")
        await settle(app, pilot)
        assert status(app) == "seat 1004 of acme was removed meanwhile"
        assert not isinstance(app.screen, FormScreen)
        assert_nothing_secret(app, caplog, passwords)
        assert app.is_running


async def test_credentials_of_a_trunk_removed_meanwhile(tctx, caplog):
    caplog.set_level(logging.DEBUG)
    passwords = secrets(tctx)
    app = CcTui(tctx, start="trunks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        entities.remove_item(tctx, "trunk", "acme", "carrier")
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, ListScreen) and app.is_running
        assert status(app) == "trunk carrier of acme was removed meanwhile"
        assert_nothing_secret(app, caplog, passwords)


async def test_ivr_screen_on_a_menu_removed_meanwhile(tctx, caplog):
    caplog.set_level(logging.DEBUG)
    passwords = secrets(tctx)
    app = CcTui(tctx, start="ivrs")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # Another admin applies acme without menu main (and nothing routing to it).
        t = acme()
        after = next(i for i in t.ivrs if i.name == "after").model_copy(update={"options": {}})
        apply_tenants(tctx, [t.model_copy(update={"ivrs": [after], "numbers": []})])
        await pilot.press("down")  # the row of main: its menu tree
        await settle(app, pilot)
        assert status(app) == "ivr main of acme was removed meanwhile"
        await pilot.press("e")
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, ListScreen)
        assert status(app) == "ivr main of acme was removed meanwhile"
        assert_nothing_secret(app, caplog, passwords)


async def test_an_unexpected_error_is_one_line_and_logs_no_secret(tctx, caplog, monkeypatch):
    """A bug in a screen, with a tenant read with secrets in its frame: one line on screen,
    the traceback in the log without local variables, the console up."""
    caplog.set_level(logging.DEBUG)
    passwords = secrets(tctx)

    def broken(services, noun, tenant, key):
        loaded = entities.get_tenant(services, tenant, with_secrets=True)  # noqa: F841 - in the frame's locals
        raise RuntimeError("a bug")

    monkeypatch.setattr(entities, "get_item", broken)
    app = CcTui(tctx, start="seats")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, ListScreen)
        assert "unexpected error (RuntimeError); details in the log" in toasts(app)
        assert_nothing_secret(app, caplog, passwords)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError: a bug" in logged and "broken" in logged  # the traceback, for whoever fixes it


async def test_a_voice_card_is_removed_through_the_library(tctx, caplog):
    from ccctl.config.load import load_site
    from ccctl.hardware import api
    from tests.conftest import ROOT

    api.apply_hardware(tctx, load_site(str(ROOT / "examples" / "voice-cards.yaml")).hardware)
    app = CcTui(tctx, start="cards")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        api.remove_card(tctx, "e1")  # another admin, while the question is asked
        await pilot.press("y")
        await settle(app, pilot)
        assert status(app) == "voice card e1 was removed meanwhile" and app.is_running
        api.apply_hardware(tctx, load_site(str(ROOT / "examples" / "voice-cards.yaml")).hardware)
        app.screen.action_reload()
        await pilot.press("d", "y")
        await settle(app, pilot)
        assert status(app) == "saved: - card hardware/e1"
    assert api.get_hardware(tctx).cards == []
