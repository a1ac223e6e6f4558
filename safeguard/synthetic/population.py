"""The synthetic population of Northshire (SYNTHETIC.md): households of carers and children, adults
known to the police, the same child recorded more than once under a different spelling, ten years of
concerns with their children's voices — and the ground truth of all of it, so tests and benchmarks can
score matching, dashboards and audits against what was injected.

    load_population(spec=PopulationSpec(persons=8_000), ground_truth_path=path)

Deterministic for a given ``PopulationSpec`` (seed, size and ``today``), on SQLite and PostgreSQL
alike. Rows are built in memory a household at a time and written in batches: ``bulk_create`` on
SQLite, COPY on PostgreSQL (several times faster at millions of rows). Person, concern and voice ids
are allocated here, after the highest id in the table, so every row can name its parent without
reading it back; the sequences are moved past them at the end. Load into a quiet database: nothing
else may insert people or concerns meanwhile.

Sizes (SYNTHETIC.md tiers): demo 8k people and 10k concerns load in ~20 s on SQLite; 250k people-only
in ~1.5 min; 2M people-only (the search benchmark) in minutes on PostgreSQL.

The load is one transaction with one audit event naming every person created ("synthetic force
loaded: N persons"); the synthetic officers it adds to units that have none are audited like the demo
users. Nothing here is real: names come from the generic lists below, postcodes from the fictional
outward codes NS1-NS9, NHS numbers from the 999 test range.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from safeguard import parameters
from safeguard.accounts.models import Role, RoleCode, Unit, User
from safeguard.audit import services as audit
from safeguard.audit.models import Operation
from safeguard.concerns.models import (
    RISK_RANK,
    Concern,
    ConcernStatus,
    ConcernType,
    ConcernTypeTag,
    CumulativeReview,
    Decision,
    Involvement,
    InvolvementRole,
    ReviewStatus,
    RiskAssessment,
    RiskGrade,
    SupervisorDecision,
)
from safeguard.concerns.timescales import CUMULATIVE_REVIEW, DECISION, RESUBMISSION
from safeguard.people import identity
from safeguard.people.models import (
    Address,
    DobQuality,
    Flag,
    FlagKind,
    Gender,
    Identifier,
    IdentifierKind,
    Person,
    PersonName,
    Relationship,
    RelationshipKind,
    Source,
)
from safeguard.people.services import name_rows
from safeguard.timescales.models import BreachReason, Clock, ClockOutcome
from safeguard.timescales.rules import Rule
from safeguard.timescales.services import THRESHOLD_VALUES, new_clock
from safeguard.voice.models import Demeanour, DemeanourObservation, ReasonNotSpoken, SeenAlone, VoiceRecord

# --- Generic name lists (no real people: first names and surnames are drawn independently) -------


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


FEMALE_NAMES = _words(
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily Ella Poppy "
    "Evie Elsie Charlotte Evelyn Sienna Daisy Sophie Matilda Isabelle Harper Alice Phoebe Ruby Millie Jessica "
    "Chloe Lucy Ellie Holly Megan Hannah Katie Amy Rebecca Lauren Bethany Abigail Emma Laura Sarah Rachel "
    "Gemma Nicola Kirsty Stacey Leanne Kelly Claire Michelle Louise Joanne Donna Lisa Elizabeth Katherine "
    "Margaret Victoria Alexandra Natalie Samantha Jennifer Stephanie Caroline Zara Aisha Maya Layla Nadia "
    "Amira Hana Leah Courtney Jade Shannon Chelsea Paige Demi Tia Summer Scarlett Erin Molly Maisie Esme "
    "Mabel Iris Violet Eliza Thea Ada Martha Penelope Susan Patricia Deborah Tracey Karen Julie Angela Dawn"
)

MALE_NAMES = _words(
    "Oliver George Noah Arthur Leo Muhammad Harry Oscar Archie Henry Theodore Freddie Jack Charlie Thomas "
    "Jacob Alfie Finley Isaac William Alexander James Joshua Samuel Daniel Benjamin Joseph Lucas Max Ethan "
    "Dylan Logan Mason Riley Tyler Kyle Callum Connor Jordan Liam Bradley Ryan Luke Jake Lewis Matthew Nathan "
    "Adam Christopher Michael Robert Richard David Andrew Mark Paul Stephen Anthony Gary Craig Darren Lee Wayne "
    "Dean Carl Shaun Jamie Aaron Kieran Reece Edward Frederick Nicholas Jonathan Timothy Peter Kevin Ian Neil "
    "Jason Scott Ibrahim Yusuf Omar Ali Hamza Zain Elijah Reuben Jude Albie Tommy Louie Ronnie Teddy Rory Ezra "
    "Harrison Sebastian Toby Finn"
)

SURNAMES = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
    "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
    "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker "
    "Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller "
    "Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb "
    "Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler "
    "Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson "
    "Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole "
    "Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells "
    "Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley "
    "Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy "
    "Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson "
    "Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson "
    "Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers Griffin Sharp Hardy Wheeler Potter "
    "Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis "
    "Higgins Read Miles Stevenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan "
    "Whitehead Mann Frost Lambert Blake Akhtar Lynch Goodwin Barton Woodward Cunningham Quinn Barnett Baxter "
    "Clayton Nash Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson Fowler Heath Norman "
    "Middleton Lawson Banks French Stanley Jarvis Gibbs Ferguson Hayward Carroll Douglas Dickinson Todd Barlow"
)

# The long tail of surnames: generic stems and endings, combined (Ashworth, Fenbridge, ...).
SURNAME_STEMS = _words(
    "Ash Black Brad Bram Brook Cald Carl Craw Dal Dun Elm Fair Fen Gold Hal Hart Hol Kings Lang Mar Mid Mor "
    "North Oak Pen Red Rad Shel South Stan Thorn Wal West Wins Bar Her Lind Mel Rush"
)
SURNAME_ENDINGS = _words(
    "ley ton worth wood ford field by ham more well dale combe stead bridge brook hurst land wick borne cliffe"
)

STREETS = _words(
    "Acacia Road, Mill Lane, Church Street, Victoria Road, Station Road, Park Avenue, The Crescent, Meadow Close, "
    "Orchard Way, Chapel Row, High Street, Queen Street, Bridge Road, Elm Grove, Willow Drive, Beech Court, "
    "Canal Side, Moor Lane, Hawthorn Rise, School Lane, Ferry Road, Granary Walk, Kiln Lane, Spring Gardens",
    sep=", ",
)

TOWNS = (
    "Northtown",
    "Northtown",
    "Kingsmere",
    "Fellbridge",
    "Ashby Moor",
    "Southgate",
    "Southgate",
    "Marlvale",
    "Eastwick",
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# --- Shapes (SYNTHETIC.md; keep them configurable) ------------------------------------------------

CONCERN_MIX: dict[str, float] = {
    ConcernType.DOMESTIC_ABUSE: 0.40,
    ConcernType.NEGLECT: 0.25,
    ConcernType.PHYSICAL: 0.10,
    ConcernType.SEXUAL: 0.07,
    ConcernType.CSE: 0.025,
    ConcernType.CCE: 0.025,
    ConcernType.ONLINE: 0.05,
    ConcernType.CUSTODY: 0.015,
    ConcernType.POLICE_PROTECTION: 0.015,
    ConcernType.EMOTIONAL: 0.02,
    ConcernType.HARMFUL_PRACTICES: 0.005,
    ConcernType.OTHER_WELFARE: 0.025,
}
RISK_MIX: dict[str, float] = {RiskGrade.STANDARD: 0.60, RiskGrade.MEDIUM: 0.30, RiskGrade.HIGH: 0.10}
SPECIALIST_TYPES = {ConcernType.SEXUAL, ConcernType.CSE, ConcernType.CCE, ConcernType.ONLINE}
# DOMAIN.md, "Supervision": a submitted concern is endorsed or returned within these hours (defaults).
# Why synthetic late work was late (BreachReason), so dashboards have reasons to count.
BREACH_MIX: dict[str, float] = {
    BreachReason.DEMAND: 0.45,
    BreachReason.UNAVAILABLE: 0.2,
    BreachReason.AWAITING_FORCE: 0.1,
    BreachReason.AWAITING_PARTNER: 0.1,
    BreachReason.COMPLEXITY: 0.1,
    BreachReason.OTHER: 0.05,
}
BREACH_DETAIL: dict[str, str] = {
    BreachReason.DEMAND: "The team's queue was long after a busy weekend.",
    BreachReason.UNAVAILABLE: "The supervisor was on leave and cover was not arranged.",
    BreachReason.AWAITING_FORCE: "Waited for the intelligence check to come back.",
    BreachReason.AWAITING_PARTNER: "Waited for the school to confirm who the child lives with.",
    BreachReason.COMPLEXITY: "Several children and two addresses needed checking first.",
    BreachReason.OTHER: "The system was unavailable for part of the shift.",
}
DECISION_DUE_HOURS = {RiskGrade.HIGH: 4, RiskGrade.MEDIUM: 24, RiskGrade.STANDARD: 72}
TIERS = {"demo": (8_000, 10_000), "S": (250_000, 250_000), "M": (2_000_000, 2_000_000)}

# Identity noise on a second (or third) record of the same person, with relative weights.
NOISE_WEIGHTS: dict[str, float] = {
    "nickname": 3.0,
    "given_transposed": 1.0,
    "given_dropped_letter": 1.0,
    "family_transposed": 1.5,
    "family_dropped_letter": 1.5,
    "double_barrelled": 1.0,
    "one_part_of_surname": 1.0,
    "changed_surname": 1.5,
    "dob_day_month_swapped": 1.5,
    "dob_year_only": 1.5,
    "dob_unknown": 0.5,
    "recorded_again": 1.0,
}

PRACTICE_FAILURES = (
    "not_spoken_weak_reason",  # first: it decides whether the others can apply
    "missing_words",
    "missing_demeanour",
    "not_seen_alone_no_reason",
    "short_informed_decision",
)


def _default_weak_voice() -> dict[str, float]:
    return {"PPU-NORTH": 0.05, "PPU-SOUTH": 0.35, "CAIT": 0.10}


def _default_late_endorsement() -> dict[str, float]:
    return {"PPU-NORTH": 0.04, "PPU-SOUTH": 0.30, "CAIT": 0.08}


@dataclass(frozen=True)
class PopulationSpec:
    """What to generate. ``concerns`` defaults to 1.25 per person (the demo tier's ~10k for ~8k)."""

    persons: int = 8_000
    seed: int = 20240601
    concerns: int | None = None
    people_only: bool = False  # persons, names, identifiers and addresses only (the search benchmark)
    years: int = 10
    today: date | None = None  # generated times end at the start of this day; default: today
    batch: int = 5_000
    area_units: tuple[str, ...] = ("PPU-NORTH", "PPU-SOUTH")  # split by outward code NS1-NS9
    specialist_unit: str | None = "CAIT"  # takes most sexual, exploitation and online concerns
    officers_per_unit: int = 6
    weak_voice_share: Mapping[str, float] = field(default_factory=_default_weak_voice)
    late_endorsement_share: Mapping[str, float] = field(default_factory=_default_late_endorsement)
    concern_mix: Mapping[str, float] = field(default_factory=lambda: dict(CONCERN_MIX))
    risk_mix: Mapping[str, float] = field(default_factory=lambda: dict(RISK_MIX))
    nhs_missing: float = 0.40
    rereferral: float = 0.12  # a concern following the family's last within a year, besides chance
    child_duplicates: tuple[float, float] = (0.14, 0.03)  # share of children recorded twice, three times
    adult_duplicates: float = 0.05
    progress: bool = True

    @classmethod
    def tier(cls, name: str, **overrides: Any) -> PopulationSpec:
        persons, concerns = TIERS[name]
        return cls(persons=persons, concerns=concerns, **overrides)


# --- Ground truth --------------------------------------------------------------------------------


@dataclass
class Variant:
    """A further record of an individual already recorded (``original_id``), and the noise it carries."""

    person_id: int
    original_id: int
    noise: list[str]
    given_name: str
    family_name: str
    date_of_birth: date | None
    dob_quality: str
    postcode: str
    nhs_number: str


@dataclass
class PracticeFailure:
    kind: str  # one of PRACTICE_FAILURES, or "late_endorsement"
    concern_id: int
    person_id: int | None
    unit: str


@dataclass
class ReviewTruth:
    person_id: int
    concern_id: int
    concern_count: int
    status: str


@dataclass
class GroundTruth:
    """What was generated and injected. ``cluster[i]`` is the real individual of person
    ``first_person_id + i``: two person ids are the same child or adult exactly when their clusters are
    equal."""

    seed: int
    persons: int
    first_person_id: int
    cluster: list[int] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    failures: list[PracticeFailure] = field(default_factory=list)
    reviews: list[ReviewTruth] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def cluster_of(self, person_id: int) -> int:
        return self.cluster[person_id - self.first_person_id]

    def same_individual(self, a: int, b: int) -> bool:
        return self.cluster_of(a) == self.cluster_of(b)

    def records_of(self, cluster_id: int) -> list[int]:
        return [self.first_person_id + i for i, c in enumerate(self.cluster) if c == cluster_id]

    def write(self, path: Path) -> None:
        data = asdict(self)
        for variant in data["variants"]:
            dob = variant["date_of_birth"]
            variant["date_of_birth"] = dob.isoformat() if dob else None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, separators=(",", ":")))

    @classmethod
    def read(cls, path: Path) -> GroundTruth:
        data = json.loads(path.read_text())
        variants = [
            Variant(**{**v, "date_of_birth": date.fromisoformat(v["date_of_birth"]) if v["date_of_birth"] else None})
            for v in data.pop("variants")
        ]
        failures = [PracticeFailure(**f) for f in data.pop("failures")]
        reviews = [ReviewTruth(**r) for r in data.pop("reviews")]
        return cls(**data, variants=variants, failures=failures, reviews=reviews)


# --- Random draws --------------------------------------------------------------------------------


class Draw:
    """The generator's random source: one ``random.Random`` and weighted tables built once."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        tail = [stem + end for stem in SURNAME_STEMS for end in SURNAME_ENDINGS]
        self._female = self._table(FEMALE_NAMES, offset=6)
        self._male = self._table(MALE_NAMES, offset=6)
        self._surname = self._table(SURNAMES, offset=8)
        self._tail = self._table(tail, offset=50)

    @staticmethod
    def _table(names: Sequence[str], *, offset: int) -> tuple[list[str], list[float]]:
        """A Zipf-like table: the first names in the list are the most common."""
        cumulative, total = [], 0.0
        for rank in range(len(names)):
            total += 1 / (rank + offset)
            cumulative.append(total)
        return list(names), cumulative

    def pick(self, table: tuple[list[str], list[float]]) -> str:
        names, cumulative = table
        return self.rng.choices(names, cum_weights=cumulative)[0]

    def given(self, gender: str) -> str:
        if gender == Gender.UNKNOWN:
            gender = self.rng.choice((Gender.FEMALE, Gender.MALE))
        return self.pick(self._female if gender == Gender.FEMALE else self._male)

    def surname(self) -> str:
        return self.pick(self._surname) if self.rng.random() < 0.7 else self.pick(self._tail)

    def weighted(self, weights: Mapping[str, float]) -> str:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def poisson(self, mean: float) -> int:
        limit, k, product = math.exp(-min(mean, 60.0)), 0, self.rng.random()
        while product > limit:
            k += 1
            product *= self.rng.random()
        return k

    def postcode(self) -> str:
        r = self.rng
        return f"NS{r.randint(1, 9)} {r.randint(0, 9)}{r.choice(INWARD_LETTERS)}{r.choice(INWARD_LETTERS)}"

    def address(self) -> tuple[str, str, str]:
        postcode = self.postcode()
        line1 = f"{self.rng.randint(1, 180)} {self.rng.choice(STREETS)}"
        return line1, TOWNS[int(postcode[2]) - 1], postcode


def nhs_number(index: int) -> str:
    """The ``index``-th NHS number of the 999 test range, or "" where that number's check digit would be
    10 (such numbers are never issued). A bijection of 0..999,999 keeps them unique and scattered."""
    body = f"999{(index * 7_919 + 104_729) % 1_000_000:06d}"
    total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "" if check == 10 else identity.format_nhs_number(body + str(check))


# --- Identity noise ------------------------------------------------------------------------------


def transpose_letters(name: str, rng: random.Random) -> str:
    """Swap two neighbouring letters after the first (Smith -> Smtih)."""
    if len(name) < 4:
        return name
    i = rng.randint(1, len(name) - 3)
    if name[i] == name[i + 1]:
        return drop_letter(name, rng)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def drop_letter(name: str, rng: random.Random) -> str:
    """Leave out one letter after the first (Thompson -> Thomson)."""
    if len(name) < 4:
        return name
    i = rng.randint(1, len(name) - 1)
    return name[:i] + name[i + 1 :]


def nicknames_of(given: str) -> list[str]:
    """The forms a given name is also known by (Alexander -> Al, Alec, Alex, Sandy), in a fixed order."""
    return sorted(n.title() for n in identity._namer().nicknames_of(identity.normalise(given)) if len(n) > 2)


def swap_day_month(day: date) -> date | None:
    if day.day > 12 or day.day == day.month:
        return None
    return day.replace(month=day.day, day=day.month)


# --- In-memory shapes ----------------------------------------------------------------------------


@dataclass
class Record:
    """One Person row to be written."""

    pid: int
    individual: int
    given: str
    family: str
    dob: date | None
    dob_quality: str
    gender: str
    line1: str
    town: str
    postcode: str
    nhs: str
    unit_id: int
    owner_id: int
    created_at: datetime | None = None
    restricted: bool = False


@dataclass
class Individual:
    index: int
    born: date
    gender: str
    records: list[Record]

    @property
    def original(self) -> Record:
        return self.records[0]


@dataclass
class Household:
    carers: list[Individual]
    children: list[Individual]
    unit_code: str
    line1: str
    town: str
    postcode: str
    main_type: str


@dataclass
class Staff:
    """Who records, decides and reviews in each unit (user ids)."""

    unit_ids: dict[str, int]
    officers: dict[str, list[int]]
    supervisors: dict[str, int]
    hub: int | None


@dataclass
class Rows:
    """Rows waiting for the next ``bulk_create``, parents before children."""

    persons: list[Person] = field(default_factory=list)
    names: list[PersonName] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    concerns: list[Concern] = field(default_factory=list)
    tags: list[ConcernTypeTag] = field(default_factory=list)
    risks: list[RiskAssessment] = field(default_factory=list)
    involvements: list[Involvement] = field(default_factory=list)
    decisions: list[SupervisorDecision] = field(default_factory=list)
    voices: list[VoiceRecord] = field(default_factory=list)
    observations: list[DemeanourObservation] = field(default_factory=list)
    reviews: list[CumulativeReview] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)

    def flush(self, counts: dict[str, int]) -> None:
        insert = copy_rows if connection.vendor == "postgresql" else bulk_insert
        for name, model in (
            ("persons", Person),
            ("names", PersonName),
            ("identifiers", Identifier),
            ("addresses", Address),
            ("relationships", Relationship),
            ("flags", Flag),
            ("concerns", Concern),
            ("tags", ConcernTypeTag),
            ("risks", RiskAssessment),
            ("involvements", Involvement),
            ("decisions", SupervisorDecision),
            ("voices", VoiceRecord),
            ("observations", DemeanourObservation),
            ("reviews", CumulativeReview),
            ("clocks", Clock),
        ):
            rows: list[models.Model] = getattr(self, name)
            if rows:
                insert(model, rows)
                counts[name] = counts.get(name, 0) + len(rows)
                rows.clear()


def bulk_insert(model: type[models.Model], rows: list[models.Model]) -> None:
    model._default_manager.bulk_create(rows, batch_size=2_000)  # type: ignore[attr-defined]


def copy_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """PostgreSQL's COPY of what ``bulk_create`` would insert (several times faster at millions of rows):
    every concrete column, the primary key only when it was allocated, values prepared by each field."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and getattr(rows[0], f.attname) is None)  # type: ignore[attr-defined]
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row([f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields])


# --- Staff ---------------------------------------------------------------------------------------


def ensure_staff(spec: PopulationSpec) -> Staff:
    """The officers and supervisor of each recording unit: the unit's own members, topped up with
    synthetic officers (no usable password) where it has fewer than ``officers_per_unit``."""
    codes = [*spec.area_units, *([spec.specialist_unit] if spec.specialist_unit else [])]
    units = {u.code: u for u in Unit.objects.filter(code__in=codes).select_related("organisation")}
    missing = [c for c in codes if c not in units]
    if missing:
        raise ValueError(f"Units {', '.join(missing)} do not exist: build the force first")
    roles = {r.code: r for r in Role.objects.all()}
    draw = Draw(spec.seed ^ 0x5EED)
    created: list[User] = []
    staff = Staff(unit_ids={c: u.pk for c, u in units.items()}, officers={}, supervisors={}, hub=None)
    for code, unit in units.items():
        members = User.objects.filter(unit=unit, is_active=True).order_by("pk")
        officers = [u.pk for u in members.filter(roles__code__in=[RoleCode.OFFICER, RoleCode.INVESTIGATOR])]
        officers = list(dict.fromkeys(officers))
        n = 0
        while len(officers) < spec.officers_per_unit:
            n += 1
            username = f"{code.lower()}-officer-{n:02d}"
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                user = _synthetic_user(username, unit, draw, roles[RoleCode.OFFICER])
                created.append(user)
            if user.pk not in officers:
                officers.append(user.pk)
        staff.officers[code] = officers
        supervisor_id = (
            unit.supervisor_id or members.filter(roles__code=RoleCode.SUPERVISOR).values_list("pk", flat=True).first()
        )
        if supervisor_id is None:
            username = f"{code.lower()}-supervisor"
            user = User.objects.filter(username__iexact=username).first()
            if user is None:
                user = _synthetic_user(username, unit, draw, roles[RoleCode.SUPERVISOR])
                created.append(user)
            Unit.objects.filter(pk=unit.pk, supervisor__isnull=True).update(supervisor=user)
            supervisor_id = user.pk
        staff.supervisors[code] = supervisor_id
    staff.hub = (
        User.objects.filter(roles__code=RoleCode.HUB, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if created:
        audit.record(
            actor=None,
            operation=Operation.COLLECT,
            record_type="accounts.user",
            records=created,
            reason="synthetic officers for the synthetic force",
        )
    return staff


def _synthetic_user(username: str, unit: Unit, draw: Draw, role: Role) -> User:
    gender = draw.rng.choice((Gender.FEMALE, Gender.MALE))
    user = User(
        username=username,
        first_name=draw.given(gender),
        last_name=draw.surname(),
        organisation=unit.organisation,
        unit=unit,
    )
    user.set_unusable_password()
    user.save()
    user.roles.set([role])
    return user


# --- The generator -------------------------------------------------------------------------------


def load_population(*, spec: PopulationSpec, ground_truth_path: Path | None = None) -> GroundTruth:
    """Generate and insert ``spec.persons`` people (and their concerns unless ``people_only``) in one
    transaction, with one audit event; write the ground truth to ``ground_truth_path`` if given."""
    with transaction.atomic():
        staff = ensure_staff(spec)
        truth = Population(spec, staff).load()
        first = truth.first_person_id
        audit.record(
            actor=None,
            operation=Operation.COLLECT,
            record_type="people.person",
            records=[str(pk) for pk in range(first, first + truth.persons)],
            reason=f"synthetic force loaded: {truth.persons} persons",
        )
    if ground_truth_path is not None:
        truth.write(ground_truth_path)
    return truth


def _next_id(model: type[models.Model]) -> int:
    highest = model._default_manager.aggregate(m=models.Max("pk"))["m"]  # type: ignore[attr-defined]
    return (highest or 0) + 1


class Population:
    """One load: the random source, the ids allocated so far, the rows waiting and the ground truth."""

    def __init__(self, spec: PopulationSpec, staff: Staff) -> None:
        self.spec = spec
        self.staff = staff
        self.draw = Draw(spec.seed)
        self.rng = self.draw.rng
        self.zone = ZoneInfo(settings.TIME_ZONE)
        today = spec.today or timezone.localdate()
        self.today = today
        self.now = datetime.combine(today, time(0, 0), tzinfo=self.zone)
        self.start = self.now - timedelta(days=round(365.25 * spec.years))
        self.next_pid = _next_id(Person)
        self.next_concern = _next_id(Concern)
        self.next_voice = _next_id(VoiceRecord)
        self.next_review = _next_id(CumulativeReview)
        self.truth = GroundTruth(seed=spec.seed, persons=0, first_person_id=self.next_pid)
        self.rows = Rows()
        self.individuals = 0
        self.nhs_issued = 0
        self.lone_adults: list[Individual] = []
        self.window_total, self.windows = 0.0, 0
        self.pending_variants: list[tuple[Record, Individual, list[str]]] = []
        target = spec.concerns if spec.concerns is not None else round(spec.persons * 1.25)
        self.concerns_per_household = 0.0 if spec.people_only else target / max(1.0, self._families_expected())
        self.min_alone_age = parameters.value("voice.seen_alone_age")
        self.min_decision_chars = parameters.value("voice.informed_decision_min_chars")

    # -- sizes

    def _families_expected(self) -> float:
        """Family households expected for ``spec.persons`` records, from the shapes in ``household``."""
        c1, c2 = self.spec.child_duplicates
        per_child = 1 + c1 + 2 * c2
        per_adult = 1 + self.spec.adult_duplicates
        per_family = (0.35 * 1 + 0.65 * 2) * per_adult + (0.40 * 1 + 0.35 * 2 + 0.17 * 3 + 0.08 * 4) * per_child
        per_household = 0.75 * per_family + 0.25 * per_adult
        return 0.75 * self.spec.persons / per_household

    # -- the main loop

    def load(self) -> GroundTruth:
        spec = self.spec
        with tqdm(
            total=spec.persons, unit=" persons", desc="Synthetic force", disable=not spec.progress, mininterval=0.5
        ) as bar:
            while self.truth.persons < spec.persons:
                before = self.truth.persons
                self._household()
                bar.update(self.truth.persons - before)
                if len(self.rows.persons) >= spec.batch or len(self.rows.concerns) >= spec.batch:
                    self.rows.flush(self.truth.counts)
                    if not spec.people_only:
                        bar.set_postfix(concerns=self.truth.counts.get("concerns", 0), refresh=False)
            self.rows.flush(self.truth.counts)
        self._move_sequences()
        self.truth.counts["variants"] = len(self.truth.variants)
        self.truth.counts["individuals"] = self.individuals
        return self.truth

    def _move_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), [Person, Concern, VoiceRecord, CumulativeReview])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    # -- people

    def _unit_of(self, postcode: str) -> str:
        units = self.spec.area_units
        return units[(int(postcode[2]) - 1) * len(units) // 9]

    def _household(self) -> None:
        draw, rng = self.draw, self.rng
        line1, town, postcode = draw.address()
        unit = self._unit_of(postcode)
        if draw.chance(0.25):
            born = self._date_between(self.today - timedelta(days=365 * 75), self.today - timedelta(days=365 * 18))
            adult = self._individual(born, rng.choice((Gender.FEMALE, Gender.MALE)), draw.surname(), unit)
            self._records(adult, line1, town, postcode, unit, child=False)
            self._emit([adult], [], None)
            if adult.records and not self.spec.people_only:
                self.lone_adults.append(adult)
            return
        eldest = self._date_between(self.today - timedelta(days=365 * 26), self.today - timedelta(days=30))
        mother_born = eldest - timedelta(days=rng.randint(365 * 17, 365 * 42))
        family = draw.surname()
        carers = [self._individual(mother_born, Gender.FEMALE, family, unit)]
        if draw.chance(0.65):
            partner_born = mother_born + timedelta(days=rng.randint(-365 * 6, 365 * 3))
            partner_name = family if draw.chance(0.6) else draw.surname()
            carers.append(self._individual(partner_born, Gender.MALE, partner_name, unit))
        count = rng.choices((1, 2, 3, 4), weights=(40, 35, 17, 8))[0]
        children, born = [], eldest
        for _ in range(count):
            if born > self.today - timedelta(days=1):
                break
            surname = family
            if len(carers) == 2 and carers[1].original.family != family and draw.chance(0.25):
                surname = f"{family}-{carers[1].original.family}"
            gender = rng.choices((Gender.FEMALE, Gender.MALE, Gender.UNKNOWN), weights=(49, 49, 2))[0]
            children.append(self._individual(born, gender, surname, unit))
            born += timedelta(days=rng.randint(330, 365 * 5))
        household = Household(carers, children, unit, line1, town, postcode, draw.weighted(self.spec.concern_mix))
        for carer in carers:
            self._records(carer, line1, town, postcode, unit, child=False)
        for child in children:
            self._records(child, line1, town, postcode, unit, child=True)
        self._emit(carers + children, children, household)

    def _date_between(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, max(0, (high - low).days)))

    def _individual(self, born: date, gender: str, family: str, unit: str) -> Individual:
        individual = Individual(self.individuals, born, gender, [])
        self.individuals += 1
        individual.records.append(self._record(individual, self.draw.given(gender), family, unit))
        return individual

    def _record(self, individual: Individual, given: str, family: str, unit: str) -> Record:
        officers = self.staff.officers[unit]
        quality = DobQuality.VERIFIED if self.draw.chance(0.5) else DobQuality.STATED
        return Record(
            pid=0,
            individual=individual.index,
            given=given,
            family=family,
            dob=individual.born,
            dob_quality=quality,
            gender=individual.gender,
            line1="",
            town="",
            postcode="",
            nhs="",
            unit_id=self.staff.unit_ids[unit],
            owner_id=officers[self.rng.randrange(len(officers))],
            restricted=self.draw.chance(0.003),
        )

    def _records(self, individual: Individual, line1: str, town: str, postcode: str, unit: str, *, child: bool) -> None:
        """The original record's address and NHS number, then any further records with their noise."""
        original = individual.original
        original.line1, original.town, original.postcode = line1, town, postcode
        if not self.draw.chance(self.spec.nhs_missing):
            while not original.nhs and self.nhs_issued < 1_000_000:  # the 999 range runs out at ~909k
                original.nhs = nhs_number(self.nhs_issued)
                self.nhs_issued += 1
        c1, c2 = self.spec.child_duplicates
        extra = 0
        if child:
            draw = self.rng.random()
            extra = 2 if draw < c2 else 1 if draw < c1 + c2 else 0
        elif self.draw.chance(self.spec.adult_duplicates):
            extra = 1
        for _ in range(extra):
            individual.records.append(self._variant(individual, unit, child=child))

    def _variant(self, individual: Individual, home_unit: str, *, child: bool) -> Record:
        draw, rng, original = self.draw, self.rng, individual.original
        units = [*self.spec.area_units, *([self.spec.specialist_unit] if self.spec.specialist_unit else [])]
        unit = home_unit if draw.chance(0.4) else rng.choice(units)
        record = self._record(individual, original.given, original.family, unit)
        record.dob_quality = DobQuality.STATED
        applicable = dict(NOISE_WEIGHTS)
        if not nicknames_of(original.given):
            applicable.pop("nickname")
        if "-" not in original.family:
            applicable.pop("one_part_of_surname")
        else:
            applicable.pop("double_barrelled")
        if not child:
            applicable.pop("changed_surname")
        if swap_day_month(individual.born) is None:
            applicable.pop("dob_day_month_swapped")
        kinds = [draw.weighted(applicable)]
        if draw.chance(0.3):
            second = draw.weighted(applicable)
            if second.split("_")[0] != kinds[0].split("_")[0] and "recorded_again" not in (second, kinds[0]):
                kinds.append(second)
        for kind in kinds:
            self._apply_noise(kind, record, individual)
        record.line1, record.town, record.postcode = original.line1, original.town, original.postcode
        if draw.chance(0.4):
            record.line1, record.town, record.postcode = draw.address()
            kinds.append("moved")
        if original.nhs and draw.chance(0.35):
            record.nhs = original.nhs
        self.pending_variants.append((record, individual, kinds))
        return record

    def _apply_noise(self, kind: str, record: Record, individual: Individual) -> None:
        rng = self.rng
        if kind == "nickname":
            record.given = rng.choice(nicknames_of(record.given) or [record.given])
        elif kind == "given_transposed":
            record.given = transpose_letters(record.given, rng)
        elif kind == "given_dropped_letter":
            record.given = drop_letter(record.given, rng)
        elif kind == "family_transposed":
            record.family = transpose_letters(record.family, rng)
        elif kind == "family_dropped_letter":
            record.family = drop_letter(record.family, rng)
        elif kind == "double_barrelled":
            record.family = f"{record.family}-{self.draw.surname()}"
        elif kind == "one_part_of_surname":
            record.family = rng.choice(record.family.split("-"))
        elif kind == "changed_surname":
            record.family = self.draw.surname()
        elif kind == "dob_day_month_swapped":
            record.dob = swap_day_month(individual.born)
        elif kind == "dob_year_only":
            record.dob, record.dob_quality = date(individual.born.year, 1, 1), DobQuality.ESTIMATED
        elif kind == "dob_unknown":
            record.dob, record.dob_quality = None, ""

    def _emit(self, people: list[Individual], children: list[Individual], household: Household | None) -> None:
        """Give the household's records their ids (stopping at ``spec.persons``), generate their concerns,
        then queue every row."""
        remaining = self.spec.persons - self.truth.persons
        kept: list[Record] = []
        for individual in people:
            individual.records = individual.records[: max(0, remaining - len(kept))]
            for record in individual.records:
                record.pid = self.next_pid
                self.next_pid += 1
                kept.append(record)
                self.truth.cluster.append(individual.index)
        self.truth.persons += len(kept)
        for record, individual, kinds in self.pending_variants:
            if record.pid:
                original = individual.original
                self.truth.variants.append(
                    Variant(
                        person_id=record.pid,
                        original_id=original.pid,
                        noise=kinds,
                        given_name=record.given,
                        family_name=record.family,
                        date_of_birth=record.dob,
                        dob_quality=record.dob_quality,
                        postcode=record.postcode,
                        nhs_number=record.nhs,
                    )
                )
        self.pending_variants = []
        first_seen: dict[int, datetime] = {}
        if household is not None and not self.spec.people_only:
            household.carers = [c for c in household.carers if c.records]
            household.children = [c for c in household.children if c.records]
            first_seen = ConcernWriter(self, household).write()
        for record in kept:
            self._queue_person(record, first_seen.get(record.pid))
        if household is not None and not self.spec.people_only:
            self._queue_family_links(household)

    def _queue_person(self, record: Record, first_seen: datetime | None) -> None:
        if first_seen is None:
            span = int((self.now - self.start).total_seconds())
            first_seen = self.start + timedelta(seconds=self.rng.randrange(span))
        person = Person(
            pk=record.pid,
            unit_id=record.unit_id,
            owner_id=record.owner_id,
            is_restricted=record.restricted,
            given_name=record.given,
            family_name=record.family,
            date_of_birth=record.dob,
            dob_quality=record.dob_quality,
            gender=record.gender,
            created_at=first_seen,
        )
        rows = self.rows
        rows.persons.append(person)
        for name in name_rows(person, record.given, record.family):
            name.recorded_at = first_seen
            name.source = Source.POLICE
            rows.names.append(name)
        rows.addresses.append(
            Address(
                person_id=record.pid,
                line1=record.line1,
                town=record.town,
                postcode=record.postcode,
                source=Source.PERSON,
                recorded_at=first_seen,
            )
        )
        if record.nhs:
            rows.identifiers.append(
                Identifier(
                    person_id=record.pid,
                    kind=IdentifierKind.NHS,
                    value=record.nhs,
                    source=Source.PARTNER,
                    recorded_at=first_seen,
                    recorded_by_id=record.owner_id,
                )
            )

    def _queue_family_links(self, household: Household) -> None:
        rows, draw = self.rows, self.draw
        carers = [c.original.pid for c in household.carers]
        if len(carers) == 2:
            rows.relationships.append(
                Relationship(
                    person_id=carers[0], other_id=carers[1], kind=RelationshipKind.PARTNER, source=Source.POLICE
                )
            )
        for child in household.children:
            for i, carer in enumerate(carers):
                kind = RelationshipKind.STEP_PARENT if i == 1 and draw.chance(0.3) else RelationshipKind.PARENT
                rows.relationships.append(
                    Relationship(person_id=carer, other_id=child.original.pid, kind=kind, source=Source.POLICE)
                )
            for flag, share in (
                (FlagKind.CIN, 0.05),
                (FlagKind.CP_PLAN, 0.03),
                (FlagKind.CHILD_IN_CARE, 0.02),
                (FlagKind.SEND, 0.04),
            ):
                if draw.chance(share):
                    rows.flags.append(Flag(person_id=child.original.pid, kind=flag, source=Source.PARTNER))


# --- Concerns ------------------------------------------------------------------------------------


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


SUMMARIES = {
    ConcernType.DOMESTIC_ABUSE: "Police attended {where} after a neighbour reported shouting and a child crying; "
    "the adults had argued and one had pushed the other.",
    ConcernType.NEGLECT: "Officers attending {where} found the home cold with little food; the children were "
    "unkempt and said they had not eaten since school.",
    ConcernType.PHYSICAL: "A school reported bruising on a child's arm; the child said it happened at home at {where}.",
    ConcernType.SEXUAL: "A child disclosed inappropriate touching by an adult known to the family to a teacher.",
    ConcernType.CSE: "A child was found in a car with older adults late at night; messages suggest grooming.",
    ConcernType.CCE: "A child was stopped far from home carrying cash and two phones; county lines suspected.",
    ConcernType.ONLINE: "A parent reported an adult sending a child sexual messages through a game chat.",
    ConcernType.CUSTODY: "A child was arrested and held in custody overnight; no appropriate adult at first.",
    ConcernType.POLICE_PROTECTION: "A child was taken into police protection from {where} after carers were "
    "found intoxicated and unable to care for them.",
    ConcernType.EMOTIONAL: "Repeated reports of a carer belittling and threatening a child at {where}.",
    ConcernType.HARMFUL_PRACTICES: "A school raised concern that a child may be taken abroad to be married.",
    ConcernType.OTHER_WELFARE: "A child was found alone at {where} late in the evening; carer returned later.",
}
RATIONALES = {
    RiskGrade.STANDARD: "No injuries, carers engaged and protective; no previous concerns of this kind.",
    RiskGrade.MEDIUM: "Pattern of incidents at the address and the child is frightened; needs agency support.",
    RiskGrade.HIGH: "Serious harm likely without immediate action; strategy discussion requested today.",
}
WORDS = (
    "I hid under the bed when they were shouting.",
    "Mummy was crying and I wanted it to stop.",
    "I don't like it when he comes round.",
    "Nobody made me tea, I was hungry.",
    "It hurt when he grabbed my arm.",
    "I'm scared to go home.",
    "I just want everyone to stop fighting.",
    "I'm fine. Can I go back to my room now?",
)
NARRATIVES = (
    "Sat close to the officer, quiet, kept looking at the door.",
    "Tearful at first, calmer once away from the adults.",
    "Chatty and playful, showed the officer their toys.",
    "Watchful and very still, answered in one word.",
)
INFORMED = (
    "Their account of hiding and fear supported a medium grade and a referral to the hub.",
    "What the child said about hunger confirmed neglect and led to a same-day referral.",
    "The child's calm presentation and account supported a standard grade with advice.",
    "Fear of the suspect returning informed safety planning and an urgent strategy discussion.",
)
DEMEANOUR_CODES = [c for c in Demeanour.values if c != Demeanour.OTHER]


class ConcernWriter:
    """One household's concerns over the window: times, people, voices, decisions, reviews."""

    def __init__(self, population: Population, household: Household) -> None:
        self.p = population
        self.h = household
        self.rng = population.rng
        self.draw = population.draw
        self.first_seen: dict[int, datetime] = {}

    def write(self) -> dict[int, datetime]:
        p = self.p
        window = self._window()
        if window is None or p.concerns_per_household <= 0:
            return self.first_seen
        low, high = window
        # Households are unequal (a heavy tail), and one whose children were young for only part of
        # the window has proportionately fewer concerns; ``share`` keeps the running mean at 1.
        years = (high - low).total_seconds() / (p.now - p.start).total_seconds()
        p.window_total += years
        p.windows += 1
        share = years / (p.window_total / p.windows)
        intensity = self.rng.paretovariate(3.0) / 1.5
        count = self.draw.poisson(p.concerns_per_household * intensity * share)
        child_records: dict[int, list[tuple[datetime, int, str, str]]] = {}
        for when in self._times(count, low, high):
            concern = self._concern(when)
            if concern is None:
                continue
            for pid, occurred, cid, status, unit in concern:
                child_records.setdefault(pid, []).append((occurred, cid, status, unit))
        self._reviews(child_records)
        return self.first_seen

    def _window(self) -> tuple[datetime, datetime] | None:
        """When any of the household's children was under 18 within the ten years."""
        p = self.p
        if not self.h.children:
            return None
        born = min(c.born for c in self.h.children)
        last_child = max(c.born for c in self.h.children)
        low = max(p.start, datetime.combine(born, time(12), tzinfo=p.zone))
        high = min(
            p.now - timedelta(hours=1),
            datetime.combine(last_child, time(12), tzinfo=p.zone) + timedelta(days=365 * 18),
        )
        return (low, high) if high > low else None

    def _times(self, count: int, low: datetime, high: datetime) -> list[datetime]:
        """Concern times: most anywhere in the window, a share (``spec.rereferral``) soon after the one
        before (a re-referral within the year)."""
        span = (high - low).total_seconds()
        times: list[datetime] = []
        for _ in range(count):
            if times and self.draw.chance(self.p.spec.rereferral):
                when = times[-1] + timedelta(days=self.rng.uniform(3, 365))
                if when < high:
                    times.append(when)
                    continue
            times.append(low + timedelta(seconds=self.rng.random() * span))
        return times

    def _event_time(self, day: datetime, kind: str) -> datetime:
        """Domestic abuse happens mostly in the evening and at weekends; the rest in the day."""
        rng = self.rng
        local = day.astimezone(self.p.zone)
        if kind == ConcernType.DOMESTIC_ABUSE:
            if local.weekday() < 4 and rng.random() < 0.4:
                local += timedelta(days=4 - local.weekday() + rng.randint(0, 2))
            hour = rng.choices(
                range(24), weights=[6, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 4, 6, 9, 11, 12, 12, 11, 8]
            )[0]
        else:
            hour = rng.choices(
                range(24), weights=[1, 1, 1, 1, 1, 1, 1, 2, 5, 7, 8, 8, 8, 8, 8, 9, 9, 8, 7, 6, 4, 3, 2, 1]
            )[0]
        naive = datetime.combine(local.date(), time(hour, rng.randint(0, 59)))
        when = naive.replace(tzinfo=self.p.zone)
        return min(when, self.p.now - timedelta(minutes=30))

    def _pick_record(self, individual: Individual) -> Record:
        """Most concerns find the original record; some were recorded on a later duplicate."""
        if len(individual.records) == 1 or self.draw.chance(0.75):
            return individual.original
        return self.rng.choice(individual.records[1:])

    def _concern(self, day: datetime) -> list[tuple[int, datetime, int, str, str]] | None:
        p, h, rng, draw = self.p, self.h, self.rng, self.draw
        kind = h.main_type if draw.chance(0.6) else draw.weighted(p.spec.concern_mix)
        occurred = self._event_time(day, kind)
        on = occurred.astimezone(UTC).date()  # as concerns.services computes a person's age at the event
        children = [c for c in h.children if (age := age_on(c.born, on)) is not None and 0 <= age < 18]
        if not children:
            return None
        # About 2.5 people per concern (SYNTHETIC.md): the children, a carer or two, often a suspect.
        if len(children) > 1 and kind != ConcernType.NEGLECT and draw.chance(0.7):
            children = [rng.choice(children)]
        unit = h.unit_code
        if kind in SPECIALIST_TYPES and p.spec.specialist_unit and draw.chance(0.6):
            unit = p.spec.specialist_unit
        # Who: (record, role) pairs, one record per individual.
        child_role = InvolvementRole.SUBJECT_CHILD
        if kind in SPECIALIST_TYPES | {ConcernType.PHYSICAL}:
            child_role = InvolvementRole.VICTIM
        people: list[tuple[Record, str]] = [(self._pick_record(c), child_role) for c in children]
        suspect: Individual | None = None
        if kind == ConcernType.DOMESTIC_ABUSE:
            if len(h.carers) == 2 and draw.chance(0.8):
                suspect = h.carers[1]
            elif draw.chance(0.5):
                suspect = self._adult(on)
        elif kind in SPECIALIST_TYPES and draw.chance(0.5):
            suspect = self._adult(on)
        elif kind == ConcernType.PHYSICAL and h.carers and draw.chance(0.4):
            suspect = rng.choice(h.carers)
        for i, carer in enumerate(h.carers):
            neglect = kind == ConcernType.NEGLECT
            involved_carer = draw.chance((1.0 if neglect else 0.7) if i == 0 else (0.5 if neglect else 0.15))
            if carer is not suspect and involved_carer:
                people.append((self._pick_record(carer), InvolvementRole.PARENT_CARER))
        if suspect is not None:
            people.append((self._pick_record(suspect), InvolvementRole.SUSPECT))
        if draw.chance(0.08):
            other = self._adult(on)
            if other is not None and other is not suspect:
                role = InvolvementRole.REPORTING if draw.chance(0.5) else InvolvementRole.WITNESS
                people.append((self._pick_record(other), role))
        involved = [(record, role, self._is_child(record, on)) for record, role in people]
        if not any(is_child for _, _, is_child in involved):
            return None
        return self._write(kind, unit, occurred, involved)

    def _adult(self, on: date) -> Individual | None:
        """An adult from outside the household (a suspect, a witness), 18 or over on ``on``."""
        pool = self.p.lone_adults[-2000:]
        for _ in range(5 if pool else 0):
            adult = self.rng.choice(pool)
            if (age_on(adult.born, on) or 0) >= 18:
                return adult
        return None

    @staticmethod
    def _is_child(record: Record, on: date) -> bool:
        """As ``concerns.services.child_status``: from the recorded date of birth, else the officer's
        answer (the generator knows the truth)."""
        age = age_on(record.dob, on)
        if age is not None:
            return age < 18
        return True  # only children's records are written without a date of birth

    def _write(
        self, kind: str, unit: str, occurred: datetime, involved: list[tuple[Record, str, bool]]
    ) -> list[tuple[int, datetime, int, str, str]]:
        p, rng, draw, rows = self.p, self.rng, self.draw, self.p.rows
        officers = p.staff.officers[unit]
        owner = officers[rng.randrange(len(officers))]
        lag_hours = min(24 * 14, rng.lognormvariate(math.log(5), 1.2))
        recorded = min(occurred + timedelta(hours=lag_hours), p.now - timedelta(minutes=10))
        grade = draw.weighted(p.spec.risk_mix)
        submitted = recorded + timedelta(hours=rng.uniform(0.2, 24))
        age_days = (p.now - occurred).total_seconds() / 86_400
        status = ConcernStatus.ENDORSED
        if submitted >= p.now or (age_days < 7 and draw.chance(0.3)) or draw.chance(0.01):
            status = ConcernStatus.DRAFT
        late = draw.chance(p.spec.late_endorsement_share.get(unit, 0.1))
        due = DECISION_DUE_HOURS[RiskGrade(grade)]
        decided = submitted + timedelta(hours=due * (rng.uniform(1.3, 8) if late else rng.uniform(0.05, 0.9)))
        if status == ConcernStatus.ENDORSED and (decided >= p.now or (late and age_days < 45)):
            status = ConcernStatus.SUBMITTED  # awaiting the supervisor (overdue, for a late one)
        elif status == ConcernStatus.ENDORSED and age_days < 90 and draw.chance(0.1):
            status = ConcernStatus.RETURNED
        # Some endorsed concerns were returned once and endorsed after the officer put them right.
        returned_first = status == ConcernStatus.ENDORSED and draw.chance(0.04)
        endorsed_at = decided + timedelta(hours=rng.uniform(2, 48)) if returned_first else decided
        if endorsed_at >= p.now:
            returned_first, endorsed_at = False, decided
        cid = p.next_concern
        p.next_concern += 1
        where = self.h.line1 + ", " + self.h.town
        restricted = draw.chance(0.01)
        concern = Concern(
            pk=cid,
            unit_id=p.staff.unit_ids[unit],
            owner_id=owner,
            is_restricted=restricted,
            status=status,
            occurred_at=occurred,
            recorded_at=recorded,
            location=where,
            location_postcode=self.h.postcode,
            summary=SUMMARIES[ConcernType(kind)].format(where=where),
            risk_grade=grade,
            risk_rank=RISK_RANK[RiskGrade(grade)],
        )
        if status != ConcernStatus.DRAFT:
            concern.reference = f"PPN-{recorded.astimezone(UTC):%Y}-{cid:06d}"
            concern.submitted_at = submitted
        rows.concerns.append(concern)
        rows.tags.append(ConcernTypeTag(concern_id=cid, type=kind))
        if kind == ConcernType.DOMESTIC_ABUSE and draw.chance(0.1):
            rows.tags.append(ConcernTypeTag(concern_id=cid, type=ConcernType.EMOTIONAL))
        rows.risks.append(
            RiskAssessment(
                concern_id=cid,
                grade=grade,
                rationale=RATIONALES[RiskGrade(grade)],
                assessed_by_id=owner,
                assessed_at=recorded,
            )
        )
        on = occurred.astimezone(UTC).date()
        issues: dict[int, list[str]] = {}  # by person id, the order endorse_concern lists them in
        children: list[tuple[int, datetime, int, str, str]] = []
        for record, role, is_child in involved:
            rows.involvements.append(
                Involvement(concern_id=cid, person_id=record.pid, role=role, is_child=is_child, added_at=recorded)
            )
            seen = self.first_seen.get(record.pid)
            if seen is None or recorded < seen:
                self.first_seen[record.pid] = recorded
            if not is_child:
                continue
            children.append((record.pid, occurred, cid, status, unit))
            if status != ConcernStatus.DRAFT or draw.chance(0.5):
                issues[record.pid] = self._voice(concern, unit, owner, record, age_on(record.dob, on), kind)
        if status == ConcernStatus.DRAFT:
            return children
        supervisor = p.staff.supervisors[unit]
        decider = supervisor if supervisor != owner else (p.staff.hub or supervisor)
        if late and status != ConcernStatus.SUBMITTED:
            p.truth.failures.append(PracticeFailure("late_endorsement", cid, None, unit))
        if returned_first or status == ConcernStatus.RETURNED:
            rows.decisions.append(
                SupervisorDecision(
                    concern_id=cid,
                    decision=Decision.RETURN,
                    rationale="Record the child's own words and what you saw before I can endorse this.",
                    decided_by_id=decider,
                    decided_at=decided,
                )
            )
        self._concern_clocks(concern, owner, supervisor, decider, decided, endorsed_at, returned_first, late)
        if status == ConcernStatus.ENDORSED:
            concern.decided_at, concern.decided_by_id = endorsed_at, decider
            rows.decisions.append(
                SupervisorDecision(
                    concern_id=cid,
                    decision=Decision.ENDORSE,
                    rationale="Grade and actions proportionate; referral to the hub agreed.",
                    quality_issues="\n".join(issue for pid in sorted(issues) for issue in issues[pid]),
                    quality_override="Discussed with the officer; endorsing now so the referral is not delayed."
                    if any(issues.values())
                    else "",
                    decided_by_id=decider,
                    decided_at=endorsed_at,
                )
            )
        return children

    def _clock(
        self, rule: Rule, record: Concern | CumulativeReview, label: str, owner: int | None, start: datetime, **ctx: str
    ) -> Clock:
        """A clock as the service would have started it, with the shipped values, at the stage it has
        reached by the force's "now" (no alerts: they belong to the past)."""
        clock = new_clock(
            rule=rule,
            record_type=record._meta.label_lower,
            record_id=record.pk,
            label=label,
            unit_id=record.unit_id,
            owner_id=owner,
            started_at=start,
            context=ctx,
            values=parameters.defaults([*rule.parameters, *THRESHOLD_VALUES]),
            is_restricted=record.is_restricted,
            now=self.p.now,
        )
        self.p.rows.clocks.append(clock)
        return clock

    def _stop(self, clock: Clock, at: datetime, by: int | None) -> None:
        clock.stopped_at, clock.stopped_by_id, clock.next_at = at, by, None
        clock.outcome = ClockOutcome.BREACHED if at > clock.due_at else ClockOutcome.MET
        clock.stage = clock.stage_at(at)
        if clock.outcome == ClockOutcome.BREACHED:
            clock.breach_reason = self.draw.weighted(BREACH_MIX)
            clock.breach_detail = BREACH_DETAIL[clock.breach_reason]

    def _concern_clocks(
        self,
        concern: Concern,
        owner: int,
        supervisor: int,
        decider: int,
        decided: datetime,
        endorsed_at: datetime,
        returned_first: bool,
        late: bool,
    ) -> None:
        """The decision and resubmission clocks concerns.services would have run for this concern."""
        label, risk = concern.reference or "", concern.risk_grade
        decision_owner = supervisor if supervisor != owner else None
        first = self._clock(DECISION, concern, label, decision_owner, concern.submitted_at, risk=risk)  # type: ignore[arg-type]
        if concern.status == ConcernStatus.SUBMITTED:
            return
        self._stop(first, decided, decider)
        if concern.status == ConcernStatus.RETURNED:
            self._clock(RESUBMISSION, concern, label, owner, decided)
        elif returned_first:
            resubmitted = decided + (endorsed_at - decided) / 2
            self._stop(self._clock(RESUBMISSION, concern, label, owner, decided), resubmitted, owner)
            second = self._clock(DECISION, concern, label, decision_owner, resubmitted, risk=risk)
            self._stop(second, endorsed_at, decider)

    def _voice(self, concern: Concern, unit: str, owner: int, record: Record, age: int | None, kind: str) -> list[str]:
        """One child's voice record, good practice or (at the unit's rate) with a failure injected.
        Returns the quality issues ``voice.quality.quality_issues`` will find in it."""
        p, rng, draw = self.p, self.rng, self.draw
        known_age = age if age is not None else 8
        voice = VoiceRecord(
            pk=p.next_voice,
            concern_id=concern.pk,
            person_id=record.pid,
            unit_id=concern.unit_id,
            owner_id=concern.owner_id,
            is_restricted=concern.is_restricted,
            seen=True,
            seen_alone=SeenAlone.YES,
            spoken_to=True,
            observed_at=concern.occurred_at,
            recorded_at=concern.recorded_at,
            recorded_by_id=owner,
            informed_decision=rng.choice(INFORMED),
            demeanour_narrative=rng.choice(NARRATIVES),
            wishes_and_feelings="Wants to stay at home and for the arguing to stop.",
            others_present="Parent or carer in the next room.",
            childs_words=rng.choice(WORDS),
        )
        p.next_voice += 1
        codes = rng.sample(DEMEANOUR_CODES, rng.randint(1, 3))
        if known_age < 4:
            voice.seen_alone, voice.seen_alone_reason = SeenAlone.NOT_APPROPRIATE, "Too young to be seen alone."
            if known_age < 2 or draw.chance(0.5):
                voice.spoken_to, voice.reason_not_spoken, voice.childs_words = False, ReasonNotSpoken.PRE_VERBAL, ""
        elif draw.chance(0.15):
            reason = rng.choice(
                [
                    ReasonNotSpoken.ASLEEP,
                    ReasonNotSpoken.NOT_PRESENT,
                    ReasonNotSpoken.DECLINED,
                    ReasonNotSpoken.DISTRESSED,
                ]
                + ([ReasonNotSpoken.DEFERRED_ABE] if kind in SPECIALIST_TYPES else [])
            )
            voice.spoken_to, voice.reason_not_spoken, voice.childs_words = False, reason, ""
            if reason == ReasonNotSpoken.ASLEEP:
                voice.reason_detail = "Asleep at 1am; not woken as seen breathing and settled, visit booked."
            if reason == ReasonNotSpoken.NOT_PRESENT:
                voice.seen, voice.seen_alone, voice.demeanour_narrative, codes = False, "", "", []
        elif draw.chance(0.2):
            voice.seen_alone, voice.seen_alone_reason = SeenAlone.NO, "Would not leave their mother's side."
        failures: list[str] = []
        if age is not None and age >= p.min_alone_age and draw.chance(p.spec.weak_voice_share.get(unit, 0.1)):
            failures.append(rng.choice(PRACTICE_FAILURES))
            if draw.chance(0.3):
                failures.append(rng.choice(PRACTICE_FAILURES))
        for failure in [f for f in PRACTICE_FAILURES if f in failures]:
            if failure == "missing_words" and voice.spoken_to:
                voice.childs_words = ""
            elif failure == "missing_demeanour" and voice.seen:
                codes = []
            elif failure == "not_seen_alone_no_reason" and voice.seen:
                voice.seen_alone, voice.seen_alone_reason = SeenAlone.NO, ""
            elif failure == "short_informed_decision" and (voice.seen or voice.spoken_to):
                voice.informed_decision = "Child fine."
            elif failure == "not_spoken_weak_reason":
                voice.spoken_to, voice.reason_not_spoken, voice.childs_words = False, ReasonNotSpoken.OTHER, ""
                voice.reason_detail = "Not spoken to."
            else:
                continue
            p.truth.failures.append(PracticeFailure(failure, concern.pk or 0, record.pid, unit))
        p.rows.voices.append(voice)
        p.rows.observations += [DemeanourObservation(voice_id=voice.pk, code=c) for c in codes]
        return [f"{record.given} {record.family}: {issue}" for issue in self._issues(voice, codes, age)]

    def _issues(self, voice: VoiceRecord, codes: list[str], age: int | None) -> list[str]:
        """``voice.quality.quality_issues`` for a record not yet saved (tests hold the two together)."""
        issues = []
        if voice.spoken_to and not voice.childs_words.strip():
            issues.append("spoken to, but the child's own words are not recorded")
        if voice.seen and not codes:
            issues.append("seen, but no behaviour or demeanour is recorded")
        if (
            voice.seen
            and age is not None
            and age >= self.p.min_alone_age
            and voice.seen_alone != SeenAlone.YES
            and not voice.seen_alone_reason.strip()
        ):
            issues.append(f"aged {age} and not seen alone, with no reason given")
        chars = self.p.min_decision_chars
        if (voice.seen or voice.spoken_to) and len(voice.informed_decision.strip()) < chars:
            issues.append(f"'how it informed the decision' is empty or under {chars} characters")
        return issues

    def _reviews(self, child_records: dict[int, list[tuple[datetime, int, str, str]]]) -> None:
        """The cumulative-concern rule (concerns.services.raise_cumulative_reviews) replayed over each
        child record's concerns: N in D days raise a review unless one is open."""
        p, rng, draw = self.p, self.rng, self.draw
        threshold = parameters.PARAMETERS["concerns.cumulative_count"].default
        window = timedelta(days=parameters.PARAMETERS["concerns.cumulative_days"].default)
        for pid, concerns in child_records.items():
            counted = sorted(c for c in concerns if c[2] != ConcernStatus.DRAFT)
            open_until: datetime | None = None
            for i, (occurred, cid, _status, unit) in enumerate(counted):
                n = sum(1 for other in counted[: i + 1] if other[0] >= occurred - window)
                if n < threshold or (open_until is not None and occurred <= open_until):
                    continue
                raised = occurred + timedelta(hours=rng.uniform(6, 72))
                slow = p.spec.late_endorsement_share.get(unit, 0.1) > 0.2
                completed = raised + timedelta(days=rng.uniform(10, 60) if slow else rng.uniform(2, 14))
                # A slow unit's recent reviews are often still open (an overdue review to find).
                stalled = (p.now - raised).days < 365 and draw.chance(0.5 if slow else 0.15)
                done = completed < p.now and p.staff.hub is not None and not stalled
                review = CumulativeReview(
                    pk=p.next_review,
                    person_id=pid,
                    triggered_by_id=cid,
                    concern_count=n,
                    window_days=window.days,
                    raised_at=min(raised, p.now),
                    unit_id=p.staff.unit_ids[unit],
                    status=ReviewStatus.COMPLETED if done else ReviewStatus.OPEN,
                )
                if done:
                    review.outcome = "History reviewed with partners; early help offered and plan agreed with family."
                    review.completed_by_id, review.completed_at = p.staff.hub, completed
                    open_until = completed
                else:
                    open_until = p.now + timedelta(days=3650)
                p.next_review += 1
                p.rows.reviews.append(review)
                clock = self._clock(
                    CUMULATIVE_REVIEW, review, f"Cumulative review {review.pk}", None, review.raised_at, count=str(n)
                )
                if done:
                    self._stop(clock, completed, p.staff.hub)
                p.truth.reviews.append(ReviewTruth(pid, cid, n, review.status))
