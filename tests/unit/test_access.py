"""Accounts, roles and tokens (ccctl/access): argon2 hashes, tokens shown once and kept hashed,
the one permission rule, and the sign-in throttle (20 bad passwords in a row lock the account,
logged as a line fail2ban matches)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccctl.access import accounts, roles, signin, tokens
from ccctl.cli.main import app as cli
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.errors import Conflict, Forbidden, InvalidInput, NotFound, NotSignedIn
from ccctl.model import Account, ApiToken

PW = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def site(ctx, example):
    apply_tenants(ctx, load_site(str(example)).tenants)
    return ctx


def test_agent_account_is_the_seat_with_its_own_hashed_password(site):
    row = accounts.add_user(site, "1001@acme.cc.local", "agent", password=PW)
    assert row == {"login": "1001@acme.cc.local", "role": "agent", "tenant": "acme", "extension": "1001", "queues": []}
    with site.engine.connect() as conn:
        stored = conn.execute(Account.__table__.select()).mappings().one()["password_hash"]
    assert stored.startswith("$argon2id$") and PW not in stored
    p = signin.sign_in(site, "1001@acme.cc.local", PW, "192.0.2.1")
    assert (p.role, p.tenant, p.extension) == ("agent", "acme", "1001")
    with pytest.raises(NotFound):
        accounts.add_user(site, "1999@acme.cc.local", "agent", password=PW)  # no such seat
    with pytest.raises(NotFound):
        accounts.add_user(site, "1001@nowhere.example", "agent", password=PW)
    with pytest.raises(Conflict):
        accounts.add_user(site, "1001@acme.cc.local", "agent", password=PW)
    with pytest.raises(InvalidInput):
        accounts.add_user(site, "boss", "tenant-admin", tenant="acme", password="short")
    with pytest.raises(InvalidInput):
        accounts.add_user(site, "boss", "tenant-admin", password=PW)  # which tenant?
    with pytest.raises(NotFound):
        accounts.add_user(site, "sup", "supervisor", tenant="acme", queues=["nope"], password=PW)
    accounts.add_user(site, "sup", "supervisor", tenant="acme", queues=["sales"], password=PW)
    accounts.reset_password(site, "sup", "another long password")
    with pytest.raises(NotSignedIn):
        signin.sign_in(site, "sup", PW, "192.0.2.1")
    assert signin.sign_in(site, "sup", "another long password", "192.0.2.1").queues == ("sales",)


def test_the_permission_rule():
    agent = roles.Principal("1001@acme.cc.local", "agent", "acme", "1001")
    admin = roles.Principal("token:x", "tenant-admin", "acme")
    sup = roles.Principal("sup", "supervisor", "acme", queues=("sales",))
    provider = roles.Principal("root", "provider-admin")
    for p in (agent, admin, sup):
        with pytest.raises(Forbidden):
            roles.check(p, "customers.read", "huaxia")
        roles.check(p, "customers.read", "acme")
    roles.check(provider, "recordings.read", "huaxia")
    roles.check(agent, "agents.status", "acme", extension="1001")
    with pytest.raises(Forbidden):
        roles.check(agent, "agents.status", "acme", extension="1002")  # another agent's seat
    with pytest.raises(Forbidden):
        roles.check(agent, "recordings.read", "acme")
    with pytest.raises(Forbidden):
        roles.check(sup, "customers.write", "acme")
    roles.check(sup, "agents.read", "acme", queue="sales")
    with pytest.raises(Forbidden):
        roles.check(sup, "agents.read", "acme", queue="support")


def test_tokens_are_shown_once_and_kept_hashed(site):
    made = tokens.create_token(site, "tenant-admin", tenant="acme")
    secret = made["token"].split("_", 2)[2]
    with site.engine.connect() as conn:
        row = conn.execute(ApiToken.__table__.select()).mappings().one()
    assert secret not in json.dumps(dict(row)) and row["key"] == made["key"]
    p = tokens.authenticate(site, made["token"])
    assert (p.role, p.tenant) == ("tenant-admin", "acme")
    assert secret not in json.dumps(tokens.list_tokens(site))
    with pytest.raises(NotSignedIn):
        tokens.authenticate(site, made["token"][:-2] + "xx")
    tokens.revoke_token(site, made["key"])
    with pytest.raises(NotSignedIn):
        tokens.authenticate(site, made["token"])
    with pytest.raises(InvalidInput):
        tokens.create_token(site, "agent", tenant="acme")
    expiring = tokens.create_token(site, "supervisor", tenant="acme", days=1)
    with pytest.raises(NotSignedIn):
        tokens.authenticate(site, expiring["token"], now=9e12)


def test_twenty_bad_passwords_lock_the_account_and_are_logged_for_fail2ban(site, caplog):
    accounts.add_user(site, "1002@acme.cc.local", "agent", password=PW)
    caplog.set_level(logging.WARNING, logger="ccctl.web.signin")
    t0 = 1_900_000_000.0
    for i in range(19):
        with pytest.raises(NotSignedIn):
            signin.sign_in(site, "1002@acme.cc.local", f"wrong {i}", "198.51.100.7", now=t0 + i)
    # 19 in a row: the right password still works, and clears the count.
    assert signin.sign_in(site, "1002@acme.cc.local", PW, "198.51.100.7", now=t0 + 20).extension == "1002"
    for i in range(20):
        with pytest.raises(NotSignedIn):
            signin.sign_in(site, "1002@acme.cc.local", f"wrong {i}", f"198.51.100.{i % 3}", now=t0 + 30 + i)
    # Locked: the right password is refused, from any source, for a while.
    with pytest.raises(NotSignedIn):
        signin.sign_in(site, "1002@acme.cc.local", PW, "203.0.113.9", now=t0 + 60)
    with pytest.raises(NotSignedIn):
        signin.sign_in(site, "1002@acme.cc.local", PW, "203.0.113.9", now=t0 + 60 + signin.LOCK_SECONDS - 30)
    assert signin.sign_in(site, "1002@acme.cc.local", PW, "203.0.113.9", now=t0 + 60 + signin.LOCK_SECONDS).login
    lines = [r.getMessage() for r in caplog.records]
    failregex = re.compile(r"sign-in failed for \S+ from (?P<host>\S+) \(\d+ in a row\)$")
    hosts = [m["host"] for m in map(failregex.search, lines) if m]
    assert len(hosts) == 19 + 20 + 2 and hosts[0] == "198.51.100.7" and hosts[-1] == "203.0.113.9"
    assert any(ln.startswith("sign-in locked: account 1002@acme.cc.local") for ln in lines), lines
    assert all(PW not in ln and "wrong" not in ln for ln in lines)
    # A login with a line break cannot forge a second log line.
    with pytest.raises(NotSignedIn):
        signin.sign_in(site, "x\nsign-in failed for y from 10.0.0.1", "p", "203.0.113.10")
    assert "\n" not in caplog.records[-1].getMessage()


def test_the_jail_matches_the_log_line():
    """The fail2ban filter the role installs matches the line signin logs."""
    filt = (ROOT / "ansible/roles/fail2ban/templates/ccctl-web.filter.j2").read_text()
    regex = re.search(r"^failregex\s*=\s*(.+)$", filt, re.M).group(1).strip()
    line = "sign-in failed for 1002@acme.cc.local from 198.51.100.7 (3 in a row)"
    assert re.search(regex.replace("<HOST>", r"(?P<host>\S+)"), line)["host"] == "198.51.100.7"


def test_sessions_expire(site):
    accounts.add_user(site, "boss", "tenant-admin", tenant="acme", password=PW)
    cookie = signin.start_session(site, "boss", seconds=60, now=1000.0)
    assert signin.session_principal(site, cookie, now=1059.0).role == "tenant-admin"
    with pytest.raises(NotSignedIn):
        signin.session_principal(site, cookie, now=1061.0)
    cookie = signin.start_session(site, "boss")
    accounts.reset_password(site, "boss", "a brand new password")  # ends the sessions
    with pytest.raises(NotSignedIn):
        signin.session_principal(site, cookie)


def test_user_and_token_commands(site):
    env = {"CCCTL_DB": site.settings.db, "CCCTL_FS_DEPLOY": "off"}
    run = CliRunner().invoke
    r = run(
        cli, ["user", "add", "2001@huaxia.cc.local", "--role", "agent", "--password-stdin"], input=PW + "\n", env=env
    )
    assert r.exit_code == 0, r.output
    assert PW not in r.output
    r = run(cli, ["user", "add", "ops", "--role", "tenant-admin", "--tenant", "acme", "--json"], env=env)
    assert r.exit_code == 0, r.output
    generated = json.loads(r.stdout)["password"]
    assert signin.sign_in(site, "ops", generated, "127.0.0.1").tenant == "acme"
    r = run(cli, ["user", "list", "--json"], env=env)
    assert [u["login"] for u in json.loads(r.stdout)] == ["2001@huaxia.cc.local", "ops"]
    assert "password" not in r.stdout and "argon2" not in r.stdout
    r = run(cli, ["token", "create", "--role", "tenant-admin", "--tenant", "acme"], env=env)
    assert r.exit_code == 0 and r.stdout.strip().startswith("cct_"), r.output
    assert tokens.authenticate(site, r.stdout.strip()).tenant == "acme"
    assert r.stdout.strip() not in run(cli, ["token", "list", "--json"], env=env).stdout
    assert run(cli, ["token", "create", "--role", "tenant-admin", "--tenant", "nope"], env=env).exit_code == 3
    assert run(cli, ["user", "remove", "nobody"], env=env).exit_code == 3
    assert run(cli, ["user", "remove", "ops"], env=env).exit_code == 0
    assert run(cli, ["user", "add", "x", "--role", "wizard", "--tenant", "acme"], env=env).exit_code == 1
