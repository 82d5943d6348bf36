"""Bad input: one line naming file and line, non-zero exit, nothing written."""

from __future__ import annotations

import pytest

from ccctl.config import yamlio
from ccctl.config.load import load_site
from ccctl.errors import InvalidInput

from .helpers import example_data, write_site


def test_example_loads(example):
    site = load_site(str(example))
    assert [t.name for t in site.tenants] == ["acme", "huaxia"]
    huaxia = site.tenants[1]
    assert huaxia.display_name == "华夏客服中心"
    assert huaxia.seats[0].name == "王芳"


def _error(tmp_path, text: str) -> str:
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        load_site(str(p))
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_malformed_yaml_names_file_and_line(tmp_path):
    msg = _error(tmp_path, "tenants:\n  - name: a\n    seats: [\n")
    assert msg.startswith(f"{tmp_path}/bad.yaml:4:")


def test_unknown_key_names_line(tmp_path):
    msg = _error(tmp_path, "tenants:\n  - name: a\n    colour: blue\n")
    assert msg == f"{tmp_path}/bad.yaml:3: tenants[0].colour: unknown key"


def test_wrong_type_names_line(tmp_path):
    msg = _error(tmp_path, "tenants:\n  - name: a\n    seat_limit: many\n")
    assert msg.startswith(f"{tmp_path}/bad.yaml:3: tenants[0].seat_limit:")


def test_invalid_extension_format(tmp_path):
    msg = _error(tmp_path, "tenants:\n  - name: a\n    seats:\n      - {extension: 12ab, name: X}\n")
    assert ":4: tenants[0].seats[0].extension:" in msg


def test_extension_written_as_number_keeps_its_text(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("tenants:\n  - name: a\n    seats:\n      - {extension: 1001, name: X}\n")
    assert load_site(str(p)).tenants[0].seats[0].extension == "1001"
    # 0101 would be octal 65 to a YAML 1.1 reader; keeping the text makes it a format error instead
    msg = _error(tmp_path, "tenants:\n  - name: a\n    seats:\n      - {extension: 0101, name: X}\n")
    assert "extension" in msg


def test_xml_special_characters_and_chinese_are_accepted(tmp_path):
    data = {
        "tenants": [
            {"name": "a", "display_name": "<&\"'> 客服", "seats": [{"extension": "1001", "name": "O'Neil & <Co>"}]}
        ]
    }
    site = load_site(str(write_site(tmp_path, data)))
    assert site.tenants[0].seats[0].name == "O'Neil & <Co>"


def test_freeswitch_variable_syntax_is_refused(tmp_path):
    msg = _error(tmp_path, "tenants:\n  - name: a\n    display_name: '$${base_dir}'\n")
    assert "must not contain '${'" in msg


def test_invalid_tenant_name(tmp_path):
    msg = _error(tmp_path, "tenants:\n  - name: 'Bad Name'\n")
    assert ":2: tenants[0].name:" in msg


def test_reserved_tenant_name(tmp_path):
    assert "reserved" in _error(tmp_path, "tenants:\n  - name: public\n")


def test_aliases_are_refused(tmp_path):
    msg = _error(tmp_path, "x: &a [1]\ntenants: *a\n")
    assert "aliases are not allowed" in msg


def test_duplicate_keys_are_refused(tmp_path):
    assert "duplicate key" in _error(tmp_path, "tenants: []\ntenants: []\n")


def test_not_a_mapping(tmp_path):
    assert "mapping" in _error(tmp_path, "- 1\n- 2\n")


def test_not_utf8(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_bytes(b"tenants:\n  - name: \xff\n")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        load_site(str(p))


def test_very_large_file_is_refused_before_parsing(tmp_path, monkeypatch):
    p = tmp_path / "big.yaml"
    p.write_bytes(b"#" * (yamlio.MAX_BYTES + 1))
    with pytest.raises(InvalidInput, match="larger than"):
        load_site(str(p))


def test_bad_target(tmp_path):
    data = example_data()
    data["tenants"][0]["numbers"][0]["target"] = "queue:"
    with pytest.raises(InvalidInput, match="is not a target"):
        load_site(str(write_site(tmp_path, data)))


def test_bad_hours_and_holidays(tmp_path):
    data = example_data()
    data["tenants"][0]["ivrs"][0]["hours"]["mon"] = "18:00-09:00"
    with pytest.raises(InvalidInput, match="start before end"):
        load_site(str(write_site(tmp_path, data)))
    data = example_data()
    data["tenants"][0]["ivrs"][0]["holidays"] = ["02-30"]
    with pytest.raises(InvalidInput, match="not a real date"):
        load_site(str(write_site(tmp_path, data)))


def test_unknown_timezone(tmp_path):
    assert "unknown time zone" in _error(tmp_path, "tenants:\n  - name: a\n    timezone: Mars/Olympus\n")


def test_directory_of_files(tmp_path):
    data = example_data()
    write_site(tmp_path, {"tenants": [data["tenants"][0]]}, "a.yaml")
    write_site(tmp_path, {"tenants": [data["tenants"][1]]}, "b.yml")
    assert [t.name for t in load_site(str(tmp_path)).tenants] == ["acme", "huaxia"]
    write_site(tmp_path, {"tenants": [data["tenants"][1]]}, "c.yaml")
    with pytest.raises(InvalidInput, match="also defined in"):
        load_site(str(tmp_path))


def test_numbers_that_are_not_finite_are_refused_by_the_spec():
    import pydantic

    from ccctl.config import spec as s

    for bad in (float("inf"), float("nan"), ".inf"):
        with pytest.raises(pydantic.ValidationError):
            s.Lease(price=bad)


def test_a_bool_is_not_a_number():
    import pydantic

    from ccctl.config import spec as s

    with pytest.raises(pydantic.ValidationError, match="a number, not true or false"):
        s.Tenant(name="acme", seat_limit=True)
    assert s.Tenant(name="acme", seat_limit=3).seat_limit == 3


def test_problems_are_worded_for_people_not_pydantic():
    import pydantic

    from ccctl.config import spec as s
    from ccctl.config.load import validation_message

    with pytest.raises(pydantic.ValidationError) as e:
        s.Seat(extension="1001", name="z" * 300)
    assert validation_message(e.value, "seat") == "seat: name: at most 200 characters, not 300"
    with pytest.raises(pydantic.ValidationError) as e:
        s.Tenant(name="acme", plan="z", seat_limit="x")
    text = validation_message(e.value, "t")
    assert "plan: one of" in text and "seat_limit: a whole number" in text and "Input should" not in text


def _reference(text: str):
    import io

    import yaml

    return yaml.load(io.StringIO(text), Loader=yamlio._Loader)


def _same(a, b) -> bool:
    """Equal, of the same types, with the same line numbers and the same text of every int."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and a.lines == b.lines and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return a.lines == b.lines and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b and getattr(a, "yaml_text", None) == getattr(b, "yaml_text", None)


@pytest.mark.parametrize(
    "text",
    [
        "EXAMPLE",
        "a: 0101\nb: 007\nc: 1_000\nd: 2026-01-01\ne: yes\nf: ~\ng: 1.5e3\nh: 0x1F\n'*': q\n\"#\": [1, '2', x]\n",
        "tenants:\n  - name: a\n    ivrs:\n      - options: {'*': 'queue:x', 1: hangup}\n        holidays: [12-25, 2026-01-01]\n",
        "x: |\n  two\n  lines\ny: >\n  folded\n  text\nz: !!str 123\n",
    ],
)
def test_libyaml_reads_as_the_reference_reader(example, text):
    """yamlio.parse reads with libyaml when it can: the same data, lines and int texts."""
    if text == "EXAMPLE":
        text = example.read_text(encoding="utf-8")
    assert _same(yamlio.parse(text, "t"), _reference(text))


@pytest.mark.parametrize(
    "text",
    [
        "x: &a [1]\ntenants: *a\n",
        "'*': &a 1\nb: *a\n",
        "a: [1,\n",
        "a: b: c\n",
        "a: 1\na: 2\n",
        "\tx: 1\n",
        "a: \x07\n",
        "? [a]\n: 1\n",
        "a: '\udc80'\n",
    ],
)
def test_what_libyaml_refuses_is_worded_by_the_reference_reader(text, monkeypatch):
    with pytest.raises(InvalidInput) as got:
        yamlio.parse(text, "t")
    monkeypatch.setattr(yamlio, "_CParser", None)  # the reference reader alone
    with pytest.raises(InvalidInput) as reference:
        yamlio.parse(text, "t")
    assert got.value.message == reference.value.message
