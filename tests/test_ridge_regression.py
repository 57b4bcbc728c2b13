"""hastie2022.ridge_risk: closed-form limits, the optimal penalty, and the finite-p experiment."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from theorycheck.verify.checks.ridge_regression import extrapolate, ridge_excess_risk

import theorycheck as tc

R = tc.get("hastie2022.ridge_risk")


def test_limits_of_the_penalty():
    # lam -> oo: beta_hat -> 0, the risk is the signal r2; lam -> 0 below the threshold: least squares
    assert float(R.evaluate("risk", gamma=0.5, lam=1e7, r2=2.0, sigma2=1.0)) == pytest.approx(2.0, rel=1e-6)
    g, s2 = 0.4, 0.7
    assert float(R.evaluate("risk", gamma=g, lam=1e-9, r2=1.0, sigma2=s2)) == pytest.approx(s2 * g / (1 - g), rel=1e-6)


def test_the_optimal_penalty_is_gamma_sigma2_over_r2():
    """The Bayes-optimal ridge penalty lam* = gamma sigma2 / r2 is a stationary point of the risk (symbolically)."""
    g, lam, r2, s2 = (sp.Symbol(n, positive=True) for n in ("gamma", "lambda", "r^2", "sigma^2"))
    expr = R.evaluate("risk", gamma=g, lam=lam, r2=r2, sigma2=s2)
    dr = sp.diff(expr, lam).subs(lam, g * s2 / r2)
    for vals in ({g: 0.5, r2: 1.0, s2: 0.3}, {g: 2.0, r2: 3.0, s2: 1.5}):
        assert abs(float(dr.subs(vals))) < 1e-10


def test_the_experiment_is_the_exact_conditional_risk():
    """The per-draw value equals ||beta_hat - beta||^2 averaged over beta on the sphere and the noise (Monte Carlo)."""
    gamma, lam, r2, s2, p = 0.5, 0.3, 1.0, 0.5, 20
    n = round(p / gamma)
    vals = ridge_excess_risk(gamma, lam, r2, s2, p, 1, seed=3, device="cpu")
    import torch

    g = torch.Generator().manual_seed(3 * 7919 + p)
    X = torch.randn(1, n, p, generator=g, dtype=torch.float64)[0].numpy()
    rng = np.random.default_rng(0)
    S = X.T @ X / n
    errs = []
    for _ in range(20000):
        b = rng.standard_normal(p)
        b *= np.sqrt(r2) / np.linalg.norm(b)
        y = X @ b + np.sqrt(s2) * rng.standard_normal(n)
        bh = np.linalg.solve(S + lam * np.eye(p), X.T @ y / n)
        errs.append(((bh - b) ** 2).sum())
    errs = np.asarray(errs)
    assert abs(errs.mean() - vals[0]) < 4.5 * errs.std() / np.sqrt(len(errs))


def test_extrapolation_recovers_a_known_intercept():
    ps = np.array([50, 100, 200, 400])
    a, se, chi2, _ = extrapolate(ps, 0.3 + 2.0 / ps, np.full(4, 1e-3))
    assert a == pytest.approx(0.3, abs=1e-9) and se > 0
