"""The agent page in a real browser (Debian's chromium, headless, driven by selenium) against
a real FreeSWITCH, the event daemon and `ccctl web serve` over HTTPS: the agent signs in with
the keyboard, sets ready, a caller whose number is a customer enters the queue, and the page
shows the customer's name while the seat's phone still rings; after the call the disposition
and note chosen on the page are on the call row."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccctl.access import accounts
from ccctl.config import spec as s
from ccctl.config.entities import seat_password
from ccctl.stats.calls import list_calls, parse_time
from ccctl.testing import sip
from ccctl.testing.sip import Agents, Seat, start_call

from .test_daemon import box_and_daemon, check

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [
    pytest.mark.skipif(sip.available() is not None, reason=str(sip.available())),
    pytest.mark.skipif(
        not (CHROMIUM and DRIVER), reason="no chromium / chromium-driver (scripts/system-deps test installs them)"
    ),
]

DOMAIN, DID, CALLER, PW = "acme.cc.local", "4000000009", "4915112345678", "the agent's web password"
WEB_PORT = 18443
RING_S = 4.0
NOTE = "Wants the gold plan; call back Friday."


def tenant() -> s.Tenant:
    return s.Tenant(
        name="acme",
        pause_reasons={"1": "lunch", "2": "training"},
        dispositions={"1": "sold", "2": "callback requested"},
        seats=[s.Seat(extension="1001", name="Alice", skills={"sales": 5})],
        queues=[s.Queue(name="sales", wrapup=0, no_agent=s.NoAgent(timeout=60, target="hangup"))],
        numbers=[s.Number(number=DID, target="queue:sales")],
        customers=[
            s.Customer(number="+" + CALLER, name="Erika Muster", fields={"account": "A-17", "customer_id": "C 9"})
        ],
        crm_url="https://crm.example/find?phone={number}&id={customer_id}",
    )


class WebProcess:
    """`ccctl web serve` as the unit runs it, over HTTPS with a certificate made like first boot's."""

    def __init__(self, settings, root: Path):
        self.log = root / "web.log"
        self.cert = root / "web.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-newkey", "ec"]
            + ["-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", str(root / "k"), "-out", str(root / "c")],
            check=True,
            capture_output=True,
        )
        self.cert.write_text((root / "k").read_text() + (root / "c").read_text())
        env = {
            **os.environ,
            "CCCTL_DB": settings.db,
            "CCCTL_ESL_PORT": str(settings.esl_port),
            "CCCTL_SIP_WSS_PORT": str(settings.sip_wss_port),
            "CCCTL_SPOOL_DIR": str(settings.spool_dir),
            "CCCTL_FS_DEPLOY": "off",
        }
        argv = ["web", "serve", "--host", "127.0.0.1", "--port", str(WEB_PORT), "--cert", str(self.cert)]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from ccctl.cli.main import run; run()", *argv],
            env=env,
            stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60  # Python and FastAPI start slowly on a loaded box
        while True:
            try:
                socket.create_connection(("127.0.0.1", WEB_PORT), 0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError(f"web service did not start:\n{self.text()}") from None
                time.sleep(0.1)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def browser(tmp_path: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not look for a driver online
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--ignore-certificate-errors",  # the box's own certificate, as an agent accepts it once
        "--allow-loopback-in-peer-connection",  # the box is on loopback in the test's namespace
        "--window-size=1200,900",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the page's console, for diagnostics
    return webdriver.Chrome(
        service=Service(executable_path=DRIVER, log_output=str(tmp_path / "chromedriver.log")), options=opts
    )


def test_the_agent_page_pops_the_customer_while_the_phone_rings(fs_install, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    with box_and_daemon(fs_install, tmp_path, tenant()) as (ctx, box, daemon):
        daemon.start()
        accounts.add_user(ctx, f"1001@{DOMAIN}", "agent", password=PW)
        web = WebProcess(ctx.settings, tmp_path)
        driver = None
        try:
            driver = browser(tmp_path)
            wait = WebDriverWait(driver, 20)
            seat = Seat(
                "1001", DOMAIN, seat_password(box.services, "acme", "1001"), talk_ms=3000, ring_ms=int(RING_S * 1000)
            )
            with Agents(box, tmp_path / "seats", [seat]) as agents:
                box.api("callcenter_config agent set status 1001@acme.cc.local 'Logged Out'")
                diag = [agents.diagnostics, daemon.text, web.text, lambda: box.fs.log_tail(60)]
                driver.get(f"https://127.0.0.1:{WEB_PORT}/agent/")
                # Keyboard only: type the login, tab to the password, Enter submits.
                login = wait.until(ec.visibility_of_element_located((By.ID, "login")))
                login.send_keys(f"1001@{DOMAIN}", Keys.TAB, PW, Keys.ENTER)
                wait.until(ec.visibility_of_element_located((By.ID, "desk-view")))
                wait.until(lambda d: d.find_element(By.ID, "status").text == "Logged Out")
                # The page puts the focus on Ready: Enter sets the seat ready in mod_callcenter.
                wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "ready")
                driver.switch_to.active_element.send_keys(Keys.ENTER)
                wait.until(lambda d: d.find_element(By.ID, "status").text == "Available")
                check(
                    box.api("callcenter_config agent get status 1001@acme.cc.local").strip() == "Available",
                    "Ready on the page did not reach mod_callcenter",
                    *diag,
                )
                time.sleep(0.5)  # the event stream is open (it opened with the desk)

                caller = start_call(tmp_path / "caller", DID, wait_ms=500, talk_ms=20000, caller_number=CALLER)
                wait.until(lambda d: d.find_element(By.ID, "pop-customer-name").text == "Erika Muster")
                shown_at = float(driver.find_element(By.ID, "pop").get_attribute("data-shown-at"))
                assert driver.find_element(By.ID, "pop-caller").text.startswith(CALLER)
                assert driver.find_element(By.ID, "pop-queue").text == "sales"
                assert "account: A-17" in driver.find_element(By.ID, "pop-customer-fields").text
                crm = driver.find_element(By.ID, "pop-crm")
                assert crm.is_displayed() and crm.get_attribute("href") == (
                    f"https://crm.example/find?phone={CALLER}&id=C%209"
                ), crm.get_attribute("href")
                still_ringing = agents["1001"].calls == []

                # The seat answers after RING_S and hangs up 3 s later: the wrap-up opens, focused.
                wait_end = WebDriverWait(driver, 40)
                try:
                    wait_end.until(ec.visibility_of_element_located((By.ID, "wrapup")))
                except Exception:
                    states = {i: driver.find_element(By.ID, i).text for i in ("pop-state", "phone-state", "status")}
                    check(False, f"no wrap-up: {states}", *diag)
                assert driver.switch_to.active_element.get_attribute("id") == "disposition"
                Select(driver.find_element(By.ID, "disposition")).select_by_value("1")
                driver.switch_to.active_element.send_keys(Keys.TAB, NOTE)
                driver.find_element(By.ID, "note").send_keys(Keys.TAB, Keys.ENTER)  # to Save, and press it
                wait.until(lambda d: d.find_element(By.ID, "wrapup-done").text == "Saved: sold")
                result = caller.wait()
                check(result.ok, f"caller: {result}", result.diagnostics, *diag)

                deadline = time.monotonic() + 20
                while True:
                    rows = list_calls(ctx.engine, tenant="acme")
                    if rows and rows[-1]["wrapup_code"] == "1" or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
        finally:
            if driver is not None:
                driver.quit()
            web.stop()

    check(len(rows) == 1, f"{len(rows)} rows: {rows}", daemon.text)
    row = rows[0]
    assert row["disposition"] == "answered" and row["agent"] == "1001" and row["caller_number"] == CALLER, row
    assert (row["wrapup_code"], row["wrapup_note"]) == ("1", NOTE), row
    offered, answered = parse_time(row["offered_at"], "t"), parse_time(row["answered_at"], "t")
    assert still_ringing, "the seat had answered before the page showed the customer"
    assert offered <= shown_at < answered, (offered, shown_at, answered)
    print(f"\noffer-to-pop latency: {(shown_at - offered) * 1000:.0f} ms (ring {RING_S} s)")


def test_the_supervisor_page_shows_the_call_and_listens_from_it(fs_install, tmp_path):
    """A supervisor limited to sales signs in to the supervisor page, sees the agent on the
    caller's call on the live board, and Listen (keyboard) rings the supervisor's own phone."""
    from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from ccctl.supervision import audit
    from ccctl.supervision.agents import set_status

    t = tenant()
    t = t.model_copy(update={"seats": [*t.seats, s.Seat(extension="1009", name="Lead", supervisor=True)]})
    with box_and_daemon(fs_install, tmp_path, t) as (ctx, box, daemon):
        daemon.start()
        accounts.add_user(ctx, "lead", "supervisor", tenant="acme", queues=["sales"], password=PW)
        web = WebProcess(ctx.settings, tmp_path)
        driver = None
        try:
            driver = browser(tmp_path)
            wait = WebDriverWait(driver, 30)
            seats = [
                Seat("1001", DOMAIN, seat_password(box.services, "acme", "1001"), talk_ms=20000, ring_ms=300),
                Seat("1009", DOMAIN, seat_password(box.services, "acme", "1009"), talk_ms=4000),
            ]
            with Agents(box, tmp_path / "seats", seats) as agents:
                diag = [agents.diagnostics, daemon.text, web.text, lambda: box.fs.log_tail(60)]
                set_status(box.services, "acme", "1001", "ready")
                driver.get(f"https://127.0.0.1:{WEB_PORT}/supervisor/")
                wait.until(ec.visibility_of_element_located((By.ID, "login"))).send_keys(
                    "lead", Keys.TAB, PW, Keys.ENTER
                )
                wait.until(ec.visibility_of_element_located((By.ID, "board-view")))
                wait.until(lambda d: "sales" in d.find_element(By.ID, "queues").text)
                caller = start_call(tmp_path / "caller", DID, wait_ms=500, talk_ms=25000, caller_number=CALLER)
                wait.until(lambda d: CALLER in d.find_element(By.ID, "agents").text)
                # Keyboard only: Tab from the phone field lands on the first agent's Listen, and
                # the focus stays there across the board's redraws (one a second).
                driver.find_element(By.ID, "my-phone").send_keys("1009", Keys.TAB)
                key = lambda d: d.switch_to.active_element.get_attribute("data-key")  # noqa: E731
                assert key(driver) == "1001:listen", key(driver)
                time.sleep(2.5)
                assert key(driver) == "1001:listen", "a redraw lost the keyboard focus"

                def press(d):
                    try:
                        d.switch_to.active_element.send_keys(Keys.ENTER)
                        return True
                    except (StaleElementReferenceException, ElementNotInteractableException):
                        return False  # redrawn between find and press: again (the focus is kept)

                wait.until(press)
                deadline = time.monotonic() + 15
                while not agents["1009"].calls and time.monotonic() < deadline:
                    time.sleep(0.2)
                check(agents["1009"].calls != [], "the supervisor's phone was not rung", *diag)
                assert driver.find_element(By.ID, "board-error").text == ""
                caller.wait()
        finally:
            if driver is not None:
                driver.quit()
            web.stop()
        rows = audit.entries(ctx, tenant="acme")
    assert any(r.action == "monitor.listen" and r.result == "ok" and r.actor == "web:lead" for r in rows), rows


def test_the_webrtc_phone_answers_the_queue_call(fs_install, tmp_path):
    """No desk phone: the page's own phone registers over WSS (SIP.js), rings with the pop, is
    answered with the keyboard, and FreeSWITCH counts RTP both ways on the agent's leg."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    vendor = Path(__file__).resolve().parents[2] / "ccctl/web/static/vendor/sip.js/VERSION"
    if not vendor.exists():
        pytest.skip("the SIP library is not vendored yet: run scripts/vendor-js (make install does)")
    with box_and_daemon(fs_install, tmp_path, tenant()) as (ctx, box, daemon):
        daemon.start()
        accounts.add_user(ctx, f"1001@{DOMAIN}", "agent", password=PW)
        web = WebProcess(ctx.settings, tmp_path)
        driver = None
        try:
            driver = browser(tmp_path)
            wait = WebDriverWait(driver, 30)
            diag = [
                daemon.text,
                web.text,
                lambda: box.fs.log_tail(80),
                lambda: "\n".join(str(m) for m in driver.get_log("browser")),
            ]
            driver.get(f"https://127.0.0.1:{WEB_PORT}/agent/")
            wait.until(ec.visibility_of_element_located((By.ID, "login"))).send_keys(
                f"1001@{DOMAIN}", Keys.TAB, PW, Keys.ENTER
            )
            try:
                wait.until(lambda d: d.find_element(By.ID, "phone-state").text == "registered")
            except Exception:
                check(False, f"phone: {driver.find_element(By.ID, 'phone-state').text}", *diag)
            check("1001" in box.api("sofia status profile internal reg", check=False), "not registered", *diag)
            driver.find_element(By.ID, "ready").send_keys(Keys.ENTER)
            wait.until(lambda d: d.find_element(By.ID, "status").text == "Available")
            caller = start_call(tmp_path / "caller", DID, wait_ms=500, talk_ms=6000, caller_number=CALLER)
            wait.until(lambda d: d.find_element(By.ID, "pop-customer-name").text == "Erika Muster")
            # The phone rings: Answer has the focus, Enter answers.
            wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "phone-answer")
            driver.switch_to.active_element.send_keys(Keys.ENTER)
            try:
                wait.until(lambda d: d.find_element(By.ID, "phone-state").text == "in call")
            except Exception:
                check(False, f"phone: {driver.find_element(By.ID, 'phone-state').text}", *diag)
            # FreeSWITCH's own counters on the agent's leg (the WebRTC one), twice 2 s apart: audio
            # flows both ways now (50 packets a second each way), not only at the start.
            time.sleep(1)
            chans = json.loads(box.api("show channels as json", check=False)).get("rows", [])
            webrtc = [
                c["uuid"] for c in chans if box.api(f"uuid_getvar {c['uuid']} media_webrtc", check=False) == "true"
            ]
            check(len(webrtc) == 1, f"WebRTC legs: {webrtc} of {chans}", *diag)

            def stats() -> dict:
                box.api(f"uuid_set_media_stats {webrtc[0]}")
                keys = ("rtp_audio_in_packet_count", "rtp_audio_out_packet_count", "rtp_has_crypto")
                return {k: box.api(f"uuid_getvar {webrtc[0]} {k}", check=False) for k in keys}

            before = stats()
            time.sleep(2)
            leg = stats()
            result = caller.wait()
            check(result.ok, f"caller: {result}", result.diagnostics, *diag)
            wait.until(lambda d: d.find_element(By.ID, "phone-state").text == "registered")
        finally:
            if driver is not None:
                driver.quit()
            web.stop()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not list_calls(ctx.engine, tenant="acme"):
            time.sleep(0.2)
        rows = list_calls(ctx.engine, tenant="acme")
    assert rows and rows[0]["disposition"] == "answered" and rows[0]["agent"] == "1001", rows
    rx, tx = (
        int(leg[k] or 0) - int(before[k] or 0) for k in ("rtp_audio_in_packet_count", "rtp_audio_out_packet_count")
    )
    print(f"\nWebRTC leg over 2 s: {rx} RTP packets in, {tx} out, {leg['rtp_has_crypto']}")
    # Flowing both ways now: FreeSWITCH sends 50 a second; headless chromium's fake microphone
    # sent about 23 a second here (its own packetization), well above a trickle either way.
    assert rx >= 20 and tx >= 60, (before, leg)
    assert leg["rtp_has_crypto"].startswith("srtp:dtls:"), leg
