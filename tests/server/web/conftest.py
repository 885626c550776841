"""Browser fixtures: the real app under uvicorn on 127.0.0.1 (a free port) over a small simulated
workspace, and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
# BOOSTLOOP_WEB_TEST_DEMO_URL=sqlite:///boostloop.db runs the browser checks against a database made by
# `boostloop demo` instead of building the small test world (the tests change it: apply, dismiss, run jobs).
DEMO_DATABASE_URL = os.environ.get("BOOSTLOOP_WEB_TEST_DEMO_URL")
ADMIN = "admin@northwind.example"
VIEWER = "viewer@northwind.example"


@dataclass
class LiveApp:
    base_url: str
    workspace_id: str
    outcomes: dict


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    import uvicorn

    from boostloop.server.app import create_app
    from boostloop.server.settings import Settings
    from tests.server.web.demo_db import BROWSER_SCALE, browser_world, build_demo_db

    if DEMO_DATABASE_URL:  # an existing `boostloop demo` database: the same checks on the demo itself
        import sqlalchemy as sa

        url, outcomes = DEMO_DATABASE_URL, {}
        engine = sa.create_engine(url)
        with engine.connect() as c:
            ws_id = uuid.UUID(str(c.execute(sa.text("SELECT id FROM workspaces WHERE slug = 'northwind'")).scalar_one()))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'demo.db'}"
        t0 = time.perf_counter()
        ws_id, outcomes = build_demo_db(url, seed=11, scale=BROWSER_SCALE, world=browser_world())
        print(f"\nbrowser-test world built in {time.perf_counter() - t0:.1f} s")  # shown with pytest -s
    # Rate limits off: the suite signs in and loads pages faster than a person would.
    app = create_app(Settings(database_url=url, rate_limits_enabled=False, log_json=False, log_level="WARNING"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield LiveApp(f"http://127.0.0.1:{port}", str(ws_id), outcomes)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(live_app: LiveApp):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@dataclass
class Watch:
    """Every request URL the page made, the ones that left 127.0.0.1 (aborted), and console errors."""

    requests: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def signed_in_page(browser, live_app: LiveApp, email: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch()

    def route(r):
        watch.requests.append(r.request.url)
        if urlparse(r.request.url).hostname != "127.0.0.1" and not r.request.url.startswith("data:"):
            watch.external.append(r.request.url)
            return r.abort()
        return r.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.console_errors.append(str(e)))
    page.goto(live_app.base_url + "/")
    page.fill("#email", email)
    page.fill("#password", "boostloop-demo")
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/w/" in u)
    return context, page, watch


@pytest.fixture
def admin(browser, live_app):
    context, page, watch = signed_in_page(browser, live_app, ADMIN)
    yield page, watch
    context.close()


@pytest.fixture
def viewer(browser, live_app):
    context, page, watch = signed_in_page(browser, live_app, VIEWER)
    yield page, watch
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# In the browser: every chart's Plotly graph div has at least one trace with data points.
CHARTS_WITH_DATA = """() => Array.from(document.querySelectorAll('.chart[data-figure]')).map(el => {
  const traces = el.data || [];
  const points = traces.reduce((n, t) => n + Math.max((t.x || []).length, (t.y || []).length,
                                                      (t.values || []).length, (t.labels || []).length), 0);
  return {id: el.id, traces: traces.length, points: points, rendered: !!el._fullLayout};
})"""


def charts_of(page) -> list[dict]:
    page.wait_for_load_state("load")
    # parts of a page that load after it (hx-trigger="load", e.g. the attribution report) have arrived
    page.wait_for_function("() => !document.querySelector('[hx-trigger=load]')", timeout=30000)
    page.wait_for_function("() => Array.from(document.querySelectorAll('.chart[data-figure]')).every(e => e._fullLayout)",
                           timeout=15000)
    return page.evaluate(CHARTS_WITH_DATA)
