"""Tirer, Huang, Niles-Weed (ICML 2023): perturbation analysis of neural collapse in the unconstrained features model.

Model (Eq. 2, VERBATIM from the submission version; dossier misc_theory.md §2): K classes, n samples per class,
features H (d x Kn, columns class by class), one-hot Y = I_K (x) 1_n^T, last layer W (K x d),

    f(W, H; H0) = ||WH - Y||_F^2/(2Kn) + lam_W ||W||_F^2/(2K) + lam_H ||H||_F^2/(2Kn) + beta ||H - H0||_F^2/(2Kn),

which with beta = 0 is the UFM of Eq. 1.

* Thm 2.1 (quoting Tirer & Bruna 2022): with d >= K and c = sqrt(lam_H lam_W) <= 1 every global minimiser of Eq. 1
  has collapsed classes, ||h_k||^2 = rho = (1 - c) sqrt(lam_W/lam_H), H_bar^T H_bar = rho I_K and
  w_k = sqrt(lam_H/lam_W) h_k; for c > 1 the minimiser is (0, 0).
* W*(H) = Y H^T (H H^T + n lam_W I_d)^{-1}, the minimiser over W at fixed H.
* Thm 3.1: along the central path dH/dt = -Kn grad L(H), L(H) = f(W*(H), H) (beta = 0), NC1~ = Tr S_W / Tr S_B
  strictly decreases, e^{2 lam_H t} Tr S_W decreases and e^{2 lam_H t} Tr S_B strictly increases.
* Thm 4.2: at a collapsed minimiser H0 = H* and beta >> max(1, lam_H), vec(dH) ~ F vec(dH0) with
  sigma_max(F_kk) = 1, sigma_min(F_kk) = 1 - sqrt(lam_H/lam_W)/beta, rank(F_kk') = 1 and
  sigma_max(F_kk') = 2 lam_H (1 - sqrt(lam_H lam_W))/beta (k != k'), up to O(beta^-2).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ._constraints import Constraint, Integer, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Tom Tirer", "Haoxiang Huang", "Jonathan Niles-Weed"),
    title="Perturbation Analysis of Neural Collapse",
    venue="International Conference on Machine Learning (ICML 2023), PMLR 202:34301-34329",
    year=2023,
    arxiv="2210.16658",
    where="Eq. 2, Thm 2.1, the closed form of W*(H), Thm 3.1, Thm 4.2 (submission version)",
)


class _Features(Constraint):
    """A real d x (K n) feature matrix with finite entries (columns ordered class by class)."""

    def describe(self):
        return "a real d x (K*n) matrix with finite entries (one column per sample, classes in blocks of n)"

    def assumptions(self):
        return {"real": True}

    def refs(self):
        return ("K", "n")

    def check(self, value, env):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None
        if arr.ndim != 2:
            return f"its shape is {arr.shape}"
        if not np.all(np.isfinite(arr)):
            return "an entry is not finite"
        if "K" in env and "n" in env and arr.shape[1] != int(env["K"]) * int(env["n"]):
            return f"it has {arr.shape[1]} columns, not K*n = {int(env['K']) * int(env['n'])}"
        return None

    def invalid(self, env):
        return [[1.0, 2.0], [[float("nan"), 1.0]], np.ones((3, 7)).tolist()]

    def example(self, env):
        K, n = int(env.get("K", 2)), int(env.get("n", 1))
        return (0.5 * np.random.default_rng(0).standard_normal((max(K, 3), K * n))).tolist()

    def strategy(self, env, scale=1.0, max_rows=None):
        """d in [K, max_rows] rows (d >= K) by K*n columns of Gaussian entries of standard deviation `scale`
        (drawn from a seed: K*n columns are too many entries for Hypothesis to draw one by one)."""
        from hypothesis import strategies as st

        K, n = int(env.get("K", 2)), int(env.get("n", 1))

        def build(shape_seed):
            rows, seed = shape_seed
            return (scale * np.random.default_rng(seed).standard_normal((rows, K * n))).tolist()

        return st.tuples(st.integers(K, max_rows or K + 2), st.integers(0, 2 ** 32 - 1)).map(build)


class _Subcritical(Constraint):
    """lam_H lam_W < 1 (Thm 4.2 perturbs a non-zero collapsed minimiser)."""

    def describe(self):
        return "such that lam_H * lam_W < 1 (a non-zero collapsed minimiser exists)"

    def refs(self):
        return ("lam_W", "lam_H")

    def check(self, value, env):
        if "lam_W" not in env or "lam_H" not in env:
            return None
        return None if np.all(np.asarray(env["lam_W"]) * np.asarray(env["lam_H"]) < 1) else "lam_H * lam_W >= 1"

    def _cap(self, env) -> float:
        """lam_H must stay below 1 / lam_W (1 when lam_W is not a given number)."""
        try:
            return 1.0 / float(env["lam_W"])
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return 1.0

    def invalid(self, env):
        return [2.0 * self._cap(env)]

    def example(self, env):
        return 0.5 * self._cap(env)

    def strategy(self, env, **narrow):
        """Positive lam_H below 1 / lam_W."""
        from hypothesis import strategies as st

        return st.floats(0.0, self._cap(env), exclude_min=True, exclude_max=True)


def _c(s):
    return sp.sqrt(s.lam_H * s.lam_W)


def _rho(s):
    c = _c(s)
    return sp.Piecewise(((1 - c) * sp.sqrt(s.lam_W / s.lam_H), c <= 1), (0, True))


def _w_star_expr(s):
    d, N, K = sp.Symbol("d", integer=True, positive=True), s.K * s.n, s.K
    H, Y = sp.MatrixSymbol("H", d, N), sp.MatrixSymbol("Y", K, N)
    return Y * H.T * (H * H.T + s.n * s.lam_W * sp.Identity(d)).I


def _w_star(H, K, n, lam_W):
    H = np.asarray(H, float)
    K, n = int(K), int(n)
    Y = np.kron(np.eye(K), np.ones((1, n)))
    G = H @ H.T + n * float(lam_W) * np.eye(H.shape[0])
    return np.linalg.solve(G, H @ Y.T).T  # G symmetric: (Y H^T G^-1)^T = G^-1 H Y^T


_UFM = "the unconstrained features model, Eq. 1-2 (d >= K)"
_PERT = "Thm 4.2: H0 a collapsed minimiser, d > K, beta >> max(1, lam_H), lam_H lam_W < 1"

RESULT = Result(
    id="tirer2023.nc_perturbation",
    title="Neural collapse in the (perturbed) unconstrained features model: minimisers, central path, perturbations",
    reference=REFERENCE,
    parameters=[
        Parameter("lam_W", "scalar", (Real(0.0, lo_open=True),), "weight decay of the last layer", _UFM,
                  latex=r"\lambda_W"),
        Parameter("lam_H", "scalar", (Real(0.0, lo_open=True),), "weight decay of the features", _UFM,
                  latex=r"\lambda_H"),
        Parameter("K", "scalar", (Integer(2),), "number of classes", _UFM),
        Parameter("n", "scalar", (Integer(1),), "samples per class", _UFM),
        Parameter("beta", "scalar", (Real(0.0, lo_open=True),), "strength of the pull towards H0", _PERT,
                  latex=r"\beta"),
        Parameter("H", "matrix", (_Features(),), "features, d x Kn, classes in blocks of n columns", _UFM),
    ],
    quantities=[
        Quantity("rho", _rho, "squared norm ||h_k||^2 of every class mean at a global minimiser of the UFM "
                 "(0 when sqrt(lam_H lam_W) > 1)", "VERBATIM", where="Thm 2.1"),
        Quantity("w_over_h", lambda s: sp.sqrt(s.lam_H / s.lam_W), "self-duality scale: w_k = w_over_h * h_k at a "
                 "global minimiser", "VERBATIM", where="Thm 2.1"),
        Quantity("W_star", _w_star_expr, "the minimiser over W at fixed H: W*(H) = Y H^T (H H^T + n lam_W I)^-1 "
                 "(a K x d matrix)", "VERBATIM", where="Section 3, closed form of W*(H)",
                 numeric=_w_star, args=("H", "K", "n", "lam_W")),
        Quantity("diag_sigma_max", lambda s: sp.Integer(1), "largest singular value of a diagonal block F_kk of the "
                 "perturbation map", "VERBATIM", where="Thm 4.2 (up to O(beta^-2))"),
        Quantity("diag_sigma_min", lambda s: 1 - sp.sqrt(s.lam_H / s.lam_W) / s.beta, "smallest singular value of "
                 "a diagonal block F_kk (measured to hold for n >= 2; at n = 1, with no within-class direction, "
                 "the measured value differs)", "VERBATIM", where="Thm 4.2 (up to O(beta^-2))",
                 constraints=(("lam_H", _Subcritical()),)),
        Quantity("offdiag_sigma_max", lambda s: 2 * s.lam_H * (1 - sp.sqrt(s.lam_H * s.lam_W)) / s.beta,
                 "largest (only non-zero) singular value of an off-diagonal block F_kk'", "VERBATIM",
                 where="Thm 4.2 (up to O(beta^-2))", constraints=(("lam_H", _Subcritical()),)),
        Quantity("offdiag_rank", lambda s: sp.Integer(1), "rank of an off-diagonal block F_kk'", "VERBATIM",
                 where="Thm 4.2"),
        claim("nc1_trend", -1, "direction of NC1~ = Tr S_W / Tr S_B along the central path", "VERBATIM",
              where="Thm 3.1 (i)"),
        claim("within_trend", -1, "direction of e^{2 lam_H t} Tr S_W along the central path", "VERBATIM",
              where="Thm 3.1 (ii)"),
        claim("between_trend", 1, "direction of e^{2 lam_H t} Tr S_B along the central path", "VERBATIM",
              where="Thm 3.1 (iii)"),
    ],
    notes="Read from the ICLR 2023 submission version (dossier §2); the ICML camera-ready may number differently.",
    keywords=("neural collapse", "unconstrained features", "UFM", "perturbation", "central path", "weight decay"),
    dimensional=False,
)
