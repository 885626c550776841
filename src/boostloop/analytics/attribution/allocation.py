"""How a model's credit is computed from counts, shared by every model and by the bootstrap.

A model is *prepared* once on the structure of a path table (which channels, in which order, at which
times) and then *allocates* any vector of counts over those same paths: the point estimate uses the
table's counts, each bootstrap replicate its resampled counts, without redoing the structural work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class Allocator(Protocol):
    n_channels: int

    def allocate(
        self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Credit per channel: (conversions, value), each of length ``n_channels``."""
        ...


@dataclass(frozen=True, eq=False)
class TouchShareAllocator:
    """Models that split each path's conversions and value over its touches with fixed shares.

    ``share[t]`` is touch ``t``'s fraction of its path's credit (the shares of one path sum to 1), so
    ``credit[c] = sum over touches t of channel c: share[t] * conversions[path(t)]`` (same for value).
    """

    n_channels: int
    channel: np.ndarray  # channel code per credited touch
    path: np.ndarray  # path row per credited touch
    share: np.ndarray  # fraction of the path's credit per credited touch

    def allocate(
        self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        c = np.bincount(self.channel, weights=self.share * conversions[self.path], minlength=self.n_channels)
        v = np.bincount(self.channel, weights=self.share * value[self.path], minlength=self.n_channels)
        return c, v
