"""Ridge regression with isotropic Gaussian features in the proportional limit (Hastie et al. 2022).

Experiment: for each size p (n = round(p / gamma)), draw X, and compute the excess risk of ridge *averaged exactly
over the signal direction and the noise* given X (no sampling noise beyond X itself):
lam^2 (r2/p) tr (S + lam)^-2 + (sigma2/n) tr S (S + lam)^-2, from the eigenvalues of S = X^T X / n.
Check: the gap to the theory at the realised ratio p/n, fitted as a + b/p across sizes (finite-size term fitted,
not set), must have an intercept a within z*SE(a) of 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from ... import theory
from .. import rules
from .._check import check
from .._experiment import Sizes, experiment, scaled

RIDGE = "hastie2022.ridge_risk"


@dataclass(frozen=True)
class RidgeSizes(Sizes):
    ps: tuple = (50, 100, 200, 400)  # feature dimensions of the 1/p extrapolation (n = round(p / gamma))
    draws: int = scaled(64, min=32)  # X draws at the smallest p; halved at each doubling of p (SE ~ 1/p per draw)


@experiment
def ridge_excess_risk(gamma: float, lam: float, r2: float, sigma2: float, p: int, draws: int, *, seed: int,
                      device: str = "cpu") -> np.ndarray:
    """Excess risk of ridge given X, averaged exactly over beta (uniform, ||beta||^2 = r2) and the noise; one value
    per draw of X (float64)."""
    n = max(1, round(p / gamma))
    g = torch.Generator(device=device).manual_seed(seed * 7919 + p)
    X = torch.randn(draws, n, p, generator=g, device=device, dtype=torch.float64)
    ev = torch.linalg.eigvalsh(X.transpose(1, 2) @ X / n)  # (draws, p)
    out = lam ** 2 * r2 / p * (1 / (ev + lam) ** 2).sum(-1) + sigma2 / n * (ev / (ev + lam) ** 2).sum(-1)
    return out.cpu().numpy()


def extrapolate(ps, gaps, ses):
    """Weighted least squares gap(p) = a + b/p: intercept, its SE inflated by sqrt(max(1, chi2_red)), fit."""
    x = 1.0 / np.asarray(ps, float)
    A = np.stack([np.ones_like(x), x], axis=1)
    w = 1.0 / np.maximum(np.asarray(ses, float), 1e-300)
    coef, *_ = np.linalg.lstsq(A * w[:, None], np.asarray(gaps) * w, rcond=None)
    cov = np.linalg.inv((A * w[:, None]).T @ (A * w[:, None]))
    chi2 = float((((A @ coef - gaps) * w) ** 2).sum() / max(1, len(ps) - 2))
    return float(coef[0]), float(math.sqrt(cov[0, 0]) * math.sqrt(max(1.0, chi2))), chi2, coef.tolist()


def _log(lo, hi):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


@check(result=RIDGE, quantity="risk", name="finite_p_extrapolation", rule="value",
       strategy=st.fixed_dictionaries({"gamma": _log(0.2, 5.0), "lam": _log(0.05, 5.0), "r2": _log(0.2, 5.0),
                                       "sigma2": st.floats(0.0, 2.0)}),
       examples=[{"gamma": 0.5, "lam": 0.3, "r2": 1.0, "sigma2": 0.5}, {"gamma": 2.0, "lam": 0.1, "r2": 1.0,
                                                                        "sigma2": 0.2}],
       method=f"exact conditional risk given X at p = 50..400 over X draws; sim - theory(p/n) fitted as a + b/p; "
              f"tolerance = z*SE(a)*sqrt(max(1, chi2_red)), z = {rules.Z}")
def finite_p_extrapolation(p, ctx):
    """Ridge's excess risk at finite p, extrapolated to p -> oo, equals the proportional-limit formula."""
    sizes = ctx.sizes(RidgeSizes)
    ridge = theory.get(RIDGE)
    gaps, ses, per_p = [], [], {}
    for k, dim in enumerate(sizes.ps):
        draws = max(4, sizes.draws >> k)
        vals = ridge_excess_risk(p["gamma"], p["lam"], p["r2"], p["sigma2"], dim, draws, seed=ctx.seed,
                                 device=ctx.device)
        realised = dim / max(1, round(dim / p["gamma"]))  # theory at the realised ratio: no rounding bias
        gap = float(vals.mean()) - float(ridge.evaluate("risk", gamma=realised, lam=p["lam"], r2=p["r2"],
                                                        sigma2=p["sigma2"]))
        gaps.append(gap)
        ses.append(float(vals.std(ddof=1) / math.sqrt(draws)))
        per_p[dim] = {"draws": draws, "gap": gap, "se": ses[-1]}
    a, se_a, chi2, coef = extrapolate(sizes.ps, np.array(gaps), ses)
    predicted = float(ctx.predict(**p))
    limit = float(ridge.evaluate("risk", **p))  # the unperturbed theory the gaps were measured against
    return rules.value(predicted, limit + a, parts={f"extrapolation (z*SE(a), z={rules.Z})": rules.Z * se_a},
                       sizes={"per_p": per_p}, diagnostics={"intercept": a, "se_intercept": se_a, "chi2_red": chi2,
                                                            "fit (a, b)": coef})
