"""Tissue, Wang, Wang (2024): a scaling law for the loss curve with learning-rate annealing.

    L(s) = L0 + A S1(s)^(-alpha) - C S2(s)                                   (abstract, VERBATIM)

with eta_i the learning rate at step i (eta_0 the rate before the first step),

    S1(s) = sum_{i=1}^{s} eta_i                         forward area,
    m_i = lam m_{i-1} + (eta_{i-1} - eta_i), m_0 = 0,   S2(s) = sum_{i=1}^{s} m_i   annealing area,

(VERBATIM-2nd: a reproduction's code; reviewers confirm the momentum form and lam, default 0.999). Unrolled
(DERIVED): S2(s) = sum_{k=1}^{s} (eta_{k-1} - eta_k) (1 - lam^{s-k+1})/(1 - lam).

Open conventions (dossier §4, UNVERIFIED; the paper body was not reachable): whether warm-up steps count in S1, and
whether m_i carries a factor (1 - lam). Encoded: no warm-up (schedules start at eta_max) and no (1 - lam) factor;
such a factor would only rescale the fitted C.

Closed forms (DERIVED here, checked against the recursion) for s <= T, with D = eta_max - eta_min:
constant; linear decay eta_i = eta_max - D i/T; cosine eta_i = eta_min + D (1 + cos(pi i/T))/2; step decay
eta_i = eta_max gamma^floor(i/P); wsd: constant for T0 = floor((1 - frac) T) steps, then linear to eta_min.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .._errors import InvalidParameterError
from ._constraints import Choice, Integer, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result

REFERENCE = Reference(
    authors=("Howe Tissue", "Venus Wang", "Lu Wang"),
    title="Scaling Law with Learning Rate Annealing",
    venue="arXiv preprint (ICLR 2025 submission)",
    year=2024,
    arxiv="2408.11029",
    where="abstract (the law, VERBATIM); S1, S2 recursions as reproduced by third parties",
)

SCHEDULES = ("constant", "linear", "cosine", "step", "wsd")


def _geometric_sum(lam, s):
    """G(s) = sum_{j=1}^{s} (1 - lam^j)/(1 - lam)."""
    return (s - lam * (1 - lam ** s) / (1 - lam)) / (1 - lam)


def _linear(eta, D, T, lam, s):
    return eta * s - D * s * (s + 1) / (2 * T), D / T * _geometric_sum(lam, s)


def closed_forms(schedule: str, sym=None):
    """(S1, S2) of one schedule as SymPy expressions (DERIVED), in the result's symbols."""
    s, T, eta, eta_min, lam, gamma, P, frac = sym or sp.symbols("s T eta_max eta_min lambda gamma P f", positive=True)
    D = eta - eta_min
    if schedule == "constant":
        return eta * s, sp.Integer(0)
    if schedule == "linear":
        return _linear(eta, D, T, lam, s)
    if schedule == "cosine":
        th = sp.pi / T
        S1 = eta_min * s + D / 2 * (s + sp.sin(s * th / 2) * sp.cos((s + 1) * th / 2) / sp.sin(th / 2))
        q = lam * sp.exp(-sp.I * th)
        tail = sp.im(sp.exp(sp.I * (s + sp.Rational(1, 2)) * th) * q * (1 - q ** s) / (1 - q))
        S2 = D * sp.sin(th / 2) / (1 - lam) * (sp.sin(s * th / 2) ** 2 / sp.sin(th / 2) - tail)
        return S1, S2
    if schedule == "step":
        b = sp.floor(s / P)
        S1 = sp.Piecewise((eta * s, b < 1),
                          (eta * ((P - 1) + P * gamma * (1 - gamma ** (b - 1)) / (1 - gamma) + (s - b * P + 1) * gamma ** b),
                           True))
        S2 = eta * (1 - gamma) / (1 - lam) * ((1 - gamma ** b) / (1 - gamma)
                                              - lam ** (s + 1 - b * P) * (gamma ** b - lam ** (b * P)) / (gamma - lam ** P))
        return S1, S2
    if schedule == "wsd":
        T0 = sp.floor((1 - frac) * T)
        u = s - T0
        S1u, S2u = _linear(eta, D, T - T0, lam, u)
        return sp.Piecewise((eta * s, s <= T0), (eta * T0 + S1u, True)), sp.Piecewise((0, s <= T0), (S2u, True))
    raise InvalidParameterError(f"The 'schedule' parameter of tissue2024.lr_annealing_law must be one of "
                                f"{', '.join(map(repr, SCHEDULES))}. Got {schedule!r}.",
                                parameter="schedule", result="tissue2024.lr_annealing_law")


_LAW = "the annealing scaling law (fixed data, model size, warm-up, eta_max and batch size)"
_SCHED = "a learning-rate schedule without warm-up, s <= T"
_ARGS = ("s", "T", "eta_max", "eta_min", "lam", "gamma", "P", "frac")


def _symbols(s):
    return (s.s, s.T, s.eta_max, s.eta_min, s.lam, s.gamma, s.P, s.frac)


def _by_schedule(s, which):
    pieces = [(closed_forms(name, _symbols(s))[which], sp.Eq(s.schedule, sp.Symbol(name))) for name in SCHEDULES]
    return sp.Piecewise(*pieces)


_COMPILED: dict = {}


def _numeric(which, law=False):
    def f(schedule, **v):
        key = (schedule, which)
        if key not in _COMPILED:
            syms = sp.symbols("s T eta_max eta_min lambda gamma P f", positive=True)
            S1, S2 = closed_forms(schedule, syms)
            _COMPILED[(schedule, 0)] = sp.lambdify(syms, S1, "numpy")
            _COMPILED[(schedule, 1)] = sp.lambdify(syms, S2, "numpy")
        args = [np.asarray(v[a], float) for a in _ARGS]
        if not law:
            return np.real(_COMPILED[key](*args)) + 0.0 * args[0]
        S1 = np.real(_COMPILED[(schedule, 0)](*args))
        S2 = np.real(_COMPILED[(schedule, 1)](*args)) + 0.0 * S1
        return v["L0"] + v["A"] * S1 ** (-v["alpha"]) - v["C"] * S2
    return f


def _loss(s):
    return s.L0 + s.A * _by_schedule(s, 0) ** (-s.alpha) - s.C * _by_schedule(s, 1)


def _p(name, cons, desc, assumption, latex=None, default=None, doc="", **kw):
    return Parameter(name, "scalar", cons, desc, assumption, latex=latex, default=default, default_doc=doc, **kw)


RESULT = Result(
    id="tissue2024.lr_annealing_law",
    title="Scaling law with learning-rate annealing: L(s) = L0 + A S1^-alpha - C S2",
    reference=REFERENCE,
    parameters=[
        _p("L0", (Real(0.0),), "irreducible loss", _LAW, latex="L_0"),
        _p("A", (Real(0.0),), "amplitude of the forward (power-law) term", _LAW),
        _p("alpha", (Real(0.0),), "exponent of the forward area", _LAW, latex=r"\alpha"),
        _p("C", (Real(0.0),), "coefficient of the annealing area", _LAW),
        _p("area1", (Real(0.0, lo_open=True),), "forward area S1 (for the law at given areas)", _LAW, latex="S_1"),
        _p("area2", (Real(0.0),), "annealing area S2 (for the law at given areas)", _LAW, latex="S_2"),
        Parameter("schedule", "choice", (Choice(SCHEDULES),), "learning-rate schedule", _SCHED),
        # s keeps a plain positive symbol (not the integer its constraint implies): the closed forms interpolate
        # S1(s), S2(s) between steps, and integer=True would let SymPy rewrite exp(-i pi/T)**s in the cosine S2.
        _p("s", (Integer(1, "T", why="a step of the schedule"),), "training step", _SCHED,
           symbol_assumptions={"positive": True}),
        _p("T", (Integer(1),), "schedule length (total steps)", _SCHED),
        _p("eta_max", (Real(0.0, lo_open=True),), "peak (initial) learning rate", _SCHED, latex=r"\eta_{\max}"),
        _p("eta_min", (Real(0.0, "eta_max", why="the final rate of a decaying schedule"),), "final learning rate",
           _SCHED, latex=r"\eta_{\min}", default=lambda v: 0.0, doc="0"),
        _p("lam", (Real(0.0, 1.0, hi_open=True, why="the momentum decay of S2; the unrolled form divides by 1 - lam"),),
           "momentum decay of the annealing area", _LAW, latex=r"\lambda", default=lambda v: 0.999, doc="0.999"),
        _p("gamma", (Real(1e-12, 1.0, hi_open=True, why="the step schedule's decay factor"),),
           "step decay factor (schedule 'step')", _SCHED, latex=r"\gamma", default=lambda v: 0.5, doc="0.5"),
        _p("P", (Integer(1),), "step period (schedule 'step')", _SCHED,
           default=lambda v: max(1, int(v["T"]) // 4) if "T" in v and np.ndim(v["T"]) == 0 and not isinstance(
               v["T"], sp.Basic) else 1, doc="T // 4"),
        _p("frac", (Real(0.0, 1.0, lo_open=True),), "decay fraction of the wsd schedule", _SCHED, latex="f",
           default=lambda v: 0.2, doc="0.2"),
    ],
    quantities=[
        Quantity("law", lambda s: s.L0 + s.A * s.area1 ** (-s.alpha) - s.C * s.area2, "L = L0 + A S1^-alpha - C S2 at "
                 "given areas", "VERBATIM", where="abstract"),
        Quantity("S1", lambda s: _by_schedule(s, 0), "forward area sum_{i<=s} eta_i of the schedule (closed form)",
                 "DERIVED", numeric=_numeric(0), args=("schedule",) + _ARGS),
        Quantity("S2", lambda s: _by_schedule(s, 1), "annealing area sum_{i<=s} m_i of the schedule (closed form)",
                 "DERIVED", numeric=_numeric(1), args=("schedule",) + _ARGS),
        Quantity("loss", _loss, "the law along a schedule: L0 + A S1(s)^-alpha - C S2(s)", "VERBATIM",
                 where="abstract; areas DERIVED", numeric=_numeric(None, law=True),
                 args=("schedule",) + _ARGS + ("L0", "A", "alpha", "C")),
    ],
    notes="Warm-up in S1 and a (1 - lam) factor in m_i are UNVERIFIED conventions (paper body unreachable); "
          "encoded without either.",
    keywords=("scaling law", "learning rate", "annealing", "schedule", "cosine", "WSD", "loss curve"),
    dimensional=False,
)
