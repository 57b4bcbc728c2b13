"""Neural-collapse metrics over training (Papyan, Han, Donoho 2020): NC1, NC2 (max-angle), NC3 and NC4 of a
2-hidden-layer MLP trained with cross-entropy and weight decay on 4 Gaussian classes; median and quartiles over
seeds; the dotted line marks the latest member's first 100 % training accuracy (start of the terminal phase). The
experiment of the checks papyan2020.neural_collapse/{nc1,etf,duality}_trend.
"""

from __future__ import annotations

import numpy as np

from ..verify.checks.neural_collapse import PAPYAN, CollapseSizes, collapse_run, tpt_change
from ._figure import figure

COLOURS = {"NC1": "#0b6e99", "NC2": "#d1495b", "NC3": "#2e933c", "NC4": "#8d6a9f"}


@figure(name="neural_collapse", results=(PAPYAN,))
def collapse_metrics(ctx):
    """NC1-NC4 against the training step (median and interquartile range over seeds)."""
    sizes = ctx.sizes(CollapseSizes)
    rec = collapse_run(sizes, seed=ctx.seed, device=ctx.device).records
    steps = np.array([r[0] for r in rec])
    fig, ax = ctx.new()
    data = {"step": (steps + 1).tolist(), "seeds": sizes.seeds}
    for key, colour in COLOURS.items():
        v = np.array([[m[key] for m in r[1]] for r in rec])
        med, q1, q3 = np.median(v, 1), np.quantile(v, 0.25, 1), np.quantile(v, 0.75, 1)
        data[key] = {"median": med.tolist(), "q25": q1.tolist(), "q75": q3.tolist()}
        ax.plot(steps + 1, np.maximum(med, 1e-4), color=colour, lw=1.3, label=key)
        ax.fill_between(steps + 1, np.maximum(q1, 1e-4), np.maximum(q3, 1e-4), color=colour, alpha=0.2)
    _, starts = tpt_change(rec, "NC1")
    data["tpt_start"] = starts
    if all(s is not None for s in starts):
        ax.axvline(max(starts) + 1, color="grey", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("metric (median, IQR)")
    ax.set_title(f"Papyan et al. 2020: collapse metrics, {sizes.seeds} seeds", fontsize=9)
    ax.legend(fontsize=7)
    return fig, data
