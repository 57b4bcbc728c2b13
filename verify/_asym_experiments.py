"""Experiments of the asymptotic-learning-curve family, cached in the context (shared by checks and figures).

Lu et al.: Gamma* ridge-fitted at finite d on realised sizes, scored with the exact finite-d error formula
(theory lu2025.finite_d_error: no test-set noise), compared with the asymptotic theory at the realised
alpha = l/d, kappa = k/d and tau = n/d^2; finite-d bias handled by an extrapolation in 1/d.
Advani-Saxe: exact gradient flow of a linear student over seeds, and gradient descent through `fit`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import numerics as nm
import theory

LU, FD, AS = "lu2025.icl_asymptotics", "lu2025.finite_d_error", "advani2020.gd_learning_curves"


# ------------------------------------------------------------------------------------------ Lu et al.
@dataclass
class LuRun:
    sizes: nm.LuSizes
    e_icl: np.ndarray  # (seeds,)
    e_idg: np.ndarray  # (seeds,) (= e_icl for kappa = oo: every test task is fresh)
    seconds: float


def lu_run(ctx, d: int, alpha: float, kappa: float, tau: float, rho: float, lam: float, seeds: int,
           seed: int) -> LuRun:
    def build():
        sizes = nm.lu_sizes(d, alpha, kappa, tau)
        f = nm.fit_gamma(sizes, rho, lam, seeds=seeds, seed=seed, device=ctx.device)
        G = f.Gamma.numpy()
        fd = theory.get(FD)
        icl = np.asarray(fd.evaluate("e_icl", Gamma=G, ell=sizes.ell, rho=rho), float)
        if f.tasks is None:
            idg = icl
        else:
            idg = np.array([float(fd.evaluate("e_idg", Gamma=G[i], ell=sizes.ell, rho=rho, tasks=f.tasks[i].numpy()))
                            for i in range(len(G))])
        return LuRun(sizes, icl, idg, f.seconds)

    return ctx.memo(("lu", d, alpha, kappa, tau, rho, lam, seeds, seed), build)


def lu_theory(ctx, quantity: str, sizes: nm.LuSizes, rho: float, lam: float, *, effective_tau: bool = False):
    """The asymptotic prediction at the realised ratios (perturbation applied through ctx.predict)."""
    tau = sizes.tau_eff if effective_tau else sizes.tau
    return float(ctx.predict(LU, quantity, alpha=sizes.alpha, kappa=sizes.kappa, tau=tau, rho=rho, lam=lam))


def fit_in_inverse_d(ds, y, se, order: int = 2):
    """Weighted least squares y(d) = a + b/d (+ c/d^2): intercept, its standard error, reduced chi^2."""
    x = 1.0 / np.asarray(ds, float)
    A = np.stack([x ** k for k in range(order + 1)], axis=1)
    w = 1.0 / np.maximum(np.asarray(se, float), 1e-12)
    coef, *_ = np.linalg.lstsq(A * w[:, None], np.asarray(y, float) * w, rcond=None)
    cov = np.linalg.inv((A * w[:, None]).T @ (A * w[:, None]))
    resid = (A @ coef - y) * w
    dof = max(1, len(ds) - order - 1)
    return float(coef[0]), float(math.sqrt(cov[0, 0])), float((resid ** 2).sum() / dof), coef.tolist()


# ------------------------------------------------------------------------------------- Advani-Saxe
@dataclass
class FlowRun:
    alpha: float  # realised P/N
    N: int
    times: tuple
    E_g: np.ndarray  # (seeds, T) including the noise floor sigma_eps2
    E_t: np.ndarray  # (seeds, T)


def flow_run(ctx, alpha: float, snr: float, sigma_w0_2: float, N: int, seeds: int, seed: int, times) -> FlowRun:
    times = tuple(float(t) for t in times)

    def build():
        P = max(1, round(alpha * N))
        s2e = 1.0 / snr
        data = nm.teacher_data(seeds, N, P, sigma_w2=1.0, sigma_eps2=s2e, sigma_w0_2=sigma_w0_2, seed=seed)
        g, t = nm.gradient_flow_errors(data, times)
        return FlowRun(P / N, N, times, g.numpy() + s2e, t.numpy())

    return ctx.memo(("flow", alpha, snr, sigma_w0_2, N, seeds, seed, times), build)


def mean_se(x, axis=0):
    x = np.asarray(x, float)
    return x.mean(axis), x.std(axis, ddof=1) / math.sqrt(x.shape[axis])
