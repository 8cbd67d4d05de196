"""Hooks for the schemathesis run of tests/api/schemathesis.test.ts."""

import re
import uuid

import schemathesis

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    # api.md: a retry with the same Idempotency-Key answers the first result, and the key reused for another request
    # is a 422 (documented; tests/api cover both). Schemathesis draws keys from a small space ("0", "A", ...) and sends
    # the same one with different bodies, which a client never does: a well-formed key becomes a fresh one per call,
    # so each case reaches the operation itself. Malformed keys (the negative cases) are sent as drawn.
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key" and IDEMPOTENCY_KEY.match(str(case.headers[name])):
            case.headers[name] = str(uuid.uuid4())
