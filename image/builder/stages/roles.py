"""Stage 4: ansible/image.yml applied inside the root filesystem (our chroot connection).

The roles are the same ones ansible/site.yml applies to live machines over SSH; only the
variables that describe this build are passed here. Then the engine must load in the result:
ldd in the chroot on the binary, libfreeswitch and the modules the tree loads, and
`freeswitch -version` (a box whose engine cannot start is never built).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .. import loadcheck
from ..context import BuildContext
from ..engine import MODULES
from ..errors import BuildError


def admin_key(ctx: BuildContext) -> str:
    """The administrator's public key: the configured one, or a pair made for this build
    directory (build/keys/), whose private half never enters the image."""
    s = ctx.settings
    if s.admin_ssh_key:
        return Path(s.admin_ssh_key).read_text().strip()
    keys = ctx.out / "keys"
    key = keys / "admin_ed25519"
    if not key.is_file():
        keys.mkdir(mode=0o700, exist_ok=True)
        ctx.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{s.admin_user}@{s.hostname}", "-f", key)
        ctx.notes["admin_key"] = f"generated {key}"
    return key.with_suffix(".pub").read_text().strip()


def extra_vars(ctx: BuildContext) -> dict:
    s, eng = ctx.settings, ctx.engine
    v = {
        "base__hostname": s.hostname,
        "base__timezone": s.timezone,
        "base__locale": s.locale,
        "base__admin_user": s.admin_user,
        "base__admin_keys": [admin_key(ctx)],
        "controlplane__wheels": str(ctx.artifacts["wheels"]),
        "freeswitch__source": eng.describe(),
        "voicecards__enabled": s.dahdi != "none",
    }
    if eng.included:
        v["freeswitch__binary"] = eng.binary
        v["freeswitch__mod_dir"] = eng.mod_dir
    if eng.kind == "prefix":
        # The libraries bundled beside libfreeswitch (sofia-sip, spandsp from /usr/local).
        v["freeswitch__lib_dirs"] = [f"{eng.source}/lib"]
    return v


def playbook(ctx: BuildContext, name: str = "image.yml") -> str:
    ansible = ctx.repo / "ansible"
    vars_file = ctx.work / "image-vars.json"
    vars_file.write_text(json.dumps(extra_vars(ctx)))
    return ctx.run(
        "ansible-playbook",
        "-i",
        f"{ctx.rootfs},",
        "-c",
        "chroot",
        "-e",
        f"@{vars_file}",
        ansible / name,
        env={
            "ANSIBLE_CONFIG": str(ansible / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCAL_TEMP": str(ctx.work / "ansible-tmp"),
            "ANSIBLE_REMOTE_TEMP": "/tmp/.ansible",
        },
    )


def recap(output: str) -> dict[str, int]:
    m = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output)
    if not m:
        raise BuildError("ansible-playbook printed no recap")
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, m.groups())))


def run(ctx: BuildContext) -> str:
    r = recap(playbook(ctx))
    # The same variables, for ansible/site.yml to provision a live machine like this image.
    fleet = extra_vars(ctx) | {
        "controlplane__wheels": str(ctx.out / ctx.artifacts["wheels"].name),
        "base__network_dhcp": True,
    }
    vars_out = ctx.work / "ansible-vars.json"
    vars_out.write_text(json.dumps(fleet, indent=2) + "\n")
    ctx.artifacts["ansible vars"] = vars_out
    note = f"{r['ok']} tasks ok, {r['changed']} changed"
    if ctx.engine.included:
        note += "; " + check_engine(ctx)
    return note


def check_engine(ctx: BuildContext) -> str:
    eng = ctx.engine
    files = loadcheck.targets(ctx.rootfs, eng.binary, eng.mod_dir, MODULES)
    loadcheck.check(ctx.rootfs, files, chroot=True, where="in the image")
    version = loadcheck.version(ctx.rootfs, eng.binary)
    ctx.notes["engine_version"] = version
    return f"engine loads ({len(files)} files, ldd clean): FreeSWITCH {version}"
