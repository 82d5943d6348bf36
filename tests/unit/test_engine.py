"""`ccctl engine`: the local apt source made from a directory of packages, the vendor's
repository configuration (no network to the vendor here: the files it writes), the engine
record the unit reads, and bad input refused with one line and nothing written. The install
itself runs in the booted image tier (tests/image/test_booted.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.errors import InvalidInput
from ccctl.freeswitch.install import EngineRecord, local, package_names, read_record, run, vendor, write_record

TOKEN = "pat_0123456789abcdefABCDEF"


def make_deb(folder: Path, name: str, version: str = "1.10.12") -> Path:
    pkg = folder / f"src-{name}"
    (pkg / "DEBIAN").mkdir(parents=True)
    (pkg / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: t <t@example.org>\n"
        f"Description: {name} for the test\n"
    )
    out = folder / f"{name}_{version}_all.deb"
    subprocess.run(["dpkg-deb", "-Zgzip", "--build", str(pkg), str(out)], check=True, capture_output=True)
    return out


@pytest.fixture
def debs(tmp_path) -> Path:
    d = tmp_path / "debs"
    d.mkdir()
    for n in ("freeswitch", "freeswitch-mod-sofia", "freeswitch-mod-callcenter", "libunrelated1"):
        make_deb(d, n)
    return d


def test_package_names_cover_every_module_the_tree_loads():
    names = package_names()
    assert names[0] == "freeswitch"
    assert {"freeswitch-mod-sofia", "freeswitch-mod-callcenter", "freeswitch-mod-event-socket"} <= set(names)


def test_record_round_trips_and_reads_as_environment(tmp_path):
    p = tmp_path / "etc" / "engine"
    rec = EngineRecord("/usr/bin/freeswitch", "/usr/lib/freeswitch/mod", "debs: /root/my debs")
    write_record(rec, p)
    assert read_record(p) == rec
    assert stat.S_IMODE(p.stat().st_mode) == 0o644
    # The same file as systemd's EnvironmentFile and a shell read it.
    out = subprocess.run(
        ["sh", "-c", f'. {p}; echo "$FREESWITCH_BINARY|$FREESWITCH_SOURCE"'], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "/usr/bin/freeswitch|debs: /root/my debs"
    assert read_record(tmp_path / "missing") is None


def test_local_source_indexes_the_packages(debs, tmp_path):
    names = local.scan(debs)
    assert set(names) == {"freeswitch", "freeswitch-mod-sofia", "freeswitch-mod-callcenter", "libunrelated1"}
    assert local.wanted(names) == ["freeswitch", "freeswitch-mod-sofia", "freeswitch-mod-callcenter"]
    root = tmp_path / "root"
    written = local.prepare(names, root)
    folder = root / "var/lib/ccctl/engine-debs"
    assert written == [root / "etc/apt/sources.list.d/ccctl-engine-debs.list", folder]
    assert written[0].read_text() == "deb [trusted=yes] file:/var/lib/ccctl/engine-debs ./\n"
    paragraphs = (folder / "Packages").read_text().strip().split("\n\n")
    assert len(paragraphs) == 4
    for para in paragraphs:
        fields = dict(line.split(": ", 1) for line in para.splitlines())
        copy = folder / fields["Filename"]
        assert copy.is_file() and int(fields["Size"]) == copy.stat().st_size
        assert fields["SHA256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
        assert fields["Package"] in names and fields["Version"] == "1.10.12"


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "not a directory"),
        ("empty", "holds no .deb packages"),
        ("garbage", "is not a Debian package"),
        ("no-engine", "no package named freeswitch"),
    ],
)
def test_bad_package_folders_refused(tmp_path, case, message):
    d = tmp_path / case
    if case != "missing":
        d.mkdir()
    if case == "garbage":
        (d / "freeswitch_1_all.deb").write_text("not an archive")
    if case == "no-engine":
        make_deb(d, "freeswitch-mod-sofia")
    with pytest.raises(InvalidInput, match=message):
        run.plan(debs=d)


def test_vendor_repository_files(tmp_path):
    root = tmp_path / "root"
    written = run.configure_vendor(TOKEN, "bookworm", b"KEYRING", root)
    auth, key, listing = written
    assert auth == root / "etc/apt/auth.conf.d/ccctl-freeswitch.conf"
    assert stat.S_IMODE(auth.stat().st_mode) == 0o600
    assert auth.read_text() == f"machine freeswitch.signalwire.com login signalwire password {TOKEN}\n"
    assert key.read_bytes() == b"KEYRING" and key == root / "usr/share/keyrings/signalwire-freeswitch-repo.gpg"
    line = listing.read_text()
    assert line == (
        "deb [signed-by=/usr/share/keyrings/signalwire-freeswitch-repo.gpg] "
        "https://freeswitch.signalwire.com/repo/deb/debian-release/ bookworm main\n"
    )
    assert TOKEN not in line


def test_token_plan_installs_the_engine_and_every_module():
    p = run.plan(token=TOKEN)
    assert p.packages == package_names() and TOKEN not in p.source


@pytest.mark.parametrize("token", ["short", "has space 123", "semi;colon1", ""])
def test_bad_tokens_refused_without_echoing_them(token):
    with pytest.raises(InvalidInput) as exc:
        run.plan(token=token)
    assert "--token: not a token" in str(exc.value)
    assert not token or token not in str(exc.value)


def _cli(*args):
    return CliRunner().invoke(app, ["engine", "install", *args])


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "give one of --debs DIR or --token T"),
        (("--debs", "/nonexistent/debs"), "--debs /nonexistent/debs: not a directory"),
        (("--token", "x y"), "--token: not a token"),
    ],
)
def test_cli_bad_input_one_line(args, message):
    r = _cli(*args)
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [f"error: {message}" + r.stderr.strip().split(message, 1)[1]]
    assert not local.LIST_FILE.exists() and not Path(vendor.AUTH_FILE).exists()


def test_cli_both_sources_refused(debs):
    r = _cli("--debs", str(debs), "--token", TOKEN)
    assert r.exit_code == 1 and "give one of" in r.stderr and TOKEN not in r.output


def test_not_root_refused_before_anything_is_written(debs):
    if os.geteuid() != 0:
        pytest.skip("runs as root to drop to nobody")
    # the console script installed with the Python running the tests, whichever environment that is
    ccctl = Path(sys.executable).parent / "ccctl"
    assert ccctl.is_file(), f"no ccctl console script beside {sys.executable} (pip install -e .)"
    readable = Path(tempfile.mkdtemp(prefix="engine-debs-"))  # pytest's tmp_path is root's alone
    try:
        readable.chmod(0o755)
        for deb in debs.glob("*.deb"):
            shutil.copy(deb, readable)
        r = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                str(ccctl),
                "engine",
                "install",
                "--debs",
                str(readable),
            ],
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(readable)
    assert r.returncode == 1
    assert r.stderr.strip() == "error: ccctl engine install changes the system: run it as root (sudo)"
