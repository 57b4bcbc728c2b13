"""Hermite expansions and Gaussian constants of activations against adaptive quadrature: Demir-Dogan (NeurIPS 2025)
and Ba et al. (NeurIPS 2022).

For z ~ N(0, 1): Demir-Dogan's Hermite coefficients c_i = E[sigma He_i]/i!, the residual c*_p and the surrogate
sigma_hat_p(x, g); Ba et al.'s mu0, mu1, mu2, mu1*, the kernel lower bound ||P_{>1} f*||^2 and tau* (eq. 5.1). The
theory evaluates them by exact formulas (ReLU) or Gauss-Hermite quadrature; here each is recomputed by scipy's adaptive
quadrature split at the kinks of ReLU (0) and the truncated ReLU (1), so the two sides share only the activation's
definition. Tolerance: 1e-8 relative to the measured (quadrature) side.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
from hypothesis import strategies as st
from scipy import integrate
from scipy.optimize import minimize_scalar

from ... import theory
from ...theory import activations
from .. import rules
from .._check import check

BA, DD = "ba2022.one_step", "demir2025.mlp_icl"
QUAD_TOL = 1e-8  # relative: Gauss-Hermite (200 nodes) or closed form against adaptive scipy quadrature
_QUAD = ("closed form / Gauss-Hermite against scipy adaptive quadrature split at the kinks; tolerance 1e-8 relative "
         "to the quadrature side")


def gaussian_mean(f) -> float:
    """E_{z ~ N(0,1)} f(z) by adaptive quadrature, split at 0 and 1 (kinks of relu, truncated relu)."""
    def g(z):
        return f(z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    with warnings.catch_warnings():  # round-off notices at 1e-13 requested accuracy; 1e-8 is what is compared
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return sum(integrate.quad(g, a, b, limit=400, epsabs=1e-14, epsrel=1e-13)[0]
                   for a, b in ((-np.inf, 0.0), (0.0, 1.0), (1.0, np.inf)))


def _he(i, z):
    return np.polynomial.hermite_e.hermeval(z, [0] * i + [1])


def _quadrature_coefficients(name: str, P: int) -> tuple[list[float], float]:
    """c_0..c_P and c*_P of activation `name` by adaptive quadrature."""
    f = activations.np_activation(name)
    c = [gaussian_mean(lambda z, i=i: f(z) * _he(i, z)) / math.factorial(i) for i in range(P + 1)]
    m2 = gaussian_mean(lambda z: f(z) ** 2)
    return c, math.sqrt(max(m2 - sum(math.factorial(i) * ci ** 2 for i, ci in enumerate(c)), 0.0))


def _against_quadrature(predicted, measured, rel=QUAD_TOL, **kw) -> rules.Comparison:
    return rules.value(predicted, measured, parts={f"quadrature ({rel:.3g} relative)": rules.float_part(measured, rel)},
                       **kw)


def _nothing_relative(c: rules.Comparison, why: str) -> rules.Comparison:
    """A prediction that is 0 up to round-off is compared absolutely: no relative error of it can be resolved."""
    return replace(c, resolution=math.inf, diagnostics={**c.diagnostics, "note": why})  # prediction 0: nothing relative


# ------------------------------------------------------------------------------------------ Demir-Dogan
@check(result=DD, quantity="hermite_c", name="hermite", rule="value", also=["c_star"], cost="cheap", method=_QUAD,
       strategy=st.fixed_dictionaries({"activation": st.sampled_from(activations.ACTIVATIONS), "p": st.integers(1, 7)}),
       examples=[{"activation": "relu", "p": 6}, {"activation": "tanh", "p": 5}])
def hermite(p, ctx):
    """Hermite coefficients c_0..c_p and the residual c*_p (ReLU exact, smooth activations by Gauss-Hermite) against
    adaptive quadrature (compared as one vector: components that vanish by symmetry are ~1e-17 on both sides)."""
    a, P = p["activation"], p["p"]
    c, cstar = _quadrature_coefficients(a, P)
    pred = [float(ctx.predict(activation=a, i=i)) for i in range(P + 1)]
    pred.append(float(ctx.predict_also("c_star", activation=a, p=P)))
    return _against_quadrature(pred, c + [cstar], diagnostics={"method": "scipy.integrate.quad, split at the kinks"})


@check(result=DD, quantity="surrogate", name="surrogate", rule="value", cost="cheap",
       method=_QUAD + ", times (1 + |x|)^p (the polynomial's growth); at a zero of sigma_hat_p compared absolutely, "
              "1e-8 of the sum of |terms|",
       strategy=st.fixed_dictionaries({"activation": st.sampled_from(activations.ACTIVATIONS), "p": st.integers(1, 6),
                                       "x": st.floats(-3, 3), "g": st.floats(-2, 2)}),
       examples=[{"activation": "relu", "p": 4, "x": 0.7, "g": 0.3}])
def surrogate(p, ctx):
    """sigma_hat_p(x, g) = sum_i c_i He_i(x) + c*_p g against its definition from quadrature coefficients."""
    a, P, x, g = p["activation"], p["p"], p["x"], p["g"]
    c, cstar = _quadrature_coefficients(a, P)
    terms = [ci * _he(i, x) for i, ci in enumerate(c)] + [cstar * g]
    meas = float(sum(terms))
    pred = float(ctx.predict(activation=a, p=P, x=x, g=g))
    scale = sum(abs(t) for t in terms)  # round-off of the sum is relative to its terms, not to the result
    if abs(meas) <= 1e-10 * scale + 1e-14:  # at a zero of sigma_hat_p (e.g. tanh at x = g = 0): compare absolutely
        c = rules.value(pred, meas, parts={"float (1e-8 of the terms)": QUAD_TOL * scale + 1e-14})
        return _nothing_relative(c, "value 0 up to round-off: checked absolutely")
    return _against_quadrature(pred, meas, QUAD_TOL * (1 + abs(x)) ** P)


# --------------------------------------------------------------------------------------------- Ba et al.
@check(result=BA, quantity="kernel_lower_bound", name="gaussian_constants", rule="value", cost="cheap", method=_QUAD,
       also=["mu0", "mu1", "mu2", "mu1_star"],
       strategy=st.fixed_dictionaries({"student": st.sampled_from(("tanh", "erf", "gelu", "softplus", "sigmoid")),
                                       "teacher": st.sampled_from(("tanh", "erf", "relu", "softplus", "gelu"))}),
       examples=[{"student": "tanh", "teacher": "erf"}])
def gaussian_constants(p, ctx):
    """mu0, mu1, mu2 of the student, mu1* of the teacher and ||P_{>1} f*||^2 against adaptive quadrature."""
    s, t = p["student"], p["teacher"]
    fs, ft = activations.np_activation(s), activations.np_activation(t)
    m0, m1 = gaussian_mean(fs), gaussian_mean(lambda z: z * fs(z))
    m2 = math.sqrt(max(gaussian_mean(lambda z: fs(z) ** 2) - m0 ** 2 - m1 ** 2, 0))
    t0, t1 = gaussian_mean(ft), gaussian_mean(lambda z: z * ft(z))
    bound = gaussian_mean(lambda z: ft(z) ** 2) - t0 ** 2 - t1 ** 2
    pred = [float(ctx.predict_also(q, student=s, teacher=t)) for q in ("mu0", "mu1", "mu2", "mu1_star")]
    pred.append(float(ctx.predict(student=s, teacher=t)))
    return _against_quadrature(pred, [m0, m1, m2, t1, bound])


@check(result=BA, quantity="tau_star", name="tau_star", rule="value", cost="cheap",
       method="601-point kappa grid on [0, 30] refined by bounded Brent (xatol 1e-12) around the grid's best; "
              "tolerance 1e-9 + 1e-6 relative to that minimum (quadrature + optimiser); tau* = 0 compared absolutely",
       strategy=st.fixed_dictionaries({"student": st.sampled_from(("tanh", "gelu", "softplus")),
                                       "teacher": st.sampled_from(("tanh", "erf", "relu", "softplus"))}),
       examples=[{"student": "erf", "teacher": "erf"}, {"student": "tanh", "teacher": "erf"}])
def tau_star(p, ctx):
    """tau* (eq. 5.1) is the minimum over kappa of the quadrature objective (dense grid + Brent); 0 for erf/erf at
    kappa = sqrt(3)."""
    s, t = p["student"], p["teacher"]
    objective = theory.ba2022_tau_objective
    grid = np.linspace(0, 30, 601)
    vals = np.array([objective(s, t, k) for k in grid])
    j = int(np.argmin(vals))
    lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
    ref = minimize_scalar(lambda k: objective(s, t, k), bounds=(lo, hi), method="bounded", options={"xatol": 1e-12}).fun
    ref = min(ref, vals[j])
    c = rules.value(float(ctx.predict(student=s, teacher=t)), ref,
                    parts={"quadrature + optimiser (1e-9 + 1e-6 relative)": 1e-9 + rules.float_part(ref, 1e-6)},
                    diagnostics={"kappa_grid_best": float(grid[j])})
    if abs(ref) < 1e-12:  # tau* = 0 (erf/erf): checked absolutely; no multiplicative error to resolve
        return _nothing_relative(c, "tau* = 0: checked absolutely")
    return c
