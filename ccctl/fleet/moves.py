"""Moving a tenant to another node: a change of its `home_node` through the write path, so it is
validated (placement.py), committed under the configuration lock and reaches both nodes and the
edge as one new generation."""

from __future__ import annotations

from ccctl.app import Services
from ccctl.config.write import Result


def move_tenant(services: Services, tenant: str, node: str, *, dry_run: bool = False) -> Result:
    from ccctl.config import entities

    return entities.set_tenant(services, tenant, {"home_node": node}, dry_run=dry_run)
