"""Checks, measurements, verdicts and the context a check runs in.

A Check binds one theory quantity to one experiment: a Hypothesis strategy of parameters, the
paper's own settings as explicit examples, and a `run(params, ctx)` that returns a Measurement
(predicted, measured, gap, tolerance with its parts, or a regime verdict when the experiment left
the theorem's regime). Predictions are always obtained through `ctx.predict`, which applies
`--perturb ID:QUANTITY=FACTOR`: a check that passes under a factor of 1.05 is too loose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import theory

__all__ = ["Check", "Measurement", "Context", "Profile", "PROFILES", "VERDICTS", "Perturbation"]

VERDICTS = ("pass", "fail", "inconclusive", "assumption-violated")


@dataclass(frozen=True)
class Profile:
    name: str
    examples: int  # Hypothesis-drawn examples per check (on top of the paper's explicit examples)
    scale: float  # multiplies steps, prompts and seeds of trained/Monte Carlo checks
    shrink_seconds: float  # time budget for shrinking a failure to its simplest example
    check_seconds: float  # soft budget per check: no new examples are drawn past it


PROFILES = {
    "ci": Profile("ci", examples=1, scale=0.5, shrink_seconds=10, check_seconds=60),
    "quick": Profile("quick", examples=2, scale=1.0, shrink_seconds=30, check_seconds=120),
    "thorough": Profile("thorough", examples=20, scale=4.0, shrink_seconds=600, check_seconds=3600),
}


@dataclass(frozen=True)
class Perturbation:
    result: str
    quantity: str
    factor: float

    @classmethod
    def parse(cls, text: str) -> "Perturbation":
        try:
            target, factor = text.rsplit("=", 1)
            rid, q = target.rsplit(":", 1)
            f = float(factor)
        except ValueError:
            raise theory.InvalidParameterError(
                f"--perturb must look like ID:QUANTITY=FACTOR (e.g. zhang2024.lsa_limit:risk=1.05); got {text!r}",
                parameter="perturb") from None
        theory.get(rid).quantity(q)  # raises on unknown id or quantity
        if not math.isfinite(f):
            raise theory.InvalidParameterError(f"--perturb FACTOR must be finite; got {factor!r}", parameter="perturb")
        return cls(rid, q, f)


@dataclass
class Measurement:
    predicted: Any  # number or nested list
    measured: Any
    gap: float  # |measured - predicted| (relative if `relative`)
    tolerance: float  # total allowed gap, sum of `tolerance_parts`
    tolerance_parts: dict[str, float] = field(default_factory=dict)  # e.g. {"monte_carlo": .., "optimisation": ..}
    relative: bool = False  # gap and tolerance are relative to |predicted|
    regime: str | None = None  # "assumption-violated" or "inconclusive" when the experiment left the regime
    regime_reason: str = ""
    sizes: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)
    resolution_override: float | None = None  # for component-wise comparisons normalised by their tolerances

    @property
    def scale(self) -> float:
        p = np.abs(np.asarray(self.predicted, dtype=float))
        return float(np.sqrt((p ** 2).sum())) if p.ndim else float(p)

    @property
    def resolution(self) -> float:
        """Smallest relative error of the prediction this comparison would detect."""
        if self.resolution_override is not None:
            return float(self.resolution_override)
        if self.relative:
            return float(self.tolerance)
        s = self.scale
        return float(self.tolerance / s) if s > 0 else float("inf")

    @property
    def relative_gap(self) -> float:
        if self.relative:
            return float(self.gap)
        s = self.scale
        return float(self.gap / s) if s > 0 else float(self.gap)

    def verdict(self) -> str:
        if self.regime is not None:
            return self.regime
        if not (math.isfinite(self.gap) and math.isfinite(self.tolerance)):
            return "fail"
        return "pass" if self.gap <= self.tolerance else "fail"


@dataclass
class Context:
    """What a check's run sees: profile, seed, device, perturbation and a cache of trained objects."""

    profile: Profile
    seed: int
    device: str = "auto"
    perturb: Perturbation | None = None
    cache: dict = field(default_factory=dict)

    def predict(self, result_id: str, quantity: str, **params):
        value = theory.get(result_id).evaluate(quantity, **params)
        p = self.perturb
        if p is not None and p.result == result_id and p.quantity == quantity:
            value = value * p.factor
        return value

    def scaled(self, n: int | float, minimum: int = 1) -> int:
        return max(minimum, int(round(n * self.profile.scale)))

    def memo(self, key, build: Callable[[], Any]):
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]


@dataclass(frozen=True)
class Check:
    name: str  # stable id, "<family>.<what>"
    result: str  # theory id
    quantity: str  # quantity compared
    kind: str  # "value" | "trend" | "identity"
    description: str
    method: str  # how the tolerance is built (CHECKS.md rules used)
    strategy: Callable[[Profile], Any]  # profile -> Hypothesis strategy of parameter dicts
    run: Callable[[dict, int, Context], Measurement]  # (params, example seed, ctx) -> Measurement
    examples: tuple[dict, ...] = ()  # the paper's own settings
    also_perturbs: tuple[str, ...] = ()  # other "ID:QUANTITY" whose perturbation this check must catch
    cost: str = "train"  # "cheap" (closed forms: 25x examples) | "train" (profile's count) | "heavy" (thorough only)
    # The relative error of the prediction this check resolves at its profile sizes. 0.05 by default: a 1.05
    # perturbation must fail it. Simulations whose CPU sizes cannot reach that declare a coarser target (and
    # fail under 1 + 2*target); every quantity still has a check at 0.05 (tests/test_checks.py).
    resolution_target: float = 0.05

    def max_examples(self, profile: "Profile") -> int:
        if self.cost == "heavy":  # minutes per example on a CPU: the explicit examples, plus draws in thorough
            return profile.examples // 4 if profile.name == "thorough" else 0
        return profile.examples * (25 if self.cost == "cheap" else 1)

    @property
    def targets(self) -> tuple[str, ...]:
        return (f"{self.result}:{self.quantity}",) + self.also_perturbs
