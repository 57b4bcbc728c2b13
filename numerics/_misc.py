"""Models, tasks and measurements of the misc family: neural collapse (UFM, a small MLP), the annealing law,
1-NN attention, parameter-free optimisers' test problems, Bayesian-network in-context MLE, spectral methods
and benign overfitting. Every model carries a leading ensemble axis E and trains through numerics.fit.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as Fn

# ------------------------------------------------------------------ neural collapse: UFM (Tirer et al.)


def one_hot_blocks(K: int, n: int, dtype=torch.float64) -> Tensor:
    """Y = I_K (x) 1_n^T (K x Kn)."""
    return torch.kron(torch.eye(K, dtype=dtype), torch.ones(1, n, dtype=dtype))


def ufm_objective(W: Tensor, H: Tensor, K: int, n: int, lam_W: float, lam_H: float, beta: float = 0.0,
                  H0: Tensor | None = None) -> Tensor:
    """Eq. 2 of Tirer et al., per member: W (E, K, d), H (E, d, Kn) -> (E,)."""
    N = K * n
    Y = one_hot_blocks(K, n, H.dtype).to(H.device)
    out = ((W @ H - Y) ** 2).sum((-1, -2)) / (2 * N) + lam_W * (W ** 2).sum((-1, -2)) / (2 * K) \
        + lam_H * (H ** 2).sum((-1, -2)) / (2 * N)
    if beta:
        out = out + beta * ((H - H0) ** 2).sum((-1, -2)) / (2 * N)
    return out


def w_star(H: Tensor, K: int, n: int, lam_W: float) -> Tensor:
    """argmin_W of Eq. 1 at fixed H, by a linear solve (used inside the central path, not as a reference)."""
    Y = one_hot_blocks(K, n, H.dtype).to(H.device)
    G = H @ H.transpose(-1, -2) + n * lam_W * torch.eye(H.shape[-2], dtype=H.dtype, device=H.device)
    return torch.linalg.solve(G, H @ Y.T).transpose(-1, -2)


class UFM(nn.Module):
    """Free W and H, stored rescaled (W = sqrt(K) W~, H = sqrt(Kn) H~) so one gradient step size suits both."""

    def __init__(self, E: int, K: int, n: int, d: int, generator=None, train_H: bool = True, H: Tensor | None = None):
        super().__init__()
        self.E, self.K, self.n = E, K, n
        self.Wt = nn.Parameter(torch.randn(E, K, d, generator=generator, dtype=torch.float64) / math.sqrt(d * K))
        Ht = torch.randn(E, d, K * n, generator=generator, dtype=torch.float64) / math.sqrt(d * K * n) if H is None \
            else H.to(torch.float64) / math.sqrt(K * n)
        self.Ht = nn.Parameter(Ht, requires_grad=train_H)

    @property
    def W(self):
        return self.Wt * math.sqrt(self.K)

    @property
    def H(self):
        return self.Ht * math.sqrt(self.K * self.n)


class UFMTask:
    def __init__(self, K, n, lam_W, lam_H):
        self.K, self.n, self.lam_W, self.lam_H = K, n, lam_W, lam_H

    def exact_loss(self, model: UFM) -> Tensor:
        return ufm_objective(model.W, model.H, self.K, self.n, self.lam_W, self.lam_H)


def central_objective(H: Tensor, K: int, n: int, lam_W: float, lam_H: float) -> Tensor:
    """L(H) = f(W*(H), H) of Thm 3.1 (beta = 0)."""
    return ufm_objective(w_star(H, K, n, lam_W), H, K, n, lam_W, lam_H)


class CentralPath(nn.Module):
    """H alone, W = W*(H): gradient descent with step dt on Kn L(H) is the Euler scheme of dH/dt = -Kn grad L."""

    def __init__(self, H0: Tensor):
        super().__init__()
        self.E = H0.shape[0]
        self.H = nn.Parameter(H0.clone())


class CentralPathTask:
    def __init__(self, K, n, lam_W, lam_H):
        self.K, self.n, self.lam_W, self.lam_H = K, n, lam_W, lam_H

    def exact_loss(self, model: CentralPath) -> Tensor:
        return self.K * self.n * central_objective(model.H, self.K, self.n, self.lam_W, self.lam_H)


def class_scatter(H: Tensor, K: int, n: int):
    """Tr S_W, Tr S_B of Tirer et al. (columns class by class): H (..., d, Kn) -> ((...), (...))."""
    Hc = H.reshape(*H.shape[:-1], K, n)
    means = Hc.mean(-1)  # (..., d, K)
    trw = ((Hc - means.unsqueeze(-1)) ** 2).sum((-1, -2, -3)) / (K * n)
    trb = ((means - means.mean(-1, keepdim=True)) ** 2).sum((-1, -2)) / K
    return trw, trb


def perturbation_blocks(H_star: Tensor, K: int, n: int, lam_W: float, lam_H: float, beta: float):
    """F = (beta/N) (Hess L + beta/N)^-1 at H_star (column-stacked vec), split into dn x dn blocks F_kk'."""
    d, N = H_star.shape
    x0 = H_star.T.reshape(-1).clone()

    def phi(x):
        return central_objective(x.reshape(N, d).T.unsqueeze(0), K, n, lam_W, lam_H)[0]

    hess = torch.autograd.functional.hessian(phi, x0)
    F = (beta / N) * torch.linalg.inv(hess + (beta / N) * torch.eye(d * N, dtype=hess.dtype))
    b = d * n
    return [[F[i * b:(i + 1) * b, j * b:(j + 1) * b] for j in range(K)] for i in range(K)], hess


# ------------------------------------------------------------------ neural collapse: metrics and a small MLP


def nc_metrics(h: Tensor, y: Tensor, W: Tensor, b: Tensor, C: int) -> dict:
    """NC1-NC4 (Papyan et al., as implemented by works citing them) of features h (N, p), labels y, classifier
    (W (C, p), b (C,))."""
    mu_g = h.mean(0)
    means = torch.stack([h[y == c].mean(0) for c in range(C)])  # (C, p)
    Md = means - mu_g
    Sb = Md.T @ Md / C
    cen = h - means[y]
    Sw = cen.T @ cen / h.shape[0]
    nc1 = torch.trace(Sw @ torch.linalg.pinv(Sb, hermitian=True)) / C
    norms = Md.norm(dim=1)
    cos = (Md @ Md.T) / (norms[:, None] * norms[None, :])
    off = cos[~torch.eye(C, dtype=torch.bool)]
    nc2 = (off + 1 / (C - 1)).abs().mean()
    nc3 = ((W / W.norm() - Md / Md.norm()) ** 2).sum()
    pred = (h @ W.T + b).argmax(1)
    ncc = torch.cdist(h, means).argmin(1)
    return {"NC1": float(nc1), "NC2": float(nc2), "equinorm": float(norms.std() / norms.mean()),
            "cos_mean": float(off.mean()), "NC3": float(nc3), "NC4": float((pred != ncc).float().mean()),
            "train_acc": float((pred == y).float().mean())}


def simplex_etf(C: int, dtype=torch.float64) -> Tensor:
    """M* = sqrt(C/(C-1)) (I - 11^T/C), columns the ETF vectors."""
    return math.sqrt(C / (C - 1)) * (torch.eye(C, dtype=dtype) - torch.ones(C, C, dtype=dtype) / C)


class CollapseMLP(nn.Module):
    """x -> relu(relu(x A1) A2) = h (features) -> h W^T + b; per-member weights (E, ...)."""

    def __init__(self, E, d_in, width, C, generator=None):
        super().__init__()
        self.E = E
        self.A1 = nn.Parameter(torch.randn(E, d_in, width, generator=generator) * math.sqrt(2 / d_in))
        self.A2 = nn.Parameter(torch.randn(E, width, width, generator=generator) * math.sqrt(2 / width))
        self.W = nn.Parameter(torch.randn(E, C, width, generator=generator) / math.sqrt(width))
        self.b = nn.Parameter(torch.zeros(E, C))

    def features(self, x):  # x (E, N, d_in)
        return torch.relu(torch.relu(x @ self.A1) @ self.A2)

    def forward(self, x):
        return self.features(x) @ self.W.transpose(-1, -2) + self.b.unsqueeze(1)


class GaussianClasses:
    """Fixed training set per member: C Gaussian classes, means of norm `sep` in random directions, unit noise;
    full-batch cross-entropy plus weight decay wd * ||params||^2 / 2."""

    def __init__(self, E, C, per_class, d_in, sep, wd, generator):
        means = torch.randn(E, C, d_in, generator=generator)
        means = sep * means / means.norm(dim=-1, keepdim=True)
        self.y = torch.arange(C).repeat_interleave(per_class)
        self.x = means[:, self.y] + torch.randn(E, C * per_class, d_in, generator=generator)
        self.C, self.wd = C, wd

    def exact_loss(self, model):
        logits = model(self.x.to(model.W))
        ce = Fn.cross_entropy(logits.reshape(-1, self.C), self.y.repeat(model.E).to(logits.device),
                              reduction="none").reshape(model.E, -1).mean(1)
        reg = sum((p ** 2).reshape(model.E, -1).sum(1) for p in model.parameters())
        return ce + 0.5 * self.wd * reg


# ------------------------------------------------------------------ learning-rate annealing (Tissue et al.)


def lr_table(schedule: str, T: int, eta_max: float, eta_min: float = 0.0, gamma: float = 0.5, P: int | None = None,
             frac: float = 0.2) -> np.ndarray:
    """eta_0..eta_T of a schedule (eta_0 = eta_max, the rate before the first step)."""
    i = np.arange(T + 1, dtype=float)
    D = eta_max - eta_min
    if schedule == "constant":
        return np.full(T + 1, eta_max)
    if schedule == "linear":
        return eta_max - D * i / T
    if schedule == "cosine":
        return eta_min + D / 2 * (1 + np.cos(np.pi * i / T))
    if schedule == "step":
        return eta_max * gamma ** np.floor(i / (P or max(1, T // 4)))
    if schedule == "wsd":
        T0 = math.floor((1 - frac) * T)
        return np.where(i <= T0, eta_max, eta_max - D * (i - T0) / max(T - T0, 1))
    raise ValueError(f"unknown schedule {schedule!r}")


def areas(lrs, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """S1(s), S2(s) for s = 1..T by the recursions (eta_0 = lrs[0]); lrs may be (..., T+1)."""
    lrs = np.asarray(lrs, float)
    S1 = np.cumsum(lrs[..., 1:], -1)
    drops = lrs[..., :-1] - lrs[..., 1:]
    m = np.zeros(lrs.shape[:-1])
    S2 = np.empty_like(S1)
    acc = np.zeros(lrs.shape[:-1])
    for k in range(S1.shape[-1]):
        m = lam * m + drops[..., k]
        acc = acc + m
        S2[..., k] = acc
    return S1, S2


def fit_annealing_law(curves, law, delta: float = 1e-3):
    """Fit (L0, A, alpha, C) to loss curves by the reproduction's procedure: Huber(delta) on log L - log L_hat,
    L-BFGS-B with all parameters >= 0, from a grid of starts. `curves` is a list of (S1, S2, L) arrays; `law(S1, S2,
    L0, A, alpha, C)` the model. Returns (params, Gauss-Newton covariance from the residual variance)."""
    from scipy.optimize import minimize

    S1 = np.concatenate([c[0] for c in curves])
    S2 = np.concatenate([c[1] for c in curves])
    L = np.concatenate([c[2] for c in curves])

    def resid(th):
        with np.errstate(over="ignore", invalid="ignore"):
            pred = law(S1, S2, *th)
        return np.log(np.maximum(pred, 1e-12)) - np.log(L)

    def huber(th):
        r = resid(th)
        a = np.abs(r)
        return float(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)).sum())

    best = None
    for L0 in (0.1, 2.1):
        for A in (1.0, 11.5, 22.0):
            for C in (1.0, 11.5, 22.0):
                for al in (0.0, 0.4, 0.8):
                    r = minimize(huber, [L0, A, al, C], method="L-BFGS-B", bounds=[(0, None)] * 4,
                                 options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-12})
                    if best is None or r.fun < best.fun:
                        best = r
    th = best.x
    # Gauss-Newton covariance of the log-residual least squares (numerical Jacobian)
    J = np.empty((L.size, 4))
    for k in range(4):
        h = 1e-6 * max(abs(th[k]), 1e-3)
        e = np.zeros(4)
        e[k] = h
        lo = th - e if th[k] - h >= 0 else th  # one-sided at the bound >= 0
        J[:, k] = (resid(th + e) - resid(lo)) / (h + (th[k] - lo[k]))
    r = resid(th)
    s2 = float(r @ r) / max(L.size - 4, 1)
    cov = s2 * np.linalg.pinv(J.T @ J)
    return th, cov


class NoisyRegression(nn.Module):
    """A linear student w (E, d) on y = <w*, x> + noise, x with a power-law spectrum: a small 'real' training run."""

    def __init__(self, E, d):
        super().__init__()
        self.E = E
        self.w = nn.Parameter(torch.zeros(E, d))

    def forward(self, batch):
        return torch.einsum("ebd,ed->eb", batch[0], self.w)


class PowerLawRegression:
    def __init__(self, d, exponent, noise, generator):
        self.scale = torch.arange(1, d + 1, dtype=torch.float32) ** (-exponent / 2)
        self.w_star = torch.randn(d, generator=generator)
        self.noise = noise

    def sample(self, E, B, generator, *, device=None, dtype=None):
        x = torch.randn(E, B, self.scale.numel(), generator=generator, device=device, dtype=dtype)
        x = x * self.scale.to(x)
        y = x @ self.w_star.to(x) + self.noise * torch.randn(E, B, generator=generator, device=device, dtype=dtype)
        return x, y

    def loss(self, pred, batch):
        return 0.5 * ((pred - batch[1]) ** 2).mean(-1)

    def population(self, w: Tensor) -> Tensor:
        """Exact expected loss of w (E, d)."""
        return 0.5 * (((w - self.w_star.to(w)) * self.scale.to(w)) ** 2).sum(-1) + 0.5 * self.noise ** 2


# ------------------------------------------------------------------ 1-NN attention (Li et al.)


def sphere(E, B, N, d, generator, dtype=torch.float64):
    x = torch.randn(E, B, N, d, generator=generator, dtype=dtype)
    return x / x.norm(dim=-1, keepdim=True)


def attention_prediction(X: Tensor, y: Tensor, W: Tensor) -> Tensor:
    """Full model: H = [[x_1..x_N, x_q]; [y_1..y_N, 0]; [0..0, 1]] ((d+2) x (N+1)), H_W = H softmax(H^T W H) column-wise;
    returns [H_W]_{d+1, N+1}. X (E, B, N+1, d), y (E, B, N), W (E, d+2, d+2)."""
    E, B, N1, d = X.shape
    lab = torch.cat([y, torch.zeros(E, B, 1, dtype=X.dtype)], -1)
    last = torch.zeros(E, B, N1, dtype=X.dtype)
    last[..., -1] = 1
    H = torch.cat([X, lab.unsqueeze(-1), last.unsqueeze(-1)], -1)  # (E, B, N+1, d+2): columns as rows
    scores = torch.einsum("ebid,edf,ebf->ebi", H, W, H[:, :, -1])  # h_i^T W h_query
    att = torch.softmax(scores, -1)
    return (att * lab).sum(-1)


class OneNNAttention(nn.Module):
    """The two-parameter family W = diag(xi1 I_d, 0, -xi2), evaluated through the full attention."""

    def __init__(self, E, d, xi1=0.0, xi2=3.0):
        super().__init__()
        self.E, self.d = E, d
        self.xi1 = nn.Parameter(torch.full((E,), float(xi1), dtype=torch.float64))
        self.xi2 = nn.Parameter(torch.full((E,), float(xi2), dtype=torch.float64))

    def matrix(self):
        diag = torch.cat([self.xi1[:, None].expand(-1, self.d), torch.zeros(self.E, 1, dtype=self.xi1.dtype),
                          -self.xi2[:, None]], -1)
        return torch.diag_embed(diag)

    def forward(self, batch):
        return attention_prediction(batch[0], batch[1], self.matrix())


class OneNNTask:
    def __init__(self, d, N):
        self.d, self.N = d, N

    def sample(self, E, B, generator, *, device=None, dtype=None):
        X = sphere(E, B, self.N + 1, self.d, generator)
        y = torch.randint(0, 2, (E, B, self.N), generator=generator).to(X) * 2 - 1
        nn_idx = (X[:, :, :-1] @ X[:, :, -1:].transpose(-1, -2))[..., 0].argmax(-1)
        target = torch.gather(y, -1, nn_idx.unsqueeze(-1))[..., 0]
        return X, y, target

    def loss(self, pred, batch):
        return 0.5 * ((pred - batch[2]) ** 2).mean(-1)


# ------------------------------------------------------------------ parameter-free optimisers' problems (Tao et al.)


class Point(nn.Module):
    """The iterate x (E, p) itself."""

    def __init__(self, E, p, init=None):
        super().__init__()
        self.E = E
        self.x = nn.Parameter(torch.zeros(E, p, dtype=torch.float64) if init is None else init.clone())


class LogisticProblem:
    """(1/n) sum log(1 + exp(-y <a, x>)) + (reg/2)||x||^2, full batch."""

    def __init__(self, A, y, reg):
        self.A, self.y, self.reg = A, y, reg

    def value(self, x):
        return Fn.softplus(-(x @ self.A.T) * self.y).mean(-1) + 0.5 * self.reg * (x ** 2).sum(-1)

    def exact_loss(self, model):
        return self.value(model.x)


class SharpNoisyL1:
    """f(x) = ||x||_1 with stochastic subgradients sign(x) + N(0, I): a non-smooth stochastic convex problem (f* = 0).
    `bind(model)` gives the module whose per-member loss ||x||_1 + <noise, x> has exactly that gradient."""

    def __init__(self, seed: int = 12345):
        self.seed = seed

    def value(self, x):
        return x.abs().sum(-1)

    def sample(self, E, B, generator, *, device=None, dtype=None):
        return None

    def bind(self, model):
        problem = self

        class _Bound(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner, self.E = model, model.E
                self.gen = torch.Generator().manual_seed(problem.seed)

            def forward(self, _):
                x = self.inner.x
                return problem.value(x) + (torch.randn(x.shape, generator=self.gen, dtype=x.dtype) * x).sum(-1)

        return _Bound()

    def loss(self, pred, batch):
        return pred


# ------------------------------------------------------------------ Bayesian-network in-context MLE (Cao et al.)


def chain_network(E, nodes, alpha, generator):
    """CPTs of a binary chain X1 -> X2 -> ... : p[e, 0] = P(X1 = 1), p[e, j, v] = P(X_j = 1 | X_{j-1} = v) (v = 0/1),
    each drawn from Beta(alpha, alpha)."""
    beta = torch.distributions.Beta(alpha, alpha)
    torch.manual_seed(int(torch.randint(0, 2 ** 31 - 1, (1,), generator=generator)))
    return beta.sample((E, nodes, 2)).double()


def sample_chain(cpt, n, generator, dtype=torch.float64):
    """n sequences per member from the chain: (E, n, nodes) in {0, 1} (`dtype` of the uniforms and the output)."""
    E, nodes, _ = cpt.shape
    out = torch.empty(E, n, nodes, dtype=dtype)
    u = torch.rand(E, n, nodes, generator=generator, dtype=dtype)
    c = cpt.to(dtype)
    out[..., 0] = (u[..., 0] < c[:, 0, 1].unsqueeze(-1)).to(dtype)
    for j in range(1, nodes):
        p = torch.gather(c[:, j], 1, out[..., j - 1].long())  # (E, n)
        out[..., j] = (u[..., j] < p).to(dtype)
    return out


def count_mle(ctx_parent, ctx_child, q_parent):
    """p_hat(child = 1 | parent = q) by counting: ctx (E, n), q (E,) -> (n_joint, n_match)."""
    match = (ctx_parent == q_parent.unsqueeze(-1)).double()
    return (match * ctx_child).sum(-1), match.sum(-1)


def count_attention(ctx_parents, ctx_child, q_parents, c):
    """One head: parents in {+-1}^k, score c <p_i, p_q>, value x_child; ctx_parents (E, n, k) in {0,1}."""
    P, Q = 2 * ctx_parents - 1, 2 * q_parents - 1
    att = torch.softmax(c * torch.einsum("enk,ek->en", P, Q), -1)
    return (att * ctx_child).sum(-1)


class BNAttention(nn.Module):
    """One trainable head on a 3-node chain A -> B -> C: keys (x_A, x_B) of the context rows, query (x_A, x_B) of the
    new row, score k_i^T W q, value x_C: p_hat(C = 1 | query) = softmax-average of the context's x_C."""

    def __init__(self, E):
        super().__init__()
        self.E = E
        self.W = nn.Parameter(torch.zeros(E, 2, 2, dtype=torch.float64))

    def forward(self, batch):
        ctx, q = batch[0], batch[1]  # ctx (E, B, n, 3), q (E, B, 3) in {0,1}
        K, Q = 2 * ctx[..., :2] - 1, 2 * q[..., :2] - 1
        att = torch.softmax(torch.einsum("ebnk,ekl,ebl->ebn", K, self.W, Q), -1)
        return (att * ctx[..., 2]).sum(-1).clamp(1e-6, 1 - 1e-6)


class BNTask:
    """Fresh chains (Beta(alpha, alpha) CPTs) per prompt: context of n rows, a query row whose C is the target."""

    def __init__(self, n, alpha):
        self.n, self.alpha = n, alpha

    def sample(self, E, B, generator, *, device=None, dtype=None):
        cpt = chain_network(E * B, 3, self.alpha, generator)
        rows = sample_chain(cpt, self.n + 1, generator).reshape(E, B, self.n + 1, 3)
        return rows[:, :, :-1], rows[:, :, -1], cpt.reshape(E, B, 3, 2)

    def loss(self, pred, batch):
        t = batch[1][..., 2]
        return -(t * pred.log() + (1 - t) * (1 - pred).log()).mean(-1)


# ------------------------------------------------------------------ spectral methods (He et al.)


def gmm(E, n, d, r, generator):
    """x = y mu + z with ||mu|| = r in a random direction: X (E, n, d), y (E, n), mu (E, d)."""
    mu = torch.randn(E, d, generator=generator, dtype=torch.float64)
    mu = r * mu / mu.norm(dim=-1, keepdim=True)
    y = torch.randint(0, 2, (E, n), generator=generator).double() * 2 - 1
    X = y.unsqueeze(-1) * mu.unsqueeze(1) + torch.randn(E, n, d, generator=generator, dtype=torch.float64)
    return X, y, mu


def cluster_error(scores: Tensor, y: Tensor) -> Tensor:
    """Misclustering rate of sign(scores), up to the global label swap: (E, n) -> (E,)."""
    err = (torch.sign(scores) != y).double().mean(-1)
    return torch.minimum(err, 1 - err)


class LinearAttentionStack(nn.Module):
    """L linear-attention layers acting on a probe vector: v <- A_l (X^T X / n) v, v_0 = x_1 (the first token);
    scores <x_i, v_L>. With A_l = I this is L power-method steps seeded at x_1."""

    def __init__(self, E, L, d, init_scale, generator=None):
        super().__init__()
        self.E, self.L = E, L
        self.A = nn.Parameter(init_scale * torch.randn(E, L, d, d, generator=generator, dtype=torch.float64)
                              / math.sqrt(d))

    def forward(self, X):
        S = X.transpose(-1, -2) @ X / X.shape[-2]  # (E, d, d)
        v = X[:, 0]
        for layer in range(self.L):
            v = torch.einsum("edf,ef->ed", self.A[:, layer], torch.einsum("edf,ef->ed", S, v))
            v = v / v.norm(dim=-1, keepdim=True).clamp_min(1e-30)
        return torch.einsum("end,ed->en", X, v)


class ClusteringTask:
    """Instances of the mixture; the target of token i is y_i y_1 (the label relative to the seed token)."""

    def __init__(self, n, d, r):
        self.n, self.d, self.r = n, d, r

    def sample(self, E, B, generator, *, device=None, dtype=None):
        X, y, _ = gmm(E, self.n, self.d, self.r, generator)
        return X, y

    def loss(self, scores, batch):
        rel = batch[1] * batch[1][:, :1]
        z = scores / scores.abs().mean(-1, keepdim=True).clamp_min(1e-30)
        return Fn.softplus(-4.0 * rel * z).mean(-1)


# ------------------------------------------------------------------ benign overfitting (Cao et al. 2022)


def patch_data(E, n, d, mu_norm, sigma_p, generator, mu=None):
    """x = [y mu, xi] with xi ~ N(0, sigma_p^2 (I - mu mu^T/||mu||^2)); returns X (E, n, 2, d), y (E, n), mu (E, d)."""
    if mu is None:
        mu = torch.randn(E, d, generator=generator)
        mu = mu_norm * mu / mu.norm(dim=-1, keepdim=True)
    u = mu / mu.norm(dim=-1, keepdim=True)
    y = torch.randint(0, 2, (E, n), generator=generator).float() * 2 - 1
    xi = sigma_p * torch.randn(E, n, d, generator=generator)
    xi = xi - torch.einsum("end,ed->en", xi, u).unsqueeze(-1) * u.unsqueeze(1)
    return torch.stack([y.unsqueeze(-1) * mu.unsqueeze(1), xi], 2), y, mu


class PatchCNN(nn.Module):
    """f = F_{+1} - F_{-1}, F_j = (1/m) sum_r sum_p relu(<w_{j,r}, x^(p)>)^q; W (E, 2, m, d) ~ N(0, sigma0^2)."""

    def __init__(self, E, m, d, q, sigma0, generator=None):
        super().__init__()
        self.E, self.m, self.q = E, m, q
        self.W = nn.Parameter(sigma0 * torch.randn(E, 2, m, d, generator=generator))

    def forward(self, X):
        z = torch.relu(torch.einsum("enpd,ejmd->enjmp", X, self.W)) ** self.q
        F = z.sum(-1).mean(-1)  # (E, n, 2)
        return F[..., 0] - F[..., 1]


class PatchTask:
    def __init__(self, X, y):
        self.X, self.y = X, y

    def exact_loss(self, model):
        return Fn.softplus(-self.y * model(self.X)).mean(-1)
