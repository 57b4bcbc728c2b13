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

__all__ = ["TeacherData", "teacher_data", "gradient_flow_errors", "LinearStudent", "LeastSquaresTask",
           "design_spectrum", "expected_flow_errors", "bayes_error"]


@dataclass
class TeacherData:
    X: Tensor  # (S, P, N)
    y: Tensor  # (S, P)
    w_bar: Tensor  # (S, N)
    w0: Tensor  # (S, N)
    sigma_eps2: float


def teacher_data(S: int, N: int, P: int, *, sigma_w2: float, sigma_eps2: float, sigma_w0_2: float, seed: int,
                 device=None, dtype=torch.float64, spherical: bool = True) -> TeacherData:
    """With `spherical`, w_bar and w(0) are drawn uniformly on spheres of squared radius N sigma^2: every
    expected error depends on them only through E[w w^T] = sigma^2 I, so the expectation is the same as for
    Gaussian draws, with the norm fluctuation (relative O(N^-1/2)) removed from the Monte Carlo error."""
    gen = torch.Generator(device=device).manual_seed(int(seed))
    X = torch.randn(S, P, N, generator=gen, device=device, dtype=dtype) / math.sqrt(N)

    def draw(var):
        v = torch.randn(S, N, generator=gen, device=device, dtype=dtype)
        if spherical:
            v = v / v.norm(dim=-1, keepdim=True) * math.sqrt(N)
        return math.sqrt(var) * v

    w_bar = draw(sigma_w2)
    noise = math.sqrt(sigma_eps2) * torch.randn(S, P, generator=gen, device=device, dtype=dtype)
    y = torch.einsum("spn,sn->sp", X, w_bar) + noise
    w0 = draw(sigma_w0_2)
    return TeacherData(X, y, w_bar, w0, sigma_eps2)


def gradient_flow_errors(data: TeacherData, times) -> tuple[Tensor, Tensor]:
    """Exact gradient-flow errors at `times` (may include inf): ||w(t) - w_bar||^2 / N and ||y - X w(t)||^2 / P.

    Returns two (S, T) tensors. With the SVD X = sum_k sqrt(l_k) u_k v_k^T (from the eigendecomposition of the
    smaller of X X^T and X^T X, never of a singular matrix), the coordinate c_k = v_k . w relaxes as
    c_k(t) = c*_k + (c_k(0) - c*_k) e^{-l_k t}, c*_k = u_k . y / sqrt(l_k); the component of w outside the span
    of the v_k (the frozen subspace, alpha < 1) keeps its initial value.
    """
    X, y = data.X, data.y
    S, P, N = X.shape
    if P <= N:
        lam, U = _eigh(X @ X.transpose(1, 2))  # (S, P), (S, P, P)
        V = X.transpose(1, 2) @ U / lam.clamp_min(1e-300).sqrt().unsqueeze(1)  # (S, N, P): v_k columns
    else:
        lam, V = _eigh(X.transpose(1, 2) @ X)  # (S, N), (S, N, N)
        U = X @ V / lam.clamp_min(1e-300).sqrt().unsqueeze(1)  # (S, P, N): u_k columns
    sq = lam.clamp_min(1e-300).sqrt()
    c_star = torch.einsum("spk,sp->sk", U, y) / sq
    c0 = torch.einsum("snk,sn->sk", V, data.w0)
    cbar = torch.einsum("snk,sn->sk", V, data.w_bar)
    frozen = ((data.w0 - data.w_bar) ** 2).sum(-1) - ((c0 - cbar) ** 2).sum(-1)  # |P_perp (w0 - w_bar)|^2
    t = torch.as_tensor(list(times), dtype=X.dtype, device=X.device)  # (T,)
    decay = torch.exp(-lam.unsqueeze(-1) * t)  # (S, K, T); all l_k > 0, so t = inf gives 0
    c_t = c_star.unsqueeze(-1) + (c0 - c_star).unsqueeze(-1) * decay
    gen_err = (((c_t - cbar.unsqueeze(-1)) ** 2).sum(1) + frozen.clamp_min(0).unsqueeze(-1)) / N
    fit_part = torch.einsum("spk,skt->spt", U, sq.unsqueeze(-1) * c_t)  # X w(t)
    train_err = ((y.unsqueeze(-1) - fit_part) ** 2).sum(1) / P
    return gen_err, train_err


def design_spectrum(S: int, N: int, P: int, *, seed: int, device=None, dtype=torch.float64) -> Tensor:
    """The K = min(P, N) non-zero eigenvalues of X^T X for S designs X (P, N) with entries N(0, 1/N): (S, K)."""
    gen = torch.Generator(device=device).manual_seed(int(seed))
    X = torch.randn(S, P, N, generator=gen, device=device, dtype=dtype) / math.sqrt(N)
    G = X @ X.transpose(1, 2) if P <= N else X.transpose(1, 2) @ X
    return _eigh(G)[0].clamp_min(0.0)


def expected_flow_errors(lam: Tensor, N: int, P: int, times, *, sigma_w2: float, sigma_eps2: float,
                         sigma_w0_2: float) -> tuple[Tensor, Tensor]:
    """Gradient-flow errors at `times` averaged exactly over the teacher, the noise and the initialisation, given
    each design's spectrum `lam` (S, K): ||w(t) - w_bar||^2 / N and ||y - X w(t)||^2 / P, each (S, T).

    In the eigenbasis, w(t) - w_bar has the coordinate eta_k (1 - e_k) + (c0_k - cbar_k) e_k with e_k = e^{-l_k t},
    E eta_k^2 = sigma_eps2 / l_k and E (c0_k - cbar_k)^2 = sigma_w0_2 + sigma_w2; the N - K frozen directions keep
    their initial error; the residual's k-th coordinate is e_k (u_k . eps - sqrt(l_k)(c0_k - cbar_k)), plus the
    P - K noise directions X cannot fit. The only randomness left is the design's, whose linear spectral
    statistics fluctuate by O(1/N): a measurement with almost no Monte Carlo noise.
    """
    K = lam.shape[-1]
    t = torch.as_tensor(list(times), dtype=lam.dtype, device=lam.device)
    e = torch.exp(-lam.unsqueeze(-1) * t)  # (S, K, T)
    var0 = sigma_w0_2 + sigma_w2
    gen = ((sigma_eps2 / lam.clamp_min(1e-300)).unsqueeze(-1) * (1 - e) ** 2 + var0 * e ** 2).sum(1)
    gen = (gen + (N - K) * var0) / N
    train = ((e ** 2) * (sigma_eps2 + lam.unsqueeze(-1) * var0)).sum(1)
    train = (train + (P - K) * sigma_eps2) / P
    return gen, train


def bayes_error(lam: Tensor, N: int, *, sigma_w2: float, sigma_eps2: float) -> Tensor:
    """The Bayes-optimal (posterior-mean) error E||w_hat - w_bar||^2 / N given each design's spectrum (S, K):
    (1/N) [sum_k 1 / (l_k / sigma_eps2 + 1 / sigma_w2) + (N - K) sigma_w2], the posterior's trace (no noise floor)."""
    K = lam.shape[-1]
    return ((1.0 / (lam / sigma_eps2 + 1.0 / sigma_w2)).sum(-1) + (N - K) * sigma_w2) / N


def _eigh(A: Tensor) -> tuple[Tensor, Tensor]:
    """Symmetric eigendecomposition; NumPy's LAPACK on the CPU (about 10x faster than this torch CPU build)."""
    if A.is_cuda:
        return torch.linalg.eigh(A)
    import numpy as np

    lam, V = np.linalg.eigh(A.detach().numpy())
    return torch.from_numpy(lam).to(A.dtype), torch.from_numpy(V).to(A.dtype)


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
