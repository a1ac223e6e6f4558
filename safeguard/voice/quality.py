"""The voice quality checks (DOMAIN.md): shown to the officer and the supervisor; a supervisor who
endorses past one records why. The thresholds are local parameters."""

from __future__ import annotations

from safeguard import parameters

from .models import SeenAlone, VoiceRecord


def quality_issues(voice: VoiceRecord, *, age: int | None) -> list[str]:
    """What is weak about one voice record, in words an officer can act on."""
    issues = []
    if voice.spoken_to and not voice.childs_words.strip():
        issues.append("spoken to, but the child's own words are not recorded")
    if voice.seen and not voice.demeanour_codes:
        issues.append("seen, but no behaviour or demeanour is recorded")
    min_age = parameters.value("voice.seen_alone_age")
    if (
        voice.seen
        and age is not None
        and age >= min_age
        and voice.seen_alone != SeenAlone.YES
        and not voice.seen_alone_reason.strip()
    ):
        issues.append(f"aged {age} and not seen alone, with no reason given")
    min_chars = parameters.value("voice.informed_decision_min_chars")
    if (voice.seen or voice.spoken_to) and len(voice.informed_decision.strip()) < min_chars:
        issues.append(f"'how it informed the decision' is empty or under {min_chars} characters")
    return issues
