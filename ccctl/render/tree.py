"""The whole tree: which file holds what, and writing it so FreeSWITCH never sees half of it."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import prompts
from ..settings import Settings
from ..site import spec as s
from . import callcenter, core, dialplan, directory, ivr, sofia
from .xml import include, to_bytes


@dataclass(frozen=True)
class RenderInput:
    tenants: list[s.Tenant]
    """Sorted specs with seat passwords filled in."""
    settings: Settings
    esl_password: str


PARALLEL_MIN_SEATS = 5000
"""From this size on, a forked worker renders the per-tenant files while this process renders
the shared ones: the two halves take about as long, and a box has at least two cores."""

_forked_input: list[s.Tenant] = []


def _tenant_files(tenants: list[s.Tenant]) -> dict[str, bytes]:
    files = {}
    for t in tenants:
        files[f"dialplan/tenant-{t.name}.xml"] = to_bytes(dialplan.tenant_context(t))
        files[f"directory/{t.name}.xml"] = directory.domain_xml(t)
    return files


def _forked_tenant_files() -> dict[str, bytes]:
    return _tenant_files(_forked_input)


def render_tree(inp: RenderInput) -> dict[str, bytes]:
    """Relative path -> file content. Pure: the same input gives the same bytes."""
    tenants = sorted((t.sorted() for t in inp.tenants), key=lambda t: t.name)
    pending = None
    if sum(len(t.seats) for t in tenants) >= PARALLEL_MIN_SEATS and "fork" in mp.get_all_start_methods():
        _forked_input[:] = tenants
        pool = mp.get_context("fork").Pool(1)
        pending = pool.apply_async(_forked_tenant_files)
    st = inp.settings
    zones = sorted({t.timezone for t in tenants} | {"UTC"})
    files = {
        "freeswitch.xml": core.freeswitch_xml(),
        "vars.xml": core.vars_xml(st),
        "autoload_configs/modules.conf.xml": core.modules_conf(),
        "autoload_configs/switch.conf.xml": core.switch_conf(st),
        "autoload_configs/console.conf.xml": core.console_conf(),
        "autoload_configs/logfile.conf.xml": core.logfile_conf(),
        "autoload_configs/event_socket.conf.xml": core.event_socket_conf(st, inp.esl_password),
        "autoload_configs/acl.conf.xml": core.acl_conf(),
        "autoload_configs/db.conf.xml": core.db_conf(),
        "autoload_configs/json_cdr.conf.xml": core.json_cdr_conf(st),
        "autoload_configs/hash.conf.xml": core.hash_conf(),
        "autoload_configs/timezones.conf.xml": core.timezones_conf(zones),
        "autoload_configs/local_stream.conf.xml": core.local_stream_conf(prompts.moh_names(tenants)),
        "autoload_configs/sofia.conf.xml": sofia.sofia_conf(st, tenants),
        "autoload_configs/callcenter.conf.xml": callcenter.callcenter_conf(st, tenants),
        "autoload_configs/ivr.conf.xml": ivr.ivr_conf(tenants),
        "dialplan/00-public.xml": dialplan.public_context(tenants),
    }
    if pending is None:
        files.update(_tenant_files(tenants))
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
    return {path: root if isinstance(root, bytes) else to_bytes(root) for path, root in sorted(files.items())}


def write_files(files: dict[str, bytes], root: Path) -> None:
    made: set[Path] = set()
    for rel, data in files.items():
        p = root / rel
        if p.parent not in made:
            p.parent.mkdir(parents=True, exist_ok=True)
            made.add(p.parent)
        with open(p, "wb") as f:
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
        os.chmod(tmp, 0o750)
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
