"""Result: a closed form held as SymPy, with its parameters, constraints and reference.

A quantity is written once, as a Python function of a *symbol context* `s`:

    def risk(s):
        return s.sum(lambda i: s.lam[i] * (s.lam[i] + s.T) / ((s.N + 1) * s.lam[i] + s.T))

The same function gives two realisations:

* generic (`d` a symbol, vectors as indexed symbols, sums as `Sum`): what `latex`
  shows and what symbolic manipulation sees;
* concrete (`d` an integer, one symbol per component, explicit sums): what
  `evaluate` lambdifies (cached per quantity and d) and broadcasts over NumPy arrays.

Vector quantities are written per component, `def gamma(s, i): ...`, and evaluate to
arrays whose last axis has length d.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy as sp

from .._errors import InvalidParameterError, TheorycheckError, UnknownQuantityError
from ._constraints import Constraint, PositiveVector, implied_assumptions
from ._reference import Reference

__all__ = ["Parameter", "Quantity", "Result", "STATUSES", "claim"]

# Provenance labels, as in the research dossiers.
# VERBATIM-CODE: transcribed from the authors' released code where the paper body was unreachable.
STATUSES = ("VERBATIM", "VERBATIM-CODE", "SECONDARY", "DERIVED", "CONJECTURE", "UNVERIFIED")


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # "scalar" | "vector" | "matrix" | "choice" (a name, e.g. an activation function)
    constraints: tuple[Constraint, ...]
    description: str
    assumption: str  # the paper's assumption the constraints come from
    latex: str | None = None
    # SymPy assumptions of the parameter's symbol. None (the rule): what the constraints imply, e.g.
    # Integer(1) -> {"integer": True, "positive": True}. Give a dict only to narrow it where no constraint can
    # say so, with a comment.
    symbol_assumptions: dict | None = None
    default: Callable[[dict], Any] | None = None  # value from the other parameters, e.g. M = N
    default_doc: str = ""

    def __post_init__(self):
        if self.symbol_assumptions is None:
            object.__setattr__(self, "symbol_assumptions", implied_assumptions(self.constraints))

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.constraints)

    def refs(self, extra: tuple[Constraint, ...] = ()) -> tuple[str, ...]:
        """The other parameters its constraints read (bounds such as "k+2", the rank of a gap, ...)."""
        out = []
        for c in self.constraints + tuple(extra):
            out += [n for n in c.refs() if n != self.name and n not in out]
        return tuple(out)

    def example(self, env: dict, extra: tuple[Constraint, ...] = ()):
        """A value every constraint accepts in `env` (the other parameters): the first constraint's example
        that all of them accept, trying each constraint's in turn. `extra`: quantity-level constraints."""
        cons = self.constraints + tuple(extra)
        tried = []
        for c in cons:
            value = c.example(env)
            if all(k.check(value, {**env, self.name: value}) is None for k in cons):
                return value
            tried.append(value)
        raise TheorycheckError(
            f"No example of the {self.name!r} parameter meets all its constraints ({self.describe()}) with "
            f"{ {k: v for k, v in env.items() if k != self.name} }: tried {tried}. Give one of the constraints an "
            "example() that meets the others.", parameter=self.name)


@dataclass(frozen=True)
class Quantity:
    name: str
    build: Callable  # (s) -> Expr for scalars, (s, i) -> Expr for vectors
    description: str
    status: str  # one of STATUSES
    # "scalar" | "vector" | "sign": a claimed direction (+1 increases, -1 decreases, 0 no change) of a trend
    # the paper states without a closed form; trend checks compare it with the measured direction, and
    # --perturb with factor -1 (reverse) or 0 (remove) must make them fail.
    kind: str = "scalar"
    where: str = ""  # theorem or equation, when it differs from the result's
    constraints: tuple[tuple[str, Constraint], ...] = ()  # extra (parameter, constraint) for this quantity only
    # Implicit or integral quantities (a root of a self-consistent equation, a quadrature): `build` still gives
    # the SymPy form (shown by `latex`, with `conditions`), and `numeric` evaluates numbers, vectorised.
    numeric: Callable | None = None  # (**values as float arrays) -> array
    args: tuple[str, ...] | None = None  # the parameters `numeric` takes (default: read from the expression)
    conditions: Callable | None = None  # (s) -> list of sympy.Eq defining auxiliary symbols ("where ...")


def claim(name: str, direction: int, description: str, status: str, where: str = "") -> Quantity:
    """A stated trend without a closed form: its direction (+1 up, -1 down, 0 none) is the prediction."""
    if direction not in (-1, 0, 1):
        raise InvalidParameterError(f"The 'direction' of claim {name!r} must be -1, 0 or +1. Got {direction!r}.",
                                    parameter="direction", result=name)
    return Quantity(name, lambda s: sp.Integer(direction), description, status, kind="sign", where=where,
                    numeric=lambda: float(direction), args=())


class _Vec:
    def __init__(self, name: str, latex: str, d, concrete: bool, assumptions: dict):
        self.name, self.concrete = name, concrete
        if concrete:
            self._syms = [sp.Symbol(f"{name}_{k + 1}", **assumptions) for k in range(d)]
        else:
            self._base = sp.IndexedBase(latex, **assumptions)

    def __getitem__(self, i):
        if self.concrete:
            return self._syms[int(i) - 1]
        return self._base[i]

    @property
    def symbols(self):
        return self._syms


class _Mat:
    def __init__(self, name: str, latex: str, d, concrete: bool, assumptions: dict):
        self.concrete = concrete
        if concrete:
            self._syms = [[sp.Symbol(f"{name}_{a + 1}_{b + 1}", **assumptions) for b in range(d)] for a in range(d)]
        else:
            self._base = sp.IndexedBase(latex, **assumptions)

    def __getitem__(self, ij):
        i, j = ij
        if self.concrete:
            return self._syms[int(i) - 1][int(j) - 1]
        return self._base[i, j]

    @property
    def symbols(self):
        return [s for row in self._syms for s in row]


class SymbolContext:
    """Symbols of a result's parameters, generic (`d=None`) or for a concrete integer d."""

    def __init__(self, result: "Result", d: int | None):
        self.concrete = d is not None
        self.d = d if self.concrete else sp.Symbol("d", integer=True, positive=True)
        self._result = result
        self._cache: dict[str, Any] = {}
        self._idx = iter(sp.symbols("i j k l", integer=True, positive=True))

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        cache = self.__dict__["_cache"]
        if name in cache:
            return cache[name]
        result = self.__dict__["_result"]
        if name in result.derived:
            latex, build = result.derived[name]
            value = build(self) if self.concrete else sp.Symbol(latex, positive=True)
        else:
            p = result.parameter(name)
            latex = p.latex or name
            if p.kind in ("scalar", "choice"):
                value = sp.Symbol(latex, **p.symbol_assumptions)
            elif p.kind == "vector":
                value = _Vec(name, latex, self.d, self.concrete, p.symbol_assumptions)
            else:
                value = _Mat(name, latex, self.d, self.concrete, p.symbol_assumptions)
        cache[name] = value
        return value

    def index(self):
        return next(self._idx)

    def sum(self, f: Callable) -> sp.Expr:
        """Sum of f(i) over i = 1..d (explicit in the concrete context)."""
        if self.concrete:
            return sp.Add(*[f(k) for k in range(1, self.d + 1)])
        i = self.index()
        return sp.Sum(f(i), (i, 1, self.d))

    def sum2(self, f: Callable) -> sp.Expr:
        """Double sum of f(i, j) over i, j = 1..d."""
        if self.concrete:
            return sp.Add(*[f(a, b) for a in range(1, self.d + 1) for b in range(1, self.d + 1)])
        i, j = self.index(), self.index()
        return sp.Sum(f(i, j), (i, 1, self.d), (j, 1, self.d))

    def indicator(self, cond) -> sp.Expr:
        """1 where `cond` holds, else 0."""
        return sp.Piecewise((1, cond), (0, True))


class Result:
    """A closed-form theory result: parameters, named quantities, reference."""

    def __init__(
        self,
        id: str,
        title: str,
        reference: Reference,
        parameters: list[Parameter],
        quantities: list[Quantity],
        *,
        derived: dict[str, tuple[str, Callable]] | None = None,
        notes: str = "",
        keywords: tuple[str, ...] = (),
        dimensional: bool = True,
    ):
        self.id = id
        self.title = title
        self.reference = reference
        self.parameters = {p.name: p for p in parameters}
        self.quantities = {q.name: q for q in quantities}
        self.derived = dict(derived or {})
        self.notes = notes
        self.keywords = keywords
        self.dimensional = dimensional  # False: a d -> infinity limit, no dimension parameter
        self._needs_cache: dict[str, tuple[str, ...]] = {}
        for kind, items in (("parameter", parameters), ("quantity", quantities)):
            names = [x.name for x in items]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise InvalidParameterError(f"Result {id} declares the {kind} name(s) {', '.join(map(repr, dup))} "
                                            "more than once; names must be unique.", parameter=kind, result=id)
        # Quantity-level constraints, by parameter, and the order in which parameters are checked and built:
        # a parameter after those its constraints refer to (s after T in s <= T), else as declared.
        self._extra: dict[str, tuple[Constraint, ...]] = {}
        for q in self.quantities.values():
            for name, c in q.constraints:
                self._extra[name] = self._extra.get(name, ()) + (c,)
        self._order = self._dependency_order()

    def _dependency_order(self) -> tuple[str, ...]:
        refs = {n: [r for r in p.refs(self._extra.get(n, ())) if r in self.parameters]
                for n, p in self.parameters.items()}
        order: list[str] = []
        while len(order) < len(refs):
            ready = next((n for n in refs if n not in order and all(r in order for r in refs[n])), None)
            if ready is None:
                cycle = [n for n in refs if n not in order]
                raise InvalidParameterError(f"Result {self.id}: the constraints of {', '.join(cycle)} refer to each "
                                            "other in a cycle.", parameter=cycle[0], result=self.id)
            order.append(ready)
        return tuple(order)

    # ------------------------------------------------------------------ lookup
    def parameter(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise InvalidParameterError(
                f"{self.id} has no parameter {name!r}; its parameters are: {', '.join(self.parameters)} "
                "(and 'd', the dimension, where vectors fix it)",
                parameter=name,
                result=self.id,
            ) from None

    def quantity(self, name: str) -> Quantity:
        try:
            return self.quantities[name]
        except KeyError:
            raise UnknownQuantityError(
                f"{self.id} has no quantity {name!r}; its quantities are: {', '.join(self.quantities)}",
                parameter="quantity",
                result=self.id,
            ) from None

    # --------------------------------------------------------------- symbolic
    def expr(self, quantity: str, d: int | None = None):
        """The SymPy expression of a quantity: generic (d=None) or for a concrete d.

        Vector quantities give the i-th component in the generic form and a
        `sympy.Matrix` column of the d components in the concrete form.
        """
        return self._expr(quantity, d)

    @functools.lru_cache(maxsize=None)  # noqa: B019 - results live as long as the registry
    def _expr(self, quantity: str, d: int | None):
        q = self.quantity(quantity)
        s = SymbolContext(self, d)
        if q.kind in ("scalar", "sign"):
            return q.build(s)
        if d is None:
            return q.build(s, sp.Symbol("i", integer=True, positive=True))
        return sp.Matrix([q.build(s, k) for k in range(1, d + 1)])

    def latex(self, quantity: str) -> str:
        out = sp.latex(self.expr(quantity))
        cond = self.quantity(quantity).conditions
        if cond is not None:
            eqs = cond(SymbolContext(self, None))
            out += r",\quad \text{where } " + r",\ ".join(sp.latex(e) for e in eqs)
        return out

    def conditions(self, quantity: str) -> list:
        """The SymPy equations defining a quantity's auxiliary symbols (empty for explicit closed forms)."""
        cond = self.quantity(quantity).conditions
        return [] if cond is None else list(cond(SymbolContext(self, None)))

    def needs(self, quantity: str) -> tuple[str, ...]:
        """Parameters a quantity depends on (plus 'd' where only the dimension enters)."""
        if quantity not in self._needs_cache and self.quantity(quantity).args is not None:
            self._needs_cache[quantity] = tuple(self.quantity(quantity).args)
        if quantity not in self._needs_cache:
            expr = self._expr(quantity, 2 if self.dimensional else None)
            names = {str(sym) for sym in expr.free_symbols}
            out = []
            for p in self.parameters.values():
                prefix = f"{p.name}_"
                sym_name = p.latex or p.name
                if p.kind in ("scalar", "choice"):
                    if sym_name in names:
                        out.append(p.name)
                elif any(n.startswith(prefix) for n in names):
                    out.append(p.name)
            if self.dimensional and not any(self.parameters[n].kind != "scalar" for n in out):
                out.append("d")
            self._needs_cache[quantity] = tuple(out)
        return self._needs_cache[quantity]

    # ------------------------------------------------------------- validation
    def _error(self, name: str, constraint_text: str, value, reason: str, assumption: str, env: dict):
        """`env`: d and the other parameters the constraint refers to, shown after the value."""
        shown_env = [f"{k}={_short(v)}" for k, v in env.items() if k != name]
        where = " with " + ", ".join(shown_env) if shown_env else ""
        shown = np.asarray(value).tolist() if isinstance(value, np.ndarray) else value
        if isinstance(shown, (list, tuple)) and np.size(np.asarray(shown, dtype=object)) > 12:
            shown = f"<array of shape {np.shape(np.asarray(shown, dtype=object))}>"
        return InvalidParameterError(
            f"The {name!r} parameter of {self.id} must be {constraint_text} "
            f"(assumption of {assumption}). Got {shown if isinstance(shown, str) else repr(shown)}{where}: {reason}.",
            parameter=name,
            result=self.id,
        )

    def _dimension(self, values: dict) -> int | None:
        d = values.get("d")
        if d is not None:
            if isinstance(d, sp.Basic) and not d.is_number:
                raise InvalidParameterError(
                    f"The 'd' parameter of {self.id} must be a concrete integer >= 1 to evaluate. Got {d!r}.",
                    parameter="d", result=self.id)
            if not (np.ndim(d) == 0 and float(d) == int(float(d)) and int(float(d)) >= 1):
                raise InvalidParameterError(
                    f"The 'd' parameter of {self.id} must be an integer >= 1 (the dimension of the inputs). Got {d!r}.",
                    parameter="d", result=self.id)
            d = int(float(d))
        source = None  # the parameter that fixed d
        for p in self.parameters.values():
            if p.kind == "scalar" or p.name not in values:
                continue
            v = values[p.name]
            if p.kind == "vector" and isinstance(p.constraints[0], PositiveVector):
                n = len(v) if isinstance(v, (list, tuple)) else (np.shape(v)[-1] if np.ndim(v) else None)
            elif hasattr(p.constraints[0], "dimension"):
                n = p.constraints[0].dimension(v)  # e.g. a d x (d+1) matrix fixes d by its row count
            else:
                continue
            if n is not None:
                if d is None:
                    d, source = n, p.name
                elif n != d:
                    what = f"its length is {n}" if p.kind == "vector" else f"its size implies d={n}"
                    why = what + ", but " + (f"{source!r} implies d={d}" if source else f"d={d}")
                    raise self._error(p.name, p.describe(), v, why, p.assumption, {"d": d})
        return d

    def bind(self, values: dict, quantity: str | None = None) -> dict:
        """Validate `values` and fill defaults; return the complete dict including 'd'."""
        values = dict(values)
        if "Lambda" in values and "lam" in self.parameters and "lam" not in values:
            # A full covariance: keep its eigenvalues (largest first) and express every
            # matrix parameter in its eigenbasis, where the closed forms are written.
            values["lam"], U = _eigen(values.pop("Lambda"), self.id)
            for p in self.parameters.values():
                if p.kind == "matrix" and p.name in values:
                    M = np.asarray(values[p.name], dtype=float)
                    values[p.name] = np.swapaxes(U, -1, -2) @ M @ U
        for name in values:
            if name != "d":
                self.parameter(name)  # raises on unknown names
        d = self._dimension(values)
        env = {"d": d} if d is not None else {}
        for p in self.parameters.values():
            if p.name not in values and p.default is not None:
                try:
                    values[p.name] = p.default(values)
                except KeyError:
                    pass
        extra = dict(self.quantity(quantity).constraints) if quantity else {}
        check_env = {**env, **_numeric_env(values)}
        for name in self._order:  # a parameter after those its bounds name: their own errors come first
            if name not in values:
                continue
            value, p = values[name], self.parameters[name]
            for c in p.constraints + ((extra[name],) if name in extra else ()):
                if getattr(c, "needs_d", False) and d is None:
                    continue
                reason = c.check(value, check_env)
                if reason is not None:
                    given = {r: values[r] for r in c.refs() if r in values and r != name}
                    raise self._error(name, c.describe(), value, reason, p.assumption, {**env, **given})
        if d is not None:
            values["d"] = d
        return values

    def example(self, d: int = 3) -> dict:
        """A valid value of every parameter (those with a default too), built from the constraints; d is the
        dimension of vectors and matrices.

        Each value meets its parameter's constraints and the quantity-level ones, given the values before it
        (a parameter comes after those its bounds name), so `evaluate(q, **result.example())` works for every q.
        """
        env: dict = {"d": int(d)}
        out = {}
        for name in self._order:
            out[name] = env[name] = self.parameters[name].example(env, self._extra.get(name, ()))
        return out

    # -------------------------------------------------------------- evaluation
    def evaluate(self, quantity: str, **values):
        """Evaluate a quantity at numbers (vectorised over NumPy arrays) or SymPy values.

        Scalars broadcast against each other and against the leading axes of vectors
        (`lam` of shape (..., d)). Vector quantities return arrays of shape (..., d).
        Symbolic values (SymPy expressions) give a SymPy expression back.
        """
        q = self.quantity(quantity)
        values = self.bind(values, quantity)
        needs = self.needs(quantity)
        missing = [n for n in needs if n not in values]
        if missing:
            raise InvalidParameterError(
                f"{self.id}.{quantity} needs the parameter(s) {', '.join(map(repr, missing))}; "
                f"got {', '.join(sorted(values)) or 'none'}.",
                parameter=missing[0], result=self.id)
        d = values.get("d") if self.dimensional else None
        if any(_symbolic(values[n]) for n in needs if n != "d"):
            return self._substitute(q, d, values, needs)
        if q.numeric is not None:
            out = q.numeric(**{n: (values[n] if n == "d" or self.parameters[n].kind == "choice"
                                   else np.asarray(values[n], dtype=float)) for n in needs})
            out = np.asarray(out, dtype=float)
            return out[()] if out.ndim == 0 else out
        fn, order = self._compiled(quantity, d)
        args = []
        for name, comp in order:
            v = np.asarray(values[name], dtype=float)
            args.append(v if comp is None else v[(..., *comp)])
        out = fn(*args)
        if q.kind == "vector":
            parts = np.broadcast_arrays(*[np.asarray(o, dtype=float) for o in out])
            return np.stack(parts, axis=-1)
        return np.asarray(out, dtype=float)[()] if np.ndim(out) == 0 else np.asarray(out, dtype=float)

    def _substitute(self, q: Quantity, d: int, values: dict, needs):
        expr = self._expr(q.name, d)
        s = SymbolContext(self, d)
        subs = {}
        for name in needs:
            if name == "d":
                continue
            p = self.parameters[name]
            v = values[name]
            sym = getattr(s, name)
            if p.kind in ("scalar", "choice"):
                subs[sym] = sp.Symbol(v) if isinstance(v, str) else sp.sympify(v)
            elif p.kind == "vector":
                for k, val in enumerate(v):
                    subs[sym.symbols[k]] = sp.sympify(val)
            else:
                for a in range(d):
                    for b in range(d):
                        subs[sym[a + 1, b + 1]] = sp.sympify(v[a][b])
        options = {str(o) for p in self.parameters.values() if p.kind == "choice"
                   for c in p.constraints for o in getattr(c, "options", ())}
        if options:  # a choice made concrete: decide Eq(schedule, 'cosine')-style branches
            expr = expr.xreplace(subs).replace(
                lambda e: isinstance(e, sp.Eq) and all(isinstance(a, sp.Symbol) and a.name in options for a in e.args),
                lambda e: sp.true if e.args[0] == e.args[1] else sp.false)
            return expr
        # Returned as substituted, unsimplified: canonical forms (cancel, simplify) cost seconds to minutes
        # at d >= 3 with symbolic eigenvalues; call sympy.simplify / sympy.cancel on the result as needed.
        return expr.xreplace(subs)

    def function(self, quantity: str):
        """A fast callable `f(**values)` of a scalar quantity of a dimension-free result, for inner loops (a fit's
        objective): the compiled expression, without validation. Validate the values once with `bind` or
        `evaluate`; a value outside the constraints gives whatever NumPy gives."""
        q = self.quantity(quantity)
        if self.dimensional or q.kind != "scalar":
            from .._errors import UsageError

            raise UsageError(f"{self.id}.function({quantity!r}): only scalar quantities of dimension-free results "
                             "compile to a plain function; use evaluate()", parameter="quantity")
        if q.numeric is not None:
            names = self.needs(quantity)
            return lambda **v: q.numeric(**{n: np.asarray(v[n], dtype=float) for n in names})
        fn, order = self._compiled(quantity, None)
        return lambda **v: fn(*[np.asarray(v[name], dtype=float) for name, _ in order])

    @functools.lru_cache(maxsize=None)  # noqa: B019 - results live as long as the registry
    def _compiled(self, quantity: str, d: int):
        expr = self._expr(quantity, d)
        s = SymbolContext(self, d)
        order, syms = [], []
        for name in self.needs(quantity):
            if name == "d":
                continue
            p = self.parameters[name]
            sym = getattr(s, name)
            if p.kind == "scalar":
                order.append((name, None))
                syms.append(sym)
            elif p.kind == "vector":
                for k in range(d):
                    order.append((name, (k,)))
                    syms.append(sym.symbols[k])
            else:
                for a in range(d):
                    for b in range(d):
                        order.append((name, (a, b)))
                        syms.append(sym[a + 1, b + 1])
        target = list(expr) if self.quantity(quantity).kind == "vector" else expr
        fn = sp.lambdify(syms, target, modules="numpy", cse=True)
        return fn, tuple(order)

    # ----------------------------------------------------------------- display
    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "reference": self.reference.to_dict(),
            "quantities": list(self.quantities),
        }

    def describe_parameters(self) -> dict:
        out = {}
        for p in self.parameters.values():
            out[p.name] = {
                "kind": p.kind,
                "constraint": p.describe(),
                "description": p.description,
                "assumption": p.assumption,
                "default": p.default_doc or None,
            }
        return out

    def __repr__(self) -> str:
        qs = ", ".join(self.quantities)
        return f"<Result {self.id}: {self.title} [{self.reference.short()}]; quantities: {qs}>"

    def _repr_latex_(self) -> str:
        rows = []
        for name, q in self.quantities.items():
            lhs = rf"\mathrm{{{name}}}" + ("_i" if q.kind == "vector" else "")
            rows.append(rf"{lhs} &= {self.latex(name)}")
        return r"$\begin{aligned}" + r"\\ ".join(rows) + r"\end{aligned}$"


def _short(value) -> str:
    text = repr(np.asarray(value).tolist() if isinstance(value, (np.ndarray, np.generic)) else value)
    return text if len(text) <= 40 else text[:37] + "..."


def _symbolic(value) -> bool:
    if isinstance(value, sp.Basic):
        return not value.is_number
    if isinstance(value, (list, tuple)):
        return any(_symbolic(v) for v in value)
    return False


def _numeric_env(values: dict) -> dict:
    """Values other constraints may refer to (d, and e.g. r for a gap condition at rank r)."""
    return dict(values)


def _eigen(Lambda, result_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (largest first) and eigenvectors of a symmetric positive-definite covariance."""
    L = np.asarray(Lambda, dtype=float)
    if L.ndim < 2 or L.shape[-1] != L.shape[-2] or not np.all(np.isfinite(L)) or not np.allclose(L, np.swapaxes(L, -1, -2)):
        raise InvalidParameterError(
            f"The 'Lambda' parameter of {result_id} must be a symmetric positive-definite matrix "
            f"(the input covariance). Got an array of shape {L.shape} that is not finite and symmetric.",
            parameter="Lambda", result=result_id)
    ev, U = np.linalg.eigh(L)
    ev, U = ev[..., ::-1], U[..., ::-1]
    if np.any(ev <= 0):
        raise InvalidParameterError(
            f"The 'Lambda' parameter of {result_id} must be a symmetric positive-definite matrix "
            f"(the input covariance). Got eigenvalues {ev.tolist()}.",
            parameter="Lambda", result=result_id)
    return ev, U
