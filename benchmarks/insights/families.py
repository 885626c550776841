"""One BH family over all detectors, or one per insight type? False patterns on effect-free boosting data
when the same run also holds many genuine opportunities (30 strong organic posts among 300).

    PYTHONPATH=. .venv/bin/python benchmarks/insights/families.py
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from tests.analytics.insights.synth import NULL, make_world, organic

from boostloop.analytics.insights import generate_insights
from boostloop.enums import InsightType


def main(seeds: int = 20) -> None:
    baseline = 0
    for s in range(seeds):
        r = generate_insights(make_world(500 + s, NULL, n=600), seed=s)
        baseline += sum(i.insight_type is InsightType.PATTERN for i in r.insights)
    print(f"no organic posts, one family: {baseline} false patterns over {seeds} seeds")
    for families in ("all", "by_type"):
        false_patterns, seeds_with_any, opportunities = 0, 0, 0
        for s in range(seeds):
            rng = np.random.default_rng(s)
            w = replace(make_world(900 + s, NULL, n=600), organic_posts=tuple(organic(rng, n=300, strong=30)))
            r = generate_insights(w, seed=s, families=families)
            pats = [i for i in r.insights if i.insight_type is InsightType.PATTERN]
            false_patterns += len(pats)
            seeds_with_any += bool(pats)
            opportunities += sum(i.insight_type is InsightType.OPPORTUNITY for i in r.insights)
        print(
            f"families={families}: {false_patterns} false patterns over {seeds} seeds "
            f"({seeds_with_any} seeds with any); {opportunities / seeds:.1f} opportunities found per "
            f"seed (30 planted)"
        )


if __name__ == "__main__":
    main()
