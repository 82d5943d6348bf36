"""Hostile and careless input: every string field of the schema and every CLI command, fed
injection, traversal, control and bidirectional characters, case twins, huge and empty
values. Each must give one clean line, the documented exit code and an unchanged database."""

from __future__ import annotations

import json
import typing

import pytest
import typer.main
import typer.testing
from pydantic import BaseModel, ValidationError
from typer.testing import CliRunner

from ccctl.cli.main import app
from ccctl.config import site
from ccctl.config import spec as s
from ccctl.config.site import Site
from ccctl.hardware import spec as hw

HOSTILE = ["${system(id)}", "$${domain}", "a\x00b", "two\nlines", "\u202eevil", "x" * 100_000, "", "   "]

MINIMAL: dict[type, dict] = {
    s.Lease: {"price": 1},
    s.Recording: {},
    s.Seat: {"extension": "1001", "name": "A"},
    s.NoAgent: {},
    s.Queue: {"name": "q"},
    s.Greeting: {"text": "hi"},
    s.Ivr: {"name": "m", "greeting": {"text": "hi"}},
    s.Number: {"number": "4001", "target": "hangup"},
    s.Trunk: {"name": "t", "host": "h.example"},
    s.Customer: {"number": "4001", "name": "C"},
    s.Campaign: {"name": "c"},
    s.CallerId: {},
    s.Tenant: {"name": "t"},
    Site: {},
    s.Webhook: {"url": "https://crm.example/pop"},
    s.Billing: {},
    s.Callback: {},
    hw.Hardware: {},
    hw.R2: {},
    hw.Span: {"span": 1, "type": "e1", "signalling": "r2", "group": 1},
    hw.Port: {"port": 1, "type": "fxo", "group": 2},
    hw.Card: {"name": "e1", "profile": "te410p"},
}
"""A valid instance of every spec: each hostile value is tried in one field of it."""


def _spec_classes() -> set[type]:
    return {
        c
        for m in (s, hw, site)
        for c in vars(m).values()
        if isinstance(c, type) and issubclass(c, s.Spec) and c is not s.Spec
    }


def _has_str(annotation) -> bool:
    if annotation is str:
        return True
    return any(_has_str(a) for a in typing.get_args(annotation) if not isinstance(a, (str, int, float)))


def _slots(annotation):
    """How a string can be put into a field of this type: as its value, a key or a value of
    its mapping, or an item of its list."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [slot for a in args for slot in _slots(a)]
    if origin is dict:
        out = []
        if _has_str(args[0]):
            out.append(lambda h: {h: "hangup"})
        if _has_str(args[1]):
            out.append(lambda h: {"1": h})
        return out
    if origin is list:
        return [lambda h: [h]] if _has_str(args[0]) else []
    if _has_str(annotation) or typing.get_origin(annotation) is typing.Literal:
        return [lambda h: h]
    return []


def _string_fields():
    for cls in sorted(_spec_classes(), key=lambda c: c.__name__):
        for name, f in cls.model_fields.items():
            for i, slot in enumerate(_slots(f.annotation)):
                yield pytest.param(cls, f.alias or name, slot, id=f"{cls.__name__}.{f.alias or name}.{i}")


def test_every_spec_has_a_minimal_example():
    assert _spec_classes() == set(MINIMAL), "add the new spec to MINIMAL so its string fields are tried"
    for cls, data in MINIMAL.items():
        cls.model_validate(data)


@pytest.mark.parametrize("cls,field,slot", list(_string_fields()))
@pytest.mark.parametrize("hostile", HOSTILE[:5], ids=["inject", "inject2", "nul", "newline", "bidi"])
def test_every_string_field_refuses_hostile_text(cls, field, slot, hostile):
    data = {**MINIMAL[cls], field: slot(hostile)}
    with pytest.raises(ValidationError) as exc:
        cls.model_validate(data)
    assert exc.value.errors()[0]["loc"][0] == field


@pytest.mark.parametrize("cls,field,slot", list(_string_fields()))
def test_every_string_field_refuses_huge_values(cls, field, slot):
    with pytest.raises(ValidationError):
        cls.model_validate({**MINIMAL[cls], field: slot("x" * 100_000)})


def test_one_rule_message_wherever_the_field():
    for cls, field, value in [
        (s.Trunk, "password", "${system(id)}"),
        (s.Trunk, "username", "$${domain}"),
        (s.Seat, "name", "A ${x}"),
        (s.Customer, "fields", {"k": "${x}"}),
        (s.Seat, "password", "abcdefghijkl${x}"),
    ]:
        with pytest.raises(ValidationError, match="must not contain '\\$\\{' \\(FreeSWITCH would expand it\\)"):
            cls.model_validate({**MINIMAL[cls], field: value})


def test_messages_are_words_not_patterns():
    for cls, field, value, words in [
        (s.Seat, "extension", "0101", "an extension is 2-8 digits, not starting with 0"),
        (s.Queue, "name", "Sales", "a name is 1-63 of a-z, 0-9, '-' and '_'"),
        (s.Queue, "name", "销售", "(ASCII only: it names things in FreeSWITCH)"),  # not "letters": these are
        (s.Number, "number", "12ab", "a phone number is 3-20 digits"),
        (s.Tenant, "domain", "bad_domain!", "a host name is dot-separated labels"),
    ]:
        with pytest.raises(ValidationError) as exc:
            cls.model_validate({**MINIMAL[cls], field: value})
        msg = str(exc.value)
        assert words in msg and "pattern" not in msg and "^" not in msg


def test_domains_are_case_insensitive():
    assert s.Tenant(name="a", domain="ACME.cc.Local").sip_domain == "acme.cc.local"


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def box(tmp_path, sounds_dir, example, monkeypatch):
    # Commands that take a FILE (backup, export) write where they are told, relative to here.
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    # typer's runner builds the whole click tree again for every invoke (seconds each with 40
    # command groups); this test invokes thousands of times: build it once.
    command, build = typer.main.get_command(app), typer.testing._get_command
    monkeypatch.setattr(typer.testing, "_get_command", lambda a: command if a is app else build(a))
    env = {
        "CCCTL_DB": str(tmp_path / "h.db"),
        "CCCTL_FS_CONF_DIR": str(tmp_path / "conf"),
        "CCCTL_FS_SOUNDS_DIR": str(sounds_dir),
        "CCCTL_FS_RECORDINGS_DIR": str(tmp_path / "rec"),
        "CCCTL_ESL_PORT": "1",
    }

    def run(*args, input=None, **extra_env):
        return runner.invoke(app, [str(a) for a in args], env={**env, **extra_env}, input=input)

    assert run("apply", "-f", example).exit_code == 0
    run.env = env
    return run


def _state(box) -> str:
    r = box("export")
    assert r.exit_code == 0, r.output
    return r.stdout


def _clean(r, codes=(1, 2, 3, 4)):
    """One clean refusal: no traceback, a documented exit code, one line on stderr."""
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code in codes, (r.exit_code, r.output)
    assert "Traceback" not in r.output and "internal error" not in r.output, r.output
    if r.exit_code not in (0, 2):
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and not lines[0].startswith("error: error:"), r.stderr


def _leaf_commands():
    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():
        subs = getattr(cmd, "commands", None)
        for sub_name, sub in subs.items() if subs else [(None, cmd)]:
            path = [name] + ([sub_name] if sub_name else [])
            yield path, sub


@pytest.mark.parametrize(
    "hostile",
    ["${system(id)}", "../../etc/passwd", "\u202eevil", "ACME", "x" * 5000, "", "name.first=X", "=", "--"],
    ids=["inject", "traversal", "bidi", "case-twin", "huge", "empty", "dotted", "eq", "dashes"],
)
def test_every_command_refuses_hostile_arguments_cleanly(box, hostile):
    before = _state(box)
    for path, cmd in _leaf_commands():
        args = []
        for p in cmd.params:
            if p.param_type_name == "argument":
                args += [hostile, f"name={hostile}"] if p.nargs == -1 else [hostile]
        for extra in ([], ["--json"]):
            r = box(
                *path,
                *args,
                *extra,
                "--yes"
                if any("--yes" in o.opts for o in cmd.params)
                else "--dry-run"
                if any("--dry-run" in o.opts for o in cmd.params)
                else "--json",
            )
            assert r.exception is None or isinstance(r.exception, SystemExit), (path, args, repr(r.exception))
            assert r.exit_code in (0, 1, 2, 3, 4), (path, args, r.output)
            assert "Traceback" not in r.output and "internal error" not in r.output, (path, args, r.output)
            if "--json" in extra and r.exit_code in (1, 3, 4) and "--" not in args:
                assert r.stderr.startswith("{") and "error" in json.loads(r.stderr), (path, args, r.stderr)
    assert _state(box) == before


def test_issue_cases_are_clean_and_predicted_by_dry_run(box, tmp_path, example):
    import yaml

    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    acme, huaxia = data["tenants"]
    # swap the two tenants' domains in one apply; the dry run predicts it and the apply does it
    acme["domain"], huaxia["domain"] = "huaxia.cc.local", "acme.cc.local"
    swapped = tmp_path / "swap.yaml"
    swapped.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert box("apply", "-f", swapped, "--dry-run").exit_code == 0
    r = box("apply", "-f", swapped)
    assert r.exit_code == 0, r.output
    assert json.loads(box("tenant", "show", "acme", "--json").stdout)["domain"] == "huaxia.cc.local"
    # move a DID from huaxia to acme (which sorts earlier)
    did = huaxia["numbers"].pop()
    acme["numbers"].append(did)
    moved = tmp_path / "move.yaml"
    moved.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert box("apply", "-f", moved, "--dry-run").exit_code == 0
    assert box("apply", "-f", moved).exit_code == 0
    assert did["number"] in [n["number"] for n in json.loads(box("number", "list", "acme", "--json").stdout)]
    # --prune where the pruned tenant holds a domain the file wants (its legal hold lifted
    # first: a tenant under hold is not removed without --archive or --purge)
    huaxia["recording"]["legal_hold"] = False
    lifted = tmp_path / "lift.yaml"
    lifted.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert box("apply", "-f", lifted).exit_code == 0
    only = {"tenants": [{**acme, "domain": "acme.cc.local"}]}
    pruned = tmp_path / "prune.yaml"
    pruned.write_text(yaml.safe_dump(only, allow_unicode=True))
    assert box("apply", "-f", pruned, "--prune", "--dry-run").exit_code == 0
    r = box("apply", "-f", pruned, "--prune")
    assert r.exit_code == 2 and "add --yes" in r.stderr  # a script must confirm removing tenants
    assert box("apply", "-f", pruned, "--prune", "--yes").exit_code == 0
    assert [t["name"] for t in json.loads(box("tenant", "list", "--json").stdout)] == ["acme"]


def test_environment_mistakes_are_one_line(box, tmp_path):
    before = _state(box)
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me")
    cases = [
        ({"CCCTL_ESL_PORT": "abc"}, "CCCTL_ESL_PORT=abc: not a number"),
        ({"CCCTL_ESL_HOST": "0.0.0.0"}, "loopback only"),
        ({"CCCTL_FS_DEPLOY": "of"}, "CCCTL_FS_DEPLOY=of: one of auto, off"),
        ({"CCCTL_DB": "foo://x"}, "not a database path or URL"),
        ({"CCCTL_DB": "postgresql+psycopg://u:secret@127.0.0.1:1/x"}, "cannot open database"),
        ({"CCCTL_FS_CONF_DIR": str(a_file)}, "exists and is not a directory"),
        ({"CCCTL_FS_CONF_DIR": "/dev/null/conf"}, "cannot write the configuration"),
        ({"CCCTL_FS_SOUNDS_DIR": "/dev/null/sounds"}, "cannot write sounds"),
    ]
    for env, words in cases:
        r = box("seat", "add", "acme", "1099", "name=New", **env)
        _clean(r)
        assert words in r.stderr, (env, r.stderr)
        assert "secret" not in r.stderr
    assert a_file.read_text() == "keep me"
    assert _state(box) == before


def test_exit_codes_and_messages(box, tmp_path):
    before = _state(box)
    r = box("tenant", "add", "other", "domain=ACME.cc.local")  # a case twin of acme's domain
    _clean(r, (4,))
    assert "domain acme.cc.local is already used by tenant acme" in r.stderr
    dup = tmp_path / "dup.yaml"
    dup.write_text("tenants:\n  - name: z\n    seats: [{extension: '1001', name: A}, {extension: '1001', name: B}]\n")
    _clean(box("apply", "-f", dup), (4,))
    r = box("queue", "remove", "acme", "sales")
    _clean(r, (4,))
    assert "still used by" in r.stderr
    _clean(box("export", "-t", "nosuch"), (3,))
    r = box("seat", "set", "acme", "1001", "name.first=X")
    _clean(r, (1,))
    assert "name is a single value" in r.stderr
    _clean(box("seat", "add", "acme", "1099", "name=  "), (1,))
    r = box("seat", "show", "acme", "9999", "--json")
    assert r.exit_code == 3 and json.loads(r.stderr)["error"]["id"] == "not-found"
    r = box("tenant", "remove", "huaxia")
    assert r.exit_code == 2 and "add --yes" in r.stderr
    empty = tmp_path / "empty.yaml"
    empty.write_text("tenants: []\n")
    _clean(box("apply", "-f", empty, "--prune", "--yes"), (1,))
    assert _state(box) == before
    assert box("tenant", "remove", "huaxia", "--yes").exit_code == 4  # under legal hold: says what happens to its data
    assert box("tenant", "remove", "huaxia", "--purge", "--yes").exit_code == 0


def test_text_fields_take_what_was_typed(box):
    for value in ("yes", "007", "Sales: Bob", "[1, 2]"):
        assert box("seat", "set", "acme", "1001", f"name={value}").exit_code == 0
        assert json.loads(box("seat", "show", "acme", "1001", "--json").stdout)["name"] == value
    assert box("seat", "set", "acme", "1001", "remote=yes").exit_code == 0
    assert json.loads(box("seat", "show", "acme", "1001", "--json").stdout)["remote"] is True


def test_json_numbers_are_numbers(box):
    acme = next(t for t in json.loads(box("tenant", "list", "--json").stdout) if t["name"] == "acme")
    assert isinstance(acme["seats"], int) and isinstance(acme["seat_limit"], int)


def test_tables_at_80_columns_keep_identifiers_whole(box):
    long = "Wolfgang Amadeus Mozart-Beethoven " * 3
    assert box("seat", "add", "acme", "12345678", f"name={long}", "skills={sales: 5, support: 3}").exit_code == 0
    r = box("seat", "list", COLUMNS="80")
    lines = r.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80, lines
    assert any(x.split()[:2] == ["acme", "12345678"] for x in lines)
    r = box("tenant", "list", COLUMNS="80")
    assert any("huaxia.cc.local" in x.split() for x in r.stdout.splitlines())


def test_help_has_no_python_internals(box):
    for path, _ in _leaf_commands():
        text = box(*path, "--help").stdout
        for bad in ("<list", "list[", "CallerId(", "Recording(", "NoneType", "a IVR", "a ivr", "{noun}"):
            assert bad not in text, (path, bad)


def test_completion_of_tenants_and_keys(box):
    runner = CliRunner()

    def complete(words):
        env = {
            **box.env,
            "_CCCTL_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        }
        return runner.invoke(app, [], prog_name="ccctl", env=env).stdout.split()

    assert complete("ccctl seat list a") == ["acme"]
    assert complete("ccctl seat show acme 100") == ["1001", "1002", "1003"]
    assert "sales" in complete("ccctl queue show acme ")


def test_confirmation_on_a_terminal(box, monkeypatch):
    from ccctl.cli import common

    monkeypatch.setattr(common, "on_terminal", lambda: True)
    r = box("tenant", "remove", "huaxia", input="n\n")
    assert r.exit_code == 1 and "nothing changed" in r.stderr
    # under legal hold: --purge asks to type the tenant's name
    r = box("tenant", "remove", "huaxia", "--purge", input="acme\n")
    assert r.exit_code == 1 and "nothing changed" in r.stderr
    assert box("tenant", "remove", "huaxia", "--purge", input="huaxia\n").exit_code == 0
    assert box("tenant", "remove", "acme", input="y\n").exit_code == 0


def test_cli_noun_table_matches_the_schema():
    from ccctl.cli.nouns import NOUNS

    assert {n: k for n, (k, *_rest) in NOUNS.items()} == {kind[:-1]: key for kind, (_, key) in s.COLLECTIONS.items()}


def test_schema_models_are_pydantic():
    assert all(issubclass(c, BaseModel) for c in MINIMAL)
