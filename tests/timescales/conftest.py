"""The timescales tests arrange exactly the concern clocks each list and count should show. The clocks
to share that a concern's submission and endorsement also start (a MASH referral, an Operation Encompass
notice) belong to sharing and are tested there (tests/sharing); here they would only add rows the
arrangements did not ask for, so their receivers are disconnected for these tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from safeguard.concerns.signals import concern_endorsed, concern_submitted
from safeguard.sharing import receivers


@pytest.fixture(autouse=True)
def without_sharing_clocks() -> Iterator[None]:
    concern_submitted.disconnect(receivers.start_clocks_on_submission)
    concern_endorsed.disconnect(receivers.start_clocks_on_endorsement)
    try:
        yield
    finally:
        concern_submitted.connect(receivers.start_clocks_on_submission)
        concern_endorsed.connect(receivers.start_clocks_on_endorsement)
