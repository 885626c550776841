"""Confidence level of one effectiveness analysis, from the data behind it.

Thresholds (issue 4): HIGH at 21+ days observed and 15+ conversions, MEDIUM at 14+ days and 5+
conversions, LOW otherwise. Why these: 21 days cover three full weekly cycles (weekday effects average
out) and 15 conversions put the Poisson relative sd of a count at 1/sqrt(15) = 26 %; at 5 conversions it
is 45 %, below that a count says little.

Downgrades (each with its reason): the counterfactual had no own organic history (controls only) or was
uncalibrated, or rests on nothing: at most MEDIUM, and LOW for ``none``/``controls_absolute``, because
the baseline itself is then weakly known whatever the conversion count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

HIGH_MIN_DAYS, HIGH_MIN_CONVERSIONS = 21.0, 15.0
MEDIUM_MIN_DAYS, MEDIUM_MIN_CONVERSIONS = 14.0, 5.0


class ConfidenceLevel(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


_ORDER = [ConfidenceLevel.LOW, ConfidenceLevel.MEDIUM, ConfidenceLevel.HIGH]


@dataclass(frozen=True)
class Confidence:
    level: ConfidenceLevel
    days_observed: float
    conversions: float
    reasons: tuple[str, ...]


def confidence_level(days_observed: float, conversions: float, *, counterfactual_basis: str = "combined",
                     history_missing: bool = False) -> Confidence:
    days = max(float(days_observed), 0.0)
    conv = max(float(conversions), 0.0)
    reasons: list[str] = []
    if days >= HIGH_MIN_DAYS and conv >= HIGH_MIN_CONVERSIONS:
        level = ConfidenceLevel.HIGH
        reasons.append(f"{days:g} days >= {HIGH_MIN_DAYS:g} and {conv:g} conversions >= {HIGH_MIN_CONVERSIONS:g}")
    elif days >= MEDIUM_MIN_DAYS and conv >= MEDIUM_MIN_CONVERSIONS:
        level = ConfidenceLevel.MEDIUM
        reasons.append(f"{days:g} days >= {MEDIUM_MIN_DAYS:g} and {conv:g} conversions >= "
                       f"{MEDIUM_MIN_CONVERSIONS:g}, short of {HIGH_MIN_DAYS:g} days and "
                       f"{HIGH_MIN_CONVERSIONS:g} conversions")
    else:
        level = ConfidenceLevel.LOW
        reasons.append(f"{days:g} days and {conv:g} conversions: below {MEDIUM_MIN_DAYS:g} days and "
                       f"{MEDIUM_MIN_CONVERSIONS:g} conversions")
    cap = ConfidenceLevel.HIGH
    if counterfactual_basis in ("none", "controls_absolute"):
        cap = ConfidenceLevel.LOW
        reasons.append(f"counterfactual basis '{counterfactual_basis}': the organic baseline is barely known")
    elif history_missing or counterfactual_basis in ("controls_only", "trajectory_only"):
        cap = ConfidenceLevel.MEDIUM
        why = "no own organic history" if history_missing else f"counterfactual basis '{counterfactual_basis}'"
        reasons.append(f"{why}: at most MEDIUM")
    if _ORDER.index(level) > _ORDER.index(cap):
        level = cap
    return Confidence(level=level, days_observed=days, conversions=conv, reasons=tuple(reasons))
