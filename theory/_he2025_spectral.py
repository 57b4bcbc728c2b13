"""He, Cao, Chen, Wu, Fan, Liu (arXiv 2501.01312): learning spectral methods by transformers.

VERBATIM (abstract): pre-trained multi-layer transformers can learn spectral methods (power method, PCA) and
classify the two-component Gaussian mixture. The construction is UNVERIFIED. Reference quantities (DERIVED,
dossier misc_theory.md §10), for x = y mu + z, y = +-1, z ~ N(0, I_d), r = ||mu||:

* E[x x^T] = mu mu^T + I: top eigenvalue 1 + r^2, the others 1; the power method contracts tan(theta) by
  1/(1 + r^2) per step;
* sign(<x, mu>) attains the Bayes error Phi(-r).
"""

from __future__ import annotations

import sympy as sp

from ._constraints import Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Yihan He", "Yuan Cao", "Hong-Yu Chen", "Dennis Wu", "Jianqing Fan", "Han Liu"),
    title="Learning Spectral Methods by Transformers",
    venue="arXiv preprint",
    year=2025,
    arxiv="2501.01312",
    where="abstract (VERBATIM); reference quantities DERIVED",
)

_G = "symmetric two-component Gaussian mixture x = y mu + z, z ~ N(0, I_d)"

RESULT = Result(
    id="he2025.spectral_transformers",
    title="Spectral methods by transformers: power-method rate and two-Gaussian Bayes error as references",
    reference=REFERENCE,
    parameters=[Parameter("r", "scalar", (Real(0.0, lo_open=True),), "separation ||mu||", _G, latex=r"\|\mu\|")],
    quantities=[
        Quantity("top_eigenvalue", lambda s: 1 + s.r ** 2, "top eigenvalue of E[x x^T]", "DERIVED"),
        Quantity("power_contraction", lambda s: 1 / (1 + s.r ** 2), "per-step contraction of tan(angle to the top "
                 "eigenvector) under the power method (eigenvalue ratio)", "DERIVED"),
        Quantity("bayes_error", lambda s: sp.erfc(s.r / sp.sqrt(2)) / 2, "Bayes error Phi(-r) of the mixture, "
                 "attained by sign(<x, mu>)", "DERIVED"),
        claim("trained_clustering", -1, "sign of [clustering error of a trained multi-layer linear-attention model] - "
              "[its error at initialisation], with the trained error at the power method's", "VERBATIM",
              where="abstract (transformers learn the spectral method, in words)"),
    ],
    notes="The paper's construction and bounds were not reachable; only reference quantities are encoded.",
    keywords=("spectral method", "power method", "PCA", "clustering", "Gaussian mixture", "transformer"),
    dimensional=False,
)
