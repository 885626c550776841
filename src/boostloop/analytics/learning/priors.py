"""Platform priors: what a boost returns on a platform before the workspace has its own evidence.

Per platform: CPM [cents per 1,000 paid impressions], frequency [impressions per person reached], CTR
[clicks / impression], CVR [conversions / click], ROAS [conversion value / spend]. Order-of-magnitude
figures from public 2023-2024 benchmark reports (WordStream "Facebook Ads Benchmarks" and "LinkedIn Ads
Benchmarks", Revealbot/Bïrch CPM trackers for Meta and TikTok); their job is only to be a sane start that a
workspace's own boosts outweigh after a handful of rows (see ``outcome_model.ShrinkageModel``), and their
spread across advertisers is the prior standard deviation there. A workspace may override ``roas`` and
``cpa_cents`` (``Workspace.benchmarks``).

Derived prior outcomes of a boost with budget B [cents]:
    impressions = B / CPM x 1000;  reach = impressions / frequency x (1 - OVERLAP)
    conversions = impressions x CTR x CVR (or B / cpa_cents when a CPA override is given);  ROI = ROAS - 1
``OVERLAP`` = 0.2: the share of paid reach that the post had already reached organically (the
incremental-reach target excludes them); a prior, refined by the shrinkage to the workspace's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

OVERLAP = 0.2


@dataclass(frozen=True)
class PlatformPrior:
    cpm_cents: float
    frequency: float
    ctr: float
    cvr: float
    roas: float


DEFAULT_PRIORS: dict[str, PlatformPrior] = {
    "FACEBOOK": PlatformPrior(cpm_cents=1200, frequency=1.6, ctr=0.0090, cvr=0.090, roas=2.0),
    "INSTAGRAM": PlatformPrior(cpm_cents=1000, frequency=1.5, ctr=0.0070, cvr=0.080, roas=1.8),
    "LINKEDIN": PlatformPrior(cpm_cents=3300, frequency=1.4, ctr=0.0045, cvr=0.060, roas=1.5),
    "TIKTOK": PlatformPrior(cpm_cents=900, frequency=1.7, ctr=0.0080, cvr=0.050, roas=1.5),
    "X": PlatformPrior(cpm_cents=700, frequency=1.6, ctr=0.0050, cvr=0.040, roas=1.2),
    "YOUTUBE": PlatformPrior(cpm_cents=900, frequency=1.5, ctr=0.0050, cvr=0.050, roas=1.5),
    "PINTEREST": PlatformPrior(cpm_cents=500, frequency=1.5, ctr=0.0030, cvr=0.050, roas=1.5),
    "GOOGLE": PlatformPrior(cpm_cents=1000, frequency=1.5, ctr=0.0100, cvr=0.050, roas=2.0),
    "OTHER": PlatformPrior(cpm_cents=1000, frequency=1.5, ctr=0.0070, cvr=0.060, roas=1.5),
}


def prior_outcome(platform: str | None, budget_cents: float, overrides: Mapping | None = None) -> tuple[float, float, float]:
    """(incremental reach, conversions, ROI) the priors expect for a boost of ``budget_cents``."""
    p = DEFAULT_PRIORS.get(str(platform), DEFAULT_PRIORS["OTHER"])
    o = (overrides or {}).get(str(platform), {}) if overrides else {}
    budget = max(0.0, float(budget_cents or 0.0))
    impressions = budget / p.cpm_cents * 1000.0
    reach = impressions / p.frequency * (1.0 - OVERLAP)
    if o.get("cpa_cents"):
        conversions = budget / float(o["cpa_cents"])
    else:
        conversions = impressions * p.ctr * p.cvr
    roas = float(o["roas"]) if o.get("roas") is not None else p.roas
    return reach, conversions, roas - 1.0
