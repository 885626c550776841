"""Recommendations: confidence, projections with intervals, the reason and its data; apply (ADMIN, after a
confirmation showing the boost that will be created) and dismiss (MEMBER) through the learning service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from boostloop.enums import RecommendationStatus
from boostloop.server.api.deps import CanAdmin, CanRead, CanWrite, DbSession
from boostloop.server.web.render import env, page

router = APIRouter(prefix="/w/{workspace_id}", include_in_schema=False)


def _confidence_level(c: float) -> str:  # the learning module's definition (thresholds and their reason there)
    from boostloop.server.learning.recommendations import confidence_level

    return confidence_level(c)


env.filters["confidence_level"] = _confidence_level


def _repo():
    from boostloop.server.learning import repository

    return repository


def _card(request: Request, access, rec, *, confirm: bool = False, message: str | None = None) -> HTMLResponse:
    from boostloop.enums import Role

    html = env.get_template("rec_card.html").render(
        r=rec, confirm=confirm, message=message, cur=access.workspace.currency, base=f"/w/{access.workspace.id}",
        is_admin=access.role.at_least(Role.ADMIN), can_write=access.role.at_least(Role.MEMBER))
    return HTMLResponse(html)


def _get(session, access, rec_id: uuid.UUID):
    from boostloop.errors import NotFound

    rec = _repo().recommendation(session, access.workspace_id, rec_id)
    if rec is None:
        raise NotFound(f"recommendation {rec_id} not found")
    return rec


@router.get("/recommendations")
def recommendations_page(request: Request, access: CanRead, session: DbSession, status: str | None = "PENDING") -> HTMLResponse:
    from boostloop.enums import Role

    st = RecommendationStatus(status) if status in RecommendationStatus.__members__ else None
    recs = sorted(_repo().recommendations(session, access.workspace_id, st),
                  key=lambda r: (r.status != RecommendationStatus.PENDING, r.priority, -r.confidence))
    return page(request, "recommendations.html", access, session, "recommendations", title="Recommendations",
                recs=recs, status=st.value if st else "", statuses=list(RecommendationStatus),
                can_write=access.role.at_least(Role.MEMBER))


@router.get("/recommendations/{rec_id}/confirm")
def confirm_apply(rec_id: uuid.UUID, request: Request, access: CanAdmin, session: DbSession) -> HTMLResponse:
    return _card(request, access, _get(session, access, rec_id), confirm=True)


@router.get("/recommendations/{rec_id}/card")
def card(rec_id: uuid.UUID, request: Request, access: CanRead, session: DbSession) -> HTMLResponse:
    return _card(request, access, _get(session, access, rec_id))


@router.post("/recommendations/{rec_id}/apply")
def apply(rec_id: uuid.UUID, request: Request, access: CanAdmin, session: DbSession) -> HTMLResponse:
    from boostloop.server.learning import service

    rec = service.apply_recommendation(session, access.workspace_id, rec_id, user_id=access.user.id,
                                       now=datetime.now(UTC))
    return _card(request, access, rec, message="Applied: the boost was created.")


@router.post("/recommendations/{rec_id}/dismiss")
def dismiss(rec_id: uuid.UUID, request: Request, access: CanWrite, session: DbSession) -> HTMLResponse:
    from boostloop.server.learning import service

    rec = service.dismiss_recommendation(session, access.workspace_id, rec_id, datetime.now(UTC))
    return _card(request, access, rec, message="Dismissed.")
