"""Frozen result dataclasses of the attribution models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChannelCredit:
    """Conversions and value credited to one channel; with bootstrap, a ``level`` interval for each
    (percentile interval over journey resamples, ``None`` without bootstrap)."""

    channel: str
    conversions: float
    value: float
    conversions_low: float | None = None
    conversions_high: float | None = None
    value_low: float | None = None
    value_high: float | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"channel": self.channel, "conversions": self.conversions, "value": self.value}
        if self.conversions_low is not None:
            out |= {
                "conversions_low": self.conversions_low, "conversions_high": self.conversions_high,
                "value_low": self.value_low, "value_high": self.value_high,
            }
        return out


@dataclass(frozen=True)
class AttributionResult:
    """Credit by channel under one model.

    ``credits`` are in the table's channel order; their conversions sum to ``total_conversions`` and their
    value to ``total_value`` (up to float rounding) whenever there is any conversion. ``removal_effects``
    (Markov only) are ``1 - P(conversion | channel removed) / P(conversion)``, per channel, for conversions
    and for value. ``interval_level``/``n_boot``/``seed`` describe the bootstrap when one was run.
    """

    model: str
    credits: tuple[ChannelCredit, ...]
    total_conversions: float
    total_value: float
    params: tuple[tuple[str, Any], ...] = ()
    removal_effects: tuple[float, ...] | None = None
    removal_effects_value: tuple[float, ...] | None = None
    interval_level: float | None = None
    n_boot: int | None = None
    seed: int | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(c.channel for c in self.credits)

    def credit(self, channel: str) -> ChannelCredit:
        for c in self.credits:
            if c.channel == channel:
                return c
        raise KeyError(channel)

    def conversions_by_channel(self) -> dict[str, float]:
        return {c.channel: c.conversions for c in self.credits}

    def value_by_channel(self) -> dict[str, float]:
        return {c.channel: c.value for c in self.credits}

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "channels": [c.as_dict() for c in self.credits]}
