"""The one write path for configuration: lock -> re-read -> validate -> write -> commit,
then deploy (render and push) outside the lock.

Every change, from `ccctl apply` or a single `ccctl seat add`, comes through `change`: the
caller hands in a plan, a function that is given the locked session and returns the tenants
as they should be. A whole-tenant apply returns the file's tenants; a single-item change
(resources.py) re-reads its tenant inside the lock and returns it with one item patched, so two
writers never undo each other. The one validation (validate.py) runs on what the plan returns.
When FreeSWITCH refuses a deployed change, the change is reverted in the database too (unless
another writer has committed after it; then the failed generation is left for `ccctl status`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy.exc import IntegrityError, OperationalError

from ccctl.app import Services
from ccctl.config import part, store, tenant_data
from ccctl.config import spec as s
from ccctl.config.diff import Change, diff_tenant
from ccctl.config.validate import Problem, check_media, check_site, check_webhooks
from ccctl.cti import customers
from ccctl.db import session_scope
from ccctl.deploy import generation as gen
from ccctl.errors import CcError, Conflict, InvalidInput, LimitReached
from ccctl.fleet import placement
from ccctl.hardware import check as hw_check
from ccctl.hardware import store as hw_store
from ccctl.hardware.spec import Hardware
from ccctl.media import uploads
from ccctl.outbound import definitions as campaigns


@dataclass
class Result:
    changes: list[Change]
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    generation: int | None = None
    """The configuration generation this change committed (None: nothing committed)."""
    deployed: bool | None = None
    """Whether FreeSWITCH runs it now (None: not deployed by this Services)."""
    messages: list[str] = field(default_factory=list)
    """Notes for the person at the terminal (the CLI prints them on stderr)."""
    commands: list[str] = field(default_factory=list)
    """The FreeSWITCH API commands the deploy ran."""

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "changes": [c.as_dict() for c in self.changes],
            "warnings": [str(w) for w in self.warnings],
            "generation": self.generation,
            "deployed": self.deployed,
            "messages": list(self.messages),
        }


def _still_there(tenant: s.Tenant | None, target: str | None) -> bool:
    """Did TARGET exist before this change? Then the change removes something still used."""
    if tenant is None or not target or ":" not in target:
        return False
    kind, _, ref = target.partition(":")
    pools = {
        "queue": (tenant.queues, "name"),
        "ivr": (tenant.ivrs, "name"),
        "seat": (tenant.seats, "extension"),
        "voicemail": (tenant.seats, "extension"),
        "trunk": (tenant.trunks, "name"),
    }
    if kind not in pools:
        return False
    items, key = pools[kind]
    return any(getattr(i, key) == ref for i in items)


def _refuse(errors: list[Problem], current: dict[str, s.Tenant]) -> None:
    first = errors[0]
    if first.limit:
        raise LimitReached(f"tenant {first.tenant}: {first.message}")
    more = f" (and {len(errors) - 1} more; run ccctl validate)" if len(errors) > 1 else ""
    if first.conflict:
        raise Conflict(first.describe() + more)
    if _still_there(current.get(first.tenant), first.ref):
        kind, _, ref = first.ref.partition(":")
        what = "seat" if kind == "voicemail" else kind
        raise Conflict(f"{first.tenant}: {what} {ref} is still used by {first.obj} ({first.via}){more}")
    raise InvalidInput(first.describe() + more)


@dataclass
class Edit:
    """What a plan returns: tenants to hold (each complete), tenants to drop, and the box's
    voice cards when they change (None: left alone). A tenant's `campaigns` are campaign
    definitions to add or update (ccctl.outbound.campaigns); DROP_CAMPAIGNS (tenant, name)
    those to delete, with their contacts."""

    desired: list[s.Tenant]
    remove: list[str] = field(default_factory=list)
    hardware: Hardware | None = None
    drop_campaigns: list[tuple[str, str]] = field(default_factory=list)
    purge: bool = False
    """Removed tenants' operational data goes even when kept (legal hold, recordings or call
    rows inside retention); without it such a removal is refused (ccctl.config.tenant_data)."""
    only: dict[str, part.Only] = field(default_factory=dict)
    """Tenants of DESIRED held in part (config/part.py): {tenant: {collection: keys}}. Of those
    collections, DESIRED holds what the keys should be (a key it leaves out is removed) and
    every other item is left as it is."""


Plan = Callable[[object], Edit]


def apply_tenants(
    services: Services,
    desired: list[s.Tenant],
    *,
    remove: list[str] = (),
    prune: bool = False,
    dry_run: bool = False,
    hardware: Hardware | None = None,
    purge: bool = False,
) -> Result:
    """Make the database hold DESIRED tenants (each complete), and drop REMOVE ones.

    With prune, tenants missing from DESIRED are removed too (a full-site apply).
    HARDWARE, when given, replaces the box's voice cards; either way every write is checked
    against them (a tdm trunk of a second tenant on a span group is refused). Removing a
    tenant that keeps data (legal hold, recordings or call rows inside retention) is refused
    unless PURGE (ccctl.config.tenant_data).
    """
    desired = [t.sorted() for t in desired]
    names = [t.name for t in desired]

    def plan(session) -> Edit:
        gone = list(remove)
        if prune:
            gone += [n for n in store.tenant_names(session) if n not in names and n not in gone]
        return Edit(desired, gone, hardware, purge=purge)

    return change(services, plan, dry_run=dry_run)


_RETRIES = 3


def change(services: Services, plan: Plan, *, dry_run: bool = False) -> Result:
    """Run PLAN under the configuration lock, commit, then deploy (when SERVICES deploys)."""
    for attempt in range(_RETRIES):
        try:
            result, undo = _write(services, plan, dry_run)
            break
        except OperationalError as exc:
            if attempt == _RETRIES - 1 or not _is_lock_wait(exc):
                if _is_lock_wait(exc):
                    raise Conflict(
                        "another writer held the configuration too long; nothing changed, try again"
                    ) from None
                raise
    if dry_run or result.generation is None:
        return result
    for name in undo.added:
        # Files left under the name since its last tenant went (a call that ended after the
        # removal): no tenant owns them, and the new one starts empty.
        tenant_data.remove_files(services.settings, name)
    if services.deploy:
        _deploy(services, result, undo)
    for name in undo.remove_folders:
        uploads.remove_folder(services.settings.fs_sounds_dir, name)
        tenant_data.remove_files(services.settings, name)
    return result


def _is_lock_wait(exc: OperationalError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "lock timeout" in text or "deadlock" in text


@dataclass
class _Undo:
    """How to put the database back when FreeSWITCH refuses the change."""

    before: list[s.Tenant]
    added: list[str]
    hardware: Hardware | None
    remove_folders: list[str]
    only: dict[str, part.Only] = field(default_factory=dict)


def _write(services: Services, plan: Plan, dry_run: bool) -> tuple[Result, _Undo]:
    with session_scope(services.engine) as session:
        generation = gen.lock(session)
        edit = plan(session)
        desired = [t.sorted() for t in edit.desired]
        names = [t.name for t in desired]
        remove = [n for n in edit.remove if n not in names]
        only = {n: o for n, o in edit.only.items() if n in names}
        current = {
            t.name: t
            for t in store.load_tenants(session, [n for n in names + remove if n not in only], with_secrets=True)
        }
        for name, keys in only.items():
            current.update((t.name, t) for t in store.load_tenants(session, [name], with_secrets=True, only=keys))
        # Every tenant of a fleet has a home node: kept, chosen, or checked when it moves.
        desired = placement.settle(session, desired, current)
        stored = campaigns.stored(session, names, without=edit.drop_campaigns)
        unread = {
            t.name: part.unread(session, t, only[t.name], stored.get(t.name, ())) for t in desired if t.name in only
        }
        taken = part.taken(session, desired, names + remove) if only else store.taken_elsewhere(session, names + remove)
        problems = check_site(desired, taken, campaigns=stored, unread=unread) + check_webhooks(
            desired, services.settings.webhook_hosts
        )
        hw_current = hw_store.load_hardware(session)
        hw_desired = edit.hardware.sorted() if edit.hardware is not None else hw_current
        trunks = hw_store.tdm_trunks(
            session,
            {
                **{n: [] for n in remove},
                **{t.name: [(tr.name, tr.span_group) for tr in t.trunks if tr.type == "tdm"] for t in desired},
            },
        )
        hw_problems = hw_check.check_hardware(hw_desired, trunks)
        # Only a change of the cards reports their warnings; every write is held to their errors.
        problems += [p for p in hw_problems if edit.hardware is not None or p.severity == "error"]
        problems += check_media(desired, services.settings.fs_sounds_dir)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            _refuse(errors, current)
        changes: list[Change] = []
        for t in desired:
            changes += diff_tenant(current.get(t.name), t)
            changes += customers.listed_changes(session, t.name, t.customers)
            changes += campaigns.listed_changes(session, t.name, t.campaigns)
        for name in remove:
            if name in current:
                changes += diff_tenant(current[name], None)
        changes += [Change("remove", "campaign", tenant, name) for tenant, name in edit.drop_campaigns]
        hw_changes = hw_store.diff_hardware(hw_current, hw_desired) if edit.hardware is not None else []
        changes += hw_changes
        result = Result(changes, [p for p in problems if p.severity == "warning"], dry_run)
        touched = {c.tenant for c in changes}
        undo = _Undo(
            [current[n] for n in sorted(touched) if n in current],
            [n for n in sorted(touched) if n not in current and n in names],
            hw_current if hw_changes else None,
            [n for n in remove if n in current],
            {n: o for n, o in only.items() if n in touched},
        )
        if not changes:
            session.rollback()
            return result, undo
        # A dry run makes the same writes and rolls them back, so it predicts the apply exactly.
        # Removed tenants go first: a tenant in DESIRED may take over their domain or numbers.
        for name in remove:
            kept = [] if edit.purge else tenant_data.blockers(session, name)
            if kept:
                raise Conflict(
                    f"tenant {name} keeps {', '.join(kept)}: remove it with "
                    f"`ccctl tenant remove {name} --archive FILE` or `--purge`"
                )
            tenant_data.remove_rows(session, name)
            store.delete_tenant(session, name)
        for t, row, created in store.write_tenants(session, [t for t in desired if t.name in touched], current):
            if created:
                tenant_data.sweep_name(session, t.name, row.uid)
            # What rides along in a site file but is operational data: added or updated, never removed.
            if t.customers:
                customers.upsert(session, row.id, t.customers)
            if t.campaigns:  # after the collections: a campaign may name a queue or trunk added here
                campaigns.from_site(session, row, t.campaigns)
        for tenant, name in edit.drop_campaigns:
            campaigns.drop(session, tenant, name)
        if hw_changes:
            hw_store.write_hardware(session, hw_desired)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(f"the change collides with data of another tenant ({_constraint(exc)})") from None
        if dry_run:
            session.rollback()
            return result, undo
        result.generation = gen.bump(session, generation)
    return result, undo


def _deploy(services: Services, result: Result, undo: _Undo) -> None:
    from ccctl.deploy.run import deploy_latest

    try:
        outcome = deploy_latest(services)
    except CcError as exc:
        # Refused by FreeSWITCH, or the tree could not be written: the old tree is in place,
        # and the database goes back to match it.
        result.deployed = False
        exc.message += _revert(services, result.generation, undo)
        exc.args = (exc.message,)
        raise
    result.messages += outcome.notes
    result.commands = outcome.commands
    result.deployed = not outcome.pending
    if outcome.commands:
        result.messages.append(f"FreeSWITCH reloaded: {len(outcome.commands)} command(s)")


def _revert(services: Services, generation: int, undo: _Undo) -> str:
    """Put the database back as it was before GENERATION, if nobody wrote after it. Returns
    what happened, to add to the error."""
    from ccctl.deploy.run import deploy_latest

    def back(session) -> Edit:
        if gen.current(session) != generation:
            raise Conflict("changed meanwhile")
        return Edit(undo.before, undo.added, undo.hardware, purge=True, only=undo.only)

    try:
        _write(services, back, False)
    except Conflict:
        return (
            f"; the database keeps generation {generation} because other changes were committed after it: "
            "fix it and run `ccctl deploy` (`ccctl status` shows the failed generation)"
        )
    try:
        deploy_latest(services)
    except CcError:
        return "; the database change was reverted (the previous configuration did not deploy either)"
    return "; nothing changed"


def _constraint(exc: IntegrityError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig is not None else "unique constraint"
