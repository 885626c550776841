"""Attribution: the same conversions under every model side by side with bootstrap intervals, top paths,
and the workspace's default model (ADMIN) through ``boostloop.server.attribution.service``."""

from __future__ import annotations

from typing import Annotated

import plotly.graph_objects as go
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from boostloop.server.api.deps import CanAdmin, CanRead, DbSession
from boostloop.server.web import boost_data, charts
from boostloop.server.web.render import figure_json, page

router = APIRouter(prefix="/w/{workspace_id}", include_in_schema=False)

# Bootstrap replicates for the page: 200 gives a 90 % interval whose ends move by about a percent of the
# estimate between seeds, enough for a comparison; the API caller can ask for more.
N_BOOT = 200
CHANNEL_COLORS = {"ORGANIC": charts.ORGANIC, "PAID": charts.PAID, "UNKNOWN": "#9aa3b5"}
MODEL_LABELS = {"first_touch": "First touch", "last_touch": "Last touch", "last_non_unknown": "Last known touch",
                "linear": "Linear", "time_decay": "Time decay", "position_based": "Position based (40/20/40)",
                "markov": "Markov (removal effect)", "shapley": "Shapley value"}


def _figure(report) -> str | None:
    models = [m for m in report.models if m.channels]
    if not models:
        return None
    channels = sorted({c.channel for m in models for c in m.channels})
    fig = go.Figure()
    for ch in channels:
        vals, plus, minus = [], [], []
        for m in models:
            c = next((c for c in m.channels if c.channel == ch), None)
            v = c.conversions if c else 0.0
            vals.append(v)
            plus.append((c.conversions_high - v) if c and c.conversions_high is not None else 0)
            minus.append((v - c.conversions_low) if c and c.conversions_low is not None else 0)
        fig.add_trace(go.Bar(name=ch.title(), x=[MODEL_LABELS.get(m.model, m.model) for m in models], y=vals,
                             marker_color=CHANNEL_COLORS.get(ch.upper()),
                             error_y=dict(type="data", symmetric=False, array=plus, arrayminus=minus),
                             hovertemplate="%{x}<br>" + ch.title() + ": %{y:,.1f} conversions<extra></extra>"))
    fig.update_layout(barmode="group", title="Conversions credited to each channel, by model (bars: 90 % interval)",
                      height=400, yaxis=dict(title="conversions credited"))
    return figure_json(fig)


def _report(session, access, period):
    from boostloop.server.attribution import service

    return service.attribution_report(session, access.workspace, since=period.start, until=period.end,
                                      n_boot=N_BOOT, seed=0, top_n=12)


@router.get("/attribution")
def attribution_page(request: Request, access: CanRead, session: DbSession, period: str | None = None) -> HTMLResponse:
    """The page shell; the report (every model with bootstrap intervals, seconds of work) loads into it."""
    p = boost_data.period_for(session, access.workspace_id, period)
    return page(request, "attribution.html", access, session, "attribution", period=p, title="Attribution")


@router.get("/attribution/report")
def attribution_report(request: Request, access: CanRead, session: DbSession, period: str | None = None) -> HTMLResponse:
    p = boost_data.period_for(session, access.workspace_id, period)
    report = _report(session, access, p)
    paths = charts.paths_sunburst(report.top_paths) if report.top_paths else None
    return page(request, "attribution_report.html", access, session, "attribution", period=p, report=report,
                fig=_figure(report), paths=paths, labels=MODEL_LABELS)


@router.post("/attribution/default-model")
def set_default_model(request: Request, access: CanAdmin, session: DbSession,
                      model: Annotated[str, Form(max_length=64)]) -> HTMLResponse:
    from boostloop.server.attribution import service

    service.update_settings(session, access.workspace, model=model)
    return HTMLResponse(f'<p class="notice ok" role="status">Default model is now '
                        f'<strong>{MODEL_LABELS.get(model, model)}</strong>.</p>')
