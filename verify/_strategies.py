"""Hypothesis strategies derived from the results' parameter constraints, narrowed per check."""

from __future__ import annotations

from hypothesis import strategies as st

from .. import theory

__all__ = ["icl_params"]


def icl_params(result_id: str, *, d=(2, 5), N=(5, 50), lam=(0.3, 3.0), min_ratio=1.15, descending=True,
               M=None, sigma2=None, shift=None, rank=False):
    """Parameter dicts for the linear-attention family.

    d, N: integer ranges; lam: eigenvalue range, consecutive sorted eigenvalues differ by the factor
    `min_ratio` (distinct eigenvalues: the rank-r optimum is unique only then, see shi2024's A);
    M: None (M = N) or a range of test lengths; sigma2: None or a range of noise variances;
    shift: None or a range of per-eigenvalue factors for lam_test; rank: also draw r in [1, d].
    """
    res = theory.get(result_id)
    lam_c = res.parameters["lam"].constraints[0]
    n_c = res.parameters["N"].constraints[0]

    @st.composite
    def draw(draw_):
        dd = draw_(st.integers(*d))
        env = {"d": dd}
        out = {
            "N": draw_(n_c.strategy(env, lo=N[0], hi=N[1])),
            "lam": draw_(lam_c.strategy(env, lo=lam[0], hi=lam[1], min_ratio=min_ratio, descending=descending),
                             label="lam"),
        }
        if M is not None:
            out["M"] = draw_(st.integers(*M))
        if sigma2 is not None:
            out["sigma2"] = draw_(st.floats(*sigma2))
        if shift is not None:
            f = draw_(st.lists(st.floats(*shift), min_size=dd, max_size=dd))
            out["lam_test"] = [a * b for a, b in zip(out["lam"], f)]
        if rank:
            out["r"] = draw_(st.integers(1, dd))
        return out

    return draw()
