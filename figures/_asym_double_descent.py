"""Double descent of Lu et al.'s e_icl and e_idg against tau: d -> oo theory and finite-d simulations.

Lines: lu2025.icl_asymptotics at lam = 1e-6 (ridgeless) and lam = 0.1 (ridge). Points: Gamma* ridge-fitted
at d = 16, 24 (and 32 in the thorough profile; mean over seeds, 95 % CI), scored with the exact finite-d error (no test-set noise). The
finite-d points sit above the theory by O(1/d) and peak at n = d(d+1), i.e. tau = 1 + 1/d.
"""

from __future__ import annotations

import numpy as np

import theory
from verify import _asym_experiments as X

from ._style import new_figure, save

NAME = "asym_double_descent"
RESULTS = ("lu2025.icl_asymptotics", "lu2025.finite_d_error")
SETTING = {"alpha": 2.0, "kappa": 1.0, "rho": 0.1}
TAUS = (0.25, 0.5, 0.75, 1.25, 1.5, 2.0, 3.0, 5.0)
SIZES = {16: 48, 24: 16}  # thorough adds d = 32


def make(out, formats, ctx, seed: int = 0):
    import matplotlib.pyplot as plt

    res = theory.get(X.LU)
    plt.rcParams.update({"figure.figsize": (9.0, 3.6)})
    fig, axes = plt.subplots(1, 2, sharey=True)
    grid = np.concatenate([np.linspace(0.05, 0.97, 120), np.linspace(1.03, 6.0, 160)])
    colours = {16: "#c28e0e", 24: "#2e8b57", 32: "#0b6e99"}
    for ax, lam, title in ((axes[0], 1e-6, r"ridgeless ($\lambda=10^{-6}$)"), (axes[1], 0.1, r"ridge ($\lambda=0.1$)")):
        for q, style in (("e_icl", "-"), ("e_idg", "--")):
            ax.plot(grid, res.evaluate(q, tau=grid, lam=lam, **SETTING), style, color="k", lw=1.2,
                    label=f"{q} theory (d→∞)")
        sizes = {**SIZES, 32: 6} if ctx.profile.name == "thorough" else SIZES
        for d, S in sizes.items():
            for q, marker in (("e_icl", "o"), ("e_idg", "s")):
                m, lo = [], []
                for tau in TAUS:
                    run = X.lu_run(ctx, d, SETTING["alpha"], SETTING["kappa"], tau, SETTING["rho"], lam,
                                   max(4, int(S * max(1.0, ctx.profile.scale))), seed)
                    vals = run.e_icl if q == "e_icl" else run.e_idg
                    mean, se = X.mean_se(vals)
                    m.append(mean), lo.append(1.96 * se)
                ax.errorbar(TAUS, m, yerr=lo, fmt=marker, ms=3.5, color=colours[d], capsize=2, mfc="none" if q == "e_idg" else None,
                            label=f"d={d} {q}" if ax is axes[0] else None)
        ax.axvline(1.0, color="grey", lw=0.6, ls=":")
        ax.set_xlabel(r"$\tau = n/d^2$ (pretraining contexts)")
        ax.set_title(title, fontsize=9)
        ax.set_ylim(0, 6)
    axes[0].set_ylabel("test error")
    axes[0].legend(fontsize=6.5, ncol=2, loc="upper right")
    fig.suptitle(r"Lu et al. 2025: $\alpha=2,\ \kappa=1,\ \rho=0.1$; points: trained $\Gamma^*$, mean ± 95% CI over seeds",
                 fontsize=9)
    return save(fig, out, NAME, formats)
