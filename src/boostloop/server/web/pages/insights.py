"""Insights and best practices: cards by severity and category with their evidence (chart, n, effect size,
test), acknowledge (MEMBER), through ``boostloop.server.insights.service``."""

from __future__ import annotations

import uuid
from typing import Any

import plotly.graph_objects as go
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from boostloop.enums import InsightCategory, InsightSeverity, Role
from boostloop.server.api.deps import CanRead, CanWrite, DbSession
from boostloop.server.web import charts
from boostloop.server.web.render import env, figure_json, page

router = APIRouter(prefix="/w/{workspace_id}", include_in_schema=False)


def _bar(viz: dict[str, Any]):
    """The insight's own comparison rows as a bar chart, its subject highlighted; None without numbers."""
    rows = viz.get("rows") or []
    if not rows or not isinstance(rows[0], dict):
        return None
    metric = viz.get("metric")
    first = rows[0]
    value_key = metric if metric in first else next((k for k, v in first.items() if isinstance(v, (int, float))
                                                     and not isinstance(v, bool)), None)
    label_key = next((k for k, v in first.items() if isinstance(v, str)), None)
    if value_key is None or label_key is None:
        return None
    labels = [str(r.get(label_key)) for r in rows]
    values = [r.get(value_key) for r in rows]
    if not any(isinstance(v, (int, float)) for v in values):
        return None
    colors = [charts.PAID if lbl == str(viz.get("highlight")) else "#9aa3b5" for lbl in labels]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=colors,
                           hovertemplate="%{x}: %{y:.3g}<extra></extra>"))
    fig.update_layout(height=220, yaxis=dict(title=str(value_key).replace("_", " ")),
                      xaxis=dict(title=str(viz.get("dimension") or label_key).replace("_", " "), type="category"),
                      margin=dict(t=20))
    return figure_json(fig)


def _view(i) -> dict:
    ev = (i.data_points or {}).get("evidence") or {}
    viz = i.visualization or {}
    return {"i": i, "ev": ev, "chart": _bar(viz) if viz.get("kind") == "bar" else None}


def _card(request: Request, access, insight, message: str | None = None) -> HTMLResponse:
    return HTMLResponse(env.get_template("insight_card.html").render(
        v=_view(insight), base=f"/w/{access.workspace.id}", can_write=access.role.at_least(Role.MEMBER),
        message=message, cur=access.workspace.currency, loop_index=0))


@router.get("/insights")
def insights_page(request: Request, access: CanRead, session: DbSession, category: str | None = None,
                  severity: str | None = None, show: str = "open") -> HTMLResponse:
    from boostloop.server.insights import service

    cat = InsightCategory(category) if category in InsightCategory.__members__ else None
    sev = InsightSeverity(severity) if severity in InsightSeverity.__members__ else None
    ack = None if show == "all" else False
    items, total, _ = service.list_insights(session, access.workspace_id, category=cat, severity=sev,
                                            acknowledged=ack, limit=100)
    return page(request, "insights.html", access, session, "insights", title="Insights",
                views=[_view(i) for i in items], total=total, category=cat.value if cat else "",
                severity=sev.value if sev else "", show=show, categories=list(InsightCategory),
                severities=list(InsightSeverity), can_write=access.role.at_least(Role.MEMBER))


@router.post("/insights/{insight_id}/acknowledge")
def acknowledge(insight_id: uuid.UUID, request: Request, access: CanWrite, session: DbSession) -> HTMLResponse:
    from boostloop.server.insights import service

    insight = service.acknowledge(session, access.workspace_id, insight_id, by=access.user.email[:64])
    return _card(request, access, insight, message="Acknowledged.")
