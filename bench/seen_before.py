"""'Have we seen this child before?' (QUALITY.md): p95 latency of ``safeguard.people.search.search`` through
the ORM and the access policy, and recall of seeded duplicates in its top 10.

For each size the synthetic population is loaded people-only (``safeguard.synthetic.population``), the
tables analysed, and queries built from the further records it seeded of the same person (a nickname,
a transposed or dropped letter, a double-barrelled or changed surname, a day/month swap, a year-only
estimate, a move): the officer types in the duplicate's details (names, date of birth — or the year when
it was estimated — and postcode; no identifier). A query succeeds when the *original* record is in the
top 10. The same queries are answered by three baselines, measured in the same run on the same data:

exact surname + DOB   (recall baseline) the indexed lookup an officer might do by hand: same normalised
                      surname and the same date of birth (or year, or surname alone when neither is known)
Splink                (recall baseline) Splink 4 with DuckDB, trained on the same people (u by random
                      sampling, m by expectation maximisation), then ``find_matches_to_new_records`` for
                      the same queries with blocking rules as wide as the search's blocks; ranked by match
                      weight. Its time is for the whole batch, not per query.
unindexed scan        (speed baseline) the search itself with its blocks evaluated as table scans (each column
                      wrapped in a function, so no index serves it): what the indexes buy, on a subset
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from unittest.mock import patch

from django.db import connection
from django.db.models import CharField, F, QuerySet
from django.db.models.functions import Cast, Upper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.accounts import policy
from safeguard.accounts.models import User
from safeguard.people import identity
from safeguard.people.models import Address, DobQuality, Identifier, Person, PersonName
from safeguard.people.search import BLOCK_LIMIT, Query, search
from safeguard.synthetic.force import build_force
from safeguard.synthetic.population import GroundTruth, PopulationSpec, Variant, load_population, swap_day_month

from . import BenchmarkFailed, out, percentile, thousands

TOP = 10


@dataclass(frozen=True)
class SeenBeforeOptions:
    persons: tuple[int, ...] = (250_000,)
    queries: int = 500
    scan_queries: int = 50
    warmup: int = 20
    splink: bool = True
    splink_training_rows: int = 250_000
    seed: int = 20240601


@dataclass
class Method:
    """One way of answering the queries: how often the original came back in the top 10, how long it took."""

    name: str
    times_ms: list[float] = field(default_factory=list)
    hits: int = 0
    asked: int = 0
    by_noise: dict[str, list[int]] = field(default_factory=dict)  # noise kind -> [hits, asked]
    note: str = ""

    @property
    def recall(self) -> float:
        return self.hits / self.asked if self.asked else 0.0

    def count(self, variant: Variant, found: bool) -> None:
        self.hits += found
        self.asked += 1
        for kind in variant.noise or ["recorded_again"]:
            tally = self.by_noise.setdefault(kind, [0, 0])
            tally[0] += found
            tally[1] += 1

    def p(self, q: float) -> float:
        return percentile(sorted(self.times_ms), q) if self.times_ms else float("nan")


@dataclass
class SizeResult:
    persons: int
    load_seconds: float
    variants: int
    individuals: int
    statements_per_search: int
    methods: dict[str, Method]


# --- Queries -------------------------------------------------------------------------------------


def query_for(variant: Variant, today: date) -> Query:
    """What an officer would type from the duplicate record: an estimated date of birth becomes 'born around'."""
    estimated = variant.dob_quality == DobQuality.ESTIMATED and variant.date_of_birth is not None
    return Query(
        given_name=variant.given_name,
        family_name=variant.family_name,
        date_of_birth=None if estimated else variant.date_of_birth,
        birth_year=variant.date_of_birth.year if estimated and variant.date_of_birth else None,
        postcode=variant.postcode,
        today=today,
    )


def search_ids(query: Query, people: QuerySet[Person]) -> list[int]:
    return [c.person.pk for c in search(query, people)]


def exact_lookup(query: Query) -> list[int]:
    """Baseline: the same normalised surname (any recorded name) and the same date of birth, or year."""
    people = Person.objects.filter(names__family_norm=identity.normalise(query.family_name))
    if query.date_of_birth:
        people = people.filter(date_of_birth=query.date_of_birth)
    elif query.birth_year:
        people = people.filter(date_of_birth__range=(date(query.birth_year, 1, 1), date(query.birth_year, 12, 31)))
    return list(people.order_by("pk").values_list("pk", flat=True).distinct()[:TOP])


def unindexed_candidate_ids(query: Query) -> set[int]:
    """``search.candidate_ids`` with every column wrapped in a function (UPPER, CAST), so no index can
    serve a block and each one is a scan. Same blocks, same cap; keep it in step with search.py."""
    fk = identity.name_key(query.family_name)
    gks = sorted(identity.given_keys(query.given_name))
    years = query.years()
    names = PersonName.objects.annotate(fk=Upper("family_key"), gk=Upper("given_key"), year=F("birth_year") + 0)
    names = names.values_list("person_id", flat=True)
    blocks: list[QuerySet] = []
    if fk and gks:
        blocks.append(names.filter(fk=fk, gk__in=gks))
    if fk and years:
        blocks.append(names.filter(fk=fk, year__range=years))
    if gks and years:
        blocks.append(names.filter(gk__in=gks, year__range=years))
    if fk and not gks and not years:
        blocks.append(names.filter(fk=fk))
    if gks and not fk and not years:
        blocks.append(names.filter(gk__in=gks))
    if query.date_of_birth:
        days = [d.isoformat() for d in (query.date_of_birth, swap_day_month(query.date_of_birth)) if d]
        born = Person.objects.annotate(born=Cast("date_of_birth", CharField()))
        blocks.append(born.filter(born__in=days).values_list("pk", flat=True))
    postcode = identity.normalise_postcode(query.postcode) if query.postcode else None
    if postcode:
        at = Address.objects.annotate(pc=Upper("postcode")).filter(pc=postcode)
        blocks.append(at.values_list("person_id", flat=True))
    ids: set[int] = set()
    for block in blocks:
        ids.update(block[:BLOCK_LIMIT])
    return ids


def scan_search(query: Query, people: QuerySet[Person]) -> list[int]:
    """Baseline: the search's candidates found by scans instead of index lookups, then its own scoring."""
    with patch("safeguard.people.search.candidate_ids", unindexed_candidate_ids):
        return search_ids(query, people)


def timed(fn: Callable[[], list[int]]) -> tuple[list[int], float]:
    started = time.perf_counter()
    ids = fn()
    return ids, (time.perf_counter() - started) * 1000


# --- The run -------------------------------------------------------------------------------------


def seen_before(options: SeenBeforeOptions) -> None:
    officer = _officer()
    for persons in sorted(options.persons):
        out(f"  {thousands(persons)} persons:")
        reset_people()
        result = measure(persons, options, officer=officer)
        report(result, options)


def _officer() -> User:
    build_force(password=secrets.token_urlsafe(12))
    officer = User.objects.filter(username="officer").first()
    if officer is None:
        raise BenchmarkFailed("the demo force has no 'officer' user")
    return officer


def reset_people() -> None:
    """Empty the people tables between sizes (the audit chain keeps its load events)."""
    if not Person.objects.exists():
        return
    with connection.cursor() as cursor:
        for model in (PersonName, Identifier, Address, Person):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(
    persons: int, options: SeenBeforeOptions, *, officer: User | None = None, progress: bool = True
) -> SizeResult:
    officer = officer or _officer()
    today = timezone.localdate()
    started = time.perf_counter()
    truth = load_population(
        spec=PopulationSpec(persons=persons, seed=options.seed, people_only=True, progress=progress)
    )
    load_seconds = time.perf_counter() - started
    analyse()
    if not truth.variants:
        raise BenchmarkFailed("the population has no duplicate records to search for")
    rng = random.Random(options.seed)
    sample = rng.sample(truth.variants, min(options.queries, len(truth.variants)))
    queries = [(variant, query_for(variant, today)) for variant in sample]
    people = policy.visible_to(officer, Person.objects.all())

    for _variant, query in queries[: options.warmup]:
        search(query, people)
    with CaptureQueriesContext(connection) as captured:
        search(queries[0][1], people)
    statements = len(captured.captured_queries)

    methods = {
        "search": Method("search (indexed blocks)"),
        "exact": Method("exact surname + DOB"),
        "scan": Method(f"unindexed scan ({min(options.scan_queries, len(queries))} queries)"),
    }
    for variant, query in queries:
        ids, ms = timed(partial(search_ids, query, people))
        methods["search"].times_ms.append(ms)
        methods["search"].count(variant, variant.original_id in ids)
        ids, ms = timed(partial(exact_lookup, query))
        methods["exact"].times_ms.append(ms)
        methods["exact"].count(variant, variant.original_id in ids)
    for variant, query in queries[: options.scan_queries]:
        ids, ms = timed(partial(scan_search, query, people))
        methods["scan"].times_ms.append(ms)
        methods["scan"].count(variant, variant.original_id in ids)
    if options.splink:
        methods["splink"] = splink_recall(truth, queries, options)
    return SizeResult(
        persons=truth.persons,
        load_seconds=load_seconds,
        variants=len(truth.variants),
        individuals=truth.counts.get("individuals", 0),
        statements_per_search=statements,
        methods=methods,
    )


# --- Splink --------------------------------------------------------------------------------------


def _people_frame(pks: list[int] | None = None) -> object:
    """The people as Splink sees them: one row per person, normalised names, Soundex keys for blocking."""
    import jellyfish
    import pandas as pd

    postcodes = dict(Address.objects.filter(is_current=True).values_list("person_id", "postcode"))
    rows = Person.objects.filter(merged_into__isnull=True)
    if pks is not None:
        rows = rows.filter(pk__in=pks)
    records = []
    for pk, given, family, born in rows.values_list("pk", "given_name", "family_name", "date_of_birth").iterator(
        chunk_size=20_000
    ):
        records.append(_splink_record(pk, given, family, born, None, postcodes.get(pk, ""), jellyfish))
    return pd.DataFrame.from_records(records)


def _splink_record(
    pk: int, given: str, family: str, born: date | None, year: int | None, postcode: str, jellyfish: object
) -> dict[str, object]:
    first, surname = identity.normalise(given), identity.normalise(family)
    soundex = jellyfish.soundex  # type: ignore[attr-defined]
    return {
        "unique_id": pk,
        "first_name": first or None,
        "surname": surname or None,
        "first_key": soundex(first) if first else None,
        "surname_key": soundex(surname) if surname else None,
        "dob": born.isoformat() if born else None,
        "birth_year": born.year if born else year,
        "postcode": postcode or None,
    }


def splink_recall(truth: GroundTruth, queries: list[tuple[Variant, Query]], options: SeenBeforeOptions) -> Method:
    import jellyfish
    import pandas as pd
    import splink
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    for name in ("splink", "duckdb"):
        logging.getLogger(name).setLevel(logging.ERROR)
    method = Method(f"Splink {splink.__version__} (DuckDB)")
    started = time.perf_counter()
    everyone = _people_frame()
    exported = time.perf_counter() - started
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    started = time.perf_counter()
    training = everyone
    if len(everyone) > options.splink_training_rows:  # type: ignore[arg-type]
        training = everyone.sample(n=options.splink_training_rows, random_state=options.seed)  # type: ignore[attr-defined]
    trainer = Linker(training, settings, db_api=DuckDBAPI(), set_up_basic_logging=False)
    trainer.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    trainer.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=options.seed)
    trainer.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    trainer.training.estimate_parameters_using_expectation_maximisation(block_on("surname", "birth_year"))
    model = trainer.misc.save_model_to_json()
    trained = time.perf_counter() - started

    started = time.perf_counter()
    linker = Linker(everyone, model, db_api=DuckDBAPI(), set_up_basic_logging=False)
    offset = 1 + max(int(everyone["unique_id"].max()), 0)  # type: ignore[index]
    asked = {}
    new_records = []
    for i, (variant, query) in enumerate(queries):
        uid = offset + i
        asked[uid] = variant
        new_records.append(
            _splink_record(
                uid,
                query.given_name,
                query.family_name,
                query.date_of_birth,
                query.birth_year,
                query.postcode,
                jellyfish,
            )
        )
    blocks = [
        block_on("surname_key", "first_key"),
        block_on("surname_key", "birth_year"),
        block_on("first_key", "birth_year"),
        block_on("dob"),
        block_on("postcode"),
    ]
    matches = linker.inference.find_matches_to_new_records(
        pd.DataFrame.from_records(new_records), blocking_rules=blocks, match_weight_threshold=-30
    ).as_pandas_dataframe()
    linked = time.perf_counter() - started
    best: dict[int, list[tuple[float, int]]] = {}
    for left, right, weight in matches[["unique_id_l", "unique_id_r", "match_weight"]].itertuples(index=False):
        uid, other = (int(left), int(right)) if int(left) in asked else (int(right), int(left))
        best.setdefault(uid, []).append((-float(weight), other))
    for uid, variant in asked.items():
        top = [other for _, other in sorted(best.get(uid, []))[:TOP]]
        method.count(variant, variant.original_id in top)
    method.times_ms = [linked * 1000 / max(1, len(queries))] * len(queries)
    method.note = (
        f"export {exported:.1f} s, training on {thousands(len(training))} rows {trained:.1f} s, "  # type: ignore[arg-type]
        f"linking {len(queries)} queries {linked:.1f} s ({thousands(len(matches))} pairs scored)"
    )
    return method


# --- Report --------------------------------------------------------------------------------------


def report(result: SizeResult, options: SeenBeforeOptions) -> None:
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    m = result.methods
    search_ms, scan = m["search"], m["scan"]
    out(
        f"    loaded {thousands(result.persons)} persons ({thousands(result.individuals)} individuals, "
        f"{thousands(result.variants)} further records of them) in {result.load_seconds:.0f} s "
        f"({thousands(result.persons / result.load_seconds)} persons/s) on {engine}; ANALYZE run"
    )
    out(
        f"    {search_ms.asked} queries from further records (hit: the original record in the top {TOP}); "
        f"{result.statements_per_search} SQL statements per search"
    )
    out(f"    {'':<34} {'recall@10':>9} {'p50':>10} {'p95':>10} {'p99':>10}")
    for method in m.values():
        if method.name.startswith("Splink"):
            out(f"    {method.name:<34} {method.recall:9.3f} {'(batch)':>10} {method.p(50):7.1f} ms per query")
            out(f"      {method.note}")
            continue
        out(
            f"    {method.name:<34} {method.recall:9.3f} {method.p(50):7.1f} ms {method.p(95):7.1f} ms "
            f"{method.p(99):7.1f} ms"
        )
    target_ms = 100 if result.persons <= 250_000 else 250
    ratios = [f"recall search/exact {_ratio(search_ms.recall, m['exact'].recall)}"]
    if "splink" in m:
        ratios.append(f"search/Splink {_ratio(search_ms.recall, m['splink'].recall)}")
    ratios.append(f"p95 search/scan {_ratio(search_ms.p(95), scan.p(95))}")
    out("    ratios: " + ", ".join(ratios))
    verdict = "meets" if search_ms.p(95) <= target_ms and search_ms.recall >= 0.95 else "MISSES"
    out(
        f"    target: p95 <= {target_ms} ms and recall >= 0.95 -> search {verdict} it "
        f"(p95 {search_ms.p(95):.1f} ms, recall {search_ms.recall:.3f})"
    )
    out(f"    recall by the noise on the duplicate: {'':<6} {'queries':>7} " + " ".join(f"{k:>7}" for k in m))
    kinds = sorted(search_ms.by_noise, key=lambda k: search_ms.by_noise[k][0] / search_ms.by_noise[k][1])
    for kind in kinds:
        asked = search_ms.by_noise[kind][1]
        cells = []
        for method in m.values():
            hit, n = method.by_noise.get(kind, [0, 0])
            cells.append(f"{hit / n:7.2f}" if n else f"{'-':>7}")
        out(f"      {kind:<40} {asked:>7} " + " ".join(cells))


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"
