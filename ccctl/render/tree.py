"""The whole tree: which file holds what, and writing it so FreeSWITCH never sees half of it."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ccctl.config import spec as s
from ccctl.hardware import render as hardware_render
from ccctl.hardware.spec import Hardware
from ccctl.media import prompts
from ccctl.render import callcenter, core, dialplan, directory, ivr, sofia
from ccctl.render.xml import include, to_bytes
from ccctl.settings import Settings


@dataclass(frozen=True)
class RenderInput:
    tenants: list[s.Tenant]
    """Sorted specs with seat passwords filled in."""
    settings: Settings
    esl_password: str
    hardware: Hardware | None = None
    """Voice cards: with spans or ports, mod_freetdm and its two files join the tree."""
    edge: str | None = None
    """A fleet node's Kamailio edge (IP:PORT): seats register there, calls to them go through
    it, and only it may send calls in (None: a single box)."""


PARALLEL_MIN_SEATS = 5000
"""From this size on, a forked worker renders the per-tenant files while this process renders
the shared ones: the two halves take about as long, and a box has at least two cores."""

_forked_input: list[s.Tenant] = []
_forked_edge: list[str | None] = [None]


def _tenant_files(tenants: list[s.Tenant], edge: str | None) -> dict[str, bytes]:
    files = {}
    for t in tenants:
        files[f"dialplan/tenant-{t.name}.xml"] = to_bytes(dialplan.tenant_context(t))
        files[f"directory/{t.name}.xml"] = directory.domain_xml(t, edge)
    return files


def _forked_tenant_files() -> dict[str, bytes]:
    return _tenant_files(_forked_input, _forked_edge[0])


def render_tree(inp: RenderInput) -> dict[str, bytes]:
    """Relative path -> file content. Pure: the same input gives the same bytes."""
    tenants = sorted((t.sorted() for t in inp.tenants), key=lambda t: t.name)
    pending = None
    if sum(len(t.seats) for t in tenants) >= PARALLEL_MIN_SEATS and "fork" in mp.get_all_start_methods():
        _forked_input[:] = tenants
        _forked_edge[0] = inp.edge
        pool = mp.get_context("fork").Pool(1)
        pending = pool.apply_async(_forked_tenant_files)
    st = inp.settings
    tdm = hardware_render.freeswitch_files(inp.hardware, tenants) if inp.hardware else {}
    zones = sorted({t.timezone for t in tenants} | {"UTC"})
    files = {
        "freeswitch.xml": core.freeswitch_xml(),
        "vars.xml": core.vars_xml(st),
        "autoload_configs/modules.conf.xml": core.modules_conf(("mod_freetdm",) if tdm else ()),
        "autoload_configs/switch.conf.xml": core.switch_conf(st),
        "autoload_configs/console.conf.xml": core.console_conf(),
        "autoload_configs/logfile.conf.xml": core.logfile_conf(),
        "autoload_configs/event_socket.conf.xml": core.event_socket_conf(st, inp.esl_password),
        "autoload_configs/acl.conf.xml": core.acl_conf(inp.edge),
        "autoload_configs/db.conf.xml": core.db_conf(),
        "autoload_configs/json_cdr.conf.xml": core.json_cdr_conf(st),
        "autoload_configs/hash.conf.xml": core.hash_conf(),
        "autoload_configs/timezones.conf.xml": core.timezones_conf(zones),
        "autoload_configs/local_stream.conf.xml": core.local_stream_conf(prompts.moh_names(tenants)),
        "autoload_configs/sofia.conf.xml": sofia.sofia_conf(st, tenants, inp.edge),
        "autoload_configs/callcenter.conf.xml": callcenter.callcenter_conf(st, tenants),
        "autoload_configs/ivr.conf.xml": ivr.ivr_conf(tenants),
        "dialplan/00-public.xml": dialplan.public_context(tenants),
    }
    files.update(tdm)
    if pending is None:
        files.update(_tenant_files(tenants, inp.edge))
    else:
        try:
            files.update(pending.get())
        finally:
            pool.close()
            pool.join()
            _forked_input.clear()
    if not tenants:
        # FreeSWITCH's include of an empty glob is an error; an empty file is not.
        files["directory/00-none.xml"] = include()
    return {path: _bytes(root) for path, root in sorted(files.items())}


def _bytes(root) -> bytes:
    if isinstance(root, bytes):
        return root
    return root.encode() if isinstance(root, str) else to_bytes(root)


FILE_MODE = 0o640
DIR_MODE = 0o750
"""The tree holds the Event Socket and trunk passwords and the seats' digest hashes: root
writes it, FreeSWITCH's group reads it, nobody else does."""


def freeswitch_gid() -> int | None:
    """The group FreeSWITCH runs as, when this process may give files to it (root)."""
    if os.geteuid() != 0:
        return None
    import grp

    try:
        return grp.getgrnam("freeswitch").gr_gid
    except KeyError:
        return None


def make_private_dir(path: Path, gid: int | None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    if gid is not None:
        os.chown(path, 0, gid)


def write_files(files: dict[str, bytes], root: Path) -> None:
    gid = freeswitch_gid()
    make_private_dir(root, gid)
    made: set[Path] = {root}
    for rel, data in files.items():
        p = root / rel
        if p.parent not in made:
            for d in reversed([p.parent, *p.parent.parents]):
                if d not in made and d.is_relative_to(root):
                    make_private_dir(d, gid)
                    made.add(d)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with open(fd, "wb") as f:
            os.fchmod(fd, FILE_MODE)  # whatever the umask
            if gid is not None:
                os.fchown(fd, 0, gid)
            f.write(data)


def write_tree(files: dict[str, bytes], out: Path, *, force: bool = False) -> Path:
    """Write FILES as directory OUT, replacing what is there in one rename.

    The new tree is built beside OUT and renamed into place, so a reader sees either the
    old tree or the new one, never a mix.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise FileExistsError(f"{out} is not empty (use --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        write_files(files, tmp)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / "tree")
            os.rename(tmp, out)
            shutil.rmtree(old)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
