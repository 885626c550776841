"""Invariants of every model on random path tables (hypothesis), and Markov against an independent solver."""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boostloop.analytics.attribution import MODELS, PathTable, attribute

CHANNELS = ["a", "b", "c", "d", "e"]


@st.composite
def tables(draw, channels=CHANNELS, max_rows=12):  # noqa: ANN001, ANN201
    n = draw(st.integers(1, max_rows))
    rows = []
    for _ in range(n):
        path = draw(st.lists(st.sampled_from(channels), min_size=1, max_size=6))
        conv = draw(st.integers(0, 20))
        nulls = draw(st.integers(0, 20))
        value = draw(st.floats(0, 1e4, allow_nan=False)) if conv else 0.0
        hours = draw(st.lists(st.floats(0, 500, allow_nan=False), min_size=len(path), max_size=len(path)))
        rows.append((path, conv, value, nulls, sorted(hours, reverse=True)))
    if sum(r[1] for r in rows) == 0:  # at least one conversion, so that totals are meaningful
        rows[0] = (rows[0][0], 1, rows[0][2], rows[0][3], rows[0][4])
    return rows


def build(rows, rename=None) -> PathTable:  # noqa: ANN001
    rename = rename or {}
    return PathTable.build(
        [[rename.get(c, c) for c in r[0]] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
        [r[3] for r in rows], hours_to_conversion=[r[4] for r in rows],
    )


MODEL_KW = [(m, {}) for m in MODELS if m != "markov"] + [("markov", {"order": k}) for k in (1, 2, 3)]


@settings(max_examples=40, deadline=None)
@given(tables())
def test_credits_sum_to_conversions_and_value_and_are_never_negative(rows) -> None:  # noqa: ANN001
    t = build(rows)
    for model, kw in MODEL_KW:
        r = attribute(t, model, **kw)
        conv = np.array([c.conversions for c in r.credits])
        val = np.array([c.value for c in r.credits])
        assert conv.sum() == pytest.approx(t.total_conversions, rel=1e-9, abs=1e-9), model
        assert val.sum() == pytest.approx(t.total_value, rel=1e-9, abs=1e-6), model
        assert (conv >= -1e-12).all() and (val >= -1e-9).all(), model


@settings(max_examples=40, deadline=None)
@given(tables(), st.permutations(CHANNELS))
def test_renaming_channels_moves_their_credit_with_them(rows, perm) -> None:  # noqa: ANN001
    rename = dict(zip(CHANNELS, perm))
    t, t2 = build(rows), build(rows, rename)
    for model, kw in MODEL_KW:
        before = attribute(t, model, **kw).conversions_by_channel()
        after = attribute(t2, model, **kw).conversions_by_channel()
        for ch, credit in before.items():
            assert after[rename[ch]] == pytest.approx(credit, rel=1e-9, abs=1e-9), model


@settings(max_examples=25, deadline=None)
@given(tables(channels=["only"]))
def test_a_one_channel_world_gives_that_channel_everything(rows) -> None:  # noqa: ANN001
    t = build(rows)
    for model, kw in MODEL_KW:
        r = attribute(t, model, **kw)
        assert r.conversions_by_channel() == {"only": pytest.approx(t.total_conversions)}, model
        assert r.value_by_channel() == {"only": pytest.approx(t.total_value)}, model


@settings(max_examples=20, deadline=None)
@given(tables(), st.integers(0, 2**31))
def test_bootstrap_intervals_are_ordered_and_reproducible(rows, seed) -> None:  # noqa: ANN001
    t = build(rows)
    for model in ("linear", "markov", "shapley"):
        r = attribute(t, model, n_boot=30, seed=seed)
        assert r == attribute(t, model, n_boot=30, seed=seed)
        for c in r.credits:
            assert 0 <= c.conversions_low <= c.conversions_high
            assert 0 <= c.value_low <= c.value_high


# ----------------------------------------------------------------- independent Markov solver
def reference_markov(paths, conv, nulls, order):  # noqa: ANN001, ANN201
    """Removal effects from a dict-of-dicts chain and the fundamental matrix N = (I - Q)^-1
    (Kemeny & Snell), states named by tuples: deliberately nothing shared with the product code."""
    counts: dict = {}

    def add(a, b, w):  # noqa: ANN001, ANN202
        counts.setdefault(a, {}).setdefault(b, 0.0)
        counts[a][b] += w

    for path, c, n in zip(paths, conv, nulls):
        states = [tuple(path[max(0, i - order + 1) : i + 1]) for i in range(len(path))]
        prev = "start"
        for s in states:
            add(prev, s, c + n)
            prev = s
        add(prev, "conv", c)
        add(prev, "null", n)
    channels = sorted({ch for p in paths for ch in p})

    def p_conv(removed):  # noqa: ANN001, ANN202
        transient = ["start"] + sorted(
            (s for s in counts if s != "start" and (removed is None or removed not in s)), key=str
        )
        idx = {s: i for i, s in enumerate(transient)}
        q = np.zeros((len(transient), len(transient)))
        r = np.zeros(len(transient))
        for s in transient:
            total = sum(counts[s].values())
            if total == 0:
                continue
            for t, w in counts[s].items():
                if t == "conv":
                    r[idx[s]] += w / total
                elif t in idx:
                    q[idx[s], idx[t]] += w / total
        fundamental = np.linalg.inv(np.eye(len(transient)) - q)
        return float((fundamental @ r)[0])

    p = p_conv(None)
    return {ch: 1 - p_conv(ch) / p for ch in channels}


@settings(max_examples=30, deadline=None)
@given(tables(), st.sampled_from([1, 2, 3, 4]))
def test_markov_removal_effects_equal_an_independent_solver(rows, order) -> None:  # noqa: ANN001
    t = build(rows)
    got = attribute(t, "markov", order=order)
    want = reference_markov([r[0] for r in rows], [r[1] for r in rows], [r[3] for r in rows], order)
    assert dict(zip(t.channels, got.removal_effects)) == pytest.approx(want, abs=1e-9)


def test_sparse_and_dense_markov_solves_agree(monkeypatch) -> None:  # noqa: ANN001
    # (the package's ``markov`` is the model function; the module is reached through importlib)
    markov = importlib.import_module("boostloop.analytics.attribution.markov")

    rng = np.random.default_rng(3)
    paths = [list(rng.choice(list("abcdefgh"), size=rng.integers(1, 8))) for _ in range(300)]
    t = PathTable.build(paths, rng.integers(0, 4, 300), rng.random(300), rng.integers(1, 6, 300))
    dense = attribute(t, "markov", order=2)
    monkeypatch.setattr(markov, "DENSE_LIMIT", 0)
    sparse = attribute(t, "markov", order=2)
    assert list(itertools.chain(*[(c.conversions, c.value) for c in sparse.credits])) == pytest.approx(
        list(itertools.chain(*[(c.conversions, c.value) for c in dense.credits])), rel=1e-9
    )


@pytest.mark.parametrize("order", [1, 3])
def test_woodbury_and_fresh_solves_agree(monkeypatch, order) -> None:  # noqa: ANN001
    markov = importlib.import_module("boostloop.analytics.attribution.markov")
    rng = np.random.default_rng(4)
    paths = [list(rng.choice(list("abcdefgh"), size=rng.integers(1, 8))) for _ in range(300)]
    t = PathTable.build(paths, rng.integers(0, 4, 300), rng.random(300), rng.integers(1, 6, 300))
    woodbury = attribute(t, "markov", order=order)
    monkeypatch.setattr(markov, "WOODBURY_MAX_STATES", -1)  # every removal as its own system
    fresh = attribute(t, "markov", order=order)
    assert fresh.removal_effects == pytest.approx(woodbury.removal_effects, rel=1e-9)
    assert fresh.removal_effects_value == pytest.approx(woodbury.removal_effects_value, rel=1e-9)
