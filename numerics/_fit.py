"""The one training loop: an ensemble of E independent models in one set of batched tensor ops.

The loss is the sum over members of each member's own mean loss, so every member receives exactly
its own gradient and Adam/SGD (element-wise optimisers) update it exactly as if it were trained
alone. Members whose loss becomes non-finite or explodes are frozen, flagged `diverged` and kept
out of the other members' way; the caller turns that into a verdict, never a crash.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol, Sequence

import torch
from torch import Tensor, nn

from .._errors import invalid
from ._device import resolve_device, resolve_dtype

__all__ = ["TrainConfig", "FitResult", "fit"]


class Task(Protocol):
    def sample(self, E: int, B: int, generator: torch.Generator, *, device=None, dtype=None) -> Any: ...
    def loss(self, pred: Tensor, batch: Any) -> Tensor: ...


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 3000  # LSA d <= 6, N <= 50: risk within ~1e-3 of its optimum (see verify calibration)
    batch: int = 1024  # prompts per member per step, fresh every step (online = population loss)
    lr: float = 1e-2  # Adam's base rate; stable for the LSA at init scale 0.01-0.5
    optimizer: str = "adam"  # "adam" | "sgd" | "adagrad" | "adagrad_pp" | "adam_pp" (numerics/_optim_pp.py)
    optimizer_options: tuple = ()  # extra (name, value) pairs for the optimiser, e.g. (("eps", 1e-6),)
    momentum: float = 0.0  # SGD momentum
    schedule: str = "cosine"  # "cosine" | "linear" | "constant" decay of lr over `steps`, or "table"
    lr_table: tuple = ()  # schedule "table": lr * lr_table[step] (any schedule, e.g. step decay or WSD)
    lr_min_ratio: float = 1e-3  # final lr = lr * lr_min_ratio (cosine/linear)
    divergence_factor: float = 1e6  # loss > factor * initial loss (or non-finite) = diverged
    log_every: int = 10  # record the per-member loss every this many steps
    dtype: str = "float32"  # float64 where conditioning demands it
    device: str = "auto"  # CUDA when present

    def __post_init__(self):
        for name in ("steps", "batch"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise invalid("TrainConfig", name, "an integer >= 1", getattr(self, name))
        if not (isinstance(self.lr, (int, float)) and self.lr > 0 and math.isfinite(self.lr)):
            raise invalid("TrainConfig", "lr", "a positive finite number", self.lr)
        if self.optimizer not in OPTIMIZERS:
            raise invalid("TrainConfig", "optimizer", "one of " + ", ".join(map(repr, OPTIMIZERS)), self.optimizer)
        if self.schedule not in ("cosine", "linear", "constant", "table"):
            raise invalid("TrainConfig", "schedule", "one of 'cosine', 'linear', 'constant', 'table'", self.schedule)
        if self.schedule == "table" and len(self.lr_table) < self.steps:
            raise invalid("TrainConfig", "lr_table", f"a table of >= steps = {self.steps} entries for schedule 'table'",
                          f"{len(self.lr_table)} entries")

    @classmethod
    def preset(cls, name: str, **changes) -> "TrainConfig":
        """A named preset (see PRESETS), with `changes` applied: TrainConfig.preset("gd64", steps=1, lr=2.0)."""
        try:
            base = PRESETS[name]
        except KeyError:
            raise invalid("TrainConfig.preset", "name", "one of " + ", ".join(map(repr, PRESETS)), name) from None
        return replace(base, **changes)

    def replace(self, **changes) -> "TrainConfig":
        return replace(self, **changes)

    def lr_at(self, step: int) -> float:
        frac = step / max(1, self.steps - 1)
        lo = self.lr * self.lr_min_ratio
        if self.schedule == "cosine":
            return lo + 0.5 * (self.lr - lo) * (1 + math.cos(math.pi * frac))
        if self.schedule == "linear":
            return self.lr + (lo - self.lr) * frac
        if self.schedule == "table":
            return self.lr * float(self.lr_table[step])
        return self.lr


@dataclass
class FitResult:
    model: nn.Module
    losses: Tensor  # (n_logged, E) per-member training loss every `log_every` steps
    final_loss: Tensor  # (E,) mean loss over the last 10 % of steps
    plateau: Tensor  # (E,) relative change of the loss between the two halves of the last 20 % of steps
    diverged: Tensor  # (E,) bool
    diverged_at: Tensor  # (E,) step of divergence, -1 if none
    seconds: float
    steps: int
    device: str
    extras: dict = field(default_factory=dict)

    def diagnostics(self) -> dict:
        return {
            "final_loss": self.final_loss.tolist(),
            "plateau": self.plateau.tolist(),
            "diverged": int(self.diverged.sum()),
            "diverged_at": [int(s) for s in self.diverged_at if s >= 0],
            "steps": self.steps,
            "seconds": round(self.seconds, 3),
            "device": self.device,
        }


OPTIMIZERS = ("adam", "sgd", "adagrad", "adagrad_pp", "adam_pp")

# Named presets: every training in the catalogue starts from one of these (TrainConfig.preset(name, **changes)).
PRESETS = {
    # Adam on fresh prompts (online = the population loss in expectation); LSA at d <= 6, N <= 50: the seed mean of
    # A within ~0.3 % of its optimum after 1500 steps (bench/calibrate_lsa_training.py)
    "online_adam": TrainConfig(steps=1500, batch=512, lr=1e-2, schedule="cosine"),
    # full-batch Adam on an exact (closed-form) population loss in float64: reaches the optimum to ~1e-15 at d <= 6
    "exact_adam64": TrainConfig(steps=3000, lr=1e-2, schedule="cosine", dtype="float64"),
    # full-batch gradient descent at a constant step in float64 (convex problems, one large step, UFM, students);
    # callers set lr (and steps) from the problem's curvature
    "gd64": TrainConfig(steps=1, lr=1.0, optimizer="sgd", schedule="constant", dtype="float64"),
    # plain gradient descent in float32 (over-parameterised networks trained to interpolation)
    "gd": TrainConfig(steps=1, lr=1.0, optimizer="sgd", schedule="constant"),
    # Adam at a constant rate in float64 (small heads trained to a plateau)
    "adam64": TrainConfig(steps=1000, lr=1e-2, optimizer="adam", schedule="constant", dtype="float64"),
    # Adam at a constant rate in float32 (small MLPs trained into the terminal phase)
    "adam": TrainConfig(steps=1000, lr=1e-3, optimizer="adam", schedule="constant"),
    # optimisers compared on small convex problems in float64 (AdaGrad++/Adam++ against AdaGrad/Adam): callers set the
    # optimiser, its options and the rate; divergence only past 1e12 x the initial objective, since a mistuned rate
    # may overshoot far before it settles, and that is part of what is compared
    "convex64": TrainConfig(steps=1, batch=1, lr=1.0, optimizer="sgd", schedule="constant", dtype="float64",
                            divergence_factor=1e12),
}


def _optimizer(config: "TrainConfig", params):
    """Element-wise optimisers; the parameter-free ones act per ensemble member (ensemble=True)."""
    from ._optim_pp import AdaGradPP, AdamPP

    kw = dict(config.optimizer_options)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, **kw)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, **kw)
    if config.optimizer == "adagrad":
        return torch.optim.Adagrad(params, lr=config.lr, **kw)
    cls = AdaGradPP if config.optimizer == "adagrad_pp" else AdamPP
    return cls(params, lr=config.lr, ensemble=True, **kw)


def fit(
    model: nn.Module,
    task: Task,
    config: TrainConfig,
    *,
    seed: int,
    callbacks: Sequence[Callable[[int, nn.Module, Tensor], None]] = (),
) -> FitResult:
    """Train the ensemble `model` (leading axis E on every parameter) on fresh batches of `task`."""
    device = resolve_device(config.device)
    dtype = resolve_dtype(config.dtype)
    model.to(device=device, dtype=dtype)
    E = model.E
    gen = torch.Generator(device=device).manual_seed(int(seed))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = _optimizer(config, params)

    alive = torch.ones(E, dtype=torch.bool, device=device)
    diverged_at = torch.full((E,), -1, dtype=torch.long)
    logged, window = [], []
    window_start = int(0.8 * config.steps)
    initial = None
    t0 = time.perf_counter()
    for step in range(config.steps):
        for group in opt.param_groups:
            group["lr"] = config.lr_at(step)
        if hasattr(task, "exact_loss"):  # population loss in closed form: full-batch gradient descent
            per_member = task.exact_loss(model)
        else:
            batch = task.sample(E, config.batch, gen, device=device, dtype=dtype)
            per_member = task.loss(model(batch), batch)  # (E,)
        detached = per_member.detach()
        if initial is None:
            initial = detached.clone()
        bad = ~torch.isfinite(detached) | (detached > config.divergence_factor * initial.clamp_min(1e-12))
        newly = bad & alive
        if newly.any():
            diverged_at[newly.cpu()] = step
            alive &= ~newly
        total = torch.where(alive, per_member, torch.zeros_like(per_member)).sum()
        opt.zero_grad(set_to_none=False)
        total.backward()
        if not alive.all():
            with torch.no_grad():
                for p in params:  # freeze diverged members: no gradient, no optimiser drift
                    p.grad[~alive] = 0
        opt.step()
        if not alive.all():
            with torch.no_grad():
                for p in params:
                    p[~alive] = float("nan")
        if step % config.log_every == 0 or step == config.steps - 1:
            logged.append(detached.cpu())
        if step >= window_start:
            window.append(detached.cpu())
        for cb in callbacks:
            cb(step, model, detached)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    win = torch.stack(window) if window else torch.stack(logged[-1:])
    half = max(1, win.shape[0] // 2)
    first, second = win[:half].mean(0), win[half:].mean(0) if win.shape[0] > 1 else win.mean(0)
    plateau = (second - first).abs() / second.abs().clamp_min(1e-12)
    final = win[-max(1, win.shape[0] // 2):].mean(0)
    diverged = ~alive.cpu()
    final[diverged] = float("nan")
    return FitResult(model=model, losses=torch.stack(logged), final_loss=final, plateau=plateau,
                     diverged=diverged, diverged_at=diverged_at, seconds=seconds, steps=config.steps,
                     device=str(device), extras={"optimizer": opt})
