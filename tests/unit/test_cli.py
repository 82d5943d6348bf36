"""The CLI through typer's CliRunner: exit codes, --json on stdout, messages on stderr."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app


@pytest.fixture
def cli(tmp_path, sounds_dir):
    runner = CliRunner()
    # A box whose FreeSWITCH is not running: writes still render and swap the tree.
    env = {
        "CCCTL_DB": str(tmp_path / "cli.db"),
        "CCCTL_FS_CONF_DIR": str(tmp_path / "fs" / "conf"),
        "CCCTL_FS_SOUNDS_DIR": str(sounds_dir),
        "CCCTL_FS_RECORDINGS_DIR": str(tmp_path / "fs" / "recordings"),
        "CCCTL_ESL_PORT": "1",
    }

    def run(*args, input=None):
        return runner.invoke(app, list(args), env=env, input=input)

    return run


def test_apply_dry_run_then_apply_then_noop(cli, example):
    r = cli("apply", "-f", str(example), "--dry-run", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["dry_run"] is True and len(data["changes"]) > 10
    assert json.loads(cli("tenant", "list", "--json").stdout) == []
    assert cli("apply", "-f", str(example)).exit_code == 0
    r = cli("apply", "-f", str(example), "--json")
    assert json.loads(r.stdout)["changes"] == []


def test_apply_from_stdin(cli, example):
    r = cli("apply", "-f", "-", input=example.read_text(encoding="utf-8"))
    assert r.exit_code == 0, r.output
    assert "+ tenant huaxia" in r.stdout


def test_export_roundtrip_through_cli(cli, example, tmp_path):
    cli("apply", "-f", str(example))
    one = cli("export").stdout
    (tmp_path / "e.yaml").write_text(one, encoding="utf-8")
    assert "no changes" in cli("apply", "-f", str(tmp_path / "e.yaml")).stderr
    assert cli("export").stdout == one
    as_json = json.loads(cli("export", "--json").stdout)
    assert as_json["tenants"][1]["display_name"] == "华夏客服中心"


def test_seat_crud_and_exit_codes(cli):
    assert cli("tenant", "add", "t", "seat_limit=2", "display_name=测试租户").exit_code == 0
    assert cli("seat", "add", "t", "1001", "name=A", "skills={sales: 5}").exit_code == 0
    r = cli("seat", "add", "t", "1001", "name=A")
    assert (r.exit_code, r.stderr.strip()) == (4, "error: seat t/1001 already exists")
    assert cli("seat", "add", "t", "1002", "name=B").exit_code == 0
    r = cli("seat", "add", "t", "1003", "name=C")
    assert r.exit_code == 4 and "exceed its seat limit of 2" in r.stderr
    r = cli("seat", "show", "t", "1009")
    assert (r.exit_code, r.stderr.strip()) == (3, "error: seat t/1009 not found")
    r = cli("seat", "show", "t", "1001", "--json")
    assert json.loads(r.stdout) == {
        "tenant": "t",
        "extension": "1001",
        "name": "A",
        "skills": {"sales": 5},
        "remote": False,
        "supervisor": False,
    }
    assert cli("seat", "set", "t", "1001", "remote=true").exit_code == 0
    assert json.loads(cli("seat", "list", "t", "--json").stdout)[0]["remote"] is True
    assert cli("seat", "remove", "t", "1002").exit_code == 0
    assert [s["extension"] for s in json.loads(cli("seat", "list", "--json").stdout)] == ["1001"]


def test_bad_input_is_one_line_and_nonzero(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tenants:\n  - name: ok\n    seats:\n      - {extension: '12', name: A, colour: red}\n")
    r = cli("apply", "-f", str(bad))
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [f"error: {bad}:4: tenants[0].seats[0].colour: unknown key"]
    assert json.loads(cli("tenant", "list", "--json").stdout) == []
    r = cli("seat", "add", "nope", "1001", "name")
    assert r.exit_code == 1 and "expected KEY=VALUE" in r.stderr
    r = cli("tenant", "add", "t", "plan=free")
    assert r.exit_code == 1 and r.stderr.startswith("error: tenant t: plan:")


def test_usage_error_exit_2(cli):
    assert cli("seat", "frobnicate").exit_code == 2
    assert cli("apply").exit_code == 2


def test_validate_reports_and_exits(cli, tmp_path, example):
    assert cli("validate", "-f", str(example)).exit_code == 0
    bad = tmp_path / "v.yaml"
    bad.write_text(
        "tenants:\n  - name: t\n    numbers: [{number: '4001', target: 'queue:gone'}]\n    queues: [{name: q}]\n"
    )
    r = cli("validate", "-f", str(bad))
    assert r.exit_code == 1
    assert "error: t: number 4001: target: target queue:gone does not exist in this tenant" in r.stdout
    assert "warning: t: queue q: no seat has skill 'q', so no agent can serve it" in r.stdout
    r = cli("validate", "-f", str(bad), "--json")
    assert {p["severity"] for p in json.loads(r.stdout)} == {"error", "warning"}


def test_render_writes_tree(cli, example, tmp_path):
    cli("apply", "-f", str(example))
    out = tmp_path / "tree"
    r = cli("render", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert (out / "freeswitch.xml").is_file()
    assert cli("render", "--out", str(out)).exit_code == 1  # not empty without --force
    assert cli("render", "--out", str(out), "--force").exit_code == 0


def test_render_prepares_the_recordings_folders_like_a_deploy(cli, example, tmp_path):
    """A tree written by `render --out` reaches a FreeSWITCH that must not race to create a
    tenant's recordings folder on the day's first calls: render makes them, as a deploy does
    (in CCCTL_FS_RECORDINGS_DIR, or the folder --recordings names)."""
    import shutil

    cli("apply", "-f", str(example))
    rec = tmp_path / "fs" / "recordings"
    shutil.rmtree(rec)
    r = cli("render", "--out", str(tmp_path / "tree"))
    assert r.exit_code == 0, r.output
    made = sorted(str(p.relative_to(rec)) for p in rec.rglob("*"))
    assert made == ["acme", "acme/voicemail", "huaxia", "huaxia/voicemail"]
    other = tmp_path / "elsewhere"
    r = cli("render", "--out", str(tmp_path / "tree2"), "--recordings", str(other))
    assert r.exit_code == 0, r.output
    assert (other / "acme" / "voicemail").is_dir() and (other / "huaxia").is_dir()
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "file").write_text("")
    r = cli("render", "--out", str(tmp_path / "tree3"), "--recordings", str(tmp_path / "ro" / "file"))
    assert r.exit_code == 1 and "cannot prepare the recordings folders" in r.stderr, r.output
    assert not (tmp_path / "tree3").exists()  # nothing written


def test_recording_policy_commands(cli, example):
    cli("apply", "-f", str(example))
    assert cli("recording", "set", "acme", "mode=inbound", "retention_days=30").exit_code == 0
    assert json.loads(cli("recording", "show", "acme", "--json").stdout)["retention_days"] == 30


def test_every_help_is_plain_and_fits(tmp_path):
    """Every command's --help at COLUMNS=80: no line wider than 100 columns, no internals
    (typer's `x>=0` bounds, `[[TENANT]]`, `{TENANT}`, Python types), and every option that
    takes a value shows a placeholder after it (`--queue QUEUE`), so it does not read as a flag."""
    import re

    import typer.main

    from ccctl.cli.main import app as root

    def walk(cmd, path):
        yield path, cmd
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    env = {"COLUMNS": "80", "CCCTL_DB": str(tmp_path / "h.db"), "CCCTL_FS_DEPLOY": "off"}
    problems, seen = [], 0
    for path, cmd in walk(typer.main.get_command(root), []):
        r = CliRunner().invoke(root, [*path, "--help"], env=env, terminal_width=80)
        assert r.exit_code == 0, (path, r.output)
        seen += 1
        where = " ".join(path) or "ccctl"
        for line in r.output.splitlines():
            if len(line) > 100:
                problems.append(f"{where}: {len(line)} columns")
            if re.search(r"x[<>]=|[<>]=x|\[\[|\{[A-Z_]+\}|<(str|int|float|bool|path|list)", line):
                problems.append(f"{where}: internals: {line.strip()}")
        for p in cmd.params:
            if getattr(p, "param_type_name", "") != "option" or p.is_flag or p.count or p.hidden:
                continue
            opt = max(p.opts, key=len)
            if not re.search(re.escape(opt) + r" ([A-Z][A-Z0-9_=.-]*|[a-z0-9]+(\|[a-z0-9]+)+)", r.output):
                problems.append(f"{where}: {opt} shows no placeholder")
    assert seen > 100
    assert problems == []


def test_every_command_documents_itself(cli):
    import typer.main

    from ccctl.cli.main import app as root

    group = typer.main.get_command(root)
    for name, cmd in group.commands.items():
        assert cmd.help or cmd.short_help, name
        sub = getattr(cmd, "commands", {})
        for sub_name, sub_cmd in sub.items():
            assert sub_cmd.help, f"{name} {sub_name}"
            assert cli(name, sub_name, "--help").exit_code == 0
