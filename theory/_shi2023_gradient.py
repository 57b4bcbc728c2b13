"""Shi, Wei, Liang (NeurIPS 2023): feature learning from gradients — the mixture-of-Gaussians gradient feature.

Only the abstract of the paper was reachable (VERBATIM: a framework "centered around the principle of feature
learning from gradients", applied to "mixtures of Gaussians and parity functions"). Its theorems (the gradient
feature set, Theorem 3.12, the mixture and parity instances with their widths and step counts) are UNVERIFIED and
NOT encoded. What is encoded is the principle on the simplest instance, DERIVED here and labelled so:

two-component mixture x = y mu + g, g ~ N(0, I_d), y = +-1 equiprobable; a ReLU neuron with unit weight w and bias b
at a symmetric initialisation (network output 0, so the hinge or logistic loss gradient is -a y (...)). Its expected
first gradient is proportional to the gradient feature

    G(w, b) = E[y x 1{w.x + b > 0}] = (1/2)[Phi(b + c) + Phi(b - c)] mu + (1/2)[phi(b + c) - phi(b - c)] w,

c = <w, mu> (Gaussian integration: E[g 1{w.g > -t}] = phi(t) w). With b = 0 it is exactly mu/2 for every neuron:
one gradient step moves every neuron toward the class-mean direction, whatever its initial direction.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ._constraints import Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result

REFERENCE = Reference(
    authors=("Zhenmei Shi", "Junyi Wei", "Yingyu Liang"),
    title="Provable Guarantees for Neural Networks via Gradient Feature Learning",
    venue="Advances in Neural Information Processing Systems 36 (NeurIPS 2023)",
    year=2023,
    arxiv="2310.12408",
    where="abstract (gradient feature learning; mixtures of Gaussians); the instance's formulas are DERIVED here",
)


def _phi(t):
    return np.exp(-0.5 * t ** 2) / np.sqrt(2 * np.pi)


def _coefs(mu_norm, c, b):
    from scipy.special import ndtr  # imported on use: `import theorycheck` stays free of SciPy

    c, b = np.asarray(c, float), np.asarray(b, float)
    return 0.5 * (ndtr(b + c) + ndtr(b - c)), 0.5 * (_phi(b + c) - _phi(b - c))


def _cos_num(mu_norm, c, b):
    m = np.asarray(mu_norm, float)
    A, B = _coefs(m, c, b)
    return (A * m ** 2 + B * c) / (m * np.sqrt(A ** 2 * m ** 2 + 2 * A * B * c + B ** 2))


_Phi = sp.Function(r"\Phi")
_phis = sp.Function(r"\phi")
# |c| <= ||mu|| for a unit w; the slack admits c = <w, mu> computed in floating point.
_OVERLAP = Real("-mu_norm", "mu_norm", tol=1e-12, why="c = <w, mu> with ||w|| = 1")
_M = "mixture x = y mu + g, g ~ N(0, I), y = +-1 equiprobable (DERIVED instance)"

RESULT = Result(
    id="shi2023.gradient_features",
    title="Gradient features of a ReLU neuron on a two-Gaussian mixture (DERIVED instance of the framework)",
    reference=REFERENCE,
    parameters=[
        Parameter("mu_norm", "scalar", (Real(0.0, lo_open=True),), "norm of the class mean mu", _M, latex=r"\|\mu\|"),
        Parameter("c", "scalar", (_OVERLAP,), "overlap <w, mu> of the neuron's unit weight with mu", _M),
        Parameter("b", "scalar", (Real(None),), "the neuron's bias", _M, default=lambda v: 0.0, default_doc="0"),
    ],
    quantities=[
        Quantity("mu_coef", lambda s: (_Phi(s.b + s.c) + _Phi(s.b - s.c)) / 2, "coefficient of mu in G(w, b)",
                 "DERIVED", numeric=lambda mu_norm, c, b: _coefs(mu_norm, c, b)[0], args=("mu_norm", "c", "b")),
        Quantity("w_coef", lambda s: (_phis(s.b + s.c) - _phis(s.b - s.c)) / 2, "coefficient of w in G(w, b)",
                 "DERIVED", numeric=lambda mu_norm, c, b: _coefs(mu_norm, c, b)[1], args=("mu_norm", "c", "b")),
        Quantity("feature_cosine", lambda s: sp.Function("cos")(sp.Symbol("G"), sp.Symbol("mu")),
                 "cosine between the gradient feature G(w, b) and mu", "DERIVED", numeric=_cos_num,
                 args=("mu_norm", "c", "b"),
                 conditions=lambda s: [sp.Eq(sp.Symbol("G"), (_Phi(s.b + s.c) + _Phi(s.b - s.c)) / 2 * sp.Symbol("mu")
                                             + (_phis(s.b + s.c) - _phis(s.b - s.c)) / 2 * sp.Symbol("w"))]),
    ],
    notes="The paper's own theorems are not encoded (not reachable); see the module docstring.",
    keywords=("gradient feature", "mixture of Gaussians", "feature learning", "two-layer network"),
    dimensional=False,
)
