"""Ingest use cases: upsert accounts, posts, organic metrics, campaigns and campaign metrics.

Every row is validated on its own and every bad row is reported (list and index, or file line and
column). A batch is all-or-nothing: the service never commits, and it raises
:class:`boostloop.errors.InvalidInput` when any row is bad, so the caller's ``session_scope`` rolls back.
Re-ingesting the same rows is a no-op: rows are matched on the platforms' natural keys and only rows
whose values differ are updated (see :mod:`boostloop.server.ingest.schemas`).

:class:`Ingestor` is the streaming form the file importers use: rows arrive one at a time, metrics are
written in chunks of :data:`CHUNK` rows, so memory stays bounded by the chunk, the caches of accounts,
posts and campaigns, and 16 bytes a metric row for duplicate detection.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boostloop.enums import CampaignObjective, Platform
from boostloop.errors import Conflict
from boostloop.server.db.base import utcnow
from boostloop.server.db.models import (
    AdCampaign,
    AdCampaignMetric,
    OrganicPostMetric,
    SocialAccount,
    SocialPost,
    Workspace,
)
from boostloop.server.effectiveness import input_version
from boostloop.server.ingest import repository as repo
from boostloop.server.ingest.schemas import (
    AccountIn,
    CampaignIn,
    CampaignMetricIn,
    IngestBatch,
    IngestResult,
    KindCounts,
    OrganicMetricIn,
    PostIn,
)
from boostloop.server.ingest.validation import DuplicateTracker, ErrorLog, RowRef

# Metric rows written per round trip. 2000 rows keep one chunk's Python objects under ~2 MB and the
# IN-lists well below SQLite's 32766 bound-parameter limit.
CHUNK = 2000

# Objective of a new campaign whose source does not say: Meta's "Boost post" creates ENGAGEMENT campaigns.
DEFAULT_OBJECTIVE = CampaignObjective.ENGAGEMENT


@dataclass
class _Entity:
    obj: Any
    status: str  # "created", "updated" or "seen" (existed, unchanged so far)
    set_here: dict[str, tuple[Any, tuple[Any, ...]]] = field(default_factory=dict)


def _loc_text(loc: tuple[Any, ...]) -> str:
    return "/".join(map(str, loc))


def _merge_extra(old: dict | None, new: dict | None) -> dict | None:
    if not new:
        return old
    out = dict(old or {})
    for k, v in new.items():
        if isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = list(dict.fromkeys([*out[k], *v]))
        else:
            out[k] = v
    return out


class Ingestor:
    """Validates and upserts rows of one all-or-nothing batch; call :meth:`finish` at the end.

    ``loc_for(kind, ordinal)`` renders a row's location for duplicate reports; by default
    ``(kind, index)`` as in an API batch. Importers pass ``("line N",)``.
    """

    def __init__(
        self,
        session: Session,
        workspace: Workspace,
        *,
        errors: ErrorLog | None = None,
        result: IngestResult | None = None,
        loc_for: Callable[[str, int], tuple[Any, ...]] | None = None,
    ) -> None:
        self.session = session
        self.workspace = workspace
        self.ws_id = workspace.id
        self.errors = errors if errors is not None else ErrorLog()
        self.result = result if result is not None else IngestResult()
        self.loc_for = loc_for or (lambda kind, ordinal: (kind, ordinal))
        self._accounts: dict[tuple, _Entity] = {}
        self._posts: dict[tuple, _Entity] = {}
        self._campaigns: dict[tuple, _Entity] = {}
        self._organic: list[tuple[tuple, dict[str, Any]]] = []
        self._campaign_metrics: list[tuple[tuple, dict[str, Any]]] = []
        self._organic_dups = DuplicateTracker()
        self._metric_dups = DuplicateTracker()
        self._defaulted_objective = 0
        self._inputs_written = False  # organic or campaign metric rows written (``finish`` counts it)

    # -- validation -------------------------------------------------------------------------------
    def _validate(self, model: type[BaseModel], row: Mapping[str, Any] | BaseModel, ref: RowRef):
        if isinstance(row, model):
            return row
        if isinstance(row, BaseModel):
            row = row.model_dump(exclude_unset=True)
        if not isinstance(row, Mapping):
            self.errors.add(ref.loc, f"expected an object, got {type(row).__name__}")
            return None
        try:
            return model.model_validate(row)
        except ValidationError as exc:
            self.errors.add_validation_error(ref, exc)
            return None

    # -- entities (few; written at once so that later rows can refer to them) ----------------------
    def _apply(self, ent: _Entity, values: dict[str, Any], ref: RowRef, counts: KindCounts) -> None:
        changed = False
        for name, value in values.items():
            earlier = ent.set_here.get(name)
            if earlier is not None and earlier[0] != value:
                self.errors.add(
                    ref.at(name), f"conflicts with {_loc_text(earlier[1])}: {earlier[0]!r} there", value
                )
                continue
            ent.set_here[name] = (value, ref.loc)
            if getattr(ent.obj, name) != value:
                setattr(ent.obj, name, value)
                changed = True
        if changed and ent.status == "seen":
            ent.status = "updated"
            counts.updated += 1

    def account(self, row: Mapping[str, Any] | AccountIn, ref: RowRef) -> uuid.UUID | None:
        acc = self._validate(AccountIn, row, ref)
        if acc is None:
            return None
        key = (acc.platform, acc.platform_account_id)
        values = acc.model_dump(exclude_unset=True, exclude={"platform", "platform_account_id"})
        ent = self._accounts.get(key)
        if ent is None:
            obj = repo.account_by_key(self.session, self.ws_id, *key)
            if obj is None:
                obj = SocialAccount(
                    id=uuid.uuid4(),
                    workspace_id=self.ws_id,
                    platform=acc.platform,
                    platform_account_id=acc.platform_account_id,
                    handle="",
                )
                self.session.add(obj)
                ent = _Entity(obj, "created")
                self.result.accounts.created += 1
            else:
                ent = _Entity(obj, "seen")
            self._accounts[key] = ent
        self._apply(ent, values, ref, self.result.accounts)
        return ent.obj.id

    def _account_id(self, platform: Platform, platform_account_id: str) -> uuid.UUID | None:
        key = (platform, platform_account_id)
        ent = self._accounts.get(key)
        if ent is None:
            obj = repo.account_by_key(self.session, self.ws_id, *key)
            if obj is None:
                return None
            ent = self._accounts[key] = _Entity(obj, "seen")
        return ent.obj.id

    def post(self, row: Mapping[str, Any] | PostIn, ref: RowRef) -> uuid.UUID | None:
        post = self._validate(PostIn, row, ref)
        if post is None:
            return None
        account_id = self._account_id(post.platform, post.platform_account_id)
        if account_id is None:
            self.errors.add(
                ref.at("platform_account_id"),
                "unknown account: import the account first",
                post.platform_account_id,
            )
            return None
        key = (account_id, post.platform_post_id)
        values = post.model_dump(exclude_unset=True, exclude={"platform_account_id", "platform_post_id"})
        values["content_type"] = post.content_type
        values["published_at"] = post.published_at
        ent = self._posts.get(key)
        if ent is None:
            obj = repo.post_by_key(self.session, self.ws_id, account_id, post.platform_post_id)
            if obj is None:
                obj = SocialPost(
                    id=uuid.uuid4(),
                    workspace_id=self.ws_id,
                    account_id=account_id,
                    platform=post.platform,
                    platform_post_id=post.platform_post_id,
                    content_type=post.content_type,
                    published_at=post.published_at,
                    text_length=0,
                    media_count=0,
                    hashtag_count=0,
                    is_ads_eligible=True,
                )
                self.session.add(obj)
                ent = _Entity(obj, "created")
                self.result.posts.created += 1
            else:
                ent = _Entity(obj, "seen")
            self._posts[key] = ent
        self._apply(ent, values, ref, self.result.posts)
        return ent.obj.id

    def _post_id(self, account_id: uuid.UUID, platform_post_id: str) -> uuid.UUID | None:
        key = (account_id, platform_post_id)
        ent = self._posts.get(key)
        if ent is None:
            obj = repo.post_by_key(self.session, self.ws_id, account_id, platform_post_id)
            if obj is None:
                return None
            ent = self._posts[key] = _Entity(obj, "seen")
        return ent.obj.id

    def campaign(self, row: Mapping[str, Any] | CampaignIn, ref: RowRef) -> uuid.UUID | None:
        camp = self._validate(CampaignIn, row, ref)
        if camp is None:
            return None
        key = (camp.platform, camp.platform_campaign_id)
        ent = self._campaigns.get(key)
        if ent is None:
            obj = repo.campaign_by_key(self.session, self.ws_id, *key)
            if obj is None:
                if camp.objective is None:
                    self._defaulted_objective += 1
                obj = AdCampaign(
                    id=uuid.uuid4(),
                    workspace_id=self.ws_id,
                    platform=camp.platform,
                    platform_campaign_id=camp.platform_campaign_id,
                    name=camp.name,
                    objective=camp.objective or DEFAULT_OBJECTIVE,
                )
                self.session.add(obj)
                ent = _Entity(obj, "created")
                self.result.campaigns.created += 1
            else:
                ent = _Entity(obj, "seen")
            self._campaigns[key] = ent
        values = camp.model_dump(
            exclude_unset=True,
            exclude_none=True,
            exclude={"platform", "platform_campaign_id", "started_at", "ended_at", "extra"},
        )
        # The delivery window only widens, extra lists are unioned: partial exports must not shrink them.
        widened: dict[str, Any] = {}
        obj = ent.obj
        if camp.started_at is not None and (obj.started_at is None or camp.started_at < obj.started_at):
            widened["started_at"] = camp.started_at
        if camp.ended_at is not None and (obj.ended_at is None or camp.ended_at > obj.ended_at):
            widened["ended_at"] = camp.ended_at
        merged = _merge_extra(obj.extra, camp.extra)
        if merged != obj.extra:
            widened["extra"] = merged
        for name, value in widened.items():
            setattr(obj, name, value)
        if widened and ent.status == "seen":
            ent.status = "updated"
            self.result.campaigns.updated += 1
        self._apply(ent, values, ref, self.result.campaigns)
        return obj.id

    def _campaign_id(self, platform: Platform, platform_campaign_id: str) -> uuid.UUID | None:
        key = (platform, platform_campaign_id)
        ent = self._campaigns.get(key)
        if ent is None:
            obj = repo.campaign_by_key(self.session, self.ws_id, *key)
            if obj is None:
                return None
            ent = self._campaigns[key] = _Entity(obj, "seen")
        return ent.obj.id

    def campaign_by_platform_id(self, platform: Platform, platform_campaign_id: str) -> AdCampaign | None:
        cid = self._campaign_id(platform, platform_campaign_id)
        return None if cid is None else self._campaigns[(platform, platform_campaign_id)].obj

    # -- metrics (many; buffered and written in chunks) -------------------------------------------
    def organic_metric(self, row: Mapping[str, Any] | OrganicMetricIn, ref: RowRef) -> bool:
        m = self._validate(OrganicMetricIn, row, ref)
        if m is None:
            return False
        account_id = self._account_id(m.platform, m.platform_account_id)
        post_id = None if account_id is None else self._post_id(account_id, m.platform_post_id)
        if post_id is None:
            self.errors.add(
                ref.at("platform_post_id"), "unknown post: import the post first", m.platform_post_id
            )
            return False
        key = (post_id, m.captured_at)
        self._organic_dups.add(key, ref.ordinal)
        values = {c: getattr(m, c) for c in repo.ORGANIC_VALUE_COLUMNS}
        self._organic.append((key, values))
        if len(self._organic) >= CHUNK:
            self._flush_organic()
        return True

    def campaign_metric(self, row: Mapping[str, Any] | CampaignMetricIn, ref: RowRef) -> bool:
        m = self._validate(CampaignMetricIn, row, ref)
        if m is None:
            return False
        campaign_id = self._campaign_id(m.platform, m.platform_campaign_id)
        if campaign_id is None:
            self.errors.add(
                ref.at("platform_campaign_id"),
                "unknown campaign: import the campaign first",
                m.platform_campaign_id,
            )
            return False
        key = (campaign_id, m.granularity, m.period_start)
        self._metric_dups.add(key, ref.ordinal)
        values = {c: getattr(m, c) for c in repo.CAMPAIGN_VALUE_COLUMNS}
        self._campaign_metrics.append((key, values))
        if len(self._campaign_metrics) >= CHUNK:
            self._flush_campaign_metrics()
        return True

    def _upsert_chunk(self, model, buffer, existing, key_columns, counts: KindCounts) -> None:
        latest: dict[tuple, dict[str, Any]] = {}
        for key, values in buffer:  # a key repeated inside the chunk is reported by the tracker
            latest[key] = values
        inserts, updates = [], []
        now = utcnow()
        for key, values in latest.items():
            old = existing.get(key)
            if old is None:
                inserts.append(
                    {
                        "id": uuid.uuid4(),
                        "workspace_id": self.ws_id,
                        "created_at": now,
                        **dict(zip(key_columns, key, strict=True)),
                        **values,
                    }
                )
                counts.created += 1
            elif any(old[c] != v for c, v in values.items()):
                updates.append({"id": old["id"], **values})
                counts.updated += 1
            else:
                counts.unchanged += 1
        repo.insert_rows(self.session, model, inserts)
        repo.update_rows(self.session, model, self.ws_id, updates)
        self._inputs_written = self._inputs_written or bool(inserts or updates)

    def _flush_organic(self) -> None:
        buffer, self._organic = self._organic, []
        if not buffer or self.errors:
            return  # after the first error nothing more is written: it would be rolled back anyway
        self.session.flush()
        times = [k[1] for k, _ in buffer]
        existing = repo.organic_metrics_for(
            self.session, self.ws_id, {k[0] for k, _ in buffer}, min(times), max(times)
        )
        self._upsert_chunk(
            OrganicPostMetric, buffer, existing, ("post_id", "captured_at"), self.result.organic_metrics
        )

    def _flush_campaign_metrics(self) -> None:
        buffer, self._campaign_metrics = self._campaign_metrics, []
        if not buffer or self.errors:
            return
        self.session.flush()
        times = [k[2] for k, _ in buffer]
        existing = repo.campaign_metrics_for(
            self.session,
            self.ws_id,
            {k[0] for k, _ in buffer},
            {k[1] for k, _ in buffer},
            min(times),
            max(times),
        )
        self._upsert_chunk(
            AdCampaignMetric,
            buffer,
            existing,
            ("campaign_id", "granularity", "period_start"),
            self.result.campaign_metrics,
        )

    # -- end of batch ----------------------------------------------------------------------------
    def finish(self) -> IngestResult:
        """Write what is buffered; raise :class:`InvalidInput` listing every bad row if there is one."""
        try:
            self._flush_organic()
            self._flush_campaign_metrics()
            self._organic_dups.report(
                self.errors,
                lambda o: self.loc_for("organic_metrics", o),
                "organic metric (post, captured_at)",
            )
            self._metric_dups.report(
                self.errors,
                lambda o: self.loc_for("campaign_metrics", o),
                "campaign metric (campaign, granularity, period_start)",
            )
            self.errors.raise_if_any()
            self.session.flush()
            if self._inputs_written:  # last: the version's row lock is held until the caller commits
                input_version.bump(self.session, self.ws_id)
        except IntegrityError as exc:
            raise Conflict(
                f"another write stored some of these rows at the same time; retry ({exc.orig})"
            ) from None
        for cache, counts in (
            (self._accounts, self.result.accounts),
            (self._posts, self.result.posts),
            (self._campaigns, self.result.campaigns),
        ):
            counts.unchanged += sum(1 for e in cache.values() if e.status == "seen")
        if self._defaulted_objective:
            self.result.warnings.append(
                f"{self._defaulted_objective} new campaign(s) had no objective; set to {DEFAULT_OBJECTIVE.value}"
            )
        return self.result


def ingest_batch(
    session: Session, workspace: Workspace, batch: IngestBatch | Mapping[str, Any]
) -> IngestResult:
    """Upsert one batch of rows (the service behind the ingest API). All-or-nothing, idempotent.

    Raises :class:`InvalidInput` with ``loc = [list, index, field]`` for every bad row.
    """
    if not isinstance(batch, IngestBatch):
        try:
            batch = IngestBatch.model_validate(batch)
        except ValidationError as exc:
            log = ErrorLog()
            log.add_validation_error(RowRef((), 0), exc)
            log.raise_if_any()
            raise AssertionError("unreachable") from exc
    ing = Ingestor(session, workspace)
    handlers = (
        ("accounts", ing.account),
        ("posts", ing.post),
        ("organic_metrics", ing.organic_metric),
        ("campaigns", ing.campaign),
        ("campaign_metrics", ing.campaign_metric),
    )
    for kind, handler in handlers:
        rows = getattr(batch, kind)
        for i, row in enumerate(rows):
            handler(row, RowRef((kind, i), i))
        ing.result.rows_read += len(rows)
    return ing.finish()


__all__ = ["CHUNK", "Ingestor", "ingest_batch"]
