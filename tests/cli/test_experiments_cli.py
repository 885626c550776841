"""``boostloop experiments plan|analyse``."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from typer.testing import CliRunner

from boostloop.analytics.experiments import sample_size_proportions
from boostloop.cli import app
from boostloop.server.db.session import session_scope
from boostloop.server.experiments import service
from boostloop.server.workspaces.service import create_workspace

runner = CliRunner()


def test_plan_prints_the_sample_size():
    out = runner.invoke(app, ["experiments", "plan", "--rate", "0.05", "--mde", "0.1", "--variants", "3"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["n_per_variant"] == sample_size_proportions(0.05, 0.1, relative=True, comparisons=2).n_control
    assert data["alpha_per_comparison"] == 0.025


def test_plan_needs_one_metric_kind():
    out = runner.invoke(app, ["experiments", "plan"])
    assert out.exit_code != 0 and "exactly one of --rate" in out.output


def test_analyse(engine, database_url):
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        exp = service.create_experiment(
            s,
            ws.id,
            {
                "name": "t",
                "dimension": "BUDGET",
                "min_sample_per_variant": 100,
                "guardrail_metrics": [],
                "variants": [
                    {"name": "low", "strategy": {"budget_cents": 5000}, "is_control": True},
                    {"name": "high", "strategy": {"budget_cents": 10000}},
                ],
            },
        )
        service.start_experiment(s, ws.id, exp.id, now=datetime(2026, 3, 1, tzinfo=UTC))
        service.record_results(
            s,
            ws.id,
            exp.id,
            {"low": {"exposures": 500, "conversions": 20}, "high": {"exposures": 500, "conversions": 31}},
        )
        exp_id = exp.id
    out = runner.invoke(
        app, ["experiments", "analyse", str(exp_id), "--workspace", "acme", "--database-url", database_url]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["experiment_id"] == str(exp_id) and data["comparisons"][0]["variant"] == "high"
    missing = runner.invoke(
        app,
        ["experiments", "analyse", str(uuid.uuid4()), "--workspace", "acme", "--database-url", database_url],
    )
    assert missing.exit_code == 1 and "not found" in missing.output
