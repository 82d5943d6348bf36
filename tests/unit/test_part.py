"""A one-item write reads its tenant in part (ccctl/config/part.py) and must decide exactly as
when it read the whole tenant: the same changes, warnings and refusals (type and message), and
the same database after. Each write runs on two databases in step: one reading in part, one
reading whole (part.touching and part.just reading everything)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from ccctl import app
from ccctl.config import entities, part
from ccctl.config import spec as s
from ccctl.config.export import export_yaml
from ccctl.config.write import apply_tenants
from ccctl.errors import CcError
from ccctl.settings import Settings


def _tenants() -> list[s.Tenant]:
    big = s.Tenant.model_validate(
        {
            "name": "big",
            "seat_limit": 32,
            "seats": [
                {"extension": str(1000 + i), "name": f"Agent {i}", "skills": {"sales": 1 + i % 9}} for i in range(29)
            ]
            + [{"extension": "1029", "name": "Only support", "skills": {"support": 3}}],
            "queues": [
                {"name": "sales", "no_agent": {"target": "seat:1007"}},
                {"name": "support", "overflow": "voicemail:1008"},
                {"name": "vip"},
            ],
            "ivrs": [
                {
                    "name": "main",
                    "greeting": {"text": "Hello."},
                    "options": {"1": "queue:sales", "2": "queue:support", "3": "voicemail:1006"},
                }
            ],
            "numbers": [
                {"number": "4001", "target": "seat:1005"},
                {"number": "4002", "target": "external:+4930123"},
                {"number": "4003", "target": "queue:support"},
                {"number": "4004", "target": "ivr:main"},
                {"number": "4005", "target": "voicemail:1011"},
            ],
            "trunks": [{"name": "carrier", "host": "sip.example.net", "username": "u", "password": "p"}],
        }
    )
    other = s.Tenant.model_validate(
        {
            "name": "other",
            "domain": "other.example",
            "seats": [{"extension": "1001", "name": "O"}],
            "numbers": [{"number": "4009", "target": "seat:1001"}],
        }
    )
    return [big, other]


WRITES = [
    ("add_item", "seat", "big", "2001", {"name": "A", "skills": {"vip": 1}}),
    ("add_item", "seat", "big", "1001", {"name": "again"}),
    ("add_item", "seat", "big", "2002", {"name": "B"}),
    ("add_item", "seat", "big", "2003", {"name": "over the limit"}),
    ("set_item", "seat", "big", "1001", {"name": "Renamed", "remote": True}),
    ("set_item", "seat", "big", "1999", {"name": "nobody"}),
    ("set_item", "seat", "big", "1002", {"password": "a-new-password-1"}),
    ("remove_item", "seat", "big", "1005", None),  # a number routes to it
    ("remove_item", "seat", "big", "1006", None),  # an IVR option (voicemail)
    ("remove_item", "seat", "big", "1007", None),  # a queue's no_agent target
    ("remove_item", "seat", "big", "1008", None),  # a queue's overflow (voicemail)
    ("remove_item", "seat", "big", "1011", None),  # a number, to its voicemail
    ("remove_item", "seat", "big", "1010", None),
    ("remove_item", "seat", "big", "1010", None),
    ("set_item", "seat", "big", "1029", {"skills": {}}),  # the last seat with skill support
    ("set_item", "seat", "big", "1029", {"skills": {"support": 4}}),
    ("set_item", "queue", "big", "sales", {"skill": "nobody"}),
    ("set_item", "queue", "big", "sales", {"skill": "sales", "overflow": "seat:1020"}),
    ("set_item", "queue", "big", "sales", {"overflow": "seat:1999"}),
    ("set_item", "queue", "big", "sales", {"overflow": "queue:vip"}),
    ("set_item", "queue", "big", "vip", {"overflow": "queue:sales"}),  # a loop
    ("remove_item", "queue", "big", "support", None),  # a number and the IVR route to it
    ("add_item", "queue", "big", "late", {"overflow": "voicemail:1012"}),
    ("remove_item", "queue", "big", "late", None),
    ("set_item", "ivr", "big", "main", {"options": {"1": "seat:1012", "2": "voicemail:1999"}}),
    ("set_item", "ivr", "big", "main", {"options": {"1": "seat:1012", "3": "voicemail:1006"}}),
    ("remove_item", "ivr", "big", "main", None),
    ("add_item", "number", "big", "4009", {"target": "hangup"}),  # the other tenant's
    ("add_item", "number", "big", "4010", {"target": "seat:1013"}),
    ("set_item", "number", "big", "4010", {"target": "voicemail:1998"}),
    ("set_item", "number", "big", "4010", {"target": "voicemail:1014"}),
    ("remove_item", "number", "big", "4001", None),
    ("remove_item", "seat", "big", "1005", None),  # nothing routes to it any more
    ("remove_item", "trunk", "big", "carrier", None),  # a number routes to an external number
    ("set_item", "trunk", "big", "carrier", {"username": None, "password": None}),
    ("add_item", "trunk", "big", "second", {"host": "sip2.example.net", "register": True}),
    ("set_tenant", "big", {"seat_limit": 5}),
    ("set_tenant", "big", {"domain": "other.example"}),
    ("set_tenant", "big", {"display_name": "Big", "seat_limit": 40}),
    ("add_item", "seat", "big", "2003", {"name": "room now"}),
    ("set_tenant", "other", {"domain": "big.cc.local"}),  # big's default domain
]


@contextmanager
def _whole():
    """Entities reading every item of the tenant (what they did before reading in part)."""
    saved = part.touching, part.just
    part.touching = lambda session, tenant, collection, keys: {}
    part.just = lambda collection, keys=(): {}
    try:
        yield
    finally:
        part.touching, part.just = saved


def _outcome(services, op, args, dry_run):
    try:
        result = getattr(entities, op)(services, *args, dry_run=dry_run)
    except CcError as exc:
        return type(exc).__name__, exc.message
    data = result.as_dict()
    return "ok", data["changes"], data["warnings"], data["generation"]


@pytest.mark.parametrize("dry_run", [False, True], ids=["write", "dry-run"])
def test_a_write_read_in_part_decides_as_one_read_whole(tmp_path, dry_run):
    in_part = app.open(Settings(db=str(tmp_path / "part.db")), deploy=False)
    whole = app.open(Settings(db=str(tmp_path / "whole.db")), deploy=False)
    for services in (in_part, whole):
        apply_tenants(services, _tenants())
    refusals = 0
    for op, *args in WRITES:
        args = [a for a in args if a is not None]
        got = _outcome(in_part, op, args, dry_run)
        with _whole():
            want = _outcome(whole, op, args, dry_run)
        assert got == want, (op, args)
        refusals += got[0] != "ok"
        assert export_yaml(entities.list_tenants(in_part)) == export_yaml(entities.list_tenants(whole)), (op, args)
    assert refusals >= 15  # the list above exercises refusals, not only writes that pass


def test_reads_in_part_show_the_same_items(tmp_path):
    services = app.open(Settings(db=str(tmp_path / "p.db")), deploy=False)
    apply_tenants(services, _tenants())
    whole = entities.get_tenant(services, "big", with_secrets=True)
    for noun, n in entities.NOUNS.items():
        for item in getattr(whole, n.collection):
            assert entities.get_item(services, noun, "big", getattr(item, n.key)) == item.model_copy(
                update={"password": None} if noun in ("seat", "trunk") else {}
            )  # secrets: only with_secrets
        assert entities.list_items(services, noun) == [
            (t.name, i) for t in entities.list_tenants(services) for i in getattr(t, n.collection)
        ]
    assert entities.seat_password(services, "big", "1003") == whole.seats[3].password


def test_a_seat_write_reads_only_what_it_touches(tmp_path):
    """The point of reading in part: what a one-seat write reads does not grow with the tenant."""
    from ccctl.config import store
    from ccctl.db import session_scope

    services = app.open(Settings(db=str(tmp_path / "p.db")), deploy=False)
    apply_tenants(services, _tenants())
    with session_scope(services.engine) as session:
        only = part.touching(session, "big", "seats", ["1005"])
        assert only == {"seats": {"1005"}, "numbers": {"4001"}}
        t = store.load_tenants(session, ["big"], only=only)[0]
        assert [x.extension for x in t.seats] == ["1005"] and [n.number for n in t.numbers] == ["4001"]
        assert len(t.queues) == 3 and len(t.ivrs) == 1 and len(t.trunks) == 1  # the small ones, whole
        unread = part.unread(session, t, only)
        assert unread.seats == 29 and unread.skills == {"sales", "support"}
        assert unread.extensions == {"1006", "1007", "1008"}  # named by the IVR and the queues


def test_a_stored_campaign_s_target_counts_in_a_write_read_in_part(tmp_path):
    """A campaign's definition lives in its own table (write path): its target may name a seat
    the write did not read, which must be found (a write of another seat passes) and which a
    removal of that seat must not leave dangling, exactly as reading the tenant whole."""
    from ccctl.outbound import campaigns

    in_part = app.open(Settings(db=str(tmp_path / "part.db")), deploy=False)
    whole = app.open(Settings(db=str(tmp_path / "whole.db")), deploy=False)
    for services in (in_part, whole):
        apply_tenants(services, _tenants())
        campaigns.add(services, "big", "nps", kind="ivr", target="seat:1015", mode="progressive")
    for op, *args in [
        ("set_item", "seat", "big", "1016", {"name": "other seat"}),
        ("add_item", "seat", "big", "2001", {"name": "new"}),
        ("set_tenant", "big", {"display_name": "Big"}),
        ("remove_item", "seat", "big", "1015", None),
    ]:
        args = [a for a in args if a is not None]
        got = _outcome(in_part, op, args, False)
        with _whole():
            want = _outcome(whole, op, args, False)
        assert got == want, (op, args)
        assert (got[0] == "ok") == (op != "remove_item"), got


def test_a_campaign_write_reads_no_seats_and_still_checks_its_target(tmp_path):
    """ccctl campaign add reads its tenant without seats or numbers (part.just('campaigns')):
    a target seat that exists is found by the database, one that does not is refused."""
    from ccctl.errors import InvalidInput
    from ccctl.outbound import campaigns

    services = app.open(Settings(db=str(tmp_path / "c.db")), deploy=False)
    apply_tenants(services, _tenants())
    before = export_yaml(entities.list_tenants(services))
    assert campaigns.add(services, "big", "ok", kind="ivr", target="voicemail:1020", mode="progressive")["name"] == "ok"
    with pytest.raises(InvalidInput, match="target seat:1999 does not exist"):
        campaigns.add(services, "big", "bad", kind="ivr", target="seat:1999", mode="progressive")
    assert export_yaml(entities.list_tenants(services)) == before  # its seats and numbers untouched
