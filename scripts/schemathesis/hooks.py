"""Schemathesis hooks for CORA: the inputs whose validity no schema can state.

- An `Idempotency-Key` is single-use per request body: reusing one with another body is refused with
  422 IdempotencyKeyReused, by design. A well-formed generated key is replaced by a fresh one, so every
  generated request is a first use of its key.
- A list `cursor` is opaque and carries an integrity check: only a cursor the service issued is valid.
  A well-formed generated cursor is replaced by one the service would issue for a random position.
- `as_of_position` must not pass the latest event, and at most one of `as_of_position` and `as_of_time`
  may be given: a rule across parameters and the store's state. A generated pair keeps the position, and
  a well-formed position becomes 0 (at or before the latest event in any catalogue).
- Id lists (`used_calibrations`, `derived_from`, `conforms_to`) count distinct entries: duplicates
  collapse before the limit is applied, which `maxItems` cannot say. A generated list longer than its
  limit only through repeats is reduced to its distinct entries; one with too many distinct entries is
  left as it is and still refused.
- `min_position` / `Cora-Min-Position` (read-your-writes) asks for a position the store has applied; one
  past the latest event is answered 503 StoreUnavailable after a wait, by design. A well-formed one
  becomes 0, applied in any catalogue.
Malformed keys, cursors and positions are left alone, so the negative cases still test the refusals.
"""
import base64
import hashlib
import os
import re
import uuid

import schemathesis

CURSOR_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
KEY_SHAPE = re.compile(r"^[!-~\u0080-\u00ff](?:[ -~\u0080-\u00ff]{0,253}[!-~\u0080-\u00ff])?$")


def issued_cursor() -> str:
    """What the service encodes: created_at µs (big-endian), the dataset id, 8 bytes of SHA-256 over both."""
    position = int.from_bytes(os.urandom(7), "big").to_bytes(8, "big") + uuid.uuid4().bytes
    check = hashlib.sha256(b"cora.list.datasets.v1" + position).digest()[:8]
    return base64.urlsafe_b64encode(position + check).decode().rstrip("=")


LIST_LIMITS = {"used_calibrations": 64, "derived_from": 64, "conforms_to": 16}


def collapse_repeats(members):
    """Dedupe, in order, each limited list that is over its limit only because of repeats."""
    if not isinstance(members, dict):
        return
    for name, limit in LIST_LIMITS.items():
        values = members.get(name)
        if isinstance(values, list) and len(values) > limit and all(isinstance(v, str) for v in values):
            # The service compares text trimmed and ids in any case, as it stores them.
            distinct = {}
            for value in values:
                distinct.setdefault(value.strip() if name == "conforms_to" else value.lower(), value)
            if len(distinct) <= limit:
                members[name] = list(distinct.values())
    collapse_repeats(members.get("encoding"))


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    collapse_repeats(case.query)
    collapse_repeats(case.body)
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and KEY_SHAPE.match(key):
        headers["Idempotency-Key"] = str(uuid.uuid4())
    query = case.query or {}
    cursor = query.get("cursor")
    if isinstance(cursor, str) and CURSOR_SHAPE.match(cursor):
        query["cursor"] = issued_cursor()
    position = query.get("as_of_position")
    if (isinstance(position, int) and not isinstance(position, bool) and position >= 0) or (isinstance(position, str) and position.isdigit()):
        query["as_of_position"] = 0
        query.pop("as_of_time", None)
    minimum = query.get("min_position")
    if (isinstance(minimum, int) and not isinstance(minimum, bool) and minimum >= 0) or (isinstance(minimum, str) and minimum.isdigit()):
        query["min_position"] = 0
    header = headers.get("Cora-Min-Position")
    if isinstance(header, str) and header.isdigit():
        headers["Cora-Min-Position"] = "0"
