"""AdaGrad++ and Adam++ (Tao, Yuan, Zhou, Cao, Gu, arXiv 2412.19444) as torch optimizers.

Update rules as quoted by the paper's reviews and a third-party summary (the algorithm boxes were not reachable;
see theory/_tao2025_adagrad_pp.py). With x_0 the parameters at construction, p the number of coordinates and
eta_{-1} = eps:

    eta_t = max(eta_{t-1}, ||x_t - x_0|| / sqrt(p))
    AdaGrad++: x_{t+1} = x_t - lr * eta_t g_t / (delta + sqrt(sum_{i<=t} g_i^2))
    Adam++:    m_t = b1_t m_{t-1} + (1 - b1_t) g_t, b1_t = beta1 lam^t, v_t = beta2 v_{t-1} + (1 - beta2) g_t^2,
               x_{t+1} = x_t - lr * eta_t m_t / (delta + sqrt((t + 1) v_t))    (v_t -> max_{i<=t} v_i if amsgrad)

`lr` is the base-rate multiplier c of the paper's experiments (default 1). With `ensemble=True` the leading axis of
every parameter indexes independent models (the batched ensembles of numerics/_fit.py): distances, p and eta_t are
then per member, so each member is updated exactly as if it were optimised alone.
"""

from __future__ import annotations

import math

import torch
from torch.optim import Optimizer

from .._errors import invalid

__all__ = ["AdaGradPP", "AdamPP"]


def _check(owner, name, value, lo, hi=None, lo_open=False, hi_open=False):
    ok = (value > lo if lo_open else value >= lo) and (hi is None or (value < hi if hi_open else value <= hi))
    if not (isinstance(value, (int, float)) and math.isfinite(value) and ok):
        lo_text = f"{'>' if lo_open else '>='} {lo}"
        hi_text = "" if hi is None else f" and {'<' if hi_open else '<='} {hi}"
        raise invalid(owner, name, f"a finite number {lo_text}{hi_text}", value)


class _DistanceStep(Optimizer):
    """Shared part: the step size eta_t from the largest distance travelled from x_0."""

    def __init__(self, params, defaults, ensemble, record):
        super().__init__(params, defaults)
        self.ensemble, self.record = ensemble, record
        self.history: list = []  # with record=True: (eta_t, max_{i<=t} ||x_i - x_0||) per step
        self._x0 = None
        self.eta = None  # current eta_t: a 0-d tensor, or (E,) with ensemble=True
        self.max_dist = None

    def _params(self):
        return [p for g in self.param_groups for p in g["params"]]

    def _members(self, t):
        return t.reshape(t.shape[0], -1) if self.ensemble else t.reshape(1, -1)

    @torch.no_grad()
    def _update_eta(self):
        ps = self._params()
        if self._x0 is None:
            self._x0 = [p.detach().clone() for p in ps]
            count = sum(self._members(p).shape[1] for p in ps)
            E = ps[0].shape[0] if self.ensemble else 1
            self._count = count
            eps = self.param_groups[0]["eps"]
            self.eta = torch.full((E,), float(eps), dtype=ps[0].dtype, device=ps[0].device)
            self.max_dist = torch.zeros_like(self.eta)
        sq = sum((self._members(p - x0) ** 2).sum(1) for p, x0 in zip(ps, self._x0))
        dist = sq.sqrt()
        self.max_dist = torch.maximum(self.max_dist, dist)
        self.eta = torch.maximum(self.eta, dist / math.sqrt(self._count))
        if self.record:
            self.history.append((self.eta.clone(), self.max_dist.clone()))

    def _begin(self, closure):
        """Evaluate the closure (if any), then update eta_t from the current iterate."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._update_eta()
        return loss

    def _scale(self, p):
        eta = self.eta if self.ensemble else self.eta[0]
        return eta.reshape((-1,) + (1,) * (p.dim() - 1)) if self.ensemble else eta


class AdaGradPP(_DistanceStep):
    """AdaGrad++: AdaGrad whose step size is the distance travelled over sqrt(#coordinates)."""

    def __init__(self, params, lr: float = 1.0, eps: float = 1e-8, delta: float = 1e-8, *, ensemble: bool = False,
                 record: bool = False):
        _check("AdaGradPP", "lr", lr, 0.0, lo_open=True)
        _check("AdaGradPP", "eps", eps, 0.0, lo_open=True)
        _check("AdaGradPP", "delta", delta, 0.0)
        super().__init__(params, dict(lr=lr, eps=eps, delta=delta), ensemble, record)

    @torch.no_grad()
    def step(self, closure=None):
        loss = self._begin(closure)
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if "sum_sq" not in st:
                    st["sum_sq"] = torch.zeros_like(p)
                st["sum_sq"].addcmul_(p.grad, p.grad)
                p.addcdiv_(p.grad * self._scale(p), st["sum_sq"].sqrt().add_(g["delta"]), value=-g["lr"])
        return loss


class AdamPP(_DistanceStep):
    """Adam++: Adam with the distance-based step size and s_t = sqrt((t + 1) v_t) (amsgrad: running max of v)."""

    def __init__(self, params, lr: float = 1.0, betas=(0.9, 0.999), eps: float = 1e-8, delta: float = 1e-8,
                 lam: float = 1.0, amsgrad: bool = False, *, ensemble: bool = False, record: bool = False):
        _check("AdamPP", "lr", lr, 0.0, lo_open=True)
        _check("AdamPP", "eps", eps, 0.0, lo_open=True)
        _check("AdamPP", "delta", delta, 0.0)
        _check("AdamPP", "betas[0]", betas[0], 0.0, 1.0, hi_open=True)
        _check("AdamPP", "betas[1]", betas[1], 0.0, 1.0, hi_open=True)
        _check("AdamPP", "lam", lam, 0.0, 1.0, lo_open=True)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, delta=delta, lam=lam, amsgrad=amsgrad),
                         ensemble, record)
        self.t = 0

    @torch.no_grad()
    def step(self, closure=None):
        loss = self._begin(closure)
        for g in self.param_groups:
            b1 = g["betas"][0] * g["lam"] ** self.t
            b2 = g["betas"][1]
            for p in g["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if "m" not in st:
                    st["m"], st["v"] = torch.zeros_like(p), torch.zeros_like(p)
                    if g["amsgrad"]:
                        st["v_max"] = torch.zeros_like(p)
                st["m"].mul_(b1).add_(p.grad, alpha=1 - b1)
                st["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                v = st["v"]
                if g["amsgrad"]:
                    torch.maximum(st["v_max"], v, out=st["v_max"])
                    v = st["v_max"]
                denom = (v * (self.t + 1)).sqrt().add_(g["delta"])
                p.addcdiv_(st["m"] * self._scale(p), denom, value=-g["lr"])
        self.t += 1
        return loss
