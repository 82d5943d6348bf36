"""Which operational rows belong to a tenant: by its identity, not its name.

Rows carry the tenant's name (what FreeSWITCH and the daemon know, and what users read) and
the identity (`tenant_uid`) of the tenant that held the name when they were written. A tenant
NAME owns the rows of its name that carry its identity or none: a row without one was written
by name alone (an older ccctl, a hand-made insert) while the tenant held the name, since rows
left without one while no tenant held it are set aside when a tenant takes the name
(ccctl.config.tenant_data.sweep_name). A row carrying another identity is never shown under the
name, so a removed tenant's rows never reach a later tenant of the same name, even rows left
behind. The name keeps the composite (tenant, time) indexes usable.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from ccctl.model.tenant import Tenant


def owned(table, name: str):
    """The condition on TABLE (a model class or a Table) selecting the rows of tenant NAME."""
    cols = getattr(table, "c", table)
    uid = select(Tenant.uid).where(Tenant.name == name).scalar_subquery()
    return and_(cols.tenant == name, or_(cols.tenant_uid.is_(None), cols.tenant_uid == uid))
