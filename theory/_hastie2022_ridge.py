"""Hastie, Montanari, Rosset, Tibshirani (Annals of Statistics 2022): the prediction risk of ridge regression with
isotropic Gaussian features in the proportional limit p/n -> gamma.

Data: x ~ N(0, I_p), y = <x, beta> + eps with ||beta||^2 = r2 and noise variance sigma2; ridge
beta_hat = (X^T X / n + lam I)^-1 X^T y / n. Given X, with S = X^T X / n, the excess risk
E(<x, beta_hat - beta>)^2 = ||beta_hat - beta||^2 averages (over beta uniform on its sphere and the noise) to

    lam^2 (r2/p) tr (S + lam I)^-2  +  (sigma2/n) tr S (S + lam I)^-2,

and the Marchenko-Pastur law of S turns the normalised traces into its Stieltjes transform m(z) at z = -lam:

    risk = r2 lam^2 m'(-lam) + sigma2 gamma (m(-lam) - lam m'(-lam)),
    m(-lam) = (-(1 - gamma + lam) + sqrt((1 - gamma + lam)^2 + 4 gamma lam)) / (2 gamma lam).

Status DERIVED: the paper's isotropic ridge statement (its Section 5) was not reachable; the formula is derived
here from the Marchenko-Pastur law and checked by simulation (verify/checks/ridge_regression.py). Limits: lam -> oo
gives r2 (predict 0); lam -> 0 with gamma < 1 gives the least-squares variance sigma2 gamma / (1 - gamma).
"""

from __future__ import annotations

import sympy as sp

from ._constraints import Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result

REFERENCE = Reference(
    authors=("Trevor Hastie", "Andrea Montanari", "Saharon Rosset", "Ryan J. Tibshirani"),
    title="Surprises in High-Dimensional Ridgeless Least Squares Interpolation",
    venue="Annals of Statistics 50(2)",
    year=2022,
    arxiv="1903.08560",
    where="Section 5, isotropic features with ridge (theorem numbering not confirmed)",
)


def stieltjes(s):
    """m(-lam) of the Marchenko-Pastur law with ratio gamma (variance 1)."""
    a = 1 - s.gamma + s.lam
    return (-a + sp.sqrt(a ** 2 + 4 * s.gamma * s.lam)) / (2 * s.gamma * s.lam)


def risk(s):
    m = stieltjes(s)
    dm = -sp.diff(m, s.lam)  # m'(z) at z = -lam
    return s.r2 * s.lam ** 2 * dm + s.sigma2 * s.gamma * (m - s.lam * dm)


_ASSUME = "Section 5: x ~ N(0, I_p), p/n -> gamma"

RESULT = Result(
    id="hastie2022.ridge_risk",
    title="Prediction risk of ridge regression with isotropic features in the proportional limit",
    reference=REFERENCE,
    parameters=[
        Parameter("gamma", "scalar", (Real(0.0, lo_open=True),), "aspect ratio p/n", _ASSUME),
        Parameter("lam", "scalar", (Real(0.0, lo_open=True),), "ridge penalty (objective ||y - Xb||^2/n + lam ||b||^2)",
                  "ridge with lam > 0 (lam -> 0 is the ridgeless limit)", latex="lambda"),
        Parameter("r2", "scalar", (Real(0.0, lo_open=True),), "signal strength ||beta||^2", _ASSUME,
                  latex="r^2"),
        Parameter("sigma2", "scalar", (Real(0.0),), "noise variance", "y = <x, beta> + eps, Var eps = sigma2",
                  latex="sigma^2"),
    ],
    quantities=[
        Quantity("risk", risk, "excess prediction risk E(<x, beta_hat - beta>)^2 of ridge in the limit p/n -> gamma",
                 "DERIVED"),
    ],
    notes="Formula derived from the Marchenko-Pastur law (module docstring); the paper's theorem text was not "
          "reachable.",
    keywords=("ridge regression", "double descent", "proportional asymptotics", "Marchenko-Pastur", "random matrix"),
    dimensional=False,
)
