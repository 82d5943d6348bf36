"""A span carrying one tenant's tdm trunk delivers its calls into that tenant's span context
(its own DIDs, by the same extensions as `public`'s, anything else UNALLOCATED_NUMBER); a span
carrying no tenant's trunk (a carrier's side) stays in `public`."""

from __future__ import annotations

import json

from lxml import etree

from ccctl.config.load import load_site
from ccctl.render import names
from ccctl.render.tree import RenderInput, render_tree
from ccctl.settings import Settings

SPANS = [
    # Span 1: the carrier's side (no tenant's trunk dials group 9); span 2: acme's PRI trunk.
    {"span": 1, "type": "e1", "signalling": "pri_net", "clock": 0, "group": 9},
    {"span": 2, "type": "e1", "signalling": "pri_cpe", "clock": 1, "group": 2},
]
R2 = {"variant": "cn", "max_dnis": 10}


def site(tmp_path, spans=SPANS, acme_trunks=({"name": "pri", "type": "tdm", "span_group": 2},)):
    data = {
        "hardware": {"cards": [{"name": "loop", "profile": "dynamic-loc", "spans": list(spans)}]},
        "tenants": [
            {
                "name": "acme",
                "queues": [{"name": "sales"}],
                "numbers": [
                    {"number": "4930555200", "target": "queue:sales"},
                    {"number": "+4930555201", "target": "echo"},
                ],
                "trunks": list(acme_trunks),
            },
            {
                "name": "beta",
                "recording": {"mode": "all"},
                "numbers": [{"number": "4930777000", "target": "echo"}],
                "trunks": [{"name": "line", "type": "tdm", "span_group": 5}],
            },
        ],
    }
    f = tmp_path / "site.yaml"
    f.write_text(json.dumps(data))
    s = load_site(str(f))
    return render_tree(RenderInput(s.tenants, Settings(db=":memory:"), "pw", hardware=s.hardware))


def span_contexts(files) -> dict[str, str]:
    xml = etree.fromstring(files["autoload_configs/freetdm.conf.xml"])
    return {s.get("name"): s.find("param[@name='context']").get("value") for s in xml.iter("span")}


def context(files, path):
    return etree.fromstring(files[path]).find("context")


def test_tenant_span_lands_in_its_own_dids_and_the_carrier_span_in_public(tmp_path):
    files = site(tmp_path)
    assert span_contexts(files) == {"loop-s1": "public", "loop-s2": "tdm.acme"}
    # Only a tenant whose trunk a span carries gets a span context (beta's group 5 has no span).
    assert sorted(p for p in files if p.startswith("dialplan/01-")) == ["dialplan/01-tdm-acme.xml"]
    ctx = context(files, "dialplan/01-tdm-acme.xml")
    assert ctx.get("name") == names.span_context("acme") == "tdm.acme"
    exts = ctx.findall("extension")
    assert [e.get("name") for e in exts] == ["did-+4930555201", "did-4930555200", "unallocated"]
    # Each DID's extension is public's, byte for byte: its own numbers behave as from `public`.
    public = {e.get("name"): e for e in context(files, "dialplan/00-public.xml").findall("extension")}
    for e in exts[:-1]:
        assert etree.tostring(e) == etree.tostring(public[e.get("name")])
    # Beta's number, present in public, is unallocated from acme's span.
    assert "did-4930777000" in public
    assert exts[-1].find("condition").get("expression") == "^.*$"
    assert exts[-1].find("condition/action").attrib == {"application": "hangup", "data": "UNALLOCATED_NUMBER"}
    assert b"beta" not in files["dialplan/01-tdm-acme.xml"]


def test_r2_span_of_a_tenant_lands_in_its_span_context(tmp_path):
    r2 = {"signalling": "r2", "framing": "cas", "crc4": False, "r2": R2}
    spans = [{**SPANS[0], **r2}, {**SPANS[1], **r2}]
    assert span_contexts(site(tmp_path, spans)) == {"loop-s1": "public", "loop-s2": "tdm.acme"}


def test_spans_without_a_tenant_trunk_stay_in_public(tmp_path):
    files = site(tmp_path, acme_trunks=())
    assert span_contexts(files) == {"loop-s1": "public", "loop-s2": "public"}
    assert not [p for p in files if p.startswith("dialplan/01-tdm-")]


def test_a_tenant_with_two_spans_in_its_group_gets_one_context(tmp_path):
    spans = [{**SPANS[0], "group": 2}, SPANS[1]]
    files = site(tmp_path, spans)
    assert span_contexts(files) == {"loop-s1": "tdm.acme", "loop-s2": "tdm.acme"}
    assert [p for p in files if p.startswith("dialplan/01-tdm-")] == ["dialplan/01-tdm-acme.xml"]


def test_span_context_name_cannot_be_a_tenant_context():
    # Tenant names are slugs (no dot): no tenant's own context can be named like a span context.
    assert "." in names.span_context("acme")


def test_channel_in_a_span_context_counts_for_its_tenant():
    from ccctl.config import spec as s

    acme = s.Tenant(name="acme", numbers=[s.Number(number="4930555200", target="echo")])
    beta = s.Tenant(name="beta", numbers=[s.Number(number="4930777000", target="echo")])
    assert names.in_context(acme, {"context": "tdm.acme", "dest": "4930555200"})
    assert not names.in_context(beta, {"context": "tdm.acme", "dest": "4930555200"})
    assert not names.in_context(acme, {"context": "tdm.acme", "dest": "4930777000"})
