"""Comparison rules: the one convention by which every check compares a prediction with a measurement.

Four rules, one output. Each returns a `Comparison` with the same fields, so any two report rows can be
compared:

=============  ==================================================================================
``rule``       ``"value"``, ``"componentwise"``, ``"trend"`` or ``"bound"``
``predicted``  what the theory says (multiplied by the factor of ``--perturb`` when one is given)
``measured``   what the experiment measured
``gap``        the discrepancy, in the quantity's own units
``tolerance``  the allowed discrepancy, in the same units: the sum of ``parts``
``parts``      the tolerance's named parts (``z*SE`` over seeds or samples, a finite-size term, an
               optimisation allowance, float round-off), each in the quantity's units
``score``      ``gap / tolerance``: the comparison passes iff ``score <= 1``
``resolution`` the smallest relative error of the prediction the comparison would detect,
               ``tolerance / |predicted|`` (``None`` for a trend: a direction has no relative error)
=============  ==================================================================================

The rules:

* `value`: one number or one array against another; ``gap = ||measured - predicted||`` (Euclidean over
  all components, the absolute difference for a scalar).
* `componentwise`: each component has its own tolerance (e.g. its own standard error); the row reports
  the component with the largest score, and every component's gap, tolerance and score are kept in
  ``diagnostics["components"]``.
* `trend`: a claimed direction (a ``sign`` quantity: +1 increases, -1 decreases, 0 no change) against
  a measured effect with its standard error. A claimed absence of effect passes iff ``|effect| <= z*SE``
  (``gap = |effect|``, ``tolerance = z*SE``). A claimed direction must be *demonstrated*: it passes iff the
  effect in the claimed direction clears the noise band, ``sign*effect >= z*SE``; there the noise band
  ``z*SE`` is the gap and the measured effect in the claimed direction is the tolerance it must fit in, so
  ``score = z*SE / (sign*effect)`` (infinite when the effect has the wrong sign). A trend may add stated
  threshold conditions (``requires``); a failed condition fails the comparison.
* `bound`: a one-sided claim, ``measured <= bound`` (or ``>=``): ``gap`` is the excess beyond the bound
  (0 inside it), ``tolerance`` the statistical allowance.

No part of a tolerance may be computed from the prediction being judged (a tolerance like
``max(measured - predicted, 0)`` would absorb any under-prediction); float round-off is relative to the
measured side (`float_part`).

Any non-finite gap, tolerance, effect or standard error fails the comparison with its reason, never
passes. A comparison made outside the theorem's regime (training diverged or did not converge) carries
``regime="assumption-violated"`` or ``"inconclusive"`` and that verdict, whatever its numbers say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numpy as np

from .._errors import UsageError

__all__ = ["Comparison", "RULES", "REGIMES", "Z", "quantile", "value", "componentwise", "trend", "bound", "float_part",
           "assumption_violated", "inconclusive"]

RULES = ("value", "componentwise", "trend", "bound")
REGIMES = ("assumption-violated", "inconclusive")

# z for comparisons against an estimated standard error: a two-sided normal tail of ~7e-6 per comparison.
Z = 4.5


def quantile(n: int) -> float:
    """The multiplier of a standard error estimated from `n` samples (seeds): the Student-t quantile with n - 1
    degrees of freedom at the two-sided tail of Z (6.8e-6); Z itself from about a thousand samples on. With a
    handful of seeds, Z would understate the false-fail rate many times over (4 seeds: 68.7, 8: 11.9, 24: 5.8)."""
    if n < 2:
        raise UsageError(f"a standard error needs at least 2 samples; got {n}")
    if n >= 1000:
        return Z
    from scipy import stats

    return float(stats.t.ppf(stats.norm.cdf(Z), n - 1))


@dataclass(frozen=True)
class Comparison:
    """One comparison of a prediction with a measurement, in the convention of this module."""

    rule: str | None  # None only for a regime verdict that compared nothing
    predicted: Any
    measured: Any
    gap: float
    tolerance: float
    parts: Mapping[str, float] = field(default_factory=dict)
    score: float = math.nan
    resolution: float | None = None
    regime: str | None = None  # "assumption-violated" | "inconclusive": the experiment left the theorem's regime
    reason: str = ""  # why the regime, or why a comparison failed that is not a plain gap > tolerance
    sizes: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.regime is not None:
            return self.regime
        if not _finite(self.score):
            return "fail"
        return "pass" if self.score <= 1.0 else "fail"

    def outside_regime(self, regime: str | None, reason: str = "") -> "Comparison":
        """This comparison, marked as made outside the theorem's regime (None: inside, unchanged)."""
        if regime is None:
            return self
        if regime not in REGIMES:
            raise UsageError(f"regime must be one of {REGIMES}; got {regime!r}")
        return replace(self, regime=regime, reason=reason)


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _array(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _listed(x):
    a = np.asarray(x, dtype=float)
    return float(a) if a.ndim == 0 else a.tolist()


def _parts(parts: Mapping[str, Any]) -> dict[str, float]:
    if not parts:
        raise UsageError("a tolerance needs at least one named part (e.g. {'z*SE': ...}, {'float': ...})")
    return {str(k): float(v) for k, v in parts.items()}


def _score(gap: float, tol: float) -> float:
    if not (_finite(gap) and _finite(tol)) or tol < 0:
        return math.nan
    if gap == 0.0:
        return 0.0
    return gap / tol if tol > 0 else math.inf


def _why_not_finite(**named) -> str:
    bad = [k for k, v in named.items() if not _finite(v)]
    return f"non-finite {', '.join(bad)}: a comparison that cannot be computed fails" if bad else ""


def _finish(c: "Comparison", requires: Mapping[str, bool] | None, resolution) -> "Comparison":
    """Apply stated conditions (any False fails the comparison) and a declared resolution."""
    changes = {}
    if requires:
        changes["diagnostics"] = {**c.diagnostics, "requires": {k: bool(v) for k, v in requires.items()}}
        failed = [k for k, ok in requires.items() if not ok]
        if failed and not c.reason:
            changes.update(score=math.inf, reason="stated condition failed: " + "; ".join(failed))
    if resolution is not None:
        changes["resolution"] = float(resolution)
    return replace(c, **changes) if changes else c


def float_part(measured, rel: float) -> float:
    """Float round-off allowance `rel` relative to the *measured* side (never the prediction being judged)."""
    return rel * float(np.linalg.norm(_array(measured).ravel()))


def value(predicted, measured, *, parts: Mapping[str, float], sizes: Mapping | None = None,
          diagnostics: Mapping | None = None, requires: Mapping[str, bool] | None = None,
          resolution: float | None = None) -> Comparison:
    """One value (scalar or array) against another: gap = ||measured - predicted||, tolerance = sum(parts).

    requires: stated conditions of the claim, each True or False (any False fails the comparison).
    resolution: declare it where tolerance / |predicted| does not say what the check resolves (the compared number
    is not the judged quantity, e.g. a minimiser judged through the function it minimises; or the prediction is
    zero up to round-off: math.inf).
    """
    p, m = _array(predicted), _array(measured)
    if p.shape != m.shape:
        raise UsageError(f"predicted has shape {p.shape} but measured has shape {m.shape}")
    parts = _parts(parts)
    gap = float(np.linalg.norm((m - p).ravel()))
    tol = float(sum(parts.values()))
    scale = float(np.linalg.norm(p.ravel()))
    score = _score(gap, tol)
    c = Comparison("value", _listed(p), _listed(m), gap, tol, parts, score,
                   resolution=tol / scale if scale > 0 else math.inf,
                   reason=_why_not_finite(gap=gap, tolerance=tol), sizes=dict(sizes or {}),
                   diagnostics=dict(diagnostics or {}))
    return _finish(c, requires, resolution)


def componentwise(predicted, measured, *, parts: Mapping[str, Any], scale=None, sizes: Mapping | None = None,
                  diagnostics: Mapping | None = None, requires: Mapping[str, bool] | None = None,
                  resolution: float | None = None) -> Comparison:
    """Each component against its own tolerance (`parts` values are scalars or one value per component).

    The row reports the component with the largest score; resolution is the smallest uniform relative error of
    the prediction that some component detects, min_i tol_i / |scale_i| (scale = the prediction, or the
    perturbable quantity a derived prediction is built from).
    """
    p, m = _array(predicted).ravel(), _array(measured).ravel()
    if p.shape != m.shape:
        raise UsageError(f"predicted has {p.size} components but measured has {m.size}")
    named = {str(k): np.broadcast_to(_array(v), p.shape).astype(float) for k, v in parts.items()}
    if not named:
        raise UsageError("a tolerance needs at least one named part")
    tol = sum(named.values())
    gaps = np.abs(m - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(gaps == 0, 0.0, gaps / tol)
    bad = np.isnan(scores) | ~np.isfinite(tol) | ~np.isfinite(gaps)
    i = int(np.argmax(np.where(bad, np.inf, scores)))
    score = math.nan if bool(bad.any()) else float(scores[i])
    sc = np.abs(p if scale is None else _array(scale).ravel())
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(sc > 0, tol / sc, np.inf)
    diag = dict(diagnostics or {})
    diag["components"] = {"gap": gaps.tolist(), "tolerance": tol.tolist(), "score": scores.tolist(),
                          "relative_tolerance": rel.tolist()}
    c = Comparison("componentwise", _listed(_array(predicted)), _listed(_array(measured)), float(gaps[i]),
                   float(tol[i]), {k: float(v[i]) for k, v in named.items()}, score, resolution=float(np.min(rel)),
                   reason=_why_not_finite(gap=gaps[i], tolerance=tol[i]) if bad.any() else "",
                   sizes=dict(sizes or {}), diagnostics=diag)
    return _finish(c, requires, resolution)


def trend(claim, effect, se, *, z: float = Z, requires: Mapping[str, bool] | None = None,
          sizes: Mapping | None = None, diagnostics: Mapping | None = None) -> Comparison:
    """A claimed direction (sign of `claim`: +1, -1, or 0 for no change) against a measured effect and its SE.

    `requires`: stated threshold conditions of the claim (e.g. "T = 50 recovers all r directions"), each
    True or False; any False fails the comparison.
    """
    s, e, se = float(claim), float(effect), float(se)
    diag = dict(diagnostics or {})
    reason = _why_not_finite(effect=e, standard_error=se)
    band = z * se
    if s == 0:
        gap, tol, parts = abs(e), band, {f"z*SE (z={z:g})": band}
        diag["rule"] = "|effect| <= z*SE (no change claimed)"
    else:
        sign = math.copysign(1.0, s)
        gap, tol = band, max(sign * e, 0.0) if _finite(e) else math.nan
        parts = {"effect in the claimed direction": tol}
        diag["rule"] = "sign*effect >= z*SE (a claimed direction must clear the noise band)"
    if reason:
        score = math.nan
    elif s != 0 and tol <= 0:
        score = math.inf  # no effect, or an effect of the wrong sign: the direction is not demonstrated
    else:
        score = _score(gap, tol)
    diag["t_statistic"] = e / se if _finite(e) and _finite(se) and se > 0 else None
    c = Comparison("trend", s, e, gap, tol, parts, score, resolution=None, reason=reason, sizes=dict(sizes or {}),
                   diagnostics=diag)
    return _finish(c, requires, None)


def bound(bound_value, measured, *, parts: Mapping[str, float], side: str = "upper", sizes: Mapping | None = None,
          diagnostics: Mapping | None = None, requires: Mapping[str, bool] | None = None,
          resolution: float | None = None) -> Comparison:
    """A one-sided claim: measured <= bound (side="upper") or measured >= bound ("lower").

    gap = the excess beyond the bound (0 inside it), tolerance = sum(parts) (the statistical allowance).
    """
    if side not in ("upper", "lower"):
        raise UsageError(f"side must be 'upper' or 'lower'; got {side!r}")
    b, m = float(bound_value), float(measured)
    parts = _parts(parts)
    tol = float(sum(parts.values()))
    excess = (m - b) if side == "upper" else (b - m)
    gap = max(excess, 0.0) if _finite(excess) else math.nan
    diag = dict(diagnostics or {})
    diag["rule"] = f"measured {'<=' if side == 'upper' else '>='} bound, within the tolerance"
    diag["side"] = side
    c = Comparison("bound", b, m, gap, tol, parts, _score(gap, tol), resolution=tol / abs(b) if b != 0 else math.inf,
                   reason=_why_not_finite(gap=gap, tolerance=tol), sizes=dict(sizes or {}), diagnostics=diag)
    return _finish(c, requires, resolution)


def assumption_violated(reason: str, *, sizes: Mapping | None = None, diagnostics: Mapping | None = None) -> Comparison:
    """The experiment left the theorem's regime before anything could be compared."""
    return Comparison(None, None, None, math.nan, math.nan, {}, math.nan, None, "assumption-violated", reason,
                      dict(sizes or {}), dict(diagnostics or {}))


def inconclusive(reason: str, *, sizes: Mapping | None = None, diagnostics: Mapping | None = None) -> Comparison:
    """The budget could not decide (e.g. an optimiser did not reach its stopping criterion)."""
    return Comparison(None, None, None, math.nan, math.nan, {}, math.nan, None, "inconclusive", reason,
                      dict(sizes or {}), dict(diagnostics or {}))
