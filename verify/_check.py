"""Checks: the one public way to bind a theory quantity to an experiment.

    from theorycheck import check, rules

    @check(result="zhang2024.lsa_limit", quantity="risk", name="flow_risk", rule="value",
           strategy=lambda profile: ..., examples=[{"N": 20, "lam": [2, 1, 0.5], "M": 5}],
           method="tolerance = z*SE of the Monte Carlo mean (z = 4.5, >= 2e5 prompts)")
    def flow_risk(p, ctx):
        '''The flow-trained LSA's Monte Carlo ICL risk at test length M equals the limit's risk.'''
        predicted = ctx.predict(N=p["N"], lam=p["lam"], M=p["M"])   # the check's quantity, --perturb applied
        run = lsa_flow(p["lam"], p["N"], ctx.sizes(FlowSizes), seed=ctx.seed, device=ctx.device)
        return rules.value(predicted, run.risk, parts={"z*SE": rules.Z * run.se})

The result and quantity are stated once, in the decorator; the body gets their prediction from
`ctx.predict` (that is how `--perturb ID:QUANTITY=FACTOR` reaches it) and returns a `rules.Comparison`
of the declared rule. The check's id is "<result id>/<name>"; its description is the function's
docstring. A check that also compares other quantities (a cross-paper identity) declares them in
`also=` and reads them through `ctx.predict_also`, so their perturbation must fail it too.
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .. import theory
from .._errors import InvalidParameterError, UsageError
from . import rules as _rules
from ._experiment import sizes_for

__all__ = ["Check", "Context", "Profile", "PROFILES", "Perturbation", "VERDICTS", "check"]

VERDICTS = ("pass", "fail", "inconclusive", "assumption-violated")
COSTS = ("cheap", "train", "heavy")


@dataclass(frozen=True)
class Profile:
    name: str
    examples: int  # Hypothesis-drawn examples per check (on top of the paper's explicit examples)
    scale: float  # multiplies every `scaled` size: steps, prompts, seeds of trained and Monte Carlo checks
    shrink_seconds: float  # time budget for shrinking a failure to its simplest example
    check_seconds: float  # soft budget per check: no new examples are drawn past it


PROFILES = {
    "ci": Profile("ci", examples=1, scale=0.5, shrink_seconds=10, check_seconds=60),
    "quick": Profile("quick", examples=2, scale=1.0, shrink_seconds=30, check_seconds=120),
    "thorough": Profile("thorough", examples=20, scale=4.0, shrink_seconds=600, check_seconds=3600),
}


@dataclass(frozen=True)
class Perturbation:
    """`--perturb ID:QUANTITY=FACTOR`: multiply one prediction before comparing (a broken formula must fail)."""

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
            raise UsageError(f"--perturb must look like ID:QUANTITY=FACTOR (e.g. zhang2024.lsa_limit:risk=1.05); "
                             f"got {text!r}", parameter="perturb") from None
        theory.get(rid).quantity(q)  # raises on unknown id or quantity
        if not math.isfinite(f):
            raise UsageError(f"--perturb FACTOR must be a finite number; got {factor!r}", parameter="perturb")
        return cls(rid, q, f)

    @property
    def target(self) -> str:
        return f"{self.result}:{self.quantity}"


@dataclass(frozen=True)
class Check:
    """A theory quantity bound to an experiment and a comparison rule. Build one with `check(...)`."""

    id: str  # "<result id>/<name>", stable: reports, history and --check use it
    result: str  # the theory result's id
    quantity: str  # the quantity compared
    rule: str  # one of rules.RULES
    description: str  # what is compared (the run function's docstring)
    method: str  # how the measurement and its tolerance are built (which CHECKS.md rules it uses)
    strategy: Callable  # profile -> Hypothesis strategy of parameter dicts
    run: Callable  # (params, ctx) -> rules.Comparison
    examples: tuple[dict, ...] = ()  # the paper's own settings, always run first
    also: tuple[str, ...] = ()  # other "ID:QUANTITY" this check compares: their perturbation must fail it too
    cost: str = "train"  # "cheap": closed forms (25x examples); "train": the profile's count; "heavy": thorough only
    # The relative error of the prediction this check resolves at its profile sizes: a perturbation by
    # 1 + target must fail it. 5 % unless a coarser target is declared together with its measured reason.
    resolution_target: float = 0.05
    target_reason: str = ""

    @property
    def name(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def targets(self) -> tuple[str, ...]:
        """Every "ID:QUANTITY" whose perturbation this check must catch."""
        return (f"{self.result}:{self.quantity}",) + self.also

    def max_examples(self, profile: Profile) -> int:
        if self.cost == "heavy":  # minutes per example on a CPU: the explicit examples, plus draws in thorough
            return profile.examples // 4 if profile.name == "thorough" else 0
        return profile.examples * (25 if self.cost == "cheap" else 1)


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def check(*, result: str, quantity: str, name: str, rule: str, strategy, method: str, examples=(), also=(),
          cost: str = "train", resolution_target: float = 0.05, target_reason: str = "",
          description: str | None = None) -> Callable[[Callable], Check]:
    """Declare a check; decorate its run function `fn(params, ctx) -> rules.Comparison`.

    result, quantity: what is checked (a registered result id and one of its quantities); stated once.
    name: the check's short name; its id is f"{result}/{name}".
    rule: the comparison rule its run returns ("value", "componentwise", "trend", "bound"); a `sign`
        quantity (a claimed direction) is checked by the "trend" rule and only by it.
    strategy: a Hypothesis strategy of parameter dicts, or a function of the profile returning one.
    method: how the measurement and its tolerance are built, in a sentence or two.
    examples: the paper's own settings (parameter dicts), run first under every profile.
    also: other "ID:QUANTITY" (or "QUANTITY" of the same result) the run compares through ctx.predict_also.
    cost: "cheap" (closed forms, 25x the profile's examples), "train", or "heavy" (explicit examples only,
        draws in the thorough profile).
    resolution_target, target_reason: a coarser target than 5 % needs its measured reason.
    description: defaults to the run function's docstring.
    """
    res = theory.get(result)
    q = res.quantity(quantity)
    if rule not in _rules.RULES:
        raise UsageError(f"rule must be one of {_rules.RULES}; got {rule!r}")
    if (q.kind == "sign") != (rule == "trend"):
        raise UsageError(f"{result}:{quantity} is a {q.kind} quantity: " +
                         ("a claimed direction is checked by the 'trend' rule" if q.kind == "sign"
                          else "the 'trend' rule checks claimed directions (sign quantities) only"))
    if not _NAME.match(name):
        raise UsageError(f"check name {name!r}: letters, digits, '_', '.', '-' only")
    if cost not in COSTS:
        raise UsageError(f"cost must be one of {COSTS}; got {cost!r}")
    if not (0 < resolution_target < 1):
        raise UsageError(f"resolution_target must be in (0, 1); got {resolution_target}")
    if resolution_target > 0.05 and not target_reason:
        raise UsageError(f"{result}/{name}: a resolution target coarser than 5 % needs target_reason "
                         "(the measured reason the sizes cannot resolve 5 %)")
    targets = []
    for t in also:
        rid, _, qn = t.rpartition(":")
        rid = rid or result
        theory.get(rid).quantity(qn)
        targets.append(f"{rid}:{qn}")
    strat = strategy if callable(strategy) and not _is_strategy(strategy) else (lambda profile, s=strategy: s)

    def wrap(fn: Callable) -> Check:
        params = list(inspect.signature(fn).parameters)
        if len(params) != 2:
            raise TypeError(f"check {result}/{name}: the run function takes (params, ctx); got {params}")
        text = description if description is not None else inspect.getdoc(fn)
        if not text:
            raise UsageError(f"check {result}/{name} needs a description (its docstring)")
        return Check(id=f"{result}/{name}", result=result, quantity=quantity, rule=rule, description=" ".join(text.split()),
                     method=" ".join(method.split()), strategy=strat, run=fn, examples=tuple(dict(e) for e in examples),
                     also=tuple(targets), cost=cost, resolution_target=float(resolution_target),
                     target_reason=target_reason)

    return wrap


def _is_strategy(obj) -> bool:
    return type(obj).__module__.startswith("hypothesis.")


@dataclass
class Context:
    """What a check's run sees for one example: its seed, the profile, the device, the perturbation."""

    check: Check
    profile: Profile
    seed: int  # this example's seed (the run's --seed for the paper's examples, a drawn one otherwise)
    device: str = "cpu"
    perturb: Perturbation | None = None
    _extra: dict = field(default_factory=dict, repr=False)

    def _value(self, rid: str, quantity: str, params: Mapping[str, Any]):
        value = theory.get(rid).evaluate(quantity, **params)
        p = self.perturb
        if p is not None and p.result == rid and p.quantity == quantity:
            value = value * p.factor
        return value

    def predict(self, **params):
        """The check's own quantity at `params` (multiplied by the --perturb factor when it targets it)."""
        return self._value(self.check.result, self.check.quantity, params)

    def predict_also(self, target: str, **params):
        """Another quantity the check declared in `also=` ("QUANTITY" of the same result, or "ID:QUANTITY")."""
        rid, _, qn = target.rpartition(":")
        full = f"{rid or self.check.result}:{qn}"
        if full != f"{self.check.result}:{self.check.quantity}" and full not in self.check.also:
            raise UsageError(f"check {self.check.id} compares {full} without declaring it in also=",
                             parameter="also")
        return self._value(rid or self.check.result, qn, params)

    def sizes(self, cls, **fixed):
        """The profile's sizes of an experiment (`scaled` fields follow the profile; `fixed` overrides)."""
        return sizes_for(cls, self.profile, **fixed)


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise InvalidParameterError(f"The 'profile' parameter must be one of {', '.join(PROFILES)}. Got {name!r}.",
                                    parameter="profile") from None
