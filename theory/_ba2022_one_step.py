"""Ba, Erdogdu, Suzuki, Wang, Wu, Yang (NeurIPS 2022): one large gradient step on the first layer.

Model (VERBATIM, Section 2): f(x) = a^T sigma(W^T x)/sqrt(N), W in R^{d x N}, sqrt(d) W0_ij ~ N(0,1),
sqrt(N) a_j ~ N(0,1); x ~ N(0, I_d), y = sigma*(<x, beta*>) + eps, ||beta*|| = 1; n/d -> psi1, N/d -> psi2;
W1 = W0 + eta sqrt(N) G0, G0 the negative gradient of the squared loss (1/2n) sum (f - y)^2 in W at W0 (a fixed);
then ridge on the second layer with fresh data.

Encoded:
* mu0, mu1, mu2 of the student (eq. 2.2, VERBATIM) and mu1* of the teacher.
* kernel_lower_bound = ||P_{>1} f*||^2 = E[sigma*^2] - mu0*^2 - mu1*^2 (Proposition 1, VERBATIM): no kernel
  (CK, NTK, rotation-invariant) ridge regression beats it, nor does the small-step model (Fact 4).
* spike_alignment = cos^2(u1(G0), beta*) = mu1*^2 / (mu1*^2 + E[y^2]/psi1) (DERIVED, dossier §3.3: the left factor
  of Proposition 2's rank-one spike is X^T y/n, whose mean is mu1* beta* and whose fluctuation has norm^2 ~ E[y^2] d/n).
* step_alignment = cos^2(top left singular vector of W1, beta*) = spike_alignment * [1 - (psi2 + th^2)/(th^2 (th^2 + 1))]_+
  with th = eta |mu1| sqrt(mu1*^2 + E[y^2]/psi1) (DERIVED here: W1^T is W0^T (N x d, entries of variance 1/d) plus the
  rank-one spike of strength th; the rectangular spiked-matrix formula of Benaych-Georges & Nadakuditi (2012) with
  aspect ratio c = N/d = psi2 gives the squared overlap of the d-side singular vector, zero below th = psi2^(1/4)).
* tau_star = inf_kappa E[(sigma*(xi1) - E_xi2 sigma(kappa xi1 + xi2))^2] (eq. 5.1, VERBATIM); for sigma = sigma* = erf
  kappa* = sqrt(3) and tau* = 0 (VERBATIM).
* large_step_beats_kernel (Corollary 8, VERBATIM for erf/erf): with eta = Theta(sqrt(N)) the ridge risk falls below
  the kernel lower bound, which the small step eta = Theta(1) does not.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from . import _activations as act
from ._constraints import Choice, Real
from ._reference import Reference
from ._result import Parameter, Quantity, Result, claim

REFERENCE = Reference(
    authors=("Jimmy Ba", "Murat A. Erdogdu", "Taiji Suzuki", "Zhichao Wang", "Denny Wu", "Greg Yang"),
    title="High-dimensional Asymptotics of Feature Learning: How One Gradient Step Improves the Representation",
    venue="Advances in Neural Information Processing Systems 35 (NeurIPS 2022)",
    year=2022,
    arxiv="2205.01445",
    where="Section 2 (model, eq. 2.2), Proposition 1, Proposition 2, eq. (5.1), Corollary 8",
)

_GZ, _GW = np.polynomial.hermite_e.hermegauss(120)
_GW = _GW / math.sqrt(2 * math.pi)


def _mu(name, k):
    c = act.hermite_coefficients(str(name), 1)
    if k == 0:
        return c[0]
    if k == 1:
        return c[1]
    return math.sqrt(max(act.second_moment(str(name)) - c[0] ** 2 - c[1] ** 2, 0.0))


def _vec(f):
    def g(**kw):
        return np.asarray(f(**kw), float)
    return g


def _y2(teacher, sigma_eps):
    return act.second_moment(str(teacher)) + np.asarray(sigma_eps, float) ** 2


def spike_num(teacher, psi1, sigma_eps):
    m = _mu(teacher, 1) ** 2
    return m / (m + _y2(teacher, sigma_eps) / np.asarray(psi1, float))


def step_num(student, teacher, psi1, psi2, sigma_eps, eta):
    m = _mu(teacher, 1) ** 2
    th2 = (np.asarray(eta, float) * abs(_mu(student, 1))) ** 2 * (m + _y2(teacher, sigma_eps) / np.asarray(psi1, float))
    psi2 = np.asarray(psi2, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        bgn = np.where(th2 ** 2 > psi2, 1 - (psi2 + th2) / (th2 * (th2 + 1)), 0.0)
    return spike_num(teacher, psi1, sigma_eps) * bgn


def tau_objective(student, teacher, kappa):
    """E[(sigma*(xi1) - E_xi2 sigma(kappa xi1 + xi2))^2] at one kappa (Gauss-Hermite); tau* is its minimum."""
    s, t = act.np_activation(str(student)), act.np_activation(str(teacher))
    inner = (_GW[None, :] * s(kappa * _GZ[:, None] + _GZ[None, :])).sum(1)  # E_xi2 sigma(kappa xi1 + xi2)
    return float((_GW * (t(_GZ) - inner) ** 2).sum())


def tau_star_num(student, teacher):
    from scipy.optimize import minimize_scalar  # imported on use: `import theorycheck` stays free of SciPy

    res = minimize_scalar(lambda k: tau_objective(student, teacher, k), bounds=(0.0, 30.0), method="bounded",
                          options={"xatol": 1e-10})
    return max(res.fun, 0.0)


_z = act.Z
_s, _t = sp.Function(r"\sigma")(_z), sp.Function(r"\sigma_*")(_z)
_MU1S = act.gaussian_mean(_z * _t)
_EY2 = sp.Symbol(r"\mathbb{E}[y^2]", positive=True)


def _spike_expr(s):
    return _MU1S ** 2 / (_MU1S ** 2 + _EY2 / s.psi1)


def _step_expr(s):
    th2 = (s.eta * act.gaussian_mean(_z * _s)) ** 2 * (_MU1S ** 2 + _EY2 / s.psi1)
    return _spike_expr(s) * sp.Max(0, 1 - (s.psi2 + th2) / (th2 * (th2 + 1)))


def _ey2_condition(s):
    return [sp.Eq(_EY2, act.gaussian_mean(_t ** 2) + s.sigma_eps ** 2)]


def _tau_expr(s):
    k, x1, x2 = sp.symbols("kappa xi_1 xi_2", real=True)
    inner = act.gaussian_mean(sp.Function(r"\sigma")(k * x1 + x2), x2)
    return sp.Function("inf_kappa")(act.gaussian_mean((sp.Function(r"\sigma_*")(x1) - inner) ** 2, x1))


_A1 = "Assumption 1: n/d -> psi1, N/d -> psi2, Gaussian inputs, single-index teacher with mu1* != 0"
_ACT = "Assumption 1.3/1.4: smooth student with mu0 = 0, mu1 != 0; Lipschitz teacher with mu0* = 0, mu1* != 0"

RESULT = Result(
    id="ba2022.one_step",
    title="One gradient step on the first layer: rank-one spike, its alignment, and beating the kernel bound",
    reference=REFERENCE,
    parameters=[
        Parameter("student", "choice", (Choice(act.ACTIVATIONS),), "student activation sigma", _ACT, latex=r"\sigma",
                  default=lambda v: "tanh", default_doc="'tanh'"),
        Parameter("teacher", "choice", (Choice(act.ACTIVATIONS),), "teacher link sigma*", _ACT, latex=r"\sigma_*",
                  default=lambda v: "erf", default_doc="'erf'"),
        Parameter("psi1", "scalar", (Real(0.0, lo_open=True),), "samples per dimension n/d", _A1, latex=r"\psi_1"),
        Parameter("psi2", "scalar", (Real(0.0, lo_open=True),), "width per dimension N/d", _A1, latex=r"\psi_2"),
        Parameter("sigma_eps", "scalar", (Real(0.0),), "label-noise standard deviation", _A1, latex=r"\sigma_\epsilon",
                  default=lambda v: 0.0, default_doc="0"),
        Parameter("eta", "scalar", (Real(0.0),), "first-layer step (W1 = W0 + eta sqrt(N) G0)", "Section 2 update",
                  latex=r"\eta"),
    ],
    quantities=[
        Quantity("mu0", lambda s: act.gaussian_mean(_s), "mu0 = E[sigma(z)] of the student", "VERBATIM",
                 where="eq. (2.2)", numeric=_vec(lambda student: _mu(student, 0)), args=("student",)),
        Quantity("mu1", lambda s: act.gaussian_mean(_z * _s), "mu1 = E[z sigma(z)] of the student", "VERBATIM",
                 where="eq. (2.2)", numeric=_vec(lambda student: _mu(student, 1)), args=("student",)),
        Quantity("mu2", lambda s: sp.sqrt(act.gaussian_mean(_s ** 2) - act.gaussian_mean(_s) ** 2
                                          - act.gaussian_mean(_z * _s) ** 2),
                 "mu2 = sqrt(E sigma^2 - mu0^2 - mu1^2) of the student", "VERBATIM", where="eq. (2.2)",
                 numeric=_vec(lambda student: _mu(student, 2)), args=("student",)),
        Quantity("mu1_star", lambda s: _MU1S, "mu1* = E[z sigma*(z)], the teacher's linear component", "VERBATIM",
                 where="eq. (2.3)", numeric=_vec(lambda teacher: _mu(teacher, 1)), args=("teacher",)),
        Quantity("kernel_lower_bound", lambda s: act.gaussian_mean(_t ** 2) - act.gaussian_mean(_t) ** 2 - _MU1S ** 2,
                 "||P_{>1} f*||^2: the risk no kernel ridge regression (and no small step) goes below", "VERBATIM",
                 where="Proposition 1, Fact 4",
                 numeric=_vec(lambda teacher: _mu(teacher, 2) ** 2), args=("teacher",)),
        Quantity("spike_alignment", _spike_expr, "cos^2 between the gradient spike's left singular vector and beta*",
                 "DERIVED", where="Proposition 2 (spike); alignment derived in the dossier §3.3",
                 numeric=spike_num, args=("teacher", "psi1", "sigma_eps"), conditions=_ey2_condition),
        Quantity("step_alignment", _step_expr, "cos^2 between the top left singular vector of W1 and beta*, against "
                 "the step eta (spiked rectangular random matrix; 0 below the transition)", "DERIVED",
                 numeric=step_num, args=("student", "teacher", "psi1", "psi2", "sigma_eps", "eta"),
                 conditions=_ey2_condition),
        Quantity("tau_star", _tau_expr, "tau* = inf_kappa E[(sigma*(xi1) - E_xi2 sigma(kappa xi1 + xi2))^2]", "VERBATIM",
                 where="eq. (5.1)", numeric=_vec(tau_star_num), args=("student", "teacher")),
        claim("large_step_beats_kernel", -1, "sign of R1(eta = sqrt(N)) - ||P_{>1} f*||^2 (erf student and teacher): "
              "the large step goes below the kernel lower bound, while R1(eta = 1) stays above it", "VERBATIM",
              where="Corollary 8, Fact 4"),
    ],
    notes="The explicit small-step improvement delta (eq. C.28) is in an appendix that was not available.",
    keywords=("feature learning", "one gradient step", "spike", "random features", "kernel", "two-layer network"),
    dimensional=False,
)
