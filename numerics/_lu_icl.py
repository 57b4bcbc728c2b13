"""The reduced linear-attention model of Lu et al. (2025): features H_Z, the ridge fit of Gamma*, in float64.

One context Z with task w: x_1..x_{l+1} ~ N(0, I/d), y_i = <x_i, w> + N(0, rho); the feature is
h = vec(H_Z), H_Z = x_q [ (d/l) sum_i y_i x_i^T , (1/l) sum_i y_i^2 ] in R^{d x (d+1)}, the target y_q.

Exact O(d) sampling of a context's sufficient statistics (no l x d matrix): with e = w/|w|, split
X = g e^T + X_perp. Then a = sqrt(d) g ~ N(0, I_l) and b = noise/sqrt(rho) ~ N(0, I_l) enter only through
the 2 x 2 Wishart matrix S = [a b]^T [a b] ~ W_2(l, I) (Bartlett: S = L L^T, L = [[c1, 0], [n, c2]],
c1^2 ~ chi2_l, c2^2 ~ chi2_{l-1}, n ~ N(0,1)); and X_perp^T y | y ~ N(0, |y|^2 (I - e e^T)/d). So
    a.y = (|w|/sqrt d) S11 + sqrt(rho) S12,   |y|^2 = (|w|^2/d) S11 + 2 (|w|/sqrt d) sqrt(rho) S12 + rho S22,
    X^T y = e (a.y)/sqrt(d) + sqrt(|y|^2/d) (I - e e^T) z,   z ~ N(0, I_d).
This is the same distribution as the token-level construction (tested against it in tests/).

Gamma* = argmin sum_mu (y_q^mu - <Gamma, H^mu>)^2 + (n/d) lam ||Gamma||_F^2 is solved from the p x p Gram
matrix, p = d(d+1), accumulated over chunks of contexts (never one row per context for all n at once),
for a batch of seeds at a time, in float64 (float32 breaks near the interpolation threshold).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
from torch import Tensor

from .._errors import invalid
from ._device import resolve_device
from ._icl_task import _bartlett_factor

__all__ = ["LuSizes", "lu_sizes", "sample_tasks", "sample_contexts", "fit_gamma", "GammaFit"]


@dataclass(frozen=True)
class LuSizes:
    """Integer sizes realised from (alpha, kappa, tau) at dimension d, and the realised ratios."""

    d: int
    ell: int
    k: int | None  # None: a fresh task for every context (kappa = oo)
    n: int

    @property
    def alpha(self) -> float:
        return self.ell / self.d

    @property
    def kappa(self) -> float:
        return math.inf if self.k is None else self.k / self.d

    @property
    def tau(self) -> float:
        return self.n / self.d ** 2

    @property
    def tau_eff(self) -> float:
        """n / p with p = d(d+1) parameters: where the finite-d interpolation threshold sits."""
        return self.n / (self.d * (self.d + 1))

    @property
    def p(self) -> int:
        return self.d * (self.d + 1)


def lu_sizes(d: int, alpha: float, kappa: float, tau: float) -> LuSizes:
    """l = round(alpha d), k = round(kappa d) (None for kappa = oo), n = round(tau d^2)."""
    ell = max(1, round(alpha * d))
    k = None if math.isinf(kappa) else max(1, round(kappa * d))
    return LuSizes(d=d, ell=ell, k=k, n=max(1, round(tau * d * d)))


def sample_tasks(S: int, k: int, d: int, gen: torch.Generator, *, device=None) -> Tensor:
    """(S, k, d) tasks: Gaussian rows rescaled to norm exactly sqrt(d) (the authors' task set)."""
    w = torch.randn(S, k, d, generator=gen, device=device, dtype=torch.float64)
    return w / w.norm(dim=-1, keepdim=True) * math.sqrt(d)


def sample_contexts(w: Tensor, ell: int, rho: float, gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """Features h (..., d(d+1)) and targets y_q (...) for contexts with tasks w (..., d), exactly, in O(d) each."""
    shape, d = w.shape[:-1], w.shape[-1]
    dev, dt = w.device, w.dtype
    norm = w.norm(dim=-1)
    e = w / norm.unsqueeze(-1)
    if ell < 2:
        raise invalid("sample_contexts", "ell", "an integer >= 2 (the Bartlett sampler's context length)", ell)
    L = _bartlett_factor(1, int(math.prod(shape)), 2, ell, gen, dev, dt)[0].reshape(*shape, 2, 2)
    c1, nn_, c2 = L[..., 0, 0], L[..., 1, 0], L[..., 1, 1]
    S11, S12, S22 = c1 * c1, c1 * nn_, nn_ * nn_ + c2 * c2
    r = norm / math.sqrt(d)
    sr = math.sqrt(rho)
    a_dot_y = r * S11 + sr * S12
    yy = r * r * S11 + 2 * r * sr * S12 + rho * S22
    z = torch.randn(*shape, d, generator=gen, device=dev, dtype=dt)
    z = z - (z * e).sum(-1, keepdim=True) * e
    Xty = e * (a_dot_y / math.sqrt(d)).unsqueeze(-1) + torch.sqrt(yy / d).unsqueeze(-1) * z
    u = (d / ell) * Xty
    s = yy / ell
    xq = torch.randn(*shape, d, generator=gen, device=dev, dtype=dt) / math.sqrt(d)
    yq = (xq * w).sum(-1) + sr * torch.randn(shape, generator=gen, device=dev, dtype=dt)
    H = xq.unsqueeze(-1) * torch.cat([u, s.unsqueeze(-1)], dim=-1).unsqueeze(-2)  # (..., d, d+1)
    return H.reshape(*shape, d * (d + 1)), yq


@dataclass
class GammaFit:
    Gamma: Tensor  # (S, d, d+1) float64, CPU
    tasks: Tensor | None  # (S, k, d) pretraining task sets (None for kappa = oo)
    sizes: LuSizes
    lam: float
    seconds: float
    device: str
    peak_bytes: int  # peak device memory (CUDA) or the Gram/chunk buffers' size (CPU)


def fit_gamma(sizes: LuSizes, rho: float, lam: float, *, seeds: int, seed: int, device: str = "auto",
              elements: int = 1 << 24, balanced: bool = True) -> GammaFit:
    """Ridge-fit Gamma* for `seeds` independent task sets and data sets, batched over seeds.

    Seeds are processed in batches of S (a deterministic function of the sizes and `elements`, the feature
    buffer size); batch b draws everything from one generator seeded by (seed, b), so results are reproducible
    from `seed`. The Gram matrices are accumulated over chunks of contexts, never all n rows of H at once.
    Tasks are assigned to the n contexts in a balanced way (each task n/k times, up to one) as in the authors'
    runs, or uniformly at random (`balanced=False`). lam = 0 solves the normal equations through a
    pseudo-inverse (the minimum-norm interpolator for n < p).
    """
    dev = resolve_device(device)
    d, p, n = sizes.d, sizes.p, sizes.n
    gram_budget = (8 << 30) if dev.type == "cuda" else (1 << 30)
    S_max = max(1, min(seeds, gram_budget // (8 * (p * p + p)), elements // p))
    chunk = max(1, elements // (S_max * p))  # contexts per seed per step
    t0 = time.perf_counter()
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    Gammas, task_sets = [], []
    for b0 in range(0, seeds, S_max):
        S = min(S_max, seeds - b0)
        gen = torch.Generator(device=dev).manual_seed(int(seed) * 1_000_003 + b0)
        G = torch.zeros(S, p, p, device=dev, dtype=torch.float64)
        rhs = torch.zeros(S, p, device=dev, dtype=torch.float64)
        W = sample_tasks(S, sizes.k, d, gen, device=dev) if sizes.k is not None else None
        if W is not None:
            if balanced:
                idx = (torch.arange(n, device=dev) % sizes.k).expand(S, n)
            else:
                idx = torch.randint(0, sizes.k, (S, n), generator=gen, device=dev)
            task_sets.append(W.cpu())
        for c0 in range(0, n, chunk):
            m = min(chunk, n - c0)
            if W is None:
                w = sample_tasks(S, m, d, gen, device=dev)
            else:
                w = torch.gather(W, 1, idx[:, c0:c0 + m, None].expand(S, m, d))
            h, y = sample_contexts(w, sizes.ell, rho, gen)  # (S, m, p), (S, m)
            G.baddbmm_(h.transpose(1, 2), h)
            rhs.add_(torch.einsum("smp,sm->sp", h, y))
        if lam > 0:
            G.diagonal(dim1=-2, dim2=-1).add_(n / d * lam)
            L, info = torch.linalg.cholesky_ex(G)  # SPD: Cholesky is ~7x faster than LU on the CPU build
            if bool((info == 0).all()):
                sol = torch.cholesky_solve(rhs.unsqueeze(-1), L).squeeze(-1)
            else:  # numerically indefinite (tiny lam at the threshold): LU
                sol = torch.linalg.solve(G, rhs.unsqueeze(-1)).squeeze(-1)
        else:
            sol = (torch.linalg.pinv(G, hermitian=True) @ rhs.unsqueeze(-1)).squeeze(-1)
        Gammas.append(sol.reshape(S, d, d + 1).cpu())
        del G, rhs
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
        peak = int(torch.cuda.max_memory_allocated(dev))
    else:
        peak = 8 * (S_max * (p * p + p) + S_max * chunk * (p + d + 2))
    return GammaFit(Gamma=torch.cat(Gammas), tasks=torch.cat(task_sets) if task_sets else None, sizes=sizes,
                    lam=float(lam), seconds=time.perf_counter() - t0, device=str(dev), peak_bytes=peak)
