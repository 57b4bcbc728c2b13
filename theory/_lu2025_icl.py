"""Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (PNAS 2025): asymptotic theory of ICL by linear attention.

Reduced linear-attention model y_hat = <Gamma, H_Z>, H_Z = x_q [ (d/l) sum_i y_i x_i^T , (1/l) sum_i y_i^2 ],
ridge-trained on n pretraining contexts drawn from k tasks; x ~ N(0, I/d), tasks of norm sqrt(d), label
noise rho. Sharp asymptotics for d -> oo with alpha = l/d, kappa = k/d, tau = n/d^2 fixed.

Provenance (dossier asymptotic_icl.md §1.6): the paper body was not reachable; every formula is
transcribed from the authors' released code (mletey/incontext-cleanup, theory_runs/common.py:
`M_kappa`, `ridgeless_icl` "IMPLEMENTS RESULT 1", `ridgeless_idg`, `self_consistency`, `ridge_icl`),
hence status VERBATIM-CODE. The ridge e_IDG = tau * (-c_e) is in no source (CONJECTURE); the tau -> oo
limits and the alpha-slope are DERIVED.

Numerics: one unified evaluator. With q = (1+rho)/alpha, eps solves
    F(eps) = 1 - tau + tau*lam/eps - eps*M_kappa(q + eps) = 0,
which for lam > 0 has exactly one root, bracketed in closed form by [lam, 2(1+q)/tau + 2 lam + 1]
(F(lam) = 1 - lam M > 0 since eps M(q+eps) < 1; F < 0 at the upper end since M(x) >= 1/(1+x)); for
lam = 0 the root is eps0 = (1-tau)/(tau M_{kappa/tau}(q)) for tau < 1 and 0 for tau > 1. Then e_ICL
and -c_e follow from the ridge formula; at lam = 0 they reproduce the code's ridgeless closed forms
(checked as an identity in verify/). kappa = oo enters as r = 1/kappa = 0, with no special case.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ._constraints import Excluded, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result

REFERENCE = Reference(
    authors=("Yue M. Lu", "Mary I. Letey", "Jacob A. Zavatone-Veth", "Anindita Maiti", "Cengiz Pehlevan"),
    title="Asymptotic theory of in-context learning by linear attention",
    venue="Proceedings of the National Academy of Sciences 122(28), e2502599122",
    year=2025,
    arxiv="2405.11751",
    where="Result 1 (ridgeless e_ICL) and the ridge/IDG curves; transcribed from the authors' code "
          "mletey/incontext-cleanup@c690222 theory_runs/common.py (paper body unavailable)",
)

# ------------------------------------------------------------------------------------- symbolic forms
EPS = sp.Symbol("epsilon", positive=True)


def M_expr(kappa, x):
    """M_kappa(x) = 2 / [(x + 1 - 1/kappa) + sqrt((x + 1 - 1/kappa)^2 + 4x/kappa)] (code `M_kappa`)."""
    a = x + 1 - 1 / kappa
    return 2 / (a + sp.sqrt(a ** 2 + 4 * x / kappa))


def Mprime_expr(kappa, x):
    """M'_kappa(x) (code `S_Wishart_derivative`)."""
    a = x + 1 - 1 / kappa
    return -sp.Rational(1, 2) * M_expr(kappa, x) ** 2 * (1 + (x + 1 + 1 / kappa) / sp.sqrt(a ** 2 + 4 * x / kappa))


def _k_expr(kappa, m):
    """k = [1 - kappa (m/(kappa+m))^2]^-1, written in 1/kappa so that kappa = oo gives 1."""
    r = 1 / kappa
    return (1 + r * m) ** 2 / (1 + 2 * r * m + r * (r - 1) * m ** 2)


def _q(s):
    return (1 + s.rho) / s.alpha


def _ridge_parts(s, eps):
    q = _q(s)
    nu = q + eps
    m, mp = M_expr(s.kappa, nu), Mprime_expr(s.kappa, nu)
    c_e = (s.rho + nu - nu ** 2 * m - eps * (1 - 2 * nu * m - nu ** 2 * mp)) / (1 - 2 * eps * m - eps ** 2 * mp - s.tau)
    e = (1 + q) * (1 - 2 * nu * m - nu ** 2 * mp - c_e * (m + eps * mp)) - 2 * (1 - nu * m) + 1 + s.rho
    return e, c_e


def _ridgeless_icl(s, below: bool):
    q, rho, tau, kappa = _q(s), s.rho, s.tau, s.kappa
    if below:  # tau < 1
        mu = q * M_expr(kappa / tau, q)
        return tau * (1 + q) / (1 - tau) * (1 - tau * (1 - mu) ** 2 - (q - rho) / q * mu) - 2 * tau * (1 - mu) + 1 + rho
    m = M_expr(kappa, q)
    k = _k_expr(kappa, m)
    return ((k - 1 / (tau - 1)) * (1 + q) * (q * m) ** 2 + (3 - 2 * tau) / (tau - 1) * m * q ** 2
            + ((1 + rho) * m / (tau - 1) + 1) * q + rho * m / (tau - 1) + rho)


def _ridgeless_idg(s, below: bool):
    q, rho, tau, kappa = _q(s), s.rho, s.tau, s.kappa
    if below:
        mu = q * M_expr(kappa / tau, q)
        e0 = (1 - tau) * q / (tau * mu)
        r = 1 / kappa  # c = [1 - kappa/(1 + kappa e0/(1-tau))^2]^-1, written in r = 1/kappa (1 at kappa = oo)
        c = 1 / (1 - r / (r + e0 / (1 - tau)) ** 2)
        return tau * ((q + e0) ** 2 / e0 + (rho + q - 2 * q * (1 - tau) * (q / e0 + 1)) / (1 - tau - c * (1 - tau) ** 2))
    m = M_expr(kappa, q)
    return tau * (rho + q - q ** 2 * m) / (tau - 1)


def _branches(s, ridgeless, ridge):
    zero = sp.Eq(s.lam, 0)
    return sp.Piecewise((ridgeless(s, True), zero & (s.tau < 1)), (ridgeless(s, False), zero & (s.tau > 1)),
                        (ridge, s.lam > 0))


def e_icl_expr(s):
    return _branches(s, _ridgeless_icl, _ridge_parts(s, EPS)[0])


def e_idg_expr(s):
    return _branches(s, _ridgeless_idg, -s.tau * _ridge_parts(s, EPS)[1])


def g_task_expr(s):
    return e_icl_expr(s) - e_idg_expr(s)


def self_consistency(s):
    """The equation defining epsilon for lam > 0 (code `self_consistency`)."""
    return [sp.Eq(1 - s.tau + s.tau * s.lam / EPS - EPS * M_expr(s.kappa, _q(s) + EPS), 0)]


def e_icl_inf_expr(s):
    q = _q(s)
    m = M_expr(s.kappa, q)
    return s.rho + q - 2 * q ** 2 * m + _k_expr(s.kappa, m) * (1 + q) * q ** 2 * m ** 2


def e_idg_inf_expr(s):
    q = _q(s)
    return s.rho + q - q ** 2 * M_expr(s.kappa, q)


def alpha_slope_expr(s):
    """lim_{alpha -> oo} d e_ICL / d alpha (ridgeless): linear growth when kappa < min(tau, 1), else 0."""
    rho, tau, kappa = s.rho, s.tau, s.kappa
    above = rho * (1 - kappa) / ((1 + rho) * (tau - 1))
    below = tau * rho * (1 - kappa / tau) / ((1 - tau) * (1 + rho))
    return sp.Piecewise((below, (tau < 1) & (kappa < tau)), (above, (tau > 1) & (kappa < 1)), (0, True))


# ---------------------------------------------------------------------------------- numeric forms
def M_num(kappa, x):
    """M_kappa(x), vectorised, stable for kappa << 1 (the a < 0 branch) and kappa = inf (r = 0)."""
    kappa, x = np.broadcast_arrays(np.asarray(kappa, float), np.asarray(x, float))
    r = 1.0 / kappa
    a = x + 1.0 - r
    disc = np.sqrt(a * a + 4.0 * x * r)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = 2.0 / (a + disc)
        neg = (disc - a) / (2.0 * x * r)
    return np.where(a >= 0, pos, neg)


def Mprime_num(kappa, x):
    """M'_kappa(x) = -k M^2 with k = (1 + rM)^2 / (1 + 2rM + r(r-1)M^2): no cancellation anywhere."""
    m = M_num(kappa, x)
    r = 1.0 / np.asarray(kappa, float)
    k = (1 + r * m) ** 2 / (1 + 2 * r * m + r * (r - 1) * m * m)
    return -k * m * m


def _F(eps, q, tau, lam, kappa):
    return 1 - tau + tau * lam / eps - eps * M_num(kappa, q + eps)


def solve_eps(alpha, kappa, tau, rho, lam, iterations: int = 200):
    """The root eps of the self-consistent equation, vectorised; closed form at lam = 0.

    Bisection in log(eps) on the closed-form bracket [lam, 2(1+q)/tau + 2 lam + 1], where F is strictly
    decreasing with F(lo) > 0 > F(hi): one root, no starting guess. Stops at float resolution.
    """
    alpha, kappa, tau, rho, lam = np.broadcast_arrays(*(np.asarray(v, float) for v in (alpha, kappa, tau, rho, lam)))
    q = (1 + rho) / alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        eps0 = np.where(tau < 1, (1 - tau) / (tau * M_num(kappa / tau, q)), 0.0)
    ridge = lam > 0
    lo = np.log(np.where(ridge, lam, 1.0))
    hi = np.log(np.where(ridge, 2 * (1 + q) / tau + 2 * lam + 1, 1.0))
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        pos = _F(np.exp(mid), q, tau, lam, kappa) > 0
        lo, hi = np.where(pos, mid, lo), np.where(pos, hi, mid)
        if np.all(hi - lo <= 4e-16 * np.maximum(1.0, np.abs(hi))):
            break
    return np.where(ridge, np.exp(0.5 * (lo + hi)), eps0)


def _parts_num(alpha, kappa, tau, rho, lam):
    eps = solve_eps(alpha, kappa, tau, rho, lam)
    alpha, kappa, tau, rho, lam = np.broadcast_arrays(*(np.asarray(v, float) for v in (alpha, kappa, tau, rho, lam)))
    q = (1 + rho) / alpha
    nu = q + eps
    m, mp = M_num(kappa, nu), Mprime_num(kappa, nu)
    c_e = (rho + nu - nu ** 2 * m - eps * (1 - 2 * nu * m - nu ** 2 * mp)) / (1 - 2 * eps * m - eps ** 2 * mp - tau)
    e = (1 + q) * (1 - 2 * nu * m - nu ** 2 * mp - c_e * (m + eps * mp)) - 2 * (1 - nu * m) + 1 + rho
    return e, c_e, tau


def e_icl_num(alpha, kappa, tau, rho, lam):
    return _parts_num(alpha, kappa, tau, rho, lam)[0]


def e_idg_num(alpha, kappa, tau, rho, lam):
    _, c_e, tau = _parts_num(alpha, kappa, tau, rho, lam)
    return -tau * c_e


def g_task_num(alpha, kappa, tau, rho, lam):
    e, c_e, tau = _parts_num(alpha, kappa, tau, rho, lam)
    return e + tau * c_e


def e_icl_inf_num(alpha, kappa, rho):
    q = (1 + np.asarray(rho, float)) / np.asarray(alpha, float)
    m = M_num(kappa, q)
    return rho + q - 2 * q * q * m - Mprime_num(kappa, q) * (1 + q) * q * q  # k m^2 = -M'


def e_idg_inf_num(alpha, kappa, rho):
    q = (1 + np.asarray(rho, float)) / np.asarray(alpha, float)
    return rho + q - q * q * M_num(kappa, q)


def alpha_slope_num(kappa, tau, rho):
    kappa, tau, rho = np.broadcast_arrays(*(np.asarray(v, float) for v in (kappa, tau, rho)))
    with np.errstate(divide="ignore", invalid="ignore"):
        above = rho * (1 - kappa) / ((1 + rho) * (tau - 1))
        below = tau * rho * (1 - kappa / tau) / ((1 - tau) * (1 + rho))
    return np.where((tau < 1) & (kappa < tau), below, np.where((tau > 1) & (kappa < 1), above, 0.0))


# ------------------------------------------------------------------------------------------ result
_SCALING = "the proportional limit d -> oo with l = alpha d, k = kappa d, n = tau d^2 (abstract)"
_POS = Real(0.0, lo_open=True)
_ARGS = ("alpha", "kappa", "tau", "rho", "lam")
_TAU_ONE = Excluded(1.0, "lam", "the ridgeless error diverges at the interpolation threshold tau = 1")

RESULT = Result(
    id="lu2025.icl_asymptotics",
    title="Asymptotic ICL error of linear attention: double descent in tau, task-diversity transition in kappa",
    reference=REFERENCE,
    parameters=[
        Parameter("alpha", "scalar", (_POS,), "context length / d (l = alpha d)", _SCALING,
                  latex="alpha"),
        Parameter("kappa", "scalar", (Real(0.0, lo_open=True, allow_inf=True),),
                  "pretraining task diversity / d (k = kappa d); oo = a fresh task per context", _SCALING,
                  latex="kappa"),
        Parameter("tau", "scalar", (_POS, _TAU_ONE), "pretraining contexts / d^2 (n = tau d^2)", _SCALING,
                  latex="tau"),
        Parameter("rho", "scalar", (Real(0.0),), "label-noise variance", "Gaussian label noise of variance rho >= 0",
                  latex="rho", default=lambda v: 0, default_doc="0"),
        Parameter("lam", "scalar", (Real(0.0),), "ridge parameter (objective sum + (n/d) lam ||Gamma||_F^2); "
                  "0 = the ridgeless limit lam -> 0+", "ridge regression for Gamma with lam >= 0",
                  latex="lambda", default=lambda v: 0, default_doc="0"),
        Parameter("x", "scalar", (_POS,), "argument of the resolvent M_kappa(x)", "x > 0 (resolvent off the spectrum)"),
    ],
    quantities=[
        Quantity("M_kappa", lambda s: M_expr(s.kappa, s.x),
                 "Marchenko-Pastur resolvent lim (1/d) tr (R_k + x I)^-1 of the task second-moment matrix "
                 "R_k = (1/k) sum_j w_j w_j^T (aspect ratio 1/kappa)", "VERBATIM-CODE",
                 numeric=M_num, args=("kappa", "x"), where="code `M_kappa`"),
        Quantity("e_icl", e_icl_expr, "ICL test error on a fresh task (includes the target noise rho)",
                 "VERBATIM-CODE", numeric=e_icl_num, args=_ARGS, conditions=self_consistency,
                 where="Result 1 (ridgeless, code `ridgeless_icl`); ridge: code `ridge_icl` with `self_consistency`"),
        Quantity("e_idg", e_idg_expr, "in-distribution error on the pretraining tasks: ridgeless VERBATIM-CODE "
                 "(code `ridgeless_idg`); for lam > 0 the form tau*(-c_e) is a CONJECTURE (no source; agrees with "
                 "simulation, see verify)", "CONJECTURE", numeric=e_idg_num, args=_ARGS, conditions=self_consistency),
        Quantity("g_task", g_task_expr, "task-generalization gap e_icl - e_idg (CONJECTURE for lam > 0, through e_idg)",
                 "CONJECTURE", numeric=g_task_num, args=_ARGS, conditions=self_consistency),
        Quantity("e_icl_tau_inf", e_icl_inf_expr, "e_icl in the infinite-pretraining-data limit tau -> oo",
                 "DERIVED", numeric=e_icl_inf_num, args=("alpha", "kappa", "rho")),
        Quantity("e_idg_tau_inf", e_idg_inf_expr, "e_idg in the limit tau -> oo", "DERIVED",
                 numeric=e_idg_inf_num, args=("alpha", "kappa", "rho")),
        Quantity("alpha_slope", alpha_slope_expr, "lim_{alpha->oo} d e_icl/d alpha (ridgeless): the linear growth "
                 "of the ICL error with context length when kappa < min(tau, 1)", "DERIVED",
                 numeric=alpha_slope_num, args=("kappa", "tau", "rho")),
    ],
    notes="All formulas transcribed from the authors' code (paper body unavailable, dossier asymptotic_icl.md §0); "
          "equation numbers UNVERIFIED. q = (1+rho)/alpha. The ridge e_idg = tau*(-c_e) is a CONJECTURE.",
    keywords=("in-context learning", "linear attention", "asymptotic", "double descent", "task diversity",
              "random matrix", "ridge", "learning curve"),
    dimensional=False,
)
