"""Jobs: the schedule, the last runs and their outcome; run now (ADMIN; the API's own trigger)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from boostloop.server.api.deps import CanAdminExpensive, CanRead, DbSession
from boostloop.server.jobs import endpoints as jobs_api
from boostloop.server.web.render import env, page

router = APIRouter(prefix="/w/{workspace_id}", include_in_schema=False)


def _runs(access, session):
    return jobs_api.list_runs(access, session, job_name=None, status=None, limit=30, cursor=None).items


@router.get("/jobs")
def jobs_page(request: Request, access: CanRead, session: DbSession) -> HTMLResponse:
    return page(request, "jobs.html", access, session, "jobs", title="Jobs", jobs=jobs_api.list_jobs(access),
                runs=_runs(access, session))


@router.post("/jobs/{job_name}/run")
def run_job(job_name: str, request: Request, access: CanAdminExpensive, session: DbSession) -> HTMLResponse:
    out = jobs_api.trigger(job_name, access, session, request)
    runs = _runs(access, session)
    html = env.get_template("jobs_result.html").render(out=out, runs=runs)
    return HTMLResponse(html)
