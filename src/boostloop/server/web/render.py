"""Templates, the page context (user, workspace switcher, navigation, period) and value formatting."""

from __future__ import annotations

import importlib.util
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from boostloop.enums import Role
from boostloop.server.auth import sessions

TEMPLATES = Path(__file__).parent / "templates"

env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$", "AUD": "A$"}


def money(cents: float | int | None, currency: str = "USD", digits: int = 0) -> str:
    if cents is None:
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    value = cents / 100
    sign = "−" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.{digits}f}"


def pct(fraction: float | None, digits: int = 0, signed: bool = False) -> str:
    if fraction is None:
        return "—"
    return f"{fraction * 100:{'+' if signed else ''},.{digits}f}%"


def num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def when(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    return value.strftime(fmt) if value else "—"


env.filters.update(money=money, pct=pct, num=num, when=when)


# --- navigation: a page appears only when the service it shows is installed --------------------------


@dataclass(frozen=True)
class NavItem:
    slug: str
    label: str
    needs: tuple[str, ...]  # service modules the page reads

    def available(self) -> bool:
        return all(_has(m) for m in self.needs)


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


NAV = (
    NavItem("overview", "Overview", ("boostloop.server.boosts.service",)),
    NavItem("boosts", "Boosts", ("boostloop.server.boosts.service",)),
    NavItem("attribution", "Attribution", ("boostloop.server.attribution.service",)),
    NavItem("insights", "Insights", ("boostloop.server.insights.service",)),
    NavItem("recommendations", "Recommendations", ("boostloop.server.learning.service",)),
    NavItem("experiments", "Experiments", ("boostloop.server.experiments.service",)),
    NavItem("jobs", "Jobs", ("boostloop.server.jobs.runner",)),
)


def nav_available(slug: str) -> bool:
    return any(n.slug == slug and n.available() for n in NAV)


# --- period ------------------------------------------------------------------------------------------

PERIODS = (("7d", "Last 7 days", 7), ("30d", "Last 30 days", 30), ("90d", "Last 90 days", 90),
           ("all", "All time", None))


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: datetime | None  # inclusive, UTC; None = all time
    end: datetime | None

    def contains(self, at: datetime) -> bool:
        return (self.start is None or at >= self.start) and (self.end is None or at <= self.end)


def period_from(key: str | None, anchor: datetime | None) -> Period:
    """The selected period, counted back from ``anchor`` (the workspace's latest boost, so a period on
    historical or simulated data is not empty just because the data is not from this week)."""
    key = key if key in {p[0] for p in PERIODS} else "all"
    label, days = next((lbl, d) for k, lbl, d in PERIODS if k == key)
    if days is None or anchor is None:
        return Period("all", "All time", None, None)
    end = anchor + timedelta(hours=1)
    return Period(key, label, end - timedelta(days=days), end)


# --- charts ------------------------------------------------------------------------------------------


def figure_json(fig: Any) -> Markup:
    """A plotly.graph_objects figure as JSON for ``data-figure`` (rendered by static/app.js)."""
    titled = bool(fig.layout.title.text)
    fig.update_layout(template="none", margin=dict(l=56, r=16, t=78 if titled else 36, b=44),
                      font=dict(family="system-ui, sans-serif", size=13), paper_bgcolor="rgba(0,0,0,0)",
                      plot_bgcolor="#fbfbfd", title=dict(x=0, xanchor="left", y=0.98, yanchor="top", font=dict(size=15)),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    fig.update_xaxes(automargin=True, gridcolor="#e6e9ef")
    fig.update_yaxes(automargin=True, gridcolor="#e6e9ef")
    return Markup(fig.to_json())


# --- rendering ---------------------------------------------------------------------------------------


def csrf_for(request: Request) -> str | None:
    settings = request.app.state.settings
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    data = sessions.read_session_cookie(settings.secret_key, cookie, settings.session_max_age_seconds) \
        if cookie else None
    return sessions.csrf_token(settings.secret_key, data.sid) if data else None


def render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("csrf", csrf_for(request))
    ctx.setdefault("nav", [n for n in NAV if n.available()])
    ctx["request"] = request
    ctx["now"] = datetime.now(UTC)
    return HTMLResponse(env.get_template(template).render(**ctx), status_code=status_code)


def page(request: Request, template: str, access: Any, session: Any, active: str, *, period: Period | None = None,
         **ctx: Any) -> HTMLResponse:
    """A full dashboard page (or only its main block for an htmx request)."""
    from boostloop.server.workspaces import service as ws_service

    workspaces = ws_service.list_for_user(session, access.user.id)
    ctx.update(
        ws=access.workspace, role=access.role, user=access.user, workspaces=workspaces, active=active,
        is_admin=access.role.at_least(Role.ADMIN), period=period, periods=PERIODS,
        cur=access.workspace.currency, base=f"/w/{access.workspace.id}",
    )
    return render(request, template, **ctx)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    if request.headers.get("hx-request"):
        return HTMLResponse(f'<p class="notice error" role="alert">{Markup.escape(detail)}</p>', status_code=status)
    return render(request, "error.html", status_code=status, status=status, detail=detail, nav=[])


def json_attr(value: Any) -> Markup:
    return Markup(json.dumps(value, default=str))


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None
