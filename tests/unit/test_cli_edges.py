"""Edges of the command line: every error one line with its exit code, nothing half-done."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app


@pytest.fixture
def cli(tmp_path, sounds_dir):
    runner = CliRunner()
    env = {
        "CCCTL_DB": str(tmp_path / "cli.db"),
        "CCCTL_FS_CONF_DIR": str(tmp_path / "fs" / "conf"),
        "CCCTL_FS_SOUNDS_DIR": str(sounds_dir),
        "CCCTL_FS_RECORDINGS_DIR": str(tmp_path / "fs" / "recordings"),
        "CCCTL_ESL_PORT": "1",
        "CCCTL_FS_DEPLOY": "off",
    }

    def run(*args, input=None):
        return runner.invoke(app, list(args), env=env, input=input)

    return run


def _one_line(r) -> str:
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    return lines[0]


def test_a_db_in_a_missing_folder_is_refused_not_created(cli, tmp_path):
    missing = tmp_path / "nosuch" / "x.db"
    r = cli("--db", str(missing), "tenant", "list")
    assert r.exit_code == 3 and "no such folder" in _one_line(r)
    assert not missing.parent.exists()
    r = cli("--db", str(missing), "db", "upgrade")  # creating one is explicit
    assert r.exit_code == 0, r.output and missing.exists()
    assert cli("--db", str(missing), "tenant", "list").exit_code == 0


def test_tui_without_a_terminal_is_refused(cli):
    r = cli("tui")
    assert r.exit_code == 1 and "needs a terminal" in _one_line(r) and "\x1b" not in r.output


def test_plain_events_shows_the_recent_ones(cli, tmp_path, example):
    from ccctl.cti.webhooks import EventLogs

    assert cli("apply", "-f", str(example)).exit_code == 0
    r = cli("events")
    assert r.exit_code == 0 and "no events yet" in r.output
    env_spool = tmp_path / "spool"
    logs = EventLogs(env_spool)
    logs.append({"type": "call.ended", "tenant": "acme", "call_id": "c1", "at": 1.0})
    logs.close()
    r = CliRunner().invoke(
        app,
        ["events", "--json"],
        env={"CCCTL_DB": str(tmp_path / "cli.db"), "CCCTL_SPOOL_DIR": str(env_spool), "CCCTL_FS_DEPLOY": "off"},
    )
    assert r.exit_code == 0, r.output
    assert [json.loads(x)["call_id"] for x in r.stdout.splitlines()] == ["c1"]
    r = cli("events", "--tenant", "nosuch")
    assert r.exit_code == 3 and len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--tenant", "nosuch"],
        ["recording", "list", "--tenant", "nosuch"],
        ["recording", "export", "--tenant", "nosuch", "--since", "2026-01-01", "--out", "OUT"],
    ],
)
def test_an_unknown_tenant_is_not_found_and_nothing_is_written(cli, tmp_path, args):
    out = tmp_path / "export.tar"
    r = cli(*[str(out) if a == "OUT" else a for a in args])
    assert r.exit_code == 3 and "nosuch" in _one_line(r)
    assert not out.exists()


def test_setting_a_greeting_file_clears_its_text_and_dotted_keys_reach_into_maps(cli, example, sounds_dir):
    from ccctl.media.uploads import folder

    assert cli("apply", "-f", str(example)).exit_code == 0
    base = folder(sounds_dir, "acme")
    base.mkdir(parents=True, exist_ok=True)
    (base / "welcome.wav").write_bytes(b"RIFF" + b"\0" * 100)
    r = cli("ivr", "set", "acme", "main", "greeting.file=welcome.wav")
    assert r.exit_code == 0, r.output
    r = cli("ivr", "set", "acme", "main", "hours.sat=10:00-12:00", "options.3=seat:1002")
    assert r.exit_code == 0, r.output
    ivr = json.loads(cli("ivr", "show", "acme", "main", "--json").stdout)
    assert ivr["greeting"].get("file") == "welcome.wav" and not ivr["greeting"].get("text")
    assert ivr["hours"]["sat"] == "10:00-12:00" and ivr["hours"]["mon"] == "09:00-18:00"
    assert ivr["options"]["3"] == "seat:1002" and ivr["options"]["1"] == "queue:sales"
    r = cli("ivr", "set", "acme", "main", "greeting.text=Hello")
    assert r.exit_code == 0, r.output
    ivr = json.loads(cli("ivr", "show", "acme", "main", "--json").stdout)
    assert ivr["greeting"].get("text") == "Hello" and not ivr["greeting"].get("file")


def test_input_that_is_not_a_site_file_is_refused_before_parsing(cli, tmp_path):
    import time

    big = tmp_path / "big.yaml"
    big.write_bytes(b"tenants: []\n" + b"# padding\n" * (2 * 1024 * 1024))  # 20 MiB
    started = time.monotonic()
    r = cli("apply", "-f", str(big))
    assert r.exit_code == 1 and "limit of 8 MiB" in _one_line(r) and time.monotonic() - started < 3
    r = cli("apply", "-f", "/dev/zero")
    assert r.exit_code == 1 and "not a regular file" in _one_line(r)
    r = cli("apply", "-f", "-", input="#" * (9 * 1024 * 1024))
    assert r.exit_code == 1 and "limit of 8 MiB" in _one_line(r)
    r = cli("restore", str(tmp_path / "nosuch.tgz"))
    assert r.exit_code == 1 and "no such file" in _one_line(r)


def test_tenant_show_does_not_claim_there_are_no_customers(cli, example, tmp_path):
    assert cli("apply", "-f", str(example)).exit_code == 0
    r = cli("customer", "add", "acme", "+4915199999999", "Erika")
    assert r.exit_code == 0, r.output
    data = json.loads(cli("tenant", "show", "acme", "--json").stdout)
    assert "customers" not in data


def test_every_validation_error_is_shown_and_a_duplicate_is_a_conflict(cli, example, tmp_path):
    assert cli("apply", "-f", str(example)).exit_code == 0
    r = cli("seat", "add", "acme", "1001")  # exists, and has no name
    assert r.exit_code == 4 and "already exists" in _one_line(r)
    site = tmp_path / "two.yaml"
    site.write_text("tenants:\n  - name: t1\n    seat_limit: -1\n    bogus: 1\n")
    r = cli("apply", "-f", str(site))
    lines = r.output.strip().splitlines()
    assert r.exit_code == 1 and len(lines) == 2, r.output
    assert any("seat_limit" in x for x in lines) and any("bogus: unknown key" in x for x in lines)
    assert all(x.startswith("error: ") for x in lines) and "more)" not in r.output


def test_usage_errors_with_json_are_json(cli):
    r = cli("tenant", "list", "--json", "--bogus")
    assert r.exit_code == 2
    err = json.loads(r.stderr)["error"]
    assert err["id"] == "usage" and err["exit_code"] == 2 and "--bogus" in err["message"]
    r = cli("tenant", "show", "--json")  # a missing argument
    assert r.exit_code == 2 and json.loads(r.stderr)["error"]["id"] == "usage"
