"""bench/agent_page: offer-to-pop latency on the agent page, in a real browser. Figures, not
pass/fail.

The FreeSWITCH tier's setup (tests/freeswitch/test_agent_page.py: FreeSWITCH, the daemon,
`ccctl web serve` over HTTPS, headless chromium signed in as a ready agent) takes CALLS calls
one after the other from a caller whose number is a customer; for each, the time from
mod_callcenter's offer (the call row's offered_at) to the page drawing the pop (the page's own
clock, the same machine), and whether that was before the seat answered. Runs inside
`scripts/in-netns` (re-executes itself there).

    .venv/bin/python bench/agent_page.py [--calls 50] [--ring-ms 1500]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ccctl.testing.fsproc import find_prefix, only_loopback  # noqa: E402


def run(calls: int, ring_ms: int) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from ccctl.access import accounts
    from ccctl.config.entities import seat_password
    from ccctl.stats.calls import list_calls, parse_time
    from ccctl.testing.sip import Agents, Seat, start_call
    from tests.freeswitch.test_agent_page import CALLER, DID, DOMAIN, PW, WEB_PORT, WebProcess, browser, tenant
    from tests.freeswitch.test_daemon import box_and_daemon

    shown: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        with box_and_daemon(find_prefix(), tmp_path, tenant()) as (ctx, box, daemon):
            daemon.start()
            accounts.add_user(ctx, f"1001@{DOMAIN}", "agent", password=PW)
            web = WebProcess(ctx.settings, tmp_path)
            driver = browser(tmp_path)
            try:
                wait = WebDriverWait(driver, 30)
                seat = Seat("1001", DOMAIN, seat_password(box.services, "acme", "1001"), talk_ms=300, ring_ms=ring_ms)
                with Agents(box, tmp_path / "seats", [seat]):
                    driver.get(f"https://127.0.0.1:{WEB_PORT}/agent/")
                    wait.until(ec.visibility_of_element_located((By.ID, "login"))).send_keys(
                        f"1001@{DOMAIN}", Keys.TAB, PW, Keys.ENTER
                    )
                    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "ready")
                    driver.switch_to.active_element.send_keys(Keys.ENTER)
                    wait.until(lambda d: d.find_element(By.ID, "status").text == "Available")
                    time.sleep(0.5)
                    pop = driver.find_element(By.ID, "pop")
                    for i in range(calls):
                        before = pop.get_attribute("data-call-id")
                        caller = start_call(
                            tmp_path / f"c{i}",
                            DID,
                            wait_ms=300,
                            talk_ms=8000,
                            caller_number=CALLER,
                            source_ip="127.0.0.2",
                        )
                        wait.until(lambda d, before=before: pop.get_attribute("data-call-id") not in (None, before))
                        shown[pop.get_attribute("data-call-id")] = float(pop.get_attribute("data-shown-at"))
                        caller.wait()
                        time.sleep(0.3)
                    deadline = time.monotonic() + 30
                    while len(list_calls(ctx.engine, tenant="acme")) < calls and time.monotonic() < deadline:
                        time.sleep(0.2)
            finally:
                driver.quit()
                web.stop()
            rows = {r["uuid"]: r for r in list_calls(ctx.engine, tenant="acme")}
    lat, early = [], 0
    for uuid, at in shown.items():
        r = rows.get(uuid)
        if not r or not r["offered_at"]:
            continue
        offered, answered = parse_time(r["offered_at"], "t"), parse_time(r["answered_at"], "t")
        lat.append((at - offered) * 1000)
        early += answered is not None and at < answered
    lat.sort()
    return {
        "calls": calls,
        "ring_ms": ring_ms,
        "pops_matched": len(lat),
        "pops_before_answer": early,
        "offer_to_pop_ms_p50": round(statistics.median(lat), 1) if lat else None,
        "offer_to_pop_ms_p95": round(lat[max(0, int(len(lat) * 0.95) - 1)], 1) if lat else None,
        "offer_to_pop_ms_max": round(lat[-1], 1) if lat else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--ring-ms", type=int, default=1500)
    args = ap.parse_args()
    if not only_loopback():
        os.execv(str(ROOT / "scripts" / "in-netns"), [str(ROOT / "scripts" / "in-netns"), sys.executable, *sys.argv])
    print(json.dumps(run(args.calls, args.ring_ms), indent=1))


if __name__ == "__main__":
    main()
