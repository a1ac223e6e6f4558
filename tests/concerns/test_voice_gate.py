"""The voice gate and the supervisor's decision (DOMAIN.md, "The child's voice")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from safeguard.concerns import services
from safeguard.concerns.models import ConcernStatus, Decision
from safeguard.voice.models import VoiceRecord
from tests.conftest import Force, make_child, make_concern, record_voice


def test_concern_cannot_be_submitted_while_a_child_has_no_voice_record(force: Force) -> None:
    officer = force.user("officer")
    amy, baby = make_child(officer), make_child(officer, "Ben", "Smith", "2026-01-02")
    concern = make_concern(officer, amy)
    services.involve(concern=concern, person=baby, roles=["subject_child"], by=officer)
    with pytest.raises(ValidationError) as raised:
        services.submit_concern(concern=concern, by=officer)
    assert raised.value.messages == [
        "Ben Smith: record whether they were seen and spoken to, or the coded reason they were not spoken to"
    ]
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.DRAFT and concern.reference is None


def test_a_coded_reason_lets_a_pre_verbal_child_through_the_gate(force: Force) -> None:
    officer = force.user("officer")
    amy, baby = make_child(officer), make_child(officer, "Ben", "Smith", "2026-01-02")
    concern = make_concern(officer, amy)
    services.involve(concern=concern, person=baby, roles=["subject_child"], by=officer)
    record_voice(
        concern,
        baby,
        officer,
        spoken_to=False,
        reason_not_spoken="pre_verbal",
        childs_words="",
        informed_decision="Seen asleep in cot, well cared for; no injuries visible on him.",
    )
    services.submit_concern(concern=concern, by=officer)
    assert concern.status == ConcernStatus.SUBMITTED and concern.reference.startswith("PPN-")


def test_not_spoken_to_needs_a_coded_reason(force: Force) -> None:
    officer = force.user("officer")
    amy = make_child(officer)
    concern = make_concern(officer)
    services.involve(concern=concern, person=amy, roles=["victim"], by=officer)
    with pytest.raises(ValidationError) as raised:
        record_voice(concern, amy, officer, spoken_to=False, childs_words="")
    assert "reason_not_spoken" in raised.value.message_dict
    assert not VoiceRecord.objects.filter(concern=concern).exists()


def test_supervisor_cannot_endorse_past_failed_quality_checks_without_saying_why(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    amy = make_child(officer)
    concern = make_concern(officer)
    services.involve(concern=concern, person=amy, roles=["victim"], by=officer)
    record_voice(concern, amy, officer, childs_words="", demeanour=[])
    services.submit_concern(concern=concern, by=officer)
    with pytest.raises(ValidationError) as raised:
        services.endorse_concern(concern=concern, rationale="Proportionate response recorded.", by=supervisor)
    assert "quality_override" in raised.value.message_dict
    decision = services.endorse_concern(
        concern=concern,
        rationale="Proportionate response recorded.",
        quality_override="Child spoke to me on my visit next day; words added to the referral.",
        by=supervisor,
    )
    assert decision.decision == Decision.ENDORSE
    assert "own words are not recorded" in decision.quality_issues and "no behaviour" in decision.quality_issues


def test_returned_concern_goes_back_to_the_officer_with_the_reason(force: Force) -> None:
    officer, supervisor = force.user("officer"), force.user("supervisor")
    concern = make_concern(officer, make_child(officer), submit=True)
    services.return_concern(concern=concern, reason="Add the mother's account please.", by=supervisor)
    assert concern.status == ConcernStatus.RETURNED
    [notice] = officer.notifications.all()
    assert "Add the mother's account please." in notice.message


def test_an_officer_cannot_endorse_their_own_concern(force: Force) -> None:
    supervisor = force.user("supervisor")
    concern = make_concern(supervisor, make_child(supervisor), submit=True)
    with pytest.raises(ValidationError):
        services.endorse_concern(concern=concern, rationale="Looks fine to me overall.", by=supervisor)
