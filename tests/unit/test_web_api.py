"""The web service's API with FastAPI's TestClient: sign-in and sessions, the tenant check (an
agent or a tenant-admin token of acme gets 403 on anything of huaxia), the lockout after 20
bad passwords with its fail2ban line, the OpenAPI description, the agent page's assets, and
the screen pop the event stream carries."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

import pytest
from fastapi.testclient import TestClient

from ccctl.access import accounts, signin, tokens
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.cti.webhooks import EventLogs
from ccctl.daemon.store import write_rows
from ccctl.testing import rows
from ccctl.web.app import STATIC, create_app
from ccctl.web.feed import Feed

PW = "agent web password"
OTHER = "huaxia"
THINGS = ["calls", "customers", "recordings", "agents", "agent-codes", "agents/2001", "agents/2001/events"]


@pytest.fixture
def site(ctx, example):
    apply_tenants(ctx, load_site(str(example)).tenants)
    accounts.add_user(ctx, "1001@acme.cc.local", "agent", password=PW)
    return ctx


@pytest.fixture
def client(site):
    with TestClient(create_app(site), base_url="https://testserver") as c:
        yield c


def agent_client(client) -> TestClient:
    r = client.post("/api/session", json={"login": "1001@acme.cc.local", "password": PW})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "login": "1001@acme.cc.local",
        "role": "agent",
        "tenant": "acme",
        "extension": "1001",
        "queues": [],
    }
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie, cookie
    return client


def test_nothing_without_signing_in(client):
    for path in ["/api/me", "/api/tenants/acme/calls", "/api/tenants/acme/customers"]:
        r = client.get(path)
        assert r.status_code == 401 and r.json()["error"] == "not-signed-in", (path, r.text)
    assert (
        client.get("/api/tenants/acme/customers", headers={"Authorization": "Bearer cct_nope_nope"}).status_code == 401
    )


def test_an_agent_of_acme_gets_403_on_huaxia(client):
    c = agent_client(client)
    for thing in THINGS:
        r = c.get(f"/api/tenants/{OTHER}/{thing}", params={"agent": "2001"})
        assert r.status_code == 403, (thing, r.status_code, r.text)
        assert r.json()["error"] == "forbidden"
    r = c.post(f"/api/tenants/{OTHER}/agents/2001/status", json={"action": "ready"})
    assert r.status_code == 403
    # Their own tenant: their customers (screen pop) and their own calls; not another seat's.
    assert [x["name"] for x in c.get("/api/tenants/acme/customers").json()] == ["Dana Customer"]
    assert c.get("/api/tenants/acme/calls", params={"agent": "1001"}).status_code == 200
    assert c.get("/api/tenants/acme/calls").status_code == 403  # all calls: not an agent's
    assert c.get("/api/tenants/acme/calls", params={"agent": "1002"}).status_code == 403
    assert c.post("/api/tenants/acme/agents/1002/status", json={"action": "ready"}).status_code == 403
    assert c.get("/api/tenants/acme/recordings").status_code == 403  # not an agent's operation
    assert c.get("/api/tenants/acme/agent-codes").json()["pause_reasons"]["1"] == "lunch"
    # Signed out: the session is gone.
    assert c.delete("/api/session").status_code == 200
    assert c.get("/api/me").status_code == 401


def test_a_tenant_admin_token_of_acme_gets_403_on_huaxia(client, site):
    token = tokens.create_token(site, "tenant-admin", tenant="acme")["token"]
    auth = {"Authorization": f"Bearer {token}"}
    for thing in THINGS:
        r = client.get(f"/api/tenants/{OTHER}/{thing}", headers=auth)
        assert r.status_code == 403, (thing, r.status_code, r.text)
    r = client.post(f"/api/tenants/{OTHER}/customers", json={"number": "+8613900000000", "name": "X"}, headers=auth)
    assert r.status_code == 403
    assert client.get(f"/api/tenants/{OTHER}/customers/13800138000", headers=auth).status_code == 403
    assert client.get("/api/tenants/no-such-tenant/customers", headers=auth).status_code == 403  # no existence leak
    # Its own tenant: everything, through the same operations as ccctl.
    assert client.get("/api/tenants/acme/recordings", headers=auth).json() == []
    r = client.post("/api/tenants/acme/customers", json={"number": "+4930111", "name": "New One"}, headers=auth)
    assert r.status_code == 201, r.text
    assert (
        client.post(
            "/api/tenants/acme/customers", json={"number": "+4930111", "name": "Again"}, headers=auth
        ).status_code
        == 409
    )
    assert (
        client.post("/api/tenants/acme/customers", json={"number": "", "name": "Bad"}, headers=auth).status_code == 422
    )
    assert client.get("/api/tenants/acme/customers/+4930111", headers=auth).json()["name"] == "New One"
    assert client.get("/api/me", headers=auth).json()["role"] == "tenant-admin"
    # A provider-admin token reaches both.
    root = {"Authorization": "Bearer " + tokens.create_token(site, "provider-admin")["token"]}
    assert client.get(f"/api/tenants/{OTHER}/customers", headers=root).json()[0]["name"] == "张三"


def test_twenty_bad_passwords_lock_the_account(client, caplog):
    caplog.set_level(logging.WARNING, logger="ccctl.web.signin")
    for i in range(20):
        r = client.post("/api/session", json={"login": "1001@acme.cc.local", "password": f"guess {i}"})
        assert r.status_code == 401, r.text
    r = client.post("/api/session", json={"login": "1001@acme.cc.local", "password": PW})
    assert r.status_code == 401  # locked for a while, the right password too
    assert "set-cookie" not in r.headers
    failed = [m for m in (r.getMessage() for r in caplog.records) if m.startswith("sign-in failed")]
    assert len(failed) == 21
    assert re.fullmatch(r"sign-in failed for 1001@acme.cc.local from testclient \(21 in a row\)", failed[-1]), failed
    assert any(
        m.startswith("sign-in locked: account 1001@acme.cc.local") for m in (r.getMessage() for r in caplog.records)
    )


def test_openapi_and_the_page(client):
    spec = client.get("/api/openapi.json").json()
    for path in [
        "/api/session",
        "/api/tenants/{tenant}/calls",
        "/api/tenants/{tenant}/customers",
        "/api/tenants/{tenant}/recordings",
        "/api/tenants/{tenant}/agents/{extension}/status",
        "/api/tenants/{tenant}/agents/{extension}/wrapup",
        "/api/tenants/{tenant}/agents/{extension}/transfer",
        "/api/tenants/{tenant}/agents/{extension}/events",
    ]:
        assert path in spec["paths"], path
    page = client.get("/agent/")
    assert page.status_code == 200 and 'id="signin-form"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/", follow_redirects=False).headers["location"] == "/agent/"
    # No CDN, nothing from another origin: every asset is in the wheel.
    for f in (f for f in STATIC.iterdir() if f.is_file()):  # ours; vendor/ is the pinned SIP library
        assert not re.search(r"(src|href)=\"(https?:)?//", f.read_text()), f
        assert "http://" not in f.read_text() and "https://" not in f.read_text(), f


def test_the_stream_carries_the_screen_pop(site):
    """A call.offered event the daemon logs reaches the seat's subscriber with the customer,
    the wait, and this number's earlier calls; another seat's offers do not."""
    old = {**rows.call("old-1", "acme", "inbound", 1000.0, 60), "queue": "sales", "agent": "1002"}
    write_rows(site.engine, [old], [])

    async def scenario():
        feed = Feed(site, poll=0.02)
        feed.start()
        sub = feed.subscribe("acme", "1001")
        logs = EventLogs(site.settings.spool_dir)
        await asyncio.sleep(0.3)  # the feed has found the log's end
        now = time.time()
        base = {"type": "call.offered", "tenant": "acme", "caller_number": "4915112345678", "queue": "sales"}
        logs.append({**base, "call_id": "c-2", "agent": "1002", "at": now, "queued_at": now - 1})
        logs.append({**base, "call_id": "c-1", "agent": "1001", "at": now, "queued_at": now - 7.5})
        logs.close()
        try:
            return await asyncio.wait_for(sub.queue.get(), 10), sub.queue.qsize()
        finally:
            feed.stop()

    (site.settings.spool_dir / "events").mkdir(parents=True, exist_ok=True)
    event, more = asyncio.run(scenario())
    assert event["call_id"] == "c-1" and more == 0, event
    assert event["customer"]["name"] == "Dana Customer"
    assert event["wait_s"] == 7.5
    assert [c["uuid"] for c in event["earlier_calls"]] == ["old-1"]
    json.dumps(event)  # what the stream sends


def test_sessions_and_tokens_of_a_removed_tenant_stop(site, client):
    """A tenant's accounts are keyed by its identity: once removed, its sessions and tokens
    no longer sign in, even for a later tenant of the same name; and its accounts, sessions
    and tokens are deleted with it."""
    token = tokens.create_token(site, "tenant-admin", tenant="huaxia")["token"]
    assert client.get("/api/tenants/huaxia/customers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    from ccctl.config.entities import remove_tenant

    accounts.add_user(site, "2001@huaxia.cc.local", "agent", password=PW)
    accounts.add_user(site, "hx-lead", "supervisor", tenant="huaxia", password=PW)
    r = client.post("/api/session", json={"login": "2001@huaxia.cc.local", "password": PW})
    assert r.status_code == 200, r.text
    assert client.cookies.get("ccctl_session")  # the client keeps huaxia's session cookie
    acme_token = tokens.create_token(site, "tenant-admin", tenant="acme")["token"]
    remove_tenant(site, "huaxia", purge=True)
    assert client.get("/api/tenants/huaxia/customers", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/me").status_code == 401
    # Its accounts, their sessions and its tokens are gone, not merely inert; acme's stay.
    from ccctl.model import Account, ApiToken, WebSession

    with site.engine.connect() as conn:
        logins = set(conn.execute(Account.__table__.select().with_only_columns(Account.login)).scalars())
        assert logins == {"1001@acme.cc.local"}, logins
        assert conn.execute(WebSession.__table__.select()).all() == []
        assert len(conn.execute(ApiToken.__table__.select()).all()) == 1
    assert (
        client.get("/api/tenants/acme/customers", headers={"Authorization": f"Bearer {acme_token}"}).status_code == 200
    )
    assert signin.SESSION_SECONDS > 3600


def test_cert_import_checks_the_key_and_swaps_atomically(tmp_path):
    import subprocess

    from typer.testing import CliRunner

    from ccctl.cli.main import app as cli

    def make(name: str) -> tuple[str, str]:
        subprocess.run(
            ["openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", f"/CN={name}", "-newkey", "ec"]
            + ["-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", str(tmp_path / "k"), "-out", str(tmp_path / "c")],
            check=True,
            capture_output=True,
        )
        return (tmp_path / "k").read_text(), (tmp_path / "c").read_text()

    key1, crt1 = make("one")
    key2, crt2 = make("two")
    dest = tmp_path / "certs" / "wss.pem"
    env = {"CCCTL_DB": str(tmp_path / "c.db"), "CCCTL_WEB_CERT": str(dest)}
    good, mismatched = tmp_path / "good.pem", tmp_path / "bad.pem"
    good.write_text(key2 + crt2)
    mismatched.write_text(key1 + crt2)
    dest.parent.mkdir()
    dest.write_text(key1 + crt1)
    dest.chmod(0o640)
    run = CliRunner().invoke
    r = run(cli, ["web", "cert", "import", str(mismatched)], env=env)
    assert r.exit_code == 1 and "does not match" in r.output, r.output
    assert dest.read_text() == key1 + crt1  # refused: nothing changed
    assert "PRIVATE KEY" not in r.output
    r = run(cli, ["web", "cert", "import", str(good)], env=env)
    assert r.exit_code == 0, r.output
    assert dest.read_text() == key2 + crt2 and dest.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in dest.parent.iterdir()] == ["wss.pem"]


def test_the_agents_own_figures_today(client, site):
    """Calls answered and talk time since midnight in the tenant's time zone, break time by
    reason; an agent sees only their own."""
    from ccctl.stats.agent_day import agent_today, midnight

    now = 1_780_000_000.0 + 12 * 3600  # a fixed day, past noon: today's rows are all before now
    start = midnight("Europe/Berlin", now)
    mine = [{**rows.call(f"t{i}", "acme", "inbound", start + 60 + i * 600, 120), "agent": "1001"} for i in range(3)]
    yesterday = {**rows.call("y1", "acme", "inbound", start - 3600, 500), "agent": "1001"}
    other = {**rows.call("o1", "acme", "inbound", start + 60, 900), "agent": "1002"}
    breaks = [
        rows.status("acme", "1001", "On Break", start + 100),
        rows.status("acme", "1001", "lunch", start + 100, kind="reason"),
        rows.status("acme", "1001", "Available", start + 100 + 1800),
    ]
    write_rows(site.engine, [*mine, yesterday, other], breaks)
    from ccctl.model import Tenant

    with site.engine.begin() as conn:
        conn.execute(Tenant.__table__.update().where(Tenant.name == "acme").values(timezone="Europe/Berlin"))
    got = agent_today(site, "acme", "1001", now=now)
    assert (got["calls"], got["talk_s"], got["break_s"]) == (3, 360.0, {"lunch": 1800.0}), got
    c = agent_client(client)
    assert set(c.get("/api/tenants/acme/agents/1001/today").json()) == {"since", "calls", "talk_s", "break_s"}
    assert c.get("/api/tenants/acme/agents/1002/today").status_code == 403


def test_supervisor_operations_by_role_tenant_and_queue(client, site):
    """The wallboard and listen / whisper / barge / hang-up: not an agent's; not across tenants;
    a supervisor limited to sales sees only sales and acts only on seats serving it."""
    c = agent_client(client)
    assert c.get("/api/tenants/acme/wallboard").status_code == 403
    assert c.post("/api/tenants/acme/agents/1002/listen", json={"supervisor": "1001"}).status_code == 403
    c.delete("/api/session")
    admin = {"Authorization": "Bearer " + tokens.create_token(site, "tenant-admin", tenant="acme")["token"]}
    for path in ["agents/2001/listen", "agents/2001/whisper", "agents/2001/barge", "agents/2001/hangup"]:
        assert (
            client.post(f"/api/tenants/{OTHER}/{path}", json={"supervisor": "2002"}, headers=admin).status_code == 403
        )
    assert client.get(f"/api/tenants/{OTHER}/wallboard", headers=admin).status_code == 403
    sales = {
        "Authorization": "Bearer " + tokens.create_token(site, "supervisor", tenant="acme", queues=["sales"])["token"]
    }
    board = client.get("/api/tenants/acme/wallboard", headers=sales).json()
    assert [q["queue"] for q in board["queues"]] == ["sales"]
    assert {a["extension"] for a in board["agents"]} == {"1001", "1002", "1003"}
    # 1002 serves support only: refused before anything reaches FreeSWITCH.
    assert (
        client.post("/api/tenants/acme/agents/1002/listen", json={"supervisor": "1003"}, headers=sales).status_code
        == 403
    )
    assert (
        client.post("/api/tenants/acme/agents/1002/status", json={"action": "ready"}, headers=sales).status_code == 403
    )
    # 1001 serves sales: allowed, and the library's own rules answer (1003 is no supervisor seat).
    r = client.post("/api/tenants/acme/agents/1001/listen", json={"supervisor": "1003"}, headers=sales)
    assert r.status_code == 409 and "not a supervisor" in r.json()["message"], r.text
    everything = {"Authorization": "Bearer " + tokens.create_token(site, "supervisor", tenant="acme")["token"]}
    assert {q["queue"] for q in client.get("/api/tenants/acme/wallboard", headers=everything).json()["queues"]} == {
        "sales",
        "support",
    }
    assert client.get("/supervisor/").status_code == 200


AGENT_LEG = "aaaaaaaa-1111-2222-3333-444444444444"
CUSTOMER_LEG = "bbbbbbbb-1111-2222-3333-444444444444"


@pytest.fixture
def esl_site(settings, example):
    """The example site with a wire-level fake Event Socket showing acme 1001 talking to a
    customer (the real-FreeSWITCH tier proves uuid_transfer itself: tests/freeswitch/test_supervise.py)."""
    from ccctl import app
    from ccctl.config.gather import esl_password
    from ccctl.testing.fake_esl import FakeEventSocket

    rows_ = [
        {"uuid": AGENT_LEG, "presence_id": "1001@acme.cc.local", "callstate": "ACTIVE", "created_epoch": "1"},
        {"uuid": CUSTOMER_LEG, "presence_id": "", "callstate": "ACTIVE", "created_epoch": "1"},
    ]
    fake = FakeEventSocket(
        replies={
            "show channels as json": json.dumps({"row_count": 2, "rows": rows_}),
            "show calls as json": json.dumps({"row_count": 1, "rows": [{"uuid": CUSTOMER_LEG, "b_uuid": AGENT_LEG}]}),
            "uuid_exists": "true",
            "uuid_getvar": "acme",
        }
    )
    ctx = app.open(settings.model_copy(update={"esl_port": fake.port, "fs_deploy": "off"}), deploy=False)
    apply_tenants(ctx, load_site(str(example)).tenants)
    accounts.add_user(ctx, "1001@acme.cc.local", "agent", password=PW)
    fake.password = esl_password(ctx)
    yield ctx, fake
    fake.close()


def test_the_agent_transfers_to_a_seat_or_queue_of_their_tenant_only(esl_site):
    """The page's transfer: the box moves the customer's leg into the tenant's own context
    (uuid_transfer); a seat or queue of another tenant, or another seat's call, is refused and
    nothing reaches FreeSWITCH; the profiles keep SIP REFER off."""
    from ccctl.supervision import audit

    site, fake = esl_site
    with TestClient(create_app(site), base_url="https://testserver") as client:
        c = agent_client(client)
        url = "/api/tenants/acme/agents/1001/transfer"
        for target, status in [
            ("seat:2001", 404),  # huaxia's seat
            ("2001", 404),
            ("queue:billing", 404),  # huaxia's queue
            ("ivr:main", 422),
            ("+4930123456", 404),  # not a seat or queue: no dialling out from the agent's button
            ("1001", 422),  # their own seat
        ]:
            r = c.post(url, json={"target": target})
            assert r.status_code == status, (target, r.text)
        assert c.post("/api/tenants/acme/agents/1002/transfer", json={"target": "1003"}).status_code == 403
        assert c.post(f"/api/tenants/{OTHER}/agents/2001/transfer", json={"target": "2002"}).status_code == 403
        assert not any(x.startswith("uuid_transfer") for x in fake.received)
        r = c.post(url, json={"target": "1002"})
        assert r.status_code == 200, r.text
        assert fake.received[-1] == f"uuid_transfer {CUSTOMER_LEG} cc-seat-1002 XML acme"
        assert c.post(url, json={"target": "queue:support"}).status_code == 200
        assert fake.received[-1] == f"uuid_transfer {CUSTOMER_LEG} cc-queue-support XML acme"
    done = [e for e in audit.entries(site, "acme") if e.action == "agent.transfer"]
    assert [(e.result, e.actor) for e in done][-2:] == [("ok", "web:1001@acme.cc.local")] * 2
    assert sum(e.result == "refused" for e in done) == 6
    from ccctl.render import sofia

    for profile in (sofia.internal_profile(site.settings), sofia.external_profile(site.settings, [])):
        assert profile.xpath('.//param[@name="disable-transfer"]/@value') == ["true"]


def test_the_crm_link_template_is_validated_and_filled_in_the_pop(site):
    """crm_url goes through the one write path (set_tenant, as `ccctl tenant set`): http(s),
    {number} required, {customer_id} optional, nothing else; the pop carries it filled in with
    the values percent-encoded."""
    from ccctl.config.entities import get_tenant, set_tenant
    from ccctl.cti import pop
    from ccctl.errors import InvalidInput

    for bad, says in [
        ("ftp://crm.example/{number}", "http:// or https://"),
        ("https://crm.example/find?id={customer_id}", "needs {number}"),
        ("https://crm.example/{number}/{secret}", "not {secret}"),
        ("https://crm.example/{number}}", "braces"),
        ("javascript:alert(1)//{number}", "http:// or https://"),
    ]:
        with pytest.raises(InvalidInput, match=re.escape(says)):
            set_tenant(site, "acme", {"crm_url": bad})
    assert get_tenant(site, "acme").crm_url is None  # nothing half-applied
    template = "https://crm.example/find?phone={number}&id={customer_id}"
    set_tenant(site, "acme", {"crm_url": template})
    assert get_tenant(site, "acme").crm_url == template
    from ccctl.config.spec import Customer
    from ccctl.cti.customers import add_customer

    add_customer(site, "acme", Customer(number="+4930999", name="Eve Example", fields={"customer_id": "C-7&x=1"}))
    event = {"type": "call.offered", "tenant": "acme", "caller_number": "+4930999", "call_id": "c-9"}
    got = pop.screen_pop(site, event)
    assert got["crm_link"] == "https://crm.example/find?phone=%2B4930999&id=C-7%26x%3D1", got
    unknown = pop.screen_pop(site, {**event, "caller_number": "4930555"})
    assert unknown["crm_link"] == "https://crm.example/find?phone=4930555&id="
    assert pop.screen_pop(site, {**event, "tenant": "huaxia"})["crm_link"] is None  # huaxia has none


def _page_files(client) -> list[str]:
    """Every file the agent page loads: its page, style and scripts, and the SIP.js modules
    phone.js imports, followed through their relative imports (what the browser fetches)."""
    found, todo = ["/agent/", "/agent/agent.css", "/agent/common.js", "/agent/agent.js"], ["/agent/phone.js"]
    rx = re.compile(r"""(?:import|export)\s[^;]*?from\s*["'](\.{1,2}/[^"']+)["']|import\s*["'](\.{1,2}/[^"']+)["']""")
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.append(path)
        base = path.rsplit("/", 1)[0]
        for m in rx.finditer(client.get(path).text):
            parts = base.split("/")
            for piece in (m.group(1) or m.group(2)).split("/"):
                if piece == "..":
                    parts.pop()
                elif piece != ".":
                    parts.append(piece)
            todo.append("/".join(parts))
    return found


def test_gzip_for_pages_and_api_not_for_event_streams(client, site):
    """Static files and API answers are gzipped for a browser that asks; the event streams
    are not (a pop must not wait in a compressor). The page's weight, as sent, is printed."""
    if not (STATIC / "vendor" / "sip.js" / "lib" / "index.js").exists():
        pytest.skip("SIP.js is not vendored (scripts/vendor-js)")
    gz = {"Accept-Encoding": "gzip"}
    files = _page_files(client)
    assert "/agent/vendor/sip.js/lib/index.js" in files and len(files) > 20, files
    raw = sent = 0
    for path in files:
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        zipped = client.get(path, headers=gz)
        assert plain.status_code == zipped.status_code == 200, path
        assert "content-encoding" not in plain.headers
        if len(plain.content) >= 500:
            assert zipped.headers["content-encoding"] == "gzip", path
            assert zipped.content == plain.content  # httpx decodes: the same file
        raw += len(plain.content)
        sent += int(zipped.headers.get("content-length") or len(zipped.content))
    print(f"\nagent page weight: {len(files)} files, {raw / 1024:.0f} KiB, {sent / 1024:.0f} KiB gzipped")
    assert sent < raw * 0.4, (raw, sent)
    c = agent_client(client)
    r = c.get("/api/tenants/acme/agent-codes", headers=gz)
    spec = c.get("/api/openapi.json", headers=gz)
    assert spec.headers["content-encoding"] == "gzip" and spec.json()["openapi"], spec.headers
    assert r.status_code == 200
    with c.stream("GET", "/api/tenants/acme/agents/1001/events", headers=gz) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in stream.headers
        assert next(stream.iter_text()).startswith(": connected")
