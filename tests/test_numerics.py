"""numerics/: the model, the sampler, the ensemble loop, the exact solvers, failure handling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from theorycheck import numerics as nm
from theorycheck import theory


def _cov(lam, seed=0):
    g = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(g.standard_normal((len(lam), len(lam))))
    return torch.tensor(Q @ np.diag(lam) @ Q.T)


def test_resolve_device():
    assert nm.resolve_device("cpu").type == "cpu"
    assert nm.resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError):
        nm.resolve_device("tpu")


def _tokens(E, B, n, d, seed, sigma=0.4):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(E, B, n, d, generator=g, dtype=torch.float64)
    eps = torch.randn(E, B, n, generator=g, dtype=torch.float64)
    xq = torch.randn(E, B, d, generator=g, dtype=torch.float64)
    w = torch.randn(E, B, d, generator=g, dtype=torch.float64)
    return X, eps, xq, w, nm.Prompts.from_tokens(X, eps, xq, w, sigma)


def test_lsa_matches_the_papers_literal_definition():
    """f(E) = E + W^PV E (E^T W^KQ E)/n, prediction [f(E)]_{d+1, n+1}, computed token by token (Zhang et al.)."""
    E_, B, n, d, sigma = 2, 3, 7, 4, 0.4
    X, eps, xq, w, prompts = _tokens(E_, B, n, d, 0, sigma)
    m = nm.LinearSelfAttention(E_, d, seed=1, init_scale=0.3, dtype=torch.float64)
    y = torch.einsum("ebnd,ebd->ebn", X, w) + sigma * eps
    Emb = torch.cat([torch.cat([X, y[..., None]], -1),
                     torch.cat([xq, torch.zeros(E_, B, 1, dtype=torch.float64)], -1)[:, :, None]], 2)
    Emb = Emb.transpose(-1, -2)  # (E, B, d+1, n+1)
    Wpv, Wkq = m.W_PV.detach()[:, None], m.W_KQ.detach()[:, None]
    f = Emb + Wpv @ Emb @ (Emb.transpose(-1, -2) @ Wkq @ Emb) / n
    torch.testing.assert_close(m(prompts), f[..., d, n])
    # Ahn et al.: query masked out of keys/values, prediction -[.]_{d+1, n+1}, P fixed to e e^T
    a = nm.LinearSelfAttention(E_, d, seed=2, convention="ahn", init_scale=0.3, dtype=torch.float64)
    Mask = torch.diag(torch.tensor([1.0] * n + [0.0], dtype=torch.float64))
    P = torch.zeros(d + 1, d + 1, dtype=torch.float64)
    P[d, d] = 1.0
    Q = a.W_KQ.detach()[:, None]
    Z1 = Emb + P @ Emb @ Mask @ (Emb.transpose(-1, -2) @ Q @ Emb) / n
    torch.testing.assert_close(a(prompts), -Z1[..., d, n])


def test_lsa_from_preconditioner_predicts_xq_A_g():
    X, eps, xq, w, p = _tokens(2, 5, 7, 3, 3)
    A = torch.randn(2, 3, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    model = nm.LinearSelfAttention.from_preconditioner(A)
    y = torch.einsum("ebnd,ebd->ebn", X, w) + 0.4 * eps
    gvec = torch.einsum("ebn,ebnd->ebd", y, X) / 7
    torch.testing.assert_close(model(p), torch.einsum("ebi,eij,ebj->eb", xq, A, gvec))
    torch.testing.assert_close(model.effective_A(), A)


@pytest.mark.parametrize("n", [3, 12])  # n < d + 1: token path; n >= d + 1: Bartlett
def test_sampler_moments(n):
    """E[S] and Var(S) of the sampled sufficient statistic match the token model (Wishart moments)."""
    lam = [2.0, 1.0, 0.5]
    L = _cov(lam, 3)
    task = nm.ICLRegression(L, n, sigma2=0.7)
    g = torch.Generator().manual_seed(0)
    p = task.sample(1, 200_000, g, dtype=torch.float64)
    Wz = p.Wz[0]
    Sig = torch.zeros(4, 4, dtype=torch.float64)
    Sig[:3, :3] = L
    Sig[3, 3] = 1.0
    mean = Wz.mean(0)
    var = Wz.var(0)
    want_var = n * (Sig ** 2 + torch.outer(Sig.diagonal(), Sig.diagonal()))
    se_mean = (var / Wz.shape[0]).sqrt()
    assert torch.all((mean - n * Sig).abs() < 5 * se_mean + 1e-12)
    assert torch.allclose(var, want_var, rtol=0.05)
    # S for the noisy labels: E[S_yy] = n (w^T Lambda w + sigma2), averaged over w ~ N(0, I): n (tr L + sigma2)
    S = p.S[0]
    assert float(S[:, 3, 3].mean()) == pytest.approx(n * (float(torch.trace(L)) + 0.7), rel=0.02)


def test_ahn_and_zfb_conventions_agree_at_the_reduced_form():
    g = torch.Generator().manual_seed(1)
    A = torch.randn(1, 3, 3, generator=g, dtype=torch.float64)
    zfb = nm.LinearSelfAttention.from_preconditioner(A)
    ahn = nm.LinearSelfAttention(1, 3, convention="ahn", init_scale=0.0, dtype=torch.float64)
    with torch.no_grad():
        ahn.W_KQ_full[:, :3, :3] = -A.transpose(1, 2)
    p = nm.ICLRegression(torch.eye(3), 5).sample(1, 4, g, dtype=torch.float64)
    torch.testing.assert_close(ahn(p), zfb(p))  # reduced forms coincide (ZFB's query term vanishes here)
    torch.testing.assert_close(ahn.effective_A(), A)


def test_rank_mask_bounds_the_rank():
    m = nm.LinearSelfAttention(3, 4, rank=[1, 2, 3], seed=0, dtype=torch.float64)
    ranks = torch.linalg.matrix_rank(m.W_KQ.detach())
    assert ranks.tolist() == [1, 2, 3]


def test_population_risk_matches_theory_independent_implementation():
    rng = np.random.default_rng(2)
    lam = np.array([3.0, 1.5, 0.7, 0.2])
    for M, s2 in [(1, 0.0), (7, 0.5), (40, 3.0)]:
        A_eig = rng.standard_normal((4, 4))
        want = theory.get("zhang2024.preconditioner_risk").evaluate("risk", A=A_eig, lam=lam, M=M, sigma2=s2)
        got = nm.population_risk(torch.tensor(A_eig), torch.tensor(np.diag(lam)), M, s2)
        assert float(got) == pytest.approx(float(want), rel=1e-12)


def test_population_grad_is_the_gradient():
    L = _cov([2.0, 1.0, 0.3])
    A = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
    nm.population_risk(A, L, 9, 0.4).backward()
    torch.testing.assert_close(A.grad, nm.population_grad(A.detach(), L, 9, 0.4))


def test_ensemble_members_are_independent():
    """A member's gradient does not depend on the other members (the loss is a sum of member losses)."""
    task = nm.ICLRegression(torch.eye(3), 5)
    m = nm.LinearSelfAttention(2, 3, seed=0)
    g = torch.Generator().manual_seed(0)
    p = task.sample(2, 64, g)
    task.loss(m(p), p)[0].backward()
    assert m.W_PV.grad[1].abs().max() == 0 and m.W_KQ_full.grad[1].abs().max() == 0
    assert m.W_PV.grad[0].abs().max() > 0


def test_fit_is_reproducible_from_the_seed():
    task = nm.ICLRegression(torch.eye(2), 5)
    cfg = nm.TrainConfig(steps=20, batch=16, device="cpu")
    a = nm.fit(nm.LinearSelfAttention(2, 2, seed=3), task, cfg, seed=5).model.effective_A()
    b = nm.fit(nm.LinearSelfAttention(2, 2, seed=3), task, cfg, seed=5).model.effective_A()
    torch.testing.assert_close(a, b)


def test_divergence_is_detected_not_raised():
    task = nm.ICLRegression(torch.eye(3) * 4, 5)
    m = nm.LinearSelfAttention(2, 3, seed=0, init_scale=0.5)
    with torch.no_grad():
        m.W_PV[1] *= 50  # member 1 explodes under SGD at this rate, member 0 stays sane
        m.W_KQ_full[1] *= 50
    res = nm.fit(m, task, nm.TrainConfig(steps=50, batch=32, lr=1e-3, optimizer="sgd", device="cpu"), seed=0)
    assert bool(res.diverged[1]) and not bool(res.diverged[0])
    assert torch.isfinite(res.final_loss[0]) and torch.isnan(res.final_loss[1])
    assert res.diagnostics()["diverged"] == 1


def test_train_config_rejects_invalid_values():
    for bad in (dict(steps=0), dict(lr=-1.0), dict(optimizer="lbfgs"), dict(schedule="exp")):
        with pytest.raises(ValueError):
            nm.TrainConfig(**bad)
    with pytest.raises(ValueError, match="sigma2"):
        nm.ICLRegression(torch.eye(2), 5, sigma2=-1.0)
    with pytest.raises(ValueError, match="rank"):
        nm.LinearSelfAttention(2, 3, rank=[1, 9])


def test_population_training_reaches_rank_r_optimum():
    """Full-batch training on the exact loss (the same fit loop) lands on Shi et al.'s A_r to float precision."""
    lam = [3.0, 1.5, 0.8]
    L = _cov(lam, 1)
    m = nm.LinearSelfAttention(3, 3, rank=[1, 2, 3], init="balanced", factor_init_scale=1.0, seed=0,
                               dtype=torch.float64)
    nm.fit(m, nm.PopulationICL(L, 10), nm.TrainConfig(steps=2000, lr=1e-2, dtype="float64", device="cpu"), seed=0)
    ev, U = np.linalg.eigh(L.numpy())
    U = U[:, ::-1]
    for e, r in enumerate([1, 2, 3]):
        a = theory.get("shi2024.lowrank_lsa").evaluate("A", N=10, lam=lam, r=r)
        np.testing.assert_allclose(m.effective_A()[e].detach().numpy(), U @ np.diag(a) @ U.T, atol=1e-9)


def test_balanced_flow_conserves_and_converges():
    """u^2 - ||U||_F^2 is conserved by the flow; RK4's drift shrinks ~16x when the step is halved (order 4)."""
    L = _cov([2.0, 1.0, 0.5])[None]
    Th = torch.eye(3, dtype=torch.float64)[None] / 3 ** 0.25
    coarse = nm.balanced_gradient_flow(L, 10, sigma=0.3, Theta=Th, safety=0.5)
    f = nm.balanced_gradient_flow(L, 10, sigma=0.3, Theta=Th, safety=0.25)
    assert bool(f.converged.all())
    assert abs(float(f.conserved[0])) < abs(float(coarse.conserved[0])) / 8 < 1e-5
    G = (1 + 1 / 10) * L[0] + torch.trace(L[0]) / 10 * torch.eye(3, dtype=torch.float64)
    torch.testing.assert_close(f.A[0], torch.linalg.inv(G), atol=1e-9, rtol=0)


def test_mc_risk_standard_error_and_antithetic_levels():
    A = torch.eye(2, dtype=torch.float64)[None] * 0.5
    m = nm.LinearSelfAttention.from_preconditioner(A)
    task = nm.ICLRegression(torch.eye(2, dtype=torch.float64), 10)
    est = nm.mc_risk(m, task, 40_000, seed=0, noise_levels=torch.tensor([0.0, 2.0, -2.0]), pairwise=True,
                     dtype=torch.float64)
    mean, se = est.level_combination([-1.0, 0.5, 0.5])
    want = float(nm.population_risk(A[0], torch.eye(2, dtype=torch.float64), 10, 2.0)
                 - nm.population_risk(A[0], torch.eye(2, dtype=torch.float64), 10, 0.0))
    assert abs(float(mean[0]) - want) < 5 * float(se[0])
    assert float(se[0]) < 0.02 * want
