"""Parameters shared by the linear-attention in-context-learning family.

Symbols (one map for the whole family):
    N       training context length (Ahn et al.'s n)
    M       test context length (defaults to N)
    lam     eigenvalues lambda_1..lambda_d of the input covariance Lambda (x ~ N(0, Lambda))
    lam_test eigenvalues of the test covariance Lambda' under covariate shift (same eigenbasis)
    sigma2  label-noise variance in the test context
    r       rank bound on W^KQ (the "model size" of Shi et al.)
    d       dimension, = len(lam);  T = tr(Lambda) = sum(lam)
"""

from __future__ import annotations

from ._constraints import Integer, NonIncreasing, PositiveVector, Real, SquareMatrix
from ._result import Parameter

__all__ = ["N", "M", "lam", "lam_test", "sigma2", "r", "A_matrix", "T_derived"]


def N(assumption: str) -> Parameter:
    return Parameter("N", "scalar", (Integer(1),), "training context length (examples per prompt)",
                     assumption)


def M(assumption: str) -> Parameter:
    return Parameter("M", "scalar", (Integer(1),), "test context length", assumption,
                     default=lambda v: v["N"], default_doc="N")


def lam(assumption: str, descending: bool = False) -> Parameter:
    cons = (PositiveVector(),) + ((NonIncreasing(),) if descending else ())
    return Parameter("lam", "vector", cons, "eigenvalues of the input covariance Lambda", assumption,
                     latex="lambda")


def lam_test(assumption: str) -> Parameter:
    return Parameter("lam_test", "vector", (PositiveVector(),),
                     "eigenvalues of the test covariance Lambda' (same eigenbasis as Lambda)", assumption,
                     latex="lambda'",
                     default=lambda v: v["lam"], default_doc="lam (no shift)")


def sigma2(assumption: str) -> Parameter:
    return Parameter("sigma2", "scalar", (Real(0.0),), "label-noise variance in the test context", assumption,
                     latex="sigma^2",
                     default=lambda v: 0, default_doc="0 (clean labels)")


def r(assumption: str) -> Parameter:
    return Parameter("r", "scalar", (Integer(1, "d"),), "rank bound on W^KQ (model size)", assumption)


def A_matrix(assumption: str) -> Parameter:
    return Parameter("A", "matrix", (SquareMatrix(),),
                     "preconditioner A (d x d), in the eigenbasis of Lambda "
                     "(with Lambda= given instead of lam: in the original basis)", assumption)


def T_derived(s):
    """T = tr(Lambda) = sum of lam."""
    return s.sum(lambda i: s.lam[i])
