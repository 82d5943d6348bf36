"""One name per field: each table's columns are its site-spec fields under the same names
(nested specs flat as FIELD_SUB), so the store's mapper is the one mechanical rule in
ccctl/config/store.py. A column or a spec field added on one side only fails here."""

from __future__ import annotations

import pytest

from ccctl import model as m
from ccctl.config import spec as s
from ccctl.config import store
from ccctl.config.load import load_site
from ccctl.hardware import spec as hw

KEYS = {"id", "tenant_id"}
"""Columns that only tie a row to its parent."""

PAIRS = [
    (s.Tenant, m.Tenant, {"uid"}),  # the identity: internal, never in the site file
    (s.Recording, m.RecordingPolicy, set()),
    (s.Seat, m.Seat, {"password"}),  # a column, read and written by its own rule (generated, secret)
    (s.Queue, m.Queue, set()),
    (s.Ivr, m.IvrMenu, set()),
    (s.Number, m.Number, set()),
    (s.Trunk, m.Trunk, set()),
]


def _columns(table) -> set[str]:
    return {c.name for c in table.__table__.columns}


@pytest.mark.parametrize("spec_cls, table, own_rule", PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_columns_are_the_spec_fields(spec_cls, table, own_rule):
    assert _columns(table) - KEYS - own_rule == store.layout(spec_cls).columns


@pytest.mark.parametrize(
    "spec_cls, table, extra_spec, extra_table",
    [
        (s.Customer, m.Customer, set(), set()),
        (
            s.Campaign,
            m.Campaign,
            {"contacts"},
            {"tenant", "tenant_uid", "state", "created_at"},
        ),  # contacts: a file to import
        (hw.Card, m.VoiceCard, set(), {"position"}),  # position: the order of the file's cards
    ],
)
def test_operational_and_hardware_tables_use_the_spec_names(spec_cls, table, extra_spec, extra_table):
    assert _columns(table) - KEYS - {"id"} - extra_table == set(spec_cls.model_fields) - extra_spec


def test_renamed_fields_keep_the_site_file_keys():
    """The Python names changed, the YAML keys did not."""
    t = s.Trunk.model_validate({"name": "c", "host": "h.example", "register": True})
    assert t.register_ is True and t.model_dump()["register"] is True
    q = s.Queue.model_validate({"name": "q", "overflow": "hangup"})
    assert q.overflow == "hangup"
    i = s.Ivr.model_validate({"name": "i", "greeting": {"text": "hi"}, "on_failure": "hangup", "closed": "hangup"})
    assert (i.on_failure, i.closed) == ("hangup", "hangup")


def test_rows_round_trip_through_the_rule(example):
    """spec -> fill(row) -> spec_data(row) -> construct == spec, for every entity of the example."""
    for t in load_site(str(example)).tenants:
        pairs = [
            (t, m.Tenant(name="x", plan="hosted", seat_limit=0, call_limit=0, timezone="UTC", language="en")),
            (
                t.recording,
                m.RecordingPolicy(tenant_id=1, mode="none", format="wav", retention_days=0, legal_hold=False),
            ),
        ]
        pairs += [(x, m.Seat(tenant_id=1, password="")) for x in t.seats]
        pairs += [(x, m.Queue(tenant_id=1)) for x in t.queues]
        pairs += [(x, m.IvrMenu(tenant_id=1)) for x in t.ivrs]
        pairs += [(x, m.Number(tenant_id=1)) for x in t.numbers]
        pairs += [(x, m.Trunk(tenant_id=1)) for x in t.trunks]
        for item, row in pairs:
            store.fill(row, item)
            cls = type(item)
            back = store.construct(cls, store.spec_data(row, cls))
            children = set(store.CHILDREN.get(cls, ()))
            assert back.model_dump(exclude=children) == item.model_dump(exclude=children), cls.__name__


def test_default_sip_domain_is_one_rule():
    assert s.sip_domain("acme", None) == "acme.cc.local" == s.Tenant(name="acme").sip_domain
    assert s.sip_domain("acme", "sip.acme.example") == "sip.acme.example"
