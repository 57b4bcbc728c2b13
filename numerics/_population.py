"""Exact population quantities of the LSA on Gaussian prompts, and its exact gradient flow.

With x ~ N(0, Lambda), w ~ N(0, I), label noise sigma2 and a fixed preconditioner A, the Gaussian
fourth-moment identity E[S B S] = (1 + 1/n) Lambda B Lambda + (1/n) tr(B Lambda) Lambda gives

    R(A) = (1 + 1/n) tr(A^T L A L^2) + ((tr L + sigma2)/n) tr(A^T L A L) - 2 tr(L A L) + tr L,
    dR/dA = 2 (1 + 1/n) L A L^2 + 2 ((tr L + sigma2)/n) L A L - 2 L^2.

This module computes it in matrix form with torch (an implementation independent of theory/'s
eigenvalue form); the Monte Carlo checks in verify/ test it against sampled prompts.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["population_risk", "population_grad", "balanced_gradient_flow", "FlowResult"]


def _tr(X: Tensor) -> Tensor:
    return X.diagonal(dim1=-2, dim2=-1).sum(-1)


def population_risk(A: Tensor, Lambda: Tensor, n: int, sigma2: float = 0.0) -> Tensor:
    """R(A) for A (..., d, d) and Lambda (..., d, d); returns (...)."""
    L = Lambda
    T = _tr(L)
    ALA = A.transpose(-1, -2) @ L @ A
    return ((1 + 1 / n) * _tr(ALA @ L @ L) + (T + sigma2) / n * _tr(ALA @ L) - 2 * _tr(L @ A @ L) + T)


def population_grad(A: Tensor, Lambda: Tensor, n: int, sigma2: float = 0.0) -> Tensor:
    L = Lambda
    T = _tr(L)[..., None, None]
    return 2 * (1 + 1 / n) * L @ A @ L @ L + 2 * (T + sigma2) / n * L @ A @ L - 2 * L @ L


@dataclass
class FlowResult:
    u: Tensor  # (E,) w^PV_22 at the end
    U: Tensor  # (E, d, d) W^KQ_11 at the end
    t: float  # flow time reached
    steps: int
    grad_norm: Tensor  # (E,) norm of the full gradient at the end
    conserved: Tensor  # (E,) u^2 - ||U||_F^2 at the end (0 under the balanced init)
    converged: Tensor  # (E,) bool: grad_norm < tol

    @property
    def A(self) -> Tensor:
        return self.u[:, None, None] * self.U.transpose(1, 2)

    def cpu(self) -> "FlowResult":
        return FlowResult(self.u.cpu(), self.U.cpu(), self.t, self.steps, self.grad_norm.cpu(), self.conserved.cpu(),
                          self.converged.cpu())


def balanced_gradient_flow(
    Lambda: Tensor,
    n: int,
    *,
    sigma: float,
    Theta: Tensor,
    tol: float = 1e-11,
    max_steps: int = 400_000,
    safety: float = 0.5,
) -> FlowResult:
    """Gradient flow of L = R(u U^T)/2 from Zhang et al.'s balanced init, u = sigma, U = sigma Theta Theta^T.

    Lambda: (E, d, d) float64; Theta: (E, d, d) with ||Theta Theta^T||_F = 1. Classical RK4 with a
    step set from the current curvature bound (u^2 + ||U||^2) lambda_max(L) lambda_max(K) + lambda_max(L)^2,
    K = (1 + 1/n) L^2 + (tr L / n) L, times `safety`: well inside RK4's stability interval, so the
    integration error is controlled by the step size alone. Stops when every member's gradient
    norm is below `tol` (or after `max_steps`).
    """
    L = Lambda.to(torch.float64)
    E = L.shape[0]
    TT = Theta @ Theta.transpose(1, 2)
    u = torch.full((E,), float(sigma), dtype=torch.float64, device=L.device)
    U = sigma * TT.to(torch.float64)
    ev = torch.linalg.eigvalsh(L)
    lmax = ev[:, -1]
    T = ev.sum(-1)
    kmax = (1 + 1 / n) * lmax ** 2 + T / n * lmax

    def field(u, U):
        G = 0.5 * population_grad(u[:, None, None] * U.transpose(1, 2), L, n)  # dL/dA
        du = -(G * U.transpose(1, 2)).sum((1, 2))
        dU = -u[:, None, None] * G.transpose(1, 2)
        return du, dU

    t, step = 0.0, 0
    for step in range(1, max_steps + 1):
        # curvature of the quartic part plus the linear coupling u <-> U through Lambda^2
        curv = float(((u ** 2 + (U ** 2).sum((1, 2))) * lmax * kmax + lmax ** 2).max())
        h = safety / max(curv, 1e-12)
        k1 = field(u, U)
        k2 = field(u + h / 2 * k1[0], U + h / 2 * k1[1])
        k3 = field(u + h / 2 * k2[0], U + h / 2 * k2[1])
        k4 = field(u + h * k3[0], U + h * k3[1])
        u = u + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        U = U + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        t += h
        if step % 200 == 0:
            du, dU = field(u, U)
            gn = torch.sqrt(du ** 2 + (dU ** 2).sum((1, 2)))
            if bool((gn < tol).all()) or not bool(torch.isfinite(gn).all()):
                break
    du, dU = field(u, U)
    gn = torch.sqrt(du ** 2 + (dU ** 2).sum((1, 2)))
    return FlowResult(u=u, U=U, t=t, steps=step, grad_norm=gn, conserved=u ** 2 - (U ** 2).sum((1, 2)),
                      converged=gn < tol)


