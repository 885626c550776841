"""Experiments: variants side by side, lift with its interval, p-value, chance to win, safe to stop, winner
(``boostloop.server.experiments.service.analyse_experiment``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from boostloop.enums import ExperimentStatus
from boostloop.errors import BoostloopError
from boostloop.server.api.deps import CanRead, DbSession
from boostloop.server.experiments import service
from boostloop.server.web import charts
from boostloop.server.web.render import page

router = APIRouter(prefix="/w/{workspace_id}", include_in_schema=False)


def _view(session, access, experiment) -> dict:
    view = {"e": experiment, "analysis": None, "error": None, "chart": None}
    if experiment.status == ExperimentStatus.DRAFT:
        return view
    try:
        a = service.analyse_experiment(session, access.workspace_id, experiment.id)
    except BoostloopError as exc:
        view["error"] = exc.detail
        return view
    view["analysis"] = a
    rows = [c for c in a.comparisons if c.relative.defined]
    if rows:
        view["chart"] = charts.lift_intervals(
            [c.variant for c in rows], [c.relative.estimate for c in rows], [c.relative.ci_low for c in rows],
            [c.relative.ci_high for c in rows], f"Lift in {a.primary_metric.replace('_', ' ')} vs control",
            colors=[charts.PAID if c.direction < 0 and c.significant else
                    (charts.ORGANIC if c.significant else charts.NEUTRAL) for c in rows])
    # Safe to stop: a sequential (always-valid) test may stop whenever it has a winner; otherwise only once
    # every variant has its planned minimum sample (stopping earlier inflates false positives).
    view["safe_to_stop"] = a.status == "WINNER" or (a.min_sample_reached and not a.sequential)
    return view


@router.get("/experiments")
def experiments_page(request: Request, access: CanRead, session: DbSession) -> HTMLResponse:
    views = [_view(session, access, e) for e in service.list_experiments(session, access.workspace_id)]
    return page(request, "experiments.html", access, session, "experiments", title="Experiments", views=views)
