"""The one settings object: read from CCCTL_* by from_env() only, a bad value refused in one
line naming its variable, frozen, and documented field by field in the README's table."""

from __future__ import annotations

import re
from pathlib import Path

import pydantic
import pytest

from ccctl.errors import InvalidInput
from ccctl.settings import Settings, env_name, settings_table

ROOT = Path(__file__).resolve().parents[2]


def _readme_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- settings table -->\n(.*?)\n<!-- end settings table -->", text, re.S)
    assert m, "README.md has no settings table between <!-- settings table --> markers"
    return m.group(1)


def test_every_setting_is_in_the_readme_table():
    listed = set(re.findall(r"^\| `(CCCTL_[A-Z_]+)` \|", _readme_table(), re.M))
    fields = {env_name(name) for name in Settings.model_fields}
    assert fields - listed == set(), "settings missing from README.md's table"
    assert listed - fields == set(), "README.md's table lists variables Settings does not have"
    assert all(f.description for f in Settings.model_fields.values()), "every setting says what it is"


def test_readme_table_is_the_generated_one():
    assert _readme_table() == settings_table(), (
        "README.md's settings table is out of date: replace it with the output of "
        "python -c 'from ccctl.settings import settings_table; print(settings_table())'"
    )


def test_environment_only_through_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CCCTL_ESL_PORT", "9021")
    monkeypatch.setenv("CCCTL_ROOT", str(tmp_path))
    assert Settings(db="x.db").esl_port == 8021  # what it is given, over the defaults
    s = Settings.from_env()
    assert s.esl_port == 9021 and s.root == tmp_path
    assert Settings.from_env({"CCCTL_ESL_PORT": "7021"}).esl_port == 7021  # a given mapping, not os.environ
    assert Settings.from_env({"ESL_PORT": "7021", "ccctl_esl_port": "7021"}).esl_port == 8021


def test_values_from_the_environment_are_typed():
    s = Settings.from_env(
        {
            "CCCTL_FS_LOG_DIR": "/srv/fs/log",
            "CCCTL_DAHDI_DIR": "/srv/dahdi",
            "CCCTL_HARDWARE_DIR": "/srv/profiles",
            "CCCTL_DEBUG": "1",
            "CCCTL_WATCHDOG_INTERVAL": "0",
        }
    )
    assert s.fs_log_dir == Path("/srv/fs/log") and s.dahdi_dir == Path("/srv/dahdi")
    assert s.hardware_dir == Path("/srv/profiles") and s.debug is True and s.watchdog_interval == 0
    empty = Settings.from_env({"CCCTL_HARDWARE_DIR": "", "CCCTL_DEBUG": ""})
    assert empty.hardware_dir is None and empty.debug is False
    assert Settings.from_env({"CCCTL_DEBUG": "off"}).debug is False


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CCCTL_ESL_PORT": "abc"}, "CCCTL_ESL_PORT=abc: not a number"),
        ({"CCCTL_ESL_PORT": "70000"}, "CCCTL_ESL_PORT=70000: a port is a number from 1 to 65535"),
        ({"CCCTL_ESL_HOST": "0.0.0.0"}, "CCCTL_ESL_HOST=0.0.0.0: the Event Socket listens on loopback only"),
        ({"CCCTL_FS_DEPLOY": "of"}, "CCCTL_FS_DEPLOY=of: one of auto, off"),
        ({"CCCTL_RTP_START": "40000"}, "CCCTL_RTP_START=40000: must be below CCCTL_RTP_END (32768)"),
        ({"CCCTL_SIP_IP": "box"}, "CCCTL_SIP_IP=box: an IPv4 or IPv6 address"),
        ({"CCCTL_NODE": "Box 1"}, "CCCTL_NODE=Box 1: a node name is"),
        ({"CCCTL_DB": " "}, "CCCTL_DB= : a database path or URL"),
        ({"CCCTL_MAX_SESSIONS": "1.5"}, "CCCTL_MAX_SESSIONS=1.5: not a number"),
    ],
)
def test_a_bad_value_is_one_line_naming_its_variable(env, message):
    with pytest.raises(InvalidInput) as err:
        Settings.from_env(env)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_frozen_with_and_as_dict(tmp_path):
    s = Settings(db=str(tmp_path / "c.db"), fs_conf_dir=str(tmp_path / "conf"))
    assert s.fs_conf_dir == tmp_path / "conf"
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.esl_port = 1
    t = s.with_(esl_port=9000)
    assert (t.esl_port, s.esl_port, t.fs_conf_dir) == (9000, 8021, tmp_path / "conf")
    with pytest.raises(InvalidInput, match="CCCTL_ESL_HOST=192.0.2.1"):
        s.with_(esl_host="192.0.2.1")  # a copy is checked as the original was
    d = s.as_dict()
    assert list(d) == list(Settings.model_fields)
    assert d["fs_conf_dir"] == str(tmp_path / "conf") and d["esl_port"] == 8021 and d["hardware_dir"] is None
    assert s == Settings(db=str(tmp_path / "c.db"), fs_conf_dir=tmp_path / "conf") and hash(s) == hash(
        t.with_(esl_port=8021)
    )


def test_no_stray_environment_reads():
    """CCCTL_ variables are read through Settings only (the test harness in ccctl/testing and
    the OS's own variables aside)."""
    allowed = {
        "ccctl/settings.py",
        "ccctl/supervision/audit.py",  # SUDO_USER: who ran the command
        "ccctl/freeswitch/install/run.py",  # apt's environment, passed on
        "ccctl/cli/main.py",  # click's _CCCTL_COMPLETE: a completion request, not a setting
        "tui/screens/listing.py",  # VISUAL / EDITOR: the admin's editor for edit-as-YAML
    }
    stray = []
    for path in [*(ROOT / "ccctl").rglob("*.py"), *(ROOT / "tui").rglob("*.py")]:
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("ccctl/testing/") or rel in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|getenv|envvar=\"CCCTL_", text):
            stray.append(rel)
    assert stray == []
