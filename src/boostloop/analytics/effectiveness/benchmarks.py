"""Platform benchmarks a boost is judged against, and a workspace's overrides of them.

Defaults (issue 4, "Effectiveness"): Facebook ROAS 2.5, CPA $35, CTR 1.2 %, conversion rate 2.5 %;
Google ROAS 3.0, CPA $45, CTR 3.5 %, conversion rate 3.8 %. Units: ROAS = value / spend (ratio),
CPA in cents per conversion, CTR = clicks / impressions, conversion rate = conversions / clicks
(fractions).

Other platforms. The issue gives figures only for Facebook and Google and we have no sourced figures for
the rest, so no number is invented for them:
- INSTAGRAM uses the Facebook figures: it is bought through the same Meta ads auction and Ads Manager,
  and boosted Instagram posts are Meta placements.
- YOUTUBE uses the Google figures for ROAS, CPA and conversion rate (bought through Google Ads) but the
  Facebook CTR (1.2 %): the Google CTR of 3.5 % is a search-ads figure and a video/feed placement is
  not a search result.
- every other platform (LINKEDIN, TIKTOK, X, PINTEREST, OTHER) uses the Facebook figures as the generic
  paid-social default.
Every benchmark says where its figures come from (``source``) and whether they are ``assumed`` (borrowed
from another platform), and a workspace can override any field (``Workspace.benchmarks`` JSON, e.g.
``{"TIKTOK": {"roas": 1.8, "cpa_cents": 2800}}``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from boostloop.enums import Platform
from boostloop.errors import FieldError, InvalidInput


@dataclass(frozen=True)
class PlatformBenchmark:
    roas: float  # value / spend
    cpa_cents: float  # cents per conversion
    ctr: float  # clicks / impressions
    conversion_rate: float  # conversions / clicks
    source: str
    assumed: bool = False


FACEBOOK = PlatformBenchmark(2.5, 3500.0, 0.012, 0.025, source="issue 4 default (Facebook)")
GOOGLE = PlatformBenchmark(3.0, 4500.0, 0.035, 0.038, source="issue 4 default (Google)")

DEFAULT_BENCHMARKS: dict[Platform, PlatformBenchmark] = {
    Platform.FACEBOOK: FACEBOOK,
    Platform.GOOGLE: GOOGLE,
    Platform.INSTAGRAM: replace(FACEBOOK, source="Facebook default: same Meta ads auction", assumed=True),
    Platform.YOUTUBE: replace(
        GOOGLE, ctr=FACEBOOK.ctr, source="Google default (Google Ads) with the Facebook CTR: not a search ad",
        assumed=True,
    ),
}
for _p in Platform:
    DEFAULT_BENCHMARKS.setdefault(
        _p, replace(FACEBOOK, source="Facebook default as generic paid social: no sourced figure", assumed=True)
    )

_FIELDS = {"roas": (0.0, None), "cpa_cents": (0.0, None), "ctr": (0.0, 1.0), "conversion_rate": (0.0, 1.0)}


def resolve_benchmarks(overrides: Mapping | None = None) -> dict[Platform, PlatformBenchmark]:
    """The defaults with a workspace's overrides applied (``{"PLATFORM": {field: value}}``).

    Unknown platforms or fields, non-numbers and out-of-range values raise ``InvalidInput`` listing every
    bad entry as ``["benchmarks", platform, field]``. Overridden benchmarks are marked ``source="workspace
    override"`` and no longer ``assumed``.
    """
    out = dict(DEFAULT_BENCHMARKS)
    if not overrides:
        return out
    errors: list[FieldError] = []
    if not isinstance(overrides, Mapping):
        raise InvalidInput(errors=[FieldError(("benchmarks",), "must be an object keyed by platform")])
    for key, fields in overrides.items():
        try:
            platform = Platform(str(key).upper())
        except ValueError:
            errors.append(FieldError(("benchmarks", key), f"unknown platform; one of {[p.value for p in Platform]}"))
            continue
        if not isinstance(fields, Mapping):
            errors.append(FieldError(("benchmarks", key), "must be an object of benchmark fields"))
            continue
        changes = {}
        for name, value in fields.items():
            if name not in _FIELDS:
                errors.append(FieldError(("benchmarks", key, name), f"unknown field; one of {sorted(_FIELDS)}"))
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                errors.append(FieldError(("benchmarks", key, name), "must be a finite number", value))
                continue
            lo, hi = _FIELDS[name]
            if value <= lo or (hi is not None and value > hi):
                bound = f"in (0, {hi}]" if hi is not None else "> 0"
                errors.append(FieldError(("benchmarks", key, name), f"must be {bound}", value))
                continue
            changes[name] = float(value)
        if changes:
            out[platform] = replace(out[platform], **changes, source="workspace override", assumed=False)
    if errors:
        raise InvalidInput(errors=errors, summary="Invalid benchmarks")
    return out
