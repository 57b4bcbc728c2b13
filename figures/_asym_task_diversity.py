"""Task-diversity transition: g_task = e_icl - e_idg against kappa (Lu et al. 2025).

Lines: theory at tau = 4 and tau = oo (alpha = 10, rho = 0.01, ridgeless), and the limit (1 - kappa)_+.
Points: trained Gamma* at d = 16 and 24 (mean over seeds, 95 % CI).
"""

from __future__ import annotations

import numpy as np

import theory
from verify import _asym_experiments as X

from ._style import new_figure, save

NAME = "asym_task_diversity"
RESULTS = ("lu2025.icl_asymptotics",)
ALPHA, TAU, RHO = 10.0, 4.0, 0.01
KAPPAS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
SIZES = {16: 48, 24: 16}


def make(out, formats, ctx, seed: int = 0):
    res = theory.get(X.LU)
    fig, ax = new_figure()
    k = np.exp(np.linspace(np.log(0.05), np.log(4.0), 200))
    ax.plot(k, res.evaluate("g_task", alpha=ALPHA, kappa=k, tau=TAU, rho=RHO, lam=0.0), "-", color="k", lw=1.3,
            label=rf"theory, $\tau={TAU:g}$")
    inf = res.evaluate("e_icl_tau_inf", alpha=ALPHA, kappa=k, rho=RHO) - res.evaluate("e_idg_tau_inf", alpha=ALPHA, kappa=k, rho=RHO)
    ax.plot(k, inf, "--", color="k", lw=1.0, label=r"theory, $\tau=\infty$")
    ax.plot(k, np.maximum(0, 1 - k), ":", color="grey", lw=1.0, label=r"$(1-\kappa)_+$ ($\tau,\alpha\to\infty$)")
    colours = {16: "#c28e0e", 24: "#0b6e99"}
    for d, S in SIZES.items():
        m, ci = [], []
        for kap in KAPPAS:
            run = X.lu_run(ctx, d, ALPHA, kap, TAU, RHO, 1e-6, max(4, int(S * max(1.0, ctx.profile.scale))), seed)
            mean, se = X.mean_se(run.e_icl - run.e_idg)
            m.append(mean), ci.append(1.96 * se)
        ax.errorbar(KAPPAS, m, yerr=ci, fmt="o", ms=3.5, color=colours[d], capsize=2, label=f"trained, d={d}")
    ax.axvline(1.0, color="grey", lw=0.6, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel(r"task diversity $\kappa = k/d$")
    ax.set_ylabel(r"$g_{task} = e_{ICL} - e_{IDG}$")
    ax.set_title(rf"Lu et al. 2025: $\alpha={ALPHA:g}$, $\rho={RHO:g}$, ridgeless", fontsize=9)
    ax.legend(fontsize=7)
    return save(fig, out, NAME, formats)
