"""My work and My team cost the same number of queries however many clocks they list."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import Force, sign_in
from tests.timescales.test_sweep_and_alerts import T0, note_clock


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_work_queues_cost_a_fixed_number_of_queries(force: Force) -> None:
    supervisor = sign_in(Client(), force.user("supervisor"))
    officer = sign_in(Client(), force.user("officer"))
    pages = [(supervisor, reverse("timescales:team")), (officer, reverse("timescales:mine"))]
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        for i in range(3):
            note_clock(force, title=f"first {i}")
        few = [queries(client, url) for client, url in pages]
        for i in range(30):
            note_clock(force, title=f"more {i}", owner="officer" if i % 2 else None)
        many = [queries(client, url) for client, url in pages]
    assert few == many
