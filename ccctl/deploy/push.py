"""Bring FreeSWITCH to a database state: render, check, swap the tree in, reload what changed.

It runs after the write committed (ccctl/deploy/run.py), outside the configuration lock. When
FreeSWITCH refuses the new tree the old tree comes back and FreeSWITCH is put back on it; the
caller then decides about the database (ccctl/service.py reverts its own change).
"""

from __future__ import annotations

from pathlib import Path

from ccctl.config import spec as s
from ccctl.config.gather import render_input_from
from ccctl.deploy import reload_plan
from ccctl.deploy.tree_store import TreeStore
from ccctl.errors import CcError, FreeSwitchError, FreeSwitchRefused, InvalidInput
from ccctl.freeswitch.connect import try_event_socket
from ccctl.media import prompts, synth, uploads
from ccctl.recordings import folders
from ccctl.render import render_tree


def check_files(tenants: list[s.Tenant], sounds_dir: Path) -> None:
    """The tree may only name sound files that exist (synthesized ones are made first), and a
    tenant only files of its own media folder."""
    for t in tenants:
        for ivr in t.ivrs:
            if ivr.greeting.file:
                try:
                    uploads.resolve(sounds_dir, t.name, ivr.greeting.file)
                except InvalidInput as exc:
                    raise InvalidInput(f"ivr {ivr.name}: {exc}") from None


def push_tree(services, session, notes: list[str] | None = None) -> list[str]:
    """Render the state SESSION sees and bring FreeSWITCH to it. Returns the commands run;
    notes for the person at the terminal are appended to NOTES."""
    return push_input(services, render_input_from(session, services.settings), notes)


def push_input(services, inp, notes: list[str] | None = None) -> list[str]:
    """Bring FreeSWITCH to INP (read beforehand, in a transaction already closed: nothing
    here holds the database while FreeSWITCH is slow)."""
    notes = [] if notes is None else notes
    check_files(inp.tenants, services.settings.fs_sounds_dir)
    try:
        synth.ensure_media(
            services.settings.fs_sounds_dir, prompts.required(inp.tenants), prompts.moh_names(inp.tenants)
        )
    except OSError as exc:
        raise CcError(
            f"cannot write sounds to CCCTL_FS_SOUNDS_DIR={services.settings.fs_sounds_dir}: {exc.strerror or exc}"
        ) from None
    try:
        # Before FreeSWITCH hears of a tenant, so no call ever races another to create them.
        folders.prepare_folders(services.settings.fs_recordings_dir, inp.tenants)
    except OSError as exc:
        raise CcError(
            f"cannot prepare the recordings folders in {services.settings.fs_recordings_dir}: {exc.strerror or exc}"
        ) from None
    new = render_tree(inp)
    store = TreeStore(services.settings.fs_conf_dir)
    try:
        old = store.read()
        todo = reload_plan.plan(old, new)
        if not todo.commands:
            return []
        installed, previous = store.install(new)
    except OSError as exc:
        raise CcError(
            f"cannot write the configuration to CCCTL_FS_CONF_DIR={services.settings.fs_conf_dir}: "
            f"{exc.strerror or exc}"
        ) from None
    esl = try_event_socket(services, timeout=10, password=inp.esl_password)
    if esl is None:
        notes.append(
            f"FreeSWITCH is not running: the new configuration is in {store.link} and will be used when it starts"
        )
        store.prune()
        return []
    done: list[str] = []
    try:
        for cmd in todo.commands:
            try:
                reply = esl.api(cmd)
            except FreeSwitchRefused as exc:
                raise FreeSwitchError(f"FreeSWITCH refused the change ({cmd}): {exc.reason}") from None
            if cmd == "reloadxml" and "[Success]" not in reply:
                raise FreeSwitchError(f"FreeSWITCH refused the change ({cmd}): {reply}")
            done.append(cmd)
    except FreeSwitchError:
        store.restore(previous, installed)
        # Put FreeSWITCH back on the old tree: its XML, then whatever objects were already changed.
        undo = reload_plan.plan(new, old).commands if done else []
        for cmd in undo or ["reloadxml"]:
            esl.api(cmd, check=False)
        esl.close()
        raise
    esl.close()
    store.prune()
    for p in todo.needs_restart:
        if p in reload_plan.FREETDM:
            # e.g. a tdm trunk added to a span group moves its spans into the tenant's context
            notes.append(f"{p} changed: run `ccctl hardware apply` (reloads the spans) or restart FreeSWITCH")
        else:
            notes.append(f"{p} changed: restart FreeSWITCH for it to take effect")
    return done
