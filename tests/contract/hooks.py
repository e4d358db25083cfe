"""schemathesis hooks for the contract test (scripts/contract-test sets SCHEMATHESIS_HOOKS).

An Idempotency-Key means "this request again": reused with a different request it is a 422 by
design (docs/idempotency.md). Generated cases reuse a few generated keys for unrelated
requests, which would read as valid data rejected. So a well-formed key is made unique per
call; a malformed one (a negative case) is sent as generated.
"""
import re
import uuid

import schemathesis

KEY = re.compile(r"^[\x21-\x7E]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            value = headers[name]
            if isinstance(value, str) and KEY.match(value):
                headers[name] = f"{value[:200]}.{uuid.uuid4().hex}"
