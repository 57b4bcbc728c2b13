"""Shi, Wei, Liang (ICLR 2022): features emerge from input structure; the network beats fixed features.

Data (eq. 1, VERBATIM): x~ = M phi~ with M (d x D) orthonormal patterns, phi~ in {0,1}^D; labels depend on the
class-relevant set A (|A| = k) through sum_{i in A} phi~_i in P; background patterns iid with Pr = p_o.
Encoded:
* fixed_feature_bound (Theorem 2, VERBATIM): a fixed data-independent feature map Psi -> [-1,1]^N with
  ||w|| <= B has hinge loss >= p_o (1 - sqrt(2N) B / 2^k) on some distribution of the family.
* sq_query_bound (Theorem 3, VERBATIM): without input structure, SQ algorithms need >= (1/2) C(D,k)^(1/3) queries
  (or 1/tolerance).
* gamma and sigma_tilde of the DERIVED pattern distribution used for the simulations (the paper's Appendix-E
  distribution was not available): with probability 1/2 phi~_A is uniform, else all-zeros or all-ones (1/2 each);
  parity labels with k odd. Then gamma = E[y phi~_j] - E[y] E[phi~_j] = 1/4 for every j in A and
  sigma_tilde^2 = sum_j Var(phi~_j) = k/4 + (D - k) p_o (1 - p_o).
* Directions: after the two aggressive steps neurons align with sum_{j in A} M_j, and they do not when the input
  structure is removed (uniform bits, F_Xi0) (Section 6 and Theorem 3, VERBATIM); the trained network beats a
  fixed-feature model of the same size (Theorems 1-2, VERBATIM).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ._constraints import Constraint, Integer, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Zhenmei Shi", "Junyi Wei", "Yingyu Liang"),
    title="A Theoretical Analysis on Feature Learning in Neural Networks: Emergence from Inputs and Advantage over "
          "Fixed Features",
    venue="International Conference on Learning Representations (ICLR 2022)",
    year=2022,
    arxiv="2206.01717",
    where="eq. (1), Theorems 2-3, Lemma 5, Section 6",
)


class _Odd(Constraint):
    """An odd integer (the parity labels of the DERIVED distribution)."""

    def describe(self):
        return "odd (parity labels on the DERIVED distribution satisfy A0 only for odd k)"

    def assumptions(self):
        return {"integer": True}  # odd=True holds too, but would change the symbol k in every expression

    def check(self, value, env):
        try:
            v = np.asarray(value, float)
        except (TypeError, ValueError):
            return None
        return None if np.all(np.mod(v, 2) == 1) else "it is even"

    def invalid(self, env):
        return [4]

    def example(self, env):
        return 1

    def strategy(self, env, lo=1, hi=99):
        from hypothesis import strategies as st

        return st.integers(lo // 2, (hi - 1) // 2).map(lambda j: 2 * j + 1)  # the odd k in [lo, hi]


def _sq_num(D, k):
    from scipy.special import gammaln  # imported on use: `import theorycheck` stays free of SciPy

    D, k = np.asarray(D, float), np.asarray(k, float)
    logc = gammaln(D + 1) - gammaln(k + 1) - gammaln(D - k + 1)
    return 0.5 * np.exp(logc / 3)


_DATA = "eq. (1): orthonormal dictionary M, class-relevant set A of size k among D patterns, background Pr = p_o"

RESULT = Result(
    id="shi2022.feature_emergence",
    title="Feature learning from input structure: fixed-feature and SQ lower bounds, emergence after two steps",
    reference=REFERENCE,
    parameters=[
        Parameter("p_o", "scalar", (Real(0.0, 0.5, lo_open=True),), "probability of a background pattern", "(A2): p_o <= 1/2",
                  latex="p_o"),
        Parameter("N", "scalar", (Integer(1),), "number of fixed features", "Theorem 2: Psi maps into [-1,1]^N"),
        Parameter("B", "scalar", (Real(0.0, lo_open=True),), "norm bound of the linear head", "Theorem 2: ||w|| <= B"),
        Parameter("k", "scalar", (Integer(1, "D", why="A is a subset of the D patterns"), _Odd()),
                  "size of the class-relevant set A", _DATA),
        Parameter("D", "scalar", (Integer(1),), "number of patterns", _DATA),
    ],
    quantities=[
        Quantity("fixed_feature_bound", lambda s: s.p_o * (1 - sp.sqrt(2 * s.N) * s.B / 2 ** s.k),
                 "lower bound on the hinge loss of any fixed-feature linear model", "VERBATIM", where="Theorem 2"),
        Quantity("sq_query_bound", lambda s: sp.binomial(s.D, s.k) ** sp.Rational(1, 3) / 2,
                 "queries (or 1/tolerance) an SQ algorithm needs without input structure", "VERBATIM",
                 where="Theorem 3", numeric=_sq_num, args=("D", "k")),
        Quantity("gamma", lambda s: sp.Rational(1, 4) + 0 * s.k, "gamma = E[y phi_j] - E[y] E[phi_j], j in A, of the "
                 "DERIVED pattern distribution (parity labels, k odd)", "DERIVED", where="(A1)",
                 numeric=lambda k: np.full(np.shape(k), 0.25), args=("k",)),
        Quantity("sigma_tilde", lambda s: sp.sqrt(s.k / 4 + (s.D - s.k) * s.p_o * (1 - s.p_o)),
                 "input scale sigma~ = sqrt(sum_j Var phi~_j) of the DERIVED distribution", "DERIVED",
                 where="Section 3 normalisation"),
        claim("emergence_needs_structure", +1, "sign of [median |cos(w_i, sum_A M_j)| after the two steps] on "
              "structured inputs minus the same on uniform bits (no structure)", "VERBATIM", where="Section 6, Theorem 3"),
        claim("beats_fixed_features", +1, "sign of [test accuracy of the trained network] - [accuracy of random "
              "features of the same width with a trained head]", "VERBATIM", where="Theorems 1-2, Section 6"),
    ],
    notes="The pattern distribution on A used in the paper's simulation (Appendix E) was not available; the "
          "simulations use the DERIVED one above. The 52% -> 100% probe accuracies are not reproduced (dossier §5a.5).",
    keywords=("feature learning", "parity", "input structure", "fixed features", "kernel", "two-layer network"),
    dimensional=False,
)
