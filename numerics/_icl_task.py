"""In-context linear regression prompts (the data of the linear-attention family).

A prompt: x_1..x_n, x_q ~ N(0, Lambda), a task w ~ N(0, I_d), labels y_i = <w, x_i> + sigma eps_i with
eps_i ~ N(0, 1), and the clean target <w, x_q>. Batches carry a leading ensemble axis E: member e may
have its own Lambda (parameter draws along the ensemble) or share one. Covariate shift = the same
task with another Lambda at test time.

Representation. A one-layer linear attention reads its context only through E E^T, i.e. through
S = sum_i z_i z_i^T with tokens z_i = (x_i; y_i). So a prompt stores the sufficient statistic
Wz = sum_i (x_i; eps_i)(x_i; eps_i)^T, a Wishart(n, diag(Lambda, 1)) matrix, and S for any noise
level follows exactly: S = T Wz T^T with T = [[I, 0], [w^T, sigma]]. When n >= d + 1, Wz is drawn
directly by the Bartlett decomposition ((d+1)(d+2)/2 random numbers instead of n (d+1)); otherwise
from the tokens. Both give the same distribution (tests/test_numerics.py checks the moments).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import Tensor

from .._errors import invalid

__all__ = ["ICLRegression", "PopulationICL", "Prompts", "random_rotation", "rotated_covariance"]


def random_rotation(d: int, seed: int) -> np.ndarray:
    """A Haar-random d x d orthogonal matrix from `seed` (QR of a Gaussian matrix, signs fixed)."""
    g = np.random.default_rng(seed)
    q, r = np.linalg.qr(g.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def rotated_covariance(lam, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Lambda = Q diag(lam) Q^T with a random rotation Q from `seed`: basis-free claims tested off the eigenbasis."""
    lam = np.asarray(lam, dtype=float)
    Q = random_rotation(len(lam), seed)
    return Q @ np.diag(lam) @ Q.T, Q


@dataclass(frozen=True)
class Prompts:
    Wz: Tensor  # (E, B, d+1, d+1)  sum_i (x_i; eps_i)(x_i; eps_i)^T
    n: int  # context examples per prompt
    xq: Tensor  # (E, B, d)  query input
    w: Tensor  # (E, B, d)   task vectors
    target: Tensor  # (E, B)  clean target <w, x_q>
    sigma: float | Tensor = 0.0  # label-noise std (a negative value flips the noise: antithetic twin)

    @property
    def S(self) -> Tensor:
        """sum_i z_i z_i^T with z_i = (x_i; y_i): (E, B, d+1, d+1)."""
        d = self.xq.shape[-1]
        Wxx, Wxe, Wee = self.Wz[..., :d, :d], self.Wz[..., :d, d], self.Wz[..., d, d]
        s = torch.as_tensor(self.sigma, dtype=self.Wz.dtype, device=self.Wz.device)
        s = s.reshape(-1, 1) if s.ndim else s
        Sxy = torch.einsum("ebij,ebj->ebi", Wxx, self.w) + s[..., None] * Wxe
        Syy = torch.einsum("ebi,ebi->eb", self.w, Sxy + s[..., None] * Wxe) + s ** 2 * Wee
        S = torch.empty_like(self.Wz)  # data only: no parameter enters S
        S[..., :d, :d] = Wxx
        S[..., :d, d] = Sxy
        S[..., d, :d] = Sxy
        S[..., d, d] = Syy
        return S

    def with_noise(self, sigma2: float | Tensor, sign: float = 1.0) -> "Prompts":
        """The same prompts with label-noise variance sigma2 (paired comparisons across noise levels).

        sign=-1 flips the noise: the antithetic twin, for variance reduction.
        """
        s = torch.as_tensor(sigma2, dtype=self.Wz.dtype, device=self.Wz.device)
        return replace(self, sigma=sign * s.sqrt())

    def expand(self, E: int) -> "Prompts":
        """Broadcast prompts sampled with E = 1 to E members (paired comparisons across members)."""
        ex = (lambda t: t.expand(E, *t.shape[1:]))
        return replace(self, Wz=ex(self.Wz), xq=ex(self.xq), w=ex(self.w), target=ex(self.target))

    @classmethod
    def from_tokens(cls, X: Tensor, eps: Tensor, xq: Tensor, w: Tensor, sigma: float | Tensor = 0.0) -> "Prompts":
        """From explicit tokens: X (E, B, n, d), eps (E, B, n) standard-normal label noise."""
        Z = torch.cat([X, eps[..., None]], dim=-1)
        return cls(Z.transpose(-1, -2) @ Z, X.shape[-2], xq, w, torch.einsum("ebd,ebd->eb", xq, w), sigma)


def _bartlett_factor(E: int, B: int, p: int, n: int, gen, device, dtype) -> Tensor:
    """Lower-triangular A with A A^T ~ Wishart(n, I_p): A_kk = sqrt(chi2_{n-k}), k = 0..p-1, N(0, 1) below."""
    dof = (n - torch.arange(p, device=device, dtype=dtype)).expand(E, B, p)
    chi2 = 2.0 * torch._standard_gamma(dof / 2.0, generator=gen)
    rows, cols = torch.tril_indices(p, p, -1, device=device)
    A = torch.zeros(E, B, p, p, device=device, dtype=dtype)
    A[..., rows, cols] = torch.randn(E, B, rows.numel(), generator=gen, device=device, dtype=dtype)
    A[..., range(p), range(p)] = chi2.sqrt()
    return A


def _left_multiply(C: Tensor, A: Tensor) -> Tensor:
    """C A for C (E, p, p) and A (E, B, p, q) as one batched GEMM over E (not E*B tiny products)."""
    E, B, p, q = A.shape
    At = A.transpose(-1, -2).reshape(E, B * q, p)  # rows of A^T
    return torch.bmm(At, C.transpose(1, 2)).reshape(E, B, q, p).transpose(-1, -2)


@dataclass(frozen=True)
class ICLRegression:
    """Sampler of ICL linear-regression prompts of length n.

    Lambda: (d, d) shared by all members, or (E, d, d), one per member.
    sigma2: label-noise variance in the context: a float or an (E,) tensor.
    """

    Lambda: Tensor
    n: int
    sigma2: float | Tensor = 0.0

    def __post_init__(self):
        L = torch.as_tensor(self.Lambda)
        if L.ndim not in (2, 3) or L.shape[-1] != L.shape[-2]:
            raise invalid("ICLRegression", "Lambda", "a (d, d) or (E, d, d) covariance", f"shape {tuple(L.shape)}")
        if int(self.n) < 1:
            raise invalid("ICLRegression", "n", "an integer >= 1 (the context length)", self.n)
        s = torch.as_tensor(self.sigma2)
        if torch.any(s < 0) or not torch.all(torch.isfinite(s)):
            raise invalid("ICLRegression", "sigma2", "a finite label-noise variance >= 0", self.sigma2)

    @property
    def d(self) -> int:
        return int(torch.as_tensor(self.Lambda).shape[-1])

    def replace(self, **changes) -> "ICLRegression":
        return replace(self, **changes)

    def _chol(self, device, dtype) -> Tensor:
        key = (str(device), dtype)
        cache = self.__dict__.setdefault("_chol_cache", {})
        if key not in cache:  # factorised once per device and dtype (in float64)
            L = torch.as_tensor(self.Lambda, dtype=torch.float64)
            cache[key] = torch.linalg.cholesky(L).to(device=device, dtype=dtype)
        return cache[key]

    def sample(self, E: int, B: int, generator: torch.Generator, *, device=None, dtype=torch.float32) -> Prompts:
        device = generator.device if device is None else device
        C = self._chol(device, dtype)  # (d, d) or (E, d, d)
        d, n = self.d, int(self.n)
        if C.ndim == 2:
            C = C.expand(E, d, d)
        Cz = torch.zeros(E, d + 1, d + 1, device=device, dtype=dtype)  # chol of diag(Lambda, 1)
        Cz[:, :d, :d] = C
        Cz[:, d, d] = 1.0
        if n >= d + 1:  # Wz = F F^T with F = Cz A, A the Bartlett factor
            F = _left_multiply(Cz, _bartlett_factor(E, B, d + 1, n, generator, device, dtype))
        else:  # F = Cz Z^T from the tokens themselves
            F = _left_multiply(Cz, torch.randn(E, B, n, d + 1, generator=generator, device=device,
                                               dtype=dtype).transpose(-1, -2))
        Wz = F @ F.transpose(-1, -2)
        xq = torch.randn(E, B, d, generator=generator, device=device, dtype=dtype) @ C.transpose(-1, -2)
        w = torch.randn(E, B, d, generator=generator, device=device, dtype=dtype)
        s = torch.as_tensor(self.sigma2, dtype=dtype, device=device).sqrt()
        return Prompts(Wz, n, xq, w, torch.einsum("ebd,ebd->eb", xq, w), s)

    def loss(self, pred: Tensor, prompts: Prompts) -> Tensor:
        """Per-member training loss 0.5 * mean_b (pred - <w, x_q>)^2, shape (E,)."""
        return 0.5 * ((pred - prompts.target) ** 2).mean(dim=1)


@dataclass(frozen=True)
class PopulationICL:
    """The exact population loss of ICL regression, 0.5 R(A_eff), for `fit` without sampling noise.

    R is the Gaussian risk of the model's effective preconditioner (numerics.population_risk). It is
    the full model's population loss whenever the blocks that vanish at the optimum are zero; from
    the balanced initialisation they start at zero and their gradient there is zero (the loss is
    even in them), so training on this loss is the full model's exact gradient flow, discretised.
    """

    Lambda: Tensor
    n: int
    sigma2: float = 0.0

    def exact_loss(self, model) -> Tensor:
        from ._population import population_risk

        A = model.effective_A()
        L = torch.as_tensor(self.Lambda, dtype=A.dtype, device=A.device)
        return 0.5 * population_risk(A, L, self.n, self.sigma2)
