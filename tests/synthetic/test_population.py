"""The synthetic population (SYNTHETIC.md): deterministic, its ground truth is true of the data it wrote,
and every concern it submitted would have passed the voice gate."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from safeguard.audit.models import AuditEvent
from safeguard.concerns.models import Concern, ConcernStatus, Decision, Involvement
from safeguard.concerns.services import children_of, submission_problems
from safeguard.people import identity
from safeguard.people.models import Address, DobQuality, Identifier, Person
from safeguard.synthetic.population import GroundTruth, PopulationSpec, load_population, nicknames_of
from tests.conftest import Force, make_child, make_concern

TODAY = date(2026, 6, 1)
QUALITY_CHECKED = {"missing_words", "missing_demeanour", "not_seen_alone_no_reason", "short_informed_decision"}


def spec(**overrides: object) -> PopulationSpec:
    """A few hundred people in the test force's two units, unit B's practice much weaker than unit A's."""
    values: dict[str, object] = dict(
        persons=300,
        seed=7,
        today=TODAY,
        area_units=("UNIT-A", "UNIT-B"),
        specialist_unit=None,
        weak_voice_share={"UNIT-A": 0.05, "UNIT-B": 0.5},
        late_endorsement_share={"UNIT-A": 0.05, "UNIT-B": 0.4},
        progress=False,
    )
    values.update(overrides)
    return PopulationSpec(**values)  # type: ignore[arg-type]


def people(truth: GroundTruth) -> list[tuple[str, str, date | None]]:
    first = truth.first_person_id
    rows = Person.objects.filter(pk__range=(first, first + truth.persons - 1)).order_by("pk")
    return list(rows.values_list("given_name", "family_name", "date_of_birth"))


def test_the_same_seed_gives_the_same_people_and_another_seed_does_not(force: Force) -> None:
    first = load_population(spec=spec())
    second = load_population(spec=spec())
    other = load_population(spec=spec(seed=8))
    assert first.persons == second.persons == 300
    assert people(first) == people(second)
    assert people(first) != people(other)
    assert first.cluster == second.cluster
    assert first.counts == second.counts


def test_every_further_record_is_in_its_originals_cluster_and_carries_its_noise(force: Force) -> None:
    truth = load_population(spec=spec(persons=600))
    assert len(truth.variants) > 30
    persons = Person.objects.in_bulk([v.person_id for v in truth.variants] + [v.original_id for v in truth.variants])
    for variant in truth.variants:
        assert truth.same_individual(variant.person_id, variant.original_id)
        assert variant.person_id in truth.records_of(truth.cluster_of(variant.original_id))
        record, original = persons[variant.person_id], persons[variant.original_id]
        assert (record.given_name, record.family_name, record.date_of_birth) == (
            variant.given_name,
            variant.family_name,
            variant.date_of_birth,
        )
        if "nickname" in variant.noise:
            assert record.given_name in nicknames_of(original.given_name)
        if "dob_year_only" in variant.noise:
            assert record.dob_quality == DobQuality.ESTIMATED
            assert record.date_of_birth == date(original.date_of_birth.year, 1, 1)
        if "dob_day_month_swapped" in variant.noise:
            assert (record.date_of_birth.day, record.date_of_birth.month) == (
                original.date_of_birth.month,
                original.date_of_birth.day,
            )
        if "double_barrelled" in variant.noise:
            assert "-" in record.family_name and "-" not in original.family_name
    # Different individuals never share a cluster: every original starts its own.
    originals = {v.original_id for v in truth.variants}
    assert len({truth.cluster_of(pk) for pk in originals}) == len(originals)


def test_every_submitted_concern_passes_the_voice_gate(force: Force) -> None:
    load_population(spec=spec())
    submitted = Concern.objects.exclude(status=ConcernStatus.DRAFT)
    assert submitted.count() > 200
    assert {c.status for c in submitted} >= {ConcernStatus.ENDORSED}
    for concern in submitted:
        assert submission_problems(concern) == [], concern.reference


def test_endorsements_record_the_quality_issues_the_checks_find(force: Force) -> None:
    truth = load_population(spec=spec())
    overridden = set()
    for concern in Concern.objects.filter(status=ConcernStatus.ENDORSED):
        found = [f"{c.person.full_name}: {issue}" for c in children_of(concern) for issue in c.issues]
        decision = concern.decisions.filter(decision=Decision.ENDORSE).get()
        assert decision.quality_issues == "\n".join(found), concern.reference
        assert bool(decision.quality_override) == bool(found)
        if found:
            overridden.add(concern.pk)
    injected = {f.concern_id for f in truth.failures if f.kind in QUALITY_CHECKED}
    endorsed = set(Concern.objects.filter(status=ConcernStatus.ENDORSED).values_list("pk", flat=True))
    assert len(injected & endorsed) > 10
    assert injected & endorsed == overridden  # good practice raises no issue; each injected one does


def test_one_unit_is_visibly_worse_than_the_other(force: Force) -> None:
    truth = load_population(spec=spec())
    voices = {"UNIT-A": 0, "UNIT-B": 0}
    for unit_code in voices:
        voices[unit_code] = Involvement.objects.filter(is_child=True, concern__unit__code=unit_code).count()
    failed = {
        u: len({(f.concern_id, f.person_id) for f in truth.failures if f.unit == u and f.person_id}) for u in voices
    }
    assert failed["UNIT-B"] / voices["UNIT-B"] > 3 * failed["UNIT-A"] / voices["UNIT-A"]


def test_children_with_three_concerns_in_ninety_days_have_a_cumulative_review(force: Force) -> None:
    truth = load_population(spec=spec(persons=600))
    assert truth.reviews
    for review in truth.reviews:
        trigger = Concern.objects.get(pk=review.concern_id)
        assert trigger.occurred_at is not None
        counted = Concern.objects.filter(
            involvements__person_id=review.person_id,
            occurred_at__gte=trigger.occurred_at - timedelta(days=90),
            occurred_at__lte=trigger.occurred_at,
        ).exclude(status=ConcernStatus.DRAFT)
        assert counted.distinct().count() == review.concern_count >= 3


def test_identifiers_and_addresses_are_valid_but_fake(force: Force) -> None:
    truth = load_population(spec=spec(people_only=True, persons=1_000))
    numbers = list(Identifier.objects.values_list("value", flat=True))
    assert numbers and all(identity.nhs_number_is_valid(n) and n.startswith("999") for n in numbers)
    originals = {truth.records_of(c)[0] for c in set(truth.cluster)}
    missing = 1 - Identifier.objects.filter(person_id__in=originals).count() / len(originals)
    assert 0.34 < missing < 0.46
    postcodes = set(Address.objects.values_list("postcode", flat=True))
    assert all(identity.normalise_postcode(p) == p and p[:2] == "NS" and p[2] in "123456789" for p in postcodes)
    assert not Concern.objects.exists()


def test_the_load_writes_one_audit_event_naming_every_person(force: Force) -> None:
    truth = load_population(spec=spec(people_only=True))
    events = AuditEvent.objects.filter(record_type="people.person")
    assert [e.reason for e in events] == ["synthetic force loaded: 300 persons"]
    first = truth.first_person_id
    assert events[0].record_ids == [str(pk) for pk in range(first, first + 300)]


def test_ground_truth_survives_its_file(force: Force, tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    truth = load_population(spec=spec(), ground_truth_path=path)
    assert GroundTruth.read(path) == truth


@pytest.mark.django_db
def test_seed_demo_loads_the_population_once(tmp_path: Path) -> None:
    args = ["--password", "demo-pass-for-tests", "--persons", "200", "--ground-truth", str(tmp_path / "t.json")]
    call_command("seed_demo", *args, verbosity=0)
    assert Person.objects.count() == 200 and Concern.objects.exists()
    concerns = Concern.objects.count()
    call_command("seed_demo", *args, verbosity=0)
    assert Person.objects.count() == 200 and Concern.objects.count() == concerns
    assert (tmp_path / "t.json").exists()


def test_people_and_concerns_can_be_added_after_the_load(force: Force) -> None:
    truth = load_population(spec=spec())
    officer = force.user("officer")
    child = make_child(officer)
    concern = make_concern(officer, child, submit=True)
    assert child.pk == truth.first_person_id + truth.persons
    assert concern.pk > Concern.objects.exclude(pk=concern.pk).order_by("-pk").values_list("pk", flat=True)[0]
