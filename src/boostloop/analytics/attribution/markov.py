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
  ``A = I - Q`` is factorised once; every removal below reuses that factorisation through the Woodbury
  identity (one triangular solve per removed state), so 3,000 channels cost 3,000 solves, not 3,000 LUs.
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
# Removal through the one factorisation (Woodbury) when a channel is in at most this many states, else a
# fresh LU of the smaller system: k solves + a k x k solve beat a new LU for small k; at order 4 on Data.csv
# a channel is in ~1,400 of 4,255 states and the fresh LU is faster.
WOODBURY_MAX_STATES = 64
WOODBURY_BLOCK = 256  # channels whose unit columns are solved together


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
    channel_offsets: np.ndarray  # channel c's states are channel_states[channel_offsets[c]:channel_offsets[c + 1]]
    channel_states: np.ndarray

    def solve(self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        """``(P, V, P_-c for every c, V_-c for every c)``."""
        with _BLAS.limit(limits=1, user_api="blas"):
            return self._solve(conversions, value, nulls)

    def _solve(self, conversions: np.ndarray, value: np.ndarray, nulls: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        s = self.n_states
        journeys = conversions + nulls
        conv_out = np.bincount(self.last_state, weights=conversions, minlength=s)
        value_out = np.bincount(self.last_state, weights=value, minlength=s)
        null_out = np.bincount(self.last_state, weights=nulls, minlength=s)
        t = sp.csr_matrix((journeys[self.edge_path], (self.edge_from, self.edge_to)), shape=(s, s))
        outflow = np.asarray(t.sum(axis=1)).ravel() + conv_out + null_out
        safe = np.where(outflow > 0, outflow, 1.0)
        start = np.bincount(self.first_state, weights=journeys, minlength=s)
        total = start.sum()
        zeros = np.zeros(self.n_channels)
        if total <= 0:
            return 0.0, 0.0, zeros, zeros.copy()
        start = start / total
        rhs = np.column_stack([conv_out / safe, value_out / safe])
        q = (sp.diags(1.0 / safe) @ t).tocsr()  # transient-to-transient probabilities
        a = (sp.identity(s, format="csr") - q).tocsc()
        # One LU factorisation of A = I - Q serves every removal (Woodbury, below).
        if s <= DENSE_LIMIT:
            lu = scipy.linalg.lu_factor(a.toarray(), check_finite=False)

            def solve(b: np.ndarray, trans: int = 0) -> np.ndarray:
                return scipy.linalg.lu_solve(lu, b, trans=trans, check_finite=False)
        else:
            slu = spla.splu(a, permc_spec="MMD_AT_PLUS_A")  # least fill on boost chains (measured vs COLAMD: 0.94M vs 1.57M nonzeros)

            def solve(b: np.ndarray, trans: int = 0) -> np.ndarray:
                return slu.solve(np.asarray(b, dtype=np.float64), trans="T" if trans else "N")

        x = solve(rhs)  # absorption probability (and expected value) from every state
        g = solve(start, trans=1)  # expected visits to every state from start: g = N^T start, N = A^-1
        p, v = (float(e) for e in start @ x)
        # Removing channel c sends its states S to null: row S of A becomes the identity and r_S = 0.
        # Woodbury (A' = A + E_S Q[S, :]) simplifies, with N = A^-1, Q N = N - I and Q x = x - r, to
        #     P_-c = P - g_S^T (N_SS)^-1 x_S
        # (for one state: P - g_c x_c / N_cc, the probability of ever reaching c times its absorption
        # probability; Kemeny & Snell 1960, Thm 3.5.4). N_SS needs |S| triangular solves with the one LU.
        # A channel held by many states (high orders) is cheaper as its own smaller system, solved anew.
        p_minus = np.empty(self.n_channels)
        v_minus = np.empty(self.n_channels)
        offsets, states = self.channel_offsets, self.channel_states
        small = np.flatnonzero(np.diff(offsets) <= WOODBURY_MAX_STATES)
        for lo in range(0, len(small), WOODBURY_BLOCK):
            chans = small[lo : lo + WOODBURY_BLOCK]
            cols = np.concatenate([states[offsets[c] : offsets[c + 1]] for c in chans]) if len(chans) else states[:0]
            unit = np.zeros((s, len(cols)))
            unit[cols, np.arange(len(cols))] = 1.0
            n_cols = solve(unit) if len(cols) else unit
            pos = 0
            for c in chans:
                k = int(offsets[c + 1] - offsets[c])
                idx = cols[pos : pos + k]
                n_ss = n_cols[idx, pos : pos + k]
                pos += k
                if k == 0:
                    p_minus[c], v_minus[c] = p, v
                    continue
                pv = np.array([p, v]) - g[idx] @ np.linalg.solve(n_ss, x[idx])
                p_minus[c], v_minus[c] = pv[0], pv[1]
        for c in np.flatnonzero(np.diff(offsets) > WOODBURY_MAX_STATES):
            keep = np.ones(s, dtype=bool)
            keep[states[offsets[c] : offsets[c + 1]]] = False
            idx = np.flatnonzero(keep)
            if len(idx) == 0:
                p_minus[c] = v_minus[c] = 0.0
                continue
            sub = a[idx][:, idx]
            if len(idx) <= DENSE_LIMIT:
                sub_x = scipy.linalg.solve(sub.toarray(), rhs[idx], check_finite=False)
            else:
                sub_x = spla.splu(sp.csc_matrix(sub)).solve(rhs[idx])
            p_minus[c], v_minus[c] = start[idx] @ sub_x
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
    pairs = np.unique(np.concatenate([
        (digit[digit > 0] - 1) * n_states + state[digit > 0] for digit in lagged
    ])) if len(touches) else np.zeros(0, dtype=np.int64)
    pair_channel, pair_state = pairs // max(n_states, 1), pairs % max(n_states, 1)
    channel_offsets = np.zeros(nc + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_channel, minlength=nc), out=channel_offsets[1:])
    nonlast = np.ones(len(touches), dtype=bool)
    nonlast[table.offsets[1:] - 1] = False
    idx = np.flatnonzero(nonlast)
    return MarkovAllocator(
        n_channels=nc, order=order, n_states=n_states, edge_from=state[idx], edge_to=state[idx + 1],
        edge_path=table.touch_path[idx], first_state=state[table.offsets[:-1]],
        last_state=state[table.offsets[1:] - 1], channel_offsets=channel_offsets,
        channel_states=pair_state.astype(np.int64),
    )
