"""The current state as the same YAML `apply` reads: export -> apply -> export is a fixed point."""

from __future__ import annotations

from ccctl.config import spec as s
from ccctl.config.yamlio import dump
from ccctl.hardware.spec import Hardware

KEEP_EMPTY = {"hours"}
"""Keys whose empty value means something: `hours: {}` is closed every day, no hours is always open."""


def _compact(value):
    """Drop None values and empty containers so the file says only what was decided."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _compact(v)
            if v is None or ((v == {} or v == []) and k not in KEEP_EMPTY):
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def site_data(tenants: list[s.Tenant], hardware: Hardware | None = None) -> dict:
    ordered = sorted(tenants, key=lambda t: t.name)
    data = {
        "tenants": [
            _compact(t.sorted().model_dump(mode="json", exclude={"seats": {"__all__": {"password"}}})) for t in ordered
        ]
    }
    if hardware is not None and hardware.cards:
        data["hardware"] = _compact(hardware.sorted().model_dump(mode="json"))
    return data


def export_yaml(tenants: list[s.Tenant], hardware: Hardware | None = None) -> str:
    return dump(site_data(tenants, hardware))


def object_yaml(obj: s.Spec) -> str:
    """One object (a tenant with everything in it, or one seat, queue, ...) as the site file
    `export` writes has it: what a front end shows as its detail. Never a secret."""
    if isinstance(obj, s.Tenant):
        return dump(site_data([obj])["tenants"][0])
    return dump(_compact(obj.model_dump(mode="json", exclude={"password"})))
