"""Advani-Saxe learning curves: E_g(t) for several alpha, theory lines and trained students, t_opt marked.

Lines: advani2020.gd_learning_curves E_g(t) (SNR = 5, sigma_w0 = 0). Points: exact gradient flow of N = 600
students (mean over seeds, 95 % CI). Stars: the optimal early-stopping time t_opt; dotted: E_bayes.
"""

from __future__ import annotations

import numpy as np

import theory
from verify import _asym_experiments as X

from ._style import new_figure, save

NAME = "asym_advani_curves"
RESULTS = ("advani2020.gd_learning_curves",)
ALPHAS = (0.5, 0.9, 1.0, 2.0, 4.0)
SNR = 5.0
T_POINTS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def make(out, formats, ctx, seed: int = 0):
    res = theory.get(X.AS)
    fig, ax = new_figure()
    t = np.logspace(-2, 3, 300)
    colours = ["#7e22ce", "#c2410c", "#c28e0e", "#2e8b57", "#0b6e99"]
    seeds = max(8, int(16 * ctx.profile.scale))
    for a, c in zip(ALPHAS, colours):
        ax.plot(t, res.evaluate("E_g", alpha=a, snr=SNR, t=t), "-", color=c, lw=1.2, label=rf"$\alpha={a:g}$")
        run = X.flow_run(ctx, a, SNR, 0.0, 600, seeds, seed, T_POINTS)
        m, se = X.mean_se(run.E_g)
        ax.errorbar(T_POINTS, m, yerr=1.96 * se, fmt="o", ms=3, color=c, capsize=2)
        topt = float(res.evaluate("t_opt", alpha=a, snr=SNR))
        ax.plot([topt], [float(res.evaluate("E_g", alpha=a, snr=SNR, t=topt))], marker="*", ms=10, color=c, mec="k", mew=0.5)
        ax.axhline(float(res.evaluate("E_bayes", alpha=a, snr=SNR)), color=c, lw=0.7, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training time t (gradient flow)")
    ax.set_ylabel(r"generalisation error $E_g(t)$")
    ax.set_title(f"Advani & Saxe: SNR={SNR:g}; N=600, {seeds} seeds; *: t_opt, dotted: Bayes", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    return save(fig, out, NAME, formats)
