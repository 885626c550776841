"""Plotly figures for the dashboard, built in Python (plotly.graph_objects) and sent as JSON."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from markupsafe import Markup

from boostloop.server.web.render import figure_json

ORGANIC, PAID, BOTH, NEUTRAL = "#2a9d8f", "#e76f51", "#8d6cc9", "#3451d1"


def warm() -> None:
    """Build one throw-away chart, so that plotly's first figure (its validators and templates, built
    lazily: ~2 s of CPU for the first chart page of a fresh process, measured on the demo) is not paid by
    the first person to open the dashboard. ``boostloop serve`` runs it in a background thread."""
    sparkline([0.0, 1.0])


def sparkline(values: Sequence[float], color: str = NEUTRAL) -> Markup:
    fig = go.Figure(go.Scatter(y=list(values), mode="lines", line=dict(color=color, width=2), fill="tozeroy",
                               fillcolor="rgba(52,81,209,0.08)", hoverinfo="skip"))
    fig.update_layout(xaxis=dict(visible=False), yaxis=dict(visible=False), showlegend=False, height=48)
    figure_json(fig)  # the shared font and background
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


def split_bar(labels: Sequence[str], organic: Sequence[float], paid: Sequence[float], both: Sequence[float],
              title: str, horizontal: bool = True) -> Markup:
    """Stacked bar of conversions credited to organic only, paid only, and people who saw both."""
    fig = go.Figure()
    for name, vals, color in (("Organic only", organic, ORGANIC), ("Organic + paid", both, BOTH),
                              ("Paid only", paid, PAID)):
        kw = dict(x=list(vals), y=list(labels), orientation="h") if horizontal else dict(x=list(labels), y=list(vals))
        fig.add_trace(go.Bar(name=name, marker_color=color, hovertemplate="%{fullData.name}: %{value:,.1f}<extra></extra>", **kw))
    fig.update_layout(barmode="stack", title=title, height=120 + 40 * len(labels) if horizontal else 320,
                      xaxis=dict(title="conversions") if horizontal else None)
    return figure_json(fig)


def venn(organic: float, paid: float, overlap: float, *, estimated: bool = False) -> Markup:
    """Two circles with areas proportional to organic and paid reach; the overlap is shown by the lens
    width (the circles' centre distance solved for the overlap area, bisection on the lens formula)."""
    import math

    overlap = max(0.0, min(overlap, organic, paid))
    r1, r2 = math.sqrt(max(organic, 1e-9) / math.pi), math.sqrt(max(paid, 1e-9) / math.pi)

    def lens(d: float) -> float:
        if d >= r1 + r2:
            return 0.0
        if d <= abs(r1 - r2):
            return math.pi * min(r1, r2) ** 2
        a = r1 * r1 * math.acos((d * d + r1 * r1 - r2 * r2) / (2 * d * r1))
        b = r2 * r2 * math.acos((d * d + r2 * r2 - r1 * r1) / (2 * d * r2))
        c = 0.5 * math.sqrt((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2))
        return a + b - c

    lo, hi = abs(r1 - r2), r1 + r2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if lens(mid) > overlap else (lo, mid)
    d = (lo + hi) / 2
    fig = go.Figure()
    shapes = [
        dict(type="circle", xref="x", yref="y", x0=-r1, y0=-r1, x1=r1, y1=r1, fillcolor=ORGANIC, opacity=0.45, line_color=ORGANIC),
        dict(type="circle", xref="x", yref="y", x0=d - r2, y0=-r2, x1=d + r2, y1=r2, fillcolor=PAID, opacity=0.45, line_color=PAID),
    ]
    # Labels in a legend (small circles cannot hold text): one invisible point per region.
    for name, value, color in (("Organic only", organic - overlap, ORGANIC), ("Both", overlap, BOTH),
                               ("Paid only", paid - overlap, PAID)):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker=dict(size=12, color=color),
                                 name=f"{name}: {value:,.0f}"))
    fig.add_trace(go.Scatter(x=[0, d], y=[0, 0], mode="markers", marker=dict(size=1, color="rgba(0,0,0,0)"),
                             text=[f"Organic reach {organic:,.0f}", f"Paid reach {paid:,.0f}"],
                             hovertemplate="%{text}<extra></extra>", showlegend=False))
    lim = max(r1, d + r2) * 1.1
    fig.update_layout(shapes=shapes, showlegend=True, height=320,
                      title="People reached: organic post and paid boost" + (" (overlap estimated)" if estimated else ""),
                      xaxis=dict(visible=False, range=[-r1 * 1.1, lim], scaleanchor="y"),
                      yaxis=dict(visible=False, range=[-max(r1, r2) * 1.1, max(r1, r2) * 1.1]))
    return figure_json(fig)


def paths_sunburst(paths) -> Markup:
    """Conversion paths as a sunburst: the first touch in the centre, each later touch one ring out."""
    ids, labels, parents, values = [], [], [], []
    seen: dict[str, float] = {}
    for p in paths:
        steps = list(p.path)[:5]
        for k in range(len(steps)):
            node = " > ".join(steps[: k + 1])
            seen[node] = seen.get(node, 0.0) + float(p.conversions)
    for node, value in seen.items():
        ids.append(node)
        labels.append(node.rsplit(" > ", 1)[-1].title())
        parents.append(node.rsplit(" > ", 1)[0] if " > " in node else "")
        values.append(value)
    colors = [ORGANIC if lbl.upper().startswith("ORGANIC") else PAID if lbl.upper().startswith("PAID") else "#9aa3b5"
              for lbl in labels]
    fig = go.Figure(go.Sunburst(ids=ids, labels=labels, parents=parents, values=values, branchvalues="total",
                                marker=dict(colors=colors),
                                hovertemplate="%{id}<br>%{value:,.1f} conversions<extra></extra>"))
    fig.update_layout(title="Conversion paths: first touch at the centre, later touches outward", height=380,
                      margin=dict(l=8, r=8, t=48, b=8))
    return figure_json(fig)


def counterfactual_band(start, baseline: float, series, end, with_boost: float, final, metric: str,
                        level: float = 0.9) -> Markup:
    """The post's actual organic total against its organic-only counterfactual over the analysis window,
    the counterfactual's pointwise interval as a filled band (``fill="tonexty"`` between the lower and the
    upper bound), from the analysis start (the post's own total then, ``baseline``); and at the end the
    actual total *with* the boost (organic + paid), the figure the lift is measured on.

    ``series``: the effectiveness service's ``CounterfactualSeriesOut`` (hourly points); without it (an
    older stored result) only the end point ``final`` (estimate / lower / upper) is drawn."""
    if series is not None and series.times:
        x = [start, *series.times]
        est = [baseline, *series.estimate]
        lo = [baseline, *series.lower]
        hi = [baseline, *series.upper]
        act = [(start, baseline)] + [(t, v) for t, v in zip(series.times, series.actual_organic) if v is not None]
    else:
        x = [start, end]
        est = [baseline, final.estimate]
        lo = [baseline, final.estimate if final.lower is None else final.lower]
        hi = [baseline, final.estimate if final.upper is None else final.upper]
        act = [(start, baseline)]
    pct = f"{level * 100:.0f}%"
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=lo, mode="lines", line=dict(width=0, color=ORGANIC),
                             name=f"counterfactual {pct} low", showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=hi, mode="lines", line=dict(width=0, color=ORGANIC),
                             fill="tonexty", fillcolor="rgba(42,157,143,0.20)", name=f"{pct} interval",
                             hovertemplate=f"{pct} interval up to %{{y:,.0f}}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=est, mode="lines", name="Organic only (counterfactual)",
                             line=dict(color=ORGANIC, dash="dash", width=2),
                             hovertemplate="organic only %{y:,.0f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[p[0] for p in act], y=[p[1] for p in act], mode="lines", name="Actual organic",
                             line=dict(color=ORGANIC, width=3), hovertemplate="actual organic %{y:,.0f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[end], y=[with_boost], mode="markers", name="Actual with the boost (organic + paid)",
                             marker=dict(color=PAID, size=11, symbol="diamond"),
                             hovertemplate="with the boost %{y:,.0f}<extra></extra>"))
    fig.update_layout(title=f"{metric.title()}: actual against the organic-only counterfactual",
                      yaxis=dict(title=f"{metric} (total)"), height=340)
    return figure_json(fig)
