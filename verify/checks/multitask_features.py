"""Representations learned from many tasks: Collins et al. (ICML 2024) and Xu et al. (ICLR 2024).

Collins et al.: a two-layer ReLU network trained on T sign tasks y_t = sign(<v_t, M^T x>) (each task's head is one
step from zero on its own samples; the shared first layer follows the squared loss on fresh samples, rows
normalised) recovers span(M) when T is large and not when T = 1; the task kernel and the head-step-substituted loss
are checked by Monte Carlo. Seeds are ensemble members (one batched `fit`); the dossier's DERIVED protocol (§1.4).

Xu et al. (linear instance, DERIVED): a least-squares probe on a k-dimensional representation covering part of the
target signal; multitask finetuning (a moment estimate of the task span from T tasks) against probing a pretrained
representation directly, and the effect of task diversity. NumPy-sized linear algebra, on the CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from ... import numerics as nm
from ... import theory
from ..._errors import invalid
from .. import rules
from .._check import check
from .._experiment import Sizes, experiment, scaled

COL, XU = "collins2024.multitask_relu", "xu2024.multitask_finetuning"
Z = rules.Z
_TREND = f"trend rule: sign * effect >= z*SE (z = {Z}), SE over seeds"


def _log(lo, hi):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


def _unit(x):
    return x / x.norm(dim=-1, keepdim=True)


def _orthonormal(E, d, r, g, device=None):
    return torch.linalg.qr(torch.randn(E, d, r, generator=g, dtype=torch.float64, device=device))[0].float()


# --------------------------------------------------------------------------------------------- Collins
@dataclass(frozen=True)
class MultitaskSizes(Sizes):
    d: int = 50  # input dimension (dossier §1.4, DERIVED protocol)
    r: int = 3  # dimension of the label-relevant subspace span(M)
    m: int = 200  # width of the shared first layer
    alpha: float = 0.02  # head step from b_t = 0
    eta: float = 1000.0  # representation step (SGD rate on the squared loss)
    n: int = 200  # head samples n1 = fresh samples n2, per task and round
    rounds: int = 60  # rounds of (head step, representation step, row normalisation)
    seeds: int = scaled(4, min=2)  # independently seeded networks (and subspaces M) in one ensemble
    probe_train: int = 200  # samples of the new task the ridge probe is fitted on
    probe_test: int = 4000  # test samples of the probe: binomial SE of an accuracy <= 0.008
    probe_lam: float = 1e-3  # ridge penalty of the probe

    def __post_init__(self):
        if not 1 <= self.r <= self.d:
            raise invalid("MultitaskSizes", "r", f"an integer in [1, d={self.d}] (an r-dimensional subspace of R^d, "
                          "Collins et al.)", self.r)
        if self.m < 1:
            raise invalid("MultitaskSizes", "m", "an integer >= 1 (the width)", self.m)


@dataclass(frozen=True)
class KernelSizes(Sizes):
    tasks: int = scaled(400_000, min=100_000)  # task vectors v uniform on S^{r-1}: SE of K <= 1/sqrt(tasks)


@dataclass(frozen=True)
class ContrastiveSizes(Sizes):
    tasks: int = scaled(8192, min=4096)  # tasks averaged (independent head and loss samples per task)
    samples: int = 200  # samples n of each task's head sample S1 and loss sample S2


@dataclass
class MultitaskRun:
    W: torch.Tensor  # (E, m, d) trained first layer, on the CPU
    M: torch.Tensor  # (E, d, r) orthonormal bases of the label-relevant subspaces
    fit: dict
    regime: str | None
    reason: str


@experiment
def multitask_training(T: int, *, sizes: MultitaskSizes = MultitaskSizes(), seed: int,
                       device: str = "cpu") -> MultitaskRun:
    """Train `sizes.seeds` networks on T sign tasks each (the subspaces, tasks and init are drawn on the CPU)."""
    g = torch.Generator().manual_seed(int(seed))
    M = _orthonormal(sizes.seeds, sizes.d, sizes.r, g)
    V = _unit(torch.randn(sizes.seeds, T, sizes.r, generator=g))
    model = nm.MultitaskReLU(sizes.seeds, sizes.m, sizes.d, sizes.alpha, generator=g)
    nm.normalize_rows(model.W.data)
    task = nm.SignTasks(M.to(device), V.to(device), sizes.n, sizes.n)
    cfg = nm.TrainConfig.preset("gd", steps=sizes.rounds, batch=sizes.n, lr=sizes.eta, device=device)
    res = nm.fit(model, task, cfg, seed=seed + 1, callbacks=[lambda step, mdl, loss: nm.normalize_rows(mdl.W.data)])
    bad = int(res.diverged.sum())
    return MultitaskRun(model.W.detach().cpu(), M, res.diagnostics(), "assumption-violated" if bad else None,
                        f"{bad} member(s) diverged (non-finite or exploding loss)" if bad else "")


def _probe(W, M, seed: int, sizes: MultitaskSizes) -> np.ndarray:
    """Accuracy of a ridge linear probe (+ bias) on relu(W x) for a new sign task on span(M), per member."""
    g = torch.Generator().manual_seed(int(seed))
    E, d, r = M.shape
    task = nm.SignTasks(M, _unit(torch.randn(E, 1, r, generator=g)), 1, 1)

    def data(n):
        x = torch.randn(E, 1, n, d, generator=g)
        y = task.labels(x)[:, 0]
        phi = torch.relu(torch.einsum("etnd,emd->etnm", x, W))[:, 0]
        return torch.cat([phi, torch.ones_like(phi[..., :1])], -1), y
    Ptr, ytr = data(sizes.probe_train)
    w = nm.ridge(Ptr, ytr, sizes.probe_lam)
    Pte, yte = data(sizes.probe_test)
    return (torch.sign(Pte @ w.unsqueeze(-1)).squeeze(-1) == yte).double().mean(-1).numpy()


@experiment
def probe_accuracies(T: int, *, sizes: MultitaskSizes = MultitaskSizes(), seed: int, device: str = "cpu"):
    """Probe accuracy on the multitask features and on random ReLU features of the same width (same new task and
    samples per member). Returns (learned, random, the training run)."""
    run = multitask_training(T, sizes=sizes, seed=seed, device=device)
    Wr = torch.randn(run.W.shape, generator=torch.Generator().manual_seed(seed + 99))
    return _probe(run.W, run.M, seed + 5, sizes), _probe(Wr, run.M, seed + 5, sizes), run


@experiment(cpu_only="NumPy Monte Carlo of sign products (one matrix-vector product): a GPU gains nothing")
def task_kernel_mc(theta: float, r: int, *, sizes: KernelSizes = KernelSizes(), seed: int):
    """Mean and SE of sign(v.z) sign(v.z') over v uniform on S^{r-1}, for unit z, z' at angle theta."""
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((sizes.tasks, r))
    z = np.zeros(r)
    z[0] = 1.0
    zp = np.zeros(r)
    zp[0] = math.cos(theta)
    if r > 1:
        zp[1] = math.sin(theta)
    prod = np.sign(v @ z) * np.sign(v @ zp)
    return float(prod.mean()), float(prod.std(ddof=1) / math.sqrt(sizes.tasks))


@experiment
def contrastive_loss_mc(alpha: float, d: int, r: int, m: int, *, sizes: ContrastiveSizes = ContrastiveSizes(),
                        seed: int, device: str = "cpu"):
    """The head-step-substituted correlation loss -(1/n) sum_j y'_j b_t . relu(W x'_j) of one random W (rows of random
    norm and direction), averaged over tasks (independent S1, S2 of n samples each): mean, SE and the in-span energy
    ||W M||_F^2. Unbiased for the task-averaged loss at every n (S1 and S2 independent)."""
    g = torch.Generator(device=device).manual_seed(int(seed))
    M = _orthonormal(1, d, r, g, device)
    W = torch.randn(1, m, d, generator=g, device=device) * (0.5 + torch.rand(1, m, 1, generator=g, device=device))
    model = nm.MultitaskReLU(1, m, d, alpha, generator=torch.Generator().manual_seed(int(seed))).to(device)
    model.W.data = W
    n, vals, chunk = sizes.samples, [], 256
    for start in range(0, sizes.tasks, chunk):
        T = min(chunk, sizes.tasks - start)
        task = nm.SignTasks(M, _unit(torch.randn(1, T, r, generator=g, device=device)), n, n)
        x1, y1, x2, y2 = task.sample(1, n, g, device=device)
        with torch.no_grad():
            f = model((x1, y1, x2, y2))
        vals.append((-(y2 * f).mean(-1)).reshape(-1).double())
    v = torch.cat(vals).cpu().numpy()
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v))), float(((W @ M) ** 2).sum())


@check(result=COL, quantity="task_kernel", name="task_kernel", rule="value", examples=[{"theta": 0.7, "r": 3}],
       # theta <= 1.2: K >= 0.24, so a relative error stays resolvable (K -> 0 at theta = pi/2)
       strategy=st.fixed_dictionaries({"theta": st.floats(0.0, 1.2), "r": st.integers(2, 10)}),
       method=f"Monte Carlo over task vectors; tolerance z*SE (z = {Z})")
def task_kernel(p, ctx):
    """E_v[sign(v.z) sign(v.z')] over v uniform on S^{r-1} against 1 - 2 theta/pi."""
    sizes = ctx.sizes(KernelSizes)
    mean, se = task_kernel_mc(p["theta"], p["r"], sizes=sizes, seed=ctx.seed)
    return rules.value(float(ctx.predict(theta=p["theta"])), mean, parts={f"monte_carlo (z*SE, z={Z})": Z * se},
                       sizes={"tasks": sizes.tasks}, diagnostics={"se": se})


@check(result=COL, quantity="contrastive_loss", name="contrastive_loss", rule="value",
       strategy=st.fixed_dictionaries({"alpha": _log(0.005, 1.0), "d": st.integers(5, 60), "r": st.integers(1, 5),
                                       "m": st.integers(5, 40)}).filter(lambda p: p["r"] <= p["d"]),
       examples=[{"alpha": 0.02, "d": 50, "r": 3, "m": 20}],
       method=f"Monte Carlo over tasks, tolerance z*SE (z = {Z}); independent head and loss samples: unbiased at "
              "every n")
def contrastive_loss(p, ctx):
    """The head-step-substituted loss of a two-layer ReLU network, averaged over tasks, against
    -alpha ||WM||_F^2/(2 pi r)."""
    sizes = ctx.sizes(ContrastiveSizes)
    mean, se, e = contrastive_loss_mc(p["alpha"], p["d"], p["r"], p["m"], sizes=sizes, seed=ctx.seed,
                                      device=ctx.device)
    predicted = float(ctx.predict(alpha=p["alpha"], r=p["r"], in_span=e))
    return rules.value(predicted, mean, parts={f"monte_carlo (z*SE, z={Z})": Z * se},
                       sizes={"tasks": sizes.tasks, "samples per task": sizes.samples, "d": p["d"], "m": p["m"]},
                       diagnostics={"se": se, "in_span": e})


_RECOVERY_RULE = "T = 1: >= r-1 sines > 0.9 in every seed; T large: all sines < 0.2"


@check(result=COL, quantity="recovery_vs_tasks", name="recovery_vs_tasks", rule="trend",
       strategy=st.fixed_dictionaries({"T": st.sampled_from([30, 50])}), examples=[{"T": 50}],
       method=_TREND + "; requires " + _RECOVERY_RULE)
def recovery_vs_tasks(p, ctx):
    """Multitask training (dossier protocol) recovers span(M) with many tasks and not with one: the largest principal
    sine falls from T = 1 to T."""
    sizes = ctx.sizes(MultitaskSizes)
    runs = {T: multitask_training(T, sizes=sizes, seed=ctx.seed, device=ctx.device) for T in (1, p["T"])}
    sines = {T: nm.principal_sines(run.W, run.M).numpy() for T, run in runs.items()}  # (seeds, r), largest first
    big, one = sines[p["T"]][:, 0], sines[1][:, 0]
    se = math.sqrt(big.var(ddof=1) / sizes.seeds + one.var(ddof=1) / sizes.seeds)
    # threshold (DERIVED counterpart of the single-task result): at T = 1 at least r - 1 sines stay above 0.9 in every
    # seed; with many tasks every sine is below 0.2.
    ok = bool(np.all((sines[1] > 0.9).sum(1) >= sizes.r - 1) and np.all(sines[p["T"]] < 0.2))
    claim = ctx.predict()
    bad = [f"T = {T}: {run.reason}" for T, run in runs.items() if run.regime]
    return rules.trend(claim, (big - one).mean(), se, requires={_RECOVERY_RULE: ok} if claim < 0 else None,
                       diagnostics={"sines_T1": sines[1].tolist(), f"sines_T{p['T']}": sines[p["T"]].tolist()},
                       sizes={"seeds": sizes.seeds, "d": sizes.d, "r": sizes.r, "m": sizes.m, "rounds": sizes.rounds}
                       ).outside_regime("assumption-violated" if bad else None, "; ".join(bad))


@check(result=COL, quantity="probe_advantage", name="probe_advantage", rule="trend",
       strategy=st.fixed_dictionaries({"T": st.sampled_from([30, 50])}), examples=[{"T": 50}],
       method=_TREND + " (paired per seed: same new task and samples)")
def probe_advantage(p, ctx):
    """A ridge probe on the multitask features beats one on random ReLU features of the same width for a new task."""
    sizes = ctx.sizes(MultitaskSizes)
    learned, rand, run = probe_accuracies(p["T"], sizes=sizes, seed=ctx.seed, device=ctx.device)
    diff = learned - rand
    return rules.trend(ctx.predict(), diff.mean(), diff.std(ddof=1) / math.sqrt(sizes.seeds),
                       diagnostics={"acc_multitask": learned.tolist(), "acc_random": rand.tolist()},
                       sizes={"seeds": sizes.seeds, "probe samples": sizes.probe_train, "test": sizes.probe_test}
                       ).outside_regime(run.regime, run.reason)


# ------------------------------------------------------------------------------------------------ Xu et al.
@dataclass(frozen=True)
class ProbeRiskSizes(Sizes):
    repetitions: int = scaled(20_000, min=5000)  # independent (theta, X, noise) draws of the probe's excess risk


@dataclass(frozen=True)
class FinetuneSizes(Sizes):
    k: int = 5  # dimension of the latent task span and of the representations probed
    d: int = 30  # input dimension
    T: int = 40  # finetuning tasks
    n_ft: int = 200  # samples per finetuning task
    n0: int = 20  # few-shot target samples
    sigma2: float = 0.1  # target label-noise variance
    repetitions: int = scaled(60, min=30)  # independent repetitions (tasks, target, samples)


@experiment(cpu_only="float64 least squares on small (n0 x k) problems: a GPU gains nothing")
def probe_risk_mc(k: int, n0: int, coverage: float, sigma2: float, *, sizes: ProbeRiskSizes = ProbeRiskSizes(),
                  seed: int):
    """OLS probe on k of the k+1 latent coordinates; the target's signal (1 - coverage) theta2 in the last one.
    Returns the mean excess risk and its SE."""
    g = torch.Generator().manual_seed(int(seed))
    reps = sizes.repetitions
    theta_in = torch.randn(reps, k, generator=g, dtype=torch.float64)
    theta_in = theta_in / theta_in.norm(dim=-1, keepdim=True) * math.sqrt(coverage)
    b = math.sqrt(1 - coverage)
    Xf = torch.randn(reps, n0, k, generator=g, dtype=torch.float64)
    y = (Xf @ theta_in.unsqueeze(-1)).squeeze(-1) + b * torch.randn(reps, n0, generator=g, dtype=torch.float64) \
        + math.sqrt(sigma2) * torch.randn(reps, n0, generator=g, dtype=torch.float64)
    w = torch.linalg.lstsq(Xf, y.unsqueeze(-1)).solution.squeeze(-1)
    risk = ((w - theta_in) ** 2).sum(-1) + b ** 2
    return float(risk.mean()), float(risk.std()) / math.sqrt(reps)


@experiment(cpu_only="a loop of small float64 eigen- and least-squares problems (d = 30): a GPU gains nothing")
def finetune_vs_direct(c0: float, nu: float, *, sizes: FinetuneSizes = FinetuneSizes(), seed: int):
    """Target risk per repetition after multitask finetuning (moment estimate of the task span from T tasks of n_ft
    samples, heads with second-moment eigenvalues 1..nu) and after direct adaptation of a pretrained representation
    covering c0 (target head uniform on the k-sphere). Returns (finetuned, direct)."""
    k, d, T, n_ft, n0 = sizes.k, sizes.d, sizes.T, sizes.n_ft, sizes.n0
    g = torch.Generator().manual_seed(int(seed))
    dt = torch.float64
    ft, direct = [], []
    scales = torch.linspace(1.0, math.sqrt(nu), k, dtype=dt).flip(0)  # head sd per latent direction, smallest sqrt(nu)
    for _ in range(sizes.repetitions):
        th = torch.randn(T, k, generator=g, dtype=dt) * scales
        Xs = torch.randn(T, n_ft, d, generator=g, dtype=dt)
        ys = Xs[..., :k] @ th.unsqueeze(-1) + torch.randn(T, n_ft, 1, generator=g, dtype=dt)
        mom = (Xs.transpose(-1, -2) @ ys).squeeze(-1) / n_ft  # (T, d)
        Bh = torch.linalg.eigh(mom.T @ mom / T).eigenvectors[:, -k:]  # (d, k)
        t0 = torch.randn(k, generator=g, dtype=dt)
        beta = torch.zeros(d, dtype=dt)
        beta[:k] = t0 / t0.norm()
        B0 = torch.zeros(d, k, dtype=dt)
        B0[:k, :k] = torch.linalg.qr(torch.randn(k, k, generator=g, dtype=dt))[0]
        # rotate the target direction partly out of the pretrained span: coverage c0 exactly
        v = torch.zeros(d, dtype=dt)
        v[k] = 1.0
        phi0 = math.acos(math.sqrt(c0))
        beta_dir = math.cos(phi0) * B0[:, 0].clone() + math.sin(phi0) * v
        for rep_B, target, out in ((Bh, beta, ft), (B0, beta_dir, direct)):
            Xn = torch.randn(n0, d, generator=g, dtype=dt)
            yn = Xn @ target + math.sqrt(sizes.sigma2) * torch.randn(n0, generator=g, dtype=dt)
            w = torch.linalg.lstsq(Xn @ rep_B, yn.unsqueeze(-1)).solution.squeeze(-1)
            out.append(float(((rep_B @ w - target) ** 2).sum()))
    return np.array(ft), np.array(direct)


@check(result=XU, quantity="probe_risk", name="probe_risk", rule="value",
       strategy=st.fixed_dictionaries({"k": st.integers(1, 10), "extra": st.integers(8, 60),
                                       "coverage": st.floats(0, 1), "sigma2": st.floats(0.05, 2.0)}).map(
           lambda p: {"k": p["k"], "n0": p["k"] + p["extra"], "coverage": p["coverage"], "sigma2": p["sigma2"]}),
       examples=[{"k": 5, "n0": 20, "coverage": 0.5, "sigma2": 0.1}],
       method=f"Monte Carlo over repetitions, tolerance z*SE (z = {Z}); n0 >= k + 8 keeps the inverse-Wishart fourth "
              "moment finite")
def probe_risk(p, ctx):
    """Expected excess risk of a least-squares probe with partial coverage, simulated."""
    sizes = ctx.sizes(ProbeRiskSizes)
    kw = {k: p[k] for k in ("k", "n0", "coverage", "sigma2")}
    mean, se = probe_risk_mc(**kw, sizes=sizes, seed=ctx.seed)
    return rules.value(float(ctx.predict(**kw)), mean, parts={f"monte_carlo (z*SE, z={Z})": Z * se},
                       sizes={"repetitions": sizes.repetitions}, diagnostics={"se": se})


def _finetune_sizes(sizes: FinetuneSizes) -> dict:
    return {"k": sizes.k, "d": sizes.d, "T": sizes.T, "n_ft": sizes.n_ft, "n0": sizes.n0,
            "repetitions": sizes.repetitions}


@check(result=XU, quantity="finetune_beats_direct", name="finetune_beats_direct", rule="trend",
       strategy=st.fixed_dictionaries({"c0": st.sampled_from([0.3, 0.6])}), examples=[{"c0": 0.5}],
       method=_TREND.replace("seeds", "repetitions"))
def finetune_beats_direct(p, ctx):
    """Finetuning on 40 consistent tasks then probing beats probing a pretrained representation covering c0 < 1 of the
    target."""
    sizes = ctx.sizes(FinetuneSizes)
    ft, direct = finetune_vs_direct(p["c0"], 1.0, sizes=sizes, seed=ctx.seed)
    diff = ft - direct
    closed = float(theory.get(XU).evaluate("probe_risk", coverage=p["c0"], sigma2=sizes.sigma2, k=sizes.k, n0=sizes.n0))
    return rules.trend(ctx.predict(), diff.mean(), diff.std(ddof=1) / math.sqrt(sizes.repetitions),
                       diagnostics={"risk_finetuned": float(ft.mean()), "risk_direct": float(direct.mean()),
                                    "closed_form_direct": closed}, sizes=_finetune_sizes(sizes))


@check(result=XU, quantity="diversity_trend", name="diversity_trend", rule="trend",
       strategy=st.fixed_dictionaries({"nu_low": st.sampled_from([0.01, 0.03])}), examples=[{"nu_low": 0.01}],
       method=_TREND.replace("seeds", "repetitions"))
def diversity_trend(p, ctx):
    """At fixed finetuning data, more diverse tasks (larger smallest head eigenvalue nu) give a lower target risk."""
    sizes = ctx.sizes(FinetuneSizes)
    lo, _ = finetune_vs_direct(0.5, p["nu_low"], sizes=sizes, seed=ctx.seed)
    hi, _ = finetune_vs_direct(0.5, 1.0, sizes=sizes, seed=ctx.seed)
    diff = hi - lo  # change of the target risk as diversity grows from nu_low to 1
    return rules.trend(ctx.predict(), diff.mean(), diff.std(ddof=1) / math.sqrt(sizes.repetitions),
                       diagnostics={"risk_nu_low": float(lo.mean()), "risk_nu_1": float(hi.mean())},
                       sizes=_finetune_sizes(sizes))
