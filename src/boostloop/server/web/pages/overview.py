"""Overview: totals over the period and their weekly trend, from the boosts service's latest snapshots;
incremental conversions, their cost and what the same results would have cost without boosts from the
effectiveness service's overview of the same boosts (each over its analysis window)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from boostloop.server.api.deps import CanRead, DbSession
from boostloop.server.web import boost_data, charts, effectiveness_data
from boostloop.server.web.render import page

router = APIRouter(prefix="/w/{workspace_id}", include_in_schema=False)


@router.get("/overview")
def overview(request: Request, access: CanRead, session: DbSession, period: str | None = None) -> HTMLResponse:
    p = boost_data.period_for(session, access.workspace_id, period)
    items, cut = boost_data.all_boosts(session, access.workspace_id, p)
    t = boost_data.totals(items)
    w = boost_data.weekly(items)
    sparks = {k: charts.sparkline(w[k]) for k in ("boosts", "spend", "conversions", "roi")} if len(w["week"]) > 1 else {}
    best = sorted((i for i in items if i.latest_snapshot and i.latest_snapshot.total_roi is not None),
                  key=lambda i: i.latest_snapshot.total_roi, reverse=True)
    # The effectiveness totals of the same boosts as the figures above (the period's), each over its
    # analysis window (stated on the page), cached per period.
    eff = effectiveness_data.overview(request, session, access.workspace_id, [i.boost.id for i in items],
                                      key=f"{p.key}:{p.start}:{p.end}:{len(items)}") if t.boosts else None
    return page(request, "overview.html", access, session, "overview", period=p, title="Overview", t=t, eff=eff,
                sparks=sparks, cut=cut, best=best[:5], worst=best[-3:][::-1] if len(best) > 5 else [],
                split=charts.split_bar(["All boosts"], [sum(i.latest_snapshot.attributed_organic for i in items if i.latest_snapshot)],
                                       [t.paid_only], [sum(i.latest_snapshot.attributed_overlap for i in items if i.latest_snapshot)],
                                       "Who drove the conversions of boosted posts") if t.conversions else None)
