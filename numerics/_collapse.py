"""Neural collapse: the unconstrained features model and its central path (Tirer, Kaufman, Huang 2023), the NC1-NC4
metrics and the simplex ETF (Papyan, Han, Donoho 2020), and a small MLP on Gaussian classes trained into the terminal
phase. Every model carries a leading ensemble axis E and trains through numerics.fit.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as Fn

__all__ = ["CentralPath", "CentralPathTask", "CollapseMLP", "GaussianClasses", "UFM", "UFMTask", "central_objective",
           "class_scatter", "nc_metrics", "one_hot_blocks", "perturbation_blocks", "simplex_etf", "ufm_objective",
           "w_star"]


# ------------------------------------------------------------------ the unconstrained features model (Tirer et al.)
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
    F = (beta / N) * torch.linalg.inv(hess + (beta / N) * torch.eye(d * N, dtype=hess.dtype, device=hess.device))
    b = d * n
    return [[F[i * b:(i + 1) * b, j * b:(j + 1) * b] for j in range(K)] for i in range(K)], hess


# ------------------------------------------------------------------ collapse metrics and a small MLP (Papyan et al.)
def nc_metrics(h: Tensor, y: Tensor, W: Tensor, b: Tensor, C: int) -> dict:
    """NC1-NC4 (Papyan et al., as implemented by works citing them) of features h (N, p), labels y, classifier
    (W (C, p), b (C,))."""
    y = y.to(h.device)
    mu_g = h.mean(0)
    means = torch.stack([h[y == c].mean(0) for c in range(C)])  # (C, p)
    Md = means - mu_g
    Sb = Md.T @ Md / C
    cen = h - means[y]
    Sw = cen.T @ cen / h.shape[0]
    nc1 = torch.trace(Sw @ torch.linalg.pinv(Sb, hermitian=True)) / C
    norms = Md.norm(dim=1)
    cos = (Md @ Md.T) / (norms[:, None] * norms[None, :])
    off = cos[~torch.eye(C, dtype=torch.bool, device=h.device)]
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
    full-batch cross-entropy plus weight decay wd * ||params||^2 / 2. Drawn on the generator's device."""

    def __init__(self, E, C, per_class, d_in, sep, wd, generator):
        means = torch.randn(E, C, d_in, generator=generator, device=generator.device)
        means = sep * means / means.norm(dim=-1, keepdim=True)
        self.y = torch.arange(C, device=generator.device).repeat_interleave(per_class)
        self.x = means[:, self.y] + torch.randn(E, C * per_class, d_in, generator=generator, device=generator.device)
        self.C, self.wd = C, wd

    def exact_loss(self, model):
        logits = model(self.x.to(model.W))
        ce = Fn.cross_entropy(logits.reshape(-1, self.C), self.y.repeat(model.E).to(logits.device),
                              reduction="none").reshape(model.E, -1).mean(1)
        reg = sum((p ** 2).reshape(model.E, -1).sum(1) for p in model.parameters())
        return ce + 0.5 * self.wd * reg
