"""AdaGrad++ / Adam++ (Tao et al.) against AdaGrad / Adam: suboptimality of l2-regularised logistic regression
against the step, for initial step sizes eps (AdaGrad++/Adam++) or learning rates (AdaGrad/Adam) of 1e-6, 1e-3
and 1e-1: the parameter-free methods converge for every eps, the classical ones only with a tuned rate.
"""

from __future__ import annotations

import numpy as np

from ..verify.checks.parameter_free_optimisers import TAO, LogisticSizes, suboptimality_curve
from ._figure import figure

RATES = (1e-6, 1e-3, 1e-1)
STEPS = 600
NAMES = {"adagrad_pp": "AdaGrad++", "adagrad": "AdaGrad", "adam_pp": "Adam++", "adam": "Adam"}


@figure(name="adagrad_pp_vs_tuned_rates", results=(TAO,))
def adagrad_pp(ctx):
    """f(x_T) - f* against T for each optimiser and initial step size / learning rate."""
    fig, axes = ctx.new(1, 2, figsize=(9.0, 3.6), sharey=True)
    styles = dict(zip(RATES, ("-", "--", ":")))
    data = {"steps": STEPS, "rates": list(RATES)}
    for ax, pair in zip(axes, (("adagrad_pp", "adagrad"), ("adam_pp", "adam"))):
        for opt, colour in zip(pair, ("#0b6e99", "#d1495b")):
            for r in RATES:
                vals = suboptimality_curve(opt, r, steps=STEPS, seed=ctx.seed, device=ctx.device)
                data.setdefault(opt, {})[f"{r:g}"] = vals.tolist()
                ax.plot(np.arange(1, STEPS + 1), np.maximum(vals, 1e-16), styles[r], color=colour, lw=1.1,
                        label=f"{NAMES[opt]}, {'eps' if opt.endswith('_pp') else 'lr'}={r:g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("step T")
        ax.legend(fontsize=6)
    axes[0].set_ylabel(r"$f(x_T) - f^*$")
    fig.suptitle(f"Tao et al.: parameter-free step sizes vs tuned learning rates (logistic regression, "
                 f"n={LogisticSizes.n}, p={LogisticSizes.p})", fontsize=9)
    return fig, data
