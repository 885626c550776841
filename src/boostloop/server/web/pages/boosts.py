"""Boosts: the cost-per-result comparison table (sortable, filterable) and budget against ROI with a fitted
response curve; one boost's detail. Everything through ``boostloop.server.boosts.service`` (and the
attribution service for journeys when it is installed)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import plotly.graph_objects as go
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from boostloop.enums import BoostStatus, Platform
from boostloop.server.api.deps import CanRead, DbSession
from boostloop.server.web import boost_data, charts, effectiveness_data
from boostloop.server.web.render import figure_json, page

router = APIRouter(prefix="/w/{workspace_id}", include_in_schema=False)

SORTS = {"boosted_at": "Started", "cost_per_result": "Cost per result", "roi": "ROI", "lift": "Reach lift",
         "score": "Effectiveness score"}
# The boosts service sorts the first four; the score (from the stored effectiveness results) is sorted
# here, best first by default like ROI, unanalysed boosts last either way.
PAGE_SORTS = {"score": True}


def _by_score(items, scores: dict, descending: bool) -> list:
    def key(i):
        sc = scores.get(str(i.boost.id))
        return (1, 0.0) if sc is None else (0, -sc["score"] if descending else sc["score"])

    return sorted(items, key=key)


def _scatter(items, cur: str):
    pts = [(i.boost.initial_budget_cents / 100, i.latest_snapshot.total_roi, i) for i in items
           if i.latest_snapshot is not None and i.latest_snapshot.total_roi is not None]
    if not pts:
        return None, None
    fig = go.Figure()
    platforms = sorted({p[2].boost.platform.value for p in pts})
    for plat in platforms:
        sub = [p for p in pts if p[2].boost.platform.value == plat]
        fig.add_trace(go.Scatter(
            x=[p[0] for p in sub], y=[p[1] * 100 for p in sub], mode="markers", name=plat.title(),
            marker=dict(size=9, opacity=0.75), customdata=[str(p[2].boost.id)[:8] for p in sub],
            hovertemplate="budget %{x:,.0f} " + cur + "<br>ROI %{y:.0f}%<extra>%{customdata}</extra>"))
    curve = boost_data.response_curve([p[0] for p in pts], [p[1] for p in pts])
    if curve is not None:
        import numpy as np

        xs = np.geomspace(min(p[0] for p in pts if p[0] > 0), max(p[0] for p in pts), 60)
        fig.add_trace(go.Scatter(x=xs.tolist(), y=(curve.at(xs) * 100).tolist(), mode="lines", name="Fitted response",
                                 line=dict(color="#111a3a", width=3), hoverinfo="skip"))
    fig.add_hline(y=0, line=dict(color="#888", dash="dot"))
    fig.update_layout(title="Budget against ROI", xaxis=dict(title=f"budget ({cur})", type="log"),
                      yaxis=dict(title="ROI (%)", ticksuffix="%"), height=380)
    return figure_json(fig), curve


@router.get("/boosts")
def boosts_page(request: Request, access: CanRead, session: DbSession, period: str | None = None,
                sort: str = "cost_per_result", dir: str | None = None, status: str | None = None,
                platform: str | None = None, strategy: str | None = None) -> HTMLResponse:
    p = boost_data.period_for(session, access.workspace_id, period)
    sort = sort if sort in SORTS else "cost_per_result"
    descending = None if dir not in ("asc", "desc") else dir == "desc"
    filters = {}
    if status in BoostStatus.__members__:
        filters["statuses"] = [status]
    if platform in Platform.__members__:
        filters["platforms"] = [platform]
    everything, _ = boost_data.all_boosts(session, access.workspace_id, p)
    strategies = sorted({i.boost.boost_strategy for i in everything})
    if strategy in strategies:
        filters["strategies"] = [strategy]
    from boostloop.server.boosts.service import DEFAULT_DESCENDING

    if sort in PAGE_SORTS:
        items, cut = boost_data.all_boosts(session, access.workspace_id, p, **filters)
        desc_now = PAGE_SORTS[sort] if descending is None else descending
    else:
        items, cut = boost_data.all_boosts(session, access.workspace_id, p, sort=sort, descending=descending,
                                           **filters)
        desc_now = DEFAULT_DESCENDING[sort] if descending is None else descending
    scatter, curve = _scatter(items, access.workspace.currency)
    scores = effectiveness_data.scores(request, session, access.workspace_id) if items else {}
    if sort in PAGE_SORTS:
        items = _by_score(items, scores, desc_now)
    return page(request, "boosts.html", access, session, "boosts", period=p, title="Boosts", items=items, cut=cut,
                sort=sort, desc_now=desc_now, sorts=SORTS, status=status, platform=platform, strategy=strategy,
                statuses=list(BoostStatus), platforms=sorted({i.boost.platform for i in everything}),
                strategies=strategies, scatter=scatter, curve=curve, t=boost_data.totals(items), scores=scores)


@router.get("/boosts/{boost_id}")
def boost_detail(boost_id: uuid.UUID, request: Request, access: CanRead, session: DbSession) -> HTMLResponse:
    from boostloop.server.boosts import service

    boost, snaps = service.boost_with_snapshots(session, access.workspace_id, boost_id)
    last = snaps[-1] if snaps else None
    ctx = {"b": boost, "snaps": snaps, "last": last, "over_time": None, "split": None, "venn": None, "paths": None,
           "split_detail": None}
    if snaps:
        fig = go.Figure()
        if len(snaps) >= 2:
            x = [s.snapshot_at for s in snaps]
            fig.add_trace(go.Scatter(x=x, y=[s.organic_impressions for s in snaps], name="Organic impressions",
                                     stackgroup="one", line=dict(color=charts.ORGANIC)))
            fig.add_trace(go.Scatter(x=x, y=[s.paid_impressions for s in snaps], name="Paid impressions",
                                     stackgroup="one", line=dict(color=charts.PAID)))
            title = "Impressions since the boost: organic and paid (stacked, cumulative)"
        else:  # one snapshot (e.g. the closing one): organic and paid side by side, per metric
            metrics = ["Impressions", "Reach"]
            fig.add_trace(go.Bar(x=metrics, y=[last.organic_impressions, last.organic_reach], name="Organic",
                                 marker_color=charts.ORGANIC))
            fig.add_trace(go.Bar(x=metrics, y=[last.paid_impressions, last.paid_reach or 0], name="Paid",
                                 marker_color=charts.PAID))
            fig.update_layout(barmode="stack")
            title = f"Organic and paid results at {last.snapshot_at:%d %b %H:%M} (one snapshot so far; stacked)"
        fig.update_layout(title=title, height=340, yaxis=dict(title="people / impressions"))
        ctx["over_time"] = figure_json(fig)
        if last.attributed_organic + last.attributed_paid + last.attributed_overlap > 0:
            ctx["split"] = charts.split_bar(["This boost"], [last.attributed_organic], [last.attributed_paid],
                                            [last.attributed_overlap], "Attribution split of its conversions")
        if last.paid_reach:
            ctx["venn"] = charts.venn(last.organic_reach, last.paid_reach, last.paid_reach - last.incremental_reach,
                                      estimated=last.incremental_reach_estimated)
    ctx.update(_effectiveness(request, session, access, boost))
    ctx["split_detail"] = _split(session, access, boost)
    ctx["paths"] = _paths(session, access, boost)
    return page(request, "boost_detail.html", access, session, "boosts", title="Boost detail", **ctx)


CF_METRIC = "impressions"  # the charted metric: the one the organic-and-paid chart above shows


def _effectiveness(request, session, access, boost) -> dict:
    """The effectiveness service's analysis of the boost: the counterfactual chart (with its interval band),
    the score with its breakdown and the confidence level."""
    eff = effectiveness_data.boost(request, session, access.workspace_id, boost.id)
    cf_chart = None
    if eff is not None:
        cf = next((c for c in eff.counterfactuals if c.metric == CF_METRIC), None)
        if cf is not None and cf.baseline is not None and cf.counterfactual.estimate is not None:
            cf_chart = charts.counterfactual_band(eff.window.start, cf.baseline, cf.series, eff.window.end,
                                                  cf.with_boost, cf.counterfactual, CF_METRIC, eff.level)
    return {"eff": eff, "cf_chart": cf_chart}


def _split(session, access, boost):
    return boost_data.attribution_split(session, access.workspace, boost.id)


def _paths(session, access, boost):
    """Conversion paths (channel = touchpoint type) of journeys during the boost's flight."""
    try:
        from boostloop.server.attribution import service as attribution
    except ImportError:
        return None
    end = boost.ended_at or boost.boosted_at + timedelta(days=boost.duration_days)
    paths = attribution.top_conversion_paths(session, access.workspace, n=12, channel="touchpoint_type",
                                             since=boost.boosted_at, until=end)
    return charts.paths_sunburst(paths) if paths else None
