"""Nexus in a real browser: the loader, the widget page and the demo host (docs/nexus.md).

Run against a running stack:
    NEXUS_BASE=http://127.0.0.1:9100 pytest -q tests/browser
"""

import json
import os
import socket
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import API_KEY, BASE, NEXUS_KEY, SERVER_LOG, STEP_MS, api_get, gzip_size, http, rid


def find(obj, key):
    """Every value of `key` anywhere in a JSON tree."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                out.append(v)
            out.extend(find(v, key))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(find(v, key))
    return out


def is_subsequence(wanted, names):
    it = iter(names)
    return all(any(n == w for n in it) for w in wanted)


def no_sideways_scroll(frame):
    """Elements of the widget wider than their box (an empty list at any width)."""
    return frame.locator("body").evaluate(
        """b => [b, ...b.querySelectorAll('main, main *')]
                 .filter(el => !(el instanceof SVGElement) && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1
                               && getComputedStyle(el).overflowX !== 'hidden')
                 .map(el => el.tagName + '.' + (el.getAttribute('class') || ''))"""
    )


def money(text: str) -> float:
    return float(text.replace("$", "").replace(",", "").strip())


# ---------------------------------------------------------------------------------------------
# link


def test_link_two_servicers_then_portfolio(host):
    borrower = rid("e2e-link")
    host.open_demo(borrower=borrower)
    host.shot("demo")
    host.page.get_by_test_id("demo-link").click()
    assert host.modal_open()
    iframe = host.page.locator('iframe[title="Nexus"]')
    assert "/nexus/ui?workflow=link&origin=" in iframe.get_attribute("src")
    host.wait_picker()
    assert host.page.evaluate("() => document.body.style.overflow") == "hidden"
    opened = host.wait_log("onEvent", "OPEN")
    assert opened["data"]["workflow"] == "link"
    assert opened["data"]["session_id"]
    assert "T" in opened["data"]["timestamp"]

    f = host.frame
    done = f.get_by_test_id("done")
    assert done.is_disabled(), "I'm Done must wait for a linked servicer"
    for name in ["Aidvantage", "CRI", "EdFinancial", "MOHELA", "Nelnet", "ECSI"]:
        assert f.get_by_test_id(f"servicer-{name}").is_visible(), name
    host.shot("link-picker")

    # The search filters by name, case-insensitively.
    f.get_by_test_id("servicer-search").fill("mohe")
    f.get_by_test_id("servicer-Nelnet").wait_for(state="hidden")
    assert f.get_by_test_id("servicer-MOHELA").is_visible()
    host.shot("link-search")
    f.get_by_test_id("servicer-search").fill("")
    f.get_by_test_id("servicer-Nelnet").wait_for(state="visible")

    host.choose_servicer("Nelnet")
    assert f.get_by_label("Username").is_visible() and f.get_by_label("Password", exact=True).is_visible()
    assert f.get_by_test_id("link-submit").inner_text().strip() == "Link account"
    host.shot("link-credentials")
    host.submit_credentials("kirk", "anything")
    linked = host.wait_log("onEvent", "LINKED")
    assert linked["data"]["servicer"] == "Nelnet"
    assert linked["data"]["loan_count"] > 0
    host.wait_picker()
    assert "Nelnet" in f.get_by_test_id("linked-list").inner_text()
    assert "Linked ✓" in f.get_by_test_id("servicer-Nelnet").inner_text()
    assert done.is_enabled()
    host.shot("link-linked-nelnet")

    host.link("MOHELA", "kirk", "anything")
    listed = f.get_by_test_id("linked-list").inner_text()
    assert "Nelnet" in listed and "MOHELA" in listed
    host.shot("link-linked-both")

    done.click()
    ok = host.wait_log("onSuccess")
    result = ok["data"]
    assert result["message"]
    uuid = result["result"]["borrower"]["uuid"]
    assert len(uuid) == 36
    assert {"Nelnet", "MOHELA"} <= set(result["servicers"])
    host.page.locator('iframe[title="Nexus"]').wait_for(state="detached")
    assert not host.modal_open()
    assert host.page.evaluate("() => document.body.style.overflow") == ""
    assert host.page.evaluate("() => document.activeElement && document.activeElement.dataset.testid") == "demo-link"
    assert "onSuccess" in host.page.get_by_test_id("log").inner_text()
    host.shot("link-success")

    names = host.event_names()
    assert is_subsequence(["OPEN", "SELECT_SERVICER", "SUBMIT_CREDENTIALS", "LINKED", "HANDOFF"], names), names
    assert names.count("LINKED") == 2
    selects = [e["data"]["servicer"] for e in host.log() if e["name"] == "SELECT_SERVICER"]
    assert selects == ["Nelnet", "MOHELA"]
    blob = json.dumps(host.log())
    assert "anything" not in blob and "kirk" not in blob, "credentials leaked into a callback"

    portfolio = api_get(f"/borrowers/{uuid}/portfolio")
    servicers = {
        (loan.get("servicer") or {}).get("name") for loan in portfolio["loans"] if isinstance(loan.get("servicer"), dict)
    }
    assert {"Nelnet", "MOHELA"} <= servicers, servicers


def test_challenge_question(host):
    host.open_demo(borrower=rid("e2e-chal"))
    host.page.get_by_test_id("demo-link").click()
    host.wait_picker()
    f = host.frame
    host.choose_servicer("EdFinancial")
    host.submit_credentials("user_challenge", "pw-1")
    ch = host.wait_log("onEvent", "CHALLENGE")
    assert ch["data"] == {**ch["data"], "servicer": "EdFinancial", "challenge_type": "question"}
    f.get_by_test_id("challenge-answer").wait_for(state="visible")
    assert f.get_by_test_id("challenge-prompt").inner_text().strip()
    host.shot("challenge-question")

    f.get_by_test_id("challenge-answer").fill("red")
    f.get_by_test_id("challenge-submit").click()
    err = host.wait_log("onEvent", "ERROR")
    assert err["data"]["error_code"] == "challenge_failed"
    assert err["data"]["message"]
    region = f.get_by_test_id("error")
    region.wait_for(state="visible")
    assert region.get_attribute("aria-live") == "assertive"
    assert err["data"]["message"] in region.inner_text()
    host.shot("challenge-wrong")

    # A challenge is answered once: log in again for a new one, then answer right.
    if not f.get_by_test_id("challenge-answer").is_visible():
        assert f.get_by_test_id("username").input_value() == "user_challenge"
        assert f.get_by_test_id("password").input_value() == ""
        host.submit_credentials("user_challenge", "pw-1")
        host.wait_log("onEvent", "CHALLENGE", 2)
    f.get_by_test_id("challenge-answer").fill("blue")
    f.get_by_test_id("challenge-submit").click()
    linked = host.wait_log("onEvent", "LINKED")
    assert linked["data"]["servicer"] == "EdFinancial"
    host.wait_picker()
    assert "EdFinancial" in f.get_by_test_id("linked-list").inner_text()
    host.shot("challenge-linked")
    blob = json.dumps(host.log())
    assert "blue" not in blob and "red" not in blob and "pw-1" not in blob


def test_challenge_mfa(host):
    host.open_demo(borrower=rid("e2e-mfa"))
    host.page.get_by_test_id("demo-link").click()
    host.wait_picker()
    f = host.frame
    host.choose_servicer("Aidvantage")
    host.submit_credentials("user_mfa", "pw-2")
    ch = host.wait_log("onEvent", "CHALLENGE")
    assert ch["data"]["challenge_type"] == "otp"
    answer = f.get_by_test_id("challenge-answer")
    answer.wait_for(state="visible")
    assert answer.get_attribute("inputmode") == "numeric"
    assert answer.get_attribute("autocomplete") == "one-time-code"
    assert "text" in f.get_by_test_id("challenge-prompt").inner_text().lower()
    host.shot("mfa-code")

    answer.fill("000000")
    f.get_by_test_id("challenge-submit").click()
    host.wait_log("onEvent", "ERROR")
    f.get_by_test_id("error").wait_for(state="visible")
    assert f.get_by_test_id("error").inner_text().strip()
    if not f.get_by_test_id("challenge-answer").is_visible():
        host.submit_credentials("user_mfa", "pw-2")
        host.wait_log("onEvent", "CHALLENGE", 2)
    f.get_by_test_id("challenge-answer").fill("123456")
    f.get_by_test_id("challenge-submit").click()
    linked = host.wait_log("onEvent", "LINKED")
    assert linked["data"]["servicer"] == "Aidvantage"
    host.wait_picker()
    host.shot("mfa-linked")
    assert "123456" not in json.dumps(host.log())


def test_locked_account_is_not_retryable(host):
    host.open_demo(borrower=rid("e2e-locked"))
    host.page.get_by_test_id("demo-link").click()
    host.wait_picker()
    f = host.frame
    host.choose_servicer("Nelnet")
    host.submit_credentials("user_locked", "pw-3")
    err = host.wait_log("onEvent", "ERROR")
    assert err["data"]["error_code"] == "locked"
    host.wait_picker()  # back on the picker: no retry
    assert f.get_by_test_id("password").count() == 0
    assert "locked" in f.get_by_test_id("error").inner_text().lower()
    assert f.get_by_test_id("done").is_disabled()
    host.shot("locked")
    assert host.count("onEvent", "LINKED") == 0


def test_bad_password_keeps_the_form(host):
    host.open_demo(borrower=rid("e2e-badpw"))
    host.page.get_by_test_id("demo-link").click()
    host.wait_picker()
    f = host.frame
    host.choose_servicer("CRI")
    host.submit_credentials("user_bad_password", "pw-4")
    err = host.wait_log("onEvent", "ERROR")
    assert err["data"]["error_code"] == "invalid_credentials"
    f.get_by_test_id("password").wait_for(state="visible")
    assert f.get_by_test_id("password").input_value() == ""
    assert f.get_by_test_id("username").input_value() == "user_bad_password"
    assert err["data"]["message"] in f.get_by_test_id("error").inner_text()
    host.shot("bad-password")
    # Back returns to the picker; an ordinary login then works.
    f.get_by_test_id("back").click()
    host.wait_picker()
    host.link("CRI", "kirk", "pw-4")


# ---------------------------------------------------------------------------------------------
# closing, errors


def test_close_button_and_escape_exit_incomplete(host):
    host.open_demo(borrower=rid("e2e-close"))
    page = host.page

    page.get_by_test_id("demo-link").click()
    host.wait_picker()
    host.wait_log("onEvent", "OPEN")
    host.frame.get_by_test_id("close").click()
    ex = host.wait_log("onExit")
    assert ex["data"]["status"] == "incomplete"
    assert host.wait_log("onEvent", "EXIT")["data"]["status"] == "incomplete"
    page.locator('iframe[title="Nexus"]').wait_for(state="detached")
    assert page.evaluate("() => document.activeElement.dataset.testid") == "demo-link"
    host.shot("closed")

    # Escape inside the widget.
    page.get_by_test_id("demo-link").click()
    host.wait_picker()
    host.wait_log("onEvent", "OPEN", 2)
    host.frame.get_by_test_id("servicer-search").press("Escape")
    ex = host.wait_log("onExit", count=2)
    assert ex["data"]["status"] == "incomplete"
    page.locator('iframe[title="Nexus"]').wait_for(state="detached")

    # Escape in the host page (the loader's own handler).
    page.get_by_test_id("demo-link").click()
    host.wait_picker()
    page.evaluate("() => document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))")
    ex = host.wait_log("onExit", count=3)
    assert ex["data"]["status"] == "incomplete"
    page.locator('iframe[title="Nexus"]').wait_for(state="detached")
    assert host.count("onEvent", "EXIT") == 3
    assert host.count("onSuccess") == 0


def test_bad_nexus_key_exits_with_error(host):
    host.open_demo(borrower=rid("e2e-badkey"), key="NOT-A-KEY")
    host.page.get_by_test_id("demo-link").click()
    ex = host.wait_log("onExit")
    assert ex["data"]["status"] == "error"
    assert ex["data"]["message"]
    assert host.count("onEvent", "OPEN") == 0
    assert host.count("onEvent", "ERROR") >= 1
    host.page.locator('iframe[title="Nexus"]').wait_for(state="detached")
    assert "onExit" in host.page.get_by_test_id("log").inner_text()
    host.shot("bad-key")


def test_session_401_exits_with_error(host):
    """A session route answering 401 (an expired or forged token) ends the workflow."""
    host.open_demo(borrower=rid("e2e-401"))
    envelope = {"error": {"title": "Unauthorized", "detail": "The session token has expired."}}
    host.page.route(
        "**/nexus/session",
        lambda route: route.fulfill(status=401, content_type="application/json", body=json.dumps(envelope)),
    )
    host.page.get_by_test_id("demo-link").click()
    ex = host.wait_log("onExit")
    assert ex["data"]["status"] == "error"
    assert "expired" in ex["data"]["message"]
    assert host.wait_log("onEvent", "ERROR")["data"]["error_code"]
    host.page.locator('iframe[title="Nexus"]').wait_for(state="detached")


def test_details_422_shows_the_fields(host):
    """The server's own validation errors (detail and fields) reach the live region: a borrower
    with loans (made through the API, so assess skips linking) enters an AGI above the engine's
    bound, and the real PATCH /nexus/borrower answers 422 naming `agi`."""
    ext = rid("e2e-422")
    auth = {"Authorization": f"Bearer {API_KEY}"}
    status, _, raw = http("POST", f"{BASE}/api/v1/borrowers", {"borrower": {"first_name": "Nyota", "external_id": ext}}, auth)
    assert status == 201, raw
    uuid = json.loads(raw)["uuid"]
    loan = {"loan_type": "Direct Stafford Unsubsidized Loan", "interest_rate": 5.05, "outstanding_principal": 18000,
            "outstanding_interest": 0, "original_principal": 20000, "origination_date": "2018-09-20",
            "servicer_name": "Nelnet", "loan_status": "in repayment"}
    status, _, raw = http("POST", f"{BASE}/api/v1/borrowers/{uuid}/loans", {"loans": [loan]}, auth)
    assert status == 201, raw
    host.open_demo(borrower=ext)
    host.page.get_by_test_id("demo-assess").click()
    f = host.frame
    f.get_by_test_id("agi").wait_for(state="visible")
    f.get_by_test_id("agi").fill("")
    f.get_by_test_id("see-options").click()  # an empty form is checked in the browser first
    assert f.get_by_test_id("error").inner_text().strip()
    f.get_by_test_id("agi").fill("2000000000")
    f.get_by_test_id("filing-status").select_option("married_filing_jointly")
    # A joint return asks for the spouse's AGI too (checked in the browser before sending).
    f.get_by_test_id("spouse-agi").wait_for(state="visible")
    f.get_by_test_id("spouse-agi").fill("30000")
    f.get_by_test_id("family-size").fill("4")
    f.get_by_test_id("state").select_option("DC")
    f.get_by_test_id("see-options").click()
    region = f.get_by_test_id("error")
    region.filter(has_text="at most").wait_for(state="visible")
    assert "agi" in region.inner_text().lower()
    assert f.get_by_test_id("agi").get_attribute("aria-invalid") == "true"
    assert f.get_by_test_id("see-options").is_enabled()
    host.shot("details-422")
    # Nothing was saved.
    assert api_get(f"/borrowers/{uuid}")["financial_details"]["agi"] is None
    f.get_by_test_id("close").click()
    assert host.wait_log("onExit")["data"]["status"] == "incomplete"


def test_workflow_before_init_and_missing_borrower(host):
    host.open_demo()
    out = host.page.evaluate(
        """() => new Promise(resolve => {
            const got = [];
            Nexus.enroll({ plan: 'repaye', onExit: r => got.push(r) });  // before any Nexus()
            Nexus({ nexus_key: 'GIVINGHERALLSHESGOT' }).link({ onExit: r => got.push(r) });
            Nexus({ borrower: 'someone' }).assess({ onExit: r => got.push(r) });
            Nexus.link({ onExit: r => got.push(r) });  // the last widget: still invalid
            setTimeout(() => resolve(got), 50);
        })"""
    )
    assert [r["status"] for r in out] == ["error"] * 4
    assert all(r["message"] for r in out)
    assert not host.modal_open()

    # One workflow at a time: the seed calls link and assess back to back, so the second one
    # waits and opens when the first closes. Nexus.close() closes with "incomplete".
    host.page.evaluate(
        """() => {
            const w = Nexus({ nexus_key: 'GIVINGHERALLSHESGOT', borrower: 'e2e-twice' });
            window.firstExit = null; window.secondExit = null;
            w.link({ onExit: r => { window.firstExit = r; } });
            w.assess({ onExit: r => { window.secondExit = r; } });
        }"""
    )
    host.page.wait_for_function("() => document.querySelectorAll('iframe[title=\"Nexus\"]').length === 1")
    assert host.page.locator('iframe[title="Nexus"]').get_attribute("src").find("workflow=link") > 0
    host.page.evaluate("() => Nexus.close()")
    host.page.wait_for_function("() => window.firstExit !== null")
    # The queued assess opens next.
    host.page.wait_for_function(
        "() => { const f = document.querySelector('iframe[title=\"Nexus\"]'); return f && f.src.includes('workflow=assess'); }"
    )
    host.page.evaluate("() => Nexus.close()")
    host.page.wait_for_function("() => window.secondExit !== null")
    assert host.page.evaluate("() => window.secondExit.status") == "incomplete"
    assert host.page.evaluate("() => window.firstExit.status") == "incomplete"


# ---------------------------------------------------------------------------------------------
# assess


def test_assess_links_first_then_compares_plans(host):
    host.open_demo(borrower=rid("e2e-assess"))
    page = host.page
    page.get_by_test_id("demo-assess").click()
    host.wait_picker()  # a fresh borrower has no loans: link first
    f = host.frame
    host.shot("assess-link-first")
    host.link("Nelnet", "kirk", "anything")
    f.get_by_test_id("done").click()

    f.get_by_test_id("agi").wait_for(state="visible")
    host.shot("assess-details")
    f.get_by_test_id("agi").fill("55000")
    f.get_by_test_id("filing-status").select_option("single")
    f.get_by_test_id("family-size").fill("1")
    f.get_by_test_id("state").select_option("NY")
    for label in ["Adjusted gross income (AGI)", "Tax filing status", "Family size", "State"]:
        assert f.get_by_label(label, exact=True).count() == 1, label
    f.get_by_test_id("see-options").click()

    chart = f.locator('svg[data-testid="chart"]')
    chart.wait_for(state="visible")
    assert chart.get_attribute("role") == "img"
    assert "Monthly payment" in chart.get_attribute("aria-label")
    assert chart.locator("title").count() == 1
    series = chart.locator("path[data-plan], polyline[data-plan]").count()
    assert series >= 2, series
    assert f.get_by_test_id("current-plan").is_visible()
    assert f.get_by_test_id("whatif-note").inner_text().strip() == "What-if: not saved"
    host.shot("assess-options")

    cards = f.locator('[data-testid="eligible-plans"] > [data-testid^="plan-"]')
    assert cards.count() >= 2
    choose_buttons = f.locator('[data-testid^="choose-"]')
    assert choose_buttons.count() == cards.count()
    for text in ["Total paid", "Forgiven", "Total cost", "Payments"]:
        assert text in cards.first.inner_text()

    def monthly():
        out = {}
        loc = f.locator('[data-testid^="monthly-"]')
        for i in range(loc.count()):
            el = loc.nth(i)
            out[el.get_attribute("data-testid")] = el.inner_text()
        return out

    before = monthly()
    for v in before.values():
        assert v.startswith("$") and "." in v, v

    # The legend hides a plan's line; hovering an entry highlights it.
    first_type = cards.first.get_attribute("data-testid")[len("plan-"):]
    f.get_by_test_id(f"legend-{first_type}").hover()
    assert "has-hl" in chart.get_attribute("class")
    assert "hl" in chart.locator(f'path[data-plan="{first_type}"]').get_attribute("class").split()
    f.get_by_test_id("whatif-note").hover()
    assert "has-hl" not in chart.get_attribute("class")
    f.get_by_test_id(f"legend-{first_type}").uncheck()
    assert chart.locator(f'path[data-plan="{first_type}"]').evaluate("el => getComputedStyle(el).display") == "none"
    f.get_by_test_id(f"legend-{first_type}").check()

    # What-if: a higher income changes the income-driven payments (not saved).
    f.get_by_test_id("whatif-agi").fill("150000")
    f.get_by_test_id("whatif-banner").wait_for(state="visible")
    page.wait_for_timeout(200)
    after = monthly()
    assert after != before, (before, after)
    host.shot("assess-whatif")

    card = f.locator('[data-testid="eligible-plans"] > [data-testid^="plan-"]').first
    plan_type = card.get_attribute("data-testid")[len("plan-"):]
    shown = money(card.get_by_test_id(f"monthly-{plan_type}").inner_text())
    card.get_by_test_id(f"choose-{plan_type}").click()
    ok = host.wait_log("onSuccess")
    result = ok["data"]["result"]
    assert ok["data"]["message"]
    assert result["repayment_plan"]["type"] == plan_type
    assert result["repayment_plan"]["description"]
    assert isinstance(result["monthly_payment"], (int, float))
    assert abs(result["monthly_payment"] - shown) < 0.005, (result["monthly_payment"], shown)
    assert host.event_names()[-1] == "HANDOFF"
    host.shot("assess-success")

    # The details were saved; the what-if was not.
    borrower = api_get(f"/borrowers/{result['borrower']['uuid']}")
    agis = [float(v) for v in find(borrower, "agi") if v is not None]
    assert 55000.0 in agis and 150000.0 not in agis, agis


def test_assess_without_loans_is_illegal(host):
    host.open_demo(borrower=rid("e2e-noloans"))
    host.page.get_by_test_id("demo-assess").click()
    host.wait_picker()
    host.link("ECSI", "user_no_loans", "pw-5")
    host.frame.get_by_test_id("done").click()
    ex = host.wait_log("onExit")
    assert ex["data"]["status"] == "illegal"
    assert "no loans" in ex["data"]["message"].lower()


# ---------------------------------------------------------------------------------------------
# small screens, the loader itself


def test_small_screen_and_loader_script(make_host):
    host = make_host(viewport={"width": 360, "height": 740}, name="mobile")
    host.open_demo(borrower=rid("e2e-mobile"))
    host.shot("demo-360")
    host.page.get_by_test_id("demo-link").click()
    host.wait_picker()
    box = host.page.locator('iframe[title="Nexus"]').bounding_box()
    assert box["width"] == 360 and box["height"] == 740, box
    wide = no_sideways_scroll(host.frame)
    assert wide == [], f"the widget scrolls sideways at 360 px: {wide}"
    host.shot("link-picker-360")
    host.shot("link-picker-360-viewport", full_page=False)
    host.choose_servicer("Nelnet")
    host.shot("link-credentials-360")
    host.submit_credentials("kirk", "anything")
    host.wait_log("onEvent", "LINKED")
    host.wait_picker()
    host.frame.get_by_test_id("close").click()
    host.wait_log("onExit")

    # The borrower has loans now: assess goes straight to the details form.
    host.page.get_by_test_id("demo-assess").click()
    f = host.frame
    f.get_by_test_id("agi").wait_for(state="visible")
    f.get_by_test_id("agi").fill("42000")
    f.get_by_test_id("filing-status").select_option("head_of_household")
    f.get_by_test_id("family-size").fill("3")
    f.get_by_test_id("state").select_option("CA")
    host.shot("assess-details-360")
    f.get_by_test_id("see-options").click()
    f.locator('svg[data-testid="chart"]').wait_for(state="visible")
    assert no_sideways_scroll(f) == []
    host.shot("assess-options-360")

    status, headers, raw = http("GET", BASE + "/nexus/js/v1")
    assert status == 200
    assert headers["Content-Type"].split(";")[0].strip() == "application/javascript"
    assert headers.get("ETag")
    size = gzip_size(raw)
    assert size < 10 * 1024, f"loader is {size} bytes gzipped"
    status, _, _ = http("GET", BASE + "/nexus/js/v1", headers={"If-None-Match": headers["ETag"]})
    assert status in (200, 304)


def test_desktop_card_layout(host):
    host.open_demo(borrower=rid("e2e-desk"))
    host.page.get_by_test_id("demo-link").click()
    host.wait_picker()
    box = host.page.locator('iframe[title="Nexus"]').bounding_box()
    assert 400 <= box["width"] <= 440 and 600 <= box["height"] <= 700, box
    dialog = host.page.locator('[role="dialog"]')
    assert dialog.get_attribute("aria-modal") == "true"
    # Tab cycles inside the widget.
    frame = host.frame
    last = frame.locator("main button:not([disabled])").last.get_attribute("data-testid")
    frame.get_by_test_id("close").focus()
    host.page.keyboard.press("Shift+Tab")
    assert frame.locator(":focus").get_attribute("data-testid") == last
    host.page.keyboard.press("Tab")
    assert frame.locator(":focus").get_attribute("data-testid") == "close"
    host.shot("link-picker-desktop")


# ---------------------------------------------------------------------------------------------
# a host page on another origin: the seed's snippet


SEED_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Acme Fintech</title></head>
<body>
<h1>Acme Fintech</h1>
<button id="nexus-link-button">Link my student loans</button>
<pre id="log" data-testid="log"></pre>
<script src="__NEXUS__/nexus/js/v1"></script>
<script>
window.nexusLog = [];
function note(kind, data) {
  window.nexusLog.push({kind: kind, name: null, data: data});
  document.getElementById('log').textContent += kind + ' ' + JSON.stringify(data) + '\\n';
}
function linkSuccess(result) { note('onSuccess', result) }
function linkExit(result) { note('onExit', result) }

let widget = Nexus({
  nexus_key: 'GIVINGHERALLSHESGOT',
  borrower: '__BORROWER__'
})

// Assuming you have a button your Borrower can click to link Servicers
let linkButton = document.querySelector('#nexus-link-button')

// Attach click handler to invoke Nexus.link
linkButton.addEventListener('click', e => {
  Nexus.link({
    // the function to call when borrower is done
    onSuccess: linkSuccess,
    // the function to call when borrower quits or error occurs
    onExit: linkExit
  })
})
</script>
</body>
</html>
"""


def serve(directory, bind="127.0.0.1"):
    """A threaded static server on a free port; returns (base url, server)."""
    with socket.socket() as s:
        s.bind((bind, 0))
        port = s.getsockname()[1]

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer((bind, port), partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://{bind}:{port}", server


@pytest.fixture
def cross_origin_site(tmp_path):
    borrower = rid("xorigin")
    (tmp_path / "index.html").write_text(SEED_PAGE.replace("__NEXUS__", BASE).replace("__BORROWER__", borrower))
    url, server = serve(tmp_path)
    yield url, borrower
    server.shutdown()
    server.server_close()


def test_cross_origin_host_page(host, cross_origin_site):
    url, borrower = cross_origin_site
    assert url.split("//")[1] != BASE.split("//")[1]
    page = host.page
    page.goto(url + "/index.html")
    page.wait_for_function("() => typeof window.Nexus === 'function'")
    assert page.evaluate("() => Nexus.origin") == BASE
    page.click("#nexus-link-button")
    host.wait_picker()
    host.shot("xorigin-picker")
    host.link("Nelnet", "kirk", "anything", events=False)
    host.frame.get_by_test_id("done").click()
    ok = host.wait_log("onSuccess")
    assert ok["data"]["servicers"] == ["Nelnet"]
    assert len(ok["data"]["result"]["borrower"]["uuid"]) == 36
    host.shot("xorigin-success")
    assert host.count("onExit") == 0


BLOCKED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not allowed</title></head>
<body>
<button id="go">Link</button>
<script src="__NEXUS__/nexus/js/v1"></script>
<script>
window.nexusLog = [];
Nexus({ nexus_key: 'GIVINGHERALLSHESGOT', borrower: 'blocked-origin',
        onEvent: (name, metadata) => window.nexusLog.push({kind: 'onEvent', name: name, data: metadata}) })
document.querySelector('#go').addEventListener('click', () => Nexus.link({
  onSuccess: r => window.nexusLog.push({kind: 'onSuccess', name: null, data: r}),
  onExit: r => window.nexusLog.push({kind: 'onExit', name: null, data: r})
}))
</script>
</body></html>
"""


def test_origin_not_allowed_times_out_with_error(host, tmp_path):
    """127.0.0.2 is not an allowed origin for the sandbox client: the frame is refused and the
    loader gives up after 8 seconds."""
    (tmp_path / "index.html").write_text(BLOCKED_PAGE.replace("__NEXUS__", BASE))
    url, server = serve(tmp_path, bind="127.0.0.2")
    try:
        host.page.goto(url + "/index.html")
        host.page.click("#go")
        assert host.modal_open()
        started = time.time()
        ex = host.wait_log("onExit", timeout=STEP_MS)
        waited = time.time() - started
        assert ex["data"]["status"] == "error"
        assert "could not be loaded" in ex["data"]["message"]
        assert 7 <= waited <= 12, waited
        names = [e["name"] for e in host.log() if e["kind"] == "onEvent"]
        assert names[-2:] == ["ERROR", "EXIT"], names
        assert not host.modal_open()
        assert host.count("onSuccess") == 0
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------------
# credentials never reach the server's log


@pytest.mark.skipif(not SERVER_LOG, reason="NEXUS_SERVER_LOG is not set")
def test_credentials_are_not_logged(host):
    log_path = Path(SERVER_LOG)
    password = rid("S3cr3t-Pa55")
    username = rid("e2e-user")
    host.open_demo(borrower=rid("e2e-secret"))
    seen = []
    host.page.on("request", lambda r: seen.append(r) if r.post_data and password in r.post_data else None)
    host.page.get_by_test_id("demo-link").click()
    host.wait_picker()
    host.link("MOHELA", username, password)
    host.frame.get_by_test_id("done").click()
    host.wait_log("onSuccess")
    # The password left the browser exactly once: to the connector, through POST /nexus/links.
    assert [(r.method, r.url.split("?")[0]) for r in seen] == [("POST", BASE + "/nexus/links")]
    assert password not in json.dumps(host.log())
    deadline = time.time() + 3
    while time.time() < deadline:  # let the server flush
        time.sleep(0.5)
    assert log_path.exists(), log_path
    text = log_path.read_text(errors="replace")
    assert password not in text, "the password is in the server log"
    assert username not in text, "the username is in the server log"
