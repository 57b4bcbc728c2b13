"""The learning-rate annealing scaling law: Tissue, Wang, Li, Shi, Liu, Li (2024).

L(s) = L0 + A S1(s)^-alpha - C S2(s), with S1 the forward area (sum of learning rates) and S2 the annealing area (the
momentum-smoothed sum of learning-rate drops). Closed-form areas of the constant, linear, cosine, step and WSD
schedules are checked against the recursions in float64. The law itself is checked on real training: fitted on the
loss curves of a small model (SGD on power-law linear regression) under the constant and cosine schedules, it must
predict the curve under a held-out WSD schedule. (Fitting the law to curves drawn from the law tests only the fitting
code, so that is no check here: the figure annealing_law shows it beside the real run.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from ... import numerics as nm
from ... import theory
from .. import rules
from .._check import check
from .._experiment import Sizes, experiment, scaled

TISSUE = "tissue2024.lr_annealing_law"
Z = rules.Z
TRUTH = (2.0, 0.5, 0.5, 0.4)  # L0, A, alpha, C: C * S2_max ~ 0.1 at eta_max = 3e-4, lam = 0.999 (dossier C6a.2)
ETA_MAX, LAM = 3e-4, 0.999  # the synthetic curves' peak rate and the annealing momentum
FIT_ON = ("constant", "cosine")  # the schedules the law is fitted on; a third is predicted


def _log(lo, hi):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


# ------------------------------------------------------------------------------------------ areas
@check(result=TISSUE, quantity="S2", name="areas", rule="componentwise", also=["S1", "loss"], cost="cheap",
       method="float: 1e-9 relative to the summed terms (S1: |S1|; S2: the total drop over 1 - lambda; L: |L| plus C "
              "times that)",
       strategy=st.fixed_dictionaries({
           "schedule": st.sampled_from(["constant", "linear", "cosine", "step", "wsd"]), "T": st.integers(2, 3000),
           "s": st.integers(1, 3000), "lam": st.floats(0.0, 0.9995), "eta_max": _log(1e-5, 1.0),
           "min_ratio": st.floats(0.0, 0.5), "gamma": st.floats(0.1, 0.9), "P": st.integers(1, 500),
           "frac": st.floats(0.05, 1.0)}).filter(lambda p: abs(p["gamma"] - p["lam"] ** p["P"]) > 0.05),
       examples=[{"schedule": "cosine", "T": 2000, "s": 1500, "lam": 0.999, "eta_max": 3e-4, "min_ratio": 0.0,
                  "gamma": 0.5, "P": 500, "frac": 0.2}])
def areas(p, ctx):
    """Closed-form S1, S2 and L(s) of constant, linear, cosine, step and WSD schedules against the recursions."""
    sch, T, lam, s = p["schedule"], p["T"], p["lam"], p["s"]
    kw = dict(T=T, eta_max=p["eta_max"], eta_min=p["eta_max"] * p["min_ratio"], lam=lam, gamma=p["gamma"],
              P=p["P"], frac=p["frac"])
    table = nm.lr_table(sch, T, kw["eta_max"], kw["eta_min"], kw["gamma"], kw["P"], kw["frac"])
    S1, S2 = nm.areas(table, lam)
    k = min(s, T) - 1
    law = (2.0, 0.5, 0.5, 300.0)
    pred = [float(ctx.predict_also("S1", schedule=sch, s=k + 1, **kw)),
            float(ctx.predict(schedule=sch, s=k + 1, **kw)),
            float(ctx.predict_also("loss", schedule=sch, s=k + 1, L0=law[0], A=law[1], alpha=law[2], C=law[3], **kw))]
    meas = [S1[k], S2[k], law[0] + law[1] * S1[k] ** (-law[2]) - law[3] * S2[k]]
    # float: the closed forms (trigonometric / geometric sums) against cumulative sums of length T
    drops = np.abs(np.diff(table)).sum() / (1 - lam)
    tol = [1e-9 * (abs(S1[k]) + 1e-300), 1e-9 * drops + 1e-300, 1e-9 * (abs(meas[2]) + law[3] * drops)]
    if meas[1] == 0.0:  # constant schedule / before the decay: S2 = 0 exactly
        tol[1] = 1e-300
    return rules.componentwise(pred, meas, parts={"float (1e-9 of the summed terms)": tol}, sizes={"T": T, "s": k + 1},
                               diagnostics={"components": ["S1", "S2", "L"]})


# ------------------------------------------------------------------------------------------ the law's fit
@dataclass(frozen=True)
class LawCurveSizes(Sizes):
    every: int = 10  # one loss point every 10 steps: T/10 points per curve
    noise: float = 1e-3  # std of the Gaussian noise on each loss point (~0.05 % of L): the fit's SE stays < 0.1 %


@experiment(cpu_only="NumPy: the areas' recursions and Gaussian noise")
def synthetic_curves(schedules, T: int, eta_max: float, truth, lam: float, *, sizes: LawCurveSizes = LawCurveSizes(),
                     seed: int) -> dict:
    """Loss curves drawn from the law (areas by the recursion, not the closed forms) with N(0, noise^2) noise, in the
    order of `schedules`: {schedule: (S1, S2, noisy loss, clean loss)} every `sizes.every` steps."""
    rng = np.random.default_rng(seed)
    L0, A, alpha, C = truth
    out = {}
    for name in schedules:
        S1, S2 = nm.areas(nm.lr_table(name, T, eta_max, 0.0), lam)
        idx = np.arange(sizes.every - 1, T, sizes.every)
        clean = L0 + A * S1[idx] ** (-alpha) - C * S2[idx]
        out[name] = (S1[idx], S2[idx], clean + sizes.noise * rng.standard_normal(idx.size), clean)
    return out


# ------------------------------------------------------------------------------------------ a small real run
@dataclass(frozen=True)
class RealRunSizes(Sizes):
    seeds: int = scaled(16, min=16)  # students per schedule: the loss is their mean (Student-t SE, t_15 = 6.9)
    T: int = 2000  # SGD steps per schedule
    d: int = 200  # input dimension
    exponent: float = 1.5  # input spectrum i^-exponent (a power law: a loss curve of scaling-law shape)
    noise: float = 0.5  # label noise std (the irreducible loss is noise^2 / 2)
    batch: int = 4  # SGD batch: small, so the annealing of the rate visibly lowers the loss
    every: int = 20  # the exact population loss every 20 steps


@experiment
def real_run(schedules, eta_max: float, lam: float, *, sizes: RealRunSizes = RealRunSizes(), seed: int,
             device: str = "cpu") -> dict:
    """SGD on power-law linear regression under each schedule; exact population loss every `sizes.every` steps,
    averaged over seeds. Returns {schedule: (S1, S2, loss, loss_se, fit diagnostics)}."""
    out = {}
    T, every = sizes.T, sizes.every
    task = nm.PowerLawRegression(sizes.d, sizes.exponent, sizes.noise, torch.Generator().manual_seed(seed))
    for name in schedules:
        table = nm.lr_table(name, T, eta_max)
        rec = []

        def cb(step, model, loss, rec=rec):
            if (step + 1) % every == 0:
                with torch.no_grad():
                    rec.append(task.population(model.w).cpu().clone())

        cfg = nm.TrainConfig.preset("gd", steps=T, batch=sizes.batch, lr=1.0, schedule="table",
                                    lr_table=tuple(table[1:]), log_every=T, device=device)
        res = nm.fit(nm.NoisyRegression(sizes.seeds, sizes.d), task, cfg, seed=seed + 1, callbacks=[cb])
        L = torch.stack(rec).double()  # (points, seeds)
        S1, S2 = nm.areas(table, lam)
        idx = np.arange(every - 1, T, every)
        out[name] = (S1[idx], S2[idx], L.mean(1).numpy(), (L.std(1, unbiased=True) / math.sqrt(sizes.seeds)).numpy(),
                     res.diagnostics())
    return out


@experiment
def law_fit(schedules, fit_on, eta_max: float, lam: float, *, sizes: RealRunSizes = RealRunSizes(), seed: int,
            device: str = "cpu"):
    """The law (the theory's, unperturbed: the fit is set-up, not a compared side) fitted to the loss curves of
    real_run(schedules, ...) under the schedules `fit_on`: (theta = (L0, A, alpha, C), its Gauss-Newton covariance)."""
    real = real_run(schedules, eta_max, lam, sizes=sizes, seed=seed, device=device)
    law = theory.get(TISSUE).function("law")  # compiled once: the fit evaluates it ~1e5 times

    def fitted_law(S1, S2, L0, A, al, C):
        return np.asarray(law(L0=L0, A=A, alpha=al, C=C, area1=S1, area2=S2))

    return nm.fit_annealing_law([real[s][:3] for s in fit_on], fitted_law)


def _law_gradient(S1, S2, theta):
    """d law / d (L0, A, alpha, C) at theta, per point: the delta method's Jacobian for the fit's uncertainty."""
    _, A, al, _ = theta
    return np.stack([np.ones_like(S1), S1 ** -al, -A * S1 ** -al * np.log(S1), -S2], axis=1)


@check(result=TISSUE, quantity="law", name="held_out_schedule", rule="componentwise",
       strategy=st.fixed_dictionaries({"eta_max": st.floats(0.02, 0.06)}), examples=[{"eta_max": 0.05}],
       method="the law fitted (Huber on log L, L-BFGS-B, grid starts) to real SGD loss curves under the constant and "
              "cosine schedules (mean of 8 seeds, power-law linear regression, d = 200, 2000 steps) predicts the WSD "
              "curve where its rate has left the constant one (the decay phase, 20 points); per point tolerance = "
              "t*sqrt(SE_curve^2 + SE_fit^2), t the Student-t quantile for the seeds at the tail of z = 4.5, SE_fit "
              "by the delta method from the fit's Gauss-Newton covariance")
def held_out_schedule(p, ctx):
    """Fitted on real loss curves under two schedules (constant, cosine), the law predicts the loss curve of a third,
    held-out one (WSD: its decay phase) on the same small model: the paper's claim that real training follows it."""
    sizes = ctx.sizes(RealRunSizes)
    eta = p["eta_max"]
    real = real_run(FIT_ON + ("wsd",), eta, LAM, sizes=sizes, seed=ctx.seed, device=ctx.device)
    diverged = sum(r[4]["diverged"] for r in real.values())
    if diverged:
        return rules.assumption_violated(f"{diverged} SGD run(s) diverged at eta_max = {eta:g}")
    theta, cov = law_fit(FIT_ON + ("wsd",), FIT_ON, eta, LAM, sizes=sizes, seed=ctx.seed, device=ctx.device)
    S1, S2, loss, se, _ = real["wsd"]
    steps = np.arange(sizes.every, sizes.T + 1, sizes.every)
    decay = nm.lr_table("wsd", sizes.T, eta)[steps] < eta * (1 - 1e-12)  # where WSD's rate has left the constant's
    S1, S2, loss, se = S1[decay], S2[decay], loss[decay], se[decay]
    G = _law_gradient(S1, S2, theta)
    se_fit = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", G, cov, G), 0.0))
    predicted = np.asarray(ctx.predict(L0=theta[0], A=theta[1], alpha=theta[2], C=theta[3], area1=S1, area2=S2))
    t = rules.quantile(sizes.seeds)
    return rules.componentwise(predicted, loss, parts={f"curve (t*SE over seeds, t={t:.3g})": t * se,
                                                       "fit (t*SE, delta method)": t * se_fit},
                               sizes={"seeds": sizes.seeds, "T": sizes.T, "points": int(decay.sum())},
                               diagnostics={"fitted (L0, A, alpha, C)": theta.tolist(),
                                            "fit_se": np.sqrt(np.maximum(np.diag(cov), 0)).tolist(),
                                            "steps": steps[decay].tolist()})
