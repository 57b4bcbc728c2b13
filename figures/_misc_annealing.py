"""The annealing scaling law (Tissue et al. 2024): fitted on constant + cosine curves, predicting a WSD schedule.

Left: synthetic curves drawn from the law with N(0, 1e-3^2) noise (the check misc.tissue.recovery); right: a small
real run, SGD on power-law linear regression (population loss, mean over seeds). The real run's fit and held-out
error are written next to the figure (misc_annealing_law.json): a recorded comparison, not a pass/fail check."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import theory
from numerics import _misc as M
from verify import _misc_experiments as X
from verify._misc_checks import TRUTH

from ._style import new_figure, save

NAME = "misc_annealing_law"
RESULTS = (X.TISSUE,)
COLORS = {"constant": "#0b6e99", "cosine": "#d1495b", "wsd": "#2e933c"}


def _law(S1, S2, L0, A, al, C):
    return np.asarray(theory.get(X.TISSUE).evaluate("law", L0=L0, A=A, alpha=al, C=C, area1=S1, area2=S2))


def _panel(ax, curves, title):
    th, cov = M.fit_annealing_law([curves[s][:3] for s in ("constant", "cosine")], _law)
    steps = None
    out = {}
    for name, (S1, S2, L, *_) in curves.items():
        steps = np.arange(1, len(L) + 1) * (X_EVERY[title])
        ax.plot(steps, L, ".", ms=1.5, color=COLORS[name], alpha=0.5)
        ax.plot(steps, _law(S1, S2, *th), "-" if name != "wsd" else "--", color=COLORS[name], lw=1.2,
                label=f"{name} ({'fit' if name != 'wsd' else 'predicted'})")
        out[name] = float(np.mean(np.abs(_law(S1, S2, *th) - L)))
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("step")
    return th, cov, out


X_EVERY = {}


def make(out, formats, ctx, seed: int = 0):
    import matplotlib.pyplot as plt

    from ._style import STYLE

    plt.rcParams.update(STYLE)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6))
    T, lam = 5000, 0.999
    syn = X.synthetic_curves(("constant", "cosine", "wsd"), T, 3e-4, TRUTH, lam, 1e-3, seed)
    X_EVERY["synthetic (law + noise)"] = 10
    th_s, _, mae_s = _panel(axes[0], syn, "synthetic (law + noise)")
    seeds = max(4, int(8 * ctx.profile.scale))
    real = ctx.memo(("anneal_real", seeds, seed), lambda: X.real_run(("constant", "cosine", "wsd"), 2000, 0.05,
                                                                     seeds, seed, lam))
    X_EVERY["real run: SGD, power-law regression"] = 20
    th_r, cov_r, mae_r = _panel(axes[1], {k: v[:3] for k, v in real.items()}, "real run: SGD, power-law regression")
    axes[0].set_ylabel("loss")
    for ax in axes:
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    fig.suptitle("Tissue et al. 2024: L = L0 + A S1^-alpha - C S2, fitted on constant + cosine, WSD predicted",
                 fontsize=9)
    paths = save(fig, out, NAME, formats)
    record = {"synthetic": {"truth": list(TRUTH), "fitted": th_s.tolist(), "mae": mae_s},
              "real_run": {"fitted": th_r.tolist(), "se": np.sqrt(np.diag(cov_r)).tolist(), "mae": mae_r,
                           "loss_se_mean": {k: float(np.mean(v[3])) for k, v in real.items()},
                           "setup": {"T": 2000, "eta_max": 0.05, "d": 200, "exponent": 1.5, "noise": 0.5,
                                     "batch": 4, "seeds": seeds, "lambda": lam}}}
    p = Path(out) / f"{NAME}.json"
    p.write_text(json.dumps(record, indent=1))
    return paths + [p]
