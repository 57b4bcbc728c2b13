"""Tao, Yuan, Zhou, Cao, Gu (arXiv 2412.19444): AdaGrad++ and Adam++, parameter-free adaptive gradient methods.

Update rules (VERBATIM-2nd: a third-party summary and OpenReview reviews quoting the paper; the algorithm boxes were
not reachable; dossier misc_theory.md §6), x in R^d, eta_{-1} = eps, delta > 0:

  AdaGrad++: s_t = sqrt(sum_{i<=t} g_i^2), H_t = delta + diag(s_t), eta_t = max(eta_{t-1}, ||x_t - x_0||/sqrt d),
             x_{t+1} = x_t - eta_t H_t^{-1} g_t.
  Adam++:    m_t = beta1_t m_{t-1} + (1 - beta1_t) g_t, beta1_t = beta1 lam^(t-1), v_t = beta2 v_{t-1} + (1-beta2) g_t^2,
             s_t = sqrt((t + 1) v_t) (or with v_hat_t = max v, 'Case 2'), H_t = delta + diag(s_t), eta_t as above,
             x_{t+1} = x_t - eta_t H_t^{-1} m_t.

So (DERIVED) eta_t = max(eps, max_{i<=t} ||x_i - x_0||/sqrt d): non-decreasing and set by the distance travelled.
Theory (VERBATIM abstract; bounds UNVERIFIED): on convex problems with bounded stochastic gradients the averaged
iterate converges at O(1/sqrt T) with no condition on the learning rate. The exponent -1/2 is an upper bound on the
log-log slope of the suboptimality (a problem may converge faster).
"""

from __future__ import annotations

import sympy as sp

from ._constraints import Integer, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Yuanzhe Tao", "Huizhuo Yuan", "Xun Zhou", "Yuan Cao", "Quanquan Gu"),
    title="Towards Simple and Provable Parameter-Free Adaptive Gradient Methods",
    venue="arXiv preprint",
    year=2024,
    arxiv="2412.19444",
    where="abstract (rates); update rules as quoted by reviews and a third-party summary",
)

_ALG = "AdaGrad++ / Adam++ update rules (eta_{-1} = eps > 0)"

RESULT = Result(
    id="tao2025.adagrad_pp",
    title="AdaGrad++ / Adam++: step size from the distance travelled, O(1/sqrt T) on convex problems",
    reference=REFERENCE,
    parameters=[
        Parameter("eps", "scalar", (Real(0.0, lo_open=True),), "initial step size eta_{-1}", _ALG, latex=r"\epsilon"),
        Parameter("dist", "scalar", (Real(0.0),), "largest distance max_{i<=t} ||x_i - x_0|| travelled so far", _ALG,
                  latex=r"\max_{i\le t}\|x_i - x_0\|"),
        Parameter("p", "scalar", (Integer(1),), "number of optimised coordinates (the paper's d)", _ALG),
    ],
    quantities=[
        Quantity("step_size", lambda s: sp.Max(s.eps, s.dist / sp.sqrt(s.p)), "eta_t = max(eps, max_{i<=t} "
                 "||x_i - x_0||/sqrt(d))", "SECONDARY", where="AdaGrad++ / Adam++ step size"),
        Quantity("rate_exponent", lambda s: sp.Rational(-1, 2), "exponent of the O(T^-1/2) bound on the "
                 "suboptimality of the averaged iterate (an upper bound on the log-log slope)", "VERBATIM",
                 where="abstract; Cor. 4.4 / 5.2 (bounds UNVERIFIED)"),
        claim("eps_sensitivity", -1, "sign of [spread of the final suboptimality over initial step sizes "
              "spanning orders of magnitude, AdaGrad++] - [the same spread for AdaGrad with that step size]",
              "VERBATIM", where="abstract ('without predefined learning rate assumptions')"),
    ],
    notes="Algorithm boxes unreachable: 'Case 1/Case 2' and the beta1 index offset are UNVERIFIED. That eta_t never "
          "decreases is no claim here: it holds by the definition of step_size (a running maximum), which the "
          "check step_size tests exactly against the optimizers.",
    keywords=("optimizer", "parameter-free", "AdaGrad", "Adam", "step size", "convex", "convergence rate"),
    dimensional=False,
)
