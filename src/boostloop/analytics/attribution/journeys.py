"""Touchpoint events -> journeys -> path tables and per-boost splits, as relational queries.

Every query is written once, here, in DuckDB's SQL dialect, restricted to constructs both engines have
(window sums, joins, CASE, ordered string aggregation); :mod:`.engines` runs it on DuckDB in process or,
transpiled by sqlglot, on Spark. A test asserts both give identical tables.

Journey definition (the issue's; windows after Meta's default attribution setting, 7-day click / 1-day view):

* A person is the hashed user id, else the hashed session id (the caller puts it in ``person``); events
  without either are ignored.
* A person's events in time order (ties: touches before a conversion at the same instant, then event id)
  are cut by each CONVERSION: the touches after the previous conversion and up to this one form the
  journey this conversion closes. Touches after the person's last conversion form one open journey,
  which counts as a non-converting ("null") journey.
* Lookback windows: a VIEW counts only if it happened at most ``view_window`` before the journey's end;
  a CLICK, ENGAGEMENT or SHARE at most ``click_window`` before it. The end is the conversion; for an open
  journey it is the journey's last touch (the moment a conversion would have had to happen next).
* Channel of a touch: its touchpoint type (ORGANIC / PAID / UNKNOWN), its platform, or its boost
  (the boost id; ``NO_BOOST`` for touches not linked to one).

Input: an Arrow table with :data:`EVENT_SCHEMA`; times are integer microseconds since the Unix epoch (UTC)
so that time arithmetic is plain integer arithmetic on every engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from boostloop.analytics.attribution.paths import PathTable

EVENT_SCHEMA = pa.schema([
    ("person", pa.string()),
    ("event_id", pa.string()),
    ("event_type", pa.string()),
    ("touchpoint_type", pa.string()),
    ("platform", pa.string()),
    ("boost_id", pa.string()),
    ("t_us", pa.int64()),
    ("value_cents", pa.int64()),
])

CHANNEL_DIMENSIONS = ("touchpoint_type", "platform", "boost")
NO_BOOST = "NO_BOOST"
PATH_SEP = ">"
US_PER_DAY = 86_400 * 1_000_000
US_PER_HOUR = 3_600 * 1_000_000


@dataclass(frozen=True)
class JourneyConfig:
    """Journey settings (defaults: Meta's 7-day click / 1-day view attribution setting)."""

    click_window_days: float = 7.0
    view_window_days: float = 1.0
    channel: str = "touchpoint_type"
    # Report only journeys that end at or after this time (µs since epoch); earlier conversions still cut
    # journeys, they are only left out of the counts.
    since_us: int | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNEL_DIMENSIONS:
            raise ValueError(f"channel must be one of {CHANNEL_DIMENSIONS}, got {self.channel!r}")
        if self.click_window_days < 0 or self.view_window_days < 0:
            raise ValueError("windows must be >= 0 days")


def _channel_expr(config: JourneyConfig) -> str:
    if config.channel == "boost":
        return f"COALESCE(boost_id, '{NO_BOOST}')"
    return config.channel


def touches_cte(config: JourneyConfig, channel_sql: str | None = None) -> str:
    """The shared CTEs: ``numbered`` events, journey ``ends``, and windowed journey ``touches``.
    ``channel_sql``: an SQL expression over the event columns to use as the channel instead of the
    configured dimension (retention keeps every dimension of a touch, ``server/retention``)."""
    click_us = int(round(config.click_window_days * US_PER_DAY))
    view_us = int(round(config.view_window_days * US_PER_DAY))
    since = "" if config.since_us is None else f" AND t_us >= {int(config.since_us)}"
    since_having = "" if config.since_us is None else f" HAVING MAX(t_us) >= {int(config.since_us)}"
    return f"""
WITH ev AS (
    SELECT person, event_id, event_type, touchpoint_type, boost_id, t_us, value_cents,
           CASE WHEN event_type = 'CONVERSION' THEN 1 ELSE 0 END AS is_conv,
           {channel_sql or _channel_expr(config)} AS channel
    FROM events
    WHERE person IS NOT NULL
),
numbered AS (
    SELECT person, event_id, event_type, touchpoint_type, boost_id, t_us, value_cents, is_conv, channel,
           CAST(COALESCE(SUM(is_conv) OVER (
               PARTITION BY person ORDER BY t_us, is_conv, event_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT) AS journey_no,
           CAST(SUM(is_conv) OVER (PARTITION BY person) AS BIGINT) AS n_conv
    FROM ev
),
ends AS (
    SELECT person, journey_no, t_us AS end_us, COALESCE(value_cents, 0) AS value_cents, 1 AS converted
    FROM numbered WHERE is_conv = 1{since}
    UNION ALL
    SELECT person, journey_no, MAX(t_us) AS end_us, 0 AS value_cents, 0 AS converted
    FROM numbered WHERE is_conv = 0 AND journey_no = n_conv
    GROUP BY person, journey_no{since_having}
),
touches AS (
    SELECT n.person, n.journey_no, n.event_id, n.t_us, n.channel, n.touchpoint_type, n.boost_id,
           e.end_us - n.t_us AS dt_us, e.converted, e.value_cents
    FROM numbered n
    JOIN ends e ON n.person = e.person AND n.journey_no = e.journey_no
    WHERE n.is_conv = 0
      AND e.end_us - n.t_us <= CASE WHEN n.event_type = 'VIEW' THEN {view_us} ELSE {click_us} END
)"""


def path_table_sql(config: JourneyConfig) -> str:
    """One row per distinct channel path: ``path`` (channels joined by ``>``, '' for a conversion with no
    touch in its window), ``conversions``, ``value_cents``, ``nulls``; ordered by path."""
    return touches_cte(config) + f""",
journeys AS (
    SELECT e.person, e.journey_no, e.converted, e.value_cents,
           STRING_AGG(t.channel, '{PATH_SEP}' ORDER BY t.t_us, t.event_id) AS path
    FROM ends e
    LEFT JOIN touches t ON t.person = e.person AND t.journey_no = e.journey_no
    GROUP BY e.person, e.journey_no, e.converted, e.value_cents
)
SELECT COALESCE(path, '') AS path,
       CAST(SUM(converted) AS BIGINT) AS conversions,
       CAST(SUM(value_cents) AS BIGINT) AS value_cents,
       CAST(SUM(1 - converted) AS BIGINT) AS nulls
FROM journeys
GROUP BY COALESCE(path, '')
ORDER BY path"""


def converting_touches_sql(config: JourneyConfig) -> str:
    """Every windowed touch of every converting journey with its hours before the conversion, in journey
    and time order (the time-decay model's input)."""
    return touches_cte(config) + """
SELECT person, journey_no, channel, dt_us, value_cents
FROM touches
WHERE converted = 1
ORDER BY person, journey_no, t_us, event_id"""


def _boost_split_ctes(config: JourneyConfig) -> str:
    """The CTEs up to ``per_journey``: one row per (converting journey, boost it touched) with the journey's
    end (its conversion time), whether it touched the boost ORGANIC / PAID, and its value."""
    since = "" if config.since_us is None else f" AND t_us >= {int(config.since_us)}"
    return touches_cte(config) + f""",
tagged AS (
    SELECT person, journey_no, boost_id, value_cents, touchpoint_type, t_us + dt_us AS end_us
    FROM touches
    WHERE converted = 1 AND boost_id IS NOT NULL
    UNION ALL
    SELECT person, journey_no, boost_id, COALESCE(value_cents, 0) AS value_cents, touchpoint_type, t_us AS end_us
    FROM numbered
    WHERE is_conv = 1 AND boost_id IS NOT NULL{since}
),
per_journey AS (
    SELECT person, journey_no, boost_id, value_cents, end_us,
           MAX(CASE WHEN touchpoint_type = 'ORGANIC' THEN 1 ELSE 0 END) AS has_organic,
           MAX(CASE WHEN touchpoint_type = 'PAID' THEN 1 ELSE 0 END) AS has_paid
    FROM tagged
    GROUP BY person, journey_no, boost_id, value_cents, end_us
)
"""


def boost_split_sql(config: JourneyConfig) -> str:
    """Per boost: converting journeys whose windowed touches of that boost were ORGANIC only, PAID only, or
    both (overlap), with their conversion value; ``unknown_*`` counts journeys that touched the boost only
    through UNKNOWN touches. A conversion counts once for every boost its journey touched.

    A conversion event that itself carries a boost id (the purchase was tagged with the boost, e.g. by its
    landing UTM or the pixel's click id) counts as a touch of that boost with its own touchpoint type, at
    the conversion: without it, a converter whose click fell outside the window or in another session (a
    visitor without a user id gets a new session id) is lost to the boost. Measured on the simulator's
    default world (scale 0.5, seed 1; truth 675 converters): 582 linked without it, 683 with it (+1.2 %: a
    few converters linked to two boosts through the simulator's shared audience pool;
    benchmarks/attribution/split_truth.py)."""
    return _boost_split_ctes(config) + """SELECT boost_id,
       CAST(SUM(CASE WHEN has_organic = 1 AND has_paid = 0 THEN 1 ELSE 0 END) AS BIGINT) AS organic_conversions,
       CAST(SUM(CASE WHEN has_organic = 0 AND has_paid = 1 THEN 1 ELSE 0 END) AS BIGINT) AS paid_conversions,
       CAST(SUM(CASE WHEN has_organic = 1 AND has_paid = 1 THEN 1 ELSE 0 END) AS BIGINT) AS overlap_conversions,
       CAST(SUM(CASE WHEN has_organic = 0 AND has_paid = 0 THEN 1 ELSE 0 END) AS BIGINT) AS unknown_conversions,
       CAST(SUM(CASE WHEN has_organic = 1 AND has_paid = 0 THEN value_cents ELSE 0 END) AS BIGINT) AS organic_value_cents,
       CAST(SUM(CASE WHEN has_organic = 0 AND has_paid = 1 THEN value_cents ELSE 0 END) AS BIGINT) AS paid_value_cents,
       CAST(SUM(CASE WHEN has_organic = 1 AND has_paid = 1 THEN value_cents ELSE 0 END) AS BIGINT) AS overlap_value_cents,
       CAST(SUM(CASE WHEN has_organic = 0 AND has_paid = 0 THEN value_cents ELSE 0 END) AS BIGINT) AS unknown_value_cents
FROM per_journey
GROUP BY boost_id
ORDER BY boost_id"""


def boost_split_journeys_sql(config: JourneyConfig) -> str:
    """:func:`boost_split_sql` before aggregation: one row per (converting journey, boost) with ``end_us``
    (the conversion time), ``has_organic``, ``has_paid`` and ``value_cents``, ordered by boost and time. A
    journey's classification does not depend on later events, so the split as of any ``until`` is the
    aggregate of the rows with ``end_us <= until`` (many snapshot times from one load and one query)."""
    return _boost_split_ctes(config) + """SELECT boost_id, end_us, has_organic, has_paid, value_cents
FROM per_journey
ORDER BY boost_id, end_us, person, journey_no"""


def boost_tracked_people_sql() -> str:
    """Per boost: distinct people with at least one tracked ORGANIC touch of it (``tracked_organic``) and with
    at least one tracked PAID touch (``tracked_paid``), over all events in the table (no windows: this counts
    exposure that left a trace, the ``q`` of :mod:`.overlap_split`). Conversions are not touches."""
    return """
SELECT boost_id,
       CAST(COUNT(DISTINCT CASE WHEN touchpoint_type = 'ORGANIC' THEN person END) AS BIGINT) AS tracked_organic,
       CAST(COUNT(DISTINCT CASE WHEN touchpoint_type = 'PAID' THEN person END) AS BIGINT) AS tracked_paid
FROM events
WHERE person IS NOT NULL AND boost_id IS NOT NULL AND event_type <> 'CONVERSION'
GROUP BY boost_id
ORDER BY boost_id"""


# ---------------------------------------------------------------------------- Arrow -> PathTable
def path_table_from_rows(rows: pa.Table) -> PathTable:
    """The :func:`path_table_sql` result as a :class:`PathTable` (value in cents)."""
    return PathTable.from_strings(
        rows.column("path"),
        rows.column("conversions").to_numpy().astype(np.float64),
        rows.column("value_cents").to_numpy().astype(np.float64),
        rows.column("nulls").to_numpy().astype(np.float64),
        sep=PATH_SEP,
    )


def timed_path_table_from_rows(rows: pa.Table) -> PathTable:
    """The :func:`converting_touches_sql` result as one row per converting journey, with per-touch hours."""
    if rows.num_rows == 0:
        return PathTable.build([], [], [], [], hours_to_conversion=[])
    person = pc.dictionary_encode(rows.column("person").combine_chunks()).indices.to_numpy()
    journey = rows.column("journey_no").to_numpy().astype(np.int64)
    starts = np.flatnonzero(np.r_[True, (person[1:] != person[:-1]) | (journey[1:] != journey[:-1])])
    enc = pc.dictionary_encode(rows.column("channel").combine_chunks())
    channels = tuple(enc.dictionary.to_pylist())
    offsets = np.r_[starts, rows.num_rows].astype(np.int64)
    value = rows.column("value_cents").to_numpy().astype(np.float64)[starts]
    hours = rows.column("dt_us").to_numpy().astype(np.float64) / US_PER_HOUR
    return PathTable.from_arrays(
        channels, offsets, enc.indices.to_numpy().astype(np.int32), np.ones(len(starts)), value,
        np.zeros(len(starts)), hours,
    )


def event_table(rows: pa.Table, person_columns: tuple[str, ...] = ("user_id_hash", "session_id_hash")) -> pa.Table:
    """Events with the columns of ``boost_attribution_events`` (``occurred_at`` a timestamp,
    ``boost_campaign_id``, ``client_event_id``, ``event_value_cents``...) as :data:`EVENT_SCHEMA`.

    ``person`` is the first non-null of ``person_columns`` (hashed user id, else hashed session id; the
    simulator's clear-text ``("user_id", "session_id")`` work the same way). Vectorised Arrow compute only.
    """
    person = rows.column(person_columns[0])
    for name in person_columns[1:]:
        person = pc.coalesce(person, rows.column(name))
    occurred = rows.column("occurred_at")
    if pa.types.is_timestamp(occurred.type):
        t_us = pc.cast(pc.cast(occurred, pa.timestamp("us", tz="UTC")), pa.int64())
    else:
        t_us = pc.cast(occurred, pa.int64())
    boost = rows.column("boost_campaign_id")
    if not pa.types.is_string(boost.type):
        boost = pc.cast(boost, pa.string())
    return pa.table(
        {
            "person": person, "event_id": rows.column("client_event_id"),
            "event_type": pc.cast(rows.column("event_type"), pa.string()),
            "touchpoint_type": pc.cast(rows.column("touchpoint_type"), pa.string()),
            "platform": pc.cast(rows.column("platform"), pa.string()), "boost_id": boost, "t_us": t_us,
            "value_cents": pc.cast(rows.column("event_value_cents"), pa.int64()),
        },
        schema=EVENT_SCHEMA,
    )
