"""A DID's call runs its target in `public` (no transfer): its call row reads the route the
same as when the call was transferred there (ccctl_entry stands for the first hop)."""

from __future__ import annotations

from ccctl.daemon.assemble import Directory, call_row

CALL = {
    "direction": "inbound",
    "ccctl_tenant": "acme",
    "ccctl_direction": "inbound",
    "ccctl_did": "4001",
    "uuid": "u1",
    "caller_id_number": "5550100",
    "start_epoch": "1000",
    "start_uepoch": "1000200000",
    "end_uepoch": "1090000000",
    "cc_queue_joined_epoch": "1012",
    "cc_queue_answered_epoch": "1020",
    "cc_cause": "answered",
    "cc_agent": "1001@acme.cc.local",
    "bridge_uepoch": "1020000000",
    "ccctl_queue": "sales",
    "ccctl_ivr_digits": "1",
    "sip_hangup_disposition": "send_bye",
}


def _row(**v):
    return call_row({**CALL, **v}, None, Directory(), "local", "events")


def test_ivr_then_queue_entered_inline_reads_as_when_transferred():
    transferred = _row(
        transfer_history="ARRAY::1000:x:bl_xfer:cc-ivr-main/acme/XML|:1012:x:bl_xfer:cc-queue-sales/acme/XML"
    )
    inline = _row(ccctl_entry="cc-ivr-main", transfer_history="1012:x:bl_xfer:cc-queue-sales/acme/XML")
    assert transferred["ivr_path"] == "main" and transferred["queue"] == "sales"
    assert transferred["ivr_left_at"] == 1012.0
    assert inline == transferred


def test_queue_entered_inline_reads_as_when_transferred():
    transferred = _row(transfer_history="1000:x:bl_xfer:cc-queue-sales/acme/XML")
    inline = _row(ccctl_entry="cc-queue-sales")
    assert transferred["queue"] == "sales" and transferred["disposition"] == "answered"
    assert inline == transferred
    # An IVR that ended the call (hung up in the menu) is still the call's last step.
    assert (
        _row(ccctl_entry="cc-ivr-main", cc_cause="", cc_queue_answered_epoch="", ccctl_queue="")["ivr_path"] == "main"
    )


def test_a_call_refused_over_the_cap_entered_nothing():
    """The cap is taken after the DID's variables (ccctl_entry among them) are set: a call
    it refuses went to cc-over-cap, never to its target."""
    v = {k: x for k, x in CALL.items() if not k.startswith(("cc_", "ccctl_queue", "ccctl_ivr", "bridge"))}
    v.update(ccctl_entry="cc-queue-sales", transfer_history="1000:x:bl_xfer:cc-over-cap/acme/XML")
    refused = call_row(v, None, Directory(), "local", "events")
    assert refused["queue"] is None and refused["ivr_path"] is None
