"""Markov-chain attribution of order 1..4 with removal effects solved exactly.

Model (Anderl, Becker, von Wangenheim & Schumann, "Mapping the customer journey: lessons learned from
graph-based online attribution modeling", IJRM 2016; the model ChannelAttribution's ``markov_model``
estimates by simulation):

* States of order ``k``: the last ``k`` channels of the journey so far (fewer at its start), plus the
  start state and two absorbing states, conversion and null. Every journey of a path walks
  ``start -> s_1 -> ... -> s_n`` and then to conversion (the path's ``conversions``) or null (``nulls``).
  Transition probabilities are the observed transition counts divided by the state's outflow.
* ``P`` = probability of being absorbed in conversion from start. With ``Q`` the transient-to-transient
  probabilities and ``r`` the one-step conversion probabilities, the absorption probabilities ``x`` solve
  ``(I - Q) x = r`` (Kemeny & Snell, *Finite Markov Chains*, 1960, Thm 3.3.7) and ``P = start . x``.
  Solved directly (dense LU up to 400 states, sparse SuperLU above), so results are deterministic.
* Removing channel ``c`` sends every transition into a state that contains ``c`` to null:
  ``P_-c`` solves the same system restricted to the states without ``c``.
  Removal effect ``RE_c = 1 - P_-c / P``; credit ``conversions_c = total_conversions * RE_c / sum_d RE_d``.
* Value: each conversion transition out of state ``s`` carries the mean value of the journeys that
  converted from ``s``, so expected value ``V`` solves ``(I - Q) y = u`` with
  ``u_s = value_out_s / outflow_s``; ``REV_c = 1 - V_-c / V`` and ``value_c = total_value * REV_c / sum REV``.
  (ChannelAttribution reports a separate value removal effect too; it simulates it.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from threadpoolctl import ThreadpoolController

from boostloop.analytics.attribution.paths import PathTable

MAX_ORDER = 4
# Below this many transient states a dense LU (LAPACK) beats building a sparse factorisation; measured on
# Data.csv chains on the 2-core dev machine (order 3, ~1,500 states: dense 2.5 s, sparse 0.3 s).
DENSE_LIMIT = 400
# The solves are small; multi-threaded BLAS only adds spin-waiting. Measured on the shared 2-core machine
# under load: a 400x400 solve took 475 ms with OpenBLAS's default threads and 7 ms with one thread.
_BLAS = ThreadpoolController()


@dataclass(frozen=True, eq=False)
class MarkovAllocator:
    """The chain's structure for one path table; :meth:`allocate` weighs it with any counts."""

    n_channels: int
    order: int
    n_states: int
    edge_from: np.ndarray  # state of each within-path transition
    edge_to: np.ndarray
    edge_path: np.ndarray  # path row each transition belongs to
    first_state: np.ndarray  # per path
    last_state: np.ndarray  # per path
    state_has_channel: np.ndarray  # bool (n_states, n_channels)

    def solve(self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        """``(P, V, P_-c for every c, V_-c for every c)``."""
        with _BLAS.limit(limits=1, user_api="blas"):
            return self._solve(conversions, value, nulls)

    def _solve(self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        s = self.n_states
        journeys = conversions + nulls
        flows = np.bincount(self.edge_from * s + self.edge_to, weights=journeys[self.edge_path], minlength=s * s) if s * s <= 4_000_000 else None
        conv_out = np.bincount(self.last_state, weights=conversions, minlength=s)
        value_out = np.bincount(self.last_state, weights=value, minlength=s)
        null_out = np.bincount(self.last_state, weights=nulls, minlength=s)
        if flows is not None:
            t = flows.reshape(s, s)
            outflow = t.sum(axis=1) + conv_out + null_out
        else:
            t = sp.csr_matrix((journeys[self.edge_path], (self.edge_from, self.edge_to)), shape=(s, s))
            outflow = np.asarray(t.sum(axis=1)).ravel() + conv_out + null_out
        safe = np.where(outflow > 0, outflow, 1.0)
        start = np.bincount(self.first_state, weights=journeys, minlength=s)
        total = start.sum()
        if total <= 0:
            zeros = np.zeros(self.n_channels)
            return 0.0, 0.0, zeros, zeros
        start = start / total
        rhs = np.column_stack([conv_out / safe, value_out / safe])
        dense = s <= DENSE_LIMIT and flows is not None
        if dense:
            a = np.eye(s) - t / safe[:, None]
        else:
            q = sp.csr_matrix(t) if flows is not None else t
            a = (sp.identity(s, format="csr") - sp.diags(1.0 / safe) @ q).tocsc()

        def absorb(keep: np.ndarray | None) -> tuple[float, float]:
            if keep is None:
                sub_a, sub_r, sub_start = a, rhs, start
            else:
                idx = np.flatnonzero(keep)
                if len(idx) == 0:
                    return 0.0, 0.0
                sub_a = a[np.ix_(idx, idx)] if dense else a[idx][:, idx]
                sub_r, sub_start = rhs[idx], start[idx]
            if dense:
                x = scipy.linalg.solve(sub_a, sub_r, check_finite=False)
            else:
                x = spla.splu(sp.csc_matrix(sub_a)).solve(sub_r)
            pv = sub_start @ x
            return float(pv[0]), float(pv[1])

        p, v = absorb(None)
        p_minus = np.zeros(self.n_channels)
        v_minus = np.zeros(self.n_channels)
        for c in range(self.n_channels):
            p_minus[c], v_minus[c] = absorb(~self.state_has_channel[:, c])
        return p, v, p_minus, v_minus

    def removal_effects(self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p, v, p_minus, v_minus = self.solve(conversions, value, nulls)
        re = np.clip(1.0 - p_minus / p, 0.0, 1.0) if p > 0 else np.zeros(self.n_channels)
        rev = np.clip(1.0 - v_minus / v, 0.0, 1.0) if v > 0 else np.zeros(self.n_channels)
        return re, rev

    def allocate(self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        re, rev = self.removal_effects(conversions, value, nulls)
        c = conversions.sum() * re / re.sum() if re.sum() > 0 else np.zeros(self.n_channels)
        v = value.sum() * rev / rev.sum() if rev.sum() > 0 else np.zeros(self.n_channels)
        return c, v


def prepare_markov(table: PathTable, order: int = 1) -> MarkovAllocator:
    """Build the order-``order`` chain's states and transitions for ``table`` (see the module docstring)."""
    if not 1 <= order <= MAX_ORDER:
        raise ValueError(f"order must be 1..{MAX_ORDER}, got {order}")
    nc = table.n_channels
    touches = table.touches.astype(np.int64)
    pos = table.touch_position
    base = nc + 1  # digit 0 = "before the journey started"
    # state code of each touch: the last `order` channels, most recent in the lowest digit
    code = np.zeros(len(touches), dtype=np.int64)
    lagged: list[np.ndarray] = []
    for lag in range(order):
        digit = np.zeros(len(touches), dtype=np.int64)
        ok = pos >= lag
        digit[ok] = touches[np.flatnonzero(ok) - lag] + 1
        lagged.append(digit)
        code += digit * base**lag
    uniq, state = np.unique(code, return_inverse=True)
    n_states = len(uniq)
    has = np.zeros((n_states, nc), dtype=bool)
    for digit in lagged:
        ok = digit > 0
        has[state[ok], digit[ok] - 1] = True
    nonlast = np.ones(len(touches), dtype=bool)
    nonlast[table.offsets[1:] - 1] = False
    idx = np.flatnonzero(nonlast)
    return MarkovAllocator(
        n_channels=nc, order=order, n_states=n_states, edge_from=state[idx], edge_to=state[idx + 1],
        edge_path=table.touch_path[idx], first_state=state[table.offsets[:-1]],
        last_state=state[table.offsets[1:] - 1], state_has_channel=has,
    )
