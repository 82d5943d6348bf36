"""The voice-card screen shows each span as `ccctl hardware status` reads it: DAHDI's alarm,
FreeTDM's state, and the tenant trunk over a span group with no span in service."""

from __future__ import annotations

from textual.widgets import DataTable

from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from tests.unit.test_hardware_live import LOOP, PROC_OK, PROC_RED, load_site_dict
from tui.app import CcTui

from .conftest import acme, settle


async def test_cards_screen_shows_the_spans_now(tctx, tmp_path):
    proc = tmp_path / "proc-dahdi"
    proc.mkdir()
    (proc / "1").write_text(PROC_OK)
    (proc / "2").write_text(PROC_RED)
    # No FreeSWITCH here (port 1): FreeTDM reads "not loaded", so no span is in service.
    tctx.settings = tctx.settings.with_(proc_dahdi=proc, esl_port=1)
    hw = load_site_dict(LOOP)
    tenant = acme().model_copy(update={"trunks": [s.Trunk(name="e1", type="tdm", span_group=1)]})
    apply_tenants(tctx, [tenant], hardware=hw)
    app = CcTui(tctx, start="cards")
    async with app.run_test(size=(110, 30)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one("#spans", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    assert rows == [
        ["loop-s1", "9", "ok", "not loaded", "1", "0", "-"],
        ["loop-s2", "1", "RED", "not loaded", "4", "0", "acme/e1"],
    ]
