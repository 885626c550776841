"""Attribution use cases: ingest touchpoint events, split a boost's conversions into organic / paid /
overlap, and the workspace report (credit by channel under every model, with intervals; top paths).

Services never commit: the caller's ``session_scope`` commits or rolls back (so a batch is all-or-nothing).
The relational work runs on DuckDB in process by default (rows moved in as Arrow); pass ``engine=`` a
:class:`~boostloop.analytics.attribution.engines.SparkEngine` to run the same queries on Spark.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from boostloop.analytics.attribution import MODELS, attribute, top_paths
from boostloop.analytics.attribution.engines import Engine, default_engine
from boostloop.analytics.attribution.journeys import (
    CHANNEL_DIMENSIONS,
    JourneyConfig,
    boost_split_sql,
    converting_touches_sql,
    path_table_from_rows,
    path_table_sql,
    timed_path_table_from_rows,
)
from boostloop.analytics.attribution.models import DEFAULT_LEVEL, DEFAULT_N_BOOT
from boostloop.analytics.retention import merge_path_rows
from boostloop.errors import FieldError, InvalidInput, NotFound
from boostloop.server.attribution import repository
from boostloop.server.attribution.hashing import person_hash
from boostloop.server.attribution.schemas import (
    AttributionReport,
    BoostSplit,
    ChannelCreditOut,
    EventIn,
    IngestResult,
    ModelCredit,
    TopPathOut,
)
from boostloop.server.db.base import utcnow
from boostloop.server.db.models import Workspace
from boostloop.server.retention import service as retention

# One request may carry at most this many events: 100k rows x ~300 B stays far below the API's body limit
# and keeps one transaction's lock time in the seconds on the 2-core reference machine.
MAX_BATCH = 100_000


def _loc_of(error: dict[str, Any]) -> tuple[Any, ...]:
    loc = tuple(error.get("loc") or ())
    return loc if loc else ("__root__",)


def ingest_events(session: Session, workspace: Workspace, events: Sequence[dict[str, Any]]) -> IngestResult:
    """Store a batch of touchpoint events, all or nothing.

    * Every event is validated (:class:`~.schemas.EventIn`); every bad field of every event is reported
      as ``InvalidInput`` with ``loc = ("events", index, field)``, and nothing is written.
    * ``boost_id`` / ``post_id`` must be this workspace's (another workspace's id is "not found").
    * ``user_id`` / ``session_id`` are replaced by ``person_hash(workspace.hash_key, id)`` before storage.
    * Idempotent by ``client_event_id``: an id already stored, or repeated identically within the batch, is
      skipped and counted as a duplicate; the same id with different content within one batch is an error.
    * Events of people on the workspace's opt-out list (by user id hash) are dropped and counted.
    * PostgreSQL loads through COPY, SQLite through one executemany (repository.insert_events).
    """
    if len(events) > MAX_BATCH:
        raise InvalidInput([FieldError(("events",), f"at most {MAX_BATCH} events per batch, got {len(events)}")])
    errors: list[FieldError] = []
    parsed: list[tuple[int, EventIn]] = []
    for i, raw in enumerate(events):
        if not isinstance(raw, dict):
            errors.append(FieldError(("events", i), "an event must be an object"))
            continue
        try:
            parsed.append((i, EventIn.model_validate(raw)))
        except ValidationError as exc:
            for e in exc.errors(include_url=False):
                errors.append(FieldError(("events", i, *_loc_of(e)), e["msg"]))

    first_seen: dict[str, tuple[int, EventIn]] = {}
    unique: list[tuple[int, EventIn]] = []
    in_batch_duplicates = 0
    for i, ev in parsed:
        prior = first_seen.get(ev.client_event_id)
        if prior is None:
            first_seen[ev.client_event_id] = (i, ev)
            unique.append((i, ev))
        elif prior[1] == ev:
            in_batch_duplicates += 1
        else:
            errors.append(FieldError(
                ("events", i, "client_event_id"),
                f"repeats the client_event_id of event {prior[0]} with different content",
            ))

    boost_ids = {ev.boost_id for _, ev in unique if ev.boost_id is not None}
    post_ids = {ev.post_id for _, ev in unique if ev.post_id is not None}
    known_boosts = repository.existing_boost_ids(session, workspace.id, boost_ids) if boost_ids else set()
    known_posts = repository.existing_post_ids(session, workspace.id, post_ids) if post_ids else set()
    for i, ev in unique:
        if ev.boost_id is not None and ev.boost_id not in known_boosts:
            errors.append(FieldError(("events", i, "boost_id"), "no such boost in this workspace", str(ev.boost_id)))
        if ev.post_id is not None and ev.post_id not in known_posts:
            errors.append(FieldError(("events", i, "post_id"), "no such post in this workspace", str(ev.post_id)))
    if errors:
        errors.sort(key=lambda e: (e.loc[1] if len(e.loc) > 1 and isinstance(e.loc[1], int) else -1, str(e.loc)))
        raise InvalidInput(errors, summary=f"{len({e.loc[:2] for e in errors})} invalid event(s); nothing stored")

    key = workspace.hash_key
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for _, ev in unique:
        rows.append({
            "id": uuid.uuid4(),
            "workspace_id": workspace.id,
            "boost_campaign_id": ev.boost_id,
            "post_id": ev.post_id,
            "client_event_id": ev.client_event_id,
            "session_id_hash": None if ev.session_id is None else person_hash(key, ev.session_id),
            "user_id_hash": None if ev.user_id is None else person_hash(key, ev.user_id),
            "event_type": ev.event_type.value,
            "touchpoint_type": ev.touchpoint_type.value,
            "platform": ev.platform.value,
            "event_value_cents": ev.value_cents,
            "event_metadata": ev.metadata,
            "occurred_at": ev.occurred_at.astimezone(UTC),
            "created_at": now,
        })
    user_hashes = {r["user_id_hash"] for r in rows if r["user_id_hash"] is not None}
    opted = repository.opted_out_hashes(session, workspace.id, user_hashes) if user_hashes else set()
    kept = [r for r in rows if r["user_id_hash"] not in opted]
    inserted = repository.insert_events(session, kept)
    return IngestResult(
        received=len(events), inserted=inserted, duplicates=in_batch_duplicates + len(kept) - inserted,
        opted_out=len(rows) - len(kept),
    )


def opt_out(session: Session, workspace: Workspace, user_id: str) -> int:
    """Put a person on the opt-out list and erase their stored events, archived ones too (one call);
    returns events erased.
    Their later events are dropped at ingest. Events that carried only a session id cannot be linked to the
    person and are not erased."""
    h = person_hash(workspace.hash_key, user_id)
    repository.add_opt_out(session, workspace.id, h)
    return repository.delete_person_events(session, workspace.id, h) + retention.erase_person_archive(workspace.id, h)


def journey_config(workspace: Workspace, channel: str | None = None, since: datetime | None = None) -> JourneyConfig:
    since_us = None if since is None else (since.astimezone(UTC) - repository.EPOCH) // timedelta(microseconds=1)
    return JourneyConfig(
        click_window_days=workspace.click_window_days, view_window_days=workspace.view_window_days,
        channel=channel or workspace.attribution_channel, since_us=since_us,
    )


def boost_split(
    session: Session, workspace: Workspace, boost_id: uuid.UUID, *, until: datetime | None = None,
    engine: Engine | None = None,
) -> BoostSplit:
    """Conversions up to ``until`` (all if None) whose journey touched boost ``boost_id``, split by how:

    * **organic**: every windowed touch of this boost in the journey was ORGANIC (the organic post);
    * **paid**: every one was PAID (the boost's paid delivery);
    * **overlap**: the journey had both;
    * **unknown**: the journey touched the boost only through UNKNOWN touches (reported, not in the total).

    Journeys and windows as in :mod:`boostloop.analytics.attribution.journeys` (workspace click / view
    windows). Each conversion counts whole (not fractionally) and once per boost its journey touched, so the
    splits of several boosts can add up to more than the workspace's conversions; the value is the sum of
    those conversions' values (cents). Touches after ``until`` are not seen either.
    """
    if repository.get_boost(session, workspace.id, boost_id) is None:
        raise NotFound(f"boost {boost_id} not found")
    return boost_splits(session, workspace, [boost_id], until=until, engine=engine)[boost_id]


def boost_splits(
    session: Session, workspace: Workspace, boost_ids: Sequence[uuid.UUID], *, until: datetime | None = None,
    engine: Engine | None = None,
) -> dict[uuid.UUID, BoostSplit]:
    """:func:`boost_split` for many boosts with one load and one query (a snapshot round). Ids that are not
    this workspace's boosts are left out of the answer."""
    known = repository.existing_boost_ids(session, workspace.id, boost_ids)
    wanted = [b for b in dict.fromkeys(boost_ids) if b in known]
    if not wanted:
        return {}
    events = repository.load_events(session, workspace.id, until=until, people_touching_boosts=wanted)
    rows: dict[str, dict[str, Any]] = {}
    # Journeys that ended before the retention roll-up are counted from its archived paths instead.
    live = journey_config(workspace, "touchpoint_type", retention.live_since(session, workspace.id, None))
    if events.num_rows:
        out = (engine or default_engine()).run(boost_split_sql(live), events)
        rows = {r["boost_id"]: r for r in out.to_pylist()}
    archived = retention.archived_boost_splits(session, workspace.id, wanted, until)
    names = ("organic", "paid", "overlap", "unknown")
    result = {}
    for b in wanted:
        row, old = rows.get(str(b), {}), archived.get(b, {})
        result[b] = BoostSplit(
            boost_id=b, until=until,
            **{f"{n}_conversions": int(row.get(f"{n}_conversions") or 0) + old.get(f"{n}_conversions", 0)
               for n in names},
            **{f"{n}_value_cents": int(row.get(f"{n}_value_cents") or 0) + old.get(f"{n}_value_cents", 0)
               for n in names},
        )
    return result


def attribution_report(
    session: Session,
    workspace: Workspace,
    *,
    models: Sequence[str] | None = None,
    channel: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    order: int = 1,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
    top_n: int = 10,
    engine: Engine | None = None,
) -> AttributionReport:
    """Credit by channel under each model (all of :data:`MODELS` by default) for the conversions in
    ``[since, until]``, each with a ``level`` bootstrap interval over journeys (``n_boot`` replicates,
    seeded), plus the top converting paths. ``channel``: ``touchpoint_type``, ``platform`` or ``boost``
    (default: the workspace's setting). Time decay uses the workspace's half-life."""
    wanted = list(models) if models is not None else list(MODELS)
    for m in wanted:
        if m not in MODELS:
            raise InvalidInput([FieldError(("models",), f"unknown model {m!r}; one of {', '.join(MODELS)}", m)])
    try:
        # Journeys that ended before the retention roll-up come from its archived path aggregates.
        config = journey_config(workspace, channel, retention.live_since(session, workspace.id, since))
    except ValueError as exc:
        raise InvalidInput([FieldError(("channel",), str(exc), channel)]) from None
    load_since = None if since is None else since - timedelta(days=max(workspace.click_window_days, workspace.view_window_days))
    events = repository.load_events(session, workspace.id, since=load_since, until=until)
    run = engine or default_engine()
    paths_rows = merge_path_rows(
        run.run(path_table_sql(config), events),
        retention.archived_path_rows(session, workspace.id, config.channel, since, until),
    )
    table = path_table_from_rows(paths_rows)
    timed = None
    if "time_decay" in wanted:
        timed = timed_path_table_from_rows(run.run(converting_touches_sql(config), events))
    results = []
    for m in wanted:
        t = timed if m == "time_decay" else table
        res = attribute(
            t, m, order=order, half_life_hours=workspace.time_decay_half_life_days * 24.0, n_boot=n_boot,
            seed=seed, level=level,
        )
        results.append(ModelCredit(
            model=m, params=dict(res.params),
            channels=[
                ChannelCreditOut(
                    channel=c.channel, conversions=c.conversions, value_cents=c.value,
                    conversions_low=c.conversions_low, conversions_high=c.conversions_high,
                    value_cents_low=c.value_low, value_cents_high=c.value_high,
                )
                for c in res.credits
            ],
        ))
    conversions = int(sum(paths_rows.column("conversions").to_pylist()))
    nulls = int(sum(paths_rows.column("nulls").to_pylist()))
    return AttributionReport(
        workspace_id=workspace.id, channel_dimension=config.channel, default_model=workspace.attribution_model,
        since=since, until=until, click_window_days=workspace.click_window_days,
        view_window_days=workspace.view_window_days, journeys=conversions + nulls, conversions=conversions,
        unattributed_conversions=int(round(table.dropped_conversions)),
        value_cents=int(sum(paths_rows.column("value_cents").to_pylist())),
        interval_level=level if n_boot else None, n_boot=n_boot, seed=seed, models=results,
        top_paths=[
            TopPathOut(path=list(p.path), conversions=p.conversions, value_cents=p.value, nulls=p.nulls,
                       conversion_rate=p.conversion_rate)
            for p in top_paths(table, top_n)
        ],
    )


def top_conversion_paths(
    session: Session, workspace: Workspace, *, n: int = 10, channel: str | None = None,
    since: datetime | None = None, until: datetime | None = None, engine: Engine | None = None,
) -> list[TopPathOut]:
    """The ``n`` channel paths with the most conversions, with counts (for the dashboard)."""
    return attribution_report(
        session, workspace, models=[], channel=channel, since=since, until=until, n_boot=0, top_n=n, engine=engine
    ).top_paths




def update_settings(
    session: Session,
    workspace: Workspace,
    *,
    model: str | None = None,
    channel: str | None = None,
    click_window_days: int | None = None,
    view_window_days: int | None = None,
    time_decay_half_life_days: float | None = None,
) -> Workspace:
    """Change the workspace's attribution settings (default model, channel dimension, windows, half-life);
    every bad value is reported at once and nothing changes. Windows are whole days from 0 to 90 (Meta's
    and Google's configurable windows top out at 28 and 90 days)."""
    errors: list[FieldError] = []
    if model is not None and model not in MODELS:
        errors.append(FieldError(("model",), f"one of {', '.join(MODELS)}", model))
    if channel is not None and channel not in CHANNEL_DIMENSIONS:
        errors.append(FieldError(("channel",), f"one of {', '.join(CHANNEL_DIMENSIONS)}", channel))
    for name, v in (("click_window_days", click_window_days), ("view_window_days", view_window_days)):
        if v is not None and not (isinstance(v, int) and 0 <= v <= 90):
            errors.append(FieldError((name,), "a whole number of days from 0 to 90", v))
    if time_decay_half_life_days is not None and not (0 < time_decay_half_life_days <= 365):
        errors.append(FieldError(("time_decay_half_life_days",), "more than 0 and at most 365 days", time_decay_half_life_days))
    if errors:
        raise InvalidInput(errors)
    if model is not None:
        workspace.attribution_model = model
    if channel is not None:
        workspace.attribution_channel = channel
    if click_window_days is not None:
        workspace.click_window_days = click_window_days
    if view_window_days is not None:
        workspace.view_window_days = view_window_days
    if time_decay_half_life_days is not None:
        workspace.time_decay_half_life_days = float(time_decay_half_life_days)
    session.flush()
    return workspace


class BoostSplitProvider:
    """The snapshot collector's ``AttributionProvider`` (boosts/attribution_provider.py) backed by
    :func:`boost_splits`: one load and one query per distinct ``until`` in a round, instead of one per boost::

        collect_snapshots(session, workspace_id, now=now, attribution=BoostSplitProvider())
    """

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine

    def splits(self, session: Session, workspace_id: uuid.UUID, requests: Sequence[Any]) -> dict[uuid.UUID, Any]:
        from boostloop.server.boosts.attribution_provider import AttributedSplit

        workspace = session.get(Workspace, workspace_id)
        if workspace is None:
            return {}
        by_until: dict[datetime, list[uuid.UUID]] = {}
        for r in requests:
            by_until.setdefault(r.until, []).append(r.boost_id)
        out: dict[uuid.UUID, Any] = {}
        for until, ids in by_until.items():
            for boost_id, s in boost_splits(session, workspace, ids, until=until, engine=self.engine).items():
                if s.conversions or s.unknown_conversions:
                    out[boost_id] = AttributedSplit(
                        organic=s.organic, paid=s.paid, overlap=s.overlap, value_cents=s.value_cents,
                        unattributed=s.unattributed,
                    )
        return out
