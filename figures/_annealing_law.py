"""The annealing scaling law (Tissue et al. 2024): fitted on constant + cosine curves, predicting a WSD schedule.

Left: synthetic curves drawn from the law with N(0, 1e-3^2) noise (the fit recovers what it was given: an
illustration of the fitting, no check); right: a small real run, SGD on power-law linear regression (population loss,
mean over seeds), the experiment of the check tissue2024.lr_annealing_law/held_out_schedule. The fits and held-out
errors are the figure's data (annealing_law.json).
"""

from __future__ import annotations

import numpy as np

from .. import numerics as nm
from .. import theory
from ..verify.checks.lr_schedules import (
    ETA_MAX,
    FIT_ON,
    LAM,
    TISSUE,
    TRUTH,
    LawCurveSizes,
    RealRunSizes,
    real_run,
    synthetic_curves,
)
from ._figure import figure

SCHEDULES = FIT_ON + ("wsd",)
COLOURS = {"constant": "#0b6e99", "cosine": "#d1495b", "wsd": "#2e933c"}
SYNTHETIC_T = 5000  # steps of the synthetic curves (the check's paper example)
REAL_ETA_MAX = 0.05  # peak rate of the real run


def _law(S1, S2, L0, A, al, C):
    law = theory.get(TISSUE).function("law")  # compiled: the fits evaluate it ~1e5 times
    return np.asarray(law(L0=L0, A=A, alpha=al, C=C, area1=S1, area2=S2))


def _panel(ax, curves, every, title):
    th, cov = nm.fit_annealing_law([curves[s][:3] for s in FIT_ON], _law)
    mae = {}
    for name, (S1, S2, L, *_) in curves.items():
        steps = np.arange(1, len(L) + 1) * every
        fitted = _law(S1, S2, *th)
        ax.plot(steps, L, ".", ms=1.5, color=COLOURS[name], alpha=0.5)
        ax.plot(steps, fitted, "-" if name in FIT_ON else "--", color=COLOURS[name], lw=1.2,
                label=f"{name} ({'fit' if name in FIT_ON else 'predicted'})")
        mae[name] = float(np.mean(np.abs(fitted - L)))
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("step")
    return th, cov, mae


@figure(name="annealing_law", results=(TISSUE,))
def annealing_law(ctx):
    """Loss curves and the law fitted on constant + cosine, WSD predicted: synthetic (left) and a real run (right)."""
    fig, axes = ctx.new(1, 2, figsize=(9.0, 3.6))
    syn_sizes, real_sizes = ctx.sizes(LawCurveSizes), ctx.sizes(RealRunSizes)
    syn = synthetic_curves(SCHEDULES, SYNTHETIC_T, ETA_MAX, TRUTH, LAM, sizes=syn_sizes, seed=ctx.seed)
    th_s, _, mae_s = _panel(axes[0], syn, syn_sizes.every, "synthetic (law + noise)")
    real = real_run(SCHEDULES, REAL_ETA_MAX, LAM, sizes=real_sizes, seed=ctx.seed, device=ctx.device)
    th_r, cov_r, mae_r = _panel(axes[1], {k: v[:3] for k, v in real.items()}, real_sizes.every,
                                "real run: SGD, power-law regression")
    axes[0].set_ylabel("loss")
    for ax in axes:
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    fig.suptitle("Tissue et al. 2024: L = L0 + A S1^-alpha - C S2, fitted on constant + cosine, WSD predicted",
                 fontsize=9)
    record = {"synthetic": {"truth": list(TRUTH), "fitted": th_s.tolist(), "mae": mae_s},
              "real_run": {"fitted": th_r.tolist(), "se": np.sqrt(np.diag(cov_r)).tolist(), "mae": mae_r,
                           "loss_se_mean": {k: float(np.mean(v[3])) for k, v in real.items()},
                           "setup": {"T": real_sizes.T, "eta_max": REAL_ETA_MAX, "d": real_sizes.d,
                                     "exponent": real_sizes.exponent, "noise": real_sizes.noise,
                                     "batch": real_sizes.batch, "seeds": real_sizes.seeds, "lambda": LAM}}}
    return fig, record
