"""The span context a tenant's voice-card span delivers into, run by a real FreeSWITCH without
a card: the tree rendered with two spans (span 2 carrying acme's tdm trunk) is loaded, and a
loopback call placed into acme's span context stands in for a call arriving on that span (what
mod_freetdm does with a span's call is to run the span's context at the dialled number). Its
own DID is answered as from `public`; another tenant's DID is refused, though `public`
(where the carrier's span lands) reaches it."""

from __future__ import annotations

import time

import pytest

from ccctl import app
from ccctl.config import spec as s
from ccctl.config.write import apply_tenants
from ccctl.hardware.spec import Hardware
from ccctl.testing.box import fs_settings, start_box

HW = Hardware.model_validate(
    {
        "cards": [
            {
                "name": "loop",
                "profile": "dynamic-loc",
                "spans": [
                    {"span": 1, "type": "e1", "signalling": "pri_net", "clock": 0, "group": 9},
                    {"span": 2, "type": "e1", "signalling": "pri_cpe", "clock": 1, "group": 2},
                ],
            }
        ]
    }
)
ACME_DID, BETA_DID = "4930555200", "4930777000"


@pytest.fixture(scope="module")
def box(fs_install, tmp_path_factory):
    root = tmp_path_factory.mktemp("spanctx")
    tenants = [
        s.Tenant(
            name="acme",
            numbers=[s.Number(number=ACME_DID, target="echo")],
            trunks=[s.Trunk(name="pri", type="tdm", span_group=2)],
        ),
        s.Tenant(name="beta", numbers=[s.Number(number=BETA_DID, target="echo")]),
    ]
    apply_tenants(app.open(fs_settings(root), deploy=False), tenants, hardware=HW)
    b = start_box(fs_install, root)
    yield b
    b.fs.stop()


def call(box, did: str, context: str) -> str:
    return box.api(
        f"originate {{origination_caller_id_number=4930111222}}loopback/{did}/{context} &park()", check=False
    )


def test_rendered_span_context_loaded(box):
    conf = box.fs.dirs["conf"]
    assert "tdm.acme" in (conf / "autoload_configs" / "freetdm.conf.xml").read_text()
    assert (conf / "dialplan" / "01-tdm-acme.xml").is_file()


def test_own_did_over_the_tenant_span_is_answered_as_from_public(box):
    r = call(box, ACME_DID, "tdm.acme")
    assert r.startswith("+OK "), r + box.fs.log_tail()
    try:
        # The leg that ran the span context (loopback's b leg) answered in the DID's target,
        # set up as the tenant's by the DID's extension, as in public.
        b = box.api(f"uuid_getvar {r.split()[1]} other_loopback_leg_uuid").strip()
        assert box.api(f"uuid_getvar {b} current_application").strip() == "echo", box.fs.log_tail()
        assert box.api(f"uuid_getvar {b} ccctl_tenant").strip() == "acme"
        assert box.api(f"uuid_getvar {b} ccctl_did").strip() == ACME_DID
        assert "in context tdm.acme" in box.fs.log_text()
    finally:
        box.api("hupall NORMAL_CLEARING", check=False)


def test_other_tenant_did_over_the_tenant_span_is_unallocated(box):
    # Control: the carrier's side (public) reaches beta's number.
    r = call(box, BETA_DID, "public")
    assert r.startswith("+OK "), r + box.fs.log_tail()
    box.api("hupall NORMAL_CLEARING", check=False)
    r = call(box, BETA_DID, "tdm.acme")
    assert r.strip() == "-ERR UNALLOCATED_NUMBER", r
    assert f"Processing  <4930111222>->{BETA_DID} in context tdm.acme" in box.fs.log_text()


def test_tdm_trunk_leg_exports_its_span_to_the_caller(box):
    """A seat's call out over acme's tdm trunk asks for the leg's span and channel back
    (bridge_export_vars on the FreeTDM leg): the bridge gets the escaped list whole, and
    FreeSWITCH copies the variables it names from the bridged leg to the caller's channel.
    No card here: a loopback leg stands in for the FreeTDM one, carrying the variables
    mod_freetdm sets on an outgoing channel."""
    from ccctl.render import names

    # The rendered external route hands the per-leg variables to bridge unchanged (here
    # FreeTDM has no spans, so the bridge fails; the log shows what it was given).
    call(box, "04930999000", "acme")
    assert f"bridge({names.TDM_EXPORT}freetdm/grp2/a/4930999000)" in box.fs.log_text(), box.fs.log_tail()
    leg = names.TDM_EXPORT[:-1] + ",freetdm_span_name=loop-s2,freetdm_chan_number=7]"
    r = box.api(f"originate loopback/{ACME_DID}/tdm.acme &bridge({leg}loopback/{ACME_DID}/tdm.acme)", check=False)
    assert r.startswith("+OK "), r
    try:
        a = r.split()[1]
        deadline = time.monotonic() + 10  # the bridge is up once the answer has crossed it
        while box.api(f"uuid_getvar {a} freetdm_span_name").strip() != "loop-s2" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert box.api(f"uuid_getvar {a} freetdm_span_name").strip() == "loop-s2"
        assert box.api(f"uuid_getvar {a} freetdm_chan_number").strip() == "7"
    finally:
        box.api("hupall NORMAL_CLEARING", check=False)
