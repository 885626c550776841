"""``boostloop import`` and ``boostloop backfill`` against a real SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from boostloop.cli import app

from .conftest import table_counts

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def test_import_and_backfill_commands(engine, database_url, workspaces, tmp_path):
    runner = CliRunner()
    db = ["--database-url", database_url]
    r = runner.invoke(
        app,
        [
            "import",
            "generic",
            str(SAMPLES / "generic_organic_history.csv"),
            "--workspace",
            "acme",
            "--mapping",
            str(SAMPLES / "generic_organic_history.toml"),
            *db,
        ],
    )
    assert r.exit_code == 0, r.output
    assert "organic_metrics: 7 new" in r.output
    r = runner.invoke(
        app,
        [
            "import",
            "meta-ads-csv",
            str(SAMPLES / "meta_ads_campaigns_daily.csv"),
            "-w",
            "acme",
            "--json",
            *db,
        ],
    )
    assert r.exit_code == 0 and json.loads(r.output)["campaign_metrics"]["created"] == 5
    r = runner.invoke(
        app,
        [
            "import",
            "meta-ads-csv",
            str(SAMPLES / "meta_ads_campaigns_daily.csv"),
            "-w",
            "acme",
            "--json",
            *db,
        ],
    )
    assert json.loads(r.output)["campaign_metrics"] == {"created": 0, "updated": 0, "unchanged": 5}

    bad = tmp_path / "bad.csv"
    bad.write_text("Day,Campaign name,Campaign ID,Impressions,Amount spent (EUR)\n2026-10-05,x,9,1e,3\n")
    before = table_counts(engine)
    r = runner.invoke(app, ["import", "meta-ads-csv", str(bad), "-w", "acme", *db])
    assert r.exit_code == 1
    assert "line 1 / Amount spent (EUR)" in r.output and "nothing was written" in r.output
    assert table_counts(engine) == before

    r = runner.invoke(app, ["backfill", "-w", "acme", "--dry-run", *db])
    assert r.exit_code == 0 and "LINKED   campaign 120210000000000101" in r.output
    assert table_counts(engine)["boost_campaigns"] == 0
    r = runner.invoke(app, ["backfill", "-w", "acme", *db])
    assert table_counts(engine)["boost_campaigns"] == 1

    r = runner.invoke(app, ["import", "meta-ads-csv", str(bad), "-w", "nope", *db])
    assert r.exit_code == 1 and "no workspace 'nope'" in r.output
