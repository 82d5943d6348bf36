"""Per-field errors for forms (ccctl.config.forms) and the box's own setup (ccctl.box.setup)."""

from __future__ import annotations

import pytest

from ccctl.box import setup
from ccctl.config import forms
from ccctl.config import spec as s
from ccctl.errors import InvalidInput


def test_errors_are_keyed_by_the_field_they_are_about():
    errors = forms.check(s.Queue, {"name": "Sales!", "no_agent": {"timeout": -1}, "max_wait": "x"})
    assert set(errors) == {"name", "no_agent.timeout", "max_wait"}
    assert "a-z, 0-9" in errors["name"]


def test_attach_moves_inner_and_cross_field_errors_to_a_form_field():
    fields = ["name", "greeting.text", "greeting.file", "skills"]
    got = forms.attach({"skills.sales": "too high", "greeting": "one of text or file", "other": "x"}, fields)
    assert got == {"skills": "too high", "greeting.text": "one of text or file", "": "x"}


@pytest.mark.parametrize(
    "message, field",
    [
        ("acme: queue b: overflow: target queue:x does not exist in this tenant", "overflow"),
        ("acme: queue b: no_agent.target: target ivr:y does not exist in this tenant", "no_agent.target"),
        ("tenant acme: 6 seats exceed its seat limit of 5", ""),
    ],
)
def test_a_refusal_names_its_field(message, field):
    assert forms.field_of_message(message, ["name", "overflow", "no_agent.target", "no_agent.timeout"]) == field


def test_text_of_round_trips_through_parse_fields():
    seat = s.Seat(extension="1001", name="张三", skills={"sales": 5, "support": 2}, remote=True)
    raw = forms.values_of(seat, ["name", "skills", "remote"])
    values, errors = forms.parse_fields(s.Seat, raw)
    assert errors == {} and values == {"name": "张三", "skills": {"sales": 5, "support": 2}, "remote": True}


def test_box_setup_checks_before_writing(tmp_path):
    with pytest.raises(InvalidInput):
        setup.set_hostname("bad_name", tmp_path)
    with pytest.raises(InvalidInput):
        setup.add_ssh_key("ssh-ed25519 bm90IGEga2V5", tmp_path)  # base64 of 'not a key'
    with pytest.raises(InvalidInput):
        setup.set_timezone("Nowhere/Special", tmp_path)
    assert not (tmp_path / "etc").exists() and not (tmp_path / "root").exists()
    assert setup.set_hostname("Box-1", tmp_path) == "box-1"
    assert "127.0.1.1\tbox-1" in (tmp_path / "etc/hosts").read_text()
    assert not setup.completed(tmp_path)
    setup.complete(tmp_path)
    assert setup.current(tmp_path)["completed"]
    setup.reopen(tmp_path)
    assert not setup.completed(tmp_path)


def test_ivr_fields_show_as_plain_yaml_and_read_back():
    ivr = s.Ivr(
        name="main",
        greeting=s.Greeting(text="Hi: press 1"),
        options={"1": "queue:sales", "#": "hangup"},
        hours={"mon": "09:00-18:00"},
        holidays=["01-01", "2026-12-25"],
    )
    raw = forms.values_of(ivr, ["options", "hours", "holidays", "greeting.text"])
    assert raw["options"] == "{'#': hangup, 1: queue:sales}" and raw["hours"] == "{mon: 09:00-18:00}"
    values, errors = forms.parse_fields(s.Ivr, raw)
    data = {
        "name": "main",
        "greeting": {"text": values["greeting.text"]},
        "options": values["options"],
        "hours": values["hours"],
        "holidays": values["holidays"],
    }
    assert errors == {} and s.Ivr.model_validate(data) == ivr


def _acme(ctx):
    from ccctl.config.write import apply_tenants

    apply_tenants(
        ctx,
        [
            s.Tenant(
                name="acme",
                seat_limit=30,
                seats=[s.Seat(extension="1001", name="Ann", skills={"sales": 5})],
                queues=[s.Queue(name="sales", max_wait=100)],
                trunks=[s.Trunk(name="carrier", host="sip.example.net", username="acme", password="trunk-secret-1")],
            )
        ],
    )


QUEUE_FIELDS = ["display_name", "strategy", "max_wait", "overflow"]


def test_a_form_saves_only_what_it_edited_over_the_state_inside_the_lock(ctx):
    """The race of the issue: a queue form read, then a seat added and another field changed
    elsewhere, then the form saved. Nothing of the other writers is lost."""
    from ccctl.config import entities

    _acme(ctx)
    loaded = forms.values_of(entities.get_item(ctx, "queue", "acme", "sales"), QUEUE_FIELDS)
    tenant_loaded = forms.values_of(entities.get_tenant(ctx, "acme"), ["display_name", "call_limit"])
    entities.add_item(ctx, "seat", "acme", "1002", {"name": "Bob"})  # `ccctl seat add`, meanwhile
    entities.set_item(ctx, "queue", "acme", "sales", {"strategy": "ring-all"})
    result = forms.save(ctx, "queue", "acme", "sales", {**loaded, "max_wait": "240"}, new=False, loaded=loaded)
    assert [str(c) for c in result.changes] == ["~ queue acme/sales (max_wait)"]
    forms.save(ctx, "tenant", None, "acme", {**tenant_loaded, "call_limit": "12"}, new=False, loaded=tenant_loaded)
    t = entities.get_tenant(ctx, "acme", with_secrets=True)
    assert [x.extension for x in t.seats] == ["1001", "1002"]
    assert (t.queues[0].max_wait, t.queues[0].strategy, t.call_limit) == (240, "ring-all", 12)
    assert t.trunks[0].password == "trunk-secret-1"


def test_a_cleared_field_is_refused_never_silently_its_default(ctx):
    """max_wait 120 -> blank is refused (blank never means 'the default'); typing the default
    is the explicit way back. An optional field cleared is simply unset."""
    from ccctl.config import entities

    _acme(ctx)
    entities.set_item(ctx, "queue", "acme", "sales", {"max_wait": 120, "display_name": "Sales"})
    loaded = forms.values_of(entities.get_item(ctx, "queue", "acme", "sales"), QUEUE_FIELDS)
    with pytest.raises(forms.FormRefused) as exc:
        forms.save(ctx, "queue", "acme", "sales", {**loaded, "max_wait": ""}, new=False, loaded=loaded)
    assert exc.value.errors == {"max_wait": "required (its default is 300: put it back explicitly)"}
    assert entities.get_item(ctx, "queue", "acme", "sales").max_wait == 120
    forms.save(
        ctx, "queue", "acme", "sales", {**loaded, "max_wait": "300", "display_name": ""}, new=False, loaded=loaded
    )
    q = entities.get_item(ctx, "queue", "acme", "sales")
    assert (q.max_wait, q.display_name) == (300, None)


def test_a_form_of_an_object_removed_meanwhile_says_so_in_one_line(ctx):
    from ccctl.config import entities

    _acme(ctx)
    loaded = forms.values_of(entities.get_item(ctx, "seat", "acme", "1001"), ["name", "remote"])
    entities.remove_item(ctx, "seat", "acme", "1001")
    with pytest.raises(forms.FormRefused) as exc:
        forms.save(ctx, "seat", "acme", "1001", {**loaded, "name": "Ann B"}, new=False, loaded=loaded)
    assert exc.value.errors == {forms.GENERAL: "seat 1001 of acme was removed meanwhile"}
    entities.remove_tenant(ctx, "acme")
    with pytest.raises(forms.FormRefused) as exc:
        forms.save(ctx, "tenant", None, "acme", {"display_name": "A"}, new=False, loaded={})
    assert exc.value.errors == {forms.GENERAL: "tenant acme was removed meanwhile"}


def test_a_refused_edit_keeps_its_field_errors(ctx):
    from ccctl.config import entities

    _acme(ctx)
    loaded = forms.values_of(entities.get_item(ctx, "queue", "acme", "sales"), QUEUE_FIELDS)
    with pytest.raises(forms.FormRefused) as exc:
        forms.save(ctx, "queue", "acme", "sales", {**loaded, "overflow": "queue:nosuch"}, new=False, loaded=loaded)
    assert "does not exist" in exc.value.errors["overflow"]


def test_lists_read_no_secret(ctx):
    """A tenant read to be listed or edited holds no password: nothing that shows it can show one."""
    from ccctl.config import entities

    _acme(ctx)
    listed = entities.get_tenant(ctx, "acme")
    assert listed.trunks[0].password is None and listed.seats[0].password is None
    assert entities.trunk_credentials(ctx, "acme", "carrier") == ("acme", "trunk-secret-1")


def test_a_seat_range_is_one_write_all_or_nothing(ctx):
    """The wizard's range on a tenant with room for 27: no seat added, one line why."""
    from ccctl.config import entities
    from ccctl.errors import Conflict, LimitReached

    _acme(ctx)
    entities.add_items(ctx, "seat", "acme", {str(e): {"name": f"S{e}"} for e in range(1101, 1103)})
    with pytest.raises(LimitReached) as exc:
        setup.tenant_with_seats(ctx, "acme", "2001-2100")
    assert exc.value.message == "tenant acme: 103 seats exceed its seat limit of 30"
    assert len(entities.get_tenant(ctx, "acme").seats) == 3
    with pytest.raises(Conflict):  # without skip_existing, a key already there refuses them all
        entities.add_items(ctx, "seat", "acme", {"1001": {"name": "A"}, "1200": {"name": "B"}})
    assert setup.tenant_with_seats(ctx, "acme", "1001-1005") == "tenant acme: 4 seats added, 7 in all"
    assert setup.tenant_with_seats(ctx, "beta", "3001-3003").startswith("tenant beta created with 3 seats")
    with pytest.raises(InvalidInput):
        setup.seat_range("2001-9999")
