"""Rule-based models: first touch, last touch, last non-UNKNOWN touch, linear, time decay, position-based.

Each splits every path's conversions (and value) over that path's touches with fixed shares that sum to 1;
a channel touched several times in one path receives the share of each touch (as ChannelAttribution's
``heuristic_models`` does for ``linear_touch``).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from boostloop.analytics.attribution.allocation import TouchShareAllocator
from boostloop.analytics.attribution.paths import PathTable

# Google Ads' time-decay attribution: "a 7-day half-life" (Google Ads Help, "About attribution models").
DEFAULT_HALF_LIFE_HOURS = 7 * 24.0
# Position-based ("U-shaped") model as Google Analytics/Ads define it: 40% first, 40% last, 20% spread
# over the middle (Google Ads Help, "About attribution models").
DEFAULT_FIRST_SHARE = 0.4
DEFAULT_LAST_SHARE = 0.4


def _one_touch(table: PathTable, touch_index: np.ndarray) -> TouchShareAllocator:
    return TouchShareAllocator(
        n_channels=table.n_channels, channel=table.touches[touch_index], path=np.arange(table.n_paths),
        share=np.ones(table.n_paths),
    )


def prepare_first_touch(table: PathTable) -> TouchShareAllocator:
    """First touch: ``credit[c] = sum_p conversions_p * [first(p) = c]`` (same with value).

    Source: the first-interaction model (Google Analytics; ChannelAttribution ``first_touch``).
    """
    return _one_touch(table, table.offsets[:-1])


def prepare_last_touch(table: PathTable) -> TouchShareAllocator:
    """Last touch: ``credit[c] = sum_p conversions_p * [last(p) = c]`` (ChannelAttribution ``last_touch``)."""
    return _one_touch(table, table.offsets[1:] - 1)


def prepare_last_non_unknown(table: PathTable, unknown: Collection[str] = ("UNKNOWN",)) -> TouchShareAllocator:
    """Last non-unknown touch: all credit to the last touch whose channel is not in ``unknown``; a path of
    unknown touches only gives it to its last touch.

    Source: Google Analytics' "last non-direct click" model (direct = a visit whose source is unknown),
    with Boostloop's UNKNOWN touchpoint type in the role of "direct".
    """
    unknown_codes = [i for i, c in enumerate(table.channels) if c in set(unknown)]
    if table.n_paths == 0:
        return _one_touch(table, table.offsets[1:] - 1)
    known = ~np.isin(table.touches, unknown_codes)
    candidate = np.where(known, np.arange(len(table.touches)), -1)
    last_known = np.maximum.reduceat(candidate, table.offsets[:-1])
    chosen = np.where(last_known >= 0, last_known, table.offsets[1:] - 1)
    return _one_touch(table, chosen)


def _all_touches(table: PathTable, share: np.ndarray) -> TouchShareAllocator:
    return TouchShareAllocator(n_channels=table.n_channels, channel=table.touches, path=table.touch_path, share=share)


def prepare_linear(table: PathTable) -> TouchShareAllocator:
    """Linear: each of a path's ``n`` touches gets ``1/n`` of its conversions and value.

    ``credit[c] = sum_p conversions_p * (touches of c in p) / n_p``. Source: Google Ads "linear" model;
    ChannelAttribution ``linear_touch``.
    """
    return _all_touches(table, 1.0 / table.lengths[table.touch_path])


def prepare_position_based(
    table: PathTable, first_share: float = DEFAULT_FIRST_SHARE, last_share: float = DEFAULT_LAST_SHARE
) -> TouchShareAllocator:
    """Position-based (U-shaped): with ``n >= 3`` touches the first gets ``first_share`` (0.4), the last
    ``last_share`` (0.4), and each middle touch ``(1 - first_share - last_share) / (n - 2)``; two touches
    get 1/2 each; one touch gets everything. Source: Google Ads Help, "About attribution models".
    """
    if not (0 <= first_share and 0 <= last_share and first_share + last_share <= 1):
        raise ValueError("first_share and last_share must be >= 0 with a sum <= 1")
    n = table.lengths[table.touch_path].astype(np.float64)
    pos = table.touch_position
    middle = (1.0 - first_share - last_share) / np.maximum(n - 2, 1)
    share = np.where(pos == 0, first_share, np.where(pos == n - 1, last_share, middle))
    share = np.where(n == 2, 0.5, share)
    share = np.where(n == 1, 1.0, share)
    return _all_touches(table, share)


def prepare_time_decay(table: PathTable, half_life_hours: float = DEFAULT_HALF_LIFE_HOURS) -> TouchShareAllocator:
    """Time decay: touch ``i`` of a path, ``dt_i`` hours before the conversion, weighs
    ``w_i = 2 ** (-dt_i / half_life_hours)``, and gets the share ``w_i / sum_j w_j`` of its path.

    Half-life 7 days (168 h) by default, as Google Ads' time-decay model defines it ("a touch 7 days
    before the conversion gets half the credit of one on the day of the conversion").
    Needs ``table.hours_to_conversion``; rows without a conversion get shares too, but carry no credit.
    """
    if table.hours_to_conversion is None:
        raise ValueError("time_decay needs per-touch hours_to_conversion; this path table has no times")
    if not half_life_hours > 0:
        raise ValueError("half_life_hours must be > 0")
    # Subtract each path's smallest dt before exponentiating: the shares are unchanged (common factor)
    # and very old touches cannot underflow every weight of a path to 0.
    h = table.hours_to_conversion
    if table.n_paths == 0:
        return _all_touches(table, np.zeros(0))
    h_min = np.minimum.reduceat(h, table.offsets[:-1])
    w = np.exp2(-(h - h_min[table.touch_path]) / half_life_hours)
    total = np.add.reduceat(w, table.offsets[:-1])
    return _all_touches(table, w / total[table.touch_path])
