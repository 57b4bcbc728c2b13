"""Benign overfitting in two-layer convolutional networks (Cao, Chen, Belkin, Gu 2022): the signal-plus-noise patch
data and the two-layer CNN with ReLU^q activation, trained by full-batch gradient descent on the logistic loss.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as Fn

__all__ = ["PatchCNN", "PatchTask", "patch_data"]


def patch_data(E, n, d, mu_norm, sigma_p, generator, mu=None):
    """x = [y mu, xi] with xi ~ N(0, sigma_p^2 (I - mu mu^T/||mu||^2)); returns X (E, n, 2, d), y (E, n), mu (E, d)."""
    if mu is None:
        mu = torch.randn(E, d, generator=generator)
        mu = mu_norm * mu / mu.norm(dim=-1, keepdim=True)
    u = mu / mu.norm(dim=-1, keepdim=True)
    y = torch.randint(0, 2, (E, n), generator=generator).float() * 2 - 1
    xi = sigma_p * torch.randn(E, n, d, generator=generator)
    xi = xi - torch.einsum("end,ed->en", xi, u).unsqueeze(-1) * u.unsqueeze(1)
    return torch.stack([y.unsqueeze(-1) * mu.unsqueeze(1), xi], 2), y, mu


class PatchCNN(nn.Module):
    """f = F_{+1} - F_{-1}, F_j = (1/m) sum_r sum_p relu(<w_{j,r}, x^(p)>)^q; W (E, 2, m, d) ~ N(0, sigma0^2)."""

    def __init__(self, E, m, d, q, sigma0, generator=None):
        super().__init__()
        self.E, self.m, self.q = E, m, q
        self.W = nn.Parameter(sigma0 * torch.randn(E, 2, m, d, generator=generator))

    def forward(self, X):
        z = torch.relu(torch.einsum("enpd,ejmd->enjmp", X, self.W)) ** self.q
        F = z.sum(-1).mean(-1)  # (E, n, 2)
        return F[..., 0] - F[..., 1]


class PatchTask:
    """Full-batch logistic loss on a fixed training set (X, y), moved to the model's device."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def exact_loss(self, model):
        X, y = self.X.to(model.W), self.y.to(model.W)
        return Fn.softplus(-y * model(X)).mean(-1)
