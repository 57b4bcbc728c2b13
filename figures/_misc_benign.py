"""Benign-overfitting phase diagram (Cao, Chen, Belkin, Gu 2022): test error of two-layer ReLU^3 CNNs trained to
near-zero training loss over a grid of (n, ||mu||) at d = 400, with contours of n SNR^3 (the theory's order
parameter, constants unspecified)."""

from __future__ import annotations

import numpy as np

import theory
from verify import _misc_experiments as X

from ._style import new_figure, save

NAME = "misc_benign_phase"
RESULTS = (X.BENIGN,)
NS = (10, 20, 40, 80)
MUS = (5.0, 6.5, 8.0, 10.0)  # contains the check's six cells


def make(out, formats, ctx, seed: int = 0):
    seeds = 2  # as the check misc.benign.phase: its six cells are shared
    err = np.zeros((len(MUS), len(NS)))
    for i, mu in enumerate(MUS):
        for j, n in enumerate(NS):
            cell = ctx.memo(("benign", n, mu, seeds, seed), lambda n=n, mu=mu: X.benign_cell(n, mu, seeds, seed,
                                                                                              steps=1500))
            err[i, j] = float(cell[2].mean())
    fig, ax = new_figure()
    im = ax.imshow(err, origin="lower", cmap="viridis", vmin=0, vmax=0.5, aspect="auto")
    ax.set_xticks(range(len(NS)), [str(n) for n in NS])
    ax.set_yticks(range(len(MUS)), [f"{m:g}" for m in MUS])
    for i in range(len(MUS)):
        for j in range(len(NS)):
            ax.text(j, i, f"{err[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="w" if err[i, j] < 0.3 else "k")
    res = theory.get(X.BENIGN)
    order = np.array([[float(res.evaluate("order_parameter", mu_norm=m, sigma_p=1.0, d_patch=400, n=n, q=3.0))
                       for n in NS] for m in MUS])
    cs = ax.contour(np.log(order), levels=np.log([1.0, 2.0, 4.0]), colors="w", linewidths=0.8, linestyles="--")
    ax.clabel(cs, fmt={np.log(1.0): "1", np.log(2.0): "2", np.log(4.0): "4"}, fontsize=7)
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="test error")
    ax.set_xlabel("training samples n")
    ax.set_ylabel(r"signal $\|\mu\|$ ($\sigma_p = 1$, d = 400)")
    ax.set_title(rf"Cao et al. 2022: test error, contours of $n\,\mathrm{{SNR}}^3$ ({seeds} seed(s)/cell)", fontsize=9)
    return save(fig, out, NAME, formats)
