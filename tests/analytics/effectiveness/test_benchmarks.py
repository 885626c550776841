from __future__ import annotations

import pytest

from boostloop.analytics.effectiveness.benchmarks import DEFAULT_BENCHMARKS, resolve_benchmarks
from boostloop.enums import Platform
from boostloop.errors import InvalidInput


def test_issue_defaults():
    fb, g = DEFAULT_BENCHMARKS[Platform.FACEBOOK], DEFAULT_BENCHMARKS[Platform.GOOGLE]
    assert (fb.roas, fb.cpa_cents, fb.ctr, fb.conversion_rate) == (2.5, 3500, 0.012, 0.025)
    assert (g.roas, g.cpa_cents, g.ctr, g.conversion_rate) == (3.0, 4500, 0.035, 0.038)
    assert not fb.assumed and not g.assumed


def test_every_platform_has_a_benchmark_and_borrowed_ones_say_so():
    assert set(DEFAULT_BENCHMARKS) == set(Platform)
    ig = DEFAULT_BENCHMARKS[Platform.INSTAGRAM]
    assert ig.assumed and ig.roas == 2.5 and "Meta" in ig.source
    yt = DEFAULT_BENCHMARKS[Platform.YOUTUBE]
    assert yt.assumed and yt.roas == 3.0 and yt.ctr == 0.012
    assert DEFAULT_BENCHMARKS[Platform.TIKTOK].assumed and DEFAULT_BENCHMARKS[Platform.TIKTOK].cpa_cents == 3500


def test_workspace_override():
    b = resolve_benchmarks({"TIKTOK": {"roas": 1.8, "cpa_cents": 2800}, "facebook": {"ctr": 0.02}})
    assert b[Platform.TIKTOK].roas == 1.8 and b[Platform.TIKTOK].cpa_cents == 2800
    assert b[Platform.TIKTOK].ctr == 0.012  # not overridden: still the default
    assert not b[Platform.TIKTOK].assumed and b[Platform.TIKTOK].source == "workspace override"
    assert b[Platform.FACEBOOK].ctr == 0.02 and b[Platform.FACEBOOK].roas == 2.5
    assert resolve_benchmarks(None) == DEFAULT_BENCHMARKS


def test_bad_overrides_list_every_bad_field():
    with pytest.raises(InvalidInput) as exc:
        resolve_benchmarks({"MYSPACE": {"roas": 2}, "FACEBOOK": {"roas": -1, "ctr": 2.0, "cpm": 5, "cpa_cents": "x"}})
    locs = [e.loc for e in exc.value.errors]
    assert ("benchmarks", "MYSPACE") in locs
    assert ("benchmarks", "FACEBOOK", "roas") in locs
    assert ("benchmarks", "FACEBOOK", "ctr") in locs
    assert ("benchmarks", "FACEBOOK", "cpm") in locs
    assert ("benchmarks", "FACEBOOK", "cpa_cents") in locs
