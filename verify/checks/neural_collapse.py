"""Neural collapse in trained networks: Papyan, Han, Donoho (PNAS 2020).

Closed forms (float64): the simplex ETF's cosines and rank, and the scaling of NC1 with the within-class noise.
Experiment: a 2-hidden-layer MLP trained with cross-entropy and weight decay on Gaussian classes, past the first
epoch of 100 % training accuracy (the start of the terminal phase); NC1-NC4 per member along training. The claimed
directions are judged by the mean over seeds of log(metric at the end) - log(metric at the start of the terminal
phase), against z = 4.5 standard errors over seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from ... import numerics as nm
from .. import rules
from .._check import check
from .._experiment import Sizes, experiment, scaled

PAPYAN = "papyan2020.neural_collapse"
_FLOAT = "float64 closed forms against their construction; float tolerance (1e-9 .. 1e-12 absolute)"


@check(result=PAPYAN, quantity="etf_cosine", name="etf", rule="componentwise", also=["etf_rank"], cost="cheap",
       method=_FLOAT + "; the rank, an integer, within 0.5", strategy=st.fixed_dictionaries({"C": st.integers(2, 60)}),
       examples=[{"C": 10}])
def etf(p, ctx):
    """The simplex ETF's unit columns have pairwise cosine -1/(C-1) and rank C-1."""
    C = p["C"]
    Mx = nm.simplex_etf(C)
    norms = Mx.norm(dim=0)
    cos = (Mx.T @ Mx) / (norms[:, None] * norms[None, :])
    off = cos[~torch.eye(C, dtype=torch.bool)]
    rank = int(torch.linalg.matrix_rank(Mx, tol=1e-9))
    k = off.numel()
    pred = [float(ctx.predict(C=C))] * k + [float(ctx.predict_also("etf_rank", C=C)), 1.0]
    return rules.componentwise(pred, off.tolist() + [rank, float(norms.max())],
                               parts={"float": [1e-12] * k + [0.0, 1e-12], "integer rank": [0.0] * k + [0.5, 0.0]},
                               diagnostics={"unit_norm_error": float((norms - 1).abs().max()),
                                            "components": f"{k} cosines, rank, max column norm"})


@check(result=PAPYAN, quantity="nc1_noise_exponent", name="nc1_scaling", rule="componentwise", cost="cheap",
       method=_FLOAT, strategy=st.fixed_dictionaries({"C": st.integers(2, 8), "features": st.integers(8, 20)}),
       examples=[{"C": 4, "features": 10}])
def nc1_scaling(p, ctx):
    """NC1 scales as the square of the within-class noise (log-log slope over noise scales 0.25..2, class means held
    fixed) and is invariant to h -> 3 Q h (Q orthogonal)."""
    C, q = p["C"], p["features"]
    g = torch.Generator().manual_seed(ctx.seed)
    means = torch.randn(C, q, generator=g, dtype=torch.float64) * 3
    y = torch.arange(C).repeat_interleave(20)
    noise = torch.randn(len(y), q, generator=g, dtype=torch.float64)
    noise = noise - torch.stack([noise[y == c].mean(0) for c in range(C)])[y]  # class means held fixed
    W, b = torch.randn(C, q, dtype=torch.float64, generator=g), torch.zeros(C, dtype=torch.float64)
    scales = np.array([0.25, 0.5, 1.0, 2.0])
    nc1 = np.array([nm.nc_metrics(means[y] + s * noise, y, W, b, C)["NC1"] for s in scales])
    slope = float(np.polyfit(np.log(scales), np.log(nc1), 1)[0])
    Q = torch.linalg.qr(torch.randn(q, q, generator=g, dtype=torch.float64))[0]
    inv = nm.nc_metrics(3.0 * (means[y] + noise) @ Q.T, y, W, b, C)["NC1"] / nc1[2]
    return rules.componentwise([float(ctx.predict()), 1.0], [slope, inv], parts={"float": 1e-9},
                               diagnostics={"NC1": nc1.tolist(), "components": ["slope", "NC1(3Qh)/NC1(h)"]})


# ------------------------------------------------------------------------------------------ trained MLPs
@dataclass(frozen=True)
class CollapseSizes(Sizes):
    seeds: int = scaled(12, min=8)  # independently seeded MLPs (and training sets): the SE is over them
    classes: int = 4  # Gaussian classes C
    per_class: int = 25  # training points per class
    d_in: int = 10  # input dimension
    width: int = 128  # width of both hidden layers
    sep: float = 3.0  # norm of the class means (unit noise): separable, so 100 % training accuracy is reached
    wd: float = 5e-3  # weight decay: cross-entropy + wd ||params||^2 / 2
    every: int = 50  # NC metrics every this many steps
    # full-batch Adam at 1e-2 for 1500 steps: every member reaches 100 % training accuracy by the first record (step
    # 50; measured, 8 seeds), leaving ~1450 steps of terminal phase
    train: nm.TrainConfig = nm.TrainConfig.preset("adam", steps=1500, lr=1e-2, log_every=100)


@dataclass
class CollapseRun:
    records: list  # (step, [nc_metrics of member e for e in range(seeds)]) every `every` steps and at the end
    fit: dict
    regime: str | None  # assumption-violated when a member diverged
    reason: str


@experiment
def collapse_run(sizes: CollapseSizes = CollapseSizes(), *, seed: int, device: str = "cpu") -> CollapseRun:
    """A small MLP ensemble trained past zero training error; NC metrics per member every `sizes.every` steps."""
    g = torch.Generator().manual_seed(seed)
    C, steps = sizes.classes, sizes.train.steps
    task = nm.GaussianClasses(sizes.seeds, C, sizes.per_class, sizes.d_in, sizes.sep, sizes.wd, g)
    model = nm.CollapseMLP(sizes.seeds, sizes.d_in, sizes.width, C, g)
    rec = []

    def cb(step, model, loss):
        if step % sizes.every == 0 or step == steps - 1:
            with torch.no_grad():
                h = model.features(task.x.to(model.W)).cpu()
                W, b = model.W.cpu(), model.b.cpu()
                rec.append((step, [nm.nc_metrics(h[e], task.y, W[e], b[e], C) for e in range(sizes.seeds)]))

    res = nm.fit(model, task, sizes.train.replace(device=device), seed=seed, callbacks=[cb])
    diverged = bool(res.diverged.any())
    return CollapseRun(rec, res.diagnostics(), "assumption-violated" if diverged else None,
                       f"{int(res.diverged.sum())} member(s) diverged" if diverged else "")


def tpt_change(records, metric):
    """Per member: log(metric at the end) - log(metric at the first record with 100 % training accuracy), and the
    step of that record (NaN and None for a member that reached it only at the end, or never)."""
    out, starts = [], []
    E = len(records[0][1])
    for e in range(E):
        first = next((i for i, (_, r) in enumerate(records) if r[e]["train_acc"] == 1.0), None)
        if first is None or first == len(records) - 1:
            out.append(float("nan"))
            starts.append(None)
            continue
        out.append(math.log(records[-1][1][e][metric]) - math.log(records[first][1][e][metric]))
        starts.append(records[first][0])
    return np.array(out), starts


METRICS = {"nc1_trend": "NC1", "etf_trend": "NC2", "duality_trend": "NC3"}


def _collapse_trend(p, ctx):
    """The claimed direction (the check's quantity) of one collapse metric over the terminal phase."""
    metric = METRICS[ctx.check.quantity]
    sizes = ctx.sizes(CollapseSizes)
    run = collapse_run(sizes, seed=ctx.seed, device=ctx.device)
    rec = run.records
    shape = {"seeds": sizes.seeds, "C": sizes.classes, "per_class": sizes.per_class, "width": sizes.width,
             "steps": rec[-1][0] + 1}
    if run.regime is not None:
        return rules.assumption_violated(run.reason, sizes=shape, diagnostics={"fit": run.fit})
    ch, starts = tpt_change(rec, metric)
    if np.any(np.isnan(ch)):
        return rules.inconclusive("a member never reached 100 % training accuracy before the end", sizes=shape,
                                  diagnostics={"tpt_start": starts})
    se = ch.std(ddof=1) / math.sqrt(sizes.seeds)
    return rules.trend(ctx.predict(), ch.mean(), max(se, 1e-12),  # SE floored at 1e-12 (float), as before
                       diagnostics={f"log {metric} change (end vs TPT start)": ch.tolist(), "tpt_start": starts,
                                    f"{metric}_end": [r[metric] for r in rec[-1][1]],
                                    "NC4_end": [r["NC4"] for r in rec[-1][1]]}, sizes=shape)


_TREND = (f"trend rule: the mean over seeds of the log change >= z*SE (z = {rules.Z}, SE over seeds); a member that "
          "never reaches 100 % training accuracy -> inconclusive, a diverged member -> assumption-violated")

collapse_trends = [
    check(result=PAPYAN, quantity=q, name=q, rule="trend", strategy=st.just({}), examples=[{}], method=_TREND,
          description=f"A 2-hidden-layer MLP (width 128) trained with cross-entropy and weight decay on 4 Gaussian "
                      f"classes: {metric} decreases from the start of the terminal phase (first 100 % training "
                      "accuracy) to the end of training.")(_collapse_trend)
    for q, metric in METRICS.items()]
