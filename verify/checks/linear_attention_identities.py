"""Identities between the linear-attention papers' closed forms (Zhang-Frei-Bartlett, Ahn et al., Shi et al., and
the exact Gaussian risk of a fixed preconditioner), in float64.

Both sides of an identity are predictions (the second declared in `also=`), so perturbing either result fails it.
Tolerance: 1e-10 relative to the measured side (float round-off of closed forms evaluated in float64).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ... import theory
from .. import rules
from .._check import check
from .._strategies import icl_params

ZFB, AHN, SHI, FIX = "zhang2024.lsa_limit", "ahn2023.pgd_optimum", "shi2024.lowrank_lsa", "zhang2024.preconditioner_risk"
FLOAT_TOL = 1e-10
PAPER = {"N": 20, "lam": [2.0, 1.5, 1.0, 0.7, 0.5], "M": 20}
PAPER_RANK = {"N": 20, "lam": [4.0, 2.0, 1.0, 0.5, 0.25], "M": 20}
_METHOD = "closed form against closed form in float64; tolerance 1e-10 relative to the measured side (round-off)"


def _float(predicted, measured, **kw) -> rules.Comparison:
    return rules.value(predicted, measured, parts={"float (1e-10 relative)": rules.float_part(measured, FLOAT_TOL)},
                       **kw)


def _params(M=True, shift=False, noise=False, rank=False, min_noise=0.0):
    """min_noise > 0 where the compared quantity is proportional to sigma2 (0 at sigma2 = 0: nothing to resolve)."""
    return lambda profile: icl_params(SHI if rank else ZFB, d=(1, 7), N=(1, 200), lam=(0.05, 20.0), min_ratio=1.05,
                                      M=(1, 500) if M else None, shift=(0.2, 5.0) if shift else None,
                                      sigma2=(min_noise, 200.0) if noise else None, rank=rank)


_WITH_D = st.fixed_dictionaries({"d": st.integers(1, 8), "N": st.integers(1, 200)})


@check(result=SHI, quantity="risk", name="rank_d_is_full_rank", rule="value", strategy=_params(rank=True),
       examples=[PAPER_RANK], also=[f"{ZFB}:risk"], cost="cheap", method=_METHOD)
def rank_d_is_full_rank(p, ctx):
    """Shi et al.'s rank-r risk at r = d equals Zhang et al.'s full-rank risk (any M)."""
    predicted = ctx.predict(N=p["N"], lam=p["lam"], r=len(p["lam"]), M=p["M"])
    return _float(predicted, ctx.predict_also(f"{ZFB}:risk", N=p["N"], lam=p["lam"], M=p["M"]))


@check(result=ZFB, quantity="risk", name="isotropic_risk", rule="value", strategy=_WITH_D, examples=[{"d": 5, "N": 20}],
       cost="cheap", method=_METHOD)
def isotropic_risk(p, ctx):
    """Lambda = I: Zhang et al.'s risk at M = N equals d(d+1)/(N+d+1)."""
    d, N = p["d"], p["N"]
    return _float(ctx.predict(N=N, lam=[1.0] * d), d * (d + 1) / (N + d + 1))


@check(result=AHN, quantity="Q11", name="q11_is_minus_zhang_A", rule="value", strategy=_params(M=False),
       examples=[{"N": 20, "lam": PAPER["lam"]}], also=[f"{ZFB}:A"], cost="cheap", method=_METHOD)
def q11_is_minus_zhang_A(p, ctx):
    """Ahn et al.'s optimal Q_11 equals minus Zhang et al.'s learned preconditioner (n = N)."""
    return _float(ctx.predict(N=p["N"], lam=p["lam"]), -ctx.predict_also(f"{ZFB}:A", N=p["N"], lam=p["lam"]))


@check(result=AHN, quantity="step_isotropic", name="step_isotropic_is_zhang_A", rule="value", strategy=_WITH_D,
       examples=[{"d": 5, "N": 20}], cost="cheap", method=_METHOD)
def step_isotropic_is_zhang_A(p, ctx):
    """Ahn et al.'s isotropic step n/(n+d+1) equals Zhang et al.'s A at Lambda = I."""
    zhang = theory.get(ZFB).evaluate("A", N=p["N"], lam=[1.0] * p["d"])[0]  # the other side, unperturbed
    return _float(ctx.predict(N=p["N"], d=p["d"]), zhang)


@check(result=ZFB, quantity="risk", name="fixed_A_reproduces_risk", rule="value", strategy=_params(),
       examples=[PAPER], also=[f"{FIX}:risk"], cost="cheap", method=_METHOD)
def fixed_A_reproduces_risk(p, ctx):
    """The fixed-A risk formula at A = Gamma^-1 reproduces Zhang et al.'s risk (Theorem 4.2)."""
    A = np.diag(theory.get(ZFB).evaluate("A", N=p["N"], lam=p["lam"]))
    return _float(ctx.predict(N=p["N"], lam=p["lam"], M=p["M"]),
                  ctx.predict_also(f"{FIX}:risk", A=A, lam=p["lam"], M=p["M"]))


@check(result=ZFB, quantity="risk_shift", name="fixed_A_reproduces_risk_shift", rule="value",
       strategy=_params(shift=True), examples=[{**PAPER, "lam_test": [4.0, 3.0, 2.0, 1.4, 1.0]}], also=[f"{FIX}:risk"],
       cost="cheap", method=_METHOD)
def fixed_A_reproduces_risk_shift(p, ctx):
    """The fixed-A risk at the test covariance reproduces Zhang et al.'s covariate-shift risk."""
    A = np.diag(theory.get(ZFB).evaluate("A", N=p["N"], lam=p["lam"]))
    return _float(ctx.predict(N=p["N"], lam=p["lam"], M=p["M"], lam_test=p["lam_test"]),
                  ctx.predict_also(f"{FIX}:risk", A=A, lam=p["lam_test"], M=p["M"]))


@check(result=SHI, quantity="risk", name="fixed_A_reproduces_risk", rule="value", strategy=_params(noise=True, rank=True),
       examples=[{**PAPER_RANK, "r": 2, "sigma2": 60.0}], also=[f"{FIX}:risk"], cost="cheap", method=_METHOD)
def fixed_A_reproduces_shi_risk(p, ctx):
    """The fixed-A risk at A = A_r with test noise reproduces Shi et al.'s rank-r risk."""
    kw = dict(N=p["N"], lam=p["lam"], r=p["r"], M=p["M"], sigma2=p["sigma2"])
    A = np.diag(theory.get(SHI).evaluate("A", **kw))
    return _float(ctx.predict(**kw), ctx.predict_also(f"{FIX}:risk", A=A, lam=p["lam"], M=p["M"], sigma2=p["sigma2"]))


@check(result=SHI, quantity="noise_sensitivity", name="noise_sensitivity_is_risk_difference", rule="value",
       strategy=_params(noise=True, rank=True, min_noise=0.1), examples=[{**PAPER_RANK, "r": 2, "sigma2": 60.0}],
       cost="cheap", method=_METHOD)
def noise_sensitivity_is_risk_difference(p, ctx):
    """Shi et al.'s noise sensitivity equals risk(sigma2) - risk(0) (sigma2 >= 0.1: the difference of two risks cannot
    resolve a relative error of a vanishing noise term in float64)."""
    kw = dict(N=p["N"], lam=p["lam"], r=p["r"], M=p["M"])
    shi = theory.get(SHI)
    measured = shi.evaluate("risk", sigma2=p["sigma2"], **kw) - shi.evaluate("risk", sigma2=0.0, **kw)
    return _float(ctx.predict(sigma2=p["sigma2"], **kw), measured)


@check(result=SHI, quantity="best_rank", name="best_rank_is_argmin", rule="value", strategy=_params(noise=True),
       examples=[{**PAPER_RANK, "sigma2": s} for s in (0.0, 10.0, 60.0)], cost="cheap",
       method="exact integers compared in float64 (tolerance 1e-9)")
def best_rank_is_argmin(p, ctx):
    """Shi et al.'s best rank equals the argmin over r = 0..d of the noisy rank-r risk."""
    kw = dict(N=p["N"], lam=p["lam"], M=p["M"], sigma2=p["sigma2"])
    shi = theory.get(SHI)
    risks = [float(np.sum(p["lam"]))] + [float(shi.evaluate("risk", r=r, **kw)) for r in range(1, len(p["lam"]) + 1)]
    return rules.value(float(ctx.predict(r=1, **kw)), float(np.argmin(risks)), parts={"exact integers (float)": 1e-9},
                       diagnostics={"risk_by_rank": risks})
