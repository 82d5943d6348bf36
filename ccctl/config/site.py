"""A whole site file: the tenants, and the box's voice cards (the `hardware:` section, whose
schema lives with the rest of the voice-card code in ccctl/hardware/spec.py)."""

from __future__ import annotations

from ccctl.config.spec import Spec, Tenant
from ccctl.hardware.spec import Hardware


class Site(Spec):
    tenants: list[Tenant] = []
    hardware: Hardware | None = None
    """The box's voice cards; left out, the cards in the database are left alone."""

    def sorted(self) -> "Site":
        return Site.model_construct(
            tenants=sorted((t.sorted() for t in self.tenants), key=lambda t: t.name),
            hardware=self.hardware.sorted() if self.hardware else None,
        )
