"""Return visits: contacts built from past call rows, for example every caller of queue X
yesterday who was not surveyed, or every caller who abandoned today and was not reached since.

A selection is written `queue=X,since=yesterday,not-surveyed` (all parts optional):
  queue=NAME        calls that went to that queue
  since=WHEN        today, yesterday (that day only), Nd or Nh (the last N days/hours), YYYY-MM-DD
  abandoned         only calls the caller left before an agent answered (or no agent was there)
  not-reached       callers with no answered call after that one (inbound or a campaign's)
  not-surveyed      calls with no survey score
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select

from ccctl.db import session_scope
from ccctl.errors import InvalidInput, NotFound
from ccctl.model import Call, Tenant
from ccctl.model.owner import owned
from ccctl.outbound import contacts as contact_files
from ccctl.outbound.numbers import country_of_timezone

UNANSWERED = ("abandoned", "abandoned_ivr", "no_agent", "timed_out", "overflowed")


@dataclass
class Selection:
    queue: str | None = None
    since: str = "today"
    abandoned: bool = False
    not_reached: bool = False
    not_surveyed: bool = False


def parse(text: str) -> Selection:
    s = Selection()
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip().replace("_", "-")
        if key == "queue" and sep:
            s.queue = value.strip()
        elif key == "since" and sep:
            s.since = value.strip()
        elif key in ("abandoned", "not-reached", "not-surveyed") and not sep:
            setattr(s, key.replace("-", "_"), True)
        else:
            raise InvalidInput(
                f"--from-calls {part!r}: expected queue=NAME, since=WHEN, abandoned, not-reached or not-surveyed"
            )
    return s


def period(since: str, tz: str, now: float) -> tuple[float, float]:
    """[start, end) in Unix seconds of SINCE, days counted in the tenant's time zone."""
    zone = ZoneInfo(tz)
    midnight = datetime.fromtimestamp(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    if since == "today":
        return midnight.timestamp(), now
    if since == "yesterday":
        return (midnight - timedelta(days=1)).timestamp(), midnight.timestamp()
    if since[:-1].isdigit() and since[-1:] in ("d", "h"):
        return now - int(since[:-1]) * (86400 if since[-1] == "d" else 3600), now
    try:
        return datetime.fromisoformat(since).replace(tzinfo=zone).timestamp(), now
    except ValueError:
        raise InvalidInput(f"since={since!r}: expected today, yesterday, Nd, Nh or YYYY-MM-DD") from None


def select_callers(services, tenant: str, sel: Selection, now: float | None = None) -> list[tuple[str, str | None]]:
    """(number, name) of the callers the selection picks, oldest call first, each once."""
    now = time.time() if now is None else now
    with session_scope(services.engine) as session:
        t = session.scalars(select(Tenant).where(Tenant.name == tenant)).first()
        if t is None:
            raise NotFound(f"no tenant {tenant!r}")
        start, end = period(sel.since, t.timezone, now)
        q = (
            select(Call.caller_number, Call.caller_name)
            .where(
                owned(Call, tenant),
                Call.direction == "inbound",
                Call.entered_at >= start,
                Call.entered_at < end,
                Call.caller_number.is_not(None),
            )
            .order_by(Call.entered_at)
        )
        if sel.queue:
            q = q.where(Call.queue == sel.queue)
        if sel.abandoned:
            q = q.where(Call.disposition.in_(UNANSWERED))
        if sel.not_surveyed:
            score = getattr(Call, "survey_score", None)
            if score is None:
                raise InvalidInput("not-surveyed: call rows on this box carry no survey score")
            q = q.where(score.is_(None))
        if sel.not_reached:
            later = Call.__table__.alias("later")
            q = q.where(
                ~exists().where(
                    owned(later, tenant),
                    later.c.entered_at > Call.entered_at,
                    or_(
                        and_(
                            later.c.direction == "inbound",
                            later.c.caller_number == Call.caller_number,
                            later.c.disposition == "answered",
                        ),
                        and_(
                            later.c.direction == "outbound",
                            later.c.called_number == Call.caller_number,
                            later.c.disposition == "outbound",
                        ),
                    ),
                )
            )
        seen: dict[str, str | None] = {}
        for number, name in session.execute(q):
            seen.setdefault(number, name)
        return list(seen.items())


def build(services, tenant: str, sel: Selection, country: str | None = None) -> contact_files.Parsed:
    with session_scope(services.engine) as session:
        t = session.scalars(select(Tenant).where(Tenant.name == tenant)).first()
        if t is None:
            raise NotFound(f"no tenant {tenant!r}")
        tz = t.timezone
    return contact_files.from_numbers(select_callers(services, tenant, sel), country or country_of_timezone(tz), tz)
