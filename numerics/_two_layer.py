"""Two-layer networks for the feature-learning family: models, tasks and measurements, trained by the shared `fit`.

Every model is an ensemble: its parameters carry a leading member axis E (seeds, or tasks x seeds), and `fit`
trains all members at once. One-step and few-step training are `fit` with `steps` = 1 or 2, SGD, constant rate:
`fit` computes W <- W - lr * grad, so a paper's "W1 = W0 + eta * G" with G the negative gradient is lr = eta.

* activations: torch versions of `theorycheck.theory.activations` (same names, checked equal by a test) plus the
  truncated ReLU min(1, max(z, 0)) of Shi et al. and its Gaussian-smoothed version E_xi sigma(z + xi).
* measurements: principal-angle sines between a row space and a subspace, out-of-span energy, batched ridge.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .._errors import invalid

__all__ = ["ACTIVATIONS", "activation", "principal_sines", "out_of_span", "ridge", "top_left_singular",
           "MultitaskReLU", "SignTasks", "OneStepStudent", "FixedRegression", "MLPHead", "SmoothTruncatedReLUNet",
           "HingeTask", "normalize_rows"]


def _gelu(z):
    return 0.5 * z * (1 + torch.erf(z / math.sqrt(2)))


ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "erf": torch.erf,
    "sigmoid": torch.sigmoid,
    "softplus": nn.functional.softplus,
    "gelu": _gelu,
    "truncated_relu": lambda z: z.clamp(0.0, 1.0),
}


def activation(name: str):
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise invalid("activation", "name", "one of " + ", ".join(map(repr, ACTIVATIONS)), name) from None


# ------------------------------------------------------------------------------------------ measurements
def principal_sines(W: Tensor, M: Tensor) -> Tensor:
    """Sines of the principal angles between the top-r right singular space of W (..., m, d) and span(M) (..., d, r),
    M orthonormal; largest first."""
    r = M.shape[-1]
    Q = torch.linalg.svd(W, full_matrices=False).Vh[..., :r, :]  # (..., r, d)
    s = torch.linalg.svdvals(Q @ M).clamp(max=1.0)
    return torch.sqrt(1 - s ** 2).flip(-1)


def out_of_span(W: Tensor, M: Tensor) -> Tensor:
    """||W (I - M M^T)||_F^2 / ||W||_F^2 for orthonormal M."""
    total = (W ** 2).sum((-1, -2))
    inside = ((W @ M) ** 2).sum((-1, -2))
    return (total - inside) / total


def ridge(Phi: Tensor, y: Tensor, lam: float) -> Tensor:
    """argmin_w (1/n)||y - Phi w||^2 + lam ||w||^2, batched over leading axes (Cholesky, float64 inside)."""
    P, t = Phi.double(), y.double()
    n, k = P.shape[-2], P.shape[-1]
    if k <= n:
        A = P.transpose(-1, -2) @ P / n + lam * torch.eye(k, dtype=P.dtype, device=P.device)
        w = torch.cholesky_solve((P.transpose(-1, -2) @ t.unsqueeze(-1)) / n, torch.linalg.cholesky(A))
    else:  # dual form
        K = P @ P.transpose(-1, -2) / n + lam * torch.eye(n, dtype=P.dtype, device=P.device)
        w = P.transpose(-1, -2) @ torch.cholesky_solve(t.unsqueeze(-1), torch.linalg.cholesky(K)) / n
    return w.squeeze(-1).to(Phi.dtype)


def top_left_singular(W: Tensor) -> Tensor:
    return torch.linalg.svd(W, full_matrices=False).U[..., :, 0]


def normalize_rows(W: Tensor) -> None:
    with torch.no_grad():
        W /= W.norm(dim=-1, keepdim=True).clamp_min(1e-12)


# ------------------------------------------------------------------- Collins et al.: multitask sign tasks
class MultitaskReLU(nn.Module):
    """Shared first layer W (E, m, d); each task's head is one step from zero on its own samples,
    b_t = alpha * mean_i y_i relu(W x_i) (held fixed), and the prediction on fresh samples is b_t . relu(W x')."""

    def __init__(self, E: int, m: int, d: int, alpha: float, generator: torch.Generator | None = None):
        super().__init__()
        if m < 1 or d < 1:
            raise invalid("MultitaskReLU", "m" if m < 1 else "d", "an integer >= 1 (width, input dimension)", m if m < 1 else d)
        self.E, self.alpha = E, alpha
        W = torch.randn(E, m, d, generator=generator) / math.sqrt(d)
        self.W = nn.Parameter(W)

    def features(self, x: Tensor) -> Tensor:  # x (E, T, n, d) -> (E, T, n, m)
        return torch.relu(torch.einsum("etnd,emd->etnm", x, self.W))

    def forward(self, batch):
        x1, y1, x2, _ = batch
        with torch.no_grad():
            b = self.alpha * (y1.unsqueeze(-1) * self.features(x1)).mean(-2)  # (E, T, m)
        return (self.features(x2) * b.unsqueeze(-2)).sum(-1)


class SignTasks:
    """T tasks y = sign(<v_t, M^T x>) per member, x ~ N(0, I_d); a batch is n1 head samples and n2 fresh samples."""

    def __init__(self, M: Tensor, V: Tensor, n1: int, n2: int):
        self.M, self.V, self.n1, self.n2 = M, V, n1, n2  # M (E, d, r), V (E, T, r) unit rows

    def labels(self, x: Tensor, V: Tensor | None = None) -> Tensor:
        V = self.V if V is None else V
        z = torch.einsum("etnd,edr->etnr", x, self.M.to(x))
        return torch.sign(torch.einsum("etnr,etr->etn", z, V.to(x)))

    def sample(self, E, B, generator, *, device=None, dtype=None):
        T, d = self.V.shape[1], self.M.shape[1]
        x1 = torch.randn(E, T, self.n1, d, generator=generator, device=device, dtype=dtype)
        x2 = torch.randn(E, T, self.n2, d, generator=generator, device=device, dtype=dtype)
        return x1, self.labels(x1), x2, self.labels(x2)

    def loss(self, pred: Tensor, batch) -> Tensor:
        return 0.5 * ((pred - batch[3]) ** 2).mean((-1, -2))


# ------------------------------------------------------------------------------ Ba et al.: one step
class OneStepStudent(nn.Module):
    """f(x) = a^T sigma(W^T x)/sqrt(N), W (E, d, N) trained, a (E, N) fixed (Ba et al. Section 2)."""

    def __init__(self, E: int, d: int, N: int, act: str, generator: torch.Generator | None = None):
        super().__init__()
        if N < 1:
            raise invalid("OneStepStudent", "N", "an integer >= 1 (the width)", N)
        self.E, self.N, self.act = E, N, activation(act)
        self.W = nn.Parameter(torch.randn(E, d, N, generator=generator) / math.sqrt(d))
        self.register_buffer("a", torch.randn(E, N, generator=generator) / math.sqrt(N))

    def features(self, X: Tensor, W: Tensor | None = None) -> Tensor:  # X (E, n, d) -> (E, n, N)
        return self.act(X @ (self.W if W is None else W)) / math.sqrt(self.N)

    def forward(self, batch):
        return (self.features(batch[0]) * self.a.unsqueeze(1)).sum(-1)


class FixedRegression:
    """A fixed data set (X, y) per member: one full-batch step on (1/2n) ||f - y||^2."""

    def __init__(self, X: Tensor, y: Tensor):
        self.X, self.y = X, y

    def sample(self, E, B, generator, *, device=None, dtype=None):
        return self.X.to(device=device, dtype=dtype), self.y.to(device=device, dtype=dtype)

    def loss(self, pred: Tensor, batch) -> Tensor:
        return 0.5 * ((pred - batch[1]) ** 2).mean(-1)


# ------------------------------------------------------------------- Demir & Dogan: MLP head on H_Z
class MLPHead(nn.Module):
    """y = w^T sigma(F h)/sqrt(k), h = vec(H_Z); F (E, k, D) trained by one step, w (E, k) fixed ~ N(0, I/k)."""

    def __init__(self, E: int, k: int, D: int, t_hat: float, act: str, generator: torch.Generator | None = None):
        super().__init__()
        if k < 1:
            raise invalid("MLPHead", "k", "an integer >= 1 (the width)", k)
        self.E, self.k, self.act = E, k, activation(act)
        self.F = nn.Parameter(torch.randn(E, k, D, generator=generator) / math.sqrt(t_hat))
        self.register_buffer("w", torch.randn(E, k, generator=generator) / math.sqrt(k))

    def forward(self, batch):
        h = batch[0]  # (E, n, D)
        return (self.act(h @ self.F.transpose(-1, -2)) * self.w.unsqueeze(1)).sum(-1) / math.sqrt(self.k)


# ------------------------------------------------------------- Shi et al.: smoothed truncated ReLU net
def _Phi(z):
    return 0.5 * (1 + torch.erf(z / math.sqrt(2)))


def _phi(z):
    return torch.exp(-0.5 * z ** 2) / math.sqrt(2 * math.pi)


def smoothed_truncated_relu(z: Tensor, s: float) -> Tensor:
    """E_xi min(1, max(z + xi, 0)), xi ~ N(0, s^2): E relu(z + xi) - E relu(z - 1 + xi), E relu(u + xi) = u Phi(u/s) + s phi(u/s)."""
    if s <= 0:
        return z.clamp(0.0, 1.0)
    def er(u):
        return u * _Phi(u / s) + s * _phi(u / s)
    return er(z) - er(z - 1)


class SmoothTruncatedReLUNet(nn.Module):
    """g(x) = sum_i a_i E_xi sigma(<w_i, x> + b_i + xi) (Shi et al. eq. 2-3), W (E, 2m, d), mirrored initialisation."""

    def __init__(self, W: Tensor, b: Tensor, a: Tensor, noise: float):
        super().__init__()
        self.E = W.shape[0]
        self.W, self.b, self.a = nn.Parameter(W.clone()), nn.Parameter(b.clone()), nn.Parameter(a.clone())
        self.noise = noise

    def forward(self, batch):
        z = batch[0] @ self.W.transpose(-1, -2) + self.b.unsqueeze(1)
        return (smoothed_truncated_relu(z, self.noise) * self.a.unsqueeze(1)).sum(-1)


class HingeTask:
    """Hinge loss on a fixed sample, plus lam_w ||W||^2 (lam_w = 1/(2 eta): the step forgets the old weights)."""

    def __init__(self, X: Tensor, y: Tensor, lam_w: float):
        self.X, self.y, self.lam_w = X, y, lam_w
        self.model = None

    def sample(self, E, B, generator, *, device=None, dtype=None):
        return self.X.to(device=device, dtype=dtype), self.y.to(device=device, dtype=dtype)

    def loss(self, pred: Tensor, batch) -> Tensor:
        hinge = torch.clamp(1 - batch[1] * pred, min=0).mean(-1)
        return hinge + self.lam_w * (self.model.W ** 2).sum((-1, -2))
