"""Fixtures for the Nexus browser tests (pytest + Playwright, sync API).

Environment:
  NEXUS_BASE        the stack, e.g. http://127.0.0.1:9100 (the API is at $NEXUS_BASE/api/v1)
  NEXUS_API_KEY     the secret API key (default LIVELONGANDPROSPER)
  SCREENSHOT_DIR    where PNGs go (default target/nexus-screenshots)
  NEXUS_SERVER_LOG  optional: the server's log file, grepped for credentials
"""

import gzip
import itertools
import json
import os
import re
import secrets
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

BASE = os.environ.get("NEXUS_BASE", "http://127.0.0.1:9100").rstrip("/")
API = BASE + "/api/v1"
API_KEY = os.environ.get("NEXUS_API_KEY", "LIVELONGANDPROSPER")
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "target/nexus-screenshots"))
SERVER_LOG = os.environ.get("NEXUS_SERVER_LOG") or None
NEXUS_KEY = "GIVINGHERALLSHESGOT"
STEP_MS = 15_000
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_shot_no = itertools.count(1)


def rid(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(5)}"


def http(method: str, url: str, body=None, headers=None):
    """(status, headers, bytes) without raising on HTTP errors."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def api_get(path: str):
    status, _, raw = http("GET", API + path, headers={"Authorization": f"Bearer {API_KEY}"})
    assert status == 200, f"GET {path} -> {status}: {raw[:300]!r}"
    return json.loads(raw)


def gzip_size(raw: bytes) -> int:
    return len(gzip.compress(raw, compresslevel=9))


@pytest.fixture(scope="session")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


class Host:
    """A host page with the Nexus loader (the demo page, or any page with a `window.nexusLog`)."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.console_errors = []
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    # -- navigation ----------------------------------------------------------------------
    @property
    def frame(self):
        return self.page.frame_locator('iframe[title="Nexus"]')

    def open_demo(self, borrower: str | None = None, key: str | None = None):
        self.page.goto(BASE + "/nexus/demo")
        self.page.wait_for_function("() => typeof window.Nexus === 'function' && Array.isArray(window.nexusLog)")
        if borrower is not None:
            self.page.get_by_test_id("demo-borrower").fill(borrower)
        if key is not None:
            self.page.get_by_test_id("demo-key").fill(key)
        return self

    def shot(self, step: str, full_page: bool = True):
        path = SHOTS / f"{next(_shot_no):02d}-{self.name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    # -- the callback log ----------------------------------------------------------------
    def log(self):
        return self.page.evaluate("() => JSON.parse(JSON.stringify(window.nexusLog))")

    def wait_log(self, kind: str, name: str | None = None, count: int = 1, timeout: int = STEP_MS):
        self.page.wait_for_function(
            "([k, n, c]) => (window.nexusLog || []).filter(e => e.kind === k && (n === null || e.name === n)).length >= c",
            arg=[kind, name, count],
            timeout=timeout,
        )
        return [e for e in self.log() if e["kind"] == kind and (name is None or e["name"] == name)][count - 1]

    def event_names(self):
        return [e["name"] for e in self.log() if e["kind"] == "onEvent"]

    def count(self, kind: str, name: str | None = None) -> int:
        return len([e for e in self.log() if e["kind"] == kind and (name is None or e["name"] == name)])

    # -- widget steps ----------------------------------------------------------------------
    def wait_picker(self):
        self.frame.get_by_test_id("servicer-search").wait_for(state="visible")

    def choose_servicer(self, servicer: str):
        self.frame.get_by_test_id(f"servicer-{servicer}").click()
        self.frame.get_by_test_id("username").wait_for(state="visible")

    def submit_credentials(self, username: str, password: str = "anything"):
        self.frame.get_by_test_id("username").fill(username)
        self.frame.get_by_test_id("password").fill(password)
        self.frame.get_by_test_id("link-submit").click()

    def link(self, servicer: str, username: str = "kirk", password: str = "anything", events: bool = True):
        """Link one servicer; waits for the LINKED event (or, on a host without onEvent, the UI)."""
        linked_before = self.count("onEvent", "LINKED") if events else 0
        self.choose_servicer(servicer)
        self.submit_credentials(username, password)
        ev = self.wait_log("onEvent", "LINKED", linked_before + 1) if events else None
        self.wait_picker()
        self.frame.locator(f'[data-testid="linked-list"] [data-servicer="{servicer}"]').wait_for(state="visible")
        return ev

    def modal_open(self) -> bool:
        return self.page.locator('[role="dialog"][aria-modal="true"][aria-label="Nexus"]').count() == 1


@pytest.fixture
def make_host(browser, request):
    contexts = []

    def make(viewport=None, name=None):
        ctx = browser.new_context(viewport=viewport or {"width": 1280, "height": 860})
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(STEP_MS)
        test = re.sub(r"^test_", "", request.node.name)
        return Host(page, name or test)

    yield make
    for c in contexts:
        c.close()


@pytest.fixture
def host(make_host):
    return make_host()
