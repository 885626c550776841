"""Archived attribution paths (data retention, docs/retention.md): journeys reduced to a path table whose
touches keep every channel dimension, and the projections the attribution report and the per-boost split
need from it. Pure functions on Arrow tables; no database.

A *detailed* touch is ``TOUCHPOINT_TYPE|PLATFORM|BOOST_ID`` (boost id empty when the touch had none); a
detailed path joins a journey's windowed touches in time order with ``>`` (the journeys module's PATH_SEP).
In a converting journey each touch also carries its hours before the conversion, rounded to 0.01 h, as a
fourth field (``...|BOOST_ID|37.25``; empty in non-converting journeys, whose touches then group), so that
time decay keeps working on archived journeys: with the default 7-day half-life the rounding moves a
touch's weight by at most 2^(0.005/168) - 1 = 0.002 %. The channel projections ignore it.
A converting journey whose conversion event itself carries a boost id ends with that event as a *tag*,
``=TOUCHPOINT_TYPE|PLATFORM|BOOST_ID``: the per-boost split counts it as a touch of that boost
(:func:`~..journeys.boost_split_sql`), the channel paths of the attribution report leave it out (a
conversion is not a touch there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from boostloop.analytics.attribution.journeys import NO_BOOST, PATH_SEP, JourneyConfig, touches_cte
from boostloop.analytics.attribution.paths import PathTable

TOUCH_SEP = "|"
TAG = "="  # marks the conversion tag at a detailed path's end (module docstring)
# The channel of a detailed touch, over the journeys module's event columns.
DETAIL_CHANNEL_SQL = f"touchpoint_type || '{TOUCH_SEP}' || platform || '{TOUCH_SEP}' || COALESCE(boost_id, '')"
PATH_SCHEMA = pa.schema([
    ("path", pa.string()), ("conversions", pa.int64()), ("value_cents", pa.int64()), ("nulls", pa.int64()),
])
US_PER_DAY = 86_400 * 1_000_000
US_PER_HOUR = 3_600 * 1_000_000
_FIELD = {"touchpoint_type": 0, "platform": 1, "boost": 2}


def rollup_paths_sql(config: JourneyConfig, end_from_us: int, end_before_us: int) -> str:
    """Journeys ending in ``[end_from_us, end_before_us)`` as rows ``(day_no, path, conversions,
    value_cents, nulls)``: ``day_no`` is the UTC day of the journey's end (days since 1970-01-01), ``path``
    the detailed path. Journeys, windows and ends exactly as :func:`~..journeys.path_table_sql`."""
    return touches_cte(config, channel_sql=DETAIL_CHANNEL_SQL) + f""",
journeys AS (
    SELECT e.person, e.journey_no, e.end_us, e.converted, e.value_cents,
           STRING_AGG(t.channel || '{TOUCH_SEP}' || CASE WHEN e.converted = 1
                          THEN CAST(ROUND(t.dt_us / {US_PER_HOUR:.1f}, 2) AS VARCHAR) ELSE '' END,
                      '{PATH_SEP}' ORDER BY t.t_us, t.event_id) AS path
    FROM ends e
    LEFT JOIN touches t ON t.person = e.person AND t.journey_no = e.journey_no
    WHERE e.end_us >= {int(end_from_us)} AND e.end_us < {int(end_before_us)}
    GROUP BY e.person, e.journey_no, e.end_us, e.converted, e.value_cents
),
tags AS (  -- a conversion event's own journey number is its journey's (journeys module, numbered)
    SELECT person, journey_no, MAX(channel) AS tag
    FROM numbered
    WHERE is_conv = 1 AND boost_id IS NOT NULL
    GROUP BY person, journey_no
),
tagged AS (
    SELECT j.end_us, j.converted, j.value_cents,
           CASE WHEN g.tag IS NULL THEN COALESCE(j.path, '')
                ELSE COALESCE(j.path || '{PATH_SEP}', '') || '{TAG}' || g.tag END AS path
    FROM journeys j
    LEFT JOIN tags g ON j.converted = 1 AND g.person = j.person AND g.journey_no = j.journey_no
)
SELECT CAST(end_us // {US_PER_DAY} AS BIGINT) AS day_no,
       path,
       CAST(SUM(converted) AS BIGINT) AS conversions,
       CAST(SUM(value_cents) AS BIGINT) AS value_cents,
       CAST(SUM(1 - converted) AS BIGINT) AS nulls
FROM tagged
GROUP BY 1, 2
ORDER BY 1, 2"""


def _touches(path: str, *, with_tag: bool = False) -> list[list[str]]:
    """The detailed touches of a path (and its conversion tag last, if asked and present)."""
    out = []
    for t in path.split(PATH_SEP) if path else []:
        if t.startswith(TAG):
            if with_tag:
                out.append(t[len(TAG):].split(TOUCH_SEP))
        else:
            out.append(t.split(TOUCH_SEP))
    return out


def project(path: str, channel: str) -> str:
    """A detailed path as a path of the channel dimension (``touchpoint_type``, ``platform`` or ``boost``)."""
    i = _FIELD[channel]
    return PATH_SEP.join((t[i] or NO_BOOST) if i == 2 else t[i] for t in _touches(path))


def _grouped(rows: Iterable[tuple[str, int, int, int]]) -> pa.Table:
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for path, conv, value, nulls in rows:
        a = acc[path]
        a[0] += int(conv)
        a[1] += int(value)
        a[2] += int(nulls)
    keys = sorted(acc)
    return pa.table(
        {"path": keys, "conversions": [acc[k][0] for k in keys], "value_cents": [acc[k][1] for k in keys],
         "nulls": [acc[k][2] for k in keys]},
        schema=PATH_SCHEMA,
    )


def project_paths(detailed: pa.Table, channel: str) -> pa.Table:
    """Detailed path rows (``path, conversions, value_cents, nulls``) as the channel's path table rows,
    regrouped and ordered by path (the shape of :func:`~..journeys.path_table_sql`'s result)."""
    if channel not in _FIELD:
        raise ValueError(f"channel must be one of {tuple(_FIELD)}, got {channel!r}")
    d = detailed.to_pydict()
    return _grouped(
        (project(p, channel), c, v, n)
        for p, c, v, n in zip(d["path"], d["conversions"], d["value_cents"], d["nulls"], strict=True)
    )


def merge_path_rows(*tables: pa.Table) -> pa.Table:
    """Path table rows of several sources added up by path (live journeys + archived aggregates)."""
    rows: list[tuple[str, int, int, int]] = []
    for t in tables:
        d = t.select(PATH_SCHEMA.names).to_pydict()
        rows.extend(zip(d["path"], d["conversions"], d["value_cents"], d["nulls"], strict=True))
    return _grouped(rows)


SPLIT_KINDS = ("organic", "paid", "overlap", "unknown")


def boost_splits(detailed: pa.Table, boost_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Per boost, the converting journeys of detailed path rows that touched it ORGANIC only, PAID only,
    both (overlap) or only through UNKNOWN touches (the conversion tag counting as a touch), with their
    value: the rules of
    :func:`~..journeys.boost_split_sql` applied to archived paths. Keys ``{kind}_conversions`` and
    ``{kind}_value_cents`` for every kind of :data:`SPLIT_KINDS`."""
    wanted = set(boost_ids)
    out = {b: {f"{k}_{m}": 0 for k in SPLIT_KINDS for m in ("conversions", "value_cents")} for b in wanted}
    d = detailed.to_pydict()
    for path, conv, value in zip(d["path"], d["conversions"], d["value_cents"], strict=True):
        if not conv:
            continue
        seen: dict[str, set[str]] = defaultdict(set)
        for touch in _touches(path, with_tag=True):
            tp, boost = touch[0], touch[2]
            if boost in wanted:
                seen[boost].add(tp)
        for boost, types in seen.items():
            organic, paid = "ORGANIC" in types, "PAID" in types
            kind = "overlap" if organic and paid else "organic" if organic else "paid" if paid else "unknown"
            out[boost][f"{kind}_conversions"] += int(conv)
            out[boost][f"{kind}_value_cents"] += int(value)
    return out


def timed_paths(detailed: pa.Table, channel: str) -> PathTable:
    """The converting journeys of detailed path rows as the time-decay model's input: one row per distinct
    (path, hours) with its conversions and value, each touch with its hours before the conversion (the
    rows' fourth field). Rows whose touches lack hours are left out (none are written since hours were
    added to the roll-up)."""
    i = _FIELD[channel]
    paths: list[list[str]] = []
    hours: list[list[float]] = []
    conv: list[float] = []
    value: list[float] = []
    d = detailed.to_pydict()
    for path, c, v in zip(d["path"], d["conversions"], d["value_cents"], strict=True):
        touches = _touches(path)
        if not c or not touches or any(len(t) < 4 or t[3] == "" for t in touches):
            continue
        paths.append([(t[i] or NO_BOOST) if i == 2 else t[i] for t in touches])
        hours.append([float(t[3]) for t in touches])
        conv.append(float(c))
        value.append(float(v))
    return PathTable.build(paths, conv, value, hours_to_conversion=hours)


def concat_timed(a: PathTable, b: PathTable) -> PathTable:
    """Two timed path tables as one (live journeys + archived ones), channels merged by name."""
    names = list(a.channels) + [c for c in b.channels if c not in set(a.channels)]
    index = {c: k for k, c in enumerate(names)}
    remap = np.asarray([index[c] for c in b.channels], dtype=np.int32)
    hours_a = a.hours_to_conversion if a.hours_to_conversion is not None else np.zeros(len(a.touches))
    hours_b = b.hours_to_conversion if b.hours_to_conversion is not None else np.zeros(len(b.touches))
    return PathTable.from_arrays(
        tuple(names),
        np.concatenate([a.offsets, a.offsets[-1] + b.offsets[1:]]),
        np.concatenate([a.touches, remap[b.touches] if len(b.touches) else b.touches]).astype(np.int32),
        np.concatenate([a.conversions, b.conversions]),
        np.concatenate([a.value, b.value]),
        np.concatenate([a.nulls, b.nulls]),
        np.concatenate([hours_a, hours_b]),
    )
