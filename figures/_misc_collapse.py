"""Neural-collapse metrics over training (Papyan, Han, Donoho 2020): NC1, NC2 (max-angle), NC3 and NC4 of a
2-hidden-layer MLP trained with cross-entropy and weight decay on 4 Gaussian classes; median and quartiles over
seeds; the dotted line marks the latest member's first 100 % training accuracy (start of the terminal phase)."""

from __future__ import annotations

import numpy as np

from verify import _misc_experiments as X

from ._style import new_figure, save

NAME = "misc_collapse"
RESULTS = (X.PAPYAN,)


def make(out, formats, ctx, seed: int = 0):
    seeds = max(8, int(round(12 * ctx.profile.scale)))
    rec, res = ctx.memo(("collapse", seeds, seed), lambda: X.collapse_run(seeds, seed))
    steps = np.array([r[0] for r in rec])
    fig, ax = new_figure()
    for key, color in (("NC1", "#0b6e99"), ("NC2", "#d1495b"), ("NC3", "#2e933c"), ("NC4", "#8d6a9f")):
        v = np.array([[m[key] for m in r[1]] for r in rec])
        med = np.median(v, 1)
        ax.plot(steps + 1, np.maximum(med, 1e-4), color=color, lw=1.3, label=key)
        ax.fill_between(steps + 1, np.maximum(np.quantile(v, 0.25, 1), 1e-4), np.maximum(np.quantile(v, 0.75, 1), 1e-4),
                        color=color, alpha=0.2)
    _, starts = X.tpt_change(rec, "NC1")
    if all(s is not None for s in starts):
        ax.axvline(max(starts) + 1, color="grey", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("metric (median, IQR)")
    ax.set_title(f"Papyan et al. 2020: collapse metrics, {seeds} seeds", fontsize=9)
    ax.legend(fontsize=7)
    return save(fig, out, NAME, formats)
