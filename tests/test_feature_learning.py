"""The feature-learning family: activations, Hermite constants, measurements, sizes, the trend rule and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch

import theorycheck as tc
from theorycheck import numerics as nm
from theorycheck import rules, theory

A = theory.activations  # activation functions and their Hermite tools


def test_torch_and_numpy_activations_agree():
    z = np.linspace(-4, 4, 101)
    for name in A.ACTIVATIONS:
        np.testing.assert_allclose(nm.activation(name)(torch.tensor(z)).numpy(), A.np_activation(name)(z),
                                   atol=1e-12)


def test_relu_hermite_constants_are_exact():
    """Gauss-free closed form vs SymPy's exact integral, and the dossier's c*_p^2 values."""
    z = sp.Symbol("z", real=True)
    for i in range(7):
        density = sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi)
        exact = sp.integrate(z * sp.hermite_prob(i, z) * density, (z, 0, sp.oo)) / sp.factorial(i)
        assert sp.simplify(exact - A.relu_coefficient_exact(i)) == 0
        assert math.isclose(float(exact), A.hermite_coefficients("relu", 6)[i], abs_tol=1e-15)
    np.testing.assert_allclose(A.c_star("relu", [1, 2, 4, 6]) ** 2,
                               [(math.pi - 2) / (4 * math.pi), (math.pi - 3) / (4 * math.pi),
                                (12 * math.pi - 37) / (48 * math.pi), (120 * math.pi - 373) / (480 * math.pi)],
                               rtol=1e-12)


def test_ba_erf_constants():
    r = theory.get("ba2022.one_step")
    assert math.isclose(r.evaluate("mu1_star", teacher="erf"), 2 / math.sqrt(3 * math.pi), rel_tol=1e-12)
    assert math.isclose(r.evaluate("kernel_lower_bound", teacher="erf"),
                        2 / math.pi * math.asin(2 / 3) - 4 / (3 * math.pi), rel_tol=1e-12)
    assert r.evaluate("tau_star", student="erf", teacher="erf") < 1e-12
    # the objective whose minimum tau* is: 0 at kappa = sqrt(3) for erf/erf, positive elsewhere
    assert theory.ba2022_tau_objective("erf", "erf", math.sqrt(3)) < 1e-12
    assert theory.ba2022_tau_objective("erf", "erf", 1.0) > 1e-4
    # below the spiked-matrix transition the step does not move the top singular vector
    assert r.evaluate("step_alignment", psi1=4, psi2=2, eta=1.0) == 0


def test_principal_sines_and_out_of_span():
    g = torch.Generator().manual_seed(0)
    M = torch.linalg.qr(torch.randn(1, 10, 3, generator=g, dtype=torch.float64))[0]
    W = torch.randn(1, 20, 3, generator=g, dtype=torch.float64) @ M.transpose(-1, -2)  # rows inside span(M)
    assert float(nm.principal_sines(W, M).max()) < 1e-7 and float(nm.out_of_span(W, M)) < 1e-12
    # rows in span(M_1, M_2, e) with e orthogonal to span(M): one principal angle is 90 degrees
    e = torch.randn(10, generator=g, dtype=torch.float64)
    e = e - M[0] @ (M[0].T @ e)
    basis = torch.cat([M[0, :, :2], (e / e.norm())[:, None]], 1)
    Wo = torch.randn(1, 20, 3, generator=g, dtype=torch.float64) @ basis.T
    assert math.isclose(float(nm.principal_sines(Wo, M)[0, 0]), 1.0, abs_tol=1e-7)
    assert float(nm.principal_sines(Wo, M)[0, 1]) < 1e-7


def test_ridge_matches_the_normal_equations_in_both_forms():
    g = torch.Generator().manual_seed(1)
    for n, k in ((50, 10), (10, 50)):
        P, y = torch.randn(n, k, generator=g, dtype=torch.float64), torch.randn(n, generator=g, dtype=torch.float64)
        w = nm.ridge(P[None], y[None], 0.1)[0]
        ref = torch.linalg.solve(P.T @ P / n + 0.1 * torch.eye(k, dtype=P.dtype), P.T @ y / n)
        torch.testing.assert_close(w, ref)


@pytest.mark.parametrize("rid,q,values,name", [
    ("demir2025.mlp_icl", "c_star", {"activation": "relu", "p": -1}, "p"),
    ("demir2025.mlp_icl", "hermite_c", {"activation": "swish", "i": 2}, "activation"),
    ("ba2022.one_step", "spike_alignment", {"teacher": "erf", "psi1": -1.0}, "psi1"),
    ("collins2024.multitask_relu", "contrastive_loss", {"alpha": 0.1, "r": 0, "in_span": 1.0}, "r"),
    ("shi2022.feature_emergence", "gamma", {"k": 4}, "k"),
    ("xu2024.multitask_finetuning", "probe_risk", {"coverage": 0.5, "sigma2": 0.1, "k": 5, "n0": 6}, "n0"),
    ("shi2023.gradient_features", "mu_coef", {"mu_norm": 1.0, "c": 2.0}, "c"),
])
def test_bad_input_names_the_parameter_and_the_assumption(rid, q, values, name):
    with pytest.raises(theory.InvalidParameterError) as e:
        theory.get(rid).evaluate(q, **values)
    assert f"'{name}'" in str(e.value) and "assumption" in str(e.value)


def test_numerics_reject_bad_sizes():
    from theorycheck.verify.checks.multitask_features import MultitaskSizes

    with pytest.raises(ValueError, match="r. parameter of MultitaskSizes"):
        MultitaskSizes(d=3, r=5)
    with pytest.raises(ValueError, match="width"):
        nm.MultitaskReLU(1, 0, 5, 0.1)
    with pytest.raises(ValueError, match="name. parameter of activation"):
        nm.activation("swish")


def test_sizes_follow_the_profile():
    from theorycheck.verify.checks.one_step_features import MLPICLSizes, MLPICLTrendSizes

    quick, ci = tc.verify.PROFILES["quick"], tc.verify.PROFILES["ci"]
    assert tc.verify.sizes_for(MLPICLSizes, quick).seeds == 4 and tc.verify.sizes_for(MLPICLSizes, ci).seeds == 2
    assert tc.verify.sizes_for(MLPICLTrendSizes, quick).seeds == 8 and tc.verify.sizes_for(MLPICLTrendSizes, ci).seeds == 4
    assert tc.verify.sizes_for(MLPICLTrendSizes, quick).d == MLPICLSizes().d == 20


def test_trend_rule_fails_when_reversed_or_removed():
    """The trend rule the family's claims use: a claimed direction must clear z*SE; reversed or removed, it fails."""
    assert rules.trend(-1, -0.5, 0.05).verdict == "pass"
    assert rules.trend(1, -0.5, 0.05).verdict == "fail"
    assert rules.trend(0, -0.5, 0.05).verdict == "fail"
    assert rules.trend(-1, -0.1, 0.05).verdict == "fail"  # right sign, not resolved (t = 2 < 4.5)
    assert rules.trend(0, 0.01, 0.05).verdict == "pass"
    assert rules.trend(-1, -0.5, 0.05, requires={"T = 1 keeps r - 1 sines > 0.9": False}).verdict == "fail"
    assert rules.trend(-1, float("nan"), 0.05).verdict == "fail"  # a NaN never passes


def test_a_diverged_step_is_assumption_violated(monkeypatch):
    """A one-step fit whose loss is non-finite marks the alignment check's verdict, never passes it."""
    from theorycheck.verify.checks import one_step_features as osf

    real_fit = nm.fit

    def diverging_fit(model, task, config, **kw):
        res = real_fit(model, task, config, **kw)
        res.diverged[:] = True
        return res

    monkeypatch.setattr(osf.nm, "fit", diverging_fit)
    small = osf.AlignmentSizes(d=32, seeds=3)
    monkeypatch.setattr(tc.verify.Context, "sizes", lambda self, cls, **fixed: small)
    v = tc.run_check(osf.alignment, profile="ci", seed=0, shrink=False)
    assert v.examples[0].verdict == "assumption-violated" and "diverged" in v.examples[0].comparison.reason
