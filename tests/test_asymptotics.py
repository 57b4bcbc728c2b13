"""The asymptotic-learning-curve family: theory corners, bad input, numerics, and the cross-paper identity."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch

import theorycheck as tc
from theorycheck import numerics as nm
from theorycheck import theory

LU = theory.get("lu2025.icl_asymptotics")
FD = theory.get("lu2025.finite_d_error")
AS = theory.get("advani2020.gd_learning_curves")


# ------------------------------------------------------------------------------------------------ theory
def test_paper_values_reproduce_the_dossier():
    """Values the dossier computed with the authors' code (asymptotic_icl.md §1.10, §1.11, §2.6)."""
    kw = dict(alpha=2, kappa=1, rho=0.1, lam=0)
    assert LU.evaluate("e_icl", tau=2, **kw) == pytest.approx(1.1539, abs=1e-4)
    assert LU.evaluate("e_idg", tau=2, **kw) == pytest.approx(0.7324, abs=1e-4)
    assert LU.evaluate("e_icl", tau=0.5, **kw) == pytest.approx(1.2854, abs=1e-4)
    assert LU.evaluate("e_icl_tau_inf", alpha=2, kappa=1, rho=0.1) == pytest.approx(0.621, abs=1e-3)
    ridge = LU.evaluate("e_icl", alpha=10, kappa=np.inf, tau=np.array([0.5, 1, 2]), rho=0.01, lam=0.1)
    np.testing.assert_allclose(ridge, [0.636, 0.361, 0.189], atol=1e-3)
    g = LU.evaluate("g_task", alpha=10, kappa=np.array([0.2, 0.5, 1, 2, 4]), tau=10, rho=0.01, lam=1e-6)
    np.testing.assert_allclose(g, [0.825, 0.533, 0.164, 0.030, 0.009], atol=2e-3)
    assert AS.evaluate("t_opt", alpha=0.7, snr=2) == pytest.approx(1.26, abs=0.01)
    assert AS.evaluate("E_bayes", alpha=0.7, snr=2) == pytest.approx(1.114, abs=1e-3)


def test_resolvent_corners_are_stable():
    M = lambda k, x: float(LU.evaluate("M_kappa", kappa=k, x=x))
    # kappa << 1 and small x: the cancelling branch; M ~ (1 - kappa)/x
    assert M(1e-6, 1e-8) == pytest.approx((1 - 1e-6) / 1e-8, rel=1e-6)
    assert M(np.inf, 0.3) == pytest.approx(1 / 1.3, rel=1e-15)
    assert M(1e12, 0.3) == pytest.approx(1 / 1.3, rel=1e-9)
    # the positive root of (x/kappa) M^2 + (1 - 1/kappa + x) M - 1 = 0, across 6 decades
    k, x = np.meshgrid(np.logspace(-3, 3, 25), np.logspace(-4, 2, 25))
    m = LU.evaluate("M_kappa", kappa=k, x=x)
    np.testing.assert_allclose((x / k) * m ** 2 + (1 - 1 / k + x) * m - 1, 0, atol=1e-9)


def test_ridge_solver_is_continuous_at_zero_and_at_the_threshold():
    kw = dict(alpha=2.0, kappa=1.0, rho=0.1)
    for tau in (0.5, 0.9, 1.1, 3.0):
        assert LU.evaluate("e_icl", tau=tau, lam=1e-10, **kw) == pytest.approx(LU.evaluate("e_icl", tau=tau, lam=0, **kw), rel=1e-4)
        assert LU.evaluate("e_idg", tau=tau, lam=1e-10, **kw) == pytest.approx(LU.evaluate("e_idg", tau=tau, lam=0, **kw), rel=1e-4)
    # tau = 1 is finite for any lam > 0, and grows as lam -> 0
    vals = [float(LU.evaluate("e_icl", tau=1.0, lam=lam, **kw)) for lam in (1e-1, 1e-3, 1e-6)]
    assert all(np.isfinite(vals)) and vals[0] < vals[1] < vals[2]
    # lam -> oo and tau -> 0: Gamma = 0
    assert LU.evaluate("e_icl", tau=2.0, lam=1e9, **kw) == pytest.approx(1.1, rel=1e-6)


def test_g_task_vanishes_above_the_transition():
    """Above kappa = 1 the large-alpha, large-tau g_task goes to 0 (below it, the check
    lu2025.icl_asymptotics/task_diversity_transition)."""
    for k in (1.5, 3.0):
        assert abs(float(LU.evaluate("g_task", alpha=1e6, kappa=k, tau=1e8, rho=0.01, lam=0))) < 1e-4


@pytest.mark.parametrize("bad,match", [
    (dict(tau=1.0, lam=0.0), "lam > 0"),
    (dict(kappa=0.0), "'kappa'"),
    (dict(kappa=-1.0), "'kappa'"),
    (dict(alpha=0.0), "'alpha'"),
    (dict(rho=float("nan")), "'rho'"),
])
def test_bad_input_names_the_parameter_and_the_assumption(bad, match):
    values = {"alpha": 2.0, "kappa": 1.0, "tau": 2.0, "rho": 0.1, "lam": 0.0, **bad}
    with pytest.raises(tc.InvalidParameterError, match=match) as e:
        LU.evaluate("e_icl", **values)
    assert "assumption" in str(e.value) and "lu2025.icl_asymptotics" in str(e.value)


def test_tau_one_with_ridge_is_fine_and_symbolic_kappa_infinity_works():
    assert np.isfinite(LU.evaluate("e_icl", alpha=2, kappa=1, tau=1.0, rho=0.1, lam=0.01))
    expr = LU.evaluate("e_icl", alpha=2, kappa=sp.oo, tau=sp.Rational(1, 2), rho=sp.Rational(1, 10), lam=0)
    assert float(expr) == pytest.approx(float(LU.evaluate("e_icl", alpha=2, kappa=np.inf, tau=0.5, rho=0.1, lam=0)), rel=1e-12)
    assert "epsilon" in LU.latex("e_icl")  # the ridge branch shows its self-consistent equation
    assert LU.conditions("e_icl")


def test_finite_d_error_shape_errors_and_task_norms():
    G = np.zeros((4, 5))
    assert FD.evaluate("e_icl", Gamma=G, ell=8, rho=0.2) == pytest.approx(1.2)  # Gamma = 0: 1 + rho
    with pytest.raises(tc.InvalidParameterError, match="'tasks'.*squared norm"):
        FD.evaluate("e_idg", Gamma=G, ell=8, rho=0.2, tasks=np.ones((3, 4)) * 2)
    with pytest.raises(tc.InvalidParameterError, match="'Gamma'"):
        FD.evaluate("e_icl", Gamma=np.zeros((4, 4)), ell=8, rho=0.2)
    assert FD.evaluate("n_peak", d=30) == 930


def test_advani_quadrature_matches_scipy_and_the_snr_convention():
    from scipy.integrate import quad

    a, s2e, s0, t = 1.0, 0.3, 0.5, 1e3
    lo, hi = 0.0, 4.0
    rho = lambda l: math.sqrt((hi - l) * (l - lo)) / (2 * math.pi * l)
    f = lambda l: math.exp(-l * t)
    ref = quad(lambda l: rho(l) * ((1 + s0) * f(l) ** 2 + s2e * (1 - f(l)) ** 2 / l), lo, hi, limit=400, epsabs=1e-13)[0] + s2e
    assert AS.evaluate("E_g", alpha=a, sigma_eps2=s2e, sigma_w0_2=s0, t=t) == pytest.approx(ref, rel=1e-8)
    assert AS.evaluate("E_g", alpha=2, snr=5, t=1.0) == AS.evaluate("E_g", alpha=2, sigma_eps2=0.2, t=1.0)
    with pytest.raises(tc.InvalidParameterError, match="'snr'"):
        AS.evaluate("E_g", alpha=2, snr=3, sigma_eps2=0.2, t=1.0)
    with pytest.raises(tc.InvalidParameterError, match="'eta'"):
        AS.evaluate("E_g", alpha=4, snr=3, t=1.0, eta=0.3)  # 2/(1+2)^2 = 0.22
    assert AS.evaluate("E_g_inf", alpha=1.0, snr=5) == np.inf  # the alpha = 1 peak
    assert AS.evaluate("t_opt", alpha=2.0, snr=np.inf) == np.inf  # no noise: no overtraining


def test_cross_paper_lsa_optimum_equals_lu_unlimited_diversity_limit():
    """Lambda = I/d, N = M = alpha d, noise rho: the linear-attention optimum over A = g d I equals Lu et al.'s
    kappa = oo, tau = oo error at noise rho + 1/d (minus that noise), exactly at every d, and tends to it as d -> oo."""
    fix = theory.get("zhang2024.preconditioner_risk")
    for d, N, rho in [(1, 3, 0.0), (3, 12, 0.5), (5, 40, 0.1), (6, 7, 2.0)]:
        rp = rho + 1 / d
        alpha = N / d
        lu = float(LU.evaluate("e_icl_tau_inf", alpha=alpha, kappa=np.inf, rho=rp)) - rp
        g = 1 / (1 + (1 + rp) / alpha)
        risk = lambda gg: float(fix.evaluate("risk", A=gg * d * np.eye(d), lam=[1 / d] * d, M=N, sigma2=rho))
        assert risk(g) == pytest.approx(lu, rel=1e-12)
        assert risk(g) < min(risk(0.97 * g), risk(1.03 * g))
    # d -> oo at fixed alpha: the 1/d shift vanishes
    a, rho = 2.0, 0.1
    q = (1 + rho) / a
    assert float(LU.evaluate("e_icl_tau_inf", alpha=a, kappa=np.inf, rho=rho)) - rho == pytest.approx(q / (1 + q), rel=1e-14)
    # ZFB's noise-free optimum A = 1/gamma at Lambda = I/d is d/(1 + q + 1/N) with q = 1/alpha: Lu's Gamma_1 = 1/(1+q)
    zfb = theory.get("zhang2024.lsa_limit")
    for d, N in [(4, 40), (6, 600)]:
        A = zfb.evaluate("A", N=N, lam=[1 / d] * d)
        np.testing.assert_allclose(A / d, 1 / (1 + d / N + 1 / N), rtol=1e-12)


# ---------------------------------------------------------------------------------------------- numerics
def test_exact_context_sampler_matches_token_level_moments():
    d, ell, rho, n = 5, 7, 0.3, 200_000
    gen = torch.Generator().manual_seed(1)
    w = nm.sample_tasks(1, 2, d, gen)[0][torch.arange(n) % 2]
    h, y = nm.sample_contexts(w, ell, rho, gen)
    X = torch.randn(n, ell, d, generator=gen, dtype=torch.float64) / math.sqrt(d)
    yy = (X * w[:, None]).sum(-1) + math.sqrt(rho) * torch.randn(n, ell, generator=gen, dtype=torch.float64)
    u = (d / ell) * (X * yy[..., None]).sum(1)
    s = (yy ** 2).sum(1) / ell
    xq = torch.randn(n, d, generator=gen, dtype=torch.float64) / math.sqrt(d)
    h2 = (xq[:, :, None] * torch.cat([u, s[:, None]], 1)[:, None]).reshape(n, -1)
    for a, b in ((h * h, h2 * h2), (h * y[:, None], h2 * ((xq * w).sum(-1) + 0 * y)[:, None])):
        diff = a.mean(0) - b.mean(0)
        se = torch.sqrt(a.var(0) / n + b.var(0) / n)
        assert float((diff.abs() / se).max()) < 5.0


def test_fit_gamma_is_reproducible_and_chunk_invariant():
    sizes = nm.lu_sizes(6, 2.0, 1.0, 2.0)
    a = nm.fit_gamma(sizes, 0.1, 0.01, seeds=3, seed=5, device="cpu")
    b = nm.fit_gamma(sizes, 0.1, 0.01, seeds=3, seed=5, device="cpu")
    assert torch.equal(a.Gamma, b.Gamma)
    # the Gram accumulated in small chunks solves the same normal equations (same draws, different grouping)
    c = nm.fit_gamma(sizes, 0.1, 0.01, seeds=3, seed=5, device="cpu", elements=42 * 5)
    assert c.Gamma.shape == (3, 6, 7) and torch.isfinite(c.Gamma).all()


def test_gradient_flow_matches_explicit_gradient_descent():
    data = nm.teacher_data(2, 30, 45, sigma_w2=1.0, sigma_eps2=0.3, sigma_w0_2=0.5, seed=3)
    g, tr = nm.gradient_flow_errors(data, [0.7])
    w = data.w0.clone()
    dt = 1e-4
    for _ in range(7000):
        w = w + dt * torch.einsum("spn,sp->sn", data.X, data.y - torch.einsum("spn,sn->sp", data.X, w))
    ge = ((w - data.w_bar) ** 2).sum(-1) / 30
    np.testing.assert_allclose(g[:, 0].numpy(), ge.numpy(), rtol=1e-3)
    # alpha < 1: the frozen subspace keeps its initial error
    small = nm.teacher_data(1, 40, 10, sigma_w2=1.0, sigma_eps2=0.0, sigma_w0_2=1.0, seed=0)
    g_inf, t_inf = nm.gradient_flow_errors(small, [math.inf])
    assert float(t_inf) < 1e-20 and float(g_inf) > 0.5


# ------------------------------------------------------------------------------------------------ checks
FAMILY = ("lu2025.icl_asymptotics", "lu2025.finite_d_error", "advani2020.gd_learning_curves")


def test_every_check_of_the_family_is_catalogued_under_its_result():
    ids = {c.id for c in tc.checks_for(list(FAMILY))}
    lu = ["ridgeless_closed_form", "trivial_limits", "tau_inf_limit", "unlimited_diversity", "task_diversity_transition",
          "alpha_slope", "double_descent_pole", "lsa_optimum", "resolvent", "ridgeless_curve", "ridge_curve",
          "task_diversity"]
    advani = ["plateau_limit", "bayes_is_optimal_ridge", "t_opt_is_minimiser", "flow_curves", "plateaus", "gd_steps",
              "overtraining_peak", "early_stopping", "training_curves", "bayes_error"]
    expected = ({f"lu2025.icl_asymptotics/{n}" for n in lu} | {f"advani2020.gd_learning_curves/{n}" for n in advani}
                | {"lu2025.finite_d_error/monte_carlo", "lu2025.finite_d_error/peak_location"})
    assert expected <= ids, expected - ids
    heavy = {c.id: c for c in tc.checks_for(list(FAMILY)) if c.cost == "heavy"}
    assert set(heavy) == {f"lu2025.icl_asymptotics/{n}" for n in ("ridgeless_curve", "ridge_curve", "task_diversity")}
    assert all(c.resolution_target == 0.2 and "1/d" in c.target_reason for c in heavy.values())


def test_lu_sizes_keep_the_quick_seeds_in_ci_and_widen_in_thorough():
    from theorycheck.verify.checks.lu_asymptotics import LuExtrapolation, PeakSizes, ResolventSizes

    ci, quick, thorough = (tc.PROFILES[n] for n in ("ci", "quick", "thorough"))
    assert tc.verify.sizes_for(LuExtrapolation, ci) == tc.verify.sizes_for(LuExtrapolation, quick)
    assert tc.verify.sizes_for(LuExtrapolation, quick).per_d[0] == (12, 1600)
    assert tc.verify.sizes_for(LuExtrapolation, thorough).per_d[-1] == (64, 24)
    assert [tc.verify.sizes_for(PeakSizes, p).seeds for p in (ci, quick, thorough)] == [24, 24, 96]
    assert [tc.verify.sizes_for(ResolventSizes, p).seeds for p in (ci, quick, thorough)] == [6, 6, 24]


def test_experiments_are_memoised_per_run():
    from theorycheck.verify.checks.advani_saxe import flow_run
    from theorycheck.verify.checks.lu_asymptotics import resolvent_traces

    with tc.verify.run_cache():
        a = flow_run(2.0, 5.0, 0.0, (1.0, math.inf), N=40, seeds=3, seed=1, device="cpu")
        b = flow_run(2.0, 5.0, 0.0, [1.0, math.inf], N=40, seeds=3, seed=1, device="cpu")
        c = flow_run(2.0, 5.0, 0.0, (1.0, math.inf), N=40, seeds=3, seed=2, device="cpu")
    assert a is b and c is not a and a.E_g.shape == (3, 2)
    assert resolvent_traces.cpu_only  # NumPy SVDs: declared, and recorded as run on the CPU


def test_tolerances_do_not_move_with_the_prediction():
    """Perturbing the prediction moves the gap, never the tolerance (flow curves, and a limit identity's measured
    side)."""
    for cid, target in (("advani2020.gd_learning_curves/flow_curves", ("advani2020.gd_learning_curves", "E_g")),
                        ("advani2020.gd_learning_curves/plateau_limit", ("advani2020.gd_learning_curves", "E_g_inf"))):
        check = tc.verify.get_check(cid)
        cache: dict = {}
        base = tc.run_check(check, profile="ci", seed=0, device="cpu", cache=cache).examples[0].comparison
        bent = tc.run_check(check, profile="ci", seed=0, device="cpu", cache=cache, shrink=False,
                            perturb=tc.Perturbation(*target, 1.05)).examples[0].comparison
        assert base.diagnostics["components"]["tolerance"] == bent.diagnostics["components"]["tolerance"]
        assert base.verdict == "pass" and bent.verdict == "fail"


def test_diverged_gradient_descent_is_assumption_violated(monkeypatch):
    from theorycheck.verify.checks import advani_saxe as A

    def diverged(alpha, snr, sigma_w0_2, *, N, seeds, train, seed, device="cpu"):
        nan = np.full(seeds, np.nan)
        return A.GDRun(P=round(alpha * N), eta=0.1, marks=[10, 30], E_g={10: nan, 30: nan}, fit={"diverged": seeds},
                       diverged=seeds)

    monkeypatch.setattr(A, "gd_run", diverged)
    v = tc.run_check(tc.verify.get_check("advani2020.gd_learning_curves/gd_steps"), profile="ci", seed=0,
                     device="cpu", cache={}, shrink=False)
    assert v.verdict == "assumption-violated"
    assert all("diverged" in r.comparison.reason for r in v.examples)
