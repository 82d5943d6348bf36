"""The one write path: validate -> write -> render and reload -> commit, in one transaction.

Every change, from `ccctl apply` or a single `ccctl seat add`, comes through `apply_tenants`,
so limits, cross-object checks and the FreeSWITCH reload are enforced in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from . import tenant_media
from .context import Context
from .db import session_scope
from .errors import Conflict, InvalidInput, LimitReached
from .site import store
from .site import spec as s
from .site.diff import Change, diff_tenant
from .validate import Problem, check_site


@dataclass
class Result:
    changes: list[Change]
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "changes": [c.as_dict() for c in self.changes],
            "warnings": [str(w) for w in self.warnings],
        }


def _check_limits(t: s.Tenant) -> None:
    if len(t.seats) > t.seat_limit:
        raise LimitReached(
            f"tenant {t.name}: {len(t.seats)} seats exceed its seat limit of {t.seat_limit}"
        )


def _still_there(tenant: s.Tenant | None, target: str | None) -> bool:
    """Did TARGET exist before this change? Then the change removes something still used."""
    if tenant is None or not target or ":" not in target:
        return False
    kind, _, ref = target.partition(":")
    pools = {"queue": (tenant.queues, "name"), "ivr": (tenant.ivrs, "name"), "seat": (tenant.seats, "extension"),
             "voicemail": (tenant.seats, "extension")}
    if kind not in pools:
        return False
    items, key = pools[kind]
    return any(getattr(i, key) == ref for i in items)


def _refuse(errors: list[Problem], current: dict[str, s.Tenant]) -> None:
    first = errors[0]
    more = f" (and {len(errors) - 1} more; run ccctl validate)" if len(errors) > 1 else ""
    if first.conflict:
        raise Conflict(first.describe() + more)
    if _still_there(current.get(first.tenant), first.ref):
        kind, _, ref = first.ref.partition(":")
        what = "seat" if kind == "voicemail" else kind
        raise Conflict(f"{first.tenant}: {what} {ref} is still used by {first.obj} ({first.via}){more}")
    raise InvalidInput(first.describe() + more)


def apply_tenants(
    ctx: Context,
    desired: list[s.Tenant],
    *,
    remove: list[str] = (),
    prune: bool = False,
    dry_run: bool = False,
    hardware: s.Hardware | None = None,
) -> Result:
    """Make the database hold DESIRED tenants (each complete), and drop REMOVE ones.

    With prune, tenants missing from DESIRED are removed too (a full-site apply).
    HARDWARE, when given, replaces the box's voice cards; either way every write is checked
    against them (a tdm trunk of a second tenant on a span group is refused).
    """
    from .hardware import check as hw_check, store as hw_store
    desired = [t.sorted() for t in desired]
    names = [t.name for t in desired]
    with session_scope(ctx.engine) as session:
        remove = list(remove)
        if prune:
            remove += [n for n in store.tenant_names(session) if n not in names and n not in remove]
        current = {t.name: t for t in store.load_tenants(session, names + remove)}
        problems = check_site(desired, store.taken_elsewhere(session, names + remove))
        hw_current = hw_store.load_hardware(session)
        hw_desired = hardware.sorted() if hardware is not None else hw_current
        trunks = hw_store.tdm_trunks(session, {
            **{n: [] for n in remove},
            **{t.name: [(tr.name, tr.span_group) for tr in t.trunks if tr.type == "tdm"] for t in desired}})
        hw_problems = hw_check.check_hardware(hw_desired, trunks)
        # Only a change of the cards reports their warnings; every write is held to their errors.
        problems += [p for p in hw_problems if hardware is not None or p.severity == "error"]
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            _refuse(errors, current)
        for t in desired:
            _check_limits(t)
        changes: list[Change] = []
        for t in desired:
            changes += diff_tenant(current.get(t.name), t)
        for name in remove:
            if name in current:
                changes += diff_tenant(current[name], None)
        hw_changes = hw_store.diff_hardware(hw_current, hw_desired) if hardware is not None else []
        changes += hw_changes
        result = Result(changes, [p for p in problems if p.severity == "warning"], dry_run)
        if not changes:
            session.rollback()
            return result
        # A dry run makes the same writes and rolls them back, so it predicts the apply exactly.
        # Removed tenants go first: a tenant in DESIRED may take over their domain or numbers.
        for name in remove:
            store.delete_tenant(session, name)
        touched = {c.tenant for c in changes}
        store.write_tenants(session, [t for t in desired if t.name in touched], current)
        if hw_changes:
            hw_store.write_hardware(session, hw_desired)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(f"the change collides with data of another tenant ({_constraint(exc)})") from None
        if dry_run:
            for check in ctx.dry_run_checks:
                check(ctx, session)
            session.rollback()
            return result
        for hook in ctx.before_commit:
            hook(ctx, session, changes)
    for name in remove:
        tenant_media.remove_folder(ctx.settings.fs_sounds_dir, name)
    return result


def _constraint(exc: IntegrityError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig is not None else "unique constraint"
