"""Journeys, windows and path tables from events: hand-worked on DuckDB, and identical on Spark."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from boostloop.analytics.attribution import attribute
from boostloop.analytics.attribution.engines import DuckDBEngine, SparkEngine
from boostloop.analytics.attribution.journeys import (
    EVENT_SCHEMA,
    JourneyConfig,
    boost_split_journeys_sql,
    boost_split_sql,
    boost_tracked_people_sql,
    converting_touches_sql,
    path_table_from_rows,
    path_table_sql,
    timed_path_table_from_rows,
)

H = 3_600 * 1_000_000  # one hour in microseconds


def events(rows) -> pa.Table:  # noqa: ANN001
    return pa.Table.from_pylist([dict(zip(EVENT_SCHEMA.names, r)) for r in rows], schema=EVENT_SCHEMA)


HAND = events([
    # person a: organic view (0 h), paid click (10 h), conversion (12 h, 500)
    ("a", "e01", "VIEW", "ORGANIC", "FACEBOOK", "b1", 0, None),
    ("a", "e02", "CLICK", "PAID", "INSTAGRAM", "b1", 10 * H, None),
    ("a", "e03", "CONVERSION", "UNKNOWN", "FACEBOOK", None, 12 * H, 500),
    # then: organic view 30 h before the next conversion (outside the 24 h view window), organic click
    # 150 h before it (inside the 168 h click window), paid engagement 199 h before (outside)
    ("a", "e04", "ENGAGEMENT", "PAID", "FACEBOOK", "b2", 13 * H, None),
    ("a", "e05", "CLICK", "ORGANIC", "FACEBOOK", "b2", 62 * H, None),
    ("a", "e06", "VIEW", "ORGANIC", "FACEBOOK", "b2", 182 * H, None),
    ("a", "e07", "CONVERSION", "UNKNOWN", "FACEBOOK", None, 212 * H, 700),
    # then an open journey: a paid view, and a share 2 days earlier than that view... in window of the last touch
    ("a", "e08", "SHARE", "UNKNOWN", "X", None, 220 * H, None),
    ("a", "e09", "VIEW", "PAID", "FACEBOOK", "b1", 268 * H, None),
    # person b: a touch at the same instant as the conversion counts (touches sort before conversions)
    ("b", "e10", "CLICK", "PAID", "FACEBOOK", "b1", 5 * H, None),
    ("b", "e11", "CONVERSION", "UNKNOWN", "FACEBOOK", None, 5 * H, 100),
    # person c: a conversion with no touch at all
    ("c", "e12", "CONVERSION", "UNKNOWN", "FACEBOOK", None, 1 * H, 50),
    # no person: ignored
    (None, "e13", "CLICK", "PAID", "FACEBOOK", "b1", 1 * H, None),
])


@pytest.fixture(scope="module")
def duck() -> DuckDBEngine:
    return DuckDBEngine()


def test_journeys_windows_and_paths_by_hand(duck: DuckDBEngine) -> None:
    got = duck.run(path_table_sql(JourneyConfig()), HAND).to_pylist()
    assert got == [
        {"path": "", "conversions": 1, "value_cents": 50, "nulls": 0},  # c
        {"path": "ORGANIC", "conversions": 1, "value_cents": 700, "nulls": 0},  # a #2: e05 only
        {"path": "ORGANIC>PAID", "conversions": 1, "value_cents": 500, "nulls": 0},  # a #1
        {"path": "PAID", "conversions": 1, "value_cents": 100, "nulls": 0},  # b
        # a's open journey ends at its last touch (268 h): the share 48 h before is in the click window
        {"path": "UNKNOWN>PAID", "conversions": 0, "value_cents": 0, "nulls": 1},
    ]
    by_platform = duck.run(path_table_sql(JourneyConfig(channel="platform")), HAND).to_pylist()
    assert {r["path"] for r in by_platform} == {"", "FACEBOOK", "FACEBOOK>INSTAGRAM", "X>FACEBOOK"}
    wide = duck.run(path_table_sql(JourneyConfig(view_window_days=2, click_window_days=7)), HAND).to_pylist()
    assert {r["path"]: r["conversions"] for r in wide}["ORGANIC>ORGANIC"] == 1  # e05 + e06 (30 h < 48 h)
    table = path_table_from_rows(duck.run(path_table_sql(JourneyConfig()), HAND))
    assert table.dropped_conversions == 1 and table.total_conversions == 3 and table.nulls.sum() == 1


def test_since_keeps_earlier_conversions_as_journey_cuts(duck: DuckDBEngine) -> None:
    got = duck.run(path_table_sql(JourneyConfig(since_us=100 * H)), HAND).to_pylist()
    assert [(r["path"], r["conversions"], r["nulls"]) for r in got] == [("ORGANIC", 1, 0), ("UNKNOWN>PAID", 0, 1)]


def test_boost_split_and_timed_touches_by_hand(duck: DuckDBEngine) -> None:
    split = {r["boost_id"]: r for r in duck.run(boost_split_sql(JourneyConfig()), HAND).to_pylist()}
    # b1: a #1 organic+paid (overlap, 500), b paid (100); b2: a #2 organic only (700)
    assert (split["b1"]["overlap_conversions"], split["b1"]["paid_conversions"], split["b1"]["organic_conversions"]) == (1, 1, 0)
    assert (split["b1"]["overlap_value_cents"], split["b1"]["paid_value_cents"]) == (500, 100)
    assert (split["b2"]["organic_conversions"], split["b2"]["organic_value_cents"], split["b2"]["paid_conversions"]) == (1, 700, 0)
    timed = timed_path_table_from_rows(duck.run(converting_touches_sql(JourneyConfig()), HAND))
    assert timed.n_paths == 3 and timed.hours_to_conversion.tolist() == [12, 2, 150, 0]
    # time decay (half-life 168 h) on a #1: weights 2^(-12/168), 2^(-2/168)
    r = attribute(timed, "time_decay").conversions_by_channel()
    w1, w2 = 2 ** (-12 / 168), 2 ** (-2 / 168)
    assert r["ORGANIC"] == pytest.approx(w1 / (w1 + w2) + 1)
    assert r["PAID"] == pytest.approx(w2 / (w1 + w2) + 1)


def random_events(seed: int = 5, people: int = 120) -> pa.Table:
    """Small random world with ties in time, every event type, and people without conversions."""
    rng = np.random.default_rng(seed)
    rows = []
    k = 0
    for p in range(people):
        for _ in range(rng.integers(1, 12)):
            etype = rng.choice(["VIEW", "CLICK", "ENGAGEMENT", "SHARE", "CONVERSION"], p=[0.4, 0.25, 0.1, 0.05, 0.2])
            t = int(rng.integers(0, 20 * 24)) * H  # whole hours: many ties
            rows.append((
                f"p{p}", f"e{k:05d}", str(etype), str(rng.choice(["ORGANIC", "PAID", "UNKNOWN"])),
                str(rng.choice(["FACEBOOK", "INSTAGRAM", "TIKTOK"])),
                None if rng.random() < 0.2 else f"b{rng.integers(0, 4)}", t,
                int(rng.integers(100, 10_000)) if etype == "CONVERSION" else None,
            ))
            k += 1
    return events(rows)


# One query of each kind (the path table by touchpoint type differs from the one by boost only in the
# channel expression): every Spark query costs 5-20 s on the shared machine.
QUERIES = [
    ("paths_boost", path_table_sql(JourneyConfig(channel="boost", click_window_days=3, view_window_days=0.5))),
    ("split", boost_split_sql(JourneyConfig())),
    ("split_journeys", boost_split_journeys_sql(JourneyConfig())),
    ("timed", converting_touches_sql(JourneyConfig(channel="platform"))),
    ("tracked", boost_tracked_people_sql()),
]


# One local Spark session for the whole test session, tuned for tiny data: one partition, no adaptive
# re-planning, no whole-stage code generation and interpreted expressions (compiling generated Java with
# Janino costs more than running 40 people's events), and the JVM's quick C1 compiler only with a serial GC
# (a short-lived test JVM never pays back C2's warm-up). Cost on the shared 2-core machine at load average
# 15-18: JVM start 114 s and three queries 142 s before this tuning; after it, see benchmarks/RESULTS.md.
@pytest.fixture(scope="session")
def spark():  # noqa: ANN201
    pyspark = pytest.importorskip("pyspark.sql")
    session = (
        pyspark.SparkSession.builder.master("local[1]").appName("boostloop-tests")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1").config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.spark
@pytest.mark.slow
def test_duckdb_and_spark_give_identical_tables(duck: DuckDBEngine, spark) -> None:  # noqa: ANN001
    ev = random_events(people=40)
    spark_engine = SparkEngine(spark)
    for name, sql in QUERIES:
        a = duck.run(sql, ev)
        b = spark_engine.run(sql, ev)
        assert a.num_rows > 0, name
        assert b.column_names == a.column_names, name
        assert b.to_pylist() == a.to_pylist(), name
        if name == "paths_boost":  # and therefore the same credits
            assert attribute(path_table_from_rows(a), "markov").credits == attribute(
                path_table_from_rows(b), "markov"
            ).credits
