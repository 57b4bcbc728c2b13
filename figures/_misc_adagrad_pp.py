"""AdaGrad++ / Adam++ (Tao et al.) against AdaGrad / Adam: suboptimality of l2-regularised logistic regression
against the step, for initial step sizes eps (AdaGrad++/Adam++) or learning rates (AdaGrad/Adam) of 1e-6, 1e-3
and 1e-1: the parameter-free methods converge for every eps, the classical ones only with a tuned rate."""

from __future__ import annotations

import numpy as np

from verify import _misc_experiments as X

from ._style import new_figure, save

NAME = "misc_adagrad_pp"
RESULTS = (X.TAO,)
RATES = (1e-6, 1e-3, 1e-1)


def make(out, formats, ctx, seed: int = 0):
    import matplotlib.pyplot as plt

    from ._style import STYLE

    plt.rcParams.update(STYLE)
    prob, fstar = X.logistic_problem(200, 20, 0.01, seed)
    steps = 600
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), sharey=True)
    styles = dict(zip(RATES, ("-", "--", ":")))
    for ax, pair in zip(axes, (("adagrad_pp", "adagrad"), ("adam_pp", "adam"))):
        for opt, color in zip(pair, ("#0b6e99", "#d1495b")):
            for r in RATES:
                opts, lr = ({"eps": r}, 1.0) if opt.endswith("_pp") else ({}, r)
                vals = []

                def cb(step, model, loss, vals=vals):
                    vals.append(float(prob.value(model.x.detach())[0]) - fstar)

                from numerics import _misc as M
                from numerics._fit import TrainConfig, fit

                cfg = TrainConfig(steps=steps, lr=lr, optimizer=opt, schedule="constant", dtype="float64",
                                  optimizer_options=tuple(opts.items()), log_every=steps, device="cpu")
                fit(M.Point(1, 20), prob, cfg, seed=seed, callbacks=[cb])
                name = {"adagrad_pp": "AdaGrad++", "adagrad": "AdaGrad", "adam_pp": "Adam++", "adam": "Adam"}[opt]
                ax.plot(np.arange(1, steps + 1), np.maximum(vals, 1e-16), styles[r], color=color, lw=1.1,
                        label=f"{name}, {'eps' if opt.endswith('_pp') else 'lr'}={r:g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("step T")
        ax.legend(fontsize=6)
    axes[0].set_ylabel(r"$f(x_T) - f^*$")
    fig.suptitle("Tao et al.: parameter-free step sizes vs tuned learning rates (logistic regression, n=200, p=20)",
                 fontsize=9)
    return save(fig, out, NAME, formats)
