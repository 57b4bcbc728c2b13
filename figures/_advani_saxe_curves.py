"""Advani-Saxe learning curves: E_g(t) for several alpha, theory lines and trained students, t_opt marked.

Lines: advani2020.gd_learning_curves E_g(t) (SNR = 5, sigma_w0 = 0). Points: exact gradient flow of N = 600
students (mean over seeds, 95 % CI; the experiment of the check advani2020.gd_learning_curves/flow_curves).
Stars: the optimal early-stopping time t_opt; dotted: E_bayes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import theory
from ..verify import Sizes, scaled
from ..verify.checks.advani_saxe import AS, flow_run, mean_se
from ._figure import figure

ALPHAS = (0.5, 0.9, 1.0, 2.0, 4.0)
SNR = 5.0
T_POINTS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
COLOURS = ["#7e22ce", "#c2410c", "#c28e0e", "#2e8b57", "#0b6e99"]


@dataclass(frozen=True)
class CurveSizes(Sizes):
    N: int = 600  # parameters per student, as in the checks
    seeds: int = scaled(16, min=8)  # students per alpha: 95 % CI ~2 % of E_g


@figure(name="advani_saxe_curves", results=(AS,))
def advani_curves(ctx):
    """Advani-Saxe E_g(t) for five alpha: theory lines, exact gradient flow of students (95 % CI), t_opt and E_bayes."""
    res = theory.get(AS)
    sz = ctx.sizes(CurveSizes)
    fig, ax = ctx.new()
    t = np.logspace(-2, 3, 300)
    data = {"snr": SNR, "N": sz.N, "seeds": sz.seeds, "t": t.tolist(), "t_points": list(T_POINTS), "curves": []}
    for a, c in zip(ALPHAS, COLOURS):
        line = res.evaluate("E_g", alpha=a, snr=SNR, t=t)
        ax.plot(t, line, "-", color=c, lw=1.2, label=rf"$\alpha={a:g}$")
        run = flow_run(a, SNR, 0.0, T_POINTS, N=sz.N, seeds=sz.seeds, seed=ctx.seed, device=ctx.device)
        m, se = mean_se(run.E_g)
        ax.errorbar(T_POINTS, m, yerr=1.96 * se, fmt="o", ms=3, color=c, capsize=2)
        topt = float(res.evaluate("t_opt", alpha=a, snr=SNR))
        e_opt = float(res.evaluate("E_g", alpha=a, snr=SNR, t=topt))
        bayes = float(res.evaluate("E_bayes", alpha=a, snr=SNR))
        ax.plot([topt], [e_opt], marker="*", ms=10, color=c, mec="k", mew=0.5)
        ax.axhline(bayes, color=c, lw=0.7, ls=":")
        data["curves"].append({"alpha": a, "theory": np.asarray(line).tolist(), "measured": m.tolist(),
                               "se": se.tolist(), "t_opt": topt, "E_g_at_t_opt": e_opt, "E_bayes": bayes})
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training time t (gradient flow)")
    ax.set_ylabel(r"generalisation error $E_g(t)$")
    ax.set_title(f"Advani & Saxe: SNR={SNR:g}; N={sz.N}, {sz.seeds} seeds; *: t_opt, dotted: Bayes", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    return fig, data
