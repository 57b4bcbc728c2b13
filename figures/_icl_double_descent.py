"""Double descent of Lu et al.'s e_icl and e_idg against tau: d -> oo theory and finite-d simulations.

Lines: lu2025.icl_asymptotics at lam = 1e-6 (ridgeless) and lam = 0.1 (ridge). Points: Gamma* ridge-fitted at
d = 16, 24 (and 32 in the thorough profile; mean over seeds, 95 % CI), scored with the exact finite-d error (no
test-set noise; the experiment of the checks lu2025.icl_asymptotics/ridgeless_curve and ridge_curve). The finite-d
points sit above the theory by O(1/d) and peak at n = d(d+1), i.e. tau = 1 + 1/d.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import theory
from ..verify import Sizes
from ..verify.checks.lu_asymptotics import FD, LU, lu_run, mean_se
from ._figure import figure

SETTING = {"alpha": 2.0, "kappa": 1.0, "rho": 0.1}
TAUS = (0.25, 0.5, 0.75, 1.25, 1.5, 2.0, 3.0, 5.0)
COLOURS = {16: "#c28e0e", 24: "#2e8b57", 32: "#0b6e99"}


@dataclass(frozen=True)
class SweepSizes(Sizes):
    # (d, seeds) of the points: seed sd falls like d^-1.3, so the smaller d gets more seeds (95 % CI ~2-4 % of e)
    per_d: tuple = ((16, 48), (24, 16))
    # thorough: 4x the seeds, and d = 32
    by_profile = {"thorough": {"per_d": ((16, 192), (24, 64), (32, 24))}}


@figure(name="icl_double_descent", results=(LU, FD))
def double_descent(ctx):
    """Lu et al.'s e_icl and e_idg against tau (ridgeless and ridge): d -> oo theory and fitted Gamma* at finite d."""
    res = theory.get(LU)
    fig, axes = ctx.new(1, 2, figsize=(9.0, 3.6), sharey=True)
    grid = np.concatenate([np.linspace(0.05, 0.97, 120), np.linspace(1.03, 6.0, 160)])
    per_d = ctx.sizes(SweepSizes).per_d
    data = {"setting": SETTING, "tau_grid": grid.tolist(), "taus": list(TAUS), "panels": []}
    for ax, lam, title in ((axes[0], 1e-6, r"ridgeless ($\lambda=10^{-6}$)"), (axes[1], 0.1, r"ridge ($\lambda=0.1$)")):
        panel = {"lam": lam, "theory": {}, "measured": []}
        for q, style in (("e_icl", "-"), ("e_idg", "--")):
            line = res.evaluate(q, tau=grid, lam=lam, **SETTING)
            panel["theory"][q] = np.asarray(line).tolist()
            ax.plot(grid, line, style, color="k", lw=1.2, label=f"{q} theory (d→∞)")
        for d, seeds in per_d:
            runs = [lu_run(d, SETTING["alpha"], SETTING["kappa"], tau, SETTING["rho"], lam, seeds=seeds, seed=ctx.seed,
                           device=ctx.device) for tau in TAUS]
            for q, marker in (("e_icl", "o"), ("e_idg", "s")):
                stats = [mean_se(run.e_icl if q == "e_icl" else run.e_idg) for run in runs]
                m, ci = [float(s[0]) for s in stats], [1.96 * float(s[1]) for s in stats]
                ax.errorbar(TAUS, m, yerr=ci, fmt=marker, ms=3.5, color=COLOURS[d], capsize=2,
                            mfc="none" if q == "e_idg" else None, label=f"d={d} {q}" if ax is axes[0] else None)
                panel["measured"].append({"d": d, "seeds": seeds, "quantity": q, "mean": m, "ci95": ci})
        ax.axvline(1.0, color="grey", lw=0.6, ls=":")
        ax.set_xlabel(r"$\tau = n/d^2$ (pretraining contexts)")
        ax.set_title(title, fontsize=9)
        ax.set_ylim(0, 6)
        data["panels"].append(panel)
    axes[0].set_ylabel("test error")
    axes[0].legend(fontsize=6.5, ncol=2, loc="upper right")
    fig.suptitle(r"Lu et al. 2025: $\alpha=2,\ \kappa=1,\ \rho=0.1$; points: trained $\Gamma^*$, mean ± 95% CI over seeds",
                 fontsize=9)
    return fig, data
