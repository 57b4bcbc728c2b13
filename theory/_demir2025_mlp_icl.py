"""Demir & Dogan (NeurIPS 2025): in-context learning with a transformer whose MLP head is trained by one step.

Encoded (dossier feature_learning.md §2):
* The Hermite coefficients c_i = E[sigma(z) He_i(z)] / i! of the activation (probabilists' Hermite, Assumption 4.8,
  VERBATIM) and the residual c*_p with E[sigma_hat_p^2] = E[sigma^2] (Theorem 4.12 prose, VERBATIM).
* The structured polynomial surrogate sigma_hat_p(x) = sum_{i<=p} c_i He_i(x) + c*_p g, g ~ N(0, 1) fresh for every
  entry: the noise form is VERBATIM-CODE from the authors' predecessor repository (KU-MLIP/2-Layer-NNs-with-
  Gaussian-Mixtures-Data @ 257bcd5); the NeurIPS display equation was not decoded.
* Theorem 4.12 (VERBATIM prose): the one-step MLP transformer and the same model with sigma replaced by
  sigma_hat_p have the same ICL error as d, l, n, k -> oo: `error_ratio` = E_MLP / E_surrogate = 1.
* The figures' claims (VERBATIM captions) as directions: the nonlinear MLP beats the linear transformer on a
  nonlinear target (Fig. 1); a larger first-layer step helps when the task covariance is structured and not
  when it is isotropic (Fig. 3a/b); mixing toward the lower-noise source lowers the ICL error (Fig. 2c).
No closed-form ICL error is stated in the available text.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from . import _activations as act
from ._constraints import Choice, Integer, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Samet Demir", "Zafer Dogan"),
    title="How Data Mixing Shapes In-Context Learning: Asymptotic Equivalence for Transformers with MLPs",
    venue="Advances in Neural Information Processing Systems 38 (NeurIPS 2025)",
    year=2025,
    arxiv="2510.25753",
    where="Assumption 4.8, Lemma 4.11, Theorem 4.12; Figs. 1-3",
)

_C = sp.Function("c")
_CSTAR = sp.Symbol("c^*_p", nonnegative=True)


def _c_expr(s):
    z = act.Z
    return act.gaussian_mean(sp.Function(r"\sigma")(z) * sp.hermite_prob(s.i, z)) / sp.factorial(s.i)


def _cstar_expr(s):
    k = sp.Symbol("k", integer=True, nonnegative=True)
    z = act.Z
    return sp.sqrt(act.gaussian_mean(sp.Function(r"\sigma")(z) ** 2) - sp.Sum(sp.factorial(k) * _C(k) ** 2, (k, 0, s.p)))


def _surrogate_expr(s):
    k = sp.Symbol("k", integer=True, nonnegative=True)
    return sp.Sum(_C(k) * sp.hermite_prob(k, s.x), (k, 0, s.p)) + _CSTAR * s.g


def _surrogate_num(activation, p, x, g):
    p = int(np.max(p))
    c = act.hermite_coefficients(str(activation), p)
    return np.polynomial.hermite_e.hermeval(np.asarray(x, float), c) + act.c_star(activation, p) * np.asarray(g, float)


_A48 = "Assumption 4.8: sigma has bounded derivatives, E[sigma(z)^2] < oo and a Hermite expansion"
_T412 = "Theorem 4.12: d, l, n, k -> oo proportionally (Assumption 4.1), one step eta = o(d^2) on F (4.3)"

RESULT = Result(
    id="demir2025.mlp_icl",
    title="ICL with an MLP head after one gradient step: Hermite surrogate and data mixing",
    reference=REFERENCE,
    parameters=[
        Parameter("activation", "choice", (Choice(act.ACTIVATIONS),), "activation of the MLP head", _A48,
                  latex=r"\sigma"),
        Parameter("i", "scalar", (Integer(0),), "Hermite index", _A48),
        Parameter("p", "scalar", (Integer(0),), "degree of the polynomial surrogate", _T412),
        Parameter("x", "scalar", (Real(None),), "pre-activation value", _A48),
        Parameter("g", "scalar", (Real(None),), "the surrogate's independent N(0,1) draw", _T412,
                  default=lambda v: 0.0, default_doc="0 (its mean)"),
    ],
    quantities=[
        Quantity("hermite_c", _c_expr, "Hermite coefficient c_i = E[sigma(z) He_i(z)]/i!, z ~ N(0,1) (probabilists')",
                 "VERBATIM", where="Assumption 4.8", numeric=act.hermite_c, args=("activation", "i")),
        Quantity("c_star", _cstar_expr, "residual c*_p = sqrt(E[sigma^2] - sum_{i<=p} i! c_i^2), so that "
                 "E[sigma_hat_p^2] = E[sigma^2]", "VERBATIM", where="Theorem 4.12",
                 numeric=act.c_star, args=("activation", "p")),
        Quantity("surrogate", _surrogate_expr, "sigma_hat_p(x) = sum_{i<=p} c_i He_i(x) + c*_p g, g ~ N(0,1) fresh per "
                 "entry (noise form from the authors' predecessor code)", "VERBATIM-CODE", where="Theorem 4.12",
                 numeric=_surrogate_num, args=("activation", "p", "x", "g")),
        Quantity("error_ratio", lambda s: sp.Integer(1), "ICL error of the one-step MLP transformer / ICL error of "
                 "the same model with sigma -> sigma_hat_p (asymptotic equivalence)", "VERBATIM", where="Theorem 4.12",
                 numeric=lambda: 1.0, args=()),
        claim("mlp_vs_linear", -1, "sign of E_MLP - E_linear on a nonlinear (ReLU) target: the MLP head is better",
              "VERBATIM", where="Fig. 1"),
        claim("step_gain_structure", +1, "sign of [E(eta=0) - E(eta large)]_structured tasks - [same]_isotropic tasks: "
              "a larger first-layer step helps only when the task covariance is structured", "VERBATIM",
              where="Fig. 3(a), 3(b)"),
        claim("mixing_trend", -1, "sign of dE_ICL/d rho as the training mixture shifts weight rho to the source with "
              "lower label noise", "VERBATIM", where="Fig. 2(c)"),
    ],
    notes="Display equations of the camera-ready were not decoded: the prediction y = w^T sigma(F vec(H_Z))/sqrt(k), "
          "the gradient step and the ridge objective follow the authors' predecessor code (DERIVED reading).",
    keywords=("in-context learning", "MLP", "Hermite", "Gaussian equivalence", "data mixing", "one gradient step",
              "feature learning"),
    dimensional=False,
)
