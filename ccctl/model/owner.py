"""Which operational rows belong to a tenant: by its identity, not its name.

Rows carry the tenant's name (what FreeSWITCH and the daemon know, and what users read) and
the identity (`tenant_uid`) of the tenant that held the name when they were written. A tenant
NAME owns the rows of its name AND its identity; a name no tenant holds owns only the rows no
identity claims (written after its tenant went). So a removed tenant's rows never show up under
a later tenant of the same name, even rows left behind; the name keeps the composite
(tenant, time) indexes usable.
"""

from __future__ import annotations

from sqlalchemy import and_, select

from ccctl.model.tenant import Tenant


def owned(table, name: str):
    """The condition on TABLE (a model class or a Table) selecting the rows of tenant NAME."""
    cols = getattr(table, "c", table)
    uid = select(Tenant.uid).where(Tenant.name == name).scalar_subquery()
    return and_(cols.tenant == name, cols.tenant_uid.is_not_distinct_from(uid))
