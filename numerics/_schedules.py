"""Learning-rate schedules and the annealing scaling law (Tissue et al. 2024): schedule tables, the forward and
annealing areas S1, S2 by their recursions, the law's fit, and a small real training run (SGD on power-law linear
regression) whose loss curves the law is fitted to.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import Tensor, nn

from .._errors import invalid

__all__ = ["NoisyRegression", "PowerLawRegression", "areas", "fit_annealing_law", "lr_table"]


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
    raise invalid("schedule_table", "schedule", "one of 'constant', 'linear', 'cosine', 'step', 'wsd'", schedule)


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
                    with warnings.catch_warnings():  # finite differences probe alpha past exp's range: inf - inf
                        warnings.simplefilter("ignore", RuntimeWarning)
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
