"""Parameter constraints as data.

One declaration serves every use of a parameter's constraint:

* `check(value, env)`: validation (None when valid, else a short reason), `env` holding the other parameters;
* `describe()`: the phrase the error message puts after "must be";
* `invalid(env)`: values the registry-wide contract test feeds in, each of which must be rejected;
* `example(env)` and `strategy(env, **narrow)`: a valid value and a Hypothesis strategy of valid values;
* `assumptions()`: the SymPy assumptions the constraint implies for the parameter's symbol
  (`Integer(1)` -> integer and positive), so a `Parameter` does not declare them a second time;
* `refs()`: the other parameters the constraint reads from `env`, so those are checked (and built
  by `Result.example`) first.

Bounds of `Integer` and `Real` are numbers, None (unbounded) or simple expressions of another parameter:
a name ("d", "T"), a name plus or minus a number ("k+2") or a negated name ("-mu_norm"). A bound naming a
parameter that is not given is not enforced. Relational constraints (`NonIncreasing`, `GapAtRank`,
`Excluded`, ...) draw examples and strategies that also fit the constraint they accompany.

Only what is provably false is rejected: a SymPy symbol whose assumptions do not decide the constraint
passes, so symbolic work is never blocked.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._errors import InvalidParameterError

__all__ = [
    "Constraint",
    "Integer",
    "Real",
    "PositiveVector",
    "NonIncreasing",
    "SquareMatrix",
    "GapAtRank",
    "Excluded",
    "Matrix",
    "RowNorms",
    "StableStep",
    "Choice",
    "bound_value",
    "implied_assumptions",
]

_BOUND = re.compile(r"^\s*(-)?\s*([A-Za-z_]\w*)\s*(?:([+-])\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?))?\s*$")


@functools.lru_cache(maxsize=None)
def _parse_bound(bound: str) -> tuple[int, str, float]:
    """A bound expression as (sign, name, offset): "k+2" -> (1, "k", 2.0), "-mu_norm" -> (-1, "mu_norm", 0.0)."""
    m = _BOUND.match(bound)
    if m is None:
        raise InvalidParameterError(
            f"A bound must be a number, None or NAME, NAME+NUMBER, NAME-NUMBER or -NAME; got {bound!r}.",
            parameter="bound")
    neg, name, op, num = m.groups()
    offset = float(num) if num else 0.0
    return (-1 if neg else 1), name, (-offset if op == "-" else offset)


def _bound_text(bound) -> str:
    if bound is None:
        return "None"
    if not isinstance(bound, str):  # a number: 0 rather than 0.0, 1e-12 as is
        return str(int(bound)) if float(bound).is_integer() and abs(bound) < 1e15 else repr(float(bound))
    sign, name, offset = _parse_bound(bound)
    tail = "" if offset == 0 else f" {'+' if offset > 0 else '-'} {abs(offset):g}"
    return ("-" if sign < 0 else "") + name + tail


def _bound_refs(*bounds) -> tuple[str, ...]:
    return tuple(_parse_bound(b)[1] for b in bounds if isinstance(b, str))


def bound_value(bound: int | float | str | None, env: dict):
    """The value of a bound in `env`: a number, an array (a vectorised parameter), a SymPy expression, or
    None when unbounded or when the parameter it names is not in `env`."""
    if bound is None or isinstance(bound, (int, float)):
        return bound
    sign, name, offset = _parse_bound(bound)
    v = env.get(name)
    if v is None:
        return None
    if isinstance(v, sp.Basic):
        off = sp.Integer(int(offset)) if offset == int(offset) else sp.Float(offset)
        return sign * v + off
    arr = _as_array(v)
    if arr is None:
        return None
    out = sign * arr + offset
    return float(out) if out.ndim == 0 else out


def _scalar_bound(b, side: str) -> float | None:
    """A single number for examples and strategies: the tightest of a vectorised bound, None if symbolic."""
    if b is None or (isinstance(b, sp.Basic) and not b.is_number):
        return None
    arr = np.asarray(b, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        return None
    return float(arr.max() if side == "lo" else arr.min())


def _is_symbolic(value: Any) -> bool:
    return isinstance(value, sp.Basic) and not value.is_number


def _as_array(value: Any) -> np.ndarray | None:
    """Numeric value as a float array, or None for a symbolic value."""
    if isinstance(value, sp.Basic):
        if not value.is_number:
            return None
        try:
            return np.asarray(float(value))
        except TypeError:  # a complex number
            return np.asarray(np.nan)
    if isinstance(value, (list, tuple)) and any(_is_symbolic(v) for v in np.ravel(np.asarray(value, dtype=object))):
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return np.asarray(np.nan)


def _outside(value, bound, side: str, open_: bool, tol: float = 0.0) -> bool:
    """True when `value` is provably below a lower bound (side "lo") or above an upper one (side "hi").

    An open end also excludes the bound itself; `tol` widens the bound by tol * |bound| (rounding).
    """
    if bound is None:
        return False
    if _is_symbolic(value) or _is_symbolic(bound):
        if np.ndim(value) or np.ndim(bound):
            return False  # arrays against symbols: undecided
        try:
            diff = sp.sympify(value) - sp.sympify(bound)
        except (sp.SympifyError, TypeError):
            return False
        if side == "hi":
            diff = -diff
        return diff.is_negative is True or (open_ and diff.is_zero is True)
    arr, b = _as_array(value), np.asarray(bound, dtype=float)
    if arr is None:
        return False
    b = b - tol * np.abs(b) if side == "lo" else b + tol * np.abs(b)
    with np.errstate(invalid="ignore"):
        try:
            bad = (arr < b) if side == "lo" else (arr > b)
            if open_:
                bad = bad | (arr == b)
        except ValueError:  # shapes that do not broadcast: the evaluation reports them
            return False
    return bool(np.any(bad))


def _why(text: str) -> str:
    return f" ({text})" if text else ""


def implied_assumptions(constraints) -> dict:
    """The SymPy assumptions a tuple of constraints implies, in the shortest form one would write by hand
    ({"integer": True, "positive": True}, not also "nonnegative" and "real")."""
    facts: dict = {}
    for c in constraints:
        facts.update({k: v for k, v in c.assumptions().items() if v})
    if facts.get("positive"):
        facts.pop("nonnegative", None)
    if facts.get("negative"):
        facts.pop("nonpositive", None)
    if len(facts) > 1:
        facts.pop("real", None)  # implied by any of the others
    return facts


class Constraint:
    """Base class: one condition on a parameter, and everything derived from it (see the module docstring)."""

    needs_d = False  # True: checked only once the dimension d is known

    def check(self, value: Any, env: dict) -> str | None:  # pragma: no cover - interface
        """None when `value` satisfies the constraint given the other parameters in `env`, else a reason."""
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def invalid(self, env: dict) -> list:
        """Values this constraint rejects in `env` (every one must raise InvalidParameterError)."""
        return []

    def example(self, env: dict):  # pragma: no cover - interface
        """A value this constraint accepts in `env`."""
        raise NotImplementedError

    def strategy(self, env: dict, **narrow):  # pragma: no cover - interface
        """A Hypothesis strategy of values this constraint accepts in `env` (narrowed by keyword ranges)."""
        raise NotImplementedError

    def assumptions(self) -> dict:
        """SymPy assumptions every valid value satisfies (e.g. {"integer": True, "positive": True})."""
        return {}

    def refs(self) -> tuple[str, ...]:
        """Names of the other parameters `check` reads from `env`."""
        return ()


@dataclass(frozen=True)
class Integer(Constraint):
    """An integer in [lo, hi]; each bound a number, None, or an expression of another parameter ("d", "k+2")."""

    lo: int | str | None = 1
    hi: int | str | None = None
    why: str = ""  # the reason for a bound, appended to the description

    def __post_init__(self):
        _bound_refs(self.lo, self.hi)  # a malformed bound fails at import

    def describe(self) -> str:
        lo, hi = _bound_text(self.lo), _bound_text(self.hi)
        if self.lo is None and self.hi is None:
            text = "an integer"
        elif self.hi is None:
            text = f"an integer >= {lo}"
        elif self.lo is None:
            text = f"an integer <= {hi}"
        else:
            text = f"an integer in [{lo}, {hi}]"
        return text + _why(self.why)

    def refs(self):
        return _bound_refs(self.lo, self.hi)

    def assumptions(self):
        out = {"integer": True}
        if isinstance(self.lo, (int, float)):
            if self.lo > 0:
                out["positive"] = True
            elif self.lo == 0:
                out["nonnegative"] = True
        if isinstance(self.hi, (int, float)):
            if self.hi < 0:
                out["negative"] = True
            elif self.hi == 0:
                out["nonpositive"] = True
        return out

    def check(self, value, env):
        lo, hi = bound_value(self.lo, env), bound_value(self.hi, env)
        if _is_symbolic(value):
            if value.is_integer is False:
                return "it is not an integer"
        else:
            arr = _as_array(value)
            if arr is None:
                return None
            if not np.all(np.isfinite(arr)):
                return "it is not finite"
            if not np.all(arr == np.round(arr)):
                return "it is not an integer"
        if _outside(value, lo, "lo", False):
            return f"it is below {_bound_text(self.lo)}"
        if _outside(value, hi, "hi", False):
            return f"it exceeds {_bound_text(self.hi)}"
        return None

    def _range(self, env) -> tuple[int | None, int | None]:
        lo = _scalar_bound(bound_value(self.lo, env), "lo")
        hi = _scalar_bound(bound_value(self.hi, env), "hi")
        return (None if lo is None else math.ceil(lo)), (None if hi is None else math.floor(hi))

    def invalid(self, env):
        lo, hi = self._range(env)
        out = [float("nan")]
        if lo is not None:
            out += [lo - 1, lo + 0.5]
        else:
            out.append((hi if hi is not None else 1) - 0.5)
        if hi is not None:
            out.append(hi + 1)
        return out

    def example(self, env):
        """The middle of [lo, hi]; 10 (or lo, if larger) when unbounded above: a small, generic size."""
        lo, hi = self._range(env)
        if hi is None:
            return 10 if lo is None else max(lo, 10)
        if lo is None:
            return min(hi, 10)
        return (lo + hi) // 2 if hi >= lo else lo

    def strategy(self, env, lo=None, hi=None):
        from hypothesis import strategies as st

        lo_c, hi_c = self._range(env)
        lo = lo_c if lo is None else (lo if lo_c is None else max(lo, lo_c))
        hi = hi_c if hi is None else (hi if hi_c is None else min(hi, hi_c))
        return st.integers(min_value=lo, max_value=hi)


@dataclass(frozen=True)
class Real(Constraint):
    """A real number between lo and hi, each end open or closed; each bound a number, None, or an expression of
    another parameter ("eta_max", "-mu_norm")."""

    lo: float | str | None = 0.0
    hi: float | str | None = None
    lo_open: bool = False  # True: lo itself is excluded
    allow_inf: bool = False  # True: +inf (sympy.oo) is a valid value, e.g. unlimited task diversity
    hi_open: bool = False  # True: hi itself is excluded
    tol: float = 0.0  # relative slack on the bounds, for values computed in floating point (|<w, mu>| <= ||mu||)
    why: str = ""  # the reason for a bound, appended to the description

    def __post_init__(self):
        _bound_refs(self.lo, self.hi)

    def describe(self) -> str:
        inf = " or oo (infinity)" if self.allow_inf else ""
        if self.lo is None and self.hi is None:
            text = "a real number"
        elif isinstance(self.lo, (int, float)) and self.lo == 0 and self.hi is None:
            text = "a positive real number" if self.lo_open else "a non-negative real number"
        else:
            left = "(" if self.lo_open or self.lo is None else "["
            right = ")" if self.hi_open or self.hi is None else "]"
            lo = "-inf" if self.lo is None else _bound_text(self.lo)
            hi = "inf" if self.hi is None else _bound_text(self.hi)
            text = f"a real number in {left}{lo}, {hi}{right}"
        return text + inf + _why(self.why)

    def refs(self):
        return _bound_refs(self.lo, self.hi)

    def assumptions(self):
        # allow_inf keeps the plain "positive" (a finite symbol): oo is a limit the numerics take, not a value
        # symbolic work substitutes.
        out = {"real": True}
        if isinstance(self.lo, (int, float)):
            if self.lo > 0 or (self.lo == 0 and self.lo_open):
                out["positive"] = True
            elif self.lo == 0:
                out["nonnegative"] = True
        if isinstance(self.hi, (int, float)):
            if self.hi < 0 or (self.hi == 0 and self.hi_open):
                out["negative"] = True
            elif self.hi == 0:
                out["nonpositive"] = True
        return out

    def check(self, value, env):
        lo, hi = bound_value(self.lo, env), bound_value(self.hi, env)
        if not _is_symbolic(value):
            arr = _as_array(value)
            if arr is None:
                return None
            if self.allow_inf:
                if np.any(np.isnan(arr)) or np.any(arr == -np.inf):
                    return "it is not a number or +infinity"
            elif not np.all(np.isfinite(arr)):
                return "it is not finite"
        for b, side, open_, spec in ((lo, "lo", self.lo_open, self.lo), (hi, "hi", self.hi_open, self.hi)):
            if _outside(value, b, side, open_, self.tol):
                if not _outside(value, b, side, False, self.tol):
                    return f"it equals {_bound_text(spec)}, which is excluded"
                return f"it is below {_bound_text(spec)}" if side == "lo" else f"it exceeds {_bound_text(spec)}"
        return None

    def _range(self, env) -> tuple[float | None, float | None]:
        return (_scalar_bound(bound_value(self.lo, env), "lo"), _scalar_bound(bound_value(self.hi, env), "hi"))

    def invalid(self, env):
        lo, hi = self._range(env)
        out = [float("nan")] + ([] if self.allow_inf else [float("inf")])
        if lo is not None:
            out.append(lo - 1.0)
            if self.lo_open:
                out.append(lo)
        if hi is not None:
            out.append(hi + 1.0)
            if self.hi_open:
                out.append(hi)
        return out

    def _inside(self, x: float, lo, hi) -> bool:
        return ((lo is None or x > lo or (x == lo and not self.lo_open))
                and (hi is None or x < hi or (x == hi and not self.hi_open)))

    def example(self, env):
        """0.5 where allowed (a generic value of the order of one), else lo + 1, hi - 1 or the midpoint."""
        lo, hi = self._range(env)
        if self._inside(0.5, lo, hi):
            return 0.5
        if hi is None:
            return lo + 1.0
        if lo is None:
            return hi - 1.0
        return 0.5 * (lo + hi)

    def strategy(self, env, lo=None, hi=None):
        from hypothesis import strategies as st

        lo_c, hi_c = self._range(env)
        lo = lo_c if lo is None else (lo if lo_c is None else max(lo, lo_c))
        hi = hi_c if hi is None else (hi if hi_c is None else min(hi, hi_c))
        if hi is None:
            hi = (0.0 if lo is None else max(lo, 0.0)) + 1e3
        return st.floats(min_value=lo, max_value=hi, exclude_min=self.lo_open and lo is not None and lo == lo_c,
                         exclude_max=self.hi_open and hi == hi_c, allow_nan=False, allow_infinity=False)


def _descending(d: int) -> list[float]:
    """d distinct positive reals, largest first: [1 + (d-1)/2, ..., 1.5, 1]."""
    return [1.0 + 0.5 * k for k in range(d)][::-1]


@dataclass(frozen=True)
class PositiveVector(Constraint):
    """A vector of d strictly positive reals (eigenvalues of a covariance)."""

    needs_d = True

    length: str = "d"

    def describe(self) -> str:
        return f"a vector of {self.length} positive reals"

    def assumptions(self):
        return {"positive": True}

    def check(self, value, env):
        arr = _as_array(value)
        if arr is None:
            flat = list(np.ravel(np.asarray(value, dtype=object)))
            if any(isinstance(v, sp.Basic) and v.is_positive is False for v in flat):
                return "an entry is not positive"
            if len(value) != env[self.length]:
                return f"its length is {len(value)}"
            return None
        if arr.ndim == 0:
            return "it is a scalar, not a vector"
        if arr.shape[-1] != env[self.length]:
            return f"its length is {arr.shape[-1]}"
        if not np.all(np.isfinite(arr)):
            return "an entry is not finite"
        if np.any(arr <= 0):
            return "an entry is not positive"
        return None

    def invalid(self, env):
        d = env[self.length]
        good = _descending(d)
        zero = list(good)
        zero[-1] = 0.0
        neg = list(good)
        neg[0] = -1.0
        nan = list(good)
        nan[0] = float("nan")
        return [zero, neg, nan, good + [0.5]]

    def example(self, env):
        """Distinct and sorted largest first, so it also meets NonIncreasing and GapAtRank."""
        return _descending(env[self.length])

    def strategy(self, env, lo=0.1, hi=5.0, min_ratio=None, descending=False):
        """Entries in [lo, hi]; with `min_ratio`, consecutive sorted entries differ by at least that factor."""
        from hypothesis import strategies as st

        d = env[self.length]
        if min_ratio is None:
            base = st.lists(st.floats(lo, hi), min_size=d, max_size=d)
            return base.map(lambda v: sorted(v, reverse=True)) if descending else base

        # Distinct, separated values: draw log-gaps, then place inside [lo, hi].
        span = math.log(hi / lo)
        gap = math.log(min_ratio)
        if gap * (d - 1) > span:
            raise InvalidParameterError(f"cannot fit {d} values with ratio {min_ratio} in [{lo}, {hi}]",
                                        parameter="min_ratio")

        @st.composite
        def draw(draw_):
            extra = draw_(st.lists(st.floats(0.0, 1.0), min_size=d, max_size=d))
            free = span - gap * (d - 1)
            total = sum(extra) or 1.0
            cum = 0.0
            logs = []
            for k in range(d):
                cum += free * extra[k] / total * (d / (d + 1))
                logs.append(cum + gap * k)
            vals = [lo * math.exp(v) for v in logs]
            vals = sorted(vals, reverse=True)
            if not descending:
                perm = draw_(st.permutations(list(range(d))))
                vals = [vals[p] for p in perm]
            return vals

        return draw()


@dataclass(frozen=True)
class NonIncreasing(Constraint):
    """An extra condition on a vector: entries sorted from largest to smallest."""

    def describe(self) -> str:
        return "sorted in non-increasing order (lam[0] >= lam[1] >= ...)"

    def check(self, value, env):
        arr = _as_array(value)
        if arr is None or arr.ndim == 0:
            return None
        if np.any(np.diff(arr, axis=-1) > 0):
            return "it is not sorted in non-increasing order"
        return None

    def invalid(self, env):
        d = env["d"]
        if d < 2:
            return []
        return [_descending(d)[::-1]]

    def example(self, env):
        return _descending(env["d"])

    def strategy(self, env, lo=0.1, hi=5.0):
        """Positive entries in [lo, hi], sorted largest first."""
        return PositiveVector().strategy(env, lo=lo, hi=hi, descending=True)


@dataclass(frozen=True)
class SquareMatrix(Constraint):
    """A real d x d matrix with finite entries."""

    needs_d = True

    size: str = "d"

    def describe(self) -> str:
        return f"a real {self.size} x {self.size} matrix with finite entries"

    def assumptions(self):
        return {"real": True}

    def check(self, value, env):
        arr = _as_array(value)
        if arr is None:
            return None
        d = env[self.size]
        if arr.ndim < 2 or arr.shape[-2:] != (d, d):
            return f"its shape is {arr.shape}"
        if not np.all(np.isfinite(arr)):
            return "an entry is not finite"
        return None

    def invalid(self, env):
        d = env[self.size]
        bad = np.eye(d)
        bad[0, 0] = np.nan
        return [np.eye(d + 1).tolist(), bad.tolist(), [1.0] * d]

    def example(self, env):
        return (0.3 * np.eye(env[self.size])).tolist()

    def strategy(self, env, scale=0.5):
        from hypothesis import strategies as st

        d = env[self.size]
        return st.lists(st.lists(st.floats(-scale, scale), min_size=d, max_size=d), min_size=d, max_size=d)


@dataclass(frozen=True)
class GapAtRank(Constraint):
    """lam[r-1] > lam[r] (1-based: lambda_r > lambda_{r+1}) where r < d: the rank-r optimum is unique."""

    rank: str = "r"

    def describe(self) -> str:
        return f"strictly separated at the rank: lambda_{self.rank} > lambda_{self.rank}+1"

    def refs(self):
        return (self.rank,)

    def check(self, value, env):
        arr = _as_array(value)
        r = env.get(self.rank)
        if arr is None or arr.ndim == 0 or r is None or _is_symbolic(r):
            return None
        r_arr = np.asarray(r, dtype=float)
        if r_arr.ndim or not np.isfinite(r_arr) or r_arr != np.round(r_arr):
            return None  # vectorised or invalid ranks: r's own constraint speaks for it
        r = int(r_arr)
        if 1 <= r < arr.shape[-1] and np.any(arr[..., r - 1] <= arr[..., r]):
            return f"lambda_{r} <= lambda_{r + 1}, so the rank-{r} optimum is not unique"
        return None

    def invalid(self, env):
        d = env["d"]
        return [[1.0] * d] if d >= 2 else []

    def example(self, env):
        return _descending(env["d"])

    def strategy(self, env, lo=0.1, hi=5.0):
        """Positive, sorted largest first and separated everywhere (so at every rank)."""
        return PositiveVector().strategy(env, lo=lo, hi=hi, min_ratio=1.05, descending=True)


@dataclass(frozen=True)
class Excluded(Constraint):
    """A scalar must avoid one point unless another parameter is positive (tau != 1 in a ridgeless formula)."""

    point: float
    unless_positive: str  # the parameter whose positivity lifts the exclusion, e.g. the ridge "lam"
    why: str  # the consequence, for the message

    def describe(self) -> str:
        return f"different from {self.point:g} when {self.unless_positive} = 0 ({self.why}; use {self.unless_positive} > 0)"

    def refs(self):
        return (self.unless_positive,)

    def check(self, value, env):
        arr, other = _as_array(value), _as_array(env.get(self.unless_positive, 0.0))
        if arr is None or other is None:
            return None
        hit = np.broadcast_to(arr == self.point, np.broadcast(arr, other).shape) & (other <= 0)
        if np.any(hit):
            return f"it equals {self.point:g} with {self.unless_positive} = 0, where the error is infinite"
        return None

    def invalid(self, env):
        other = _as_array(env.get(self.unless_positive, 0.0))
        return [self.point] if other is not None and np.all(other <= 0) else []

    def example(self, env):
        return self.point + 0.5

    def strategy(self, env, lo=None, hi=None):
        """Finite reals in [lo, hi] other than the point."""
        from hypothesis import strategies as st

        return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False).filter(
            lambda x: x != self.point)


@dataclass(frozen=True)
class Matrix(Constraint):
    """A real matrix with finite entries; rows/cols are "d", "d+1" or None (any size)."""

    rows: str | None = "d"
    cols: str | None = "d"

    needs_d = True

    @staticmethod
    def _size(spec, d):
        return None if spec is None else d + (1 if spec == "d+1" else 0)

    def describe(self) -> str:
        return f"a real {self.rows or 'k'} x {self.cols or 'k'} matrix with finite entries"

    def assumptions(self):
        return {"real": True}

    def dimension(self, value) -> int | None:
        """The d a value of this shape implies (None when it cannot tell)."""
        shape = np.shape(value) if _as_array(value) is not None else ()
        if len(shape) < 2:
            return None
        for spec, n in ((self.rows, shape[-2]), (self.cols, shape[-1])):
            if spec is not None:
                return n - (1 if spec == "d+1" else 0)
        return None

    def check(self, value, env):
        arr = _as_array(value)
        if arr is None:
            return None
        d = env["d"]
        want = (self._size(self.rows, d), self._size(self.cols, d))
        if arr.ndim < 2 or any(w is not None and w != n for w, n in zip(want, arr.shape[-2:])):
            return f"its shape is {arr.shape}"
        if not np.all(np.isfinite(arr)):
            return "an entry is not finite"
        return None

    def invalid(self, env):
        d = env["d"]
        rows, cols = self._size(self.rows, d) or 2, self._size(self.cols, d) or 2
        bad = np.ones((rows, cols))
        bad[0, 0] = np.nan
        return [np.ones((rows + 1, cols + 1)).tolist(), bad.tolist(), [1.0] * cols]

    def example(self, env):
        d = env["d"]
        rows, cols = self._size(self.rows, d) or 2 * d, self._size(self.cols, d) or 2 * d
        rng = np.random.default_rng(0)
        return (0.3 * rng.standard_normal((rows, cols))).tolist()

    def strategy(self, env, scale=0.5, max_rows=None):
        """Entries in [-scale, scale]; a free size (None) is drawn in [1, max_rows] (default 2d)."""
        from hypothesis import strategies as st

        d = env["d"]
        rows, cols = self._size(self.rows, d), self._size(self.cols, d)

        @st.composite
        def draw(draw_):
            m = rows or draw_(st.integers(1, max_rows or 2 * d))
            n = cols or draw_(st.integers(1, max_rows or 2 * d))
            row = st.lists(st.floats(-scale, scale), min_size=n, max_size=n)
            return draw_(st.lists(row, min_size=m, max_size=m))

        return draw()


def _unit_rows(rows, d: int) -> list:
    """Rows rescaled to squared norm d (rows too short to rescale accurately become the first axis)."""
    arr = np.asarray(rows, dtype=float).reshape(-1, d)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    arr = np.where(norms > 1e-6, arr, np.eye(1, d))
    return (arr / np.linalg.norm(arr, axis=-1, keepdims=True) * math.sqrt(d)).tolist()


@dataclass(frozen=True)
class RowNorms(Constraint):
    """Each row has squared Euclidean norm d (tasks on the sphere of radius sqrt(d))."""

    rel_tol: float = 1e-6

    def describe(self) -> str:
        return "rows of squared norm d (tasks rescaled to norm sqrt(d))"

    def check(self, value, env):
        arr = _as_array(value)
        if arr is None or arr.ndim < 2:
            return None
        sq = (arr ** 2).sum(-1)
        d = arr.shape[-1]
        if np.any(np.abs(sq - d) > self.rel_tol * d):
            worst = float(sq.flat[int(np.argmax(np.abs(sq - d)))])
            return f"a row has squared norm {worst:.6g}, not d={d}"
        return None

    def invalid(self, env):
        d = env["d"]
        return [(2.0 * np.ones((2, d))).tolist()]

    def example(self, env):
        """2d random rows of norm sqrt(d) (the k x d task matrix of Matrix(None, "d"))."""
        d = env["d"]
        return _unit_rows(np.random.default_rng(0).standard_normal((2 * d, d)), d)

    def strategy(self, env, max_rows=None):
        from hypothesis import strategies as st

        d = env["d"]
        row = st.lists(st.floats(-1.0, 1.0), min_size=d, max_size=d)
        return st.lists(row, min_size=1, max_size=max_rows or 2 * d).map(lambda rows: _unit_rows(rows, d))


@dataclass(frozen=True)
class StableStep(Constraint):
    """A gradient-descent step 0 <= eta < 2 / lambda_max, lambda_max = (1 + sqrt(alpha))^2; 0 = gradient flow."""

    alpha: str = "alpha"

    def describe(self) -> str:
        return f"a real number in [0, 2/(1+sqrt({self.alpha}))^2) (0 = gradient flow)"

    def refs(self):
        return (self.alpha,)

    def assumptions(self):
        return {"nonnegative": True}

    def _limit(self, env) -> float | None:
        a = _scalar_bound(_as_array(env.get(self.alpha)) if self.alpha in env else None, "lo")
        return None if a is None else 2.0 / (1.0 + math.sqrt(abs(a))) ** 2

    def check(self, value, env):
        arr, a = _as_array(value), _as_array(env.get(self.alpha))
        if arr is None or a is None:
            return None
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            return "it is negative or not finite"
        if np.any(arr >= 2.0 / (1.0 + np.sqrt(np.abs(a))) ** 2):
            return "gradient descent diverges on the top Marchenko-Pastur eigenvalue (1+sqrt(alpha))^2"
        return None

    def invalid(self, env):
        limit = self._limit(env)
        return [-0.1, float("nan"), 10.0 if limit is None else limit]

    def example(self, env):
        """Half the stability limit (gradient flow, 0, when alpha is not known)."""
        limit = self._limit(env)
        return 0.0 if limit is None else 0.5 * limit

    def strategy(self, env, lo=0.0, hi=None):
        from hypothesis import strategies as st

        limit = self._limit(env)
        if limit is None:
            return st.just(0.0)
        hi = limit if hi is None else min(hi, limit)
        return st.floats(min_value=lo, max_value=hi, exclude_max=hi == limit, allow_nan=False)


@dataclass(frozen=True)
class Choice(Constraint):
    """One of a fixed set of names (an activation function, a teacher)."""

    options: tuple[str, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def check(self, value, env):
        if isinstance(value, sp.Symbol):
            return None
        if not isinstance(value, str) or value not in self.options:
            return f"{value!r} is not a known name"
        return None

    def invalid(self, env):
        return ["no_such_name", 1.0]

    def strategy(self, env, **narrow):
        from hypothesis import strategies as st

        return st.sampled_from(self.options)

    def example(self, env):
        return self.options[0]
