"""Ridge regression's excess risk against the penalty lam for several aspect ratios gamma = p/n (Hastie et al.).

Lines: the proportional-limit formula (hastie2022.ridge_risk). Points: the exact conditional risk given X at
p = 400, mean over X draws with 95 % intervals (the experiment of the check finite_p_extrapolation).
"""

from __future__ import annotations

import numpy as np

from .. import theory
from ..verify.checks.ridge_regression import ridge_excess_risk
from ._figure import figure

GAMMAS = (0.5, 1.0, 2.0)
COLOURS = ("#0072B2", "#E69F00", "#009E73")  # Okabe-Ito: distinguishable under colour-vision deficiencies


@figure(name="ridge_risk_vs_lambda", results=("hastie2022.ridge_risk",))
def ridge_risk_vs_lambda(ctx):
    """Excess risk of ridge against lam: theory lines and finite-p points, r2 = 1, sigma2 = 0.5."""
    ridge = theory.get("hastie2022.ridge_risk")
    lams = np.geomspace(0.01, 10, 60)
    points = np.geomspace(0.02, 5, 7)
    fig, ax = ctx.new()
    data = {"r2": 1.0, "sigma2": 0.5, "p": 400, "curves": []}
    for gamma, colour in zip(GAMMAS, COLOURS):
        line = ridge.evaluate("risk", gamma=gamma, lam=lams, r2=1.0, sigma2=0.5)
        sims = [ridge_excess_risk(gamma, float(lam), 1.0, 0.5, 400, 8, seed=ctx.seed, device=ctx.device)
                for lam in points]
        mean = np.array([s.mean() for s in sims])
        ci = np.array([1.96 * s.std(ddof=1) / np.sqrt(len(s)) for s in sims])
        ax.plot(lams, line, "-", color=colour, lw=1.3, label=fr"$\gamma = {gamma:g}$")
        ax.errorbar(points, mean, yerr=ci, fmt="o", ms=4, color=colour, capsize=2)
        data["curves"].append({"gamma": gamma, "lam": lams.tolist(), "theory": line.tolist(),
                               "lam_points": points.tolist(), "measured": mean.tolist(), "ci95": ci.tolist()})
    ax.set_xscale("log")
    ax.set_xlabel(r"ridge penalty $\lambda$")
    ax.set_ylabel(r"excess risk $\mathbb{E}\,\langle x, \hat\beta - \beta\rangle^2$")
    ax.set_title(r"Hastie et al. 2022: isotropic ridge, $r^2 = 1$, $\sigma^2 = 0.5$", fontsize=9)
    ax.legend(fontsize=8)
    return fig, data
