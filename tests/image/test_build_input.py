"""The build's settings and its refusals: one clear line, a non-zero exit, nothing in build/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

BUILD_CMD = [str(REPO / "image" / "build")]


def run(tmp_path, *args, env=None, path=None):
    e = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CC_IMAGE_") and k not in ("FREESWITCH_DEBS", "SIGNALWIRE_TOKEN", "FREESWITCH_PREFIX")
    }
    e["CC_IMAGE_OUTPUT"] = str(tmp_path / "out")
    if path is not None:
        e["PATH"] = path
    e.update(env or {})
    return subprocess.run(BUILD_CMD + list(args), env=e, capture_output=True, text=True, timeout=120)


def test_print_config_json(tmp_path):
    r = run(
        tmp_path,
        "--print-config",
        "--json",
        env={"CC_IMAGE_DISK_SIZE": "6G", "CC_IMAGE_EXTRA_PACKAGES": "htop vim-tiny"},
    )
    assert r.returncode == 0, r.stderr
    cfg = json.loads(r.stdout)
    assert cfg["disk_size"] == "6G" and cfg["extra_packages"] == ["htop", "vim-tiny"]
    assert cfg["stages"] == ["bootstrap", "drivers", "packages", "roles", "firstboot", "disk", "box"]
    assert cfg["engine"] == "not included"


def test_secret_token_is_not_printed(tmp_path):
    r = run(tmp_path, "--print-config", "--json", env={"SIGNALWIRE_TOKEN": "pat_abcdefgh12345678"})
    assert r.returncode == 0 and "pat_abcdefgh12345678" not in r.stdout
    assert json.loads(r.stdout)["engine"].startswith("token")


def test_freeswitch_sources_in_order(tmp_path):
    debs = tmp_path / "debs"
    debs.mkdir()
    (debs / "freeswitch_1.10.12_amd64.deb").write_bytes(b"!<arch>\n")
    r = run(
        tmp_path,
        "--print-config",
        "--json",
        env={"FREESWITCH_DEBS": str(debs), "SIGNALWIRE_TOKEN": "pat_abcdefgh12345678"},
    )
    assert json.loads(r.stdout)["engine"] == f"debs: {debs}"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CC_IMAGE_DISK_SIZE": "1G"}, "setting disk_size: 1G is too small"),
        ({"CC_IMAGE_DISK_SIZE": "lots"}, "setting disk_size: 'lots' is not a size"),
        ({"CC_IMAGE_HOSTNAME": "Bad_Host"}, "setting hostname"),
        ({"CC_IMAGE_MIRROR": "ftp:/x"}, "setting mirror"),
        ({"CC_IMAGE_EXTRA_PACKAGES": "ok bad;rm"}, "setting extra_packages"),
        ({"CC_IMAGE_TIMEZONE": "Mars/Olympus"}, "setting timezone"),
        ({"CC_IMAGE_ADMIN_SSH_KEY": "/nonexistent.pub"}, "setting admin_ssh_key: cannot read"),
        # printed as text: "[/x]" is not taken for rich markup
        ({"CC_IMAGE_ADMIN_SSH_KEY": "/no/[/x]/[bold]k.pub"}, "setting admin_ssh_key: cannot read /no/[/x]/[bold]k.pub"),
        ({"FREESWITCH_PREFIX": "/nonexistent"}, "setting freeswitch_prefix: /nonexistent/bin/freeswitch is missing"),
        ({"FREESWITCH_DEBS": "/nonexistent"}, "setting freeswitch_debs: /nonexistent is not a readable directory"),
        ({"SIGNALWIRE_TOKEN": "x"}, "setting signalwire_token"),
    ],
)
def test_bad_setting(tmp_path, env, message):
    r = run(tmp_path, env=env)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_empty_debs_directory(tmp_path):
    (tmp_path / "debs").mkdir()
    r = run(tmp_path, env={"FREESWITCH_DEBS": str(tmp_path / "debs")})
    assert r.returncode == 1 and "holds no .deb packages" in r.stderr


def test_bad_settings_file(tmp_path):
    f = tmp_path / "image.toml"
    f.write_text('disk_size = "4G"\ncolour = "blue"\n')
    r = run(tmp_path, "--settings", str(f))
    assert r.returncode == 1 and "unknown setting 'colour'" in r.stderr


def test_missing_host_tool(tmp_path):
    # A PATH with the interpreter but none of the build's tools.
    r = run(tmp_path, path=os.path.dirname(sys.executable))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing host tool: mmdebstrap" in lines[0], r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_help_documents_every_setting():
    r = subprocess.run(BUILD_CMD + ["--help"], capture_output=True, text=True)
    assert r.returncode == 0
    for name in ("disk_size", "mirror", "extra_packages", "admin_ssh_key", "freeswitch_prefix"):
        assert name in r.stdout


def test_print_config_before_make_install(tmp_path):
    """Without the project's packages (here: rich made unimportable), one line saying what to
    do, not a traceback."""
    fake = tmp_path / "no-rich" / "rich"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'rich'\", name='rich')\n")
    r = run(tmp_path, "--print-config", env={"PYTHONPATH": str(fake.parent)})
    assert r.returncode == 1 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `make install` first" in lines[0] and "'rich'" in lines[0], r.stderr


def _inputs(env: dict) -> str:
    """What build-summary.json records as the inputs of the root filesystem it measured."""
    from image.builder import engine, estimate, settings

    s = settings.load(env=env)
    return estimate.inputs(s, engine.resolve(s))


def test_disk_too_small_for_the_last_measured_root_filesystem(tmp_path):
    """The last build's measured root filesystem (same inputs) says 4G cannot hold it: refused
    before bootstrapping, one line, nothing written."""
    out = tmp_path / "out"
    out.mkdir()
    summary = {"notes": {"rootfs_bytes": str(3_600_000_000), "rootfs_inputs": _inputs({})}}
    (out / "build-summary.json").write_text(json.dumps(summary))
    r = run(tmp_path, env={"CC_IMAGE_DISK_SIZE": "4G"})
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert (
        len(lines) == 1
        and "setting disk_size: 4G is too small" in lines[0]
        and "measured by the last build" in lines[0]
        and "(3.4G, measured by the last build) needs a disk of at least 4.3G" in lines[0]
    ), r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["build-summary.json"]
    # Another configuration (one more package) is not the one measured: the estimate lets 4G through
    # to the next check (here: the host tools, with an empty PATH).
    r = run(
        tmp_path,
        env={"CC_IMAGE_DISK_SIZE": "4G", "CC_IMAGE_EXTRA_PACKAGES": "htop"},
        path=os.path.dirname(sys.executable),
    )
    assert "disk_size" not in r.stderr and "missing host tool" in r.stderr, r.stderr


def test_disk_too_small_by_estimate(tmp_path):
    """With no measure, the estimate (the default image's size plus the engine's files) refuses
    a disk too small for a big prefix (its modules are sparse files of 2 GB each here)."""
    from image.builder.engine import MODULES

    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "freeswitch").write_bytes(b"\x7fELF")
    mods = prefix / "lib" / "freeswitch" / "mod"
    mods.mkdir(parents=True)
    for m in MODULES[:3]:
        with open(mods / f"{m}.so", "wb") as f:
            f.truncate(2 * 1000**3)
    for m in MODULES[3:]:
        (mods / f"{m}.so").write_bytes(b"")
    # (no host tools on the PATH: were the disk let through, the build would stop right after)
    r = run(
        tmp_path,
        env={"CC_IMAGE_DISK_SIZE": "2G", "FREESWITCH_PREFIX": str(prefix)},
        path=os.path.dirname(sys.executable),
    )
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and "setting disk_size: 2G is too small: the root filesystem (2.3G, estimated)" in lines[0]
    ), r.stderr
    assert not (tmp_path / "out").exists()
    # The default image, without the engine, fits in 2G.
    r = run(tmp_path, env={"CC_IMAGE_DISK_SIZE": "2G"}, path=os.path.dirname(sys.executable))
    assert "missing host tool" in r.stderr, r.stderr


def fake_prefix(tmp_path, keep_library: bool = False):
    """A prefix laid out as upstream documents, in miniature: bin/freeswitch (RUNPATH to its own
    lib) needs lib/libfreeswitch.so.1, which needs libccgone.so.1 (spandsp's part) from a folder
    outside the prefix, without a RUNPATH of its own; the modules ccctl's tree loads are tiny
    shared objects. Unless KEEP_LIBRARY, libccgone.so.1 is deleted after linking."""
    from image.builder.engine import MODULES

    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    src, gone, prefix = tmp_path / "src", tmp_path / "usr-local-lib", tmp_path / "prefix"
    for d in (src, gone, prefix / "bin", prefix / "lib", prefix / "mod"):
        d.mkdir(parents=True)
    (src / "gone.c").write_text("int cc_gone(void) { return 7; }\n")
    (src / "core.c").write_text("int cc_gone(void);\nint cc_core(void) { return cc_gone(); }\n")
    (src / "main.c").write_text("int cc_core(void);\nint main(void) { return cc_core() == 7 ? 0 : 1; }\n")
    (src / "mod.c").write_text("int cc_mod(void) { return 1; }\n")
    lib = prefix / "lib"

    def gcc(*args):
        subprocess.run(["gcc", *map(str, args)], check=True, capture_output=True)

    gcc("-shared", "-fPIC", "-Wl,-soname,libccgone.so.1", "-o", gone / "libccgone.so.1", src / "gone.c")
    (gone / "libccgone.so").symlink_to("libccgone.so.1")
    gcc(
        "-shared",
        "-fPIC",
        "-Wl,-soname,libfreeswitch.so.1",
        "-o",
        lib / "libfreeswitch.so.1",
        src / "core.c",
        f"-L{gone}",
        "-lccgone",
    )
    (lib / "libfreeswitch.so").symlink_to("libfreeswitch.so.1")
    gcc(
        "-o",
        prefix / "bin" / "freeswitch",
        src / "main.c",
        f"-L{lib}",
        "-lfreeswitch",
        f"-Wl,--enable-new-dtags,-rpath,{lib}",
        f"-Wl,-rpath-link,{gone}",
    )
    gcc("-shared", "-fPIC", "-o", src / "mod.so", src / "mod.c")
    for m in MODULES:
        shutil.copy(src / "mod.so", prefix / "mod" / f"{m}.so")
    if not keep_library:
        for p in gone.iterdir():
            p.unlink()
    return prefix, gone


def test_prefix_with_a_missing_library_is_refused(tmp_path):
    """A prefix whose libfreeswitch needs a library that is nowhere (not on this host, so it
    cannot be bundled): one line naming the library and the file that needs it, exit 1,
    nothing in build/."""
    prefix, _ = fake_prefix(tmp_path)
    r = run(tmp_path, env={"FREESWITCH_PREFIX": str(prefix)})
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"libccgone.so.1, needed by {prefix}/lib/libfreeswitch.so.1, is not found" in lines[0], r.stderr
    assert lines[0].startswith("error: setting freeswitch_prefix: the engine cannot load on this host")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_engine_that_cannot_load_in_the_root_filesystem_is_refused(tmp_path):
    """The build's check inside the root filesystem (ldd through chroot; here the root is / and
    the library has gone since the prefix was made): it names the library and libfreeswitch,
    which needs it, not the binary that loads both."""
    from image.builder import loadcheck
    from image.builder.engine import MODULES
    from image.builder.errors import BuildError

    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    prefix, gone = fake_prefix(tmp_path, keep_library=True)
    root = Path("/")
    binary, mod_dir = str(prefix / "bin" / "freeswitch"), str(prefix / "mod")
    files = loadcheck.targets(root, binary, mod_dir, MODULES)
    assert files[0] == binary and len(files) == 1 + len(MODULES)
    # Found (the loader is told where, as /etc/ld.so.conf.d/freeswitch.conf does on the box) ...
    old = os.environ.get("LD_LIBRARY_PATH")
    os.environ["LD_LIBRARY_PATH"] = str(gone)
    try:
        resolved = loadcheck.check(root, files, chroot=True, where="in the image")
    finally:
        os.environ.pop("LD_LIBRARY_PATH") if old is None else os.environ.__setitem__("LD_LIBRARY_PATH", old)
    assert resolved["libfreeswitch.so.1"] == f"{prefix}/lib/libfreeswitch.so.1"
    assert resolved["libccgone.so.1"] == f"{gone}/libccgone.so.1"
    # ... and not found.
    with pytest.raises(BuildError) as e:
        loadcheck.check(root, files, chroot=True, where="in the image")
    assert str(e.value) == (
        f"the engine cannot load in the image: libccgone.so.1, needed by {prefix}/lib/libfreeswitch.so.1, is not found"
    )
    assert "\n" not in str(e.value)


def test_failed_build_keeps_the_good_builds_log(tmp_path):
    """A build that fails (here: its mirror does not answer) leaves build/build.log, the log of
    the good build still in build/, as it was, and writes its own to build/build.failed.log."""
    if os.geteuid() != 0 or shutil.which("mmdebstrap") is None:
        pytest.skip("the build needs root and its host tools (scripts/image-deps)")
    out = tmp_path / "out"
    out.mkdir()
    (out / "build.log").write_text("the good build\n")
    r = run(tmp_path, env={"CC_IMAGE_MIRROR": "http://127.0.0.1:9/debian", "CC_IMAGE_SECURITY_MIRROR": ""})
    assert r.returncode == 1
    assert f"see {out}/build.failed.log" in r.stderr, r.stderr
    assert (out / "build.log").read_text() == "the good build\n"
    assert "mmdebstrap" in (out / "build.failed.log").read_text()
    assert not (out / ".work").exists()


def test_bootstrap_cache_keeps_recent_configurations(tmp_path):
    """Building another configuration keeps the others (the CACHE_KEEP used last, within the
    size bound); the one in use is never removed."""
    from image.builder.stages.bootstrap import prune_cache

    cache = tmp_path / "cache"
    cache.mkdir()
    tars = []
    for i, size in enumerate([10, 10, 10, 10, 50]):
        p = cache / f"bootstrap-{i}.tar"
        p.write_bytes(b"x" * size)
        os.utime(p, (1000 + i, 1000 + i))
        tars.append(p)
    current = tars[0]  # the oldest one, just reused
    removed = prune_cache(cache, current, keep=3, max_bytes=35)
    # newest first: 4 (50 bytes) does not fit beside the current one, 3 and 2 do; 1 is one too many
    assert sorted(p.name for p in removed) == ["bootstrap-1.tar", "bootstrap-4.tar"]
    assert sorted(p.name for p in cache.iterdir()) == ["bootstrap-0.tar", "bootstrap-2.tar", "bootstrap-3.tar"]
    big = cache / "bootstrap-9.tar"
    big.write_bytes(b"x" * 100)
    prune_cache(cache, big, keep=3, max_bytes=35)
    assert [p.name for p in cache.iterdir()] == ["bootstrap-9.tar"]


def test_no_engine_warning_under_sudo():
    """Run through sudo with no engine setting in the environment, the warning says how to pass
    one through sudo."""
    from image.builder.cli import no_engine_warning

    assert "sudo" not in no_engine_warning({})
    text = no_engine_warning({"SUDO_USER": "alice"})
    assert "sudo FREESWITCH_PREFIX=" in text and "make image" in text and "sudo -E" in text
    assert "sudo FREESWITCH_PREFIX" not in no_engine_warning({"SUDO_USER": "alice", "FREESWITCH_DEBS": "/d"})


BUGGY_SET_STRING = (
    "#define ftdm_set_string(x,y) {memcpy(x, y, (sizeof(x)>sizeof(y)?sizeof(y):sizeof(x))-1); "
    "x[(sizeof(x)>sizeof(y)?sizeof(y):sizeof(x))-1] = 0;}"
)
FIXED_SET_STRING = (
    "#define ftdm_set_string(x,y) do { size_t _n = strlen(y); if (_n > sizeof(x) - 1) _n = sizeof(x) - 1; "
    "memcpy(x, y, _n); (x)[_n] = 0; } while (0)"
)


@pytest.mark.parametrize(
    "modules, header, truncates",
    [
        (("mod_sofia.so", "mod_freetdm.so"), BUGGY_SET_STRING, True),
        (("mod_sofia.so", "mod_freetdm.so"), f"/* {BUGGY_SET_STRING} */\n{FIXED_SET_STRING}", False),
        (("mod_sofia.so",), BUGGY_SET_STRING, False),  # no mod_freetdm: nothing to warn about
        (("mod_sofia.so", "mod_freetdm.so"), None, False),  # no FreeTDM header installed
    ],
)
def test_freetdm_that_cuts_numbers_to_seven_digits_is_named(tmp_path, modules, header, truncates):
    """A prefix whose FreeTDM copies strings with freetdm f698205e's ftdm_set_string (7 characters
    from a pointer: 4930555200 arrives as 4930555) is named in the build's notes."""
    from image.builder.engine import freetdm_truncates_numbers

    (tmp_path / "mod").mkdir()
    for m in modules:
        (tmp_path / "mod" / m).write_bytes(b"\x7fELF")
    if header is not None:
        (tmp_path / "include").mkdir()
        (tmp_path / "include" / "ftdm_os.h").write_text(f"#ifndef FTDM_OS_H\n{header}\n#endif\n")
    assert freetdm_truncates_numbers(tmp_path) is truncates
