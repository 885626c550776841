"""The dashboard in Chromium: PLAN.md's E2E scenarios (as far as their services are installed), roles,
no console errors, nothing leaving 127.0.0.1, every chart with data, and a screenshot of each page."""

from __future__ import annotations

import importlib.util
import re

import pytest

from boostloop.analytics.learning.confidence import CONFIDENCE_HIGH
from tests.server.web.conftest import charts_of, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


# Every visible form control has a label (label[for], a wrapping label, aria-label or aria-labelledby).
UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll('select, input:not([type=hidden]), textarea'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 80))"""


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _nav(page) -> list[tuple[str, str]]:
    return [(a.inner_text().strip(), a.get_attribute("href")) for a in page.query_selector_all("nav.mainnav a")]


def test_every_page_renders_its_charts_with_data_and_stays_local(admin, live_app):
    page, watch = admin
    nav = _nav(page)
    labels = [label for label, _ in nav]
    assert "Jobs" in labels and "Experiments" in labels
    if _has("boostloop.server.boosts.service"):
        assert {"Overview", "Boosts"} <= set(labels)
    for label, href in nav:
        page.goto(live_app.base_url + href)
        assert page.locator("h1").first.is_visible()
        charts = charts_of(page)
        assert all(c["rendered"] and c["traces"] > 0 and c["points"] > 0 for c in charts), (label, charts)
        assert page.evaluate(UNLABELLED_CONTROLS) == [], label
        assert page.locator("main#main").count() == 1 and page.locator("a.skip-link").count() == 1
        assert page.locator("nav.mainnav a[aria-current=page]").inner_text().strip() == label
        assert page.locator("thead th:not([scope])").count() == 0, label  # header cells say what they head
        if label == "Overview":  # the effectiveness overview replaces the paid-only stand-in
            eff = page.locator("#overview-effectiveness")
            assert eff.is_visible()
            values = [v.inner_text() for v in eff.locator(".stat-value").all()]
            assert len(values) == 5 and all(re.search(r"\d", v) for v in values), values
        shot(page, f"admin-{label.lower()}")
    # a boost detail page too
    if _has("boostloop.server.boosts.service"):
        page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/boosts?sort=roi")
        page.locator("#boost-results tbody th a").first.click()
        page.wait_for_url(re.compile(r"/boosts/[0-9a-f-]{36}$"))
        charts = charts_of(page)
        assert charts and all(c["points"] > 0 for c in charts), charts
        by_id = {c["id"]: c for c in charts}
        # actual against the organic-only counterfactual: band low + band high (filled) + counterfactual +
        # actual organic over the window, and the end point with the boost
        assert by_id["detail-counterfactual"]["rendered"] and by_id["detail-counterfactual"]["traces"] == 5
        assert by_id["detail-counterfactual"]["points"] > 3 * 3 + 1  # hourly series, not two-point lines
        assert re.fullmatch(r"\d+ / 100", page.locator("#detail-effectiveness .stat-value").first.inner_text().strip())
        assert page.locator("#detail-confidence").inner_text().strip() in {"low", "medium", "high"}
        assert page.locator("#detail-score tbody tr").count() >= 3  # the score's breakdown
        shot(page, "admin-boost-detail")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(live_app.base_url + nav[0][1])
    charts_of(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
    shot(page, "mobile-" + nav[0][0].lower())
    assert watch.console_errors == []
    assert watch.external == []
    assert watch.requests and all(u.startswith(live_app.base_url) for u in watch.requests)
    assert any(u.endswith("/static/vendor/plotly.min.js") for u in watch.requests)


@pytest.mark.skipif(not _has("boostloop.server.boosts.service"), reason="boosts service not installed")
def test_scenario_effectiveness_of_three_boosted_posts(admin, live_app):
    """PLAN.md: an admin with (at least) three boosted posts sees effectiveness metrics, organic vs paid
    charts and ROI for each."""
    page, watch = admin
    page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/boosts?period=all&sort=roi")
    rows = page.locator("#boost-results tbody tr")
    assert rows.count() >= 3
    roi_header = page.locator("#boost-results thead th[aria-sort]")
    assert "ROI" in roi_header.inner_text()
    links = [rows.nth(k).locator("th a").get_attribute("href") for k in range(3)]
    for k, href in enumerate(links):
        cells = rows.nth(k).locator("td")
        assert re.search(r"[+−-]?\d", cells.nth(7).inner_text())  # ROI column has a number
        assert re.match(r"\d+ \d+–\d+ (low|medium|high)$", cells.nth(9).inner_text().strip())  # effectiveness score
        page.goto(live_app.base_url + href)
        assert page.get_by_text("ROI", exact=True).first.is_visible()
        assert page.locator("#detail-over-time").count() == 1  # organic vs paid over time
        charts = {c["id"]: c for c in charts_of(page)}
        assert charts["detail-over-time"]["traces"] == 2 and charts["detail-over-time"]["points"] > 0
        page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/boosts?period=all&sort=roi")
        rows = page.locator("#boost-results tbody tr")
    # sorting and filtering update the table in place (htmx) and keep the URL shareable
    page.locator("#boost-results thead th a", has_text="Cost per result").click()
    page.wait_for_url(re.compile(r"sort=cost_per_result"))
    platform = page.locator("#f-platform option").nth(1).get_attribute("value")
    page.select_option("#f-platform", platform)
    page.wait_for_url(re.compile(f"platform={platform}"))
    assert all(c.inner_text().upper() == platform for c in page.locator("#boost-results tbody td:nth-of-type(1)").all())
    assert watch.console_errors == [] and watch.external == []


@pytest.mark.skipif(not _has("boostloop.server.boosts.service"), reason="boosts service not installed")
def test_scenario_attribution_breakdown_of_a_boost_with_conversions(admin, live_app):
    page, watch = admin
    page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/boosts?period=all&sort=roi")
    rows = page.locator("#boost-results tbody tr").all()
    # "a boost campaign with conversions": the first row whose organic / both / paid counts are not all zero
    with_conv = next(r for r in rows if r.locator("td").count() > 5 and
                     sum(float(x) for x in r.locator("td").nth(5).inner_text().replace(",", "").split(" / ")) > 0)
    with_conv.locator("th a").click()
    page.wait_for_url(re.compile(r"/boosts/[0-9a-f-]{36}$"))
    charts = {c["id"]: c for c in charts_of(page)}
    assert "detail-split" in charts and charts["detail-split"]["traces"] == 3  # organic / both / paid
    assert "detail-venn" in charts
    if _has("boostloop.server.attribution.service"):
        assert "detail-paths" in charts and charts["detail-paths"]["points"] > 0
        page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/attribution")
        page.locator("#attribution-models").wait_for()
        assert page.locator("#attribution-models tbody tr").count() >= 6  # every model side by side
        charts = charts_of(page)
        assert any(c["id"] == "attribution-chart" and c["points"] > 0 for c in charts)
    shot(page, "scenario-attribution")
    assert watch.console_errors == [] and watch.external == []


@pytest.mark.skipif(not _has("boostloop.server.learning.service"), reason="learning service not installed")
def test_scenario_apply_a_high_confidence_recommendation(admin, live_app):
    """PLAN.md: applying a high-confidence recommendation creates a boost, shows it among active boosts and
    marks the recommendation Applied. "High" is the product's own level (``analytics.learning.confidence``),
    earned by the browser-test world's data (``demo_db.browser_world``), never inserted by hand."""
    page, watch = admin
    page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/recommendations?status=PENDING")
    high = page.locator("[data-testid=recommendation][data-confidence=high]")
    assert high.count() >= 1, [c.get_attribute("data-confidence-value")
                               for c in page.locator("[data-testid=recommendation]").all()]
    card = page.locator("#" + high.first.get_attribute("id"))
    assert float(card.get_attribute("data-confidence-value")) >= CONFIDENCE_HIGH
    assert "high confidence" in card.locator(".meta").inner_text()
    card.locator("button", has_text="Apply recommendation").click()
    confirm = card.locator(".confirm")
    confirm.wait_for()
    assert "will create" in confirm.inner_text().lower()
    confirm.locator("button", has_text="Create the boost").click()
    card.locator(".badge.applied").wait_for()
    boost_href = card.locator("a", has_text="See the boost it created").get_attribute("href")
    assert re.search(r"/boosts/[0-9a-f-]{36}$", boost_href)
    shot(page, "scenario-recommendation-applied")
    # the boost it created is among the active boosts, marked as recommended
    page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/boosts?status=ACTIVE&sort=boosted_at")
    row = page.locator("#boost-results tbody tr", has=page.locator(f"th a[href='{boost_href}']"))
    assert row.count() == 1 and "recommended" in row.inner_text()
    # and the recommendation is listed as Applied
    page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/recommendations?status=APPLIED")
    applied = page.locator("[data-testid=recommendation]", has=page.locator(f"a[href='{boost_href}']"))
    assert applied.count() == 1 and applied.locator(".badge.applied").count() == 1
    assert watch.console_errors == [] and watch.external == []


def test_viewer_sees_no_action_buttons_and_the_server_refuses_forced_actions(viewer, live_app):
    page, watch = viewer
    assert "Viewer" in page.locator(".who").inner_text()
    page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/jobs")
    assert page.locator("button", has_text="Run now").count() == 0
    shot(page, "viewer-jobs")
    for label, href in _nav(page):
        page.goto(live_app.base_url + href)
        for text in ("Run now", "Apply recommendation", "Make default"):  # the ADMIN actions
            assert page.locator("button", has_text=text).count() == 0, (label, text)
    # Forced: the same POST the admin's button makes, with a valid session and CSRF token.
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    r = page.request.post(live_app.base_url + f"/w/{live_app.workspace_id}/jobs/snapshots/run",
                          headers={"X-CSRF-Token": csrf})
    assert r.status == 403
    # and without the CSRF token the session alone is not enough
    r = page.request.post(live_app.base_url + f"/w/{live_app.workspace_id}/jobs/snapshots/run")
    assert r.status == 403
    # the other ADMIN / MEMBER actions, forced the same way, are refused and change nothing
    base = live_app.base_url + f"/w/{live_app.workspace_id}"
    page.goto(base + "/recommendations?status=PENDING")
    card_ids = [c.get_attribute("id") for c in page.locator("[data-testid=recommendation]").all()]
    assert card_ids, "the browser-test world has pending recommendations"
    rec_id = card_ids[0].removeprefix("rec-")
    for action in ("apply", "dismiss"):
        r = page.request.post(f"{base}/recommendations/{rec_id}/{action}", headers={"X-CSRF-Token": csrf})
        assert r.status == 403, action
    r = page.request.post(base + "/attribution/default-model", form={"model": "first_touch"},
                          headers={"X-CSRF-Token": csrf})
    assert r.status == 403
    page.goto(base + "/recommendations?status=PENDING")
    card = page.locator(f"#rec-{rec_id}")
    assert card.count() == 1 and card.locator(".badge.pending").count() == 1  # neither applied nor dismissed
    assert watch.console_errors == [] and watch.external == []


def test_admin_runs_a_job_from_the_page(admin, live_app):
    page, watch = admin
    page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/jobs")
    page.locator("[data-testid=run-notifications]").click()
    page.locator("#job-result .notice").wait_for()
    assert "notifications" in page.locator("#job-result").inner_text()
    assert page.locator("#job-runs tbody tr", has_text="notifications").count() >= 1
    assert watch.console_errors == [] and watch.external == []


def test_signed_out_is_sent_to_sign_in_and_sign_out_ends_the_session(admin, live_app):
    page, _ = admin
    page.locator("button", has_text="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-in$"))
    page.goto(live_app.base_url + f"/w/{live_app.workspace_id}/jobs")
    assert re.search(r"/sign-in\?next=", page.url)
    page.fill("#email", "admin@northwind.example")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text().startswith("Wrong e-mail or password")
    shot(page, "sign-in")
