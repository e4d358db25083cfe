"""Nexus.enroll in a real browser (docs/nexus.md, "Enroll"; the seed's "Use Nexus to create an
Enrollment Request"). The shared fixtures are in conftest.py; the link and assess tests are in
test_nexus.py."""

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


from test_nexus import is_subsequence, no_sideways_scroll, money  # noqa: F401


# ---------------------------------------------------------------------------------------------
# enroll (docs/nexus.md, "Enroll"; the seed's "Use Nexus to create an Enrollment Request")

SSN = "123-45-6789"
TINY_PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def widget_frame(page):
    """The widget's Frame (a FrameLocator has no content())."""
    for fr in page.frames:
        if "/nexus/ui" in fr.url:
            return fr
    raise AssertionError("no Nexus frame")


def assess_details(f, agi="52000", filing="single", family="1", state="IA"):
    f.get_by_test_id("agi").wait_for(state="visible")
    f.get_by_test_id("agi").fill(agi)
    f.get_by_test_id("filing-status").select_option(filing)
    f.get_by_test_id("family-size").fill(family)
    f.get_by_test_id("state").select_option(state)
    f.get_by_test_id("see-options").click()


def fill_enroll_details(f, phone="515-555-0142", ssn=SSN):
    f.get_by_test_id("enroll-details").wait_for(state="visible")
    f.get_by_test_id("first-name").fill("James")
    f.get_by_test_id("last-name").fill("Kirk")
    f.get_by_test_id("phone").fill(phone)
    f.get_by_test_id("date-of-birth").fill("1990-04-15")
    f.get_by_test_id("street1").fill("12 Elm Street")
    f.get_by_test_id("street2").fill("")
    f.get_by_test_id("city").fill("Des Moines")
    f.get_by_test_id("address-state").select_option("IA")
    f.get_by_test_id("zipcode").fill("50309")
    if ssn is not None:
        f.get_by_test_id("ssn").fill(ssn)


def assert_no_ssn(host):
    fr = widget_frame(host.page)
    assert "6789" not in fr.content(), "the SSN is in the widget's DOM"
    values = fr.evaluate("() => [...document.querySelectorAll('input')].map(i => i.value).join(' ')")
    assert "6789" not in values, "the SSN is still in an input"
    blob = json.dumps(host.log())
    assert SSN not in blob and SSN.replace("-", "") not in blob, "the SSN reached a callback"


def test_enroll_without_plan_links_assesses_and_enrolls(host, tmp_path):
    pdf = tmp_path / "paystub.pdf"
    pdf.write_bytes(TINY_PDF)
    host.open_demo(borrower=rid("e2e-enroll"))
    page = host.page
    assert page.get_by_test_id("demo-plan").input_value() == ""
    page.get_by_test_id("demo-enroll").click()
    iframe = page.locator('iframe[title="Nexus"]')
    assert "/nexus/ui?workflow=enroll&origin=" in iframe.get_attribute("src")
    host.wait_picker()  # a fresh borrower has no loans: link first
    f = host.frame
    assert host.wait_log("onEvent", "OPEN")["data"]["workflow"] == "enroll"
    assert f.locator("#title").inner_text() == "Enroll in a plan"
    host.shot("enroll-link-first")
    host.link("Nelnet", "kirk", "anything")
    f.get_by_test_id("done").click()

    assess_details(f)
    f.locator('svg[data-testid="chart"]').wait_for(state="visible")
    host.shot("enroll-choose-plan")
    plan = "rap" if f.get_by_test_id("choose-rap").count() else (
        f.locator('[data-testid="eligible-plans"] [data-testid^="choose-"]').first.get_attribute("data-testid")[len("choose-"):]
    )
    shown = money(f.get_by_test_id(f"monthly-{plan}").inner_text())
    f.get_by_test_id(f"choose-{plan}").click()

    # (1) details: prefilled from the servicer; no SSN on file yet, so the SSN input is required.
    f.get_by_test_id("enroll-details").wait_for(state="visible")
    assert host.count("onSuccess") == 0, "choosing a plan in enroll must not finish"
    ssn = f.get_by_test_id("ssn")
    assert ssn.is_visible() and ssn.get_attribute("autocomplete") == "off" and ssn.get_attribute("inputmode") == "numeric"
    assert ssn.get_attribute("required") is not None
    assert f.get_by_test_id("ssn-on-file").count() == 0
    assert f.get_by_test_id("first-name").input_value(), "the link should prefill the name"
    for label in ["First name", "Last name", "Phone", "Date of birth", "Street address", "City", "State", "ZIP code",
                  "Social Security number", "I am collecting unemployment benefits"]:
        assert f.get_by_label(label, exact=True).count() == 1, label
    host.shot("enroll-details-prefilled")
    # Back goes to the plans, and choosing again comes back.
    f.get_by_test_id("back").click()
    f.get_by_test_id(f"choose-{plan}").click()
    fill_enroll_details(f)
    f.get_by_test_id("ssn").fill("12-345")
    f.get_by_test_id("details-continue").click()
    assert "9 digits" in f.get_by_test_id("error").inner_text()
    assert f.get_by_test_id("ssn").get_attribute("aria-invalid") == "true"
    f.get_by_test_id("ssn").fill(SSN)
    f.get_by_test_id("details-continue").scroll_into_view_if_needed()
    host.shot("enroll-details-filled")
    f.get_by_test_id("details-continue").click()

    # (2) income: a real PDF read as a data URL.
    f.get_by_test_id("enroll-income").wait_for(state="visible")
    assert_no_ssn(host)
    assert f.get_by_test_id("income-on-file").count() == 0
    f.get_by_test_id("income-continue").click()  # nothing chosen and nothing on file
    assert "no taxable income" in f.get_by_test_id("error").inner_text()
    accept = f.get_by_test_id("income-file").get_attribute("accept")
    assert "application/pdf" in accept and "image/png" in accept and "image/jpeg" in accept
    assert {o for o in f.get_by_test_id("income-type").locator("option").evaluate_all("os => os.map(o => o.value)")} == {
        "pay_stub", "tax_return", "determination_summary", "offer_letter"}
    fake = tmp_path / "notes.pdf"
    fake.write_bytes(b"just some text, not a PDF")
    f.get_by_test_id("income-file").set_input_files(str(fake))
    f.get_by_test_id("income-continue").click()
    # The file is read in the browser before anything is sent: wait for its verdict.
    f.get_by_test_id("error").filter(has_text="does not look like a PDF").wait_for(state="visible")
    assert f.get_by_test_id("income-file").get_attribute("aria-invalid") == "true"
    f.get_by_test_id("income-type").select_option("pay_stub")
    f.get_by_test_id("income-file").set_input_files(str(pdf))
    host.shot("enroll-income")
    f.get_by_test_id("income-continue").click()

    # (3) review and sign.
    f.get_by_test_id("enroll-review").wait_for(state="visible")
    assert_no_ssn(host)
    assert f.get_by_test_id("missing-notice").count() == 0
    assert abs(money(f.get_by_test_id("review-monthly").inner_text()) - shown) < 0.005
    assert "Nelnet" in f.get_by_test_id("review-plan").inner_text()
    assert f.get_by_test_id("cursive-signature").is_checked()
    assert not f.get_by_test_id("authorize").is_checked()
    host.shot("enroll-review")
    f.get_by_test_id("submit-enrollment").click()  # not signed yet
    assert "authorise" in f.get_by_test_id("error").inner_text()
    assert f.get_by_test_id("authorize").get_attribute("aria-invalid") == "true"
    host.shot("enroll-review-unsigned")
    # Back and forth keeps what was saved: the document is on file now, the SSN masked.
    f.get_by_test_id("back").click()
    f.get_by_test_id("income-on-file").wait_for(state="visible")
    assert "pay stub" in f.get_by_test_id("income-on-file").inner_text()
    f.get_by_test_id("back").click()
    f.get_by_test_id("ssn-on-file").wait_for(state="visible")
    assert f.get_by_test_id("ssn-on-file").input_value().startswith("\u2022\u2022\u2022-")
    assert not f.get_by_test_id("ssn").is_visible()
    assert f.get_by_test_id("phone").input_value() == "515-555-0142"
    f.get_by_test_id("ssn-change").scroll_into_view_if_needed()
    host.shot("enroll-details-ssn-on-file")
    # "Change" reveals an empty input; "Keep" hides it again.
    f.get_by_test_id("ssn-change").click()
    assert f.get_by_test_id("ssn").is_visible() and f.get_by_test_id("ssn").input_value() == ""
    assert f.get_by_test_id("ssn").evaluate("el => el === document.activeElement")
    host.shot("enroll-details-ssn-change")
    f.get_by_test_id("ssn-change").click()
    assert not f.get_by_test_id("ssn").is_visible()
    assert_no_ssn(host)
    f.get_by_test_id("details-continue").click()
    f.get_by_test_id("income-continue").click()  # continue with the document on file
    f.get_by_test_id("authorize").check()
    requests = []
    page.on("request", lambda r: requests.append(r) if r.url.endswith("/nexus/enrollments") else None)

    def lose_the_answer(route):
        route.fetch()  # the server files the request...
        route.abort()  # ...and its answer is lost on the way back

    page.route("**/nexus/enrollments", lose_the_answer, times=1)
    errors = host.count("onEvent", "ERROR")
    f.get_by_test_id("submit-enrollment").click()
    lost = host.wait_log("onEvent", "ERROR", errors + 1)
    assert lost["data"]["error_code"] == "network"
    assert "will not file it twice" in f.get_by_test_id("error").inner_text()
    assert f.get_by_test_id("submit-enrollment").is_enabled()
    host.shot("enroll-answer-lost")
    f.get_by_test_id("submit-enrollment").click()  # the same click again: the same Idempotency-Key

    ok = host.wait_log("onSuccess")
    data = ok["data"]
    assert set(data) == {"result", "submitted", "success"}, data
    assert data["submitted"] is True and data["success"] is True
    assert set(data["result"]) == {"enrollment"}
    enrollment = data["result"]["enrollment"]
    assert enrollment["status"]["type"] == "pending"
    assert enrollment["repayment_plan"]["type"] == plan
    assert enrollment["cursive_signature"] is True and enrollment["signature"] is True
    assert enrollment["estimated_approval_date"]
    keys = [r.headers.get("idempotency-key", "") for r in requests]
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0].startswith("nxe_"), keys
    assert json.loads(requests[1].post_data) == {"repayment_plan": plan, "signature": True, "cursive_signature": True}
    iframe.wait_for(state="detached")
    host.shot("enroll-success")
    names = host.event_names()
    assert is_subsequence(["OPEN", "LINKED", "HANDOFF"], names), names
    assert names[-1] == "HANDOFF"
    assert "EXIT" not in names
    blob = json.dumps(host.log())
    assert SSN not in blob and SSN.replace("-", "") not in blob

    uuid = enrollment["borrower_uuid"]
    listed = api_get(f"/borrowers/{uuid}/enrollments")["enrollments"]
    assert [e["id"] for e in listed] == [enrollment["id"]], "the retry filed a second request"
    assert listed[0]["status"]["type"] == "pending"
    status, _, raw = http("POST", f"{BASE}/api/v1/sandbox/borrowers/{uuid}/advance", {"days": 40},
                          {"Authorization": f"Bearer {API_KEY}"})
    assert status == 200, raw[:300]
    assert json.loads(raw)["enrollments"][0]["status"]["type"] == "approved"
    assert api_get(f"/borrowers/{uuid}/enrollments")["enrollments"][0]["status"]["type"] == "approved"
    borrower = api_get(f"/borrowers/{uuid}")
    assert "6789" not in json.dumps(borrower), "the API shows the SSN"


def test_enroll_missing_phone_shows_the_reasons(make_host):
    """With a plan, at 360 px, keyboard only at the end: the phone left out is refused by the
    server (409 with every reason), shown as a list that leads back to the details."""
    host = make_host(viewport={"width": 360, "height": 740})
    host.open_demo(borrower=rid("e2e-enroll-409"))
    page = host.page
    page.get_by_test_id("demo-plan").fill("rap")
    assert "plan: 'rap'" in page.get_by_test_id("snippet").inner_text()
    page.get_by_test_id("demo-enroll").click()
    host.wait_picker()
    f = host.frame
    host.link("Nelnet", "kirk", "anything")
    f.get_by_test_id("done").click()
    # No income saved yet: the plan is checked after the details.
    f.get_by_test_id("agi").wait_for(state="visible")
    host.shot("enroll-plan-needs-details-360", full_page=False)
    assess_details(f, agi="30000")
    f.get_by_test_id("enroll-details").wait_for(state="visible")
    assert f.get_by_test_id("back").count() == 0, "with a plan the details are the first enroll step"
    assert "RAP" in f.get_by_test_id("enroll-step").inner_text()
    fill_enroll_details(f, phone="")
    assert no_sideways_scroll(f) == []
    host.shot("enroll-details-no-phone-360", full_page=False)
    f.get_by_test_id("details-continue").click()
    f.get_by_test_id("enroll-income").wait_for(state="visible")
    f.get_by_test_id("no-income").check()
    assert f.get_by_test_id("income-file").is_disabled()
    host.shot("enroll-income-none-360", full_page=False)
    f.get_by_test_id("income-continue").click()

    f.get_by_test_id("enroll-review").wait_for(state="visible")
    assert "phone" in f.get_by_test_id("missing-notice").inner_text()
    assert no_sideways_scroll(f) == []
    assert_no_ssn(host)
    host.shot("enroll-review-360", full_page=False)
    f.get_by_test_id("authorize").focus()
    page.keyboard.press("Space")
    assert f.get_by_test_id("authorize").is_checked()
    f.get_by_test_id("submit-enrollment").focus()
    page.keyboard.press("Enter")

    err = host.wait_log("onEvent", "ERROR")
    assert err["data"]["error_code"] == "precondition"
    assert "phone" in err["data"]["message"]
    reasons = f.get_by_test_id("precondition-reasons")
    reasons.wait_for(state="visible")
    text = reasons.inner_text()
    assert "Consumer name, phone, ssn, and address are required." in text
    assert "Missing: a phone number." in text
    assert "fixing" in f.get_by_test_id("error").inner_text()
    assert host.count("onSuccess") == 0 and host.count("onExit") == 0
    assert no_sideways_scroll(f) == []
    host.shot("enroll-reasons-360", full_page=False)

    # The reason leads back to the details; fixed, the request goes through.
    f.get_by_test_id("reason-details").focus()
    page.keyboard.press("Enter")
    f.get_by_test_id("enroll-details").wait_for(state="visible")
    assert f.get_by_test_id("ssn-on-file").is_visible()
    f.get_by_test_id("phone").fill("(515) 555-0142")
    f.get_by_test_id("details-continue").click()
    f.get_by_test_id("no-income").wait_for(state="visible")
    assert f.get_by_test_id("no-income").is_checked(), "an AGI of 0 is on file"
    f.get_by_test_id("income-continue").click()
    f.get_by_test_id("enroll-review").wait_for(state="visible")
    assert f.get_by_test_id("missing-notice").count() == 0
    f.get_by_test_id("cursive-signature").uncheck()
    assert not f.get_by_test_id("signature-preview").is_visible()
    f.get_by_test_id("authorize").check()
    f.get_by_test_id("submit-enrollment").click()
    ok = host.wait_log("onSuccess")
    enrollment = ok["data"]["result"]["enrollment"]
    assert enrollment["repayment_plan"]["type"] == "rap"
    assert enrollment["cursive_signature"] is False
    assert host.event_names()[-1] == "HANDOFF"
    blob = json.dumps(host.log())
    assert SSN not in blob and SSN.replace("-", "") not in blob

    # One open request at a time: enrolling again while it is pending is "illegal".
    page.locator('iframe[title="Nexus"]').wait_for(state="detached")
    page.get_by_test_id("demo-enroll").click()
    ex = host.wait_log("onExit")
    assert ex["data"]["status"] == "illegal" and "in progress" in ex["data"]["message"]


def test_enroll_plan_the_borrower_cannot_have_is_illegal(host):
    host.open_demo(borrower=rid("e2e-enroll-illegal"))
    page = host.page
    page.get_by_test_id("demo-plan").fill("save")
    page.get_by_test_id("demo-enroll").click()
    ex = host.wait_log("onExit")
    assert ex["data"]["status"] == "illegal"
    assert "ended" in ex["data"]["message"]
    assert host.wait_log("onEvent", "EXIT")["data"]["status"] == "illegal"
    page.locator('iframe[title="Nexus"]').wait_for(state="detached")
    host.shot("enroll-save-illegal")

    # extended needs more than $30,000 in Direct Loans: the sandbox's kirk owes less.
    page.get_by_test_id("demo-plan").fill("extended")
    page.get_by_test_id("demo-enroll").click()
    host.wait_picker()
    f = host.frame
    host.link("Nelnet", "kirk", "anything")
    f.get_by_test_id("done").click()
    assess_details(f)
    ex = host.wait_log("onExit", count=2)
    assert ex["data"]["status"] == "illegal"
    assert "Extended" in ex["data"]["message"] and "30,000" in ex["data"]["message"]
    page.locator('iframe[title="Nexus"]').wait_for(state="detached")
    host.shot("enroll-extended-illegal")

    # The borrower has loans and an income now: an unknown plan exits at once.
    page.get_by_test_id("demo-plan").fill("bogus")
    page.get_by_test_id("demo-enroll").click()
    ex = host.wait_log("onExit", count=3)
    assert ex["data"]["status"] == "illegal" and "bogus" in ex["data"]["message"]
    assert host.count("onSuccess") == 0


