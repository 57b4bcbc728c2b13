"""Training dynamics, collapse and transformers as algorithms: the new optimisers, the annealing areas, neural-collapse
metrics, attention constructions, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch

import theorycheck as tc
from theorycheck import numerics as nm
from theorycheck import theory

AdaGradPP, AdamPP = nm.AdaGradPP, nm.AdamPP


# ----------------------------------------------------------------------------------------------- optimisers
@pytest.mark.parametrize("cls,kw", [(AdaGradPP, {"lr": 0.0}), (AdaGradPP, {"lr": -1.0}), (AdaGradPP, {"eps": 0.0}),
                                    (AdaGradPP, {"eps": float("nan")}), (AdaGradPP, {"delta": -1e-3}),
                                    (AdamPP, {"betas": (1.0, 0.999)}), (AdamPP, {"betas": (0.9, -0.1)}),
                                    (AdamPP, {"lam": 0.0}), (AdamPP, {"lam": 1.5}), (AdamPP, {"eps": -1.0})])
def test_optimisers_reject_invalid_hyperparameters_with_the_standard_error(cls, kw):
    """The project's one message shape (a ValueError, as torch's optimisers raise), naming the parameter."""
    p = torch.nn.Parameter(torch.zeros(3))
    name = next(iter(kw))
    with pytest.raises(tc.InvalidParameterError, match=rf"The '{name}(\[\d\])?' parameter of {cls.__name__} must be"):
        cls([p], **kw)


def _reference_adagrad_pp(x0, grads_fn, steps, eps, delta):
    """The update rule written out in NumPy (theory/_tao2025_adagrad_pp.py), for one model."""
    x, s, eta = x0.copy(), np.zeros_like(x0), eps
    for _ in range(steps):
        eta = max(eta, np.linalg.norm(x - x0) / math.sqrt(x.size))
        g = grads_fn(x)
        s += g * g
        x = x - eta * g / (np.sqrt(s) + delta)
    return x


def test_adagrad_pp_matches_its_update_rule_and_ensemble_members_are_independent():
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((30, 5)), rng.standard_normal(30)
    grad = lambda x: A.T @ (A @ x - b) / 30
    x0 = rng.standard_normal((3, 5))
    ref = np.stack([_reference_adagrad_pp(x0[e], grad, 50, [1e-6, 1e-3, 1e-1][e], 1e-8) for e in range(3)])
    out = []
    for e, eps in enumerate([1e-6, 1e-3, 1e-1]):  # one member per optimiser (different eps)
        p = torch.nn.Parameter(torch.tensor(x0[e:e + 1]))
        opt = AdaGradPP([p], eps=eps, ensemble=True)
        for _ in range(50):
            opt.zero_grad()
            (0.5 * ((p @ torch.tensor(A).T - torch.tensor(b)) ** 2).mean()).backward()
            opt.step()
        out.append(p.detach().numpy()[0])
    np.testing.assert_allclose(np.stack(out), ref, rtol=1e-10, atol=1e-12)
    # an ensemble of 3 identical members with eps = 1e-3 moves each exactly like one member alone
    p = torch.nn.Parameter(torch.tensor(np.repeat(x0[1:2], 3, 0)))
    opt = AdaGradPP([p], eps=1e-3, ensemble=True)
    for _ in range(50):
        opt.zero_grad()
        (0.5 * ((p @ torch.tensor(A).T - torch.tensor(b)) ** 2).mean(1).sum()).backward()
        opt.step()
    np.testing.assert_allclose(p.detach().numpy(), np.repeat(ref[1:2], 3, 0), rtol=1e-10, atol=1e-12)


def test_adam_pp_step_size_is_the_distance_rule_and_non_decreasing():
    p = torch.nn.Parameter(torch.zeros(2, 4, dtype=torch.float64))
    opt = AdamPP([p], eps=1e-5, ensemble=True, record=True)
    target = torch.tensor([[1.0, -2.0, 3.0, 0.5], [0.1, 0.2, 0.3, 0.4]], dtype=torch.float64)
    for _ in range(100):
        opt.zero_grad()
        ((p - target) ** 2).sum().backward()
        opt.step()
    eta = torch.stack([h[0] for h in opt.history])
    dist = torch.stack([h[1] for h in opt.history])
    assert torch.all(eta[1:] >= eta[:-1])
    np.testing.assert_allclose(eta.numpy(), np.maximum(1e-5, dist.numpy() / 2.0), rtol=1e-12)
    assert float(((p.detach() - target) ** 2).sum()) < float((target ** 2).sum())


def test_fit_accepts_the_new_optimisers_and_table_schedules():
    with pytest.raises(tc.InvalidParameterError, match="'optimizer' parameter of TrainConfig must be one of"):
        nm.TrainConfig(optimizer="lion")
    with pytest.raises(tc.InvalidParameterError, match="lr_table"):
        nm.TrainConfig(steps=10, schedule="table", lr_table=(1.0,) * 5)
    cfg = nm.TrainConfig(steps=4, schedule="table", lr=0.5, lr_table=(1.0, 0.5, 0.25, 0.0))
    assert [cfg.lr_at(s) for s in range(4)] == [0.5, 0.25, 0.125, 0.0]


# ----------------------------------------------------------------------------------------------- annealing law
def test_s2_identities_and_limits():
    """lam = 0: S2(s) = eta_0 - eta_s; constant: S2 = 0; after annealing S2 keeps growing towards D/(1 - lam)."""
    r = theory.get("tissue2024.lr_annealing_law")
    lrs = nm.lr_table("cosine", 100, 1e-3, 1e-5)
    S1, S2 = nm.areas(lrs, 0.0)
    np.testing.assert_allclose(S2, lrs[0] - lrs[1:], rtol=1e-12, atol=1e-18)
    assert float(r.evaluate("S2", schedule="constant", s=50, T=100, eta_max=1e-3)) == 0.0
    tail = np.concatenate([lrs, np.zeros(20000)])
    _, S2t = nm.areas(tail, 0.99)
    assert abs(S2t[-1] - 1e-3 / (1 - 0.99)) < 1e-9
    s, T, eta, lam = sp.symbols("s T eta lam", positive=True)
    lin = r.evaluate("S2", schedule="linear", s=s, T=T, eta_max=eta, eta_min=0, lam=lam)
    assert sp.simplify(lin.subs(s, 1) - eta / T) == 0  # one step of a linear decay: m_1 = eta/T


def test_law_fit_recovers_parameters_from_noise_free_curves():
    from theorycheck.verify.checks.lr_schedules import LawCurveSizes, synthetic_curves

    law = lambda S1, S2, L0, A, al, C: L0 + A * S1 ** (-al) - C * S2
    curves = synthetic_curves(("constant", "cosine"), 2000, 3e-4, (2.0, 0.5, 0.5, 0.4), 0.999,
                              sizes=LawCurveSizes(noise=0.0), seed=0)
    th, _ = nm.fit_annealing_law([c[:3] for c in curves.values()], law)
    np.testing.assert_allclose(th, [2.0, 0.5, 0.5, 0.4], rtol=1e-4)


# ----------------------------------------------------------------------------------------------- collapse
def test_nc_metrics_vanish_on_an_exact_collapse():
    C = 5
    Mx = nm.simplex_etf(C).T * 2.0  # class means = ETF rows
    y = torch.arange(C).repeat_interleave(4)
    h = Mx[y]
    m = nm.nc_metrics(h, y, Mx.clone(), torch.zeros(C, dtype=torch.float64), C)
    assert m["NC1"] < 1e-20 and m["NC2"] < 1e-12 and m["NC3"] < 1e-20 and m["NC4"] == 0.0
    assert abs(m["cos_mean"] + 1 / (C - 1)) < 1e-12


def test_ufm_rho_and_w_star_closed_forms():
    r = theory.get("tirer2023.nc_perturbation")
    assert math.isclose(r.evaluate("rho", lam_W=0.2, lam_H=0.05), 1.8, rel_tol=1e-12)
    assert r.evaluate("rho", lam_W=4.0, lam_H=1.0) == 0.0  # c = 2 > 1: the minimiser is 0
    H = np.random.default_rng(0).standard_normal((4, 6))
    W = r.evaluate("W_star", H=H, K=3, n=2, lam_W=0.3)
    Y = np.kron(np.eye(3), np.ones((1, 2)))
    grad = (W @ H - Y) @ H.T / 6 + 0.3 * W / 3  # d f / d W of Eq. 1 vanishes at W*(H)
    assert np.abs(grad).max() < 1e-12
    with pytest.raises(tc.InvalidParameterError, match="'H'.*K\\*n"):
        r.evaluate("W_star", H=np.ones((4, 7)), K=3, n=2, lam_W=0.3)


# ----------------------------------------------------------------------------------------------- attention
def test_one_nn_prediction_tends_to_the_nearest_neighbour_label():
    r = theory.get("li2024.one_nn_attention")
    a, y = [0.9, 0.95, 0.1], [1.0, -1.0, 1.0]
    assert r.evaluate("hardmax_prediction", a=a, y=y) == -1.0
    vals = [float(r.evaluate("prediction", xi1=x, xi2=x + 60, a=a, y=y)) for x in (1.0, 100.0, 1000.0)]
    assert abs(vals[-1] + 1) < 1e-12 and abs(vals[0] + 1) > abs(vals[1] + 1) > abs(vals[2] + 1)


def test_count_attention_is_the_count_mle():
    g = torch.Generator().manual_seed(0)
    parents = torch.randint(0, 2, (3, 40, 2), generator=g).double()
    child = torch.randint(0, 2, (3, 40), generator=g).double()
    q = torch.tensor([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    match = (parents == q[:, None]).all(-1)
    mle = (match * child).sum(1) / match.sum(1)
    np.testing.assert_allclose(nm.count_attention(parents, child, q, 40.0).numpy(), mle.numpy(), atol=1e-12)


def test_chain_network_is_seeded_by_its_generator_and_leaves_the_global_rng_alone():
    before = torch.random.get_rng_state()
    a = nm.chain_network(5, 4, 5.0, torch.Generator().manual_seed(3))
    assert torch.equal(torch.random.get_rng_state(), before)
    torch.manual_seed(123)  # a different global state changes nothing
    b = nm.chain_network(5, 4, 5.0, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and a.shape == (5, 4, 2) and bool(((a > 0) & (a < 1)).all())


def test_stack_over_instances_is_the_stack_applied_instance_by_instance():
    g = torch.Generator().manual_seed(0)
    stack = nm.LinearAttentionStack(2, 2, 4, 1.0, g)
    X, y = nm.ClusteringInstances(16, 4, 1.0).sample(2, 3, g)  # (E=2, B=3, n, d)
    folded = nm.StackOverInstances(stack)((X, y))
    for b in range(3):
        torch.testing.assert_close(folded[:, b], stack(X[:, b]), rtol=1e-12, atol=1e-12)


def test_sizes_follow_the_profile():
    from theorycheck.verify import PROFILES, sizes_for
    from theorycheck.verify.checks.parameter_free_optimisers import RATE_T, RateSizes

    ci, quick = sizes_for(RateSizes, PROFILES["ci"]), sizes_for(RateSizes, PROFILES["quick"])
    assert ci.Ts == RATE_T[:-1] and quick.Ts == RATE_T  # ci stops at T = 5000
    assert (ci.seeds, quick.seeds, sizes_for(RateSizes, PROFILES["thorough"]).seeds) == (4, 8, 32)


# ----------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("rid,q,values,name", [
    ("tirer2023.nc_perturbation", "rho", {"lam_W": -1.0, "lam_H": 0.1}, "lam_W"),
    ("tirer2023.nc_perturbation", "diag_sigma_min", {"lam_W": 10.0, "lam_H": 1.0, "beta": 100.0}, "lam_H"),
    ("papyan2020.neural_collapse", "etf_cosine", {"C": 1}, "C"),
    ("tissue2024.lr_annealing_law", "S2", {"schedule": "exponential", "s": 5, "T": 10, "eta_max": 1e-3}, "schedule"),
    ("tissue2024.lr_annealing_law", "S2", {"schedule": "cosine", "s": 50, "T": 10, "eta_max": 1e-3}, "s"),
    ("tissue2024.lr_annealing_law", "S2", {"schedule": "cosine", "s": 5, "T": 10, "eta_max": 1e-3, "lam": 1.0}, "lam"),
    ("li2024.one_nn_attention", "prediction", {"xi1": 1.0, "xi2": 0.0, "a": [1.5, 0.0], "y": [1, -1]}, "a"),
    ("li2024.one_nn_attention", "prediction", {"xi1": 1.0, "xi2": 0.0, "a": [0.5, 0.0], "y": [1, 0]}, "y"),
    ("cao2025.bn_incontext_mle", "mle", {"n_match": 3, "n_joint": 4}, "n_joint"),
    ("he2025.spectral_transformers", "bayes_error", {"r": 0.0}, "r"),
    ("cao2022.benign_overfitting", "order_parameter", {"mu_norm": 1.0, "sigma_p": 1.0, "d_patch": 10, "n": 5,
                                                      "q": 1.5}, "q"),
    ("tao2025.adagrad_pp", "step_size", {"eps": 0.0, "dist": 1.0, "p": 3}, "eps"),
])
def test_bad_input_names_the_parameter_and_the_assumption(rid, q, values, name):
    with pytest.raises(tc.InvalidParameterError) as e:
        theory.get(rid).evaluate(q, **values)
    assert e.value.parameter == name and "assumption of" in str(e.value)


def test_misc_results_have_latex_and_references():
    for rid in ("tirer2023.nc_perturbation", "papyan2020.neural_collapse", "tissue2024.lr_annealing_law",
                "li2024.one_nn_attention", "tao2025.adagrad_pp", "cao2025.bn_incontext_mle",
                "he2025.spectral_transformers", "cao2022.benign_overfitting"):
        r = theory.get(rid)
        assert r.reference.arxiv
        for q in r.quantities:
            assert r.latex(q)


def test_finding_tirer_sigma_min_differs_at_one_sample_per_class():
    """Thm 4.2's sigma_min(F_kk) = 1 - sqrt(lam_H/lam_W)/beta holds at n >= 2 (checked by
    tirer2023.nc_perturbation/perturbation); at n = 1 the diagonal blocks have no within-class direction and
    1 - sigma_min is 0.56/beta, not 1/beta."""
    from theorycheck.verify.checks.unconstrained_features import UFMSizes, ufm_minimiser

    lam = 0.16983856639557676
    run = ufm_minimiser(2, 1, 3, lam, lam, sizes=UFMSizes(starts=1), seed=0)
    assert run.grad < 1e-9 and run.regime is None
    blocks, _ = nm.perturbation_blocks(run.H[0], 2, 1, lam, lam, 500.0)
    deficit = 1 - float(torch.linalg.svdvals(blocks[0][0])[-1])
    predicted = 1 - float(theory.get("tirer2023.nc_perturbation").evaluate("diag_sigma_min", lam_W=lam, lam_H=lam,
                                                                             beta=500.0))
    assert abs(deficit - 1.127e-3) < 2e-5 and abs(predicted - 2e-3) < 1e-12
