"""Edges of the command line: every error one line with its exit code, nothing half-done."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app


@pytest.fixture
def cli(tmp_path, sounds_dir):
    runner = CliRunner()
    env = {"CCCTL_DB": str(tmp_path / "cli.db"), "CCCTL_FS_CONF_DIR": str(tmp_path / "fs" / "conf"),
           "CCCTL_FS_SOUNDS_DIR": str(sounds_dir),
           "CCCTL_FS_RECORDINGS_DIR": str(tmp_path / "fs" / "recordings"), "CCCTL_ESL_PORT": "1",
           "CCCTL_FS_DEPLOY": "off"}

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
