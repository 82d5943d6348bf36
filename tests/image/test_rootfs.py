"""Static tier: testinfra against the built root filesystem through a chroot, without booting."""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import BUILD

ROOTFS = BUILD / "rootfs"


@pytest.fixture(scope="module")
def root(summary):
    if not (ROOTFS / "bin" / "sh").exists():
        pytest.skip(f"no root filesystem in {ROOTFS}: run `make image` first")
    import testinfra

    return testinfra.get_host(str(ROOTFS), connection="chroot")


@pytest.mark.parametrize(
    "pkg",
    [
        "openssh-server",
        "nftables",
        "fail2ban",
        "sudo",
        "espeak-ng",
        "sox",
        "systemd-timesyncd",
        "python3-venv",
        "linux-image-amd64",
    ],
)
def test_packages(root, pkg):
    assert root.package(pkg).is_installed


def test_nothing_unique_or_secret_is_baked_in(root):
    assert root.run("ls /etc/ssh/ssh_host_* 2>/dev/null").stdout == ""
    assert root.file("/etc/machine-id").content_string == ""
    assert not root.file("/var/lib/ccctl/ccctl.db").exists
    assert not root.file("/var/lib/ccctl/firstboot.done").exists
    assert not root.file("/etc/freeswitch").exists
    assert root.run("ls -A /var/lib/freeswitch/certs").stdout == ""  # keys of FreeSWITCH's DTLS/TLS


def test_first_boot_schema_is_empty(root):
    """The migrated schema the first boot copies holds no row but its revision: no secret."""
    import sqlite3

    assert root.file("/usr/share/ccctl/schema.db").mode == 0o644
    con = sqlite3.connect(f"file:{BUILD / 'rootfs/usr/share/ccctl/schema.db'}?mode=ro", uri=True)
    tables = [t for (t,) in con.execute("select name from sqlite_master where type = 'table'")]
    assert "seat" in tables and "setting" in tables
    assert {
        t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables if t != "alembic_version"
    } == dict.fromkeys(set(tables) - {"alembic_version"}, 0)
    assert con.execute("select count(*) from alembic_version").fetchone()[0] == 1


def test_first_boot_units_are_armed(root):
    for unit in ("ccctl-firstboot.service", "ccctl-firstboot-keys.service"):
        assert root.file(f"/etc/systemd/system/multi-user.target.wants/{unit}").is_symlink
    body = root.file("/etc/systemd/system/ccctl-firstboot-keys.service").content_string
    assert "Before=ssh.service" in body


def test_services_enabled(root):
    for unit in (
        "ssh",
        "nftables",
        "fail2ban",
        "freeswitch",
        "systemd-networkd",
        "systemd-timesyncd",
        "callcenter-banner",
        "ccctl-console-wizard",
    ):
        r = root.run(f"systemctl is-enabled {unit}")
        assert r.stdout.strip() == "enabled", (unit, r.stdout, r.stderr)


def test_ssh_keys_only_no_root(root):
    conf = root.file("/etc/ssh/sshd_config.d/10-appliance.conf").content_string
    assert "PermitRootLogin no" in conf and "PasswordAuthentication no" in conf
    keys = root.file("/home/admin/.ssh/authorized_keys")
    assert keys.mode == 0o600 and keys.user == "admin"
    assert keys.content_string.startswith("ssh-")
    # No account can log in with a password: root and admin have none.
    shadow = {line.split(":")[0]: line.split(":")[1] for line in root.file("/etc/shadow").content_string.splitlines()}
    assert shadow["root"] in ("*", "!", "!*") or shadow["root"].startswith("!")
    assert shadow["admin"] in ("*", "!", "!*") or shadow["admin"].startswith("!")
    assert all(not pw == "" for pw in shadow.values()), "an account with an empty password"


def test_firewall_rules(root):
    conf = root.file("/etc/nftables.conf").content_string
    assert "policy drop" in conf
    assert "tcp dport 22 accept" in conf
    assert "udp dport 16384-32768 accept" in conf
    assert "limit rate over" in conf
    # The rules must parse: checked in a throwaway network namespace, never against this host.
    r = subprocess.run(
        ["unshare", "-n", "chroot", str(ROOTFS), "nft", "-c", "-f", "/etc/nftables.conf"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr


def test_fail2ban_jail_on_freeswitch_auth_failures(root):
    jail = root.file("/etc/fail2ban/jail.d/appliance.local").content_string
    assert "[freeswitch]" in jail and "logpath = /var/log/freeswitch/freeswitch.log" in jail
    assert root.file("/etc/fail2ban/filter.d/freeswitch.conf").exists
    assert root.file("/var/log/freeswitch/freeswitch.log").user == "freeswitch"


def test_control_plane_in_its_own_venv(root):
    r = root.run("/usr/local/bin/ccctl --help")
    assert r.rc == 0, r.stderr
    assert "apply" in r.stdout
    env = root.file("/etc/default/ccctl").content_string
    assert "CCCTL_DB=/var/lib/ccctl/ccctl.db" in env and "CCCTL_ESL_HOST=127.0.0.1" in env


def test_freeswitch_unit_runs_as_freeswitch_on_the_rendered_tree(root, engine_included):
    unit = root.file("/etc/systemd/system/freeswitch.service").content_string
    assert "User=freeswitch" in unit and "-conf /etc/freeswitch" in unit
    assert root.user("freeswitch").exists
    if engine_included:
        binary = engine_binary(root)
        assert root.file(binary).is_file
        r = root.run(f"{binary} -version")
        assert r.rc == 0 and "FreeSWITCH version: 1.10" in r.stdout, r.stdout + r.stderr
        # Every library the engine links to resolves inside the image.
        r = root.run(f"ldd {binary} $(dirname {binary})/../lib/freeswitch/mod/*.so | grep 'not found' || true")
        assert r.stdout.strip() == ""
    else:
        assert not root.file("/etc/ccctl/engine").exists


def engine_binary(root) -> str:
    return root.file("/etc/ccctl/engine").content_string.split('FREESWITCH_BINARY="')[1].split('"')[0]


def test_engine_loads_with_the_boxs_loader(root, summary, engine_included):
    """What the build checked, checked again: ldd inside the image is clean for the binary,
    libfreeswitch (which has no RUNPATH: the bundled sofia-sip and spandsp are found through
    /etc/ld.so.conf.d/freeswitch.conf and the loader cache), each module the tree loads and
    fs_cli; `freeswitch -version` answers."""
    if not engine_included:
        pytest.skip("image built without the engine")
    from image.builder.engine import MODULES  # ccctl's list, through the one import of it

    binary = engine_binary(root)
    record = root.file("/etc/ccctl/engine").content_string
    mod_dir = record.split('FREESWITCH_MOD_DIR="')[1].split('"')[0]
    out = root.run(f"ldd {binary}").stdout
    assert "libfreeswitch.so.1 => /" in out, out
    core = out.split("libfreeswitch.so.1 => ")[1].split()[0]
    files = [binary, core, *(f"{mod_dir}/{m}.so" for m in MODULES)]
    fs_cli = f"{binary.rsplit('/', 1)[0]}/fs_cli"
    if root.file(fs_cli).exists:
        files.append(fs_cli)
    r = root.run("for f in " + " ".join(files) + '; do ldd $f | sed "s|^|$f: |"; done')
    assert r.rc == 0 and r.stdout.count("libc.so.6 =>") == len(files), r.stdout + r.stderr
    assert "not found" not in r.stdout, [ln for ln in r.stdout.splitlines() if "not found" in ln]
    assert root.run(f"{binary} -version").rc == 0
    assert summary["notes"].get("engine_version", "").startswith("1.10"), summary["notes"]
    if summary["engine"].startswith("prefix: "):
        prefix = summary["engine"].removeprefix("prefix: ")
        conf = root.file("/etc/ld.so.conf.d/freeswitch.conf")
        assert conf.mode == 0o644 and f"{prefix}/lib" in conf.content_string.splitlines()
        # The loader cache (ldconfig ran in the image) knows the bundled libraries.
        cache = root.run("ldconfig -p").stdout
        assert f"libfreeswitch.so.1 (libc6,x86-64) => {prefix}/lib/libfreeswitch.so.1" in cache
        for lib in ("libspandsp.so", "libsofia-sip-ua.so"):
            bundled = root.run(f"ls {prefix}/lib/{lib}.* 2>/dev/null").stdout.split()
            if bundled:  # from /usr/local on the build host, not a Debian package
                assert f"=> {prefix}/lib/{lib}" in cache, lib
                assert re.search(rf"{lib}\S* => {prefix}/lib/", r.stdout), (lib, r.stdout)
        assert root.file("/usr/local/bin/fs_cli").is_symlink


def test_freeswitch_unit_gives_up_after_bounded_restarts(root):
    """An engine that cannot start is restarted a bounded number of times, then the unit stays
    failed (the box reports degraded) instead of restarting forever; ready still means -ncwait."""
    unit = root.file("/etc/systemd/system/freeswitch.service").content_string
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in unit.splitlines():
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        elif "=" in line and not line.startswith("#") and current is not None:
            k, v = line.split("=", 1)
            current[k] = v
    u, s = sections["Unit"], sections["Service"]
    assert int(u["StartLimitBurst"]) >= 2 and int(u["StartLimitIntervalSec"]) > 0
    # Each failed start is retried after RestartSec: the burst must fit in the interval.
    assert int(u["StartLimitBurst"]) * int(s["RestartSec"]) < int(u["StartLimitIntervalSec"])
    assert s["Restart"] == "on-failure" and s["Type"] == "forking" and " -ncwait " in s["ExecStart"]
    assert "StartLimitBurst" not in s and "StartLimitIntervalSec" not in s


def test_fs_cli_settings_writer(root, tmp_path):
    """The program freeswitch.service runs after each start writes root's fs_cli settings
    (0600) from the Event Socket configuration of the tree (run here with this host's Python 3.11,
    the image's version, on a sample configuration)."""
    writer = ROOTFS / "usr/local/sbin/freeswitch-fs-cli-conf"
    assert root.file("/usr/local/sbin/freeswitch-fs-cli-conf").mode == 0o755
    unit = root.file("/etc/systemd/system/freeswitch.service").content_string
    assert (
        "ExecStartPost=-+/usr/local/sbin/freeswitch-fs-cli-conf "
        "/etc/freeswitch/autoload_configs/event_socket.conf.xml /root/.fs_cli_conf"
    ) in unit
    conf = tmp_path / "event_socket.conf.xml"
    conf.write_text(
        '<configuration name="event_socket.conf"><settings><param name="listen-ip" value="127.0.0.1"/>'
        '<param name="listen-port" value="8021"/><param name="password" value="Zx8kPq2mWn4rTy6uVb3cDe5f"/>'
        "</settings></configuration>"
    )
    dest = tmp_path / ".fs_cli_conf"
    r = subprocess.run(["python3", "-IS", str(writer), str(conf), str(dest)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert dest.stat().st_mode & 0o777 == 0o600
    text = dest.read_text()
    assert "[default]" in text and "host => 127.0.0.1" in text and "port => 8021" in text
    assert "password => Zx8kPq2mWn4rTy6uVb3cDe5f" in text
    r = subprocess.run(
        ["python3", "-IS", str(writer), str(tmp_path / "absent.xml"), str(dest)], capture_output=True, text=True
    )
    assert r.returncode == 1 and "cannot read" in r.stderr and dest.read_text() == text


def test_no_default_passwords(root):
    r = root.run(
        "grep -rIl --exclude-dir='*.dist-info' -e ClueCon -e 'default_password=1234' /etc /var/lib /usr/local /opt 2>/dev/null || true"
    )
    assert r.stdout.strip() == ""


def test_boots_both_firmwares(root):
    assert root.file("/boot/grub/grub.cfg").contains("root=UUID=")
    assert root.file("/boot/grub/i386-pc/linux.mod").exists
    assert root.file("/boot/grub/x86_64-efi/linux.mod").exists


def test_root_grows_to_fill_the_disk(root):
    """Flashed onto a bigger disk, the root partition and filesystem grow at boot (the booted
    test proves it); the definition names only the root partition's type."""
    assert "x-systemd.growfs" in root.file("/etc/fstab").content_string
    conf = root.file("/etc/repart.d/50-root.conf").content_string
    assert "Type=linux-generic" in conf


def test_admin_console_is_installed(root):
    """The console the wizard unit starts is in the control plane's venv (the wheel once
    shipped without it), and the test harness is not."""
    r = root.run(
        "/opt/ccctl/venv/bin/python -c 'import tui.app, textual; import importlib.util as u; "
        'print(u.find_spec("ccctl.testing") is None)\''
    )
    assert r.rc == 0 and r.stdout.strip() == "True", r.stdout + r.stderr


def test_dahdi_modules_for_the_images_kernel(root, summary):
    """DAHDI (setting dahdi = modules) built by dkms for the kernel the image boots, the card
    profiles' drivers among the modules but those the summary names, depmod knows them; dkms, the compilers and the
    kernel headers are gone, and so is dkms's signing key (it would be every box's)."""
    from image.builder.stages.drivers import kernel_versions, profile_modules

    kernels = kernel_versions(ROOTFS)
    assert len(kernels) == 1, kernels
    k = kernels[0]
    have = {p.name.split(".ko")[0] for p in (ROOTFS / "lib/modules" / k / "updates/dahdi").glob("*.ko*")}
    assert {"dahdi", "dahdi_dynamic", "dahdi_dynamic_loc", "wct4xxp", "wctdm24xxp"} <= have, sorted(have)
    missing = set(summary["notes"]["dahdi_drivers_missing"].split(",")) - {""}
    assert set(profile_modules()) - have == missing, (sorted(have), missing)
    assert "updates/dahdi/dahdi_dynamic_loc.ko" in root.file(f"/lib/modules/{k}/modules.dep").content_string
    for pkg in ("dahdi", "dahdi-linux"):
        assert root.package(pkg).is_installed, pkg
    for pkg in ("dahdi-dkms", "dkms", "gcc-12", "linux-headers-amd64", f"linux-headers-{k}"):
        assert not root.package(pkg).is_installed, pkg
    assert not root.file("/var/lib/dkms").exists
    notes = summary["notes"]
    assert int(notes["dahdi_dkms_bytes"]) > 0 and int(notes["dahdi_added_bytes"]) > 0, notes
    print(
        f"\nrootfs with DKMS kept {int(notes['rootfs_with_dkms_bytes']) / 1e6:.0f} MB; dkms, compilers and "
        f"headers {int(notes['dahdi_dkms_bytes']) / 1e6:.0f} MB; DAHDI (tools, modules) "
        f"{int(notes['dahdi_added_bytes']) / 1e6:.0f} MB"
    )


def test_voice_cards_ready(root, engine_included):
    """The profiles ccctl reads, DAHDI's devices given to FreeSWITCH, the spans configured at
    boot before FreeSWITCH (once ccctl wrote system.conf), mod_freetdm and its FreeTDM modules
    bundled with the engine and loadable."""
    assert root.file("/usr/share/ccctl/hardware/profiles/digium-te-wct4xxp.yaml").exists
    assert root.file("/usr/share/ccctl/hardware/profiles/dahdi-dynamic-loc.yaml").exists
    assert 'GROUP="freeswitch"' in root.file("/etc/udev/rules.d/61-ccctl-dahdi.rules").content_string
    unit = root.file("/etc/systemd/system/ccctl-dahdi.service").content_string
    assert "ConditionPathExists=/etc/dahdi/system.conf" in unit and "Before=freeswitch.service" in unit
    assert root.service("ccctl-dahdi").is_enabled
    assert "DAHDI's alarms" in root.run("/opt/ccctl/venv/bin/ccctl hardware status --help").stdout
    if not engine_included:
        return
    record = root.file("/etc/ccctl/engine").content_string
    mod_dir = record.split('FREESWITCH_MOD_DIR="')[1].split('"')[0]
    for m in ("mod_freetdm", "ftmod_zt", "ftmod_libpri", "ftmod_analog"):
        r = root.run(f"ldd {mod_dir}/{m}.so")
        assert r.rc == 0 and "not found" not in r.stdout, (m, r.stdout)
