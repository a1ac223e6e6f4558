"""The synthetic population of Northshire (SYNTHETIC.md): households of carers and children, adults
known to the police, the same child recorded more than once under a different spelling, ten years of
concerns with their children's voices, the investigations opened from them at every stage, what was
shared with partners (sharing.py) — and the ground truth of all of it, so tests and benchmarks can score
matching, dashboards and audits against what was injected.

    load_population(spec=PopulationSpec(persons=8_000), ground_truth_path=path)

Deterministic for a given ``PopulationSpec`` (seed, size and ``today``), on SQLite and PostgreSQL
alike. Rows are built in memory a household at a time and written in batches: one ``executemany``
per table on SQLite, COPY on PostgreSQL (several times faster at millions of rows). Person, concern,
voice, investigation, review, action, entry, share, strategy discussion and strategy action ids are
allocated here, after the highest id in the table, so every row can name its parent without reading it
back; the sequences are moved past them at the end. Load into a quiet database: nothing else may insert
these records meanwhile. Rows are made with ``row`` rather than the model's constructor, and their
values prepared once per column kind: both were most of the load's time.

Sizes (SYNTHETIC.md tiers): demo 8k people, 10k concerns, ~1k investigations and ~20k shares load in
~18 s on SQLite; 250k people-only in ~1.5 min; 2M people-only (the search benchmark) in minutes on
PostgreSQL.

The load is one transaction with one audit event naming every person created ("synthetic force
loaded: N persons"); the synthetic officers it adds to units that have none are audited like the demo
users. Nothing here is real: names come from the generic lists below, postcodes from the fictional
outward codes NS1-NS9, NHS numbers from the 999 test range.
"""

from __future__ import annotations

import functools
import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState
from django.utils import timezone
from tqdm import tqdm

from safeguard import parameters
from safeguard.accounts.models import Notification, OrganisationKind, Role, RoleCode, ScopedRecord, Unit, User
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
from safeguard.investigations.models import (
    REVIEW_CHECKS,
    Action,
    ActionEntry,
    ActionStatus,
    Agency,
    Allocation,
    Check,
    ClosureDecision,
    ClosureProposal,
    EntryKind,
    Investigation,
    InvestigationConcern,
    InvestigationPerson,
    InvestigationRisk,
    InvestigationStatus,
    LineOfEnquiry,
    Outcome,
    RequiredNotification,
    SupervisoryReview,
)
from safeguard.investigations.services import action_label
from safeguard.investigations.timescales import ACCEPTANCE, ACTION, REVIEW, SIGN_OFF, end_of
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
from safeguard.sharing.models import (
    Disclosure,
    OutboxMessage,
    PartnerResponse,
    Share,
    StrategyAction,
    StrategyAttendee,
    StrategyDiscussion,
)
from safeguard.timescales.calendars import LONDON, at_london, end_of_nth_working_day, nth_working_day_after
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
INVESTIGATION_SHARE: dict[str, float] = {RiskGrade.HIGH: 0.35, RiskGrade.MEDIUM: 0.14, RiskGrade.STANDARD: 0.035}
# Of the investigations open at the end, the share left at each stage besides "under investigation".
OPEN_STAGE_SHARE: dict[str, float] = {
    InvestigationStatus.ALLOCATED: 0.10,
    InvestigationStatus.CLOSURE_PROPOSED: 0.10,
    InvestigationStatus.UNALLOCATED: 0.05,
}
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


def _default_late_supervision() -> dict[str, float]:
    return {"PPU-NORTH": 0.06, "PPU-SOUTH": 0.30, "CAIT": 0.10}


def _default_drift() -> dict[str, float]:
    return {"PPU-NORTH": 0.08, "PPU-SOUTH": 0.35, "CAIT": 0.10}


def _default_late_share() -> dict[str, float]:
    return {"PPU-NORTH": 0.04, "PPU-SOUTH": 0.6, "CAIT": 0.08}


def _default_late_acknowledgement() -> dict[str, float]:
    return {
        OrganisationKind.CHILDRENS_SOCIAL_CARE: 0.06,
        OrganisationKind.HEALTH: 0.35,
        OrganisationKind.SCHOOL: 0.08,
        OrganisationKind.OTHER: 0.10,
    }


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
    # Investigations: the share of endorsed concerns investigated, by risk grade (demo: ~1k for ~10k).
    investigation_share: Mapping[str, float] = field(default_factory=lambda: dict(INVESTIGATION_SHARE))
    linked_share: float = 0.1  # of those, opened from two concerns about the same child
    # Late acceptances, reviews, actions and sign-offs in a unit's history; its open reviews and
    # actions left overdue; its open investigations left drifting (a share of each unit's open ones).
    late_supervision_share: Mapping[str, float] = field(default_factory=_default_late_supervision)
    drift_share: Mapping[str, float] = field(default_factory=_default_drift)
    open_stage_share: Mapping[str, float] = field(default_factory=lambda: dict(OPEN_STAGE_SHARE))
    # The unit's first officer (in the demo force, the officer who signs in) carries this share of its
    # investigations, one of them awaiting their acceptance and one awaiting sign-off.
    lead_share: float = 0.4
    # Sharing (DOMAIN.md, "Sharing with partners"): the share of each recording unit's Operation
    # Encompass notices sent late (besides those already late because the concern was submitted after
    # the school day began), of the hub's referrals, notifications and strategy discussions, and of each
    # kind of partner's acknowledgements; decisions not to share a referral or health notification; the
    # school-age children whose school is one of the force's partners; exploitation and custody concerns
    # told to the "other" partner; strategy discussions police did not attend; shares revoked.
    late_share: Mapping[str, float] = field(default_factory=_default_late_share)
    hub_late_share: float = 0.06
    late_acknowledgement: Mapping[str, float] = field(default_factory=_default_late_acknowledgement)
    not_shared_share: float = 0.012
    school_known: float = 0.96
    other_share: float = 0.3
    police_absent_share: float = 0.08
    revoked_share: float = 0.004  # shares withdrawn soon after they were sent
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
class InvestigationFailure:
    """A practice failure in an investigation, as the data shows it. ``kind`` is "drifting" (open, and
    nothing recorded for the drift parameter's days), or "late_X" (a clock of rule X stopped after its
    due time) or "X_overdue" (still open past it), X one of acceptance, review, action, sign_off;
    ``record_id`` is the review or action concerned (a late review: the review recorded late)."""

    kind: str
    investigation_id: int
    unit: str
    record_id: int | None = None


@dataclass
class ShareFailure:
    """A practice failure in sharing, as the data shows it. ``kind`` is "late_share" (a ledger entry
    sent after its due time; ``record_id`` the share), "share_overdue" (still owed past its due time;
    ``record_id`` the concern), "late_X" or "X_overdue" for a clock of the partner's or the hub's
    (acknowledgement, la_decision, strategy, conference, strategy_action, no_share_review; ``record_id``
    the share, discussion or action), "police_absent" (a strategy discussion police did not attend) or
    "dead_alert" (an alert that could not be delivered). ``unit`` is the unit that owed or made the share,
    ``about`` the share's kind or the clock's rule, ``partner`` the partner organisation that was late."""

    kind: str
    record_id: int
    unit: str
    about: str
    partner: str = ""


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
    investigation_failures: list[InvestigationFailure] = field(default_factory=list)
    share_failures: list[ShareFailure] = field(default_factory=list)
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
        investigation_failures = [InvestigationFailure(**f) for f in data.pop("investigation_failures")]
        share_failures = [ShareFailure(**f) for f in data.pop("share_failures", [])]
        return cls(
            **data,
            variants=variants,
            failures=failures,
            reviews=reviews,
            investigation_failures=investigation_failures,
            share_failures=share_failures,
        )

    def drifting(self) -> set[int]:
        return {f.investigation_id for f in self.investigation_failures if f.kind == "drifting"}


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
    """Rows waiting for the next insert, parents before children."""

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
    investigations: list[Investigation] = field(default_factory=list)
    investigation_concerns: list[InvestigationConcern] = field(default_factory=list)
    investigation_people: list[InvestigationPerson] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    investigation_risks: list[InvestigationRisk] = field(default_factory=list)
    supervisory_reviews: list[SupervisoryReview] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    action_entries: list[ActionEntry] = field(default_factory=list)
    notifications: list[RequiredNotification] = field(default_factory=list)
    closure_proposals: list[ClosureProposal] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    disclosures: list[Disclosure] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    responses: list[PartnerResponse] = field(default_factory=list)
    discussions: list[StrategyDiscussion] = field(default_factory=list)
    attendees: list[StrategyAttendee] = field(default_factory=list)
    strategy_actions: list[StrategyAction] = field(default_factory=list)
    notifications_to_hub: list[Notification] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)

    def flush(self, counts: dict[str, int]) -> None:
        insert = copy_rows if connection.vendor == "postgresql" else insert_rows
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
            ("investigations", Investigation),
            ("investigation_concerns", InvestigationConcern),
            ("investigation_people", InvestigationPerson),
            ("allocations", Allocation),
            ("investigation_risks", InvestigationRisk),
            ("supervisory_reviews", SupervisoryReview),
            ("actions", Action),
            ("action_entries", ActionEntry),
            ("notifications", RequiredNotification),
            ("closure_proposals", ClosureProposal),
            ("shares", Share),
            ("disclosures", Disclosure),
            ("outbox", OutboxMessage),
            ("responses", PartnerResponse),
            ("discussions", StrategyDiscussion),
            ("attendees", StrategyAttendee),
            ("strategy_actions", StrategyAction),
            ("notifications_to_hub", Notification),
            ("clocks", Clock),
        ):
            rows: list[models.Model] = getattr(self, name)
            if rows:
                insert(model, rows)
                counts[name] = counts.get(name, 0) + len(rows)
                rows.clear()


def _columns(model: type[models.Model], rows: list[models.Model]) -> list[models.Field[Any, Any]]:
    """Every concrete column, the primary key only when it was allocated."""
    return [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and getattr(rows[0], f.attname) is None)  # type: ignore[attr-defined]
    ]


@functools.cache
def _defaults(model: type[models.Model]) -> tuple[str, dict[str, Any], list[tuple[str, Callable[[], Any]]]]:
    """A model's primary key attribute, the fixed defaults of its columns, and those made afresh per row."""
    fixed: dict[str, Any] = {}
    fresh: list[tuple[str, Callable[[], Any]]] = []
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            fresh.append((f.attname, f.default))  # type: ignore[attr-defined]
        else:
            fixed[f.attname] = f.get_default()  # type: ignore[attr-defined]
    return model._meta.pk.attname, fixed, fresh  # type: ignore[union-attr]


def row[M: models.Model](model: type[M], **values: Any) -> M:
    """An unsaved ``model`` row for the bulk insert, as ``model(**values)`` makes it but several times
    faster: ``values`` are column attributes (``concern_id``, not ``concern``; ``pk`` for the key), and
    every other column takes its default. Nothing else (signals, related objects) is set up."""
    pk, fixed, fresh = _defaults(model)
    if "pk" in values:
        values[pk] = values.pop("pk")
    obj = model.__new__(model)
    state = obj.__dict__
    state.update(fixed)
    for name, make in fresh:
        if name not in values:
            state[name] = make()
    state.update(values)
    state["_state"] = ModelState()
    return obj


def _as_is(value: Any) -> Any:
    return value


def _as_int(value: Any) -> Any:
    return None if value is None else int(value)


def _utc_text(value: datetime | None) -> str | None:
    """What Django sends SQLite for an aware datetime: naive UTC, as text (without the "+00:00")."""
    return None if value is None else str(value.astimezone(UTC))[:-6]


def _preparers(fields: list[models.Field[Any, Any]], db: BaseDatabaseWrapper) -> list[Callable[[Any], Any]]:
    """How each field's value goes to the database: what ``get_db_prep_save`` would send, without its
    per-value checks where the driver takes the value as it is (text, integers, booleans, and aware
    datetimes on PostgreSQL). Those checks, run on every value of every row, were most of the load's
    time; the few other kinds of field (JSON, UUID, dates) still go through the field itself."""
    sqlite = db.vendor == "sqlite"
    prepare: list[Callable[[Any], Any]] = []
    for f in fields:
        target = f.target_field if f.is_relation else f  # type: ignore[attr-defined]
        if isinstance(target, models.DateTimeField) and settings.USE_TZ:
            prepare.append(_utc_text if sqlite else _as_is)
        elif isinstance(target, models.IntegerField):  # auto and big auto fields too
            prepare.append(_as_int)
        elif isinstance(target, models.CharField | models.TextField | models.BooleanField):
            prepare.append(_as_is)
        else:
            prepare.append(functools.partial(f.get_db_prep_save, connection=db))
    return prepare


def _values(fields: list[models.Field[Any, Any]], rows: list[models.Model], db: BaseDatabaseWrapper) -> list[list[Any]]:
    prepare = list(zip([f.attname for f in fields], _preparers(fields, db), strict=True))  # type: ignore[attr-defined]
    return [[to_db(getattr(obj, name)) for name, to_db in prepare] for obj in rows]


def insert_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """SQLite: the INSERT ``bulk_create`` would send, as one ``executemany`` of the values each field
    prepares. ``bulk_create`` compiles the SQL of every row afresh, which was most of the load's time."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = _columns(model, rows)
    quote = db.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608 (model's own names)
    with db.cursor() as cursor:
        cursor.executemany(sql, _values(fields, rows, db))


def copy_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """PostgreSQL's COPY of what ``bulk_create`` would insert (several times faster at millions of rows):
    every concrete column, the primary key only when it was allocated, values prepared by each field."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = _columns(model, rows)
    quote = db.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with db.cursor() as cursor, cursor.cursor.copy(sql) as copy:  # type: ignore[attr-defined]
        for values in _values(fields, rows, db):
            copy.write_row(values)


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


@functools.cache
def _shipped(rule: Rule) -> dict[str, int]:
    """The shipped values a rule's deadline and thresholds read (the history is generated with them)."""
    return parameters.defaults([*rule.parameters, *THRESHOLD_VALUES])


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
        self.investigations = InvestigationWriter(self)
        from .sharing import SharingWriter  # built on this module's draws, quotas and clocks

        self.sharing = SharingWriter(self)

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
        for status, count in sorted(self.investigations.statuses.items()):
            self.truth.counts[f"investigations_{status}"] = count
        for status, count in sorted(self.sharing.statuses.items()):
            self.truth.counts[f"shares_{status}"] = count
        return self.truth

    def _move_sequences(self) -> None:
        allocated = [
            Person,
            Concern,
            VoiceRecord,
            CumulativeReview,
            Investigation,
            SupervisoryReview,
            Action,
            ActionEntry,
            Share,
            StrategyDiscussion,
            StrategyAction,
        ]
        statements = connection.ops.sequence_reset_sql(no_style(), allocated)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    # -- clocks

    def clock(
        self, rule: Rule, record: ScopedRecord, label: str, owner: int | None, start: datetime, **ctx: str
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
            values=_shipped(rule),
            is_restricted=record.is_restricted,
            now=self.now,
        )
        self.rows.clocks.append(clock)
        return clock

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
        person = row(
            Person,
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
            row(
                Address,
                person_id=record.pid,
                line1=record.line1,
                town=record.town,
                postcode=record.postcode,
                source=Source.PERSON,
                recorded_at=first_seen,
            )
        )
        school = self.sharing.school_identifier(record, first_seen)
        if school is not None:
            rows.identifiers.append(school)
        if record.nhs:
            rows.identifiers.append(
                row(
                    Identifier,
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
                row(
                    Relationship,
                    person_id=carers[0],
                    other_id=carers[1],
                    kind=RelationshipKind.PARTNER,
                    source=Source.POLICE,
                )
            )
        for child in household.children:
            for i, carer in enumerate(carers):
                kind = RelationshipKind.STEP_PARENT if i == 1 and draw.chance(0.3) else RelationshipKind.PARENT
                rows.relationships.append(
                    row(Relationship, person_id=carer, other_id=child.original.pid, kind=kind, source=Source.POLICE)
                )
            for flag, share in (
                (FlagKind.CIN, 0.05),
                (FlagKind.CP_PLAN, 0.03),
                (FlagKind.CHILD_IN_CARE, 0.02),
                (FlagKind.SEND, 0.04),
            ):
                if draw.chance(share):
                    rows.flags.append(row(Flag, person_id=child.original.pid, kind=flag, source=Source.PARTNER))


def stop(clock: Clock, at: datetime, by: int | None, draw: Draw) -> None:
    """Stop a generated clock as ``stop_clock`` would at ``at``; late work gets a breach reason."""
    clock.stopped_at, clock.stopped_by_id, clock.next_at = at, by, None
    clock.outcome = ClockOutcome.BREACHED if at > clock.due_at else ClockOutcome.MET
    clock.stage = clock.stage_at(at)
    if clock.outcome == ClockOutcome.BREACHED:
        clock.breach_reason = draw.weighted(BREACH_MIX)
        clock.breach_detail = BREACH_DETAIL[clock.breach_reason]


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
        self.endorsed: list[Endorsed] = []  # what investigations may be opened from
        self.recorded: list[Recorded] = []  # what may be shared with partners

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
        self.p.investigations.write(self.endorsed)
        self.p.sharing.write(self.recorded)
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
        concern = row(
            Concern,
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
        rows.tags.append(row(ConcernTypeTag, concern_id=cid, type=kind))
        if kind == ConcernType.DOMESTIC_ABUSE and draw.chance(0.1):
            rows.tags.append(row(ConcernTypeTag, concern_id=cid, type=ConcernType.EMOTIONAL))
        rows.risks.append(
            row(
                RiskAssessment,
                concern_id=cid,
                grade=grade,
                rationale=RATIONALES[RiskGrade(grade)],
                assessed_by_id=owner,
                assessed_at=recorded,
            )
        )
        on = occurred.astimezone(UTC).date()
        first_voice = len(rows.voices)
        issues: dict[int, list[str]] = {}  # by person id, the order endorse_concern lists them in
        children: list[tuple[int, datetime, int, str, str]] = []
        for record, role, is_child in involved:
            rows.involvements.append(
                row(Involvement, concern_id=cid, person_id=record.pid, role=role, is_child=is_child, added_at=recorded)
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
        types = [t.type for t in rows.tags[-2:] if t.concern_id == cid]
        self.recorded.append(
            Recorded(
                concern,
                types,
                unit,
                involved,
                rows.voices[first_voice:],
                submitted,
                occurred,
                decided if status == ConcernStatus.RETURNED else None,
            )
        )
        supervisor = p.staff.supervisors[unit]
        decider = supervisor if supervisor != owner else (p.staff.hub or supervisor)
        if late and status != ConcernStatus.SUBMITTED:
            p.truth.failures.append(PracticeFailure("late_endorsement", cid, None, unit))
        if returned_first or status == ConcernStatus.RETURNED:
            rows.decisions.append(
                row(
                    SupervisorDecision,
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
                row(
                    SupervisorDecision,
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
            people = [(record.pid, role, is_child) for record, role, is_child in involved]
            self.endorsed.append(Endorsed(concern, kind, unit, people, endorsed_at.astimezone(UTC)))
        return children

    def _clock(
        self, rule: Rule, record: Concern | CumulativeReview, label: str, owner: int | None, start: datetime, **ctx: str
    ) -> Clock:
        return self.p.clock(rule, record, label, owner, start, **ctx)

    def _stop(self, clock: Clock, at: datetime, by: int | None) -> None:
        stop(clock, at, by, self.draw)

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
        voice = row(
            VoiceRecord,
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
        p.rows.observations += [row(DemeanourObservation, voice_id=voice.pk, code=c) for c in codes]
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
                review = row(
                    CumulativeReview,
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


# --- Investigations ------------------------------------------------------------------------------
#
# Each investigation is first planned as a whole life in memory (allocation, plan, reviews on the
# cadence, notifications, closure), as the services would have recorded it, then cut at the force's
# "now" (or earlier, for one left to drift), and only then turned into rows and clocks. Its status,
# clocks and last activity are read off what is left, so they always agree with each other.

L = LineOfEnquiry

ENQUIRIES: dict[str, tuple[str, ...]] = {  # by concern type, the usual first line first
    ConcernType.DOMESTIC_ABUSE: (
        L.WITNESSES,
        L.SUSPECT_INTERVIEW,
        L.PARTNER_CHECKS,
        L.SAFEGUARDING,
        L.HOUSE_TO_HOUSE,
        L.CCTV,
        L.ABE_INTERVIEW,
    ),
    ConcernType.PHYSICAL: (L.MEDICAL, L.ABE_INTERVIEW, L.STRATEGY_DISCUSSION, L.SUSPECT_INTERVIEW, L.WITNESSES),
    ConcernType.SEXUAL: (
        L.STRATEGY_DISCUSSION,
        L.ABE_INTERVIEW,
        L.MEDICAL,
        L.FORENSIC,
        L.SUSPECT_INTERVIEW,
        L.DIGITAL,
        L.PARTNER_CHECKS,
    ),
    ConcernType.CSE: (L.STRATEGY_DISCUSSION, L.ABE_INTERVIEW, L.DIGITAL, L.CCTV, L.SUSPECT_INTERVIEW, L.SAFEGUARDING),
    ConcernType.CCE: (L.STRATEGY_DISCUSSION, L.DIGITAL, L.CCTV, L.SUSPECT_INTERVIEW, L.SAFEGUARDING),
    ConcernType.ONLINE: (L.DIGITAL, L.SUSPECT_INTERVIEW, L.ABE_INTERVIEW, L.PARTNER_CHECKS, L.SAFEGUARDING),
}
WELFARE_ENQUIRIES = (L.PARTNER_CHECKS, L.STRATEGY_DISCUSSION, L.SAFEGUARDING, L.WITNESSES, L.ABE_INTERVIEW)
ENQUIRY_TEXT: dict[str, tuple[str, str, str]] = {  # title, detail, what it found
    L.ABE_INTERVIEW: (
        "Achieving Best Evidence interview of the child",
        "Plan it with social care; an intermediary if needed; visually recorded.",
        "Interview held and recorded; the child gave a clear account, recording exhibited.",
    ),
    L.MEDICAL: (
        "Paediatric medical examination",
        "Arrange with the on-call paediatrician, with consent from whoever has parental responsibility.",
        "Examination done; the findings are consistent with the child's account, report on file.",
    ),
    L.FORENSIC: (
        "Forensic recovery of clothing and bedding",
        "Seize and submit for examination; record continuity.",
        "Items submitted and the results added to the case file.",
    ),
    L.HOUSE_TO_HOUSE: (
        "House-to-house enquiries in the street",
        "Both sides of the street and the flats opposite.",
        "Twelve addresses visited; one neighbour heard shouting and gave a statement.",
    ),
    L.DIGITAL: (
        "Download and examine the phones and devices",
        "Seize with consent or on arrest; submit to the digital forensics unit.",
        "Download examined; the relevant messages are exhibited.",
    ),
    L.CCTV: (
        "Secure CCTV and doorbell footage",
        "Shops, buses and doorbell cameras near the address.",
        "Footage secured and viewed; it shows the car arriving and leaving.",
    ),
    L.WITNESSES: (
        "Statements from the witnesses",
        "The neighbour who called and the adults present.",
        "Two statements taken and filed.",
    ),
    L.SUSPECT_INTERVIEW: (
        "Arrest or voluntary interview of the suspect",
        "Disclosure to the solicitor first; consider bail conditions that protect the child.",
        "Interviewed under caution; the file went to the CPS for advice.",
    ),
    L.PARTNER_CHECKS: (
        "Checks with social care, health and the school",
        "The family's history and any plan for the children.",
        "Checks back: the family is known to early help, with no current plan.",
    ),
    L.STRATEGY_DISCUSSION: (
        "Strategy discussion with social care and health",
        "Request it today; police attend and record the decisions.",
        "Held; a section 47 enquiry was agreed and the actions shared.",
    ),
    L.SAFEGUARDING: (
        "Safeguarding measures for the child",
        "A safety plan with the protective carer; consider a protection notice or bail conditions.",
        "Safety plan agreed with the carer and shared with the school.",
    ),
}
CLOSED_RESULTS = (
    "Closed: the carer withdrew consent and the evidence was gathered another way.",
    "Closed: no longer proportionate once the partner checks came back.",
    "Closed: the footage had been overwritten before it could be secured.",
)
DIRECTIONS = (
    ("Speak to the child again, alone, and record their own words", "Use their words in the plan and the risk."),
    ("Record why the suspect has not been arrested", "Write the rationale into the plan, with the risk to the child."),
    ("Tell social care about the family's new address", "Confirm it was received and record who you spoke to."),
    ("Chase the device download and record its reference", "Escalate to the unit's manager if no date is given."),
    ("Update the safety plan with the school", "Include who collects the child and the suspect's bail conditions."),
    (
        "Bring every open line of enquiry up to date",
        "Each needs an update, or closing with a reason, before my review.",
    ),
)
CHECK_GAPS = {
    "voice_check": "The child's own words are not yet in the plan.",
    "enquiries_check": "Two lines of enquiry have had no update since the last review.",
    "partners_check": "Social care has not been told of the arrest.",
    "delay_check": "The delay in the interview is not explained.",
}
REVIEW_RATIONALES = (
    "The plan is proportionate to the risk; enquiries are progressing and the child is safe with a safety plan.",
    "Good progress on the lines of enquiry; the child's account is driving the plan.",
    "Slow progress since the last review; directions set to move the key enquiries on.",
    "Risk reviewed with the officer; the grade stands and the plan remains right for the child.",
)
REGRADE_RATIONALES = {
    RiskGrade.HIGH: "New disclosure, and the suspect has been seen near the school: the risk is raised to high.",
    RiskGrade.MEDIUM: "The suspect is on bail away from the address, but the family is struggling: medium.",
    RiskGrade.STANDARD: "The suspect is charged and remanded and the child is safe: the risk is lowered.",
}
ENTRY_TEXTS = {
    EntryKind.PROGRESS: (
        "Called the school's safeguarding lead; the attendance record is promised by Friday.",
        "Left a message for the social worker; visit to the family booked for next week.",
        "Chased the digital forensics unit; the download is in the queue.",
        "Spoke to the mother, who says the child is settled and sleeping better.",
    ),
    EntryKind.EVIDENCE: (
        "Statement taken from the neighbour and exhibited.",
        "Footage downloaded and exhibited; the copy is with the case papers.",
        "Medical report received and added to the file.",
        "Messages from the child's phone exhibited with the download report.",
    ),
    EntryKind.DECISION: (
        "Decided not to seek a further medical: no injury seen and none disclosed.",
        "Decided to interview the suspect voluntarily: no grounds for arrest now.",
        "Decided with social care that the child stays at home under the safety plan.",
    ),
}
CORRECTION_REASONS = (
    "The time was wrong: corrected from my pocket notebook.",
    "The wrong day was entered; corrected from the call log.",
)
DECLINE_REASONS = (
    "I know the family socially: a conflict of interest.",
    "On leave from tomorrow for two weeks.",
    "Already carrying a full caseload of high-risk investigations.",
)
REALLOCATE_REASONS = (
    "The officer in the case is on long-term sick leave.",
    "Rebalancing the team's caseloads.",
    "The officer in the case has moved to another team.",
)
NOTIFICATIONS: dict[str, str] = {
    Agency.CHILDRENS_SOCIAL_CARE: "The police enquiries and the risk to the child, for the section 47 enquiry.",
    Agency.HEALTH: "The health visitor should know of the investigation and the safety plan.",
    Agency.SCHOOL: "The designated safeguarding lead should know of the safety plan and who may collect the child.",
}
SENT_DETAIL = "Sent by secure email to the duty team and receipt confirmed; reference {reference}."
CRIME_OUTCOMES: dict[str, float] = {
    Outcome.CHARGED: 0.15,
    Outcome.CHARGED_ALTERNATIVE: 0.01,
    Outcome.YOUTH_CAUTION: 0.02,
    Outcome.ADULT_CAUTION: 0.03,
    Outcome.COMMUNITY_RESOLUTION: 0.03,
    Outcome.NOT_PUBLIC_INTEREST_CPS: 0.02,
    Outcome.NOT_PUBLIC_INTEREST_POLICE: 0.03,
    Outcome.SUSPECT_UNDER_AGE: 0.02,
    Outcome.NO_SUSPECT_NO_SUPPORT: 0.12,
    Outcome.EVIDENTIAL_VICTIM_SUPPORTS: 0.08,
    Outcome.EVIDENTIAL_NO_SUPPORT: 0.25,
    Outcome.NO_SUSPECT: 0.06,
    Outcome.OTHER_BODY: 0.10,
    Outcome.NOT_PUBLIC_INTEREST_INVESTIGATION: 0.05,
    Outcome.DIVERSION: 0.03,
}
NON_CRIME_OUTCOMES: dict[str, float] = {
    Outcome.NON_CRIME_SAFEGUARDED: 0.5,
    Outcome.NON_CRIME_PARTNER_LEAD: 0.3,
    Outcome.NON_CRIME_UNSUBSTANTIATED: 0.2,
}
WELFARE_TYPES = {
    ConcernType.NEGLECT,
    ConcernType.EMOTIONAL,
    ConcernType.OTHER_WELFARE,
    ConcernType.POLICE_PROTECTION,
}
CLOSURE_RATIONALES = (
    "Every line of enquiry is complete or closed with a reason; partners are told; the child is safeguarded.",
    "The CPS decision is recorded and the family told; social care leads the plan for the child.",
)
SIGN_OFF_RATIONALES = ("Agreed: the file is complete and the outcome right for the child.",)
REFUSAL_REASONS = ("Record the child's view of the outcome and tell the school before I sign this off.",)
OPEN_LAG_HOURS = {RiskGrade.HIGH: (0.5, 8.0), RiskGrade.MEDIUM: (2.0, 72.0), RiskGrade.STANDARD: (6.0, 168.0)}
DURATION_DAYS = {RiskGrade.HIGH: 90, RiskGrade.MEDIUM: 110, RiskGrade.STANDARD: 60}  # median, accepted -> proposed
REGRADE = {
    RiskGrade.HIGH: (RiskGrade.MEDIUM, RiskGrade.STANDARD),
    RiskGrade.MEDIUM: (RiskGrade.HIGH, RiskGrade.STANDARD),
    RiskGrade.STANDARD: (RiskGrade.MEDIUM, RiskGrade.HIGH),
}


@dataclass
class Endorsed:
    """An endorsed concern an investigation may be opened from, with its people (id, role, child?)."""

    concern: Concern
    kind: str
    unit: str
    people: list[tuple[int, str, bool]]
    endorsed_at: datetime

    @property
    def children(self) -> set[int]:
        return {pid for pid, _, child in self.people if child}


@dataclass
class Recorded:
    """A submitted concern as the sharing replay needs it: its types, team, people (record, role, child?),
    current voice records, and when it was returned (nothing is shared from a returned concern)."""

    concern: Concern
    types: list[str]
    unit: str
    people: list[tuple[Record, str, bool]]
    voices: list[VoiceRecord]
    submitted_at: datetime
    occurred_at: datetime
    returned_at: datetime | None

    @property
    def children(self) -> list[Record]:
        return [record for record, _, is_child in self.people if is_child]

    @property
    def on(self) -> date:
        """The day of the event, as the services compute a person's age on it."""
        return self.occurred_at.astimezone(UTC).date()

    @property
    def types_text(self) -> str:
        return "; ".join(ConcernType(t).label for t in self.types)


@dataclass
class Case:
    """What an investigation is opened with: its concerns, team, grade and first review date."""

    pk: int
    concerns: list[Endorsed]
    unit: str
    grade: str
    opened_at: datetime
    opened_by: int
    supervisor: int
    first_review_on: date

    @property
    def reference(self) -> str:
        return f"INV-{self.opened_at:%Y}-{self.pk:06d}"

    @property
    def kind(self) -> str:
        return self.concerns[-1].kind


@dataclass
class PlanAllocation:
    officer: int
    by: int
    at: datetime
    reason: str = ""
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    decline_reason: str = ""


@dataclass
class PlanEntry:
    kind: str
    text: str
    occurred_at: datetime
    recorded_at: datetime
    by: int
    corrected_at: datetime | None = None  # when a new version with a reason replaced it
    correction: str = ""


@dataclass
class PlanReview:
    at: datetime
    by: int
    grade: str
    regrade: str  # the rationale, when the review changed the grade
    checks: dict[str, str]
    notes: str
    rationale: str
    next_review_on: date
    pk: int = 0


@dataclass
class PlanAction:
    kind: str
    title: str
    detail: str
    owner: int
    created_by: int
    created_at: datetime
    due_on: date
    review: PlanReview | None = None
    finished_at: datetime | None = None
    status: str = ActionStatus.DONE  # once finished
    result: str = ""
    entries: list[PlanEntry] = field(default_factory=list)


@dataclass
class PlanNotification:
    agency: str
    required_at: datetime
    by: int
    sent_at: datetime | None = None
    recorded_at: datetime | None = None


@dataclass
class PlanProposal:
    outcome: str
    rationale: str
    at: datetime
    by: int
    decision: str = ""
    decision_rationale: str = ""
    decided_at: datetime | None = None
    decided_by: int | None = None


@dataclass
class Plan:
    """One investigation's life as the services would have recorded it, in time order per kind."""

    opened_at: datetime
    allocations: list[PlanAllocation] = field(default_factory=list)
    actions: list[PlanAction] = field(default_factory=list)
    reviews: list[PlanReview] = field(default_factory=list)
    notifications: list[PlanNotification] = field(default_factory=list)
    proposals: list[PlanProposal] = field(default_factory=list)

    def status(self) -> str:
        if self.proposals and self.proposals[-1].decided_at is None:
            return InvestigationStatus.CLOSURE_PROPOSED
        if self.proposals and self.proposals[-1].decision == ClosureDecision.SIGNED_OFF:
            return InvestigationStatus.CLOSED
        last = self.allocations[-1]
        if last.accepted_at:
            return InvestigationStatus.ACTIVE
        return InvestigationStatus.UNALLOCATED if last.declined_at else InvestigationStatus.ALLOCATED

    def accepted_at(self) -> datetime | None:
        return self.allocations[-1].accepted_at

    def cut(self, at: datetime) -> None:
        """Forget everything recorded at or after ``at``: the investigation as it stood then."""
        self.allocations = [a for a in self.allocations if a.at < at]
        for allocation in self.allocations:
            if allocation.accepted_at and allocation.accepted_at >= at:
                allocation.accepted_at = None
            if allocation.declined_at and allocation.declined_at >= at:
                allocation.declined_at, allocation.decline_reason = None, ""
        self.reviews = [r for r in self.reviews if r.at < at]
        self.actions = [a for a in self.actions if a.created_at < at]
        for action in self.actions:
            if action.finished_at and action.finished_at >= at:
                action.finished_at = None
            action.entries = [e for e in action.entries if e.recorded_at < at]
            for entry in action.entries:
                if entry.corrected_at and entry.corrected_at >= at:
                    entry.corrected_at = None
        self.notifications = [n for n in self.notifications if n.required_at < at]
        for notification in self.notifications:
            if notification.recorded_at and notification.recorded_at >= at:
                notification.sent_at = notification.recorded_at = None
        self.proposals = [p for p in self.proposals if p.at < at]
        for proposal in self.proposals:
            if proposal.decided_at and proposal.decided_at >= at:
                proposal.decision, proposal.decision_rationale = "", ""
                proposal.decided_at = proposal.decided_by = None

    def last_activity(self) -> datetime:
        """The latest thing recorded (what the services' ``_touch`` leaves in ``last_activity_at``)."""
        times: list[datetime | None] = [self.opened_at]
        for allocation in self.allocations:
            times += [allocation.at, allocation.accepted_at, allocation.declined_at]
        for action in self.actions:
            times += [action.created_at, action.finished_at]
            times += [t for e in action.entries for t in (e.recorded_at, e.corrected_at)]
        times += [r.at for r in self.reviews]
        times += [t for n in self.notifications for t in (n.required_at, n.recorded_at)]
        times += [t for p in self.proposals for t in (p.at, p.decided_at)]
        return max(t for t in times if t is not None)

    def review_due_on(self, index: int, first_review_on: date) -> date:
        """The day review ``index`` was due: the first review date, then each review's next date."""
        return first_review_on if index == 0 else self.reviews[index - 1].next_review_on


class Quota:
    """Gives a practice failure to exactly its share of the eligible records under each key, in the
    order they come, the first one included: so even a small force shows each failure, and the rates
    between units are exact (one unit visibly worse than another)."""

    def __init__(self) -> None:
        self.owed: dict[str, float] = {}

    def take(self, key: str, share: float) -> bool:
        """One more eligible record under ``key``: is it the one to get the failure?"""
        if share <= 0:
            return False
        owed = self.owed.get(key, 1.0 - share) + share
        hit = owed >= 1.0 - 1e-9
        self.owed[key] = owed - 1.0 if hit else owed
        return hit


def _hours(value: float) -> timedelta:
    return timedelta(hours=value)


def _day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


class InvestigationWriter:
    """Investigations opened from a household's endorsed concerns, written with their clocks. Its own
    random source, so adding investigations leaves the people and concerns of a seed as they were."""

    def __init__(self, population: Population) -> None:
        self.p = population
        self.spec = population.spec
        self.staff = population.staff
        self.draw = Draw(population.spec.seed ^ 0x1A7E57)
        self.rng = self.draw.rng
        self.now = population.now.astimezone(UTC)
        self.today = population.today
        self.next_investigation = _next_id(Investigation)
        self.next_review = _next_id(SupervisoryReview)
        self.next_action = _next_id(Action)
        self.next_entry = _next_id(ActionEntry)
        self.drift_days = parameters.value("investigations.drift_days")
        values = parameters.defaults([*REVIEW.parameters, *SIGN_OFF.parameters, *ACCEPTANCE.parameters])
        self.first_review_days = values["investigations.first_review_working_days"]
        self.sign_off_days = values["investigations.sign_off_working_days"]
        self.accept_hours = values["investigations.accept_hours"]
        self.cadence = {grade: values[f"investigations.review_days_{grade}"] for grade in RiskGrade.values}
        self.stages, self.drift, self.overdue_reviews, self.overdue_actions = Quota(), Quota(), Quota(), Quota()
        self.statuses: dict[str, int] = {}

    # -- which concerns are investigated

    def write(self, endorsed: list[Endorsed]) -> None:
        endorsed = sorted(endorsed, key=lambda e: e.endorsed_at)
        used: set[int] = set()
        for i, lead in enumerate(endorsed):
            grade = lead.concern.risk_grade
            if lead.concern.pk in used or not self.draw.chance(self.spec.investigation_share.get(grade, 0.0)):
                continue
            group = [lead]
            if self.draw.chance(self.spec.linked_share):
                for earlier in reversed(endorsed[:i]):
                    recent = lead.endorsed_at - earlier.endorsed_at <= timedelta(days=90)
                    if recent and earlier.concern.pk not in used and earlier.children & lead.children:
                        group.insert(0, earlier)
                        break
            grade = max((e.concern.risk_grade for e in group), key=lambda g: RISK_RANK[RiskGrade(g)])
            opened = lead.endorsed_at + _hours(self.rng.uniform(*OPEN_LAG_HOURS[RiskGrade(grade)]))
            if opened >= self.now - timedelta(hours=1):
                continue  # not opened yet
            used.update(e.concern.pk for e in group)
            self._investigation(group, grade, opened)

    # -- one investigation

    def _late(self, unit: str) -> float:
        return self.spec.late_supervision_share.get(unit, 0.1)

    def _officer(self, unit: str, other_than: int | None = None) -> int:
        """An officer in the case: the unit's first officer at ``spec.lead_share``, else anyone but its
        supervisor (who reviews the case) and ``other_than``."""
        officers = self.staff.officers[unit]
        choices = [o for o in officers if o not in (other_than, self.staff.supervisors[unit])] or officers
        if choices[0] == officers[0] and self.draw.chance(self.spec.lead_share):
            return choices[0]
        return choices[self.rng.randrange(len(choices))]

    def _investigation(self, group: list[Endorsed], grade: str, opened: datetime) -> None:
        rng, draw, now = self.rng, self.draw, self.now
        unit = group[-1].unit
        supervisor = self.staff.supervisors[unit]
        hub = self.staff.hub
        opener = hub if hub is not None and draw.chance(0.25) else supervisor
        latest = nth_working_day_after(_day(opened), self.first_review_days)
        first_review_on = latest if draw.chance(0.7) else _day(opened) + timedelta(days=1)
        case = Case(self.next_investigation, group, unit, grade, opened, opener, supervisor, first_review_on)
        self.next_investigation += 1
        oic = self._officer(unit)
        plan = self._plan(case, officer=oic)
        drifting = False
        closing = plan.proposals[-1] if plan.proposals else None
        if closing is None or closing.decided_at is None or closing.decided_at >= now:
            stage = self._open_stage(case, oic)
            age = now - opened
            if stage == InvestigationStatus.CLOSURE_PROPOSED:
                # Everything done a few days ago; put forward recently (or, at the unit's rate, days ago).
                ready = now - timedelta(days=rng.uniform(3, 5))
                waiting = rng.uniform(72, 192) if self.draw.chance(self._late(case.unit)) else rng.uniform(2, 40)
                plan = self._plan(case, officer=oic, ready=ready, propose=now - _hours(waiting), signed=False)
                plan.cut(now)
            elif stage in (InvestigationStatus.ALLOCATED, InvestigationStatus.UNALLOCATED):
                plan = self._pending(case, oic, declined=stage == InvestigationStatus.UNALLOCATED, young=age.days < 2)
            else:
                drifting = self._active(case, plan)
            if not drifting and plan.status() == InvestigationStatus.ACTIVE:
                self._keep_fresh(plan)
        self._emit(case, plan, drifting=drifting)

    def _open_stage(self, case: Case, oic: int) -> str:
        """Most open investigations are under investigation; a share (of the force's, and of each unit's
        lead officer's on their own) wait for acceptance, for reallocation after a decline, or sign-off."""
        lead = oic == self.staff.officers[case.unit][0]
        key = f"{case.unit}:lead" if lead else "force"
        stages = [InvestigationStatus.ALLOCATED, InvestigationStatus.CLOSURE_PROPOSED]
        if not lead:
            stages.append(InvestigationStatus.UNALLOCATED)
        if self.now - case.opened_at < timedelta(days=9):
            stages.remove(InvestigationStatus.CLOSURE_PROPOSED)  # too young to be ready to close
        for stage in stages:
            if self.stages.take(f"{key}:{stage}", self.spec.open_stage_share.get(stage, 0.0)):
                return stage
        return InvestigationStatus.ACTIVE

    def _pending(self, case: Case, oic: int, *, declined: bool, young: bool) -> Plan:
        """Awaiting acceptance (or declined and awaiting reallocation): just opened, or reallocated
        from an officer who worked it until recently."""
        rng, now = self.rng, self.now
        if young:
            plan = Plan(case.opened_at, allocations=[PlanAllocation(oic, case.opened_by, case.opened_at)])
            moved = case.opened_at
        else:
            before = self._officer(case.unit, other_than=oic)
            plan = self._plan(case, officer=before, ready=now + timedelta(days=30))
            overdue = self.draw.chance(self._late(case.unit))
            moved = now - _hours(rng.uniform(26, 72) if overdue else rng.uniform(2, 20))
            accepted = plan.accepted_at()
            if accepted is None or moved <= accepted + timedelta(hours=1):
                moved = max(now - timedelta(hours=2), case.opened_at + timedelta(hours=1))
            plan.cut(moved)
            by = case.supervisor if self.draw.chance(0.8) or self.staff.hub is None else self.staff.hub
            plan.allocations.append(PlanAllocation(oic, by, moved, reason=rng.choice(REALLOCATE_REASONS)))
        if declined:
            last = plan.allocations[-1]
            last.declined_at = moved + (now - moved) * rng.uniform(0.2, 0.8)
            last.decline_reason = rng.choice(DECLINE_REASONS)
        return plan

    def _active(self, case: Case, plan: Plan) -> bool:
        """Under investigation now: cut at now, or (the unit's share) at a quiet day more than the
        drift period ago. Returns whether it was left drifting."""
        now, unit = self.now, case.unit
        accepted = plan.accepted_at()
        quiet = now - timedelta(days=self.rng.uniform(self.drift_days + 1, self.drift_days + 30))
        if accepted is not None and accepted < now:
            quiet = max(quiet, accepted + timedelta(days=1))
        if (
            accepted is not None
            and quiet < now - timedelta(days=self.drift_days + 1)
            and self.drift.take(unit, self.spec.drift_share.get(unit, 0.1))
        ):
            plan.cut(quiet)
            return True
        plan.cut(now)
        if plan.status() != InvestigationStatus.ACTIVE:
            return False
        late = self._late(unit)
        last = len(plan.reviews) - 1
        overdue = last >= 0 and end_of(plan.review_due_on(last, case.first_review_on)) < now
        if overdue and self.overdue_reviews.take(unit, late):
            self._drop_review(plan, plan.reviews[-1])
        old = [a for a in plan.actions if a.review is None and a.created_at < now - timedelta(days=3)]
        if old:
            action = ([a for a in old if a.finished_at is None] or old)[-1]
            due = min(action.due_on, self.today - timedelta(days=self.rng.randint(1, 3)))
            if due > _day(action.created_at) and self.overdue_actions.take(unit, late):
                action.due_on, action.finished_at = due, None
        return False

    @staticmethod
    def _drop_review(plan: Plan, review: PlanReview) -> None:
        """The review was not done: it, its directions and any re-grade never happened."""
        plan.reviews.remove(review)
        plan.actions = [a for a in plan.actions if a.review is not review]

    def _keep_fresh(self, plan: Plan) -> None:
        """An investigation not meant to drift has something recorded within the drift period."""
        now, rng = self.now, self.rng
        last = plan.last_activity()
        if last >= now - timedelta(days=self.drift_days - 1) or not plan.actions:
            return
        open_actions = [a for a in plan.actions if a.finished_at is None]
        action = max(open_actions, key=lambda a: a.due_on) if open_actions else plan.actions[-1]
        recorded = now - timedelta(days=rng.uniform(0.3, max(0.5, self.drift_days - 2)))
        occurred = max(recorded - _hours(rng.uniform(1, 24)), action.created_at)
        text = rng.choice(ENTRY_TEXTS[EntryKind.PROGRESS])
        action.entries.append(PlanEntry(EntryKind.PROGRESS, text, occurred, recorded, action.owner))

    # -- planning a whole life

    def _plan(
        self,
        case: Case,
        *,
        officer: int,
        ready: datetime | None = None,
        propose: datetime | None = None,
        punctual: bool = False,
        signed: bool = True,
    ) -> Plan:
        """The investigation's life from allocation to sign-off: accepted, planned, worked, reviewed on
        the cadence and closed. ``ready`` is when the work is meant to be done (default: drawn by risk),
        ``propose`` the earliest it is put forward for closure; ``punctual`` draws no late work (and
        ``ready`` or ``propose`` given, none is); ``signed`` False leaves the sign-off pending."""
        rng, draw = self.rng, self.draw
        unit = case.unit
        punctual = punctual or ready is not None or propose is not None
        late = 0.0 if punctual else self._late(unit)
        plan = Plan(case.opened_at)
        at = case.opened_at
        officers = self.staff.officers[unit]
        if not punctual and len(officers) > 1 and draw.chance(0.04):
            first = PlanAllocation(self._officer(unit, other_than=officer), case.opened_by, at)
            first.declined_at = at + _hours(rng.uniform(1, 20))
            first.decline_reason = rng.choice(DECLINE_REASONS)
            plan.allocations.append(first)
            at = first.declined_at + _hours(rng.uniform(1, 30))
            reason = "Reallocated: the first officer could not take it."
            plan.allocations.append(PlanAllocation(officer, case.opened_by, at, reason=reason))
        else:
            plan.allocations.append(PlanAllocation(officer, case.opened_by, at))
        if draw.chance(late):
            delay = rng.uniform(self.accept_hours + 1, self.accept_hours * 3.5)
        else:
            delay = min(self.accept_hours - 1.0, rng.lognormvariate(math.log(3), 0.8))
        accepted = at + _hours(delay)
        plan.allocations[-1].accepted_at = accepted
        if ready is None:
            days = rng.lognormvariate(math.log(DURATION_DAYS[RiskGrade(case.grade)]), 0.8)
            ready = accepted + timedelta(days=min(400.0, max(7.0, days)))
        ready = max(ready, accepted + timedelta(days=3))
        planned = accepted + min(_hours(rng.uniform(0.5, 36)), (ready - accepted) / 4)
        self._lines_of_enquiry(plan, case, officer, planned, ready, late)
        self._notifications(plan, officer, planned, ready)
        finished = [a.finished_at for a in plan.actions if a.finished_at]
        sent = [n.recorded_at for n in plan.notifications if n.recorded_at]
        proposed = max([ready, *finished, *sent]) + _hours(rng.uniform(2, 30))
        proposed = max(proposed, propose or proposed)
        signed_off = self._closure(plan, case, officer, proposed, late, refuse=not punctual)
        if not signed:
            pending = plan.proposals[-1]
            pending.decision, pending.decision_rationale, pending.decided_at, pending.decided_by = "", "", None, None
        self._reviews(plan, case, officer, proposed, signed_off if signed else None, late)
        return plan

    def _lines_of_enquiry(
        self, plan: Plan, case: Case, officer: int, planned: datetime, ready: datetime, late: float
    ) -> None:
        rng = self.rng
        pool = ENQUIRIES.get(case.kind, WELFARE_ENQUIRIES)
        count = min(len(pool), rng.randint(2, 6))
        kinds = [pool[0], *rng.sample(pool[1:], count - 1)]
        span = max(2, (_day(ready) - _day(planned)).days)
        officers = self.staff.officers[case.unit]
        for i, kind in enumerate(kinds):
            created = planned + timedelta(minutes=5 * i + rng.uniform(0, 4))
            # The last line runs to the end (awaiting the CPS, say); the others are due sooner.
            days = span if i == len(kinds) - 1 else rng.randint(min(2, span), max(2, min(span, 28)))
            owner = officer if self.draw.chance(0.75) else officers[rng.randrange(len(officers))]
            title, detail, result = ENQUIRY_TEXT[kind]
            action = PlanAction(kind, title, detail, owner, officer, created, _day(created) + timedelta(days=days))
            self._work(action, late, limit=None)
            action.result = result if action.status == ActionStatus.DONE else rng.choice(CLOSED_RESULTS)
            plan.actions.append(action)

    def _work(self, action: PlanAction, late: float, limit: datetime | None) -> None:
        """When the action is finished (on time, or at the unit's rate late), and what is recorded on
        the way: progress every week or two, evidence or a decision last; now and then a correction."""
        rng, draw = self.rng, self.draw
        due = end_of(action.due_on)
        span = due - action.created_at
        finished = action.created_at + span * rng.uniform(0.35, 0.97)
        if draw.chance(late):
            finished = due + timedelta(days=rng.uniform(1, 15))
        if limit is not None and finished >= limit:
            finished = min(due, limit) - (min(due, limit) - action.created_at) * rng.uniform(0.05, 0.5)
        action.finished_at = finished
        action.status = ActionStatus.CLOSED if draw.chance(0.1) else ActionStatus.DONE
        worked = finished - action.created_at
        count = max(1, min(4, round(worked / timedelta(days=rng.uniform(8, 16)))))
        for j in range(count):
            kind = EntryKind.PROGRESS
            if j == count - 1:
                kind = EntryKind.EVIDENCE if draw.chance(0.6) else EntryKind.DECISION
            recorded = action.created_at + worked * ((j + rng.uniform(0.3, 0.95)) / count)
            occurred = max(recorded - _hours(rng.uniform(0.3, 48)), action.created_at - timedelta(hours=12))
            entry = PlanEntry(kind, rng.choice(ENTRY_TEXTS[kind]), occurred, recorded, action.owner)
            if draw.chance(0.03):
                corrected = recorded + _hours(rng.uniform(1, 72))
                if corrected < finished:
                    entry.corrected_at, entry.correction = corrected, rng.choice(CORRECTION_REASONS)
            action.entries.append(entry)

    def _notifications(self, plan: Plan, officer: int, planned: datetime, ready: datetime) -> None:
        rng, draw = self.rng, self.draw
        agencies = [Agency.CHILDRENS_SOCIAL_CARE]
        if draw.chance(0.2):
            agencies.append(Agency.HEALTH)
        if draw.chance(0.15):
            agencies.append(Agency.SCHOOL)
        for agency in agencies:
            required = planned + _hours(rng.uniform(0, 6))
            sent = min(required + _hours(rng.uniform(0.5, 72)), required + (ready - required) / 2)
            recorded = sent + min(_hours(rng.uniform(0.1, 24)), (ready - sent) / 2)
            plan.notifications.append(PlanNotification(agency, required, officer, sent, recorded))

    def _closure(
        self, plan: Plan, case: Case, officer: int, proposed: datetime, late: float, *, refuse: bool
    ) -> datetime:
        """Put forward for closure, sometimes refused once first, and signed off. Returns the sign-off."""
        rng, draw = self.rng, self.draw
        mix = NON_CRIME_OUTCOMES if case.kind in WELFARE_TYPES and draw.chance(0.7) else CRIME_OUTCOMES
        outcome = draw.weighted(mix)
        while True:
            proposal = PlanProposal(outcome, rng.choice(CLOSURE_RATIONALES), proposed, officer)
            due = end_of_nth_working_day(proposed, self.sign_off_days)
            if draw.chance(late):
                decided = due + timedelta(days=rng.uniform(0.5, 8))
            else:
                decided = proposed + (due - proposed) * rng.uniform(0.05, 0.9)
            proposal.decided_at, proposal.decided_by = decided, case.supervisor
            plan.proposals.append(proposal)
            if refuse and draw.chance(0.05):
                proposal.decision, proposal.decision_rationale = ClosureDecision.REFUSED, REFUSAL_REASONS[0]
                proposed = decided + timedelta(days=rng.uniform(1, 6))
                refuse = False
                continue
            proposal.decision, proposal.decision_rationale = ClosureDecision.SIGNED_OFF, SIGN_OFF_RATIONALES[0]
            return decided

    def _reviews(
        self, plan: Plan, case: Case, officer: int, proposed: datetime, signed_off: datetime | None, late: float
    ) -> None:
        """Supervisory reviews on the cadence (at the unit's rate, late) until sign-off or now. None is
        left overdue when the closure is proposed or signed off (the closure gates forbid it), and
        directions are only given while there is time to carry them out before the closure."""
        rng, draw, now = self.rng, self.draw, self.now
        until = min(signed_off or now, now)
        due_on, grade, previous = case.first_review_on, case.grade, case.opened_at
        while True:
            due = end_of(due_on)
            if signed_off is not None and due > signed_off:
                return  # the review clock running at sign-off stops there, met
            closing = due >= proposed - timedelta(days=1)
            at = at_london(due_on - timedelta(days=rng.randint(0, 2)), time(rng.randint(8, 17), rng.randint(0, 59)))
            at = at.astimezone(UTC)
            if at <= previous + timedelta(hours=1) or at >= due:
                at = previous + (due - previous) * rng.uniform(0.5, 0.95)
            if not closing and draw.chance(late):
                at = min(due + timedelta(days=rng.uniform(0.5, 10)), proposed - timedelta(hours=2))
                if at <= due:
                    at = previous + (due - previous) * rng.uniform(0.5, 0.95)
            if at >= until:
                return
            new_grade, regrade = grade, ""
            # High risk often falls once the suspect is arrested or bailed away from the child.
            if not closing and draw.chance(0.12 if grade == RiskGrade.HIGH else 0.04):
                new_grade = rng.choice(REGRADE[RiskGrade(grade)])
                regrade = REGRADE_RATIONALES[RiskGrade(new_grade)]
            cadence = self.cadence[new_grade]
            gap = cadence if draw.chance(0.7) else rng.randint(max(1, cadence - 4), cadence)
            next_review_on = _day(at) + timedelta(days=gap)
            review = PlanReview(
                at, case.supervisor, new_grade, regrade, {}, "", rng.choice(REVIEW_RATIONALES), next_review_on
            )
            room = (min(next_review_on, _day(proposed) - timedelta(days=1)) - _day(at)).days
            self._checks(plan, review, case, officer, room if not closing else 0, late)
            plan.reviews.append(review)
            due_on, grade, previous = next_review_on, new_grade, at

    def _checks(self, plan: Plan, review: PlanReview, case: Case, officer: int, room: int, late: float) -> None:
        """The four checks; a gap ("no") is directed, and some reviews direct more besides."""
        rng, draw = self.rng, self.draw
        for name in REVIEW_CHECKS:
            answer = Check.YES
            if name == "partners_check" and draw.chance(0.05):
                answer = Check.NOT_APPLICABLE
            elif room >= 1 and draw.chance(0.015 + late / 4):
                answer = Check.NO
            review.checks[name] = answer
        gaps = [name for name, answer in review.checks.items() if answer == Check.NO]
        review.notes = " ".join(CHECK_GAPS[name] for name in gaps)
        count = rng.randint(1, 2) if gaps else 1 if room >= 1 and draw.chance(0.1) else 0
        officers = self.staff.officers[case.unit]
        for title, detail in rng.sample(DIRECTIONS, count):
            owner = officer if draw.chance(0.8) else officers[rng.randrange(len(officers))]
            due_on = _day(review.at) + timedelta(days=rng.randint(1, max(1, min(room, 10))))
            action = PlanAction(L.DIRECTION, title, detail, owner, review.by, review.at, due_on, review=review)
            self._work(action, late, limit=at_london(_day(review.at) + timedelta(days=room + 1), time(0)))
            done = action.status == ActionStatus.DONE
            action.result = "Done as directed; the plan is updated." if done else rng.choice(CLOSED_RESULTS)
            plan.actions.append(action)

    # -- rows and clocks

    def _emit(self, case: Case, plan: Plan, *, drifting: bool) -> None:
        rows, draw = self.p.rows, self.draw
        status = plan.status()
        self.statuses[status] = self.statuses.get(status, 0) + 1
        unit_id = self.staff.unit_ids[case.unit]
        closed = status == InvestigationStatus.CLOSED
        closing = plan.proposals[-1] if closed else None
        grade = plan.reviews[-1].grade if plan.reviews else case.grade
        next_review_on = plan.reviews[-1].next_review_on if plan.reviews else case.first_review_on
        refs = " and ".join(e.concern.reference or "" for e in case.concerns)
        last = plan.allocations[-1]
        investigation = row(
            Investigation,
            pk=case.pk,
            reference=case.reference,
            unit_id=unit_id,
            owner_id=None if status == InvestigationStatus.UNALLOCATED else last.officer,
            is_restricted=any(e.concern.is_restricted for e in case.concerns),
            status=status,
            summary=f"Investigation of {refs}: {case.concerns[-1].concern.summary}",
            risk_grade=grade,
            risk_rank=RISK_RANK[RiskGrade(grade)],
            opened_by_id=case.opened_by,
            opened_at=case.opened_at,
            accepted_at=last.accepted_at,
            next_review_on=None if closed else next_review_on,
            last_activity_at=plan.last_activity(),
            outcome=closing.outcome if closing else "",
            closed_at=closing.decided_at if closing else None,
            signed_off_by_id=closing.decided_by if closing else None,
        )
        rows.investigations.append(investigation)
        pk, label = case.pk, case.reference
        if drifting:
            self.p.truth.investigation_failures.append(InvestigationFailure("drifting", pk, case.unit))
        people: set[tuple[int, str]] = set()
        for endorsed in case.concerns:
            rows.investigation_concerns.append(
                row(
                    InvestigationConcern,
                    investigation_id=pk,
                    concern_id=endorsed.concern.pk,
                    linked_by_id=case.opened_by,
                    linked_at=case.opened_at,
                )
            )
            for pid, role, child in endorsed.people:
                if (pid, role) not in people:
                    people.add((pid, role))
                    rows.investigation_people.append(
                        row(
                            InvestigationPerson,
                            investigation_id=pk,
                            person_id=pid,
                            role=role,
                            is_child=child,
                            added_by_id=case.opened_by,
                            added_at=case.opened_at,
                        )
                    )
        rows.investigation_risks.append(
            row(
                InvestigationRisk,
                investigation_id=pk,
                grade=case.grade,
                rationale=RATIONALES[RiskGrade(case.grade)],
                assessed_by_id=case.opened_by,
                assessed_at=case.opened_at,
            )
        )
        for i, allocation in enumerate(plan.allocations):
            rows.allocations.append(
                row(
                    Allocation,
                    investigation_id=pk,
                    officer_id=allocation.officer,
                    allocated_by_id=allocation.by,
                    allocated_at=allocation.at,
                    reason=allocation.reason,
                    accepted_at=allocation.accepted_at,
                    declined_at=allocation.declined_at,
                    decline_reason=allocation.decline_reason,
                )
            )
            clock = self.p.clock(ACCEPTANCE, investigation, label, allocation.officer, allocation.at)
            answered = allocation.accepted_at or allocation.declined_at
            if answered is not None:
                stop(clock, answered, allocation.officer, draw)
            elif i + 1 < len(plan.allocations):  # reallocated before an answer
                following = plan.allocations[i + 1]
                stop(clock, following.at, following.by, draw)
            self._judge(clock, "acceptance", case)
        start, risk, first = case.opened_at, case.grade, "1"
        for index, review in enumerate(plan.reviews):
            review.pk = self.next_review
            self.next_review += 1
            rows.supervisory_reviews.append(
                row(
                    SupervisoryReview,
                    pk=review.pk,
                    investigation_id=pk,
                    reviewed_by_id=review.by,
                    reviewed_at=review.at,
                    risk_grade=review.grade,
                    rationale=review.rationale,
                    check_notes=review.notes,
                    next_review_on=review.next_review_on,
                    **review.checks,
                )
            )
            if review.regrade:
                rows.investigation_risks.append(
                    row(
                        InvestigationRisk,
                        investigation_id=pk,
                        grade=review.grade,
                        rationale=review.regrade,
                        assessed_by_id=review.by,
                        assessed_at=review.at,
                    )
                )
            due_on = plan.review_due_on(index, case.first_review_on).isoformat()
            clock = self.p.clock(
                REVIEW, investigation, label, case.supervisor, start, due_on=due_on, risk=risk, first=first
            )
            stop(clock, review.at, review.by, draw)
            self._judge(clock, "review", case, review.pk)
            start, risk, first = review.at, review.grade, ""
        due_on = next_review_on.isoformat()
        clock = self.p.clock(
            REVIEW, investigation, label, case.supervisor, start, due_on=due_on, risk=risk, first=first
        )
        if closing is not None and closing.decided_at is not None:
            stop(clock, closing.decided_at, closing.decided_by, draw)
        self._judge(clock, "review", case)
        for number, action in enumerate(plan.actions, start=1):
            self._emit_action(case, investigation, action, number)
        for notification in plan.notifications:
            rows.notifications.append(
                row(
                    RequiredNotification,
                    investigation_id=pk,
                    agency=notification.agency,
                    purpose=NOTIFICATIONS[notification.agency],
                    required_by_id=notification.by,
                    required_at=notification.required_at,
                    sent_at=notification.sent_at,
                    sent_recorded_at=notification.recorded_at,
                    sent_by_id=notification.by if notification.sent_at else None,
                    sent_detail=SENT_DETAIL.format(reference=label) if notification.sent_at else "",
                )
            )
        for proposal in plan.proposals:
            rows.closure_proposals.append(
                row(
                    ClosureProposal,
                    investigation_id=pk,
                    outcome=proposal.outcome,
                    rationale=proposal.rationale,
                    proposed_by_id=proposal.by,
                    proposed_at=proposal.at,
                    decision=proposal.decision,
                    decision_rationale=proposal.decision_rationale,
                    decided_by_id=proposal.decided_by,
                    decided_at=proposal.decided_at,
                )
            )
            clock = self.p.clock(SIGN_OFF, investigation, label, case.supervisor, proposal.at)
            if proposal.decided_at is not None:
                stop(clock, proposal.decided_at, proposal.decided_by, draw)
            self._judge(clock, "sign_off", case)

    def _emit_action(self, case: Case, investigation: Investigation, planned: PlanAction, number: int) -> None:
        rows = self.p.rows
        finished = planned.finished_at
        action = row(
            Action,
            pk=self.next_action,
            investigation_id=investigation.pk,
            unit_id=investigation.unit_id,
            owner_id=planned.owner,
            is_restricted=investigation.is_restricted,
            kind=planned.kind,
            title=planned.title,
            detail=planned.detail,
            due_on=planned.due_on,
            due_at=end_of(planned.due_on),
            status=planned.status if finished else ActionStatus.OPEN,
            result=planned.result if finished else "",
            review_id=planned.review.pk if planned.review else None,
            created_by_id=planned.created_by,
            created_at=planned.created_at,
            updated_by_id=planned.owner if finished else planned.created_by,
            updated_at=finished or planned.created_at,
            finished_at=finished,
            version=2 if finished else 1,
        )
        self.next_action += 1
        rows.actions.append(action)
        for entry in planned.entries:
            first = row(
                ActionEntry,
                pk=self.next_entry,
                action_id=action.pk,
                kind=entry.kind,
                text=entry.text,
                occurred_at=entry.occurred_at,
                recorded_at=entry.recorded_at,
                recorded_by_id=entry.by,
                is_current=entry.corrected_at is None,
            )
            self.next_entry += 1
            rows.action_entries.append(first)
            if entry.corrected_at is not None:
                rows.action_entries.append(
                    row(
                        ActionEntry,
                        pk=self.next_entry,
                        action_id=action.pk,
                        kind=entry.kind,
                        text=entry.text,
                        occurred_at=entry.occurred_at - timedelta(hours=1),
                        recorded_at=entry.corrected_at,
                        recorded_by_id=entry.by,
                        version=2,
                        supersedes_id=first.pk,
                        correction_reason=entry.correction,
                    )
                )
                self.next_entry += 1
        label = action_label(investigation.reference or "", number, planned.kind)
        direction = "1" if planned.review else ""
        clock = self.p.clock(
            ACTION,
            action,
            label,
            planned.owner,
            planned.created_at,
            due_on=action.due_on.isoformat(),
            direction=direction,
        )
        if finished is not None:
            stop(clock, finished, planned.owner, self.draw)
        self._judge(clock, "action", case, action.pk)

    def _judge(self, clock: Clock, what: str, case: Case, record_id: int | None = None) -> None:
        """Ground truth of a late or overdue clock, read off the clock itself."""
        kind = ""
        if clock.stopped_at is None and clock.due_at < self.now:
            kind = f"{what}_overdue"
        elif clock.outcome == ClockOutcome.BREACHED:
            kind = f"late_{what}"
        if kind:
            self.p.truth.investigation_failures.append(InvestigationFailure(kind, case.pk, case.unit, record_id))
