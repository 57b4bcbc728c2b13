"""Task-diversity transition: g_task = e_icl - e_idg against kappa (Lu et al. 2025).

Lines: theory at tau = 4 and tau = oo (alpha = 10, rho = 0.01, ridgeless), and the limit (1 - kappa)_+.
Points: fitted Gamma* at d = 16 and 24 (mean over seeds, 95 % CI; the experiment of the check
lu2025.icl_asymptotics/task_diversity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import theory
from ..verify import Sizes
from ..verify.checks.lu_asymptotics import LU, LU_LAM_RIDGELESS, lu_run, mean_se
from ._figure import figure

ALPHA, TAU, RHO = 10.0, 4.0, 0.01
KAPPAS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
COLOURS = {16: "#c28e0e", 24: "#0b6e99"}


@dataclass(frozen=True)
class KappaSizes(Sizes):
    # (d, seeds) of the points: seed sd falls like d^-1.3, so the smaller d gets more seeds
    per_d: tuple = ((16, 48), (24, 16))
    by_profile = {"thorough": {"per_d": ((16, 192), (24, 64))}}  # thorough: 4x the seeds


@figure(name="icl_task_diversity", results=(LU,))
def task_diversity(ctx):
    """g_task = e_icl - e_idg against task diversity kappa: theory at tau = 4 and oo, the (1 - kappa)_+ limit, and
    fitted Gamma* at d = 16, 24."""
    res = theory.get(LU)
    fig, ax = ctx.new()
    k = np.exp(np.linspace(np.log(0.05), np.log(4.0), 200))
    line = res.evaluate("g_task", alpha=ALPHA, kappa=k, tau=TAU, rho=RHO, lam=0.0)
    ax.plot(k, line, "-", color="k", lw=1.3, label=rf"theory, $\tau={TAU:g}$")
    inf = (res.evaluate("e_icl_tau_inf", alpha=ALPHA, kappa=k, rho=RHO)
           - res.evaluate("e_idg_tau_inf", alpha=ALPHA, kappa=k, rho=RHO))
    ax.plot(k, inf, "--", color="k", lw=1.0, label=r"theory, $\tau=\infty$")
    ax.plot(k, np.maximum(0, 1 - k), ":", color="grey", lw=1.0, label=r"$(1-\kappa)_+$ ($\tau,\alpha\to\infty$)")
    data = {"alpha": ALPHA, "tau": TAU, "rho": RHO, "kappa_grid": k.tolist(), "theory_tau": np.asarray(line).tolist(),
            "theory_tau_inf": np.asarray(inf).tolist(), "kappas": list(KAPPAS), "measured": []}
    for d, seeds in ctx.sizes(KappaSizes).per_d:
        stats = [mean_se(run.e_icl - run.e_idg) for run in
                 (lu_run(d, ALPHA, kap, TAU, RHO, LU_LAM_RIDGELESS, seeds=seeds, seed=ctx.seed, device=ctx.device)
                  for kap in KAPPAS)]
        m, ci = [float(s[0]) for s in stats], [1.96 * float(s[1]) for s in stats]
        ax.errorbar(KAPPAS, m, yerr=ci, fmt="o", ms=3.5, color=COLOURS[d], capsize=2, label=f"trained, d={d}")
        data["measured"].append({"d": d, "seeds": seeds, "mean": m, "ci95": ci})
    ax.axvline(1.0, color="grey", lw=0.6, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel(r"task diversity $\kappa = k/d$")
    ax.set_ylabel(r"$g_{task} = e_{ICL} - e_{IDG}$")
    ax.set_title(rf"Lu et al. 2025: $\alpha={ALPHA:g}$, $\rho={RHO:g}$, ridgeless", fontsize=9)
    ax.legend(fontsize=7)
    return fig, data
