"""Benign-overfitting phase diagram (Cao, Chen, Belkin, Gu 2022): test error of two-layer ReLU^3 CNNs trained to
near-zero training loss over a grid of (n, ||mu||) at d = 400, with contours of n SNR^3 (the theory's order
parameter, constants unspecified). The grid contains the six cells of the check cao2022.benign_overfitting/phase
(the same experiment, shared within a run).
"""

from __future__ import annotations

import numpy as np

from .. import theory
from ..verify.checks.benign_overfitting import BENIGN, BenignSizes, benign_cell
from ._figure import figure

NS = (10, 20, 40, 80)
MUS = (5.0, 6.5, 8.0, 10.0)  # contains the check's six cells


@figure(name="benign_overfitting_phase", results=(BENIGN,))
def benign_phase(ctx):
    """Test error over (n, ||mu||) with contours of n SNR^3 = 1, 2, 4."""
    sizes = ctx.sizes(BenignSizes)
    err = np.array([[float(benign_cell(n, mu, sizes=sizes, seed=ctx.seed, device=ctx.device).test_error.mean())
                     for n in NS] for mu in MUS])
    res = theory.get(BENIGN)
    order = np.array([[float(res.evaluate("order_parameter", mu_norm=m, sigma_p=sizes.sigma_p, d_patch=sizes.d, n=n,
                                          q=sizes.q)) for n in NS] for m in MUS])
    fig, ax = ctx.new()
    im = ax.imshow(err, origin="lower", cmap="viridis", vmin=0, vmax=0.5, aspect="auto")
    ax.set_xticks(range(len(NS)), [str(n) for n in NS])
    ax.set_yticks(range(len(MUS)), [f"{m:g}" for m in MUS])
    for i in range(len(MUS)):
        for j in range(len(NS)):
            ax.text(j, i, f"{err[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="w" if err[i, j] < 0.3 else "k")
    cs = ax.contour(np.log(order), levels=np.log([1.0, 2.0, 4.0]), colors="w", linewidths=0.8, linestyles="--")
    ax.clabel(cs, fmt={np.log(1.0): "1", np.log(2.0): "2", np.log(4.0): "4"}, fontsize=7)
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="test error")
    ax.set_xlabel("training samples n")
    ax.set_ylabel(rf"signal $\|\mu\|$ ($\sigma_p = {sizes.sigma_p:g}$, d = {sizes.d})")
    ax.set_title(rf"Cao et al. 2022: test error, contours of $n\,\mathrm{{SNR}}^3$ ({sizes.seeds} seed(s)/cell)",
                 fontsize=9)
    return fig, {"n": list(NS), "mu_norm": list(MUS), "test_error[mu][n]": err.tolist(),
                 "order_parameter[mu][n]": order.tolist(), "seeds": sizes.seeds}
