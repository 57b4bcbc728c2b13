"""Identities and limits of Lu et al.'s (2025) asymptotic ICL errors, and the cross-paper linear-attention optimum.

Closed form against closed form in float64. A limit is compared at a large (or small) parameter P with a
truncation tolerance measured from two points of the limit sequence, 3 |f(P) - f(P/10)| (componentwise max),
which bounds the remaining error when the sequence converges at least geometrically per decade. Both sides of
an identity are predictions where the second is perturbable (declared in `also=`), so perturbing either fails it.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from ... import theory
from .. import rules
from .._check import check

LU, FIX = "lu2025.icl_asymptotics", "zhang2024.preconditioner_risk"
INF = math.inf

PAPER_LU = {"alpha": 2.0, "kappa": 1.0, "tau": 2.0, "rho": 0.1}  # the dossier's main simulated setting

_TRUNC = "limit evaluated at a large parameter; tolerance 3|f(P) - f(P/10)| (truncation, componentwise max) + 1e-12"
_FLOAT = "closed form against closed form in float64; tolerance {} relative to the measured side (round-off)"


def _trunc(p_near, p_far) -> float:
    """Truncation tolerance of a limit: 3 |f(P) - f(10 P)| (max over components) plus float round-off."""
    return 3 * float(np.max(np.abs(np.asarray(p_far, float) - np.asarray(p_near, float)))) + 1e-12


def _limit(predicted, measured, tol, **kw) -> rules.Comparison:
    """max_i |measured_i - predicted_i| <= tol (one truncation tolerance for every component)."""
    return rules.componentwise(predicted, measured, parts={"truncation (3|f(P) - f(P/10)|)": tol}, **kw)


def _float(predicted, measured, rel: float = 1e-10, **kw) -> rules.Comparison:
    return rules.value(predicted, measured, parts={f"float ({rel:g} relative)": rules.float_part(measured, rel)}, **kw)


# ------------------------------------------------------------------------------------------------ strategies
def _log(lo, hi):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


def _tau_away(lo=0.05, hi=20.0, gap=0.1):
    return st.one_of(_log(lo, 1 - gap), _log(1 + gap, hi))


_LU_PARAMS = st.fixed_dictionaries({"alpha": _log(0.2, 20), "kappa": st.one_of(_log(0.05, 20), st.just(INF)),
                                    "tau": _tau_away(), "rho": st.floats(0, 2)})

# kappa < 1 only: above the transition the limit is 0, where a relative error cannot be resolved
# (tests/test_asym.py asserts g_task -> 0 there)
_SMALL_KAPPA = st.fixed_dictionaries({"kappa": _log(0.05, 0.8), "rho": st.floats(0, 1),
                                      "c": st.one_of(st.just(0.2), _log(0.5, 1e3))})


@st.composite
def _slope_params(draw):
    tau = draw(_tau_away(0.2, 10.0, 0.3))
    kappa = draw(_log(0.05, 0.7 * min(tau, 1.0)))
    return {"kappa": kappa, "tau": tau, "rho": draw(st.floats(0.05, 2))}


_LSA_PARAMS = st.fixed_dictionaries({"d": st.integers(1, 6), "N": st.integers(1, 200), "rho": st.floats(0, 3)})


# ------------------------------------------------------------------------------------------------ identities
@functools.cache
def _ridgeless_expressions():
    """Result 1 and the ridgeless e_idg as NumPy functions of (alpha, kappa, tau, rho), from the SymPy forms at lam = 0."""
    res = theory.get(LU)
    syms = [sp.Symbol(n, **res.parameters[n].symbol_assumptions) for n in ("alpha", "kappa", "tau", "rho")]
    lam = sp.Symbol("lambda", nonnegative=True)
    return tuple(sp.lambdify(syms, res.expr(q).subs(lam, 0), modules="numpy") for q in ("e_icl", "e_idg"))


@check(result=LU, quantity="e_icl", name="ridgeless_closed_form", rule="value", strategy=_LU_PARAMS,
       examples=[PAPER_LU, {**PAPER_LU, "tau": 0.5}, {**PAPER_LU, "kappa": INF, "tau": 0.5}], also=["e_idg"],
       cost="cheap", method=_FLOAT.format("1e-9"))
def ridgeless_closed_form(p, ctx):
    """Result 1 and the ridgeless e_idg (the authors' closed forms, lambdified from SymPy) equal the unified
    bracketed solver at lam = 0."""
    kw = dict(alpha=p["alpha"], kappa=p["kappa"], tau=p["tau"], rho=p["rho"], lam=0.0)
    pred = [float(ctx.predict(**kw)), float(ctx.predict_also("e_idg", **kw))]
    with np.errstate(all="ignore"):
        meas = [float(f(p["alpha"], p["kappa"], p["tau"], p["rho"])) for f in _ridgeless_expressions()]
    return _float(pred, meas, 1e-9, diagnostics={"note": "Result-1 closed forms (code) vs the unified bracketed solver",
                                                 "order": ["e_icl", "e_idg"]})


@check(result=LU, quantity="e_icl", name="trivial_limits", rule="componentwise", strategy=_LU_PARAMS,
       examples=[PAPER_LU], also=["e_idg"], cost="cheap", method=_TRUNC)
def trivial_limits(p, ctx):
    """tau -> 0 (tau = 1e-7) or lam -> oo (lam = 1e8) give Gamma = 0: e_icl = e_idg = 1 + rho."""
    kw = dict(alpha=p["alpha"], kappa=p["kappa"], rho=p["rho"])

    def at(tau, lam):
        return [float(ctx.predict(tau=tau, lam=lam, **kw)), float(ctx.predict_also("e_idg", tau=tau, lam=lam, **kw))]

    near = at(1e-7, 0.0) + at(2.0, 1e8)
    far = at(1e-6, 0.0) + at(2.0, 1e7)
    return _limit(near, [1 + p["rho"]] * 4, _trunc(near, far),
                  diagnostics={"order": "(e_icl, e_idg) at tau = 1e-7, then at lam = 1e8"})


@check(result=LU, quantity="e_icl_tau_inf", name="tau_inf_limit", rule="componentwise", strategy=_LU_PARAMS,
       examples=[PAPER_LU], also=["e_idg_tau_inf", "e_icl", "e_idg"], cost="cheap", method=_TRUNC)
def tau_inf_limit(p, ctx):
    """e_icl(tau), e_idg(tau) at lam = 0 tend to the tau = oo closed forms (tau = 1e7 against 1e6)."""
    kw = dict(alpha=p["alpha"], kappa=p["kappa"], rho=p["rho"])
    pred = [float(ctx.predict(**kw)), float(ctx.predict_also("e_idg_tau_inf", **kw))]
    near = [float(ctx.predict_also(q, tau=1e7, lam=0.0, **kw)) for q in ("e_icl", "e_idg")]
    far = [float(ctx.predict_also(q, tau=1e6, lam=0.0, **kw)) for q in ("e_icl", "e_idg")]
    return _limit(pred, near, _trunc(near, far))


@check(result=LU, quantity="e_icl_tau_inf", name="unlimited_diversity", rule="value", strategy=_LU_PARAMS,
       examples=[PAPER_LU], also=["e_idg_tau_inf"], cost="cheap", method=_FLOAT.format("1e-10"))
def unlimited_diversity(p, ctx):
    """kappa = oo, tau = oo: e_icl = e_idg = rho + q/(1+q), q = (1+rho)/alpha."""
    kw = dict(alpha=p["alpha"], kappa=INF, rho=p["rho"])
    q = (1 + p["rho"]) / p["alpha"]
    pred = [float(ctx.predict(**kw)), float(ctx.predict_also("e_idg_tau_inf", **kw))]
    return _float(pred, [p["rho"] + q / (1 + q)] * 2)


@check(result=LU, quantity="g_task", name="task_diversity_transition", rule="value", strategy=_SMALL_KAPPA,
       examples=[{"kappa": 0.2, "rho": 0.01, "c": 0.2}, {"kappa": 0.5, "rho": 0.01, "c": 0.2},
                 {"kappa": 0.8, "rho": 0.01, "c": 100.0}], cost="cheap", method=_TRUNC)
def task_diversity_transition(p, ctx):
    """g_task -> (1 - kappa)_+ (1 + rho/(c(1+rho))) along tau = c alpha, alpha -> oo (dossier §1.7.5, DERIVED);
    c -> oo recovers (1 - kappa)_+, the memorisation/generalisation transition at kappa = 1."""
    c = p["c"]
    kw = dict(kappa=p["kappa"], rho=p["rho"], lam=0.0)
    near = float(ctx.predict(alpha=1e6, tau=c * 1e6, **kw))
    far = float(ctx.predict(alpha=1e5, tau=c * 1e5, **kw))
    limit = max(0.0, 1 - p["kappa"]) * (1 + p["rho"] / (c * (1 + p["rho"])))
    tol = _trunc(near, far)
    return rules.value(near, limit, parts={"truncation (3|f(P) - f(P/10)|)": tol},
                       diagnostics={"path": f"tau = {c} alpha, alpha -> oo"})


@check(result=LU, quantity="alpha_slope", name="alpha_slope", rule="value", strategy=_slope_params(),
       examples=[{"kappa": 0.25, "tau": 20.0, "rho": 0.5}], also=["e_icl"], cost="cheap", method=_TRUNC)
def alpha_slope(p, ctx):
    """e_icl grows linearly in alpha with the stated slope when kappa < min(tau, 1): the finite difference
    (e_icl(2A) - e_icl(A))/A at A = 1e6 (against A = 1e5)."""
    kw = dict(kappa=p["kappa"], tau=p["tau"], rho=p["rho"], lam=0.0)

    def fd(A):
        return (float(ctx.predict_also("e_icl", alpha=2 * A, **kw)) - float(ctx.predict_also("e_icl", alpha=A, **kw))) / A

    near, far = fd(1e6), fd(1e5)
    tol = _trunc(near, far)
    return rules.value(float(ctx.predict(kappa=p["kappa"], tau=p["tau"], rho=p["rho"])), near,
                       parts={"truncation (3|f(P) - f(P/10)|)": tol})


@check(result=LU, quantity="e_icl", name="double_descent_pole", rule="value", strategy=_LU_PARAMS,
       examples=[PAPER_LU], cost="cheap", method=_TRUNC)
def double_descent_pole(p, ctx):
    """(tau - 1) e_icl -> m*(1+q)(q + rho - q^2 m*) > 0 as tau -> 1+ (dossier §1.7.1, DERIVED): the divergence at
    tau = 1."""
    a, k, rho = p["alpha"], p["kappa"], p["rho"]
    q = (1 + rho) / a
    m = float(theory.get(LU).evaluate("M_kappa", kappa=k, x=q))  # set-up: the resolvent, not a compared side
    coef = m * (1 + q) * (q + rho - q * q * m)
    near = 1e-7 * float(ctx.predict(alpha=a, kappa=k, tau=1 + 1e-7, rho=rho, lam=0.0))
    far = 1e-6 * float(ctx.predict(alpha=a, kappa=k, tau=1 + 1e-6, rho=rho, lam=0.0))
    tol = _trunc(near, far)
    return rules.value(near, coef, parts={"truncation (3|f(P) - f(P/10)|)": tol})


@check(result=LU, quantity="e_icl_tau_inf", name="lsa_optimum", rule="value", strategy=_LSA_PARAMS,
       examples=[{"d": 5, "N": 20, "rho": 0.1}], also=[f"{FIX}:risk"], cost="cheap", method=_FLOAT.format("1e-10"))
def lsa_optimum(p, ctx):
    """Cross-paper: the linear-attention optimum at Lambda = I/d, N = M = alpha d, label noise rho
    (zhang2024.preconditioner_risk minimised over A = g d I) equals Lu et al.'s unlimited-diversity, infinite-data
    e_icl at noise rho' = rho + 1/d, minus rho', at every d. For A = g d I the fixed-A risk is g^2 (1 + q') - 2g + 1
    with q' = (1 + rho')/alpha, minimised at g* = 1/(1+q') with value q'/(1+q')."""
    d, N, rho = p["d"], p["N"], p["rho"]
    alpha = N / d
    rho_p = rho + 1 / d
    lu = float(ctx.predict(alpha=alpha, kappa=INF, rho=rho_p)) - rho_p
    g = 1 / (1 + (1 + rho_p) / alpha)
    lam = [1 / d] * d

    def risk(gg):
        return float(ctx.predict_also(f"{FIX}:risk", A=(gg * d * np.eye(d)).tolist(), lam=lam, M=N, sigma2=rho))

    at = risk(g)
    best = min(at, risk(g * 0.99), risk(g * 1.01))
    return _float([lu, lu], [at, best], diagnostics={"g_star": g, "note": "second entry: min over g*(1 +- 1%)"})
