"""Customer records apart from the declarative tenant: their own commands, CSV and JSON, bulk
import, and never deleted by an apply that does not list them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ccctl.cli.main import app as cli
from ccctl.config import entities
from ccctl.config import spec as s
from ccctl.config.load import load_site
from ccctl.config.write import apply_tenants
from ccctl.cti import customers


def test_apply_without_customers_keeps_them(ctx, example):
    tenants = load_site(str(example)).tenants
    apply_tenants(ctx, tenants)
    assert [c.number for c in customers.list_customers(ctx, "acme")] == ["+4915112345678"]
    customers.import_customers(ctx, "acme", [s.Customer(number=f"+49{i:09d}", name=f"C{i}") for i in range(300)])
    result = apply_tenants(ctx, [t.model_copy(update={"customers": []}) for t in tenants])
    assert result.changes == []
    assert len(customers.list_customers(ctx, "acme")) == 301
    # a file that lists a changed customer updates it (and only it)
    acme = next(t for t in tenants if t.name == "acme")
    changed = acme.model_copy(update={"customers": [s.Customer(number="+4915112345678", name="Dana Renamed")]})
    result = apply_tenants(ctx, [changed])
    assert [str(c) for c in result.changes] == ["~ customer acme/+4915112345678"]
    assert customers.get_customer(ctx, "acme", "+4915112345678").name == "Dana Renamed"
    assert len(customers.list_customers(ctx, "acme")) == 301
    assert entities.get_tenant(ctx, "acme").customers == []  # not in the configuration


def test_customer_commands_csv_and_json(ctx, example, tmp_path):
    apply_tenants(ctx, load_site(str(example)).tenants)
    env = {"CCCTL_DB": ctx.settings.db, "CCCTL_FS_DEPLOY": "off"}
    run = CliRunner().invoke
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("number,name,tier\n+861001,Li Lei,gold\n+861002,Han Meimei,\n", encoding="utf-8")
    r = run(cli, ["customer", "import", "huaxia", "-f", str(csv_file), "--json"], env=env)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"tenant": "huaxia", "added": 2, "changed": 0, "unchanged": 0}
    r = run(cli, ["customer", "show", "huaxia", "+861001", "--json"], env=env)
    assert json.loads(r.stdout) == {"number": "+861001", "name": "Li Lei", "fields": {"tier": "gold"}}
    assert run(cli, ["customer", "add", "huaxia", "+861003", "Wang", "tier=silver"], env=env).exit_code == 0
    assert run(cli, ["customer", "add", "huaxia", "+861003", "Wang"], env=env).exit_code == 4
    out = tmp_path / "c.json"
    assert run(cli, ["customer", "export", "huaxia", "-o", str(out)], env=env).exit_code == 0
    # the example site's own customer of huaxia is there too: apply added it
    assert [c["number"] for c in json.loads(out.read_text())] == ["+861001", "+861002", "+861003", "13800138000"]
    assert run(cli, ["customer", "remove", "huaxia", "+861002"], env=env).exit_code == 0
    assert run(cli, ["customer", "remove", "huaxia", "+861002"], env=env).exit_code == 3
    again = run(cli, ["customer", "import", "huaxia", "-f", str(out), "--json"], env=env)
    assert json.loads(again.stdout) == {"tenant": "huaxia", "added": 1, "changed": 0, "unchanged": 3}
    bad = tmp_path / "bad.csv"
    bad.write_text("phone,who\n1,x\n")
    r = run(cli, ["customer", "import", "huaxia", "-f", str(bad)], env=env)
    assert r.exit_code == 1 and "needs a header with number and name" in r.stderr
