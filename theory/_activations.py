"""Activation functions and their Gaussian (probabilists' Hermite) decompositions, in NumPy and SymPy.

For z ~ N(0, 1) and He_i the probabilists' Hermite polynomials (E[He_i He_j] = i! delta_ij):

    sigma(z) = sum_i c_i He_i(z),  c_i = E[sigma(z) He_i(z)] / i!,  E[sigma^2] = sum_i i! c_i^2.

ReLU has exact coefficients (DERIVED by integrating by parts twice: relu'' = delta, so
E[relu He_i] = E[delta^(i-2)] = He_{i-2}(0) phi(0) for i >= 2): c_0 = 1/sqrt(2 pi), c_1 = 1/2,
c_i = He_{i-2}(0) / (i! sqrt(2 pi)), which is 0 for odd i >= 3. Smooth activations use Gauss-Hermite
quadrature (200 nodes: exponential convergence for entire or analytic-in-a-strip integrands).
The second moments of ReLU (1/2) and erf ((2/pi) arcsin(2/3)) are exact.

The torch versions used for training live in `numerics` under the same names; a test checks they agree.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .._errors import invalid

__all__ = ["ACTIVATIONS", "np_activation", "hermite_coefficients", "second_moment", "hermite_c", "c_star"]

ACTIVATIONS = ("relu", "tanh", "erf", "sigmoid", "softplus", "gelu")


def _erf(z):
    from scipy.special import erf  # imported on use: `import theorycheck` stays free of SciPy

    return erf(z)


_NP = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "erf": _erf,
    "sigmoid": lambda z: 0.5 * (1 + np.tanh(0.5 * z)),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "gelu": lambda z: 0.5 * z * (1 + _erf(z / math.sqrt(2))),
}

_GH_NODES = 200
_Z, _W = np.polynomial.hermite_e.hermegauss(_GH_NODES)
_W = _W / math.sqrt(2 * math.pi)


def np_activation(name: str):
    """The NumPy function of an activation named in ACTIVATIONS."""
    try:
        return _NP[name]
    except (KeyError, TypeError):
        raise invalid("theorycheck.theory.activations", "activation", "one of " + ", ".join(map(repr, ACTIVATIONS)),
                      name) from None


def _he_at_zero(n: int) -> float:
    """He_n(0): 0 for odd n, (-1)^(n/2) (n-1)!! for even n."""
    if n % 2:
        return 0.0
    return (-1) ** (n // 2) * float(np.prod(np.arange(n - 1, 0, -2))) if n else 1.0


def hermite_coefficients(name: str, p: int) -> np.ndarray:
    """c_0..c_p of the activation `name`."""
    if name == "relu":
        c = [1 / math.sqrt(2 * math.pi), 0.5] + [_he_at_zero(i - 2) / (math.factorial(i) * math.sqrt(2 * math.pi))
                                                 for i in range(2, p + 1)]
        return np.asarray(c[: p + 1])
    f = np_activation(name)(_Z)
    basis = np.polynomial.hermite_e.hermevander(_Z, p)  # (nodes, p+1)
    fact = np.array([math.factorial(i) for i in range(p + 1)], float)
    return (_W * f) @ basis / fact


def second_moment(name: str) -> float:
    """E[sigma(z)^2]."""
    if name == "relu":
        return 0.5
    if name == "erf":
        return 2 / math.pi * math.asin(2 / 3)
    return float((_W * np_activation(name)(_Z) ** 2).sum())


def hermite_c(activation, i):
    """Vectorised over integer arrays i."""
    i = np.asarray(i, int)
    c = hermite_coefficients(str(activation), int(i.max()) if i.size else 0)
    return c[i]


def c_star(activation, p):
    """The residual c*_p = sqrt(E[sigma^2] - sum_{i<=p} i! c_i^2) (>= 0 up to round-off)."""
    p = np.asarray(p, int)
    c = hermite_coefficients(str(activation), int(p.max()) if p.size else 0)
    fact = np.array([math.factorial(k) for k in range(len(c))], float)
    cum = np.cumsum(fact * c ** 2)
    return np.sqrt(np.maximum(second_moment(str(activation)) - cum[p], 0.0))


# ------------------------------------------------------------------------------------------ SymPy forms
Z = sp.Symbol("z", real=True)


def gaussian_mean(expr, z=Z):
    """E_{z ~ N(0,1)}[expr] as an unevaluated integral (for display and symbolic work)."""
    return sp.Integral(expr * sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi), (z, -sp.oo, sp.oo))


def relu_coefficient_exact(i: int) -> sp.Expr:
    """The exact ReLU c_i (DERIVED, above), as a SymPy number."""
    if i == 0:
        return 1 / sp.sqrt(2 * sp.pi)
    if i == 1:
        return sp.Rational(1, 2)
    return sp.hermite_prob(i - 2, 0) / (sp.factorial(i) * sp.sqrt(2 * sp.pi))
