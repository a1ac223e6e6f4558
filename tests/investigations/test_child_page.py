"""The child's page lists the investigations they are part of, scoped and audited like everything else."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from safeguard.investigations import services as inv
from tests.conftest import Force, events_since, last_seq, make_child, make_concern, sign_in


def test_the_childs_page_shows_their_investigation_to_the_team_and_audits_it(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    child = make_child(officer)
    investigation = inv.open_investigation(
        concerns=[make_concern(officer, child, submit=True)],
        officer=officer,
        summary="Alleged assault of a child at home by a parent.",
        risk_grade="high",
        risk_rationale="Repeat incident and a young child.",
        first_review_on=inv.today(),
        by=supervisor,
    )
    seq = last_seq()
    page = sign_in(Client(), force.colleague).get(reverse("people:detail", args=[child.pk]))
    assert f"Investigation {investigation.reference}".encode() in page.content
    assert b"Awaiting acceptance" in page.content
    [event] = [e for e in events_since(seq) if e.record_type == "investigations.investigation"]
    assert event.record_ids == [str(investigation.pk)]
    outsider_page = sign_in(Client(), force.outsider).get(reverse("people:detail", args=[child.pk]))
    assert investigation.reference.encode() not in outsider_page.content  # type: ignore[union-attr]
