"""Where a snapshot's attributed organic / paid / overlap conversions come from (injectable).

Snapshot collection asks an ``AttributionProvider`` for a whole batch of boosts at once. The default,
:class:`ReachCorrectedSplit`, classifies each conversion event linked to the boost by the converter's
tracked exposure among the boost's own touchpoint events (:class:`TouchpointExposureSplit`, see
``snapshot_repository.conversions_by_exposure``) and then corrects that split for exposure that left no
tracked touch, from the platform's reach figures (``server.attribution.overlap``; formula and measured
error in ``analytics.attribution.overlap_split``). The attribution service's journey-based split is
plugged in with ``server.attribution.service.BoostSplitProvider``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from boostloop.server.boosts import snapshot_repository as snaps


@dataclass(frozen=True)
class SplitRequest:
    boost_id: uuid.UUID
    boosted_at: datetime
    until: datetime


@dataclass(frozen=True)
class AttributedSplit:
    """Conversions attributed to the organic post only, the paid boost only, and both; their value.

    Counts may be fractional when a model shares credit. ``unattributed`` are conversions linked to the
    boost that could be given to neither (kept out of the three, reported for transparency).
    """

    organic: float = 0.0
    paid: float = 0.0
    overlap: float = 0.0
    value_cents: int = 0
    unattributed: float = 0.0

    @property
    def conversions(self) -> float:
        return self.organic + self.paid + self.overlap


class AttributionProvider(Protocol):
    def splits(
        self, session: Session, workspace_id: uuid.UUID, requests: Sequence[SplitRequest]
    ) -> Mapping[uuid.UUID, AttributedSplit]:
        """The split of each requested boost as of ``until``; a boost left out has no conversions."""
        ...


class TouchpointExposureSplit:
    """Default provider: two batched queries over the boosts' touchpoint events (no model)."""

    def splits(
        self, session: Session, workspace_id: uuid.UUID, requests: Sequence[SplitRequest]
    ) -> Mapping[uuid.UUID, AttributedSplit]:
        raw = snaps.conversions_by_exposure(
            session, workspace_id, [(r.boost_id, r.boosted_at, r.until) for r in requests]
        )
        return {
            boost_id: AttributedSplit(s.organic, s.paid, s.overlap, s.value_cents, s.unattributed)
            for boost_id, s in raw.items()
        }

    def splits_keyed(
        self, session: Session, workspace_id: uuid.UUID, requests: Sequence[tuple[uuid.UUID, SplitRequest]]
    ) -> Mapping[uuid.UUID, AttributedSplit]:
        """Like ``splits`` for ``(key, request)`` pairs in which a boost may appear several times (several
        ``until``): the same two batched queries, keyed by ``key``."""
        raw = snaps.conversions_by_exposure_keyed(
            session, workspace_id, [(k, r.boost_id, r.boosted_at, r.until) for k, r in requests]
        )
        return {
            key: AttributedSplit(s.organic, s.paid, s.overlap, s.value_cents, s.unattributed)
            for key, s in raw.items()
        }


class ReachCorrectedSplit:
    """Default provider: ``base``'s observed split (:class:`TouchpointExposureSplit` unless given), with the
    one-sided classes moved to overlap in the proportion the reach figures imply (point estimate; the
    interval is the attribution service's). Batched: the base's queries plus five statements per batch
    (boosts, organic metrics, paid totals, tracked people)."""

    def __init__(self, base: TouchpointExposureSplit | None = None) -> None:
        self.base = base or TouchpointExposureSplit()

    def splits_keyed(
        self, session: Session, workspace_id: uuid.UUID, requests: Sequence[tuple[uuid.UUID, SplitRequest]]
    ) -> Mapping[uuid.UUID, AttributedSplit]:
        from boostloop.analytics.attribution.overlap_split import ObservedSplit
        from boostloop.server.attribution.overlap import correct_splits

        observed = self.base.splits_keyed(session, workspace_id, requests)
        by_key = dict(requests)
        items = [
            (k, by_key[k].boost_id, by_key[k].until,
             ObservedSplit(organic=round(s.organic), paid=round(s.paid), overlap=round(s.overlap)))
            for k, s in observed.items()
        ]
        est = correct_splits(session, workspace_id, items, n_draws=0)
        return {
            k: AttributedSplit(est[k].organic, est[k].paid, est[k].overlap, s.value_cents, s.unattributed)
            for k, s in observed.items()
        }

    def splits(
        self, session: Session, workspace_id: uuid.UUID, requests: Sequence[SplitRequest]
    ) -> Mapping[uuid.UUID, AttributedSplit]:
        return self.splits_keyed(session, workspace_id, [(r.boost_id, r) for r in requests])


class PerBoostSplit:
    """Adapter for a per-boost function, e.g. the attribution service's ``boost_split``
    (``boost_split(session, workspace, boost_id, *, until=None) -> BoostSplit``, interfaces.md)::

        def _split(session, workspace_id, boost_id, until):
            s = boost_split(session, session.get(Workspace, workspace_id), boost_id, until=until)
            return AttributedSplit(organic=s.organic, paid=s.paid, overlap=s.overlap,
                                   value_cents=s.value_cents)   # BoostSplit's field names at merge

        collect_snapshots(session, workspace_id, now=now, attribution=PerBoostSplit(_split))

    It calls the function once per boost (one or more queries each), so a 1,000-boost round costs
    1,000+ queries; fine for a scheduled job, but a batched provider is preferable.
    """

    def __init__(self, fn: Callable[[Session, uuid.UUID, uuid.UUID, datetime], AttributedSplit]) -> None:
        self._fn = fn

    def splits(
        self, session: Session, workspace_id: uuid.UUID, requests: Sequence[SplitRequest]
    ) -> Mapping[uuid.UUID, AttributedSplit]:
        return {r.boost_id: self._fn(session, workspace_id, r.boost_id, r.until) for r in requests}
