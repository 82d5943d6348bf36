from __future__ import annotations

import copy

import yaml

from tests.conftest import EXAMPLE


def example_data() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def write_site(tmp_path, data, name="site.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def tenant(data: dict, name: str) -> dict:
    return next(t for t in data["tenants"] if t["name"] == name)


def minimal_tenant(name="t1", **extra) -> dict:
    return copy.deepcopy({"name": name, **extra})
