"""Test problems of the parameter-free optimisers (Tao et al. 2025): the iterate as a module, l2-regularised logistic
regression (full batch, smooth and strongly convex) and a sharp non-smooth stochastic problem, ||x||_1 with Gaussian
gradient noise.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as Fn

__all__ = ["LogisticProblem", "Point", "SharpNoisyL1"]


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
        return Fn.softplus(-(x @ self.A.T.to(x)) * self.y.to(x)).mean(-1) + 0.5 * self.reg * (x ** 2).sum(-1)

    def exact_loss(self, model):
        return self.value(model.x)


class SharpNoisyL1:
    """f(x) = ||x||_1 with stochastic subgradients sign(x) + N(0, I): a non-smooth stochastic convex problem (f* = 0).
    `bind(model)` gives the module whose per-member loss ||x||_1 + <noise, x> has exactly that gradient (the noise is
    drawn on the CPU from `seed`, whatever the model's device)."""

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
                noise = torch.randn(x.shape, generator=self.gen, dtype=x.dtype).to(x.device)
                return problem.value(x) + (noise * x).sum(-1)

        return _Bound()

    def loss(self, pred, batch):
        return pred
