"""The reduced path table every attribution model works on.

A *path* is the time-ordered list of channels one or more journeys touched before they ended, with how
many of those journeys converted (``conversions``), the conversion value they carried (``value``, in the
unit of the input: cents inside Boostloop, whatever the file holds for path files) and how many did not
convert (``nulls``). That is ChannelAttribution's input (``path;total_conversions;total_conversion_value;
total_null``). For the time-aware model a row may also carry, per touch, the hours between that touch and
the conversion (``hours_to_conversion``); such rows are usually one journey each.

Storage is ragged and columnar so that models are numpy one-liners: ``touches`` holds every row's channel
codes back to back and ``offsets[i]:offsets[i + 1]`` is row ``i``'s slice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True, eq=False)
class PathTable:
    """Paths of channel codes with conversion, value and null counts per path (see module docstring).

    Invariants (checked by :meth:`build`): every path has at least one touch, counts are finite and
    non-negative, and every path has ``conversions + nulls > 0`` (a path no journey followed says nothing).
    ``dropped_conversions`` / ``dropped_value`` are what rows without any touch carried: no channel can be
    credited with them, so every model's credits sum to ``total_conversions`` (the kept rows) instead.
    """

    channels: tuple[str, ...]
    offsets: np.ndarray  # int64, n_paths + 1
    touches: np.ndarray  # int32 channel codes, offsets[-1]
    conversions: np.ndarray  # float64, n_paths
    value: np.ndarray  # float64, n_paths
    nulls: np.ndarray  # float64, n_paths
    hours_to_conversion: np.ndarray | None = None  # float64 per touch, hours >= 0
    dropped_conversions: float = 0.0
    dropped_value: float = 0.0
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(
        cls,
        paths: Sequence[Sequence[str]],
        conversions: Iterable[float],
        value: Iterable[float] | None = None,
        nulls: Iterable[float] | None = None,
        hours_to_conversion: Sequence[Sequence[float]] | None = None,
        channels: Sequence[str] | None = None,
    ) -> PathTable:
        """From Python lists: ``paths[i]`` is row ``i``'s channel names in time order.

        ``channels`` fixes the channel order (and may list channels no path touched, which then get 0).
        """
        conv = np.asarray(list(conversions), dtype=np.float64)
        n = len(paths)
        val = np.zeros(n) if value is None else np.asarray(list(value), dtype=np.float64)
        nul = np.zeros(n) if nulls is None else np.asarray(list(nulls), dtype=np.float64)
        if not (len(conv) == len(val) == len(nul) == n):
            raise ValueError("paths, conversions, value and nulls must have the same length")
        names: list[str] = list(channels) if channels is not None else []
        index = {c: i for i, c in enumerate(names)}
        lengths = np.fromiter((len(p) for p in paths), dtype=np.int64, count=n)
        codes = np.empty(int(lengths.sum()), dtype=np.int32)
        k = 0
        for p in paths:
            for ch in p:
                code = index.get(ch)
                if code is None:
                    if channels is not None:
                        raise ValueError(f"channel {ch!r} is not in the given channels")
                    code = index[ch] = len(names)
                    names.append(ch)
                codes[k] = code
                k += 1
        hours = None
        if hours_to_conversion is not None:
            if len(hours_to_conversion) != n or any(len(h) != len(p) for h, p in zip(hours_to_conversion, paths)):
                raise ValueError("hours_to_conversion must give one number per touch")
            hours = np.fromiter((x for h in hours_to_conversion for x in h), dtype=np.float64, count=len(codes))
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls.from_arrays(tuple(names), offsets, codes, conv, val, nul, hours)

    @classmethod
    def from_arrays(
        cls,
        channels: tuple[str, ...],
        offsets: np.ndarray,
        touches: np.ndarray,
        conversions: np.ndarray,
        value: np.ndarray,
        nulls: np.ndarray,
        hours_to_conversion: np.ndarray | None = None,
    ) -> PathTable:
        """Validate, drop rows without touches or without journeys, and freeze."""
        offsets = np.asarray(offsets, dtype=np.int64)
        touches = np.asarray(touches, dtype=np.int32)
        conv = np.asarray(conversions, dtype=np.float64)
        val = np.asarray(value, dtype=np.float64)
        nul = np.asarray(nulls, dtype=np.float64)
        for name, arr in (("conversions", conv), ("value", val), ("nulls", nul)):
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                bad = int(np.flatnonzero(~np.isfinite(arr) | (arr < 0))[0])
                raise ValueError(f"row {bad}: {name} must be a finite number >= 0, got {arr[bad]!r}")
        if hours_to_conversion is not None:
            hours_to_conversion = np.asarray(hours_to_conversion, dtype=np.float64)
            if not np.all(np.isfinite(hours_to_conversion)) or np.any(hours_to_conversion < 0):
                raise ValueError("hours_to_conversion must be finite and >= 0")
        if len(touches) and (touches.min() < 0 or touches.max() >= len(channels)):
            raise ValueError("touch codes must index channels")
        lengths = np.diff(offsets)
        empty = lengths == 0
        keep = ~empty & ((conv + nul) > 0)
        dropped_c = float(conv[empty].sum())
        dropped_v = float(val[empty].sum())
        if not keep.all():
            touch_keep = np.repeat(keep, lengths)
            touches = touches[touch_keep]
            if hours_to_conversion is not None:
                hours_to_conversion = hours_to_conversion[touch_keep]
            lengths = lengths[keep]
            conv, val, nul = conv[keep], val[keep], nul[keep]
            offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
        return cls(
            channels=tuple(channels), offsets=offsets, touches=touches, conversions=conv, value=val,
            nulls=nul, hours_to_conversion=hours_to_conversion, dropped_conversions=dropped_c,
            dropped_value=dropped_v,
        )

    @classmethod
    def from_strings(
        cls,
        paths: Sequence[str] | pa.Array | pa.ChunkedArray,
        conversions: Sequence[float] | np.ndarray,
        value: Sequence[float] | np.ndarray | None = None,
        nulls: Sequence[float] | np.ndarray | None = None,
        *,
        sep: str = ">",
    ) -> PathTable:
        """ChannelAttribution's format: ``"eta > iota > alpha"`` (spaces around channel names are ignored).

        Identical path strings are merged first (Arrow dictionary encoding + ``np.bincount``), so a file of
        millions of rows with thousands of distinct paths is parsed only thousands of times.
        """
        arr = paths if isinstance(paths, (pa.Array, pa.ChunkedArray)) else pa.array(paths, type=pa.string())
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if arr.null_count:
            raise ValueError(f"row {int(np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))[0])}: empty path")
        enc = pc.dictionary_encode(arr)
        idx = enc.indices.to_numpy(zero_copy_only=False)
        uniq = enc.dictionary.to_pylist()
        m = len(uniq)
        conv = np.bincount(idx, weights=np.asarray(conversions, dtype=np.float64), minlength=m)
        val = np.zeros(m) if value is None else np.bincount(idx, weights=np.asarray(value, dtype=np.float64), minlength=m)
        nul = np.zeros(m) if nulls is None else np.bincount(idx, weights=np.asarray(nulls, dtype=np.float64), minlength=m)
        split = [[c.strip() for c in s.split(sep)] if s.strip() else [] for s in uniq]
        for i, p in enumerate(split):
            if any(c == "" for c in p):
                row = int(np.flatnonzero(idx == i)[0])
                raise ValueError(f"row {row}: empty channel name in path {uniq[i]!r}")
        return cls.build(split, conv, val, nul)

    # ------------------------------------------------------------------ views
    @property
    def n_paths(self) -> int:
        return len(self.conversions)

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def touch_path(self) -> np.ndarray:
        """Row index of every touch."""
        got = self._cache.get("touch_path")
        if got is None:
            got = self._cache["touch_path"] = np.repeat(np.arange(self.n_paths), self.lengths)
        return got

    @property
    def touch_position(self) -> np.ndarray:
        """0-based position of every touch within its row."""
        got = self._cache.get("touch_position")
        if got is None:
            got = np.arange(len(self.touches)) - np.repeat(self.offsets[:-1], self.lengths)
            self._cache["touch_position"] = got
        return got

    @property
    def total_conversions(self) -> float:
        return float(self.conversions.sum())

    @property
    def total_value(self) -> float:
        return float(self.value.sum())

    def path(self, i: int) -> tuple[str, ...]:
        return tuple(self.channels[c] for c in self.touches[self.offsets[i] : self.offsets[i + 1]])

    def with_counts(self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray) -> PathTable:
        """The same paths with other counts (bootstrap replicates); rows are kept even when their count is 0."""
        return PathTable(
            channels=self.channels, offsets=self.offsets, touches=self.touches, conversions=conversions,
            value=value, nulls=nulls, hours_to_conversion=self.hours_to_conversion, _cache=self._cache,
        )


@dataclass(frozen=True)
class TopPath:
    """One distinct path with its totals; ``conversion_rate = conversions / (conversions + nulls)``."""

    path: tuple[str, ...]
    conversions: float
    value: float
    nulls: float
    conversion_rate: float


def top_paths(table: PathTable, n: int = 10, *, converting_only: bool = True) -> tuple[TopPath, ...]:
    """The ``n`` distinct channel sequences with the most conversions (ties: more journeys, then path text).

    Rows with the same sequence (e.g. one row per journey with its own times) are merged first.
    """
    if table.n_paths == 0 or n <= 0:
        return ()
    keys = ["\x1f".join(table.path(i)) for i in range(table.n_paths)]
    enc = pc.dictionary_encode(pa.array(keys))
    idx = enc.indices.to_numpy()
    uniq = enc.dictionary.to_pylist()
    m = len(uniq)
    conv = np.bincount(idx, weights=table.conversions, minlength=m)
    val = np.bincount(idx, weights=table.value, minlength=m)
    nul = np.bincount(idx, weights=table.nulls, minlength=m)
    order = sorted(range(m), key=lambda i: (-conv[i], -(conv[i] + nul[i]), uniq[i]))
    out = []
    for i in order:
        if converting_only and conv[i] <= 0:
            continue
        total = conv[i] + nul[i]
        out.append(TopPath(tuple(uniq[i].split("\x1f")), float(conv[i]), float(val[i]), float(nul[i]),
                           float(conv[i] / total) if total > 0 else 0.0))
        if len(out) == n:
            break
    return tuple(out)
