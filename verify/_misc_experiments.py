"""Experiments of the misc family (numerics/_misc.py models, trained through numerics.fit)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch

from numerics import _misc as M
from numerics._fit import TrainConfig, fit

TIRER, PAPYAN, TISSUE = "tirer2023.nc_perturbation", "papyan2020.neural_collapse", "tissue2024.lr_annealing_law"
LI, TAO, BN, HE, BENIGN = ("li2024.one_nn_attention", "tao2025.adagrad_pp", "cao2025.bn_incontext_mle",
                           "he2025.spectral_transformers", "cao2022.benign_overfitting")

GD64 = TrainConfig(steps=4000, lr=0.5, optimizer="sgd", schedule="constant", dtype="float64", log_every=500,
                   device="cpu")


# ------------------------------------------------------------------ Tirer et al.
def ufm_minimiser(K, n, d, lam_W, lam_H, seeds, seed, steps=4000):
    """Gradient descent (float64) on Eq. 1 from random starts; returns W, H and the final gradient norm."""
    g = torch.Generator().manual_seed(seed)
    model = M.UFM(seeds, K, n, d, g)
    res = fit(model, M.UFMTask(K, n, lam_W, lam_H), replace(GD64, steps=steps), seed=seed)
    W, H = model.W.detach().clone().requires_grad_(), model.H.detach().clone().requires_grad_()
    M.ufm_objective(W, H, K, n, lam_W, lam_H).sum().backward()
    grad = float(max(W.grad.abs().max(), H.grad.abs().max()))
    return W.detach(), H.detach(), grad, res


def w_given_h(H, K, n, lam_W, seed, steps=4000):
    """Minimise Eq. 1 over W alone at fixed H (float64 gradient descent)."""
    g = torch.Generator().manual_seed(seed)
    model = M.UFM(H.shape[0], K, n, H.shape[1], g, train_H=False, H=H)
    lam_H = 0.0
    # step 1/L for the quadratic in W~ (W = sqrt(K) W~): Hessian H H^T / n + lam_W
    lr = 1.0 / (float(torch.linalg.matrix_norm(H, ord=2).max()) ** 2 / n + lam_W)
    res = fit(model, M.UFMTask(K, n, lam_W, lam_H), replace(GD64, steps=steps, lr=lr), seed=seed)
    W = model.W.detach().clone().requires_grad_()
    M.ufm_objective(W, model.H.detach(), K, n, lam_W, lam_H).sum().backward()
    return model.W.detach(), float(W.grad.abs().max()), res


def central_path(K, n, d, lam_W, lam_H, seeds, seed, dt, steps, records=100):
    """Euler scheme of the central-path flow; logs (t, Tr S_W, Tr S_B) `records` times."""
    g = torch.Generator().manual_seed(seed)
    H0 = torch.randn(seeds, d, K * n, generator=g, dtype=torch.float64)
    every = max(1, steps // records)
    rec = []

    def cb(step, model, loss):
        if (step + 1) % every == 0 or step == 0:
            with torch.no_grad():
                w, b = M.class_scatter(model.H, K, n)
            rec.append(((step + 1) * dt if step else 0.0, w.clone(), b.clone()))

    with torch.no_grad():
        w0, b0 = M.class_scatter(H0, K, n)
    model = M.CentralPath(H0)
    fit(model, M.CentralPathTask(K, n, lam_W, lam_H), replace(GD64, steps=steps, lr=dt), seed=seed, callbacks=[cb])
    rec[0] = (0.0, w0, b0)
    t = torch.tensor([r[0] for r in rec], dtype=torch.float64)
    return t, torch.stack([r[1] for r in rec]), torch.stack([r[2] for r in rec])


# ------------------------------------------------------------------ Papyan et al.
def collapse_run(seeds, seed, steps=1500, C=4, per_class=25, d_in=10, width=128, sep=3.0, wd=5e-3, lr=1e-2,
                 every=50):
    """A small MLP trained past zero training error; NC metrics per member at every `every` steps."""
    g = torch.Generator().manual_seed(seed)
    task = M.GaussianClasses(seeds, C, per_class, d_in, sep, wd, g)
    model = M.CollapseMLP(seeds, d_in, width, C, g)
    rec = []

    def cb(step, model, loss):
        if step % every == 0 or step == steps - 1:
            with torch.no_grad():
                h = model.features(task.x)
                rec.append((step, [M.nc_metrics(h[e], task.y, model.W[e], model.b[e], C) for e in range(seeds)]))

    res = fit(model, task, TrainConfig(steps=steps, lr=lr, optimizer="adam", schedule="constant", log_every=100,
                                       device="cpu"), seed=seed, callbacks=[cb])
    return rec, res


def tpt_change(rec, metric):
    """Per member: log(metric at the end) - log(metric at the first record with 100 % training accuracy)."""
    out, starts = [], []
    E = len(rec[0][1])
    for e in range(E):
        first = next((i for i, (_, r) in enumerate(rec) if r[e]["train_acc"] == 1.0), None)
        if first is None or first == len(rec) - 1:
            out.append(float("nan"))
            starts.append(None)
            continue
        out.append(math.log(rec[-1][1][e][metric]) - math.log(rec[first][1][e][metric]))
        starts.append(rec[first][0])
    return np.array(out), starts


# ------------------------------------------------------------------ Tissue et al.
def synthetic_curves(schedules, T, eta_max, truth, lam, noise, seed, eta_min=0.0, every=10):
    """Loss curves drawn from the law (areas by the recursion, not the closed forms) with N(0, noise^2) noise."""
    rng = np.random.default_rng(seed)
    L0, A, alpha, C = truth
    out = {}
    for name in schedules:
        S1, S2 = M.areas(M.lr_table(name, T, eta_max, eta_min), lam)
        idx = np.arange(every - 1, T, every)
        clean = L0 + A * S1[idx] ** (-alpha) - C * S2[idx]
        out[name] = (S1[idx], S2[idx], clean + noise * rng.standard_normal(idx.size), clean)
    return out


def real_run(schedules, T, eta_max, seeds, seed, lam, d=200, exponent=1.5, noise=0.5, batch=4, every=20):
    """A small real training run: SGD on power-law linear regression under each schedule; population loss
    every `every` steps, averaged over seeds. Returns {schedule: (S1, S2, loss, loss_se)}."""
    out = {}
    g = torch.Generator().manual_seed(seed)
    task = M.PowerLawRegression(d, exponent, noise, g)
    for name in schedules:
        table = M.lr_table(name, T, eta_max)
        rec = []

        def cb(step, model, loss, rec=rec):
            if (step + 1) % every == 0:
                with torch.no_grad():
                    rec.append(task.population(model.w).clone())

        model = M.NoisyRegression(seeds, d)
        cfg = TrainConfig(steps=T, batch=batch, lr=1.0, optimizer="sgd", schedule="table",
                          lr_table=tuple(table[1:]), log_every=T, device="cpu")
        fit(model, task, cfg, seed=seed + 1, callbacks=[cb])
        L = torch.stack(rec).double()  # (points, seeds)
        S1, S2 = M.areas(table, lam)
        idx = np.arange(every - 1, T, every)
        out[name] = (S1[idx], S2[idx], L.mean(1).numpy(), (L.std(1, unbiased=True) / math.sqrt(seeds)).numpy())
    return out


# ------------------------------------------------------------------ Li et al.
def one_nn_training(d, N, seeds, seed, steps, lr=0.5, batch=256, xi2_0=3.0, records=(100,)):
    """SGD on the two-parameter family; (xi1, xi2) per member at every step in `records` and at the end."""
    snaps = {}

    def cb(step, model, loss):
        if step + 1 in records or step == steps - 1:
            snaps[step + 1] = (model.xi1.detach().clone(), model.xi2.detach().clone())

    model = M.OneNNAttention(seeds, d, 0.0, xi2_0)
    cfg = TrainConfig(steps=steps, batch=batch, lr=lr, optimizer="sgd", schedule="constant", dtype="float64",
                      log_every=max(1, steps // 50), device="cpu")
    res = fit(model, M.OneNNTask(d, N), cfg, seed=seed, callbacks=[cb])
    return snaps, res


def one_nn_eval(d, N, xi1, xi2, prompts, seed):
    """Disagreement of sign(yhat) with the 1-NN label and the loss, per member, on fixed prompts."""
    g = torch.Generator().manual_seed(seed)
    E = xi1.shape[0]
    X, y, target = M.OneNNTask(d, N).sample(E, prompts, g)
    model = M.OneNNAttention(E, d)
    with torch.no_grad():
        model.xi1.copy_(xi1)
        model.xi2.copy_(xi2)
        pred = model((X, y, target))
    return (torch.sign(pred) != target).double().mean(1), (0.5 * (pred - target) ** 2).mean(1)


# ------------------------------------------------------------------ Tao et al.
def logistic_problem(n, p, reg, seed):
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, p)) / math.sqrt(p)
    y = np.sign(A @ rng.standard_normal(p) + 0.5 * rng.standard_normal(n))
    prob = M.LogisticProblem(torch.tensor(A), torch.tensor(y), reg)

    def f(x):
        t = torch.tensor(x, requires_grad=True)
        v = prob.value(t.unsqueeze(0))[0]
        v.backward()
        return float(v.detach()), t.grad.numpy()

    best = minimize(f, np.zeros(p), jac=True, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12,
                                                                             "maxiter": 10000})
    return prob, float(best.fun)


def optimise(problem, opt, p, steps, options, seeds, seed, batch=1, lr=1.0, avg_at=(), stochastic=False, init=None):
    """Run an optimiser on a problem from x_0 (0 unless `init`); returns final values, the (eta_t, max distance)
    trace of the parameter-free optimisers, and the objective of the averaged iterate at the steps in `avg_at`."""
    model = M.Point(seeds, p, init)
    net = problem.bind(model) if stochastic else model
    avg, running = {}, torch.zeros(seeds, p, dtype=torch.float64)

    def cb(step, m, loss):
        running.add_(model.x.detach())
        if step + 1 in avg_at:
            avg[step + 1] = problem.value(running / (step + 1))

    pp = opt in ("adagrad_pp", "adam_pp")
    cfg = TrainConfig(steps=steps, batch=batch, lr=lr, optimizer=opt, schedule="constant", dtype="float64",
                      optimizer_options=tuple(options.items()) + ((("record", True),) if pp else ()),
                      log_every=max(1, steps // 20), divergence_factor=1e12, device="cpu")
    res = fit(net, problem, cfg, seed=seed, callbacks=[cb])
    trace = res.extras["optimizer"].history if pp else []
    with torch.no_grad():
        final = problem.value(model.x.detach())
    return final, trace, avg, res


# ------------------------------------------------------------------ Cao et al. (BN)
def bn_tv(ns, seeds, seed, nodes=4, alpha=5.0, chunk=256):
    """Mean |p_hat - p| of the count MLE over the chain's CPT entries (both parent values), per n and seed
    (networks drawn and sampled in chunks of `chunk` to bound memory)."""
    g = torch.Generator().manual_seed(seed)
    out = np.empty((len(ns), seeds))
    for c0 in range(0, seeds, chunk):
        E = min(chunk, seeds - c0)
        cpt = M.chain_network(E, nodes, alpha, g)
        rows = M.sample_chain(cpt, max(ns), g, torch.float32).to(torch.bool)
        idx = torch.tensor(ns) - 1
        errs = []
        for j in range(1, nodes):
            for v in (0, 1):  # counts for every prefix length at once
                match = rows[..., j - 1] == bool(v)
                n_match = torch.cumsum(match, 1, dtype=torch.int32)[:, idx].double()
                n_joint = torch.cumsum(match & rows[..., j], 1, dtype=torch.int32)[:, idx].double()
                errs.append((n_joint / n_match.clamp_min(1) - cpt[:, j, v].unsqueeze(-1)).abs())  # (E, len(ns))
        out[:, c0:c0 + E] = torch.stack(errs).mean(0).T.numpy()
    return out


def bn_training(n, seeds, seed, steps, batch=64, lr=0.05, alpha=1.0):
    snaps = {}

    def cb(step, model, loss):
        if step + 1 in (1, steps):
            snaps[step + 1] = model.W.detach().clone()

    model = M.BNAttention(seeds)
    snaps[0] = model.W.detach().clone()
    cfg = TrainConfig(steps=steps, batch=batch, lr=lr, optimizer="adam", schedule="constant", dtype="float64",
                      log_every=max(1, steps // 20), device="cpu")
    res = fit(model, M.BNTask(n, alpha), cfg, seed=seed, callbacks=[cb])
    return snaps, res


def bn_eval(W, n, prompts, seed, alpha=1.0):
    """Per member: mean |p_hat_model - p_hat_MLE| and mean |p_hat_MLE - p| on fresh prompts (matches >= 1)."""
    g = torch.Generator().manual_seed(seed)
    E = W.shape[0]
    ctx, q, cpt = M.BNTask(n, alpha).sample(E, prompts, g)
    model = M.BNAttention(E)
    with torch.no_grad():
        model.W.copy_(W)
        pred = model((ctx, q, cpt))
    joint, match = M.count_mle(ctx[..., 1], ctx[..., 2], q[..., 1])
    ok = match > 0
    mle = joint / match.clamp_min(1)
    truth = torch.gather(cpt[..., 2, :], -1, q[..., 1:2].long())[..., 0]
    gap = torch.where(ok, (pred - mle).abs(), torch.zeros_like(mle)).sum(1) / ok.sum(1)
    tv = torch.where(ok, (mle - truth).abs(), torch.zeros_like(mle)).sum(1) / ok.sum(1)
    return gap, tv


# ------------------------------------------------------------------ He et al.
def power_contraction(n, d, r, seeds, seed, iters=8):
    """Per member: the fitted per-step contraction of tan(angle) to the sample covariance's top eigenvector under
    the power method, the eigenvalue ratio of the sample covariance, and the MP edge sqrt(d/n)."""
    g = torch.Generator().manual_seed(seed)
    X, y, mu = M.gmm(seeds, n, d, r, g)
    S = X.transpose(-1, -2) @ X / n
    evals, evecs = torch.linalg.eigh(S)
    top = evecs[..., -1]
    v = torch.randn(seeds, d, generator=g, dtype=torch.float64)
    tans = []
    for _ in range(iters + 1):
        c = (v * top).sum(-1).abs() / v.norm(dim=-1)
        tans.append(torch.sqrt(1 - c ** 2) / c)
        v = torch.einsum("edf,ef->ed", S, v)
        v = v / v.norm(dim=-1, keepdim=True)
    lt = torch.log(torch.stack(tans))  # (iters+1, seeds)
    t = torch.arange(iters + 1, dtype=torch.float64)
    tc = t - t.mean()
    slope = (tc[:, None] * (lt - lt.mean(0))).sum(0) / (tc ** 2).sum()
    return torch.exp(slope), evals[..., -2] / evals[..., -1]


def spectral_error(n, d, r, seeds, seed):
    """Misclustering of sign(<x, v_top>) with v_top the sample covariance's top eigenvector: (seeds,)."""
    g = torch.Generator().manual_seed(seed)
    X, y, mu = M.gmm(seeds, n, d, r, g)
    S = X.transpose(-1, -2) @ X / n
    top = torch.linalg.eigh(S)[1][..., -1]
    return M.cluster_error(torch.einsum("end,ed->en", X, top), y)


def spectral_training(n, d, r, L, seeds, seed, steps, lr=0.02, batch=16, init_scale=1.0):
    g = torch.Generator().manual_seed(seed)
    model = M.LinearAttentionStack(seeds, L, d, init_scale, g)
    init = model.A.detach().clone()
    cfg = TrainConfig(steps=steps, batch=batch, lr=lr, optimizer="adam", schedule="cosine", dtype="float64",
                      log_every=max(1, steps // 20), device="cpu")

    class _Batched(torch.nn.Module):  # B instances per member: fold them into the member axis
        def __init__(self):
            super().__init__()
            self.inner, self.E = model, seeds

        def forward(self, batch):
            X, y = batch
            E, B = X.shape[0], X.shape[1]
            A = self.inner.A.unsqueeze(1).expand(-1, B, -1, -1, -1).reshape(E * B, *self.inner.A.shape[1:])
            stack = M.LinearAttentionStack.__new__(M.LinearAttentionStack)
            torch.nn.Module.__init__(stack)
            stack.L, stack.A = self.inner.L, A
            return stack(X.reshape(E * B, *X.shape[2:])).reshape(E, B, -1)

    class _Task:
        def __init__(self):
            self.base = M.ClusteringTask(n, d, r)

        def sample(self, E, B, generator, *, device=None, dtype=None):
            X, y, _ = M.gmm(E * B, n, d, r, generator)
            return X.reshape(E, B, n, d), y.reshape(E, B, n)

        def loss(self, scores, batch):
            X, y = batch
            E, B = y.shape[:2]
            return self.base.loss(scores.reshape(E * B, -1), (None, y.reshape(E * B, -1))).reshape(E, B).mean(1)

    res = fit(_Batched(), _Task(), cfg, seed=seed)
    return init, model.A.detach().clone(), res


def stack_error(A, n, d, r, instances, seed):
    """Clustering error of the stack with layer matrices A (E, L, d, d), on fresh instances, per member."""
    g = torch.Generator().manual_seed(seed)
    E, L = A.shape[:2]
    X, y, _ = M.gmm(E * instances, n, d, r, g)
    stack = M.LinearAttentionStack(E * instances, L, d, 0.0)
    with torch.no_grad():
        stack.A.copy_(A.unsqueeze(1).expand(-1, instances, -1, -1, -1).reshape(E * instances, L, d, d))
        return M.cluster_error(stack(X), y).reshape(E, instances).mean(1)


# ------------------------------------------------------------------ Cao et al. 2022 (benign overfitting)
def benign_cell(n, mu_norm, seeds, seed, d=400, m=10, q=3.0, sigma_p=1.0, sigma0=0.01, steps=3000, test=2000):
    """Train the patch CNN by full-batch gradient descent; returns per-member (train loss, train error, test error)."""
    g = torch.Generator().manual_seed(seed)
    X, y, mu = M.patch_data(seeds, n, d, mu_norm, sigma_p, g)
    model = M.PatchCNN(seeds, m, d, q, sigma0, g)
    cfg = TrainConfig(steps=steps, lr=2.0 / d * 100, optimizer="sgd", schedule="constant", log_every=steps // 10,
                      divergence_factor=1e9, device="cpu")
    res = fit(model, M.PatchTask(X, y), cfg, seed=seed)
    Xt, yt, _ = M.patch_data(seeds, test, d, mu_norm, sigma_p, g, mu=mu)
    with torch.no_grad():
        tr = torch.nn.functional.softplus(-y * model(X)).mean(1)
        tr_err = (torch.sign(model(X)) != y).float().mean(1)
        te = (torch.sign(model(Xt)) != yt).float().mean(1)
    return tr, tr_err, te, res
