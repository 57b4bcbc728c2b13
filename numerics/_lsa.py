"""One-layer linear self-attention (LSA) as a batched ensemble of E independent models.

Zhang-Frei-Bartlett parametrisation ("zfb"): with tokens z_i = (x_i; y_i) and the query column
z_q = (x_q; 0), f(E) = E + W^PV E (E^T W^KQ E)/n and the prediction is the (d+1, n+1) entry:

    y_hat = (1/n) [ sum_i (p . z_i)(z_i^T W^KQ z_q) + (p . z_q)(z_q^T W^KQ z_q) ],  p = last row of W^PV.

Ahn et al.'s convention ("ahn"): the query column is masked out of keys and values, the value
row is fixed to p = e_{d+1} (their P_0 with the trainable block irrelevant for one layer) and the
prediction is the negated entry, y_hat = -(1/n) sum_i y_i (z_i^T Q z_q).

Both reduce to y_hat = x_q^T A g with g = (1/n) sum_i y_i x_i and the gauge-invariant
preconditioner A = p_{d+1} (W^KQ_11)^T (zfb) or A = -(Q_11)^T (ahn) once the off-diagonal blocks
vanish; `effective_A` returns it and `vanishing_blocks` the norms that must go to zero.
Key-query may be full, or factorised W^KQ = B C^T with a per-member rank mask (rank <= r_e).
The prediction reads the context through S = sum_i z_i z_i^T (see numerics/_icl_task.py): O(d^2) per prompt.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .._errors import invalid
from ._icl_task import Prompts

__all__ = ["LinearSelfAttention"]


class LinearSelfAttention(nn.Module):
    def __init__(
        self,
        E: int,
        d: int,
        *,
        rank: int | Sequence[int] | None = None,  # None: full W^KQ; int or one rank per member: W^KQ = B C^T
        init_scale: float = 0.01,  # std of W^PV and of a full W^KQ at init
        factor_init_scale: float = 0.5,  # std of B, C: 0.5 avoids the A = 0 saddle at r = 1 (dossier §6.5)
        convention: str = "zfb",
        init: str = "random",  # "random" | "balanced" (Zhang et al.'s Assumption 3.3, rank-r version)
        seed: int = 0,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
    ):
        super().__init__()
        if convention not in ("zfb", "ahn"):
            raise invalid("LinearSelfAttention", "convention", "'zfb' (Zhang et al.) or 'ahn' (Ahn et al.)", convention)
        self.E, self.d, self.convention = int(E), int(d), convention
        D = d + 1
        g = torch.Generator(device="cpu").manual_seed(int(seed))

        def randn(*shape, scale):
            return (scale * torch.randn(*shape, generator=g, dtype=torch.float64)).to(device=device, dtype=dtype)

        if convention == "zfb":
            self.W_PV = nn.Parameter(randn(E, D, D, scale=init_scale))
        if rank is None:
            self.ranks = None
            self.W_KQ_full = nn.Parameter(randn(E, D, D, scale=init_scale))
        else:
            ranks = [int(rank)] * E if isinstance(rank, int) else [int(x) for x in rank]
            if len(ranks) != E or min(ranks) < 1 or max(ranks) > D:
                raise invalid("LinearSelfAttention", "rank", f"an int or E={E} ints in [1, d+1]", rank)
            self.ranks = ranks
            r_max = max(ranks)
            self.B = nn.Parameter(randn(E, D, r_max, scale=factor_init_scale))
            self.C = nn.Parameter(randn(E, D, r_max, scale=factor_init_scale))
            mask = (torch.arange(r_max)[None, :] < torch.tensor(ranks)[:, None]).to(device=device, dtype=dtype)
            self.register_buffer("rank_mask", mask[:, None, :])  # (E, 1, r_max)
        if init not in ("random", "balanced"):
            raise invalid("LinearSelfAttention", "init", "'random' or 'balanced'", init)
        if init == "balanced":
            self._balanced_init(g, init_scale if rank is None else factor_init_scale)

    @torch.no_grad()
    def _balanced_init(self, g: torch.Generator, sigma: float):
        """W^PV = sigma e e^T, W^KQ = sigma [[Theta Theta^T, 0], [0, 0]] with ||Theta Theta^T||_F = 1.

        Zhang et al.'s Assumption 3.3 (Theta is d x d there; d x r here under the rank bound, so that
        W^KQ = B C^T with B = C = sqrt(sigma) [Theta; 0]). The blocks that vanish at the optimum start at 0.
        """
        E, d = self.E, self.d
        r = d if self.ranks is None else self.B.shape[-1]
        Theta = torch.randn(E, d, r, generator=g, dtype=torch.float64)
        if self.ranks is not None:
            Theta = Theta * self.rank_mask.to(torch.float64).cpu()
        TT = Theta @ Theta.transpose(1, 2)
        scale = TT.norm(dim=(1, 2)).sqrt()[:, None, None]
        Theta = Theta / scale
        dev, dt = self.W_KQ.device, self.W_KQ.dtype
        if self.convention == "zfb":
            self.W_PV.zero_()
            self.W_PV[:, d, d] = sigma
        if self.ranks is None:
            self.W_KQ_full.zero_()
            self.W_KQ_full[:, :d, :d] = (sigma * Theta @ Theta.transpose(1, 2)).to(dev, dt)
        else:
            self.B.zero_()
            self.C.zero_()
            self.B[:, :d, :] = (sigma ** 0.5 * Theta).to(dev, dt)
            self.C[:, :d, :] = (sigma ** 0.5 * Theta).to(dev, dt)

    # ----------------------------------------------------------------- weights
    @property
    def W_KQ(self) -> Tensor:  # (E, D, D)
        if self.ranks is None:
            return self.W_KQ_full
        return (self.B * self.rank_mask) @ self.C.transpose(1, 2)

    def value_row(self) -> Tensor:  # (E, D): the row of W^PV that writes the prediction
        if self.convention == "ahn":
            p = torch.zeros(self.E, self.d + 1, device=self.W_KQ.device, dtype=self.W_KQ.dtype)
            p[:, -1] = 1.0
            return p
        return self.W_PV[:, -1, :]

    def effective_A(self) -> Tensor:
        """Gauge-invariant preconditioner (E, d, d): y_hat = x_q^T A g once the vanishing blocks are 0."""
        d = self.d
        W11 = self.W_KQ[:, :d, :d]
        if self.convention == "ahn":
            return -W11.transpose(1, 2)
        return self.value_row()[:, d, None, None] * W11.transpose(1, 2)

    def vanishing_blocks(self) -> dict[str, Tensor]:
        """Norms of the blocks that are zero at every optimum (E,)."""
        d = self.d
        out = {"w_KQ_21": self.W_KQ[:, d, :d].norm(dim=-1)}
        if self.convention == "zfb":
            out["w_PV_21"] = self.value_row()[:, :d].norm(dim=-1)
        return out

    @classmethod
    def from_preconditioner(cls, A: Tensor, **kw) -> "LinearSelfAttention":
        """A zfb model (full W^KQ) whose prediction is exactly x_q^T A g; A: (E, d, d)."""
        E, d, _ = A.shape
        m = cls(E, d, init_scale=0.0, device=A.device, dtype=A.dtype, **kw)
        with torch.no_grad():
            m.W_PV.zero_()
            m.W_PV[:, d, d] = 1.0
            m.W_KQ_full.zero_()
            m.W_KQ_full[:, :d, :d] = A.transpose(1, 2)
        return m

    # ----------------------------------------------------------------- forward
    def forward(self, prompts: Prompts) -> Tensor:
        """(E, B) predictions. Context enters through S = sum_i z_i z_i^T only (E E^T minus the query)."""
        S, xq, n, d = prompts.S, prompts.xq, prompts.n, self.d  # (E,B,D,D), (E,B,d)
        W = self.W_KQ  # (E, D, D)
        kq = torch.einsum("eij,ebj->ebi", W[:, :, :d], xq)  # W^KQ z_q, (E, B, D)
        Skq = torch.einsum("ebij,ebj->ebi", S, kq)  # sum_i z_i (z_i^T W^KQ z_q)
        if self.convention == "ahn":
            return -Skq[..., d] / n
        p = self.value_row()  # (E, D)
        query = torch.einsum("ebd,ed->eb", xq, p[:, :d]) * torch.einsum("ebd,ebd->eb", xq, kq[..., :d])
        return (torch.einsum("ed,ebd->eb", p, Skq) + query) / n
