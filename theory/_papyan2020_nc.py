"""Papyan, Han, Donoho (PNAS 2020): neural collapse, the simplex ETF and the NC1-NC4 metrics.

The PNAS text was not reachable; definitions are VERBATIM-2nd (dossier misc_theory.md §3: a third-party note quoting
the paper and implementations citing its Section I). The simplex ETF M* = sqrt(C/(C-1)) (I - 11^T/C) has unit
columns, pairwise cosine -1/(C-1) and rank C-1 (exact). Metrics (numerics/_collapse.py):

    NC1 = Tr(S_W S_B^+)/C, NC2 = Avg_{c != c'} |cos(mu_c - mu_G, mu_c' - mu_G) + 1/(C-1)| (max-angle),
    NC3 = || W^T/||W||_F - M_dot/||M_dot||_F ||_F^2, NC4 = P[argmax_c (w_c.h + b_c) != argmin_c ||h - mu_c||].

The paper's claim (VERBATIM in words): during the terminal phase of training (after zero training error) NC1, NC2,
NC3 and NC4 all decrease towards 0. DERIVED: NC1 is invariant to h -> a Q h and scales as s^2 when the within-class
noise around fixed means is scaled by s.
"""

from __future__ import annotations

import sympy as sp

from ._constraints import Integer
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Vardan Papyan", "X. Y. Han", "David L. Donoho"),
    title="Prevalence of neural collapse during the terminal phase of deep learning training",
    venue="Proceedings of the National Academy of Sciences 117(40):24652-24663",
    year=2020,
    arxiv="2008.08186",
    where="Section I (NC1-NC4, simplex ETF); definitions as quoted by third parties",
)

_C = "C >= 2 classes (a simplex ETF of C vectors)"

RESULT = Result(
    id="papyan2020.neural_collapse",
    title="Neural collapse: simplex ETF geometry and the NC1-NC4 metrics in the terminal phase of training",
    reference=REFERENCE,
    parameters=[Parameter("C", "scalar", (Integer(2),), "number of classes", _C)],
    quantities=[
        Quantity("etf_cosine", lambda s: -1 / (s.C - 1), "pairwise cosine of the simplex ETF's vectors", "SECONDARY"),
        Quantity("etf_rank", lambda s: s.C - 1, "rank of the simplex ETF M* (C vectors in a (C-1)-dim subspace)",
                 "SECONDARY"),
        Quantity("nc1_noise_exponent", lambda s: sp.Integer(2), "log-log slope of NC1 against the scale of the "
                 "within-class noise around fixed class means", "DERIVED"),
        claim("nc1_trend", -1, "direction of NC1 (within-class variability) during the terminal phase of training",
              "SECONDARY", where="NC1"),
        claim("etf_trend", -1, "direction of the max-angle deviation of the centred class means from the simplex "
              "ETF during the terminal phase", "SECONDARY", where="NC2"),
        claim("duality_trend", -1, "direction of the distance between normalised classifier rows and normalised "
              "centred class means during the terminal phase", "SECONDARY", where="NC3"),
    ],
    notes="The PNAS text was not reachable: metric definitions as used by implementations citing the paper.",
    keywords=("neural collapse", "simplex ETF", "terminal phase", "NC1", "NC2", "NC3", "NC4", "class means"),
    dimensional=False,
)
