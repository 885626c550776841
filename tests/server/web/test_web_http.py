"""The dashboard over HTTP (no browser): sign-in, roles through the API's own dependency, tenancy, HTML
errors, served assets; and the small computations the pages make."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from boostloop.server.web import boost_data
from boostloop.server.web.render import money, pct, period_from
from tests.server.api.conftest import PASSWORD, app, client, fast_argon2, tenancy  # noqa: F401 (fixtures)


def _sign_in(client, email: str, password: str = PASSWORD, next: str = ""):
    return client.post("/sign-in", data={"email": email, "password": password, "next": next}, follow_redirects=False)


def test_sign_in_then_pages_of_own_workspace_only(client, tenancy) -> None:
    r = _sign_in(client, tenancy.emails["OWNER"])
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "boostloop_session" in r.cookies and "boostloop_csrf" in r.cookies
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"].startswith(f"/w/{tenancy.a}/")
    jobs = client.get(f"/w/{tenancy.a}/jobs")
    assert jobs.status_code == 200 and "Run now" in jobs.text and 'name="csrf-token"' in jobs.text
    other = client.get(f"/w/{tenancy.b}/jobs")  # not a member: does not exist for this user
    assert other.status_code == 404 and other.headers["content-type"].startswith("text/html")
    # A POST with the session but without the CSRF header is refused before anything runs.
    assert client.post(f"/w/{tenancy.a}/jobs/notifications/run").status_code == 403
    csrf = client.cookies["boostloop_csrf"]
    run = client.post(f"/w/{tenancy.a}/jobs/notifications/run", headers={"X-CSRF-Token": csrf})
    assert run.status_code == 200 and "notifications" in run.text and 'hx-swap-oob="true"' in run.text


def test_wrong_password_and_open_redirects_are_refused(client, tenancy) -> None:
    r = _sign_in(client, tenancy.emails["OWNER"], password="not-the-password")
    assert r.status_code == 401 and "Wrong e-mail or password" in r.text and "boostloop_session" not in r.cookies
    r = _sign_in(client, tenancy.emails["OWNER"], next="//evil.example/x")
    assert r.headers["location"] == "/"
    r = _sign_in(client, tenancy.emails["OWNER"], next=f"/w/{tenancy.a}/jobs")
    assert r.headers["location"] == f"/w/{tenancy.a}/jobs"


def test_signed_out_pages_redirect_and_htmx_gets_hx_redirect(client, tenancy) -> None:
    r = client.get(f"/w/{tenancy.a}/jobs", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/sign-in?next=/w/{tenancy.a}/jobs"
    r = client.post(f"/w/{tenancy.a}/jobs/snapshots/run", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/sign-in")
    # the API keeps answering problem+json
    r = client.get(f"/api/v1/workspaces/{tenancy.a}/jobs")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role, can_run", [("VIEWER", False), ("MEMBER", False), ("ADMIN", True)])
def test_run_buttons_and_the_forced_action_follow_the_role(client, tenancy, role, can_run) -> None:
    auth = tenancy.auth(role)
    page = client.get(f"/w/{tenancy.a}/jobs", headers=auth)
    assert page.status_code == 200 and ("Run now" in page.text) is can_run
    forced = client.post(f"/w/{tenancy.a}/jobs/notifications/run", headers=auth)
    assert forced.status_code == (200 if can_run else 403)


def test_assets_are_served_by_the_app(client) -> None:
    plotly_js = client.get("/static/vendor/plotly.min.js")
    assert plotly_js.status_code == 200 and "plotly" in plotly_js.text[:2000].lower()
    htmx = client.get("/static/htmx-2.0.4.min.js")
    assert htmx.status_code == 200 and htmx.text.startswith("/* htmx 2.0.4") and "0BSD" in htmx.text[:300]
    assert client.get("/static/app.css").status_code == 200 and client.get("/static/app.js").status_code == 200


def test_response_curve_recovers_a_log_response_and_needs_five_points() -> None:
    budgets = [100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0]
    rois = [0.9 - 0.25 * math.log(b) for b in budgets]  # exact: a = 0.9, b = -0.25
    c = boost_data.response_curve(budgets, rois)
    assert c is not None and c.n == 6
    assert c.a == pytest.approx(0.9, abs=1e-9) and c.b == pytest.approx(-0.25, abs=1e-9) and c.r2 == pytest.approx(1.0)
    assert boost_data.response_curve(budgets[:4], rois[:4]) is None  # below MIN_POINTS_FOR_CURVE
    assert boost_data.response_curve([500.0] * 6, rois) is None  # one budget: no slope to fit
    noisy = boost_data.response_curve(budgets, [r + e for r, e in zip(rois, [0.1, -0.1, 0.1, -0.1, 0.1, -0.1])])
    assert noisy is not None and 0 < noisy.r2 < 1 and np.isfinite(noisy.b)


def test_period_counts_back_from_the_latest_boost_and_formatting() -> None:
    anchor = datetime(2026, 9, 28, 12, tzinfo=UTC)
    p = period_from("30d", anchor)
    assert p.start == datetime(2026, 8, 29, 13, tzinfo=UTC) and p.end == datetime(2026, 9, 28, 13, tzinfo=UTC)
    assert p.contains(anchor) and not p.contains(datetime(2026, 8, 1, tzinfo=UTC))
    assert period_from("bogus", anchor).key == "all" and period_from("7d", None).start is None
    assert money(123456, "USD") == "$1,235" and money(-250, "EUR", 2) == "−€2.50" and money(None) == "—"
    assert pct(0.1234, 1, True) == "+12.3%" and pct(None) == "—"


def test_workspace_switcher_lists_only_own_workspaces_and_goes_there(client, tenancy, engine) -> None:
    from boostloop.enums import Role
    from boostloop.server.db.models import User, Workspace
    from boostloop.server.db.session import session_scope
    from boostloop.server.workspaces import service as ws_service

    with session_scope(engine) as s:
        c = ws_service.create_workspace(s, name="Gamma", slug="gamma")
        ws_service.add_member(s, c, s.get(User, tenancy.users["OWNER"]), Role.VIEWER)
        c_id = c.id
        assert s.get(Workspace, tenancy.b) is not None
    _sign_in(client, tenancy.emails["OWNER"])
    page = client.get(f"/w/{tenancy.a}/jobs").text
    assert f'value="{c_id}"' in page and f'value="{tenancy.a}"' in page and f'value="{tenancy.b}"' not in page
    go = client.get("/go", params={"workspace_id": str(c_id)}, follow_redirects=False)
    assert go.status_code == 303 and go.headers["location"].startswith(f"/w/{c_id}/")
    gamma = client.get(f"/w/{c_id}/jobs")
    assert gamma.status_code == 200 and "Run now" not in gamma.text  # VIEWER there
    assert client.get(f"/go?workspace_id={tenancy.b}").status_code == 404


# --- the effectiveness service on the pages (a small simulated workspace) -------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from fastapi.testclient import TestClient

    from boostloop.cli.serve import DEMO_PASSWORD
    from boostloop.server.app import create_app
    from boostloop.server.settings import Settings
    from tests.server.web.demo_db import build_demo_db

    url = f"sqlite:///{tmp_path_factory.mktemp('web-eff') / 'demo.db'}"
    ws_id, _ = build_demo_db(url, seed=11, scale=0.3)
    app = create_app(Settings(database_url=url, rate_limits_enabled=False, log_json=False, log_level="WARNING"))
    with TestClient(app) as c:
        r = _sign_in(c, "admin@northwind.example", password=DEMO_PASSWORD)
        assert r.status_code == 303
        yield c, ws_id, url


def _text(html: str) -> str:
    import html as h
    import re

    html = re.sub(r"data-figure='[^']*'", "", html)
    return re.sub(r"\s+", " ", h.unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.slow
def test_overview_shows_the_effectiveness_overview(demo) -> None:
    client, ws, url = demo
    page = client.get(f"/w/{ws}/overview?period=all")
    assert page.status_code == 200
    # The page shows the period's boosts (here all of them, as the API's overview) from the same stored results.
    api = client.get(f"/api/v1/workspaces/{ws}/effectiveness/overview").json()
    assert api["analysed_boosts"] >= 3 and api["incremental_conversions"] > 0
    text = _text(page.text)
    # Conversions and incremental conversions in one window, named on the page.
    assert f"Conversions in the analysis windows {api['conversions']:,.0f}" in text
    assert api["window"] in text and api["incremental_conversions"] <= api["conversions"]
    rng = api["incremental_conversions_range"]
    assert f"Incremental conversions {api['incremental_conversions']:,.1f} 90 % range {rng['lower']:,.1f} to {rng['upper']:,.1f}" in text
    assert f"Cost per incremental conversion {money(api['cost_per_incremental_conversion_cents'], 'USD', 2)}" in text
    assert f"Same results without boosts {money(api['cost_without_boosts_cents'], 'USD')}" in text
    assert "Cost per paid-only conversion" not in text  # the stand-in is gone
    # ... and the values are the service's own (recomputed here without the cache; same data, same clock hour).
    from boostloop.server.db.session import create_db_engine, session_scope
    from boostloop.server.effectiveness import service

    engine = create_db_engine(url)
    with session_scope(engine) as s:
        direct = service.overview(s, uuid_of(ws), now=datetime.now(UTC))
    engine.dispose()
    assert direct.incremental_conversions == pytest.approx(api["incremental_conversions"], rel=0.02)
    assert direct.cost_without_boosts_cents == pytest.approx(api["cost_without_boosts_cents"], rel=0.02)
    # cost per incremental conversion = spend / incremental conversions (the definition, checked by hand)
    assert api["cost_per_incremental_conversion_cents"] == pytest.approx(
        api["total_spend_cents"] / api["incremental_conversions"])


def uuid_of(value):
    import uuid

    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


@pytest.mark.slow
def test_boosts_table_and_detail_show_the_effectiveness_score(demo) -> None:
    import json
    import re

    client, ws, _ = demo
    page = client.get(f"/w/{ws}/boosts?period=all")
    assert page.status_code == 200 and "Effectiveness score" in page.text
    rows = re.findall(r'<tr><th scope="row"><a href="/w/[^/]+/boosts/([0-9a-f-]{36})">(.*?)</tr>', page.text, re.S)
    scored = []
    for boost_id, body in rows:
        m = re.search(r'<td class="n score"><strong>(\d+)</strong> <span class="small">(\d+)–(\d+)</span>', body)
        assert m or "not analysed yet" in body  # a boost that starts after now has no analysis yet
        if m:
            scored.append((boost_id, m.groups()))
    overview = client.get(f"/api/v1/workspaces/{ws}/effectiveness/overview").json()
    assert len(scored) == overview["analysed_boosts"] >= 3
    for boost_id, (score, lo, hi) in scored[:3]:
        eff = client.get(f"/api/v1/workspaces/{ws}/effectiveness/boosts/{boost_id}").json()
        assert int(score) == round(eff["score"]["score"]) and int(lo) <= int(score) <= int(hi)
        assert 0 <= int(lo) and int(hi) <= 100
    # Boost detail: the score, its breakdown, the confidence and the counterfactual band from the same analysis.
    boost_id = scored[0][0]
    detail = client.get(f"/w/{ws}/boosts/{boost_id}")
    assert detail.status_code == 200
    eff = client.get(f"/api/v1/workspaces/{ws}/effectiveness/boosts/{boost_id}").json()  # the page's cache entry
    text = _text(detail.text)
    assert f"Effectiveness score {eff['score']['score']:,.0f} / 100" in text
    assert f'id="detail-confidence">{eff["confidence"]["level"].lower()}<' in detail.text
    for comp in eff["score"]["components"]:
        assert comp["explanation"] in text
    # the weighted points add up to the score (each component's points x its effective weight)
    assert sum(c["points"] * c["effective_weight"] for c in eff["score"]["components"] if c["points"] is not None) \
        == pytest.approx(eff["score"]["score"], abs=0.5)
    fig = json.loads(re.search(r"id=\"detail-counterfactual\"[^>]*data-figure='([^']*)'", detail.text).group(1))
    cf = next(c for c in eff["counterfactuals"] if c["metric"] == "impressions")
    low, high, organic, actual, with_boost = fig["data"]
    ser = cf["series"]
    assert high["fill"] == "tonexty"  # the band: filled between the lower and the upper bound
    assert low["y"] == [cf["baseline"], *ser["lower"]] and high["y"] == [cf["baseline"], *ser["upper"]]
    assert organic["y"] == [cf["baseline"], *ser["estimate"]] and len(organic["y"]) > 2  # the hourly series
    assert organic["y"][-1] == cf["counterfactual"]["estimate"]
    assert (low["y"][-1], high["y"][-1]) == (cf["counterfactual"]["lower"], cf["counterfactual"]["upper"])
    assert actual["y"] == [cf["baseline"], *(v for v in ser["actual_organic"] if v is not None)]
    assert with_boost["y"] == [cf["with_boost"]]
    assert all(lo <= e <= hi for lo, e, hi in zip(low["y"], organic["y"], high["y"]))


@pytest.mark.slow
def test_boosts_table_sorts_by_effectiveness_score(demo) -> None:
    import re

    client, ws, _ = demo

    def scores(q):
        page = client.get(f"/w/{ws}/boosts?period=all&sort=score{q}")
        assert page.status_code == 200 and 'aria-sort="' in page.text
        return [int(x) for x in re.findall(r'<td class="n score"><strong>(\d+)</strong>', page.text)]

    best_first, worst_first = scores(""), scores("&dir=asc")
    assert len(best_first) >= 3 and best_first == sorted(best_first, reverse=True)
    assert worst_first == sorted(worst_first)
