"""Learned preconditioner eigenvalues against 1/gamma_i (Zhang, Frei, Bartlett 2024, Theorem 4.1).

For several covariances, the Adam-trained full-rank LSA ensembles (the experiment of the check
zhang2024.lsa_limit/trained_A): the diagonal of U^T A U (per seed) against the predicted eigenvalues 1/gamma_i of
Gamma^-1, on the identity line.
"""

from __future__ import annotations

import numpy as np

from .. import theory
from ..verify.checks.linear_attention import PAPER, LSATraining, trained_lsa
from ._figure import figure

SETTINGS = (
    PAPER,
    {"N": 10, "lam": [3.0, 1.0, 0.4]},
    {"N": 40, "lam": [2.5, 2.0, 1.2, 0.8]},
)


@figure(name="icl_learned_preconditioner", results=("zhang2024.lsa_limit", "ahn2023.pgd_optimum"))
def learned_preconditioner(ctx):
    """Eigenvalues of the trained LSA preconditioner (mean and sd over seeds) against Zhang et al.'s 1/gamma_i."""
    res = theory.get("zhang2024.lsa_limit")
    fig, ax = ctx.new()
    lo, hi = np.inf, 0.0
    data = []
    for k, p in enumerate(SETTINGS):
        run = trained_lsa(p["lam"], p["N"], sizes=ctx.sizes(LSATraining), seed=ctx.seed, device=ctx.device)
        Q = run.Q
        meas = np.stack([np.diag(Q.T @ a @ Q) for a in run.A.numpy()])  # (E, d)
        pred = res.evaluate("A", N=p["N"], lam=p["lam"])
        ax.errorbar(pred, meas.mean(0), yerr=meas.std(0, ddof=1), fmt="os^"[k], ms=5, capsize=2,
                    label=f"d={len(p['lam'])}, N={p['N']}")
        lo, hi = min(lo, pred.min(), meas.min()), max(hi, pred.max(), meas.max())
        data.append({"N": p["N"], "lam": p["lam"], "predicted": pred.tolist(), "measured_by_seed": meas.tolist()})
    grid = np.linspace(0.9 * lo, 1.05 * hi, 10)
    ax.plot(grid, grid, "k--", lw=0.8, label="identity")
    ax.set_xlabel(r"predicted eigenvalue $1/\gamma_i$ of $\Gamma^{-1}$")
    ax.set_ylabel(r"learned $(U^\top A U)_{ii}$, mean $\pm$ sd over seeds")
    ax.set_title("Trained LSA preconditioner vs Zhang et al. Thm 4.1", fontsize=9)
    ax.legend(fontsize=8)
    return fig, {"settings": data}
