"""Subspace recovery against the number of tasks (Collins et al. 2024, the dossier's DERIVED protocol).

Each principal-angle sine between span(W) and span(M) (largest to smallest), mean over seeds with a 95 % band, and the
out-of-span energy, for T = 1 .. 50 tasks (the experiment of the check collins2024.multitask_relu/recovery_vs_tasks).
"""

from __future__ import annotations

import numpy as np

from .. import numerics as nm
from ..verify.checks.multitask_features import MultitaskSizes, multitask_training
from ._figure import figure

TASKS = (1, 2, 3, 5, 10, 20, 50)
COLOURS = ("#b2182b", "#ef8a62", "#2166ac")


@figure(name="multitask_subspace_recovery", results=("collins2024.multitask_relu",))
def subspace_recovery(ctx):
    """Principal-angle sines between the trained first layer's row space and span(M), and its out-of-span energy,
    against the number of tasks T."""
    sizes = ctx.sizes(MultitaskSizes)
    sines, eout = [], []
    for T in TASKS:
        run = multitask_training(T, sizes=sizes, seed=ctx.seed, device=ctx.device)
        sines.append(nm.principal_sines(run.W, run.M).numpy())
        eout.append(nm.out_of_span(run.W, run.M).numpy())
    sines, eout = np.array(sines), np.array(eout)  # (T, seeds, r), (T, seeds)
    seeds = sizes.seeds
    fig, ax = ctx.new()
    for j in range(sines.shape[-1]):
        m, se = sines[..., j].mean(1), sines[..., j].std(1, ddof=1) / np.sqrt(seeds)
        ax.plot(TASKS, m, "o-", ms=3.5, color=COLOURS[j % 3], label=f"sine {j + 1} (largest first)")
        ax.fill_between(TASKS, m - 1.96 * se, m + 1.96 * se, color=COLOURS[j % 3], alpha=0.2, lw=0)
    ax.plot(TASKS, eout.mean(1), "s--", ms=3, color="grey", label="out-of-span energy")
    ax.set_xscale("log")
    ax.set_xlabel("number of tasks T")
    ax.set_ylabel("principal-angle sine")
    ax.set_title(f"Collins et al. 2024 (DERIVED protocol): d={sizes.d}, r={sizes.r}, m={sizes.m}, {seeds} seeds",
                 fontsize=9)
    ax.legend(fontsize=7)
    return fig, {"tasks": list(TASKS), "sines": sines.tolist(), "out_of_span": eout.tolist(), "seeds": seeds,
                 "d": sizes.d, "r": sizes.r, "m": sizes.m}
