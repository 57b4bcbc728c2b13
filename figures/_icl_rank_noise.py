"""ICL risk against the attention rank r for several test-noise levels (Shi et al. 2024).

Theory lines: shi2024.lowrank_lsa risk for r = 0..d. Points: Monte Carlo risk (error bars = 1.96 SE) of the rank-r
LSA trained on the exact population loss, measured on paired noisy prompts (the experiment of the check
shi2024.lowrank_lsa/trained_best_rank).
"""

from __future__ import annotations

import numpy as np

from .. import theory
from ..verify.checks.lowrank_attention import PAPER_RANK, RankSizes, rank_risks
from ._figure import figure

LEVELS = (0.0, 10.0, 30.0, 60.0, 120.0)
COLOURS = ["#0b6e99", "#2e8b57", "#c28e0e", "#c2410c", "#7e22ce"]


@figure(name="icl_risk_vs_rank", results=("shi2024.lowrank_lsa",))
def risk_vs_rank(ctx):
    """ICL risk against the rank of W^KQ, theory lines and trained rank-r models, at five test-noise levels."""
    p = dict(PAPER_RANK)
    d = len(p["lam"])
    n = ctx.sizes(RankSizes).prompts
    est = rank_risks(p["lam"], p["N"], list(LEVELS), prompts=n, seed=ctx.seed, device=ctx.device)
    res = theory.get("shi2024.lowrank_lsa")
    T = float(np.sum(p["lam"]))
    fig, ax = ctx.new()
    ranks = np.arange(d + 1)
    data = {"ranks": ranks.tolist(), "levels": list(LEVELS), "theory": [], "measured": est.mean.numpy().T.tolist(),
            "se": est.se.numpy().T.tolist(), "best_rank": [], "prompts": n}
    for k, s2 in enumerate(LEVELS):
        line = [T] + [float(res.evaluate("risk", N=p["N"], lam=p["lam"], r=r, sigma2=s2)) for r in ranks[1:]]
        best = int(res.evaluate("best_rank", N=p["N"], lam=p["lam"], r=1, sigma2=s2))
        data["theory"].append(line)
        data["best_rank"].append(best)
        ax.plot(ranks, line, "-", color=COLOURS[k], lw=1.3, label=fr"$\sigma^2={s2:g}$ (best r={best})")
        ax.errorbar(ranks, est.mean[:, k].numpy(), yerr=1.96 * est.se[:, k].numpy(), fmt="o", ms=3.5,
                    color=COLOURS[k], capsize=2)
        ax.plot([best], [line[best]], marker="*", ms=11, color=COLOURS[k], mec="k", mew=0.5)
    ax.set_xlabel("rank r of $W^{KQ}$ (model size)")
    ax.set_ylabel("ICL risk")
    ax.set_title(fr"Shi et al. 2024: N={p['N']}, $\lambda$={p['lam']}", fontsize=9)
    ax.set_yscale("log")
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    ax.text(0.99, 0.02, f"lines: theory; points: rank-r LSA trained on the exact loss,\n"
            f"MC {n} paired prompts, 95% CI; *: predicted best rank", transform=ax.transAxes, ha="right", fontsize=6.5)
    return fig, data
