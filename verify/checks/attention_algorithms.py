"""Softmax attention as an algorithm: a 1-nearest-neighbour rule (Li, Huang, Liang, Hsieh 2024) and the count MLE of
a Bayesian network's conditional probabilities (Cao et al. 2025).

Constructions (float64, exact up to a DERIVED finite-temperature bound): the full (d+2) x (d+2) attention on the
two-parameter family W = diag(xi1 I, 0, -xi2) against its closed form and its hard-max limit; one head with scores
c <p_i, p_q> against the count MLE. Experiments: SGD on the two-parameter family, the count MLE's TV error over many
random chains, and one head trained on in-context samples of random 3-node chains. Trends use z = 4.5 standard errors
over seeds (a claimed direction must clear the noise band).
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

LI, BN = "li2024.one_nn_attention", "cao2025.bn_incontext_mle"
Z = rules.Z
_TREND = f"trend rule: sign * effect >= z*SE (z = {Z}), SE over seeds; a diverged run -> assumption-violated"


def _trend(claim, effect, se, **kw) -> rules.Comparison:
    return rules.trend(claim, effect, max(float(se), 1e-12), **kw)  # SE floored at 1e-12 (float), as before


def _regime(res) -> tuple[str | None, str]:
    bad = int(res.diverged.sum())
    return ("assumption-violated", f"{bad} member(s) diverged (non-finite or exploding loss)") if bad else (None, "")


def _full_attention(d, N, xi1, xi2, prompts, seed):
    """The full attention's prediction on `prompts` random prompts, their inner products a_j = <x_j, x_q> and labels."""
    Xp, y, _ = nm.OneNNTask(d, N).sample(1, prompts, torch.Generator().manual_seed(seed))
    with torch.no_grad():
        full = nm.OneNNAttention(1, d, xi1, xi2)((Xp, y, None))[0].numpy()
    a = (Xp[0, :, :-1] @ Xp[0, :, -1:].transpose(-1, -2))[..., 0].numpy()
    return full, a, y[0].numpy()


# ------------------------------------------------------------------------------------------ Li et al.: constructions
@check(result=LI, quantity="prediction", name="reduction", rule="componentwise", cost="cheap",
       method="float: 1e-10 absolute per prompt (64 prompts)",
       strategy=st.fixed_dictionaries({"d": st.integers(2, 12), "N": st.integers(1, 32), "xi1": st.floats(0.0, 50.0),
                                       "gap": st.floats(-5.0, 20.0)}),
       examples=[{"d": 8, "N": 16, "xi1": 10.0, "gap": 5.0}])
def reduction(p, ctx):
    """The full (d+2) x (d+2) softmax attention on W = diag(xi1 I, 0, -xi2) (xi2 = xi1 + gap) equals the two-parameter
    formula, prompt by prompt."""
    d, N, xi1, gap = p["d"], p["N"], p["xi1"], p["gap"]
    full, a, y = _full_attention(d, N, xi1, xi1 + gap, 64, ctx.seed)
    pred = np.asarray(ctx.predict(xi1=xi1, xi2=xi1 + gap, a=a, y=y), dtype=float)
    return rules.componentwise(pred, full, parts={"float": 1e-10}, scale=np.maximum(np.abs(pred), 1e-3),
                               sizes={"d": d, "N": N, "prompts": 64})


@check(result=LI, quantity="hardmax_prediction", name="hardmax", rule="componentwise", cost="cheap",
       method="per prompt: the DERIVED bound 2(N-1) e^{-xi1 Delta} + e^{xi1(1-a*)-xi2} + 1e-12 (prompts where the "
              "bound is >= 1, near-ties, are skipped: they test nothing)",
       strategy=st.fixed_dictionaries({"d": st.integers(2, 10), "N": st.integers(2, 32),
                                       "xi1": st.floats(200.0, 5000.0)}),
       examples=[{"d": 8, "N": 16, "xi1": 2000.0}])
def hardmax(p, ctx):
    """At large xi1 (xi2 = xi1 + 50) the attention's prediction is the 1-NN label."""
    d, N, xi1 = p["d"], p["N"], p["xi1"]
    xi2 = xi1 + 50.0
    full, a, yy = _full_attention(d, N, xi1, xi2, 256, ctx.seed)
    pred = np.asarray(ctx.predict(a=a, y=yy), dtype=float)
    # the DERIVED finite-xi1 bound: |yhat - y*| <= 2 (N - 1) e^{-xi1 Delta} + e^{xi1 (1 - a*) - xi2}, float floor
    astar = a.max(-1)
    ystar = yy[np.arange(len(a)), a.argmax(-1)]
    other = np.where(yy != ystar[:, None], a, -np.inf).max(-1)
    delta = astar - other  # -inf .. : +inf when every label agrees
    with np.errstate(over="ignore"):
        bound = 2 * (N - 1) * np.exp(-xi1 * np.where(np.isfinite(delta), delta, np.inf)) + np.exp(xi1 * (1 - astar) - xi2)
    keep = bound < 1.0  # near-ties (Delta ~ 1/xi1) leave the bound vacuous: they test nothing
    return rules.componentwise(pred[keep], full[keep], parts={"DERIVED hard-max bound": bound[keep], "float": 1e-12},
                               sizes={"d": d, "N": N, "xi1": xi1, "xi2": xi2, "prompts": 256},
                               diagnostics={"prompts_compared": int(keep.sum()), "near_ties_skipped": int((~keep).sum())})


# ------------------------------------------------------------------------------------------ Li et al.: training
ONE_NN = {"d": 8, "N": 16}  # the training setting: points on the sphere of R^8, 16 labelled points per prompt


@dataclass(frozen=True)
class OneNNSizes(Sizes):
    seeds: int = scaled(4, min=2)  # independently seeded SGD runs (ensemble members): the SE is over them
    early: int = 100  # the step whose (xi1, xi2) is compared with the end
    steps: int = scaled(1500, min=1000)  # SGD steps: xi1 grows steadily well past step 100
    # SGD (float64) from (xi1, xi2) = (0, 3) on fresh prompts, 128 per step, at rate 0.5 (steps set from `steps`)
    train: nm.TrainConfig = nm.TrainConfig.preset("gd64", batch=128, lr=0.5)
    eval_prompts: int = scaled(8000, min=4000)  # fixed evaluation prompts, the same at step 100 and at the end


@dataclass
class OneNNRun:
    snaps: dict  # {step: (xi1 (E,), xi2 (E,))} at `early` and at the end
    steps: int
    fit: dict
    regime: str | None
    reason: str


@experiment
def one_nn_training(d: int, N: int, *, sizes: OneNNSizes = OneNNSizes(), seed: int, device: str = "cpu") -> OneNNRun:
    """SGD on the two-parameter family from (0, 3); (xi1, xi2) per member at step `sizes.early` and at the end."""
    snaps, steps = {}, sizes.steps

    def cb(step, model, loss):
        if step + 1 == sizes.early or step == steps - 1:
            snaps[step + 1] = (model.xi1.detach().cpu().clone(), model.xi2.detach().cpu().clone())

    cfg = sizes.train.replace(steps=steps, log_every=max(1, steps // 50), device=device)
    res = nm.fit(nm.OneNNAttention(sizes.seeds, d, 0.0, 3.0), nm.OneNNTask(d, N), cfg, seed=seed, callbacks=[cb])
    return OneNNRun(snaps, steps, res.diagnostics(), *_regime(res))


@experiment
def one_nn_eval(d: int, N: int, xi1, xi2, prompts: int, *, seed: int, device: str = "cpu"):
    """Per member: disagreement of sign(yhat) with the 1-NN label, and the loss, on fixed prompts drawn from `seed`."""
    xi1, xi2 = torch.as_tensor(xi1, dtype=torch.float64), torch.as_tensor(xi2, dtype=torch.float64)
    E = xi1.shape[0]
    X, y, target = (t.to(device) for t in nm.OneNNTask(d, N).sample(E, prompts, torch.Generator().manual_seed(seed)))
    model = nm.OneNNAttention(E, d).to(device)
    with torch.no_grad():
        model.xi1.copy_(xi1)
        model.xi2.copy_(xi2)
        pred = model((X, y, target))
    return ((torch.sign(pred) != target).double().mean(1).cpu(), (0.5 * (pred - target) ** 2).mean(1).cpu())


def _one_nn(ctx):
    sizes = ctx.sizes(OneNNSizes)
    return sizes, one_nn_training(**ONE_NN, sizes=sizes, seed=ctx.seed, device=ctx.device)


@check(result=LI, quantity="xi1_trend", name="xi1_trend", rule="trend", strategy=st.just({}), examples=[{}],
       method=_TREND)
def xi1_trend(p, ctx):
    """SGD on the loss (from xi1 = 0, xi2 = 3) increases xi1 between step 100 and the end."""
    sizes, run = _one_nn(ctx)
    early, late = run.snaps[sizes.early][0], run.snaps[run.steps][0]
    diff = (late - early).numpy()
    return _trend(ctx.predict(), diff.mean(), diff.std(ddof=1) / math.sqrt(sizes.seeds),
                  diagnostics={"xi1_step100": early.tolist(), "xi1_end": late.tolist(),
                               "xi2_end": run.snaps[run.steps][1].tolist()},
                  sizes={**ONE_NN, "batch": sizes.train.batch, "steps": run.steps, "lr": sizes.train.lr,
                         "seeds": sizes.seeds}).outside_regime(run.regime, run.reason)


@check(result=LI, quantity="nn_disagreement_trend", name="nn_disagreement", rule="trend", strategy=st.just({}),
       examples=[{}], method=_TREND + "; paired: the same evaluation prompts at step 100 and at the end")
def nn_disagreement(p, ctx):
    """The disagreement of sign(yhat) with the 1-NN label falls between step 100 and the end (same evaluation
    prompts)."""
    sizes, run = _one_nn(ctx)
    n = sizes.eval_prompts
    e0, l0 = one_nn_eval(**ONE_NN, xi1=run.snaps[sizes.early][0], xi2=run.snaps[sizes.early][1], prompts=n,
                         seed=ctx.seed + 7, device=ctx.device)
    e1, l1 = one_nn_eval(**ONE_NN, xi1=run.snaps[run.steps][0], xi2=run.snaps[run.steps][1], prompts=n,
                         seed=ctx.seed + 7, device=ctx.device)
    diff = (e1 - e0).numpy()  # paired: same evaluation prompts
    return _trend(ctx.predict(), diff.mean(), diff.std(ddof=1) / math.sqrt(sizes.seeds),
                  diagnostics={"disagreement_step100": e0.tolist(), "disagreement_end": e1.tolist(),
                               "loss_step100": l0.tolist(), "loss_end": l1.tolist()},
                  sizes={**ONE_NN, "steps": run.steps, "eval prompts": n, "seeds": sizes.seeds}
                  ).outside_regime(run.regime, run.reason)


# ------------------------------------------------------------------------------------------ Cao et al. 2025
@check(result=BN, quantity="mle", name="attention", rule="componentwise", cost="cheap",
       method="per context: the DERIVED bound (n_mismatch/n_match) e^{-2c} + 1e-12",
       strategy=st.fixed_dictionaries({"n": st.integers(1, 200), "k": st.integers(1, 3), "c": st.floats(10.0, 40.0)}),
       examples=[{"n": 50, "k": 2, "c": 30.0}])
def attention(p, ctx):
    """One attention head with scores c <p_i, p_q> (parents in {+-1}^k) computes the count MLE (64 random contexts
    with at least one matching row)."""
    n, k, c = p["n"], p["k"], p["c"]
    g = torch.Generator().manual_seed(ctx.seed)
    E = 64
    parents = torch.randint(0, 2, (E, n, k), generator=g).double()
    child = (torch.rand(E, n, generator=g, dtype=torch.float64) < torch.rand(E, 1, generator=g,
                                                                              dtype=torch.float64)).double()
    q = torch.randint(0, 2, (E, k), generator=g).double()
    att = nm.count_attention(parents, child, q, c).numpy()
    match = (parents == q[:, None]).all(-1)
    n_match = match.sum(-1).numpy()
    n_joint = (match * child).sum(-1).numpy()
    ok = n_match >= 1
    pred = np.asarray(ctx.predict(n_joint=n_joint[ok], n_match=n_match[ok]), dtype=float)
    bound = (n - n_match[ok]) / n_match[ok] * math.exp(-2 * c)
    return rules.componentwise(pred, att[ok], parts={"DERIVED bound (n_mismatch/n_match) e^-2c": bound, "float": 1e-12},
                               scale=np.maximum(np.abs(pred), 1e-3),
                               sizes={"n": n, "parents": k, "c": c, "contexts": int(ok.sum())})


@dataclass(frozen=True)
class TVSizes(Sizes):
    networks: int = 2048  # random chains: SE of the mean slope ~0.003, resolution ~2.6 % (not scaled: it sets it)
    # n_pi >= ~200 at every n: the O(1/n) lattice corrections to the slope stay < 0.002
    ns: tuple = (1024, 2048, 4096, 8192, 16384, 32768)
    nodes: int = 4  # chain length (3 conditional tables, both parent values each)
    alpha: float = 5.0  # CPT entries ~ Beta(alpha, alpha): bounded away from 0 and 1
    chunk: int = 256  # networks sampled at once (bounds memory: chunk x max(ns) x nodes)


@experiment
def mle_tv(sizes: TVSizes = TVSizes(), *, seed: int, device: str = "cpu") -> np.ndarray:
    """Mean |p_hat - p| of the count MLE over the chain's CPT entries (both parent values), per n and network:
    (len(ns), networks). Drawn on the run's device (the counts of every prefix length at once by cumulative sums)."""
    g = torch.Generator(device=device).manual_seed(seed)
    ns, nodes = list(sizes.ns), sizes.nodes
    out = np.empty((len(ns), sizes.networks))
    idx = torch.tensor(ns, device=device) - 1
    for c0 in range(0, sizes.networks, sizes.chunk):
        E = min(sizes.chunk, sizes.networks - c0)
        cpt = nm.chain_network(E, nodes, sizes.alpha, g)
        rows = nm.sample_chain(cpt, max(ns), g, torch.float32).to(torch.bool)
        errs = []
        for j in range(1, nodes):
            for v in (0, 1):
                match = rows[..., j - 1] == bool(v)
                n_match = torch.cumsum(match, 1, dtype=torch.int32)[:, idx].double()
                n_joint = torch.cumsum(match & rows[..., j], 1, dtype=torch.int32)[:, idx].double()
                errs.append((n_joint / n_match.clamp_min(1) - cpt[:, j, v].unsqueeze(-1)).abs())  # (E, len(ns))
        out[:, c0:c0 + E] = torch.stack(errs).mean(0).T.cpu().numpy()
    return out


@check(result=BN, quantity="tv_exponent", name="tv_rate", rule="value", strategy=st.just({}), examples=[{}],
       method=f"per-network log-log slope over n = 1024..32768; tolerance z * SE over networks (z = {Z}, 2048 networks)")
def tv_rate(p, ctx):
    """The count MLE's mean |p_hat - p| over a 4-node chain's CPT (Beta(5, 5)) falls as n^-1/2: fitted log-log slope
    over n = 1024..32768."""
    sizes = ctx.sizes(TVSizes)
    tv = mle_tv(sizes, seed=ctx.seed, device=ctx.device)
    slopes = np.polyfit(np.log(sizes.ns), np.log(tv), 1)[0]
    m, se = float(slopes.mean()), float(slopes.std(ddof=1) / math.sqrt(sizes.networks))
    return rules.value(float(ctx.predict()), m, parts={f"z*SE (z={Z})": Z * se},
                       sizes={"n": list(sizes.ns), "seeds (networks)": sizes.networks, "nodes": sizes.nodes,
                              "Beta": sizes.alpha}, diagnostics={"mean_tv": tv.mean(1).tolist()})


@dataclass(frozen=True)
class BNTrainSizes(Sizes):
    seeds: int = scaled(4, min=3)  # independently trained heads (ensemble members): the SE is over them
    n: int = 40  # context rows per prompt
    alpha: float = 1.0  # CPT entries ~ Beta(1, 1) = uniform
    # Adam (float64) at 0.05 on fresh prompts, 64 per step, from W = 0: the head sharpens onto the matching rows
    train: nm.TrainConfig = nm.TrainConfig.preset("adam64", steps=300, batch=64, lr=0.05, log_every=15)
    prompts: int = scaled(4000, min=2000)  # fresh evaluation prompts, the same before and after training


@dataclass
class BNRun:
    W_init: torch.Tensor  # (E, 2, 2)
    W: torch.Tensor  # (E, 2, 2) after training
    fit: dict
    regime: str | None
    reason: str


@experiment
def bn_training(sizes: BNTrainSizes = BNTrainSizes(), *, seed: int, device: str = "cpu") -> BNRun:
    """One head per member trained on in-context samples of random 3-node chains (cross-entropy on the query's C)."""
    model = nm.BNAttention(sizes.seeds)
    W0 = model.W.detach().clone()
    res = nm.fit(model, nm.BNTask(sizes.n, sizes.alpha), sizes.train.replace(device=device), seed=seed)
    return BNRun(W0, model.W.detach().cpu().clone(), res.diagnostics(), *_regime(res))


@experiment
def bn_eval(W, n: int, prompts: int, alpha: float, *, seed: int, device: str = "cpu"):
    """Per member: mean |p_hat_model - p_hat_MLE| and mean |p_hat_MLE - p| on fresh prompts (matches >= 1)."""
    W = torch.as_tensor(W, dtype=torch.float64)
    E = W.shape[0]
    ctx, q, cpt = (t.to(device) for t in nm.BNTask(n, alpha).sample(E, prompts, torch.Generator().manual_seed(seed)))
    model = nm.BNAttention(E).to(device)
    with torch.no_grad():
        model.W.copy_(W)
        pred = model((ctx, q, cpt))
    joint, match = nm.count_mle(ctx[..., 1], ctx[..., 2], q[..., 1])
    ok = match > 0
    mle = joint / match.clamp_min(1)
    truth = torch.gather(cpt[..., 2, :], -1, q[..., 1:2].long())[..., 0]
    gap = torch.where(ok, (pred - mle).abs(), torch.zeros_like(mle)).sum(1) / ok.sum(1)
    tv = torch.where(ok, (mle - truth).abs(), torch.zeros_like(mle)).sum(1) / ok.sum(1)
    return gap.cpu(), tv.cpu()


@check(result=BN, quantity="trained_vs_mle", name="trained", rule="trend", strategy=st.just({}), examples=[{}],
       method=_TREND + "; stated threshold: the trained head's gap to the MLE below the MLE's own error in every seed")
def trained(p, ctx):
    """A one-head attention trained on in-context samples of random 3-node chains moves its estimate of P(C | B) to
    the count MLE."""
    sizes = ctx.sizes(BNTrainSizes)
    run = bn_training(sizes, seed=ctx.seed, device=ctx.device)
    ev = dict(n=sizes.n, prompts=sizes.prompts, alpha=sizes.alpha, seed=ctx.seed + 5, device=ctx.device)
    gap0, tv = bn_eval(run.W_init, **ev)
    gap1, _ = bn_eval(run.W, **ev)
    diff = (gap1 - gap0).numpy()
    s = ctx.predict()
    ok = bool(np.all(gap1.numpy() < tv.numpy()))
    return _trend(s, diff.mean(), diff.std(ddof=1) / math.sqrt(sizes.seeds),
                  requires={"trained |p_model - p_MLE| below the MLE's own |p_MLE - p| in every seed":
                            ok if s < 0 else True},
                  diagnostics={"gap_init": gap0.tolist(), "gap_trained": gap1.tolist(), "mle_tv": tv.tolist(),
                               "W_trained": run.W.tolist()},
                  sizes={"n": sizes.n, "steps": sizes.train.steps, "seeds": sizes.seeds, "eval prompts": sizes.prompts}
                  ).outside_regime(run.regime, run.reason)
