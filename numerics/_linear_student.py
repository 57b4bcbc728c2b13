"""A linear student learning a noisy linear teacher (the Advani-Saxe setting), batched over seeds.

Data: X (S, P, N) with entries N(0, 1/N), teacher w_bar ~ N(0, sigma_w2 I), y = X w_bar + N(0, sigma_eps2);
student w(0) ~ N(0, sigma_w0_2 I). Two trainers:

* `gradient_flow_errors`: the exact solution of dw/dt = X^T (y - X w) in the eigenbasis of X^T X (one
  batched `eigh`), at any set of times including t = oo (modes with eigenvalue 0 stay frozen);
* `LeastSquaresTask` + `LinearStudent`: full-batch gradient descent through the shared `fit` loop (SGD with
  a constant step eta on the loss (1/2)||y - X w||^2, so that t = eta * steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

__all__ = ["TeacherData", "teacher_data", "gradient_flow_errors", "LinearStudent", "LeastSquaresTask"]


@dataclass
class TeacherData:
    X: Tensor  # (S, P, N)
    y: Tensor  # (S, P)
    w_bar: Tensor  # (S, N)
    w0: Tensor  # (S, N)
    sigma_eps2: float


def teacher_data(S: int, N: int, P: int, *, sigma_w2: float, sigma_eps2: float, sigma_w0_2: float, seed: int,
                 device=None, dtype=torch.float64) -> TeacherData:
    gen = torch.Generator(device=device).manual_seed(int(seed))
    X = torch.randn(S, P, N, generator=gen, device=device, dtype=dtype) / math.sqrt(N)
    w_bar = math.sqrt(sigma_w2) * torch.randn(S, N, generator=gen, device=device, dtype=dtype)
    noise = math.sqrt(sigma_eps2) * torch.randn(S, P, generator=gen, device=device, dtype=dtype)
    y = torch.einsum("spn,sn->sp", X, w_bar) + noise
    w0 = math.sqrt(sigma_w0_2) * torch.randn(S, N, generator=gen, device=device, dtype=dtype)
    return TeacherData(X, y, w_bar, w0, sigma_eps2)


def gradient_flow_errors(data: TeacherData, times) -> tuple[Tensor, Tensor]:
    """Exact gradient-flow errors at `times` (may include inf): ||w(t) - w_bar||^2 / N and ||y - X w(t)||^2 / P.

    Returns two (S, T) tensors. In the eigenbasis V of X^T X = V diag(l) V^T, each coordinate c of w - w_star
    decays as e^{-l t}, with w_star the least-squares solution on the modes l > 0 (frozen where l = 0).
    """
    X, y = data.X, data.y
    S, P, N = X.shape
    lam, V = torch.linalg.eigh(X.transpose(1, 2) @ X)  # (S, N), (S, N, N)
    tol = lam.amax(-1, keepdim=True) * N * torch.finfo(lam.dtype).eps * 10
    live = lam > tol
    Xty = torch.einsum("spn,sp->sn", X, y)
    proj_rhs = torch.einsum("snk,sn->sk", V, Xty)  # V^T X^T y
    c_star = torch.where(live, proj_rhs / torch.where(live, lam, torch.ones_like(lam)), torch.zeros_like(lam))
    c0 = torch.einsum("snk,sn->sk", V, data.w0)
    cbar = torch.einsum("snk,sn->sk", V, data.w_bar)
    t = torch.as_tensor(list(times), dtype=X.dtype, device=X.device)  # (T,)
    decay = torch.exp(-lam.unsqueeze(-1) * t)  # (S, N, T); exp(-0 * inf) = nan -> frozen modes below
    decay = torch.where(live.unsqueeze(-1), torch.nan_to_num(decay, nan=0.0), torch.ones_like(decay))
    c_star_full = torch.where(live, c_star, c0)  # frozen modes keep their initial value
    c_t = c_star_full.unsqueeze(-1) + (c0 - c_star_full).unsqueeze(-1) * decay  # (S, N, T)
    gen_err = ((c_t - cbar.unsqueeze(-1)) ** 2).sum(1) / N
    w_t = torch.einsum("snk,skt->snt", V, c_t)
    resid = y.unsqueeze(-1) - torch.einsum("spn,snt->spt", X, w_t)
    train_err = (resid ** 2).sum(1) / P
    return gen_err, train_err


class LinearStudent(nn.Module):
    """E linear students y_hat = w . x, one row of `w` each."""

    def __init__(self, w0: Tensor):
        super().__init__()
        self.E = w0.shape[0]
        self.w = nn.Parameter(w0.clone())

    def forward(self, X: Tensor) -> Tensor:
        return torch.einsum("epn,en->ep", X, self.w)


class LeastSquaresTask:
    """Full-batch loss (1/2)||y - X w||^2 per member on a fixed data set (an `exact_loss` task for `fit`)."""

    def __init__(self, data: TeacherData):
        self.data = data

    def exact_loss(self, model: LinearStudent) -> Tensor:
        X, y = self.data.X.to(model.w), self.data.y.to(model.w)
        return 0.5 * ((y - model(X)) ** 2).sum(-1)
