"""Plotly figures for the dashboard, built in Python (plotly.graph_objects) and sent as JSON."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from markupsafe import Markup

from boostloop.server.web.render import figure_json

ORGANIC, PAID, BOTH, NEUTRAL = "#2a9d8f", "#e76f51", "#8d6cc9", "#3451d1"


def sparkline(values: Sequence[float], color: str = NEUTRAL) -> Markup:
    fig = go.Figure(go.Scatter(y=list(values), mode="lines", line=dict(color=color, width=2), fill="tozeroy",
                               fillcolor="rgba(52,81,209,0.08)", hoverinfo="skip"))
    fig.update_layout(xaxis=dict(visible=False), yaxis=dict(visible=False), showlegend=False, height=48)
    out = figure_json(fig)
    # figure_json sets general margins; sparklines need none.
    fig.update_layout(margin=dict(l=0, r=0, t=0, b=0))
    return Markup(fig.to_json())


def lift_intervals(names: Sequence[str], est: Sequence[float], lo: Sequence[float | None],
                   hi: Sequence[float | None], title: str, colors: Sequence[str] | None = None) -> Markup:
    """Horizontal point estimates with interval whiskers (fractions shown as %)."""
    plus = [(h - e) * 100 if h is not None else 0 for e, h in zip(est, hi)]
    minus = [(e - l) * 100 if l is not None else 0 for e, l in zip(est, lo)]
    fig = go.Figure(go.Scatter(
        x=[e * 100 for e in est], y=list(names), mode="markers",
        marker=dict(size=12, color=list(colors) if colors else NEUTRAL),
        error_x=dict(type="data", symmetric=False, array=plus, arrayminus=minus, thickness=2, width=6),
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>"))
    fig.add_vline(x=0, line=dict(color="#888", dash="dot"))
    fig.update_layout(title=title, xaxis=dict(title="relative lift vs control (%)", ticksuffix="%"),
                      height=max(180, 90 + 50 * len(names)), showlegend=False)
    return figure_json(fig)
