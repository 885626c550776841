"""Invariants of the shared helpers (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from boostloop.server.ingest.importers.currency import MINOR_UNIT_EXPONENT, to_minor_units
from boostloop.server.ingest.importers.rows import parse_count, parse_decimal
from boostloop.server.ingest.validation import DuplicateTracker


@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from("abc")), max_size=200))
def test_duplicate_tracker_matches_a_naive_scan(keys):
    tracker = DuplicateTracker()
    for ordinal, key in enumerate(keys):
        tracker.add(key, ordinal)
    first: dict = {}
    expected = []
    for ordinal, key in enumerate(keys):
        if key in first:
            expected.append((ordinal, first[key]))
        else:
            first[key] = ordinal
    assert tracker.duplicates() == expected


@given(st.integers(0, 10**15), st.sampled_from(sorted(MINOR_UNIT_EXPONENT)))
def test_minor_units_are_exact_when_the_currency_has_the_decimals(minor, currency):
    exp = MINOR_UNIT_EXPONENT[currency]
    text = str(Decimal(minor).scaleb(-exp))
    assert to_minor_units(parse_decimal(text), currency) == (minor, False)


@given(st.decimals(min_value=0, max_value=10**9, places=6))
def test_rounding_is_half_even_and_flagged(amount):
    cents, rounded = to_minor_units(amount, "USD")
    assert abs(Decimal(cents) - amount * 100) <= Decimal("0.5")
    assert rounded == (amount * 100 != (amount * 100).to_integral_value())


@given(st.integers(0, 10**12))
def test_grouped_and_plain_counts_agree(n):
    assert parse_count(f"{n:,}") == parse_count(str(n)) == n
