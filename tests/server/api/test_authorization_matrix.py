"""Every workspace endpoint x every role x own / other workspace, plus a removed member's token,
a revoked token and no token (SQLite, and PostgreSQL when configured).

Expected: own workspace → success when the role is high enough, else 403; another workspace → 404 for
every role; a removed member's token → 404 on the workspace it was removed from; no / revoked token → 401.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from boostloop.enums import InsightCategory, InsightSeverity, InsightType, Role
from boostloop.server.auth import service as auth
from boostloop.server.boosts import service as boosts
from boostloop.server.db.models import BoostInsight, Membership, NotificationChannel, User, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.experiments import service as experiments
from boostloop.server.notifications import service as notify
from boostloop.server.workspaces import service as ws_service
from tests.server.boosts import factories

ROLES = [Role.VIEWER, Role.MEMBER, Role.ADMIN, Role.OWNER]


@dataclass
class Case:
    method: str
    path: str  # {ws} and the names the setup returns
    need: Role
    ok: int
    body: Callable[[dict], dict] | None = None
    setup: Callable[..., dict] | None = None
    form: Callable[[dict], tuple[dict, dict]] | None = None  # multipart (data, files)


def _fresh_member(engine, ws_id):
    with session_scope(engine) as s:
        u = auth.create_user(s, email=f"m-{uuid.uuid4().hex[:8]}@example.com")
        ws_service.add_member(s, s.get(Workspace, ws_id), u, Role.VIEWER)
        return {"user": u.id}


def _fresh_user(engine, ws_id):
    with session_scope(engine) as s:
        return {"email": auth.create_user(s, email=f"n-{uuid.uuid4().hex[:8]}@example.com").email}


def _fresh_channel(engine, ws_id):
    with session_scope(engine) as s:
        return {"channel": notify.create_channel(s, ws_id, kind="WEBHOOK", url="http://127.0.0.1:9/hook").id}


def _post(engine, ws_id):
    with session_scope(engine) as s:
        ws = s.get(Workspace, ws_id)
        acc = factories.account(s, ws)
        return {"post": factories.post(s, acc).id, "campaign": factories.campaign(s, ws).id}


def _boost(engine, ws_id):
    ids = _post(engine, ws_id)
    with session_scope(engine) as s:
        b = boosts.create_boost(s, ws_id, post_id=ids["post"], boosted_at=factories.T0, boosted_by="x", reason="",
                                strategy="reach", targeting=None, budget_cents=100, duration_days=2)
        return ids | {"boost": b.id}


def _insight(engine, ws_id):
    with session_scope(engine) as s:
        row = BoostInsight(workspace_id=ws_id, insight_type=InsightType.PATTERN, category=InsightCategory.TIMING,
                           severity=InsightSeverity.HIGH, title="t", description="d", data_points={}, impact=0.5,
                           fingerprint=uuid.uuid4().hex, period_start=factories.T0, period_end=factories.T0)
        s.add(row)
        s.flush()
        return {"insight": row.id}


DESIGN = {"name": "e", "dimension": "TIMING", "assignment_seed": 1,
          "variants": [{"name": "a", "strategy": {"start_hour": 8}, "is_control": True},
                       {"name": "b", "strategy": {"start_hour": 19}}]}


def _experiment(engine, ws_id, *, running: bool = False):
    with session_scope(engine) as s:
        e = experiments.create_experiment(s, ws_id, DESIGN)
        if running:
            experiments.start_experiment(s, ws_id, e.id)
        return {"experiment": e.id}


def _running_experiment(engine, ws_id):
    return _experiment(engine, ws_id, running=True)


def _experiment_and_boost(engine, ws_id):
    return _experiment(engine, ws_id) | _boost(engine, ws_id)


def _recommendation(engine, ws_id):
    from datetime import UTC, datetime, timedelta

    from boostloop.enums import RecommendationType
    from boostloop.server.db.models import BoostRecommendation

    ids = _post(engine, ws_id)
    with session_scope(engine) as s:
        row = BoostRecommendation(
            workspace_id=ws_id, suggested_post_id=ids["post"], recommendation_type=RecommendationType.BOOST_TRENDING,
            confidence=0.8, priority=1, suggested_budget_cents=100, suggested_duration_days=1,
            suggested_timing=datetime.now(UTC), suggested_targeting={}, projected_reach=1, projected_conversions=1,
            projected_roi=0.1, confidence_interval={}, reason="r", supporting_data={}, fingerprint=uuid.uuid4().hex,
            expires_at=datetime.now(UTC) + timedelta(days=1))
        s.add(row)
        s.flush()
        return ids | {"recommendation": row.id}


EVENT = {"client_event_id": "matrix-1", "event_type": "VIEW", "touchpoint_type": "ORGANIC", "platform": "FACEBOOK",
         "occurred_at": "2026-10-01T09:00:00Z", "user_id": "u-1"}
CONTENT = {"accounts": [{"platform": "FACEBOOK", "platform_account_id": "matrix"}]}
# one day of a Meta Ads export (idempotent: the second upload changes nothing)
CSV = b"".join((Path(__file__).resolve().parents[3] / "samples" / "meta_ads_campaigns_daily.csv")
               .read_bytes().splitlines(keepends=True)[:2])
BOOST_BODY = {"boosted_at": factories.T0.isoformat(), "boosted_by": "x", "strategy": "reach", "budget_cents": 100,
              "duration_days": 1}
WS = "/api/v1/workspaces/{ws}"

CASES = [
    Case("GET", "/api/v1/workspaces/{ws}", Role.VIEWER, 200),
    Case("PATCH", "/api/v1/workspaces/{ws}", Role.ADMIN, 200, body=lambda c: {"name": "Renamed"}),
    Case("GET", "/api/v1/workspaces/{ws}/members", Role.VIEWER, 200),
    Case("POST", "/api/v1/workspaces/{ws}/members", Role.ADMIN, 201,
         body=lambda c: {"email": c["email"], "role": "VIEWER"}, setup=_fresh_user),
    Case("PATCH", "/api/v1/workspaces/{ws}/members/{user}", Role.ADMIN, 200, body=lambda c: {"role": "MEMBER"},
         setup=_fresh_member),
    Case("DELETE", "/api/v1/workspaces/{ws}/members/{user}", Role.ADMIN, 204, setup=_fresh_member),
    Case("GET", "/api/v1/workspaces/{ws}/jobs", Role.VIEWER, 200),
    Case("GET", "/api/v1/workspaces/{ws}/jobs/runs", Role.VIEWER, 200),
    Case("POST", "/api/v1/workspaces/{ws}/jobs/notifications/runs", Role.ADMIN, 200),
    Case("GET", "/api/v1/workspaces/{ws}/notifications/channels", Role.VIEWER, 200),
    Case("POST", "/api/v1/workspaces/{ws}/notifications/channels", Role.ADMIN, 201,
         body=lambda c: {"kind": "EMAIL", "recipients": ["ops@example.com"]}),
    Case("PATCH", "/api/v1/workspaces/{ws}/notifications/channels/{channel}", Role.ADMIN, 200,
         body=lambda c: {"enabled": False}, setup=_fresh_channel),
    Case("DELETE", "/api/v1/workspaces/{ws}/notifications/channels/{channel}", Role.ADMIN, 204,
         setup=_fresh_channel),
    Case("GET", "/api/v1/workspaces/{ws}/notifications/deliveries", Role.VIEWER, 200),
    # boosts
    Case("GET", WS + "/boosts", Role.VIEWER, 200),
    Case("POST", WS + "/boosts", Role.MEMBER, 201, body=lambda c: BOOST_BODY | {"post_id": str(c["post"])},
         setup=_post),
    Case("GET", WS + "/boosts/{boost}", Role.VIEWER, 200, setup=_boost),
    Case("POST", WS + "/boosts/{boost}/status", Role.MEMBER, 200, body=lambda c: {"status": "PAUSED"}, setup=_boost),
    Case("PUT", WS + "/boosts/{boost}/campaign", Role.MEMBER, 200,
         body=lambda c: {"campaign_id": str(c["campaign"])}, setup=_boost),
    # ingest
    Case("POST", WS + "/ingest/content", Role.MEMBER, 200, body=lambda c: CONTENT),
    Case("POST", WS + "/ingest/campaigns", Role.MEMBER, 200, body=lambda c: {"campaigns": []}),
    Case("POST", WS + "/ingest/files", Role.MEMBER, 200,
         form=lambda c: ({"kind": "meta-ads-csv"}, {"file": ("t.csv", CSV, "text/csv")})),
    Case("POST", WS + "/ingest/events", Role.MEMBER, 200, body=lambda c: {"events": [EVENT]}),
    # attribution
    Case("GET", WS + "/attribution/report?n_boot=0", Role.VIEWER, 200),
    Case("GET", WS + "/attribution/paths", Role.VIEWER, 200),
    Case("GET", WS + "/attribution/boosts/{boost}", Role.VIEWER, 200, setup=_boost),
    # recommendations
    Case("GET", WS + "/recommendations", Role.VIEWER, 200),
    Case("POST", WS + "/recommendations/{recommendation}/apply", Role.ADMIN, 200, setup=_recommendation),
    Case("POST", WS + "/recommendations/{recommendation}/dismiss", Role.MEMBER, 200, setup=_recommendation),
    Case("POST", WS + "/recommendations/generate", Role.ADMIN, 200),
    # insights
    Case("GET", WS + "/insights", Role.VIEWER, 200),
    Case("POST", WS + "/insights/{insight}/acknowledge", Role.MEMBER, 200, setup=_insight),
    # experiments
    Case("GET", WS + "/experiments", Role.VIEWER, 200),
    Case("POST", WS + "/experiments", Role.MEMBER, 201, body=lambda c: DESIGN),
    Case("GET", WS + "/experiments/{experiment}", Role.VIEWER, 200, setup=_experiment),
    Case("GET", WS + "/experiments/{experiment}/analysis", Role.VIEWER, 200, setup=_experiment),
    Case("POST", WS + "/experiments/{experiment}/assignments", Role.MEMBER, 200,
         body=lambda c: {"boost_ids": [str(c["boost"])]}, setup=_experiment_and_boost),
    Case("POST", WS + "/experiments/{experiment}/start", Role.MEMBER, 200, setup=_experiment),
    Case("PUT", WS + "/experiments/{experiment}/results", Role.MEMBER, 200,
         body=lambda c: {"variants": {"a": {"exposures": 10, "conversions": 1}}}, setup=_running_experiment),
    Case("POST", WS + "/experiments/{experiment}/stop", Role.MEMBER, 200, setup=_running_experiment),
    # no results yet: authorised callers reach the rule "no winner, nothing concluded" (409)
    Case("POST", WS + "/experiments/{experiment}/conclude", Role.MEMBER, 409, setup=_running_experiment),
    # privacy
    Case("POST", WS + "/privacy/erasures", Role.ADMIN, 200, body=lambda c: {"user_id": "u-1"}),
    Case("POST", WS + "/privacy/opt-outs", Role.ADMIN, 200, body=lambda c: {"user_id": "u-1"}),
    # last: it deletes workspace A
    Case("DELETE", "/api/v1/workspaces/{ws}", Role.OWNER, 204),
]


def _call(client, engine, case: Case, ws_id: uuid.UUID, setup_ws: uuid.UUID, headers: dict):
    ctx = case.setup(engine, setup_ws) if case.setup else {}
    path = case.path.format(ws=ws_id, **ctx)
    if case.form:
        data, files = case.form(ctx)
        return client.request(case.method, path, data=data, files=files, headers=headers)
    body = case.body(ctx) if case.body else None
    return client.request(case.method, path, json=body, headers=headers)


def test_every_endpoint_every_role_own_and_other_workspace(client, engine, tenancy) -> None:
    with session_scope(engine) as s:  # a revoked token of the OWNER
        owner = s.get(User, tenancy.users["OWNER"])
        row, revoked = auth.create_token(s, owner, name="revoked")
        auth.revoke_token(s, owner.id, row.id)
    seen: list[tuple] = []
    for case in CASES:
        for role in ROLES:
            if case.method == "DELETE" and case.path == "/api/v1/workspaces/{ws}" and role == Role.OWNER:
                continue  # done once at the very end
            r = _call(client, engine, case, tenancy.a, tenancy.a, tenancy.auth(role.value))
            want = case.ok if role.at_least(case.need) else 403
            assert r.status_code == want, (case.method, case.path, role, r.status_code, r.text)
            seen.append((case.method, case.path, role.value, "own", r.status_code))
            if r.status_code >= 400:
                assert r.headers["content-type"] == "application/problem+json"
                assert r.json()["status"] == r.status_code
            # the same caller on another workspace: it does not exist for them
            r = _call(client, engine, case, tenancy.b, tenancy.a, tenancy.auth(role.value))
            assert r.status_code == 404, (case.method, case.path, role, "other", r.text)
            seen.append((case.method, case.path, role.value, "other", r.status_code))
        for who, want in (("removed", 404), ("outsider", 404)):
            r = _call(client, engine, case, tenancy.a, tenancy.a, tenancy.auth(who))
            assert r.status_code == want, (case.method, case.path, who, r.text)
        r = _call(client, engine, case, tenancy.a, tenancy.a, {})
        assert r.status_code == 401, (case.method, case.path, "anonymous", r.text)
        assert r.headers.get("www-authenticate") == "Bearer"
        r = _call(client, engine, case, tenancy.a, tenancy.a, {"Authorization": f"Bearer {revoked}"})
        assert r.status_code == 401, (case.method, case.path, "revoked", r.text)
    # finally the OWNER deletes workspace A, and everything in it is gone
    r = client.delete(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("OWNER"))
    assert r.status_code == 204, r.text
    with session_scope(engine) as s:
        assert s.get(Workspace, tenancy.a) is None
        assert s.scalar(sa.select(sa.func.count()).select_from(Membership).where(Membership.workspace_id == tenancy.a)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(NotificationChannel)
                        .where(NotificationChannel.workspace_id == tenancy.a)) == 0
    assert client.get(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("OWNER")).status_code == 404
    assert len(seen) == (len(CASES) * 4 - 1) * 2


def test_other_workspace_resources_answer_404_even_through_own_workspace_path(client, engine, tenancy) -> None:
    """The outsider owns B; A's channel and A's member addressed under B's path do not exist."""
    ch = _fresh_channel(engine, tenancy.a)["channel"]
    h = tenancy.auth("outsider")
    assert client.patch(f"/api/v1/workspaces/{tenancy.b}/notifications/channels/{ch}", json={"enabled": False},
                        headers=h).status_code == 404
    assert client.delete(f"/api/v1/workspaces/{tenancy.b}/notifications/channels/{ch}", headers=h).status_code == 404
    assert client.patch(f"/api/v1/workspaces/{tenancy.b}/members/{tenancy.users['VIEWER']}", json={"role": "ADMIN"},
                        headers=h).status_code == 404
    with session_scope(engine) as s:
        assert s.get(NotificationChannel, ch).enabled is True


def test_token_limited_to_a_workspace_cannot_reach_another(client, engine, tenancy) -> None:
    with session_scope(engine) as s:
        # the outsider joins A too, but their new token is limited to B
        ws_service.add_member(s, s.get(Workspace, tenancy.a), s.get(User, tenancy.users["outsider"]), Role.VIEWER)
        _, token = auth.create_token(s, s.get(User, tenancy.users["outsider"]), workspace_id=tenancy.b)
    h = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/workspaces/{tenancy.b}", headers=h).status_code == 200
    assert client.get(f"/api/v1/workspaces/{tenancy.a}", headers=h).status_code == 404
    assert [w["id"] for w in client.get("/api/v1/workspaces", headers=h).json()] == [str(tenancy.b)]
    # the unlimited token of the same user sees both
    assert client.get(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("outsider")).status_code == 200


def test_only_owners_make_owners_and_the_last_owner_stays(client, tenancy) -> None:
    a = tenancy.a
    r = client.patch(f"/api/v1/workspaces/{a}/members/{tenancy.users['MEMBER']}", json={"role": "OWNER"},
                     headers=tenancy.auth("ADMIN"))
    assert r.status_code == 403
    r = client.delete(f"/api/v1/workspaces/{a}/members/{tenancy.users['OWNER']}", headers=tenancy.auth("ADMIN"))
    assert r.status_code == 403
    r = client.patch(f"/api/v1/workspaces/{a}/members/{tenancy.users['OWNER']}", json={"role": "ADMIN"},
                     headers=tenancy.auth("OWNER"))
    assert r.status_code == 409 and "at least one OWNER" in r.json()["detail"]
    r = client.patch(f"/api/v1/workspaces/{a}/members/{tenancy.users['ADMIN']}", json={"role": "OWNER"},
                     headers=tenancy.auth("OWNER"))
    assert r.status_code == 200 and r.json()["role"] == "OWNER"
    # now there are two owners, the first may step down
    r = client.patch(f"/api/v1/workspaces/{a}/members/{tenancy.users['OWNER']}", json={"role": "VIEWER"},
                     headers=tenancy.auth("OWNER"))
    assert r.status_code == 200
    assert client.delete(f"/api/v1/workspaces/{a}", headers=tenancy.auth("OWNER")).status_code == 403
