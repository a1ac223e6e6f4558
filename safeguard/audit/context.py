"""Where an audited operation came from: the request id, channel and path, carried in a context variable
so that services record them without every caller passing them along."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    request_id: str = ""
    channel: str = "system"
    path: str = ""


_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar("audit_origin", default=Origin())  # noqa: B039 (frozen)


def current_origin() -> Origin:
    return _origin.get()


def set_origin(origin: Origin) -> contextvars.Token[Origin]:
    return _origin.set(origin)


def reset_origin(token: contextvars.Token[Origin]) -> None:
    _origin.reset(token)
