"""`ccctl` builds only the command group it runs (ccctl.cli.main._only): the same output and
exit code as the whole app, for every kind of command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ccctl.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["seat", "list", "--json"],
        ["seat", "add", "t", "1001", "name=A"],
        ["seat", "show", "t", "1001"],
        ["seat", "show", "t", "9999", "--json"],
        ["seat", "--help"],
        ["seat"],
        ["seat", "ad", "t"],
        ["tenant", "list"],
        ["status", "--help"],
        ["apply", "--help"],
        ["--db", "{db}", "tenant", "list"],
        ["--db={db}", "seat", "list"],
        ["--help"],
        ["--version"],
        [],
        ["seatz"],
        ["-x", "seat", "list"],
    ],
)
def test_a_run_builds_the_group_it_runs_and_says_the_same(argv, tmp_path):
    argv = [a.format(db=tmp_path / "other.db") for a in argv]
    env = {"CCCTL_DB": str(tmp_path / "t.db"), "CCCTL_FS_DEPLOY": "off"}
    runner = CliRunner()
    runner.invoke(main.app, ["tenant", "add", "t"], env=env)
    only = main._only(argv)
    if argv and argv[0] in ("seat", "tenant", "status", "apply"):
        names = [g.name for g in only.registered_groups] + [c.name for c in only.registered_commands]
        assert names == [argv[0]]
    got = runner.invoke(only, argv, env=env, prog_name="ccctl")
    if argv[:2] == ["seat", "add"]:  # undo it, to run the whole app on the same database
        runner.invoke(main.app, ["seat", "remove", "t", "1001"], env=env)
    want = runner.invoke(main.app, argv, env=env, prog_name="ccctl")
    assert (got.exit_code, got.stdout, got.stderr) == (want.exit_code, want.stdout, want.stderr)


def test_shell_completion_gets_the_whole_app(monkeypatch):
    monkeypatch.setenv("_CCCTL_COMPLETE", "complete_bash")
    assert main._only(["seat", "list"]) is main.app
