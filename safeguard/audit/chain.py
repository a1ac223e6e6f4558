"""Canonical form and HMAC of an audit row. verify_audit and the writer use the same two functions."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

GENESIS = "0" * 64


def canonical(row: dict[str, Any]) -> bytes:
    """The bytes the chain covers: every field that says who did what to which record, when and why."""
    occurred: datetime = row["occurred_at"]
    fields = {
        "seq": row["seq"],
        "occurred_at": occurred.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": row["actor_id"],
        "actor_username": row["actor_username"],
        "actor_roles": row["actor_roles"],
        "actor_organisation": row["actor_organisation"],
        "operation": row["operation"],
        "record_type": row["record_type"],
        "record_ids": [str(r) for r in row["record_ids"]],
        "outcome": row["outcome"],
        "reason": row["reason"],
        "recipients": [str(r) for r in row["recipients"]],
        "request_id": row["request_id"],
        "channel": row["channel"],
        "path": row["path"],
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, row: dict[str, Any]) -> str:
    key = settings.AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, prev_hash.encode() + b"\n" + canonical(row), hashlib.sha256).hexdigest()
