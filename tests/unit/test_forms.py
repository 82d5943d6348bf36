"""Per-field errors for forms (ccctl.config.forms) and the box's own setup (ccctl.box.setup)."""

from __future__ import annotations

import pytest

from ccctl.box import setup
from ccctl.config import forms
from ccctl.errors import InvalidInput
from ccctl.config import spec as s


def test_errors_are_keyed_by_the_field_they_are_about():
    errors = forms.check(s.Queue, {"name": "Sales!", "no_agent": {"timeout": -1}, "max_wait": "x"})
    assert set(errors) == {"name", "no_agent.timeout", "max_wait"}
    assert "lowercase letters" in errors["name"]


def test_attach_moves_inner_and_cross_field_errors_to_a_form_field():
    fields = ["name", "greeting.text", "greeting.file", "skills"]
    got = forms.attach({"skills.sales": "too high", "greeting": "one of text or file", "other": "x"}, fields)
    assert got == {"skills": "too high", "greeting.text": "one of text or file", "": "x"}


@pytest.mark.parametrize("message, field", [
    ("acme: queue b: overflow: target queue:x does not exist in this tenant", "overflow"),
    ("acme: queue b: no_agent.target: target ivr:y does not exist in this tenant", "no_agent.target"),
    ("tenant acme: 6 seats exceed its seat limit of 5", ""),
])
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
    ivr = s.Ivr(name="main", greeting=s.Greeting(text="Hi: press 1"), options={"1": "queue:sales", "#": "hangup"},
                hours={"mon": "09:00-18:00"}, holidays=["01-01", "2026-12-25"])
    raw = forms.values_of(ivr, ["options", "hours", "holidays", "greeting.text"])
    assert raw["options"] == "{'#': hangup, 1: queue:sales}" and raw["hours"] == "{mon: 09:00-18:00}"
    values, errors = forms.parse_fields(s.Ivr, raw)
    data = {"name": "main", "greeting": {"text": values["greeting.text"]}, "options": values["options"],
            "hours": values["hours"], "holidays": values["holidays"]}
    assert errors == {} and s.Ivr.model_validate(data) == ivr
