"""Run checks under Hypothesis and aggregate their examples into one verdict per check.

The paper's own settings run first, at the run's seed. Then Hypothesis draws examples from the check's
strategy, each with its own integer seed (recorded), seeded by the run's `seed`, with no example database
and no deadline, `target`ing the score so the search leans toward the worst case. A failing example makes
Hypothesis shrink toward the simplest failing parameters until the profile's shrink budget is spent; the
verdict reports the simplest failure found.

Aggregation: fail if any example failed; otherwise assumption-violated if any example left the theorem's
regime; otherwise inconclusive if any example could not decide; otherwise pass. An exception inside an
experiment (a bug, a blow-up the training loop did not catch) becomes a `fail` with its message, never a
crash of the suite.
"""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

from . import rules as _rules
from ._check import Check, Context, Perturbation
from ._check import profile as _profile
from ._experiment import devices_used, run_cache

__all__ = ["ExampleRecord", "Verdict", "run_check"]

_ORDER = {"fail": 3, "assumption-violated": 2, "inconclusive": 1, "pass": 0}


@dataclass
class ExampleRecord:
    params: dict
    seed: int
    verdict: str
    comparison: _rules.Comparison | None
    seconds: float
    error: str = ""
    phase: str = "generate"  # "explicit" (a paper setting), "generate" (drawn) or "shrink"

    def to_dict(self) -> dict:
        c = self.comparison
        out = {"params": jsonable(self.params), "seed": self.seed, "verdict": self.verdict, "phase": self.phase,
               "seconds": round(self.seconds, 3)}
        if c is not None:
            out.update(comparison_dict(c))
        if self.error:
            out["error"] = self.error
        return out


def comparison_dict(c: _rules.Comparison) -> dict:
    """The documented fields of a comparison (README: JSON shapes, schema 2)."""
    return {"rule": c.rule, "predicted": jsonable(c.predicted), "measured": jsonable(c.measured), "gap": num(c.gap),
            "tolerance": num(c.tolerance), "tolerance_parts": {k: num(v) for k, v in c.parts.items()},
            "score": num(c.score), "resolution": num(c.resolution), "regime": c.regime, "reason": c.reason,
            "sizes": jsonable(c.sizes), "diagnostics": jsonable(c.diagnostics)}


@dataclass
class Verdict:
    check: Check
    verdict: str
    examples: list[ExampleRecord]
    seconds: float
    perturb: Perturbation | None = None
    shrunk: ExampleRecord | None = None
    devices: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def headline(self) -> ExampleRecord | None:
        """The example the verdict is about: the shrunk failure, else the worst example."""
        if self.shrunk is not None:
            return self.shrunk
        if not self.examples:
            return None
        return max(self.examples, key=lambda r: (_ORDER[r.verdict], _sortable(r.comparison.score)
                                                  if r.comparison else 0.0))

    @property
    def resolution(self) -> float | None:
        """The coarsest resolution over the examples (None for trends, or when nothing was compared)."""
        vals = [r.comparison.resolution for r in self.examples
                if r.comparison is not None and r.comparison.resolution is not None
                and math.isfinite(r.comparison.resolution)]
        return max(vals) if vals else None

    def to_dict(self) -> dict:
        h = self.headline
        c = h.comparison if h else None
        row = {"check": self.check.id, "result": self.check.result, "quantity": self.check.quantity,
               "rule": self.check.rule, "verdict": self.verdict}
        row.update({k: v for k, v in (comparison_dict(c) if c else comparison_dict(_EMPTY)).items()
                    if k in ("predicted", "measured", "gap", "tolerance", "tolerance_parts", "score", "reason")})
        row.update({
            "resolution": num(self.resolution),
            "resolution_target": self.check.resolution_target,
            "target_reason": self.check.target_reason or None,
            "seeds": [r.seed for r in self.examples],
            "seconds": round(self.seconds, 3),
            "devices": list(self.devices),
            "params": jsonable(h.params) if h else None,
            "shrunk": self.shrunk.to_dict() if self.shrunk else None,
            "method": self.check.method,
            "description": self.check.description,
            "perturb": None if self.perturb is None else
            {"result": self.perturb.result, "quantity": self.perturb.quantity, "factor": self.perturb.factor},
            "examples": [r.to_dict() for r in self.examples],
            "notes": list(self.notes),
            "origin": _origin(self.check.id),
        })
        return row


_EMPTY = _rules.Comparison(None, None, None, math.nan, math.nan)


def _origin(check_id: str) -> str:
    """Where a check comes from: "theorycheck", or the plugin's name, package and version."""
    from .. import _plugins

    lp = _plugins.plugin_of(check_id, kind="checks")
    return "theorycheck" if lp is None else f"plugin {lp.name} ({lp.package} {lp.version})"


def _sortable(x) -> float:
    return x if x is not None and math.isfinite(x) else (math.inf if x is not None and not math.isnan(x) else 1e300)


class _Failed(Exception):
    pass


def _fail(name: str):
    """The one place a failure is raised: Hypothesis tells failures apart by where they are raised."""
    raise _Failed(name)


def run_check(check: Check, *, profile: str = "quick", seed: int = 0, device: str = "cpu",
              perturb: Perturbation | None = None, cache: dict | None = None, shrink: bool = True) -> Verdict:
    """Run one check; `shrink=False` stops at the first failure (where only the verdict matters).

    `cache` is the run's experiment cache (share one dict across checks and figures of a run).
    """
    from hypothesis import HealthCheck, Phase, given, settings, target
    from hypothesis import seed as hyp_seed
    from hypothesis import strategies as st

    prof = _profile(profile)
    records: list[ExampleRecord] = []
    state = {"shrinking_since": None, "failed": False}
    t_start = time.perf_counter()

    def one(params: dict, ex_seed: int) -> ExampleRecord:
        ctx = Context(check, prof, int(ex_seed), device, perturb)
        t0 = time.perf_counter()
        try:
            c = check.run(dict(params), ctx)
            if not isinstance(c, _rules.Comparison):
                raise TypeError(f"the run of {check.id} returned {type(c).__name__}, not a rules.Comparison")
            if c.rule is not None and c.rule != check.rule:
                raise TypeError(f"{check.id} declares rule {check.rule!r} but its run returned a {c.rule!r} comparison")
            return ExampleRecord(params, int(ex_seed), c.verdict, c, time.perf_counter() - t0)
        except Exception as exc:  # an experiment that crashed is a failed check, with its diagnostics
            tb = traceback.format_exc(limit=4)
            return ExampleRecord(params, int(ex_seed), "fail", None, time.perf_counter() - t0,
                                 error=f"{type(exc).__name__}: {exc}\n{tb}")

    failed_keys: set[str] = set()

    def body(params, ex_seed):
        key = repr((sorted(params.items()), ex_seed))
        if key in failed_keys:  # Hypothesis replays its final example: answer as before, without re-running
            _fail(check.id)
        now = time.perf_counter()
        if state["failed"]:
            if state["shrinking_since"] is None:
                state["shrinking_since"] = now
            if now - state["shrinking_since"] > prof.shrink_seconds:
                return  # shrink budget spent: keep the simplest failure found so far
        elif now - t_start > prof.check_seconds and records:
            return  # check budget spent: no new examples
        rec = one(params, ex_seed)
        rec.phase = "shrink" if state["failed"] else "generate"
        records.append(rec)
        c = rec.comparison
        if c is not None and c.score is not None and math.isfinite(c.score):
            target(min(c.score, 1e6), label="score")
        if rec.verdict == "fail":
            state["failed"] = True
            failed_keys.add(key)
            _fail(check.id)

    with run_cache(cache), devices_used() as devices:
        # The paper's own settings run first, outside Hypothesis: a failing explicit example would stop
        # Hypothesis before it generates (and shrinks) anything.
        for ex in check.examples:
            rec = one(ex, seed)
            rec.phase = "explicit"
            records.append(rec)
            if rec.verdict == "fail" and not shrink:
                state["failed"] = True

        if not state["failed"] and check.max_examples(prof) > 0:  # an explicit failure already decides
            test = given(params=check.strategy(prof), ex_seed=st.integers(0, 2**31 - 1))(body)
            test = settings(max_examples=max(1, check.max_examples(prof)), deadline=None, database=None,
                            derandomize=False, print_blob=False, suppress_health_check=list(HealthCheck),
                            phases=[Phase.explicit, Phase.generate, Phase.target] + ([Phase.shrink] if shrink else []))(test)
            test = hyp_seed(seed)(test)
            try:
                test()
            except _Failed:
                pass
            except Exception as exc:  # Hypothesis itself refused (e.g. a strategy bug): report, don't crash
                records.append(ExampleRecord({}, seed, "fail", None, 0.0, error=f"{type(exc).__name__}: {exc}"))

    fails = [r for r in records if r.verdict == "fail" and r.params is not None]
    shrunk = min(fails, key=lambda r: _complexity(r.params)) if fails else None
    # Keep the explicit and generated examples, plus the shrunk failure (not every shrink candidate).
    kept = [r for r in records if r.phase in ("explicit", "generate")]
    if shrunk is not None and shrunk not in kept:
        kept.append(shrunk)
    verdict = max((r.verdict for r in kept), key=lambda v: _ORDER[v], default="inconclusive")
    notes = [] if kept else ["no example ran within the budget"]
    return Verdict(check, verdict, kept, time.perf_counter() - t_start, perturb, shrunk, tuple(sorted(devices)), notes)


def _complexity(params: dict) -> float:
    """Smaller = simpler: dimension first, then the sum of magnitudes."""
    total = 0.0
    for v in params.values():
        a = np.zeros(1) if isinstance(v, (dict, str)) else np.asarray(v, dtype=float)  # names (activations) count 0
        total += float(np.abs(a).sum()) + 1000.0 * a.size
    return total


def num(x):
    """A float for JSON: finite numbers as they are, inf/nan as strings, None as None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else str(x)


def jsonable(v):
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    if isinstance(v, (np.floating, float)):
        return num(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if hasattr(v, "tolist"):
        return jsonable(v.tolist())
    return v
