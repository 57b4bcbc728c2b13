"""Alignment of the first-layer weights with the target direction against the step size (Ba et al. 2022).

Points: cos^2 between the top left singular vector of W1 = W0 + eta sqrt(N) G0 and beta* (mean over seeds, 95 % CI),
at d = 256 (the experiment of the checks ba2022.one_step/alignment and step_alignment); line: the DERIVED closed form
(spiked rectangular matrix); dashed: the gradient spike's own alignment.
"""

from __future__ import annotations

import numpy as np

from .. import theory
from ..verify.checks.one_step_features import AlignmentSizes, alignments
from ._figure import figure

PSI1, PSI2 = 4.0, 2.0


@figure(name="spike_alignment", results=("ba2022.one_step",))
def spike_alignment(ctx):
    """cos^2(u1(W1), beta*) against the step eta: theory curve, the gradient spike's alignment, and trained students."""
    res = theory.get("ba2022.one_step")
    sizes = ctx.sizes(AlignmentSizes)
    etas = np.exp(np.linspace(np.log(0.5), np.log(30), 14))
    spike, steps, _ = alignments(PSI1, PSI2, "erf", 0.0, etas.tolist(), sizes=sizes, seed=ctx.seed, device=ctx.device)
    grid = np.exp(np.linspace(np.log(0.5), np.log(30), 300))
    theory_curve = res.evaluate("step_alignment", psi1=PSI1, psi2=PSI2, eta=grid)
    spike_theory = float(res.evaluate("spike_alignment", psi1=PSI1))
    ci = 1.96 * steps.std(1, ddof=1) / np.sqrt(sizes.seeds)
    fig, ax = ctx.new()
    ax.plot(grid, theory_curve, "-", color="k", lw=1.2, label="theory (DERIVED, spiked matrix)")
    ax.axhline(spike_theory, color="grey", ls="--", lw=1, label=r"gradient spike $\cos^2(u_1, \beta_*)$")
    ax.errorbar(etas, steps.mean(1), yerr=ci, fmt="o", ms=3.5, capsize=2, color="#0b6e99",
                label=f"trained, d={sizes.d}, {sizes.seeds} seeds")
    ax.set_xscale("log")
    ax.set_xlabel(r"step size $\eta$ ($W_1 = W_0 + \eta\sqrt{N} G_0$)")
    ax.set_ylabel(r"$\cos^2(u_1(W_1), \beta_*)$")
    ax.set_title(rf"Ba et al. 2022: tanh student, erf teacher, $\psi_1={PSI1:g}$, $\psi_2={PSI2:g}$", fontsize=9)
    ax.legend(fontsize=7)
    return fig, {"eta": etas.tolist(), "measured": steps.mean(1).tolist(), "ci95": ci.tolist(),
                 "spike_measured": float(spike.mean()), "spike_theory": spike_theory,
                 "theory_eta": grid.tolist(), "theory": np.asarray(theory_curve, float).tolist(), "seeds": sizes.seeds}
