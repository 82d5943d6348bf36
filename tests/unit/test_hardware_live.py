"""The running spans, without a kernel: `hardware status` parsing DAHDI's /proc files and
FreeTDM's `ftdm list`; `hardware apply` bringing spans up through a fake System (commands,
control device, Event Socket) and rolling everything back when dahdi_cfg or FreeTDM refuses;
bad input refused with one line and nothing applied. The booted image tier runs the same
code against the real DAHDI and mod_freetdm (tests/image/test_booted_tdm.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccctl import app as ccapp
from ccctl.cli.main import app
from ccctl.config.load import load_site
from ccctl.errors import InvalidInput
from ccctl.hardware import api, live, render, status
from ccctl.settings import Settings
from tests.unit.test_hardware_detect import pci

# /proc/dahdi/2 of two dynamic local spans, the first taken down (DAHDI 2.11's format).
PROC_RED = "".join(
    [
        "Span 2: DYN/loc/1:1 \"Dynamic 'loc' span at '1:1'\" HDB3/CCS/CRC4 RED \n\n",
        "\t  32 DYN/loc/1:1/1 Clear (In use) (EC: MG2 - INACTIVE) \n",
        "\t  33 DYN/loc/1:1/2 Clear (In use) (EC: MG2 - INACTIVE) \n",
        "\t  47 DYN/loc/1:1/16 HDLCFCS (In use) \n",
        "\t  48 DYN/loc/1:1/17 Clear \n",
    ]
)
PROC_OK = "Span 1: DYN/loc/1:0 \"Dynamic 'loc' span at '1:0'\" (MASTER) HDB3/CCS/CRC4 ClockSource \n\n\t   1 DYN/loc/1:0/1 Clear (In use) \n"


def _ftdm(span: int, name: str, physical: str, sig: str) -> str:
    return (
        f"+OK\nspan: {span} ({name})\ntype: isdn\nphysical_status: {physical}\nsignaling_status: {sig}\n"
        "chan_count: 31\ndialplan: XML\ncontext: public\ndial_regex: \nfail_dial_regex: \nhold_music: \n"
        "analog_options: none\n"
    )


FTDM_LIST = _ftdm(1, "loop-s1", "ok", "UP") + _ftdm(2, "loop-s2", "alarmed", "DOWN")


def _dump_chan(chan: int, state: str, session: str) -> str:
    """One channel of `ftdm dump SPAN` (mod_freetdm.c dump_chan), the fields that matter here."""
    return (
        f"span_id: 2\nchan_id: {chan}\nphysical_span_id: 2\nphysical_chan_id: {chan}\nphysical_status: ok\n"
        f"signaling_status: UP\ntype: B\nstate: {state}\nlast_state: DOWN\ncid_num: 4930111222\n"
        f"dnis: 4930555200\ncause: NORMAL_CLEARING\nsession: {session}\n\n"
    )


# Two calls up, one idle channel, one whose session has gone (not a call any more).
DUMP = "+OK\n" + "".join(
    [
        _dump_chan(1, "UP", "5a1e8c2e-4b1f-4c39-9e53-0c1d2e3f4a5b"),
        _dump_chan(2, "RING", "6b2f9d3f-5c20-4d4a-af64-1d2e3f4a5b6c"),
        _dump_chan(3, "DOWN", "(none)"),
        _dump_chan(4, "HANGUP", "7c30ae40-6d31-4e5b-b075-2e3f4a5b6c7d (dead)"),
    ]
)
LOOP = {
    "hardware": {
        "cards": [
            {
                "name": "loop",
                "profile": "dynamic-loc",
                "spans": [
                    {"span": 1, "type": "e1", "signalling": "pri_net", "clock": 0, "group": 9},
                    {"span": 2, "type": "e1", "signalling": "pri_cpe", "clock": 1, "group": 1},
                ],
            }
        ]
    }
}


def test_proc_dahdi_span_parsed():
    red = status.parse_proc_span(PROC_RED)
    assert (red.number, red.name, red.master, red.alarms, red.channels, red.opened) == (
        2,
        "DYN/loc/1:1",
        False,
        ["RED"],
        4,
        3,
    )
    ok = status.parse_proc_span(PROC_OK)
    assert ok.master and ok.alarms == [] and ok.lineconfig == "HDB3/CCS/CRC4"
    assert status.parse_proc_span("") is None


def test_ftdm_list_and_calls_parsed():
    spans = status.parse_ftdm_list(FTDM_LIST)
    assert spans["loop-s1"].signalling == "UP" and spans["loop-s1"].id == 1 and spans["loop-s1"].channels == 31
    assert spans["loop-s2"].physical == "alarmed" and spans["loop-s2"].signalling == "DOWN"
    assert status.parse_ftdm_list("-ERR ftdm Command not found!\n") == {}
    assert status.calls_in_dump(DUMP) == 2
    assert status.calls_in_dump("-ERR invalid span\n") == 0


def test_status_rows_combine_dahdi_and_freetdm():
    hw = load_site_dict(LOOP)
    dahdi = {1: status.parse_proc_span(PROC_OK), 2: status.parse_proc_span(PROC_RED)}
    trunks = {1: [("acme", "e1"), ("zeta", "pri")], 9: [("carrier", "net")]}
    rows = status.combine(hw, dahdi, status.parse_ftdm_list(FTDM_LIST), {"loop-s2": 1}, trunks)
    assert [(r.name, r.dahdi, r.freetdm, r.in_use, r.group) for r in rows] == [
        ("loop-s1", "ok", "up", 0, 9),
        ("loop-s2", "RED", "down", 1, 1),
    ]
    # Span 2 is group 1's only span: its trunks are down; group 9's span is in service.
    assert [(r.trunks, r.trunks_down) for r in rows] == [
        (["carrier/net"], []),
        (["acme/e1", "zeta/pri"], ["acme/e1", "zeta/pri"]),
    ]
    gone = status.combine(hw, {}, None, {})
    assert [(r.dahdi, r.freetdm) for r in gone] == [("absent", "not loaded")] * 2


def load_site_dict(data: dict, tmp: Path | None = None):
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "hw.yaml"
        f.write_text(json.dumps(data))
        return load_site(str(f)).hardware


def test_dynamic_spans_render_through_the_card_code():
    hw = load_site_dict(LOOP)
    conf = render.system_conf(hw)
    assert "span=1,0,0,ccs,hdb3,crc4\nbchan=1-15,17-31\ndchan=16" in conf and "dynamic=" not in conf
    assert render.dynamic_spans_conf(hw).splitlines()[1:] == ["dynamic=loc,1:0,31,0", "dynamic=loc,1:1,31,0"]
    assigned = render.assigned_spans_conf(hw).splitlines()[1:]
    assert [ln.split() for ln in assigned] == [["DYN/loc/1:0", "1:1:1"], ["DYN/loc/1:1", "1:2:32"]]
    assert render.modules(hw) == ["dahdi", "dahdi_dynamic", "dahdi_dynamic_loc", "dahdi_echocan_mg2"]
    assert "[span zt loop-s2]" in render.freetdm_conf(hw)


class FakeEsl:
    def __init__(self, listed: str, loaded: bool = False, mod_dir: Path | None = None):
        self.listed, self.loaded, self.mod_dir, self.sent = listed, loaded, mod_dir, []

    def api(self, cmd, check=True):
        self.sent.append(cmd)
        if cmd == "module_exists mod_freetdm":
            return "true" if self.loaded else "false"
        if cmd == "global_getvar mod_dir":
            return f"{self.mod_dir}\n"
        if cmd == "ftdm list":
            return self.listed
        return "+OK"

    def close(self):
        pass


@pytest.fixture
def box(tmp_path):
    settings = Settings(
        db=str(tmp_path / "db.sqlite"),
        fs_conf_dir=tmp_path / "conf",
        fs_sounds_dir=tmp_path / "sounds",
        esl_port=1,
        dahdi_dir=tmp_path / "dahdi",
        modules_load_dir=tmp_path / "modules-load.d",
        sysfs_root=tmp_path / "sys",
    )
    services = ccapp.open(settings, deploy=False)
    ctl = tmp_path / "ctl"
    ctl.write_text("")
    ran = []
    fail = {}

    def run(cmd):
        ran.append(" ".join(cmd))
        for word, (code, text) in fail.items():
            if word in " ".join(cmd):
                return code, text
        return 0, ""

    def system(esl=None):
        return live.System.of(settings, run=run, ctl=ctl, esl=lambda _s: esl)

    return services, system, ran, fail, tmp_path


def test_apply_brings_the_spans_up(box):
    services, system, ran, _fail, tmp = box
    esl = FakeEsl(FTDM_LIST)
    done = live.apply(services, load_site_dict(LOOP), tmp / "dahdi", system(esl))
    assert ran == [
        "modprobe dahdi",
        "modprobe dahdi_dynamic",
        "modprobe dahdi_dynamic_loc",
        "modprobe dahdi_echocan_mg2",
        f"dahdi_cfg -c {tmp / 'dahdi' / 'dynamic-spans.conf'}",
        "dahdi_span_assignments add",
        "dahdi_waitfor_span_assignments assigned",
        f"dahdi_cfg -c {tmp / 'dahdi' / 'system.conf'}",
    ]
    assert esl.sent == ["module_exists mod_freetdm", "load mod_freetdm", "ftdm list"]
    assert "dynamic=loc,1:1,31,0" in (tmp / "dahdi" / "dynamic-spans.conf").read_text()
    assert "dahdi_dynamic_loc" in (tmp / "modules-load.d" / "ccctl-dahdi.conf").read_text()
    assert [c.name for c in api.get_hardware(services).cards] == ["loop"]
    assert len(done.written) == 5
    # again, with mod_freetdm loaded: it lets go of the channels before dahdi_cfg runs
    esl2 = FakeEsl(FTDM_LIST, loaded=True)
    live.apply(services, load_site_dict(LOOP), tmp / "dahdi", system(esl2))
    assert esl2.sent == ["module_exists mod_freetdm", "unload mod_freetdm", "load mod_freetdm", "ftdm list"]


R2_LOOP = {
    "hardware": {
        "cards": [
            {
                "name": "loop",
                "profile": "dynamic-loc",
                "spans": [
                    {"span": 1, "type": "e1", "signalling": "r2", "framing": "cas", "clock": 0, "group": 9},
                    {"span": 2, "type": "e1", "signalling": "r2", "framing": "cas", "clock": 1, "group": 1},
                ],
            }
        ]
    }
}


def test_r2_refused_where_the_engine_has_no_ftmod_r2(box):
    """Debian 12's openr2 cannot build FreeTDM's ftmod_r2: R2 spans on such an engine are refused
    before anything is stored or run, naming the span and the missing module; with the module
    present the same spans go ahead."""
    services, system, ran, _fail, tmp = box
    mod_dir = tmp / "mod"
    mod_dir.mkdir()
    esl = FakeEsl(FTDM_LIST, mod_dir=mod_dir)
    with pytest.raises(InvalidInput) as exc:
        live.apply(services, load_site_dict(R2_LOOP), tmp / "dahdi", system(esl))
    assert str(exc.value) == (
        f"loop span 1: R2 signalling needs FreeTDM's ftmod_r2, which this engine does not have "
        f"({mod_dir}/ftmod_r2.so); nothing applied"
    )
    assert ran == [] and api.get_hardware(services).cards == []
    assert not (tmp / "dahdi" / "system.conf").exists()
    (mod_dir / "ftmod_r2.so").write_bytes(b"")
    live.apply(services, load_site_dict(R2_LOOP), tmp / "dahdi", system(FakeEsl(FTDM_LIST, mod_dir=mod_dir)))
    assert [c.name for c in api.get_hardware(services).cards] == ["loop"]


@pytest.mark.parametrize(
    "refusal, line",
    [
        ("dahdi_cfg", "dahdi_cfg refused the spans: DAHDI_SPANCONFIG failed on span 2: Invalid argument (22)"),
        ("freetdm", "FreeTDM did not start span loop-s2 (see freeswitch.log)"),
    ],
)
def test_a_refused_span_rolls_everything_back(box, refusal, line):
    services, system, ran, fail, tmp = box
    first = {
        "hardware": {"cards": [{**LOOP["hardware"]["cards"][0], "spans": LOOP["hardware"]["cards"][0]["spans"][:1]}]}
    }
    one_span = FTDM_LIST.split("+OK\nspan: 2")[0]
    live.apply(services, load_site_dict(first), tmp / "dahdi", system(FakeEsl(one_span)))
    before = (tmp / "dahdi" / "system.conf").read_text()
    ran.clear()
    if refusal == "dahdi_cfg":
        # refused for the new file only: the old one is accepted again
        fail["dahdi_cfg"] = (1, "DAHDI_SPANCONFIG failed on span 2: Invalid argument (22)")
        orig = system

        def system(esl=None):  # noqa: F811
            s = orig(esl)
            base = s.run

            def run(cmd):
                if cmd[0] == "dahdi_cfg" and (
                    cmd[-1].endswith("dynamic-spans.conf") or "span=2" not in Path(cmd[-1]).read_text()
                ):
                    return 0, ""
                return base(cmd)

            s.run = run
            return s

    esl = FakeEsl(one_span, loaded=True)
    with pytest.raises(InvalidInput) as exc:
        live.apply(services, load_site_dict(LOOP), tmp / "dahdi", system(esl))
    assert str(exc.value) == f"{line}; nothing changed (the previous spans are back)"
    assert (tmp / "dahdi" / "system.conf").read_text() == before
    assert [len(c.spans) for c in api.get_hardware(services).cards] == [1]
    # dahdi_cfg ran again on the restored file
    assert [r for r in ran if r.startswith("dahdi_cfg")][-1].endswith("system.conf")


def test_without_dahdi_loaded_files_are_written_and_nothing_started(box):
    services, system, ran, _fail, tmp = box
    s = system(None)
    s.ctl = tmp / "no-ctl"
    done = live.apply(services, load_site_dict(LOOP), tmp / "dahdi", s)
    assert ran == [] and (tmp / "dahdi" / "system.conf").is_file()
    assert any("DAHDI is not loaded here" in n for n in done.notes)


# --- bad input through the CLI: one line, non-zero, nothing applied --------------------------------


@pytest.fixture
def cli(tmp_path):
    sys_ = tmp_path / "sys"
    pci(sys_, "0000:05:00.0", "d161", "1220", "0005", cls="0x020000", driver="wct4xxp")
    pci(sys_, "0000:06:00.0", "d161", "1820", cls="0x020000", driver="wct4xxp")  # te820: firmware missing
    pci(sys_, "0000:07:00.0", "d161", "8005")  # tdm410
    env = {
        "CCCTL_DB": str(tmp_path / "cli.db"),
        "CCCTL_FS_CONF_DIR": str(tmp_path / "conf"),
        "CCCTL_FS_SOUNDS_DIR": str(tmp_path / "sounds"),
        "CCCTL_ESL_PORT": "1",
        "CCCTL_DAHDI_DIR": str(tmp_path / "etc-dahdi"),
        "CCCTL_MODULES_LOAD_DIR": str(tmp_path / "modules-load.d"),
        "CCCTL_SYSFS_ROOT": str(sys_),
        "CCCTL_PROC_DAHDI": str(tmp_path / "proc-dahdi"),
    }
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, list(args), env=env)

    run.tmp = tmp_path
    return run


def _site(tmp_path: Path, cards: list[dict], tenants: list | None = None) -> str:
    f = tmp_path / "hw.yaml"
    f.write_text(json.dumps({"hardware": {"cards": cards}, **({"tenants": tenants} if tenants else {})}))
    return str(f)


E1 = {"type": "e1", "signalling": "pri_cpe"}


@pytest.mark.parametrize(
    "cards, line",
    [
        (
            [
                {
                    "name": "gone",
                    "profile": "te220",
                    "location": "0000:0a:00.0",
                    "spans": [{**E1, "span": 1, "group": 1}],
                }
            ],
            "card gone span 1: no card at 0000:0a:00.0 on this box (see ccctl hardware detect)",
        ),
        (
            [{"name": "big", "profile": "te820", "location": "0000:06:00.0", "spans": [{**E1, "span": 1, "group": 1}]}],
            "card big: firmware dahdi-fw-te820.bin is missing (see ccctl hardware detect)",
        ),
        (
            [
                {
                    "name": "a",
                    "profile": "tdm410",
                    "location": "0000:07:00.0",
                    "ports": [{"port": 1, "type": "fxs", "signalling": "pri_cpe", "group": 2}],
                }
            ],
            "card a port 1: PRI needs a digital E1/T1 span; port 1 is an FXS port (use loop_start or kewl_start)",
        ),
        (
            [
                {
                    "name": "e1",
                    "profile": "te220",
                    "location": "0000:05:00.0",
                    "spans": [{**E1, "span": 1, "group": 1, "clock": 1}, {**E1, "span": 2, "group": 2, "clock": 1}],
                }
            ],
            "card e1 span 2: clock priority 1 is already card e1 span 1's: two spans as master make a clock "
            "source loop (give one priority 2, or 0 for never)",
        ),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_applied(cli, cards, line):
    r = cli("hardware", "apply", "-f", _site(cli.tmp, cards))
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(line), lines
    assert json.loads(cli("hardware", "list", "--configured", "--json").stdout) == []
    assert not (cli.tmp / "etc-dahdi").exists() and not (cli.tmp / "modules-load.d").exists()


def test_two_tenants_on_one_span_is_refused(cli):
    cards = [{"name": "e1", "profile": "te220", "location": "0000:05:00.0", "spans": [{**E1, "span": 1, "group": 1}]}]
    tenants = [{"name": t, "trunks": [{"name": "pri", "type": "tdm", "span_group": 1}]} for t in ("acme", "globex")]
    r = cli("apply", "-f", _site(cli.tmp, cards, tenants))
    assert r.exit_code == 1
    assert "card e1 span 1: span group 1 would serve two tenants (acme, globex)" in r.stderr
    assert json.loads(cli("hardware", "list", "--configured", "--json").stdout) == []


def test_status_cli(cli):
    assert cli("hardware", "apply", "-f", _site(cli.tmp, LOOP["hardware"]["cards"])).exit_code == 0
    proc = cli.tmp / "proc-dahdi"
    proc.mkdir()
    (proc / "1").write_text(PROC_OK)
    (proc / "2").write_text(PROC_RED)
    rows = json.loads(cli("hardware", "status", "--json").stdout)
    assert [(r["name"], r["dahdi"], r["freetdm"], r["channels"]) for r in rows] == [
        ("loop-s1", "ok", "not loaded", 1),
        ("loop-s2", "RED", "not loaded", 4),
    ]
    table = cli("hardware", "status").stdout
    assert "loop-s2" in table and "RED" in table


def test_ccctl_status_counts_the_spans_up(cli):
    assert cli("hardware", "apply", "-f", _site(cli.tmp, LOOP["hardware"]["cards"])).exit_code == 0
    proc = cli.tmp / "proc-dahdi"
    proc.mkdir()
    (proc / "2").write_text(PROC_RED)
    r = cli("status")
    assert "voice-card spans: 0 of 2 up (loop-s1 absent, loop-s2 RED)" in r.stdout, r.output
    data = json.loads(cli("status", "--json").stdout)
    assert [s["dahdi"] for s in data["spans"]] == ["absent", "RED"]


class StatusEsl(FakeEsl):
    """FreeTDM answering `ftdm dump SPAN` too: two calls on loop-s2, none on loop-s1."""

    def api(self, cmd, check=True):
        if cmd.startswith("ftdm dump "):
            self.sent.append(cmd)
            return DUMP if cmd == "ftdm dump loop-s2" else "+OK\n" + _dump_chan(1, "DOWN", "(none)")
        return super().api(cmd, check)


def test_status_reads_calls_from_freetdm_and_marks_the_trunk_down(box):
    """`hardware status` counts the calls FreeTDM holds per span (`ftdm dump`), names the
    tenant trunks over each span group, and marks a trunk down when no span of its group is
    in service (span 2 RED: acme's tdm trunk down; its SIP trunk is what the bridge tries next)."""
    from ccctl.config import spec as s
    from ccctl.config.write import apply_tenants

    services, system, _ran, _fail, tmp = box
    hw = load_site_dict(LOOP)
    live.apply(services, hw, tmp / "dahdi", system(FakeEsl(FTDM_LIST)))
    tenant = s.Tenant.model_validate(
        {
            "name": "acme",
            "trunks": [
                {"name": "e1", "type": "tdm", "span_group": 1},
                {"name": "sip", "type": "sip", "host": "127.0.0.1"},
            ],
        }
    )
    apply_tenants(services, [tenant], hardware=hw)
    proc = tmp / "proc"
    proc.mkdir()
    (proc / "1").write_text(PROC_OK)
    (proc / "2").write_text(PROC_RED)
    esl = StatusEsl(FTDM_LIST, loaded=True)
    rows = live.read(services, live.System(proc=proc, modules_load_dir=tmp, sysfs=tmp, esl=lambda _s: esl))
    assert "ftdm dump loop-s1" in esl.sent and "ftdm dump loop-s2" in esl.sent
    assert [(r.name, r.in_use, r.trunks, r.trunks_down) for r in rows] == [
        ("loop-s1", 0, [], []),
        ("loop-s2", 2, ["acme/e1"], ["acme/e1"]),
    ]
