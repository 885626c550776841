"""Where a snapshot's attributed organic / paid / overlap conversions come from (injectable).

Snapshot collection asks an ``AttributionProvider`` for a whole batch of boosts at once. The default,
:class:`TouchpointExposureSplit`, is a real (if simple) attribution: it classifies each conversion
event linked to the boost by the converter's exposure among the boost's own touchpoint events (see
``snapshot_repository.conversions_by_exposure``). It is the fallback; the attribution service's
``boost_split`` (a fitted attribution model) is plugged in with :class:`PerBoostSplit` when available.
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
