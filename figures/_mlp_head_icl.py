"""ICL error of the one-step MLP head, its Hermite surrogate and the linear transformer against the number of
training contexts n (Demir & Dogan 2025, the dossier's DERIVED small-scale replication; structured tasks, d = 20).

The experiment of the checks demir2025.mlp_icl/equivalence and mlp_vs_linear, at n = n_fac d^2 for several n_fac.
"""

from __future__ import annotations

import numpy as np

from ..verify.checks.one_step_features import MLPICLSizes, mlp_icl_errors
from ._figure import figure

N_FACS = (1.0, 2.0, 4.0, 6.0)
CURVES = (("mlp", "o-", "MLP head (one step, eta = d^2)"), ("surrogate", "s--", r"surrogate $\hat\sigma_4$"),
          ("linear", "^:", "linear transformer"))


@figure(name="mlp_head_icl", results=("demir2025.mlp_icl",))
def mlp_icl(ctx):
    """ICL test error against the number of training contexts for the one-step MLP head, its surrogate and the linear
    transformer (mean over seeds, 95 % CI)."""
    rows = {k: [] for k, _, _ in CURVES}
    for nf in N_FACS:
        sizes = ctx.sizes(MLPICLSizes, n_fac=nf)
        out = mlp_icl_errors(1.0, [1.0], [0.01, 0.01], 1.0, sizes=sizes, seed=ctx.seed, device=ctx.device)
        for k in rows:
            v = getattr(out, k).reshape(-1, sizes.seeds)[-1]
            rows[k].append((v.mean(), 1.96 * v.std(ddof=1) / np.sqrt(sizes.seeds)))
    seeds, d = sizes.seeds, sizes.d
    n = np.array(N_FACS) * d ** 2
    fig, ax = ctx.new()
    for k, style, label in CURVES:
        m, ci = np.array(rows[k]).T
        ax.errorbar(n, m, yerr=ci, fmt=style, ms=3.5, capsize=2, label=label)
    ax.set_xlabel("training contexts n")
    ax.set_ylabel("ICL test error")
    ax.set_title(f"Demir & Dogan 2025 (DERIVED replication): d=l={d}, k=d^2, structured tasks, {seeds} seeds",
                 fontsize=8)
    ax.legend(fontsize=7)
    return fig, {"n": n.tolist(), "seeds": seeds, **{k: np.array(v).tolist() for k, v in rows.items()}}
