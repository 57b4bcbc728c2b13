"""pytest support for your own results and checks; the catalogue's own tests use it too.

    # conftest.py
    pytest_plugins = ["theorycheck.testing"]   # --tc-profile / --tc-seed / --tc-device and the `tc_run` fixture

    # test_mytheorem.py
    import pytest
    from theorycheck.testing import assert_verdict, contract_cases

    @pytest.mark.parametrize("case", contract_cases(results="mytheorem.results", checks="mytheorem.checks"), ids=str)
    def test_contract(case, tc_run):
        case(**tc_run)

    def test_monte_carlo_passes(tc_run):
        assert_verdict("mypaper2026.ols_risk/monte_carlo", "pass", **tc_run)

`contract_cases` is the contract suite a plugin author runs on their own work (as scikit-learn's
`check_estimator`): every result has its metadata, evaluates to finite numbers at its example, raises the
standard error (naming the parameter) for every invalid value its constraints know, and rejects unknown names;
every check passes unperturbed, resolves its declared target, and *fails* when its prediction is perturbed
(x1.05 and x0.95 for a value at the 5 % target, 1 +- 2 target for a coarser one, the claim reversed (-1) and
removed (0) for a trend, a one-sided bound tightened) -- and that failure must be a comparison failure: an
experiment that crashes never satisfies "fails under perturbation".
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import theory
from ._errors import InvalidParameterError, UnknownQuantityError
from .verify import PROFILES, Check, Perturbation, Verdict, checks_in, get_check, run_check

__all__ = ["ContractCase", "assert_verdict", "check_contract", "contract_cases", "diverged", "perturbation_factors"]


# ----------------------------------------------------------------------------------------------- pytest plugin
def pytest_addoption(parser):
    group = parser.getgroup("theorycheck")
    group.addoption("--tc-profile", default="ci", choices=sorted(PROFILES), help="theorycheck profile for checks")
    group.addoption("--tc-seed", type=int, default=0, help="theorycheck run seed for checks")
    group.addoption("--tc-device", default="cpu", choices=["auto", "cpu", "cuda"], help="where checks train")


def _fixture(fn):
    import pytest

    return pytest.fixture(scope="session")(fn)


@_fixture
def tc_run(request) -> dict:
    """Keyword arguments for `assert_verdict`, `run_check` and contract cases: profile, seed, device, and one
    experiment cache for the session (perturbed runs reuse the unperturbed runs' training)."""
    opt = request.config.getoption
    return {"profile": opt("--tc-profile"), "seed": opt("--tc-seed"), "device": opt("--tc-device"), "cache": {}}


# -------------------------------------------------------------------------------------------------- verdicts
def _check(check: Check | str) -> Check:
    return check if isinstance(check, Check) else get_check(check)


def _explain(v: Verdict) -> str:
    lines = [f"{v.check.id}: {v.verdict}"]
    for r in v.examples:
        c = r.comparison
        what = (f"gap {c.gap:.4g}, tolerance {c.tolerance:.4g}, score {c.score:.4g}" if c is not None and c.rule
                else (c.reason if c is not None else r.error.splitlines()[0] if r.error else ""))
        lines.append(f"  {r.verdict:20s} {r.phase:8s} seed {r.seed} {r.params}: {what}"
                     + (f" ({c.reason})" if c is not None and c.reason and c.rule else ""))
    return "\n".join(lines)


def assert_verdict(check: Check | str, expected: str = "pass", *, profile: str = "ci", seed: int = 0,
                   device: str = "cpu", perturb: Perturbation | str | None = None, cache: dict | None = None) -> Verdict:
    """Run a check (an object or its id) and assert its verdict, with every example in the failure message.

    `perturb` ("ID:QUANTITY=FACTOR" or a Perturbation) multiplies a prediction first. Expecting "fail" also
    requires the failure to be a comparison failure: a crash inside the experiment never counts as one.
    """
    p = Perturbation.parse(perturb) if isinstance(perturb, str) else perturb
    v = run_check(_check(check), profile=profile, seed=seed, device=device, perturb=p, cache=cache,
                  shrink=expected != "fail")
    assert v.verdict == expected, f"expected {expected}, got:\n{_explain(v)}"
    if expected == "fail":
        crashed = [r.error.splitlines()[0] for r in v.examples if r.error]
        assert not crashed, f"{v.check.id} failed by crashing, not by comparison: {crashed}"
        assert any(r.comparison is not None and r.comparison.rule and r.verdict == "fail" for r in v.examples), (
            f"{v.check.id} failed without a comparison:\n{_explain(v)}")
    return v


def perturbation_factors(check: Check) -> tuple[float, ...]:
    """The factors a check must fail under: its claim reversed and removed (trend), else +- its resolution target
    (5 % by default; 2 x target for a check that declares a coarser one). A one-sided bound is only contradicted
    when tightened: of its two factors, the contract requires the tightening one (check_fails_when_tightened)."""
    if check.rule == "trend":
        return (-1.0, 0.0)
    t = check.resolution_target if check.resolution_target <= 0.05 else 2 * check.resolution_target
    return (1 + t, 1 - t)


# ------------------------------------------------------------------------------------------------ divergence
def _poisoned(x, seen=None):
    """A copy of an experiment's result with every floating-point number NaN (a model's parameters too)."""
    import copy
    import dataclasses

    import torch

    if isinstance(x, float):
        return math.nan
    if isinstance(x, np.ndarray):
        return np.full_like(x, np.nan) if np.issubdtype(x.dtype, np.floating) else x.copy()
    if isinstance(x, np.floating):
        return np.float64(np.nan)
    if isinstance(x, torch.Tensor):
        return torch.full_like(x, math.nan) if x.is_floating_point() else x.clone()
    if isinstance(x, torch.nn.Module):
        m = copy.deepcopy(x)
        with torch.no_grad():
            for p in m.parameters():
                p.fill_(math.nan)
        return m
    if isinstance(x, (list, tuple)):
        return type(x)(_poisoned(v) for v in x) if not hasattr(x, "_fields") else type(x)(*(_poisoned(v) for v in x))
    if isinstance(x, dict):
        return {k: _poisoned(v) for k, v in x.items()}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(x, **{f.name: _poisoned(getattr(x, f.name)) for f in dataclasses.fields(x)
                                         if f.init})
    return x


def diverged():
    """Inside the block every experiment's result comes back with NaN for every float (models included): a
    divergence injected everywhere at once. A check that still passes lets a NaN through (tests/test_checks.py)."""
    from .verify import transformed_results

    return transformed_results(_poisoned)


# ------------------------------------------------------------------------------------------------- contract
@dataclass(frozen=True)
class ContractCase:
    """One contract test: call it (with tc_run's keyword arguments) to run it; str() is its pytest id."""

    name: str
    fn: Callable[..., Any]

    def __call__(self, **run):
        return self.fn(**run)

    def __str__(self) -> str:
        return self.name


def _results(spec) -> list:
    out = []
    for item in ([spec] if isinstance(spec, (str, theory.Result)) else list(spec or ())):
        if isinstance(item, theory.Result):
            out.append(item)
        elif isinstance(item, str) and item in {r.id for r in theory.all_results()}:
            out.append(theory.get(item))
        else:  # a module path holding RESULT or RESULTS
            mod = importlib.import_module(item)
            out.extend(getattr(mod, "RESULTS", None) or [mod.RESULT])
    return out


def _checks(spec) -> list[Check]:
    out = []
    for item in ([spec] if isinstance(spec, (str, Check)) else list(spec or ())):
        if isinstance(item, Check):
            out.append(item)
        elif "/" in item:
            out.append(get_check(item))
        else:
            out.extend(checks_in(importlib.import_module(item)))
    return out


def _reader(result, p):
    return next((q for q in result.quantities if p.name in result.needs(q)), next(iter(result.quantities)))


def result_metadata(result, **_):
    r = result
    assert r.id.count(".") == 1, f"{r.id}: ids look like author2026.name"
    assert r.title and r.reference.authors and r.reference.title and r.reference.year and r.reference.where
    assert r.quantities and r.parameters
    for q in r.quantities.values():
        assert q.status in theory.STATUSES, (q.name, q.status)
        assert q.description, q.name
        assert isinstance(r.latex(q.name), str) and r.latex(q.name)
    for p in r.parameters.values():
        assert p.assumption and p.describe(), p.name


def result_evaluates(result, **_):
    example = result.example(d=3)
    for q in result.quantities:
        v = np.asarray(result.evaluate(q, **example), dtype=float)
        assert np.all(np.isfinite(v)), (result.id, q, example, v)


def result_rejects_invalid_values(result, **_):
    base = {**result.example(d=3), "d": 3}  # d fixed, so a wrong length is wrong
    fed = 0
    for p in result.parameters.values():
        cons = [(_reader(result, p), c) for c in p.constraints] + [
            (q.name, c) for q in result.quantities.values() for name, c in q.constraints if name == p.name]
        for q, c in cons:
            for bad in c.invalid(base):
                try:
                    result.evaluate(q, **{**base, p.name: bad})
                except InvalidParameterError as e:
                    msg = str(e)
                    assert e.parameter == p.name and f"'{p.name}'" in msg and result.id in msg, msg
                    fed += 1
                else:
                    raise AssertionError(f"{result.id}: {p.name}={bad!r} ({c.describe()}) was accepted by {q}")
    assert fed > 0 or not any(p.constraints for p in result.parameters.values())


def result_rejects_unknown_names(result, **_):
    example = result.example(d=3)
    try:
        result.evaluate("no_such_quantity", **example)
    except UnknownQuantityError:
        pass
    else:
        raise AssertionError("an unknown quantity was accepted")
    try:
        result.evaluate(next(iter(result.quantities)), no_such_parameter=1, **example)
    except InvalidParameterError as e:
        assert "no parameter" in str(e)
    else:
        raise AssertionError("an unknown parameter was accepted")


def check_passes(check, profile="ci", seed=0, device="cpu", cache=None):
    v = assert_verdict(check, "pass", profile=profile, seed=seed, device=device, cache=cache)
    if check.rule == "trend":  # a direction, not a value: resolution is the perturbation test's business
        return v
    resolvable = 0
    for r in v.examples:
        c = r.comparison
        assert c is not None and c.rule == check.rule and c.score <= 1, (r.params, c)
        if c.resolution is None or math.isinf(c.resolution):  # a prediction of exactly 0: nothing relative
            continue
        resolvable += 1
        assert c.resolution < check.resolution_target, (
            f"{check.id}: resolution {c.resolution:.3f} cannot detect a {check.resolution_target:.0%} error at "
            f"{r.params}")
    assert resolvable > 0, f"{check.id}: no example resolves a relative error of its prediction"
    return v


def check_fails_under(check, target: str, factor: float, profile="ci", seed=0, device="cpu", cache=None):
    rid, q = target.split(":")
    return assert_verdict(check, "fail", profile=profile, seed=seed, device=device, cache=cache,
                          perturb=Perturbation(rid, q, factor))


def check_fails_when_tightened(check, target: str, profile="ci", seed=0, device="cpu", cache=None):
    """A one-sided bound fails when moved toward what is measured: the direction comes from an unperturbed run."""
    v = run_check(check, profile=profile, seed=seed, device=device, cache=cache, shrink=False)
    c = next(r.comparison for r in v.examples if r.comparison is not None and r.comparison.rule == "bound")
    upper = c.diagnostics.get("side", "upper") == "upper"
    up, down = perturbation_factors(check)
    tighter = up if (c.predicted < 0) == upper else down  # an upper bound tightens by moving down
    return check_fails_under(check, target, tighter, profile=profile, seed=seed, device=device, cache=cache)


def contract_cases(results=(), checks=(), *, perturb: bool = True) -> list[ContractCase]:
    """The contract suite for results (ids, Result objects or module paths) and checks (ids, Check objects or
    module paths); see the module docstring. `perturb=False` leaves out the perturbation cases."""
    cases = []
    for r in _results(results):
        for fn in (result_metadata, result_evaluates, result_rejects_invalid_values, result_rejects_unknown_names):
            cases.append(ContractCase(f"{r.id}:{fn.__name__}", lambda fn=fn, r=r, **run: fn(r, **run)))
    for c in _checks(checks):
        cases.append(ContractCase(f"{c.id}:passes", lambda c=c, **run: check_passes(c, **run)))
        if perturb:
            for t in c.targets:
                if c.rule == "bound":
                    cases.append(ContractCase(f"{c.id}:fails_when_tightened_{t}",
                                              lambda c=c, t=t, **run: check_fails_when_tightened(c, t, **run)))
                    continue
                for f in perturbation_factors(c):
                    cases.append(ContractCase(f"{c.id}:fails_under_{t}x{f:g}",
                                              lambda c=c, t=t, f=f, **run: check_fails_under(c, t, f, **run)))
    return cases


def check_contract(results=(), checks=(), **run) -> None:
    """Run the whole contract suite outside pytest; raise one AssertionError listing every case that failed."""
    failed = []
    for case in contract_cases(results, checks):
        try:
            case(**run)
        except AssertionError as e:
            failed.append(f"{case}: {e}")
    assert not failed, "\n".join(failed)

