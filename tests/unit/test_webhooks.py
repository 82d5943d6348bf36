"""CTI events: signed webhooks to a real HTTP receiver on 127.0.0.1 (retried after a failure,
spooled on disk), the per-tenant event log `ccctl events --follow` reads, and the site file's
webhook URLs round-tripping through apply and export."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from ccctl import app
from ccctl.cli.main import app as cli_app
from ccctl.config import spec as s
from ccctl.config.entities import list_tenants
from ccctl.config.export import site_data
from ccctl.config.write import apply_tenants
from ccctl.cti.webhooks import SIGNATURE_HEADER, Notifier, follow, tenant_secret, verify
from ccctl.settings import Settings


class Receiver:
    """An HTTP server on 127.0.0.1 that fails the first FAIL requests with 500."""

    def __init__(self, fail: int = 0):
        self.requests: list[tuple[dict, bytes]] = []
        self.times: list[float] = []
        self.fail = fail
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.times.append(time.time())
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if len(outer.requests) <= outer.fail else 204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pop"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ctx(tmp_path):
    context = app.open(
        Settings(
            db=str(tmp_path / "c.db"), spool_dir=tmp_path / "spool", fs_deploy="off", webhook_allow_hosts="127.0.0.1"
        )
    )  # the test receiver
    yield context
    context.engine.dispose()


def test_offer_reaches_the_receiver_signed_with_the_customer_record_after_a_retry(ctx, tmp_path):
    rx = Receiver(fail=1)
    try:
        apply_tenants(
            ctx,
            [
                s.Tenant(
                    name="acme",
                    webhooks=[s.Webhook(url=rx.url)],
                    customers=[s.Customer(number="+4915112345678", name="Erika Muster", fields={"tier": "gold"})],
                ),
                s.Tenant(name="other", webhooks=[s.Webhook(url=rx.url + "?other")]),
            ],
        )
        n = Notifier(ctx.engine, ctx.settings.spool_dir)
        n.put(
            {
                "type": "call.offered",
                "tenant": "acme",
                "call_id": "c-1",
                "caller_number": "4915112345678",
                "queue": "sales",
                "agent": "1001",
                "ivr_digits": "1",
                "at": time.time(),
            }
        )
        deadline = time.monotonic() + 20
        while len(rx.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        n.close()
    finally:
        rx.close()
    assert len(rx.requests) == 2, rx.requests  # the 500, then the retry
    headers, body = rx.requests[-1]
    secret = tenant_secret(ctx.engine, "acme")
    assert verify(secret, body, headers[SIGNATURE_HEADER.lower()])
    assert not verify(tenant_secret(ctx.engine, "other"), body, headers[SIGNATURE_HEADER.lower()])
    event = json.loads(body)
    assert event["customer"] == {"name": "Erika Muster", "number": "+4915112345678", "fields": {"tier": "gold"}}
    assert (event["call_id"], event["queue"], event["agent"], event["ivr_digits"]) == ("c-1", "sales", "1001", "1")
    assert list((ctx.settings.spool_dir / "webhooks").glob("*.json")) == []  # delivered: spool empty


def test_undelivered_events_stay_spooled_for_the_next_daemon(ctx):
    apply_tenants(ctx, [s.Tenant(name="acme", webhooks=[s.Webhook(url="http://127.0.0.1:9/nobody")])])
    n = Notifier(ctx.engine, ctx.settings.spool_dir, timeout=1)
    n.put({"type": "call.offered", "tenant": "acme", "call_id": "c-2", "caller_number": "1"})
    deadline = time.monotonic() + 10
    spooled = []
    while time.monotonic() < deadline:
        spooled = [json.loads(p.read_text()) for p in (ctx.settings.spool_dir / "webhooks").glob("*.json")]
        if spooled and spooled[0]["attempts"] >= 1:
            break
        time.sleep(0.05)
    n.close()
    assert len(spooled) == 1 and spooled[0]["attempts"] >= 1 and spooled[0]["next_at"] > time.time() - 1


def test_follow_shows_a_tenant_only_its_own_events(ctx):
    """follow() shows events appended after it started: the events are written only once its
    first pass over the logs is over, and it is stopped only after a whole pass that began once
    they were all written (counted through its stop callback, called before every pass)."""
    n = Notifier(ctx.engine, ctx.settings.spool_dir)
    seen = []
    done = threading.Event()
    passes = 0
    counted = threading.Condition()

    def stop() -> bool:
        nonlocal passes
        with counted:
            passes += 1
            counted.notify_all()
        return done.is_set()

    def after(n_passes: int) -> None:
        with counted:
            assert counted.wait_for(lambda: passes >= n_passes, timeout=20), f"follow made {passes} passes"

    def reader():
        for e in follow(ctx.settings.spool_dir, ["acme"], stop=stop, poll=0.01):
            seen.append(e)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    after(2)  # the first pass is over: from now on
    for tenant in ("other", "acme", "other", "acme"):
        n.put({"type": "call.ended", "tenant": tenant, "call_id": f"{tenant}-{time.monotonic()}"})
    n.close(timeout=60)  # every event is in its tenant's log
    after(passes + 2)  # a whole pass began after that
    done.set()
    t.join(20)
    assert not t.is_alive()
    assert [e["tenant"] for e in seen] == ["acme", "acme"]


def test_webhooks_round_trip_through_the_site_file(ctx, tmp_path):
    site = {"tenants": [{"name": "acme", "webhooks": [{"url": "https://crm.example.net/pop?k=1"}]}]}
    apply_tenants(ctx, [s.Tenant(**t) for t in site["tenants"]])
    assert site_data(list_tenants(ctx))["tenants"][0]["webhooks"] == [{"url": "https://crm.example.net/pop?k=1"}]
    with pytest.raises(ValidationError, match=r"url\n  String should match pattern "):
        s.Webhook(url="ftp://x")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"tenants": [{"name": "acme", "webhooks": [{"url": "not a url"}]}]}))
    r = CliRunner().invoke(
        cli_app, ["--db", str(tmp_path / "c.db"), "apply", "-f", str(bad)], env={"CCCTL_FS_DEPLOY": "off"}
    )
    assert r.exit_code == 1 and "webhooks" in r.output


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8021/",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost/x",
        "http://[::1]:8021/",
        "http://0.0.0.0/",
        "http://2130706433/",
    ],
)
def test_webhooks_into_the_box_or_link_local_are_refused(tmp_path, url):
    from ccctl.errors import CcError

    c = app.open(Settings(db=str(tmp_path / "w.db"), fs_deploy="off"))
    with pytest.raises(CcError, match="CCCTL_WEBHOOK_ALLOW_HOSTS"):
        apply_tenants(c, [s.Tenant(name="acme", webhooks=[s.Webhook(url=url)])])
    c.engine.dispose()


def test_an_allowed_host_passes_and_duplicate_urls_are_refused(tmp_path):
    from ccctl.errors import Conflict

    c = app.open(Settings(db=str(tmp_path / "w.db"), fs_deploy="off", webhook_allow_hosts="127.0.0.1, crm.example"))
    apply_tenants(c, [s.Tenant(name="acme", webhooks=[s.Webhook(url="http://127.0.0.1:9000/pop")])])
    with pytest.raises(Conflict, match="duplicate url"):
        apply_tenants(
            c,
            [
                s.Tenant(
                    name="acme",
                    webhooks=[s.Webhook(url="https://crm.example/pop"), s.Webhook(url="https://crm.example/pop")],
                )
            ],
        )
    c.engine.dispose()
