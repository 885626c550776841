"""``boostloop attribution paths``: ChannelAttribution's path format in, credit per channel out."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from boostloop.cli import app

runner = CliRunner()

FILE = """path;total_conversions;total_conversion_value;total_null
A > B > C;2;100;1
B;1;30;3
C > A;0;0;2
A > A > B;1;50;0
"""


@pytest.fixture
def paths_file(tmp_path: Path) -> Path:
    p = tmp_path / "paths.csv"
    p.write_text(FILE)
    return p


def test_json_is_exactly_one_object_in_the_agreed_shape(paths_file: Path) -> None:
    res = runner.invoke(app, ["attribution", "paths", str(paths_file), "--model", "linear", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"model", "channels"} and out["model"] == "linear"
    assert all(set(c) == {"channel", "conversions", "value"} for c in out["channels"])
    got = {c["channel"]: (c["conversions"], c["value"]) for c in out["channels"]}
    # hand-worked in tests/analytics/attribution/test_models.py::test_linear
    assert got["A"] == pytest.approx((4 / 3, 200 / 3)) and got["B"] == pytest.approx((2, 80))
    assert got["C"] == pytest.approx((2 / 3, 100 / 3))


def test_csv_and_markov_order(paths_file: Path) -> None:
    res = runner.invoke(app, ["attribution", "paths", str(paths_file), "--model", "markov", "--order", "2"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["channel"] for r in rows] == ["A", "B", "C"]
    assert sum(float(r["conversions"]) for r in rows) == pytest.approx(4)
    assert sum(float(r["value"]) for r in rows) == pytest.approx(180)


def test_other_separator(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text("path;total_conversions\nx|y;3\ny;1\n")
    res = runner.invoke(app, ["attribution", "paths", str(p), "-m", "first_touch", "--sep", "|", "-f", "json"])
    assert {c["channel"]: c["conversions"] for c in json.loads(res.stdout)["channels"]} == {"x": 3, "y": 1}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("path;total_conversions\na>b;1\nc;x\n", "line 3, column total_conversions"),
        ("path;total_conversions\na>b;1\nc;-2\n", "line 3, column total_conversions"),
        ("path;total_conversions\na>>b;1\n", "line 2, column path"),
        ("route;total_conversions\na;1\n", "missing column(s) path"),
    ],
)
def test_bad_files_name_the_line_and_column(tmp_path: Path, content: str, message: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(content)
    res = runner.invoke(app, ["attribution", "paths", str(p), "--model", "linear"])
    assert res.exit_code == 2
    assert message in res.output


def test_unknown_model_and_time_decay_are_refused(paths_file: Path) -> None:
    assert runner.invoke(app, ["attribution", "paths", str(paths_file), "--model", "magic"]).exit_code == 2
    res = runner.invoke(app, ["attribution", "paths", str(paths_file), "--model", "time_decay"])
    assert res.exit_code == 2
