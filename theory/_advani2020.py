"""Advani, Saxe (and Sompolinsky): generalization dynamics of a linear student trained by gradient descent.

Convention encoded (DERIVED; the paper body was not reachable, so its normalisation is UNVERIFIED —
dossier asymptotic_icl.md §2.2): teacher y = w_bar . x + eps with x_i ~ N(0, 1/N), w_bar_i ~ N(0, sigma_w2),
eps ~ N(0, sigma_eps2); P = alpha N examples; student w(0)_i ~ N(0, sigma_w0_2), trained by gradient flow
dw/dt = X^T (y - X w) on the sum of squares (time constant 1), or by gradient descent with step eta,
w <- w + eta X^T (y - X w), at time t = eta * steps. SNR = sigma_w2 / sigma_eps2.
E_g(t) = ||w(t) - w_bar||^2 / N + sigma_eps2 (the test error on a noisy label: it includes the noise
floor, as the paper's Fig. 1 "oracle" error suggests), E_t(t) = ||y - X w(t)||^2 / P.

Mode by mode in the eigenbasis of X^T X (Marchenko-Pastur spectrum, lambda_pm = (1 +- sqrt(alpha))^2,
mass (1 - alpha)_+ at 0 — the frozen subspace) the error decays as e^{-lambda t} (or (1 - eta lambda)^(t/eta)):

  E_g(t) = int rho(l) [(sigma_w2 + sigma_w0_2) f(l)^2 + sigma_eps2 (1 - f(l))^2 / l] dl + sigma_eps2,
  E_t(t) = (1/alpha) int_{l>0} rho(l) f(l)^2 [sigma_eps2 + l (sigma_w2 + sigma_w0_2)] dl + sigma_eps2 (1 - 1/alpha)_+.

Numerics: the integrals by Gauss-Legendre quadrature in theta with l = 1 + alpha + 2 sqrt(alpha) cos(theta),
which removes the square-root edges (exponential convergence); the t -> oo limits and the Bayes error in
closed form; t_opt by a log-grid search refined by golden section.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ._constraints import Constraint, Real, StableStep
from ._reference import Reference
from ._result import Parameter, Quantity, Result

REFERENCE = Reference(
    authors=("Madhu S. Advani", "Andrew M. Saxe", "Haim Sompolinsky"),
    title="High-dimensional dynamics of generalization error in neural networks",
    venue="Neural Networks 132, 428-446 (2020)",
    year=2020,
    arxiv="1710.03667",
    where="Section 2 (linear student, Marchenko-Pastur learning curves; exact E_g is eq. (4) of the journal "
          "version per its Fig. 1 caption); formulas re-derived, normalisation UNVERIFIED",
)

_NODES = 512
_X, _W = np.polynomial.legendre.leggauss(_NODES)
_THETA = 0.5 * np.pi * (_X + 1)  # theta in (0, pi)
_WTH = 0.5 * np.pi * _W


def _mp_nodes(alpha):
    """Quadrature nodes l (..., n) and weights w (..., n) of the continuous MP part: sum w g(l) = int rho_c g."""
    a = np.asarray(alpha, float)[..., None]
    h = 2 * np.sqrt(a)
    lam = 1 + a + h * np.cos(_THETA)
    lam = np.maximum(lam, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(lam > 0, h * h * np.sin(_THETA) ** 2 / (2 * np.pi * lam), 0.0) * _WTH
    return lam, w


def _filter(lam, t, eta):
    """The fraction of a mode's initial error left at time t: e^{-l t}, or (1 - eta l)^(t/eta) for GD."""
    t, eta = np.asarray(t, float)[..., None], np.asarray(eta, float)[..., None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gd = np.sign(1 - eta * lam) ** np.round(t / np.where(eta > 0, eta, 1.0)) * np.abs(1 - eta * lam) ** (
            t / np.where(eta > 0, eta, 1.0))
        return np.where(eta > 0, gd, np.exp(-lam * np.where(np.isinf(t), np.inf, t)))


def E_g_num(alpha, sigma_w2, sigma_eps2, sigma_w0_2, t, eta):
    alpha, sigma_w2, sigma_eps2, sigma_w0_2, t, eta = np.broadcast_arrays(
        *(np.asarray(v, float) for v in (alpha, sigma_w2, sigma_eps2, sigma_w0_2, t, eta)))
    lam, w = _mp_nodes(alpha)
    f = _filter(lam, t, eta)
    init = (sigma_w2 + sigma_w0_2)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        noise = np.where(lam > 0, (1 - f) ** 2 / lam, 0.0)
    cont = (w * (init * f ** 2 + sigma_eps2[..., None] * noise)).sum(-1)
    return cont + np.maximum(0.0, 1 - alpha) * (sigma_w2 + sigma_w0_2) + sigma_eps2


def E_t_num(alpha, sigma_w2, sigma_eps2, sigma_w0_2, t, eta):
    alpha, sigma_w2, sigma_eps2, sigma_w0_2, t, eta = np.broadcast_arrays(
        *(np.asarray(v, float) for v in (alpha, sigma_w2, sigma_eps2, sigma_w0_2, t, eta)))
    lam, w = _mp_nodes(alpha)
    f = _filter(lam, t, eta)
    cont = (w * f ** 2 * (sigma_eps2[..., None] + lam * (sigma_w2 + sigma_w0_2)[..., None])).sum(-1)
    return cont / alpha + sigma_eps2 * np.maximum(0.0, 1 - 1 / alpha)


def E_g_inf_num(alpha, sigma_w2, sigma_eps2, sigma_w0_2):
    alpha, sigma_w2, sigma_eps2, sigma_w0_2 = np.broadcast_arrays(
        *(np.asarray(v, float) for v in (alpha, sigma_w2, sigma_eps2, sigma_w0_2)))
    with np.errstate(divide="ignore", invalid="ignore"):
        above = sigma_eps2 * alpha / (alpha - 1)
        below = (1 - alpha) * (sigma_w2 + sigma_w0_2) + sigma_eps2 / (1 - alpha)
    out = np.where(alpha > 1, above, below)
    return np.where(alpha == 1, np.where(sigma_eps2 > 0, np.inf, 0.0), out)


def E_t_inf_num(alpha, sigma_eps2):
    alpha, sigma_eps2 = np.broadcast_arrays(np.asarray(alpha, float), np.asarray(sigma_eps2, float))
    return sigma_eps2 * np.maximum(0.0, 1 - 1 / alpha)


def G_num(gamma, alpha):
    """G(gamma; alpha) = int rho_MP(l) / (l + gamma) dl, stable when gamma + alpha - 1 < 0."""
    gamma, alpha = np.broadcast_arrays(np.asarray(gamma, float), np.asarray(alpha, float))
    a = gamma + alpha - 1
    disc = np.sqrt(a * a + 4 * gamma)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a >= 0, 2 / (a + disc), (disc - a) / (2 * gamma))


def E_bayes_num(alpha, sigma_w2, sigma_eps2):
    sigma_eps2 = np.asarray(sigma_eps2, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = sigma_eps2 * (1 + G_num(sigma_eps2 / np.asarray(sigma_w2, float), alpha))
    return np.where(sigma_eps2 > 0, out, 0.0)


def t_opt_num(alpha, sigma_w2, sigma_eps2, sigma_w0_2, eta):
    """argmin_t E_g(t): a 241-point log grid on [1e-3, 1e5], then golden section in log t on the bracketing cells.

    Returns inf without label noise (E_g decreases for all t: no overtraining).
    """
    args = np.broadcast_arrays(*(np.asarray(v, float) for v in (alpha, sigma_w2, sigma_eps2, sigma_w0_2, eta)))
    alpha, sigma_w2, sigma_eps2, sigma_w0_2, eta = args
    grid = np.logspace(-3, 5, 241)
    shape = alpha.shape
    vals = E_g_num(alpha[..., None], sigma_w2[..., None], sigma_eps2[..., None], sigma_w0_2[..., None], grid,
                   eta[..., None])
    k = np.argmin(vals, axis=-1)
    lo = np.log(grid[np.maximum(k - 1, 0)])
    hi = np.log(grid[np.minimum(k + 1, len(grid) - 1)])
    g = (np.sqrt(5) - 1) / 2

    def f(logt):
        return E_g_num(alpha, sigma_w2, sigma_eps2, sigma_w0_2, np.exp(logt), eta)

    for _ in range(60):
        x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
        left = f(x1) <= f(x2)
        lo, hi = np.where(left, lo, x1), np.where(left, x2, hi)
    t = np.exp(0.5 * (lo + hi))
    # Without label noise every mode's error decreases monotonically: no finite optimum (t_opt = oo). With noise
    # each mode has an interior optimum e^{-l t} = s2e/(l (s2w + s2w0) + s2e), so E_g has a finite minimiser.
    return np.where((sigma_eps2 <= 0) | (k >= len(grid) - 1), np.inf, t).reshape(shape)


# ------------------------------------------------------------------------------------ symbolic forms
L = sp.Symbol("lambda", positive=True)


def _alpha_pm(s):
    return (1 - sp.sqrt(s.alpha)) ** 2, (1 + sp.sqrt(s.alpha)) ** 2


def _rho_c(s):
    lo, hi = _alpha_pm(s)
    return sp.sqrt((hi - L) * (L - lo)) / (2 * sp.pi * L)


def _f_sym(s):
    return sp.Piecewise((sp.exp(-L * s.t), sp.Eq(s.eta, 0)), ((1 - s.eta * L) ** (s.t / s.eta), True))


def E_g_expr(s):
    lo, hi = _alpha_pm(s)
    f = _f_sym(s)
    init = s.sigma_w2 + s.sigma_w0_2
    integrand = _rho_c(s) * (init * f ** 2 + s.sigma_eps2 * (1 - f) ** 2 / L)
    return sp.Integral(integrand, (L, lo, hi)) + sp.Max(0, 1 - s.alpha) * init + s.sigma_eps2


def E_t_expr(s):
    lo, hi = _alpha_pm(s)
    f = _f_sym(s)
    integrand = _rho_c(s) * f ** 2 * (s.sigma_eps2 + L * (s.sigma_w2 + s.sigma_w0_2))
    return sp.Integral(integrand, (L, lo, hi)) / s.alpha + s.sigma_eps2 * sp.Max(0, 1 - 1 / s.alpha)


def E_g_inf_expr(s):
    init = s.sigma_w2 + s.sigma_w0_2
    return sp.Piecewise((s.sigma_eps2 * s.alpha / (s.alpha - 1), s.alpha > 1),
                        ((1 - s.alpha) * init + s.sigma_eps2 / (1 - s.alpha), s.alpha < 1), (sp.oo, True))


def E_t_inf_expr(s):
    return s.sigma_eps2 * sp.Max(0, 1 - 1 / s.alpha)


def G_expr(gamma, alpha):
    a = gamma + alpha - 1
    return 2 / (a + sp.sqrt(a ** 2 + 4 * gamma))


def E_bayes_expr(s):
    return s.sigma_eps2 * (1 + G_expr(s.sigma_eps2 / s.sigma_w2, s.alpha))


T_OPT = sp.Symbol("t_opt", positive=True)


def t_opt_expr(s):
    return T_OPT


def _t_opt_condition(s):
    return [sp.Eq(T_OPT, sp.Function("argmin")(E_g_expr(s)))]


class _SnrConsistent(Constraint):
    """snr must equal sigma_w2 / sigma_eps2 when all three are given."""

    def describe(self) -> str:
        return "equal to sigma_w2 / sigma_eps2 when both are given"

    def refs(self):
        return ("sigma_w2", "sigma_eps2")

    @staticmethod
    def _ratio(env):
        """sigma_w2 / sigma_eps2 (sigma_w2 defaults to 1), or None when sigma_eps2 is not a given number."""
        try:
            w2, e2 = float(env.get("sigma_w2", 1.0)), float(env["sigma_eps2"])
        except (KeyError, TypeError, ValueError):
            return None
        return w2 / e2 if e2 > 0 else float("inf")

    def check(self, value, env):
        if "sigma_eps2" not in env or "sigma_w2" not in env:
            return None
        try:
            snr, w2, e2 = (np.asarray(v, float) for v in (value, env["sigma_w2"], env["sigma_eps2"]))
        except (TypeError, ValueError):
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(e2 > 0, w2 / np.where(e2 > 0, e2, 1), np.inf)
            same = (snr == ratio) | (np.abs(snr - ratio) <= 1e-9 * np.abs(ratio))
        return None if np.all(same) else "it differs from sigma_w2 / sigma_eps2"

    def invalid(self, env):
        ratio = self._ratio(env) if "sigma_w2" in env else None
        return [] if ratio is None else [2.0 * ratio if np.isfinite(ratio) else 1.0]

    def example(self, env):
        ratio = self._ratio(env)
        return 1.0 if ratio is None else ratio

    def strategy(self, env, **narrow):
        from hypothesis import strategies as st

        ratio = self._ratio(env)
        return st.floats(1e-3, 1e3) if ratio is None else st.just(ratio)


def _eps_default(v):
    if "snr" not in v:
        raise KeyError("snr")
    with np.errstate(divide="ignore"):
        return np.asarray(v.get("sigma_w2", 1.0), float) / np.asarray(v["snr"], float)


def _snr_default(v):
    if "sigma_eps2" not in v:
        raise KeyError("sigma_eps2")
    e2 = np.asarray(v["sigma_eps2"], float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(e2 > 0, np.asarray(v.get("sigma_w2", 1.0), float) / np.where(e2 > 0, e2, 1), np.inf)


_A = "the high-dimensional limit N -> oo with alpha = P/N fixed; x_i ~ N(0, 1/N) (convention of this encoding)"
_V = ("alpha", "sigma_w2", "sigma_eps2", "sigma_w0_2")

RESULT = Result(
    id="advani2020.gd_learning_curves",
    title="Generalization and training error of a linear student under gradient descent (Marchenko-Pastur)",
    reference=REFERENCE,
    parameters=[
        Parameter("alpha", "scalar", (Real(0.0, lo_open=True),), "samples per parameter alpha = P/N", _A,
                  latex="alpha"),
        Parameter("sigma_w2", "scalar", (Real(0.0, lo_open=True),), "teacher weight variance", _A,
                  latex="sigma_w^2", default=lambda v: 1.0, default_doc="1"),
        Parameter("snr", "scalar", (Real(0.0, lo_open=True, allow_inf=True), _SnrConsistent()),
                  "signal-to-noise ratio sigma_w2 / sigma_eps2 (an alternative to giving sigma_eps2)", _A,
                  latex="SNR", default=_snr_default,
                  default_doc="sigma_w2 / sigma_eps2"),
        Parameter("sigma_eps2", "scalar", (Real(0.0),), "teacher label-noise variance", _A,
                  latex="sigma_epsilon^2", default=_eps_default,
                  default_doc="sigma_w2 / snr"),
        Parameter("sigma_w0_2", "scalar", (Real(0.0),), "variance of the student's initial weights", _A,
                  latex="sigma^2_w0", default=lambda v: 0.0,
                  default_doc="0"),
        Parameter("t", "scalar", (Real(0.0, allow_inf=True),), "training time (gradient flow, unit time constant; "
                  "= eta * steps for gradient descent)", "gradient flow dw/dt = X^T (y - X w)"),
        Parameter("eta", "scalar", (StableStep(),), "gradient-descent step (0 = gradient flow)",
                  "full-batch gradient descent w <- w + eta X^T (y - X w), stable for eta < 2/(1+sqrt(alpha))^2",
                  latex="eta", default=lambda v: 0.0, default_doc="0"),
    ],
    quantities=[
        Quantity("E_g", E_g_expr, "generalization error ||w(t) - w_bar||^2/N + sigma_eps2 at time t", "DERIVED",
                 numeric=E_g_num, args=_V + ("t", "eta")),
        Quantity("E_t", E_t_expr, "training error ||y - X w(t)||^2 / P at time t", "DERIVED",
                 numeric=E_t_num, args=_V + ("t", "eta")),
        Quantity("E_g_inf", E_g_inf_expr, "E_g as t -> oo: sigma_eps2 alpha/(alpha-1) for alpha > 1, "
                 "(1-alpha)(sigma_w2+sigma_w0_2) + sigma_eps2/(1-alpha) for alpha < 1; infinite at alpha = 1 "
                 "(the overtraining peak)", "DERIVED", numeric=E_g_inf_num, args=_V),
        Quantity("E_t_inf", E_t_inf_expr, "E_t as t -> oo: sigma_eps2 (1 - 1/alpha)_+", "DERIVED",
                 numeric=E_t_inf_num, args=("alpha", "sigma_eps2")),
        Quantity("E_bayes", E_bayes_expr, "Bayes-optimal (ridge with penalty sigma_eps2/sigma_w2) generalization "
                 "error sigma_eps2 [1 + G(1/SNR; alpha)], G the Marchenko-Pastur Stieltjes transform", "DERIVED",
                 numeric=E_bayes_num, args=("alpha", "sigma_w2", "sigma_eps2")),
        Quantity("t_opt", t_opt_expr, "optimal early-stopping time argmin_t E_g(t) (oo when E_g never rises)",
                 "DERIVED", numeric=t_opt_num, args=_V + ("eta",), conditions=_t_opt_condition),
    ],
    notes="Re-derived in the setting the abstract describes and checked against simulation; the paper's own "
          "normalisation (input variance, time unit, whether E_g includes the noise floor) is UNVERIFIED.",
    keywords=("learning curve", "gradient descent", "early stopping", "double descent", "random matrix",
              "Marchenko-Pastur", "overtraining", "linear regression"),
    dimensional=False,
)
