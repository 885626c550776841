"""Cross-checks with ChannelAttribution 2.2.5 on its own example file, Data.csv (shipped in its package).

``flg_pro=False`` everywhere (no banner); its ``install_pro`` is never called.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
ChannelAttribution = pytest.importorskip("ChannelAttribution")
cypack = pytest.importorskip("cypack")

from boostloop.analytics.attribution import PathTable, attribute  # noqa: E402

DATA = Path(cypack.__file__).parent / "data" / "Data.csv"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(DATA, sep=";")


@pytest.fixture(scope="module")
def table(data: pd.DataFrame) -> PathTable:
    return PathTable.from_strings(
        data["path"].tolist(), data["total_conversions"].to_numpy(), data["total_conversion_value"].to_numpy(),
        data["total_null"].to_numpy(), sep=">",
    )


def _quiet(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def test_first_last_and_linear_equal_heuristic_models(data: pd.DataFrame, table: PathTable) -> None:
    ref = _quiet(
        ChannelAttribution.heuristic_models, data, "path", "total_conversions",
        var_value="total_conversion_value", sep=">", flg_pro=False,
    ).set_index("channel_name")
    for ours, theirs in (("first_touch", "first_touch"), ("last_touch", "last_touch"), ("linear", "linear_touch")):
        r = attribute(table, ours)
        got_c = r.conversions_by_channel()
        got_v = r.value_by_channel()
        assert set(got_c) == set(ref.index)
        for ch in ref.index:
            assert got_c[ch] == pytest.approx(ref.loc[ch, f"{theirs}_conversions"], rel=1e-9, abs=1e-9), (ours, ch)
            assert got_v[ch] == pytest.approx(ref.loc[ch, f"{theirs}_value"], rel=1e-9, abs=1e-9), (ours, ch)


def test_markov_order_1_within_channelattribution_tolerance(data: pd.DataFrame, table: PathTable) -> None:
    ref = _quiet(
        ChannelAttribution.markov_model, data, "path", "total_conversions", var_value="total_conversion_value",
        var_null="total_null", order=1, seed=0, verbose=False, flg_pro=False,
    ).set_index("channel_name")
    ours = attribute(table, "markov", order=1).conversions_by_channel()
    total = data["total_conversions"].sum()
    diff = sum(abs(ours[ch] - ref.loc[ch, "total_conversions"]) for ch in ref.index)
    # ChannelAttribution simulates the chain until its results vary by less than conv_par = 5%; our solve is
    # exact, so the gap is its simulation error. Measured (seed 0): 1.3% of conversions, 3.3% of value
    # (its value model is simulated too and not documented; ours is stated in markov.py).
    assert diff / total <= 0.05
    ours_v = attribute(table, "markov", order=1).value_by_channel()
    diff_v = sum(abs(ours_v[ch] - ref.loc[ch, "total_conversion_value"]) for ch in ref.index)
    assert diff_v / data["total_conversion_value"].sum() <= 0.05


def _independent_order_1_solve(data: pd.DataFrame) -> dict[str, float]:
    """Order-1 absorbing chain from the raw strings, solved with a dense inverse of (I - Q); removal by
    redirecting the removed channel's inflow to null (Anderl et al. 2016). Shares nothing with the product."""
    conv, null = "(conversion)", "(null)"
    trans: dict[tuple[str, str], float] = {}
    for path, c, n in zip(data["path"], data["total_conversions"], data["total_null"]):
        seq = ["(start)"] + [s.strip() for s in path.split(">")]
        for a, b in zip(seq[:-1], seq[1:]):
            trans[(a, b)] = trans.get((a, b), 0.0) + c + n
        trans[(seq[-1], conv)] = trans.get((seq[-1], conv), 0.0) + c
        trans[(seq[-1], null)] = trans.get((seq[-1], null), 0.0) + n
    channels = sorted({b for (_, b) in trans} - {conv, null})
    states = ["(start)"] + channels

    def p_conv(removed: str | None) -> float:
        idx = {s: i for i, s in enumerate(states)}
        q = np.zeros((len(states), len(states)))
        r = np.zeros(len(states))
        out = {s: sum(w for (a, _), w in trans.items() if a == s) for s in states}
        for (a, b), w in trans.items():
            if a == removed:
                continue
            if b == conv:
                r[idx[a]] += w / out[a]
            elif b != null and b != removed:
                q[idx[a], idx[b]] += w / out[a]
        return float((np.linalg.inv(np.eye(len(states)) - q) @ r)[0])

    p = p_conv(None)
    re = {ch: 1 - p_conv(ch) / p for ch in channels}
    total = float(data["total_conversions"].sum())
    return {ch: total * re[ch] / sum(re.values()) for ch in channels}


def test_markov_order_1_equals_an_independent_exact_solve(data: pd.DataFrame, table: PathTable) -> None:
    want = _independent_order_1_solve(data)
    got = attribute(table, "markov", order=1).conversions_by_channel()
    assert got == pytest.approx(want, rel=1e-9)
    # the figure quoted in issue 3's JSON example
    assert got["alpha"] == pytest.approx(5344.9, abs=0.05)
