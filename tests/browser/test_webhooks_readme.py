"""The README's webhook verification snippets, run as written, against a real delivery from the
local stack (loanpath serve with its worker, moto's SQS): a receiver on 127.0.0.1 gets the test
event, and both the Python and the JavaScript snippets accept its signature and refuse a
tampered body."""

import json
import re
import textwrap
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import API_KEY, BASE, http

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def snippet(lang: str) -> str:
    section = README[README.index("## Webhooks"):]
    block = re.search(r"```" + lang + r"\n(.*?)```", section, re.S).group(1)
    return textwrap.dedent(block)


def test_the_readme_snippets_verify_a_real_delivery(tmp_path):
    got = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["content-length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    auth = {"Authorization": f"Bearer {API_KEY}"}
    try:
        status, _, raw = http("POST", f"{BASE}/api/v1/webhooks", {"url": url}, auth)
        assert status == 201, raw
        secret = json.loads(raw)["secret"]
        status, _, raw = http("POST", f"{BASE}/api/v1/webhooks/test", {"url": url}, auth)
        assert status == 202, raw
        deadline = time.time() + 15
        while not got and time.time() < deadline:
            time.sleep(0.2)
        assert got, "the worker delivered the test event"
        headers, body = got[0]
        envelope = json.loads(body)
        assert envelope["event_type"] == "webhook.test" and envelope["data"] is None
        assert headers["webhook-id"] == envelope["id"]

        scope = {}
        exec(snippet("python"), scope)
        assert scope["verify"](secret, headers, body)
        assert not scope["verify"](secret, headers, body + b" ")
        assert not scope["verify"]("whsec_" + "A" * 32, headers, body)

        node = shutil.which("node")
        if node is None:
            pytest.skip("node is not installed")
        script = tmp_path / "verify.js"
        script.write_text(
            snippet("js")
            + "\nconst [s, h, b] = [process.argv[2], JSON.parse(process.argv[3]), process.argv[4]]\n"
            + "process.exit(verify(s, h, b) ? 0 : 1)\n"
        )
        ok = subprocess.run([node, str(script), secret, json.dumps(headers), body.decode()])
        assert ok.returncode == 0
        bad = subprocess.run([node, str(script), secret, json.dumps(headers), body.decode() + " "])
        assert bad.returncode == 1
    finally:
        server.shutdown()
