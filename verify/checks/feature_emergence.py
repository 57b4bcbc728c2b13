"""Features that emerge from the first gradient steps: Shi, Wei, Liang (ICLR 2022; NeurIPS 2023).

2022: inputs are sums of dictionary patterns; the label is the parity of the class-relevant set A (k patterns). Two
aggressive gradient steps on a two-layer network with the Gaussian-smoothed truncated ReLU (lam_w = 1/(2 eta): each
step forgets the old weights) align the neurons with sum_A M_j on the structured pattern distribution, not on uniform
bits, and a probe on those features beats one on the random initial features (Section 6 sizes: D = 100, k = 5,
p_o = 1/2, 2m = 600 mirrored neurons). Theorems 2-3's bounds and the DERIVED pattern distribution's constants are
checked against exact arithmetic and sampling.

2023 (DERIVED instance): the expected first gradient E[y x 1{w.x + b > 0}] of a ReLU neuron on a two-component Gaussian
mixture, sampled, against its mu and w coefficients and its cosine with mu.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch
from hypothesis import strategies as st

from ... import numerics as nm
from .. import rules
from .._check import check
from .._experiment import Sizes, experiment, scaled

SHI, SHI23 = "shi2022.feature_emergence", "shi2023.gradient_features"
Z = rules.Z
_TREND = f"trend rule: sign * effect >= z*SE (z = {Z})"


def _log(lo, hi):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


# ------------------------------------------------------------------------------------------- Shi et al. 2022
@dataclass(frozen=True)
class EmergenceSizes(Sizes):
    D: int = 100  # patterns (Section 6); the dictionary is orthonormal (d = D), so pattern coordinates lose nothing
    k: int = 5  # class-relevant patterns |A| (Section 6)
    p_o: float = 0.5  # probability of a background pattern (Section 6)
    m: int = 300  # neurons per sign: 2m mirrored neurons (Section 6)
    n: int = 10_000  # samples of each aggressive step
    moment_samples: int = 200_000  # samples of the input's centring and scale
    seeds: int = scaled(2, min=1)  # independent (A, init, samples); per-neuron spreads give the SE
    probe_train: int = 20_000  # samples the ridge probe is fitted on
    probe_test: int = 20_000  # test samples of the probe: binomial SE of an accuracy <= 0.0036
    probe_lam: float = 1e-3  # ridge penalty of the probe


@dataclass(frozen=True)
class MomentSizes(Sizes):
    samples: int = scaled(400_000, min=100_000)  # inputs drawn from the DERIVED pattern distribution


def sample_patterns(n: int, structured: bool, A: torch.Tensor, g: torch.Generator, *, D: int, k: int, p_o: float):
    """n pattern-indicator vectors phi (n, D) and labels y = parity of phi_A: background patterns with probability p_o;
    on A, half the samples uniform bits and half all-equal bits (structured), or uniform bits everywhere."""
    ph = (torch.rand(n, D, generator=g) < p_o).double()
    if structured:
        u = torch.rand(n, generator=g) < 0.5
        bits = (torch.rand(n, k, generator=g) < 0.5).double()
        allone = (torch.rand(n, 1, generator=g) < 0.5).double().expand(n, k)
        ph[:, A] = torch.where(u[:, None], bits, allone)
    else:
        ph = (torch.rand(n, D, generator=g) < 0.5).double()
    y = torch.where(ph[:, A].sum(1) % 2 == 1, 1.0, -1.0).double()
    return ph, y


def _patterns(sizes: EmergenceSizes):
    return {"D": sizes.D, "k": sizes.k, "p_o": sizes.p_o}


@dataclass
class TwoSteps:
    W: list  # first-layer weights (2m, D) at init, after step 1 and after step 2, on the CPU
    b: torch.Tensor  # biases (fixed)
    A: torch.Tensor  # the class-relevant set
    mean: torch.Tensor  # input centring
    sig: float  # input scale
    cos: list  # |cos(w_i, sum_A M_j)| per neuron, at init and after each step (numpy)
    generator_state: torch.Tensor  # the seed's CPU stream after the steps (the probe continues it)
    diverged: int


@experiment
def two_aggressive_steps(structured: bool, *, sizes: EmergenceSizes = EmergenceSizes(), seed: int,
                         device: str = "cpu") -> list[TwoSteps]:
    """The two aggressive steps per seed (the data and init drawn on the CPU, the steps by `fit` on the device)."""
    out = []
    for s in range(sizes.seeds):
        g = torch.Generator().manual_seed(seed * 1000 + s)
        A = torch.randperm(sizes.D, generator=g)[: sizes.k]
        ph, _ = sample_patterns(sizes.moment_samples, structured, A, g, **_patterns(sizes))
        mean = ph.mean(0)
        sig = float(((ph - mean) ** 2).sum(1).mean().sqrt())
        k, m = sizes.k, sizes.m
        W = torch.randn(m, sizes.D, generator=g, dtype=torch.float64) / k
        b = torch.randn(m, generator=g, dtype=torch.float64) / k ** 2
        a = torch.randn(m, generator=g, dtype=torch.float64) * sig ** 2 / (0.25 * k ** 2)
        W, b, a = torch.cat([W, W]), torch.cat([b, b]), torch.cat([a, -a])
        model = nm.SmoothTruncatedReLUNet(W[None], b[None], a[None], noise=0.5 / k).double()
        model.a.requires_grad_(False)
        model.b.requires_grad_(False)
        Ws, diverged = [model.W.detach()[0].clone()], 0
        for step, noise in ((0, 0.5 / k), (1, k ** -1.5)):
            phs, ys = sample_patterns(sizes.n, structured, A, g, **_patterns(sizes))
            model.noise = noise
            task = nm.HingeTask(((phs - mean) / sig)[None], ys[None], lam_w=0.5)
            task.model = model
            cfg = nm.TrainConfig.preset("gd64", batch=sizes.n, lr=1.0, device=device)
            diverged += int(nm.fit(model, task, cfg, seed=seed + step).diverged.sum())
            Ws.append(model.W.detach()[0].cpu().clone())
        gt = torch.zeros(sizes.D, dtype=torch.float64)
        gt[A] = 1.0
        gt /= gt.norm()
        cos = [((Wi @ gt).abs() / Wi.norm(dim=1)).numpy() for Wi in Ws]
        out.append(TwoSteps(Ws, b, A, mean, sig, cos, g.get_state(), diverged))
    return out


def _probe_accuracy(run: TwoSteps, which: int, g: torch.Generator, sizes: EmergenceSizes) -> float:
    """Accuracy of a ridge linear probe (+ bias) on sigma(<w_i, x> + b_i) with the first-layer weights `which`
    (0 = init: random features of the same width; 2 = after the two steps), structured inputs."""
    W, b = run.W[which], run.b

    def feats(n):
        ph, y = sample_patterns(n, True, run.A, g, **_patterns(sizes))
        F = (((ph - run.mean) / run.sig) @ W.T + b).clamp(0.0, 1.0)
        return torch.cat([F, torch.ones(n, 1, dtype=F.dtype)], 1), y
    F, y = feats(sizes.probe_train)
    w = nm.ridge(F[None], y[None], sizes.probe_lam)[0]
    Ft, yt = feats(sizes.probe_test)
    return float((torch.sign(Ft @ w) == yt).double().mean())


@experiment
def probe_after_two_steps(*, sizes: EmergenceSizes = EmergenceSizes(), seed: int, device: str = "cpu"):
    """Probe accuracies per seed on the features after the two steps and on the initial (random) features, on fresh
    structured samples continuing each seed's stream. Returns (learned, random, runs)."""
    runs = two_aggressive_steps(True, sizes=sizes, seed=seed, device=device)
    learned, rand = [], []
    for r in runs:
        g = torch.Generator()
        g.set_state(r.generator_state)
        learned.append(_probe_accuracy(r, 2, g, sizes))
        rand.append(_probe_accuracy(r, 0, g, sizes))
    return np.array(learned), np.array(rand), runs


@experiment(cpu_only="Bernoulli pattern moments from one seeded CPU stream (seconds on a CPU)")
def pattern_moments(D: int, k: int, p_o: float, *, sizes: MomentSizes = MomentSizes(), seed: int):
    """gamma_j = Cov(y, phi_j) for j in A, and sigma~ = sqrt(sum_j Var(phi_j)), with their standard errors."""
    g = torch.Generator().manual_seed(int(seed))
    A = torch.randperm(D, generator=g)[:k]
    n = sizes.samples
    ph, y = sample_patterns(n, True, A, g, D=D, k=k, p_o=p_o)
    pa = ph[:, A]
    cov = ((y[:, None] - y.mean()) * (pa - pa.mean(0))).numpy()  # gamma_j = Cov(y, phi_j)
    gam, gam_se = cov.mean(0), cov.std(0, ddof=1) / math.sqrt(n)
    # sigma~^2 = sum_j Var(phi_j) from the per-pattern frequencies p_j; SE by the delta method with its second-order
    # term (|1 - 2p| vanishes at p = 1/2, where the estimator's error is SE(p)^2)
    pj = ph.mean(0).numpy()
    se_p = np.sqrt(pj * (1 - pj) / n)
    sig = math.sqrt(float((pj * (1 - pj)).sum()) * n / (n - 1))
    sig_se = float((np.abs(1 - 2 * pj) * se_p + se_p ** 2).sum()) / (2 * sig)
    return gam, gam_se, sig, sig_se


@check(result=SHI, quantity="fixed_feature_bound", name="bounds", rule="componentwise", also=["sq_query_bound"],
       cost="cheap", method="closed forms against exact arithmetic; tolerance 1e-9 relative to the exact side + 1e-15",
       strategy=st.fixed_dictionaries({"p_o": st.floats(0.05, 0.5), "N": st.integers(1, 10 ** 6), "B": _log(0.01, 10),
                                       "k": st.sampled_from([5, 7, 9, 11, 15, 21]), "D": st.integers(30, 200)}).filter(
           lambda p: math.sqrt(2 * p["N"]) * p["B"] / 2 ** p["k"] < 0.5),
       examples=[{"p_o": 0.5, "N": 10 ** 6, "B": 10.0, "k": 21, "D": 100}])
def bounds(p, ctx):
    """Theorems 2 and 3 (the fixed-feature accuracy bound and the statistical-query bound) against exact arithmetic
    (integer binomial)."""
    po, Nn, B, k, D = p["p_o"], p["N"], p["B"], p["k"], p["D"]
    exact = [po * (1 - math.sqrt(2 * Nn) * B / 2 ** k), 0.5 * float(Fraction(math.comb(D, k))) ** (1 / 3)]
    pred = [float(ctx.predict(p_o=po, N=Nn, B=B, k=k)), float(ctx.predict_also("sq_query_bound", D=D, k=k))]
    return rules.componentwise(pred, exact, parts={"float (1e-9 relative) + 1e-15": np.abs(exact) * 1e-9 + 1e-15})


@check(result=SHI, quantity="gamma", name="constants", rule="componentwise", also=["sigma_tilde"],
       strategy=st.fixed_dictionaries({"D": st.integers(20, 200), "k": st.sampled_from([3, 5, 7, 9]),
                                       "p_o": st.floats(0.05, 0.5)}),
       examples=[{"D": 100, "k": 5, "p_o": 0.5}], method=f"Monte Carlo, z*SE per component (z = {Z})")
def constants(p, ctx):
    """gamma_j (j in A) and sigma~ of the DERIVED pattern distribution, sampled."""
    sizes = ctx.sizes(MomentSizes)
    gam, gam_se, sig, sig_se = pattern_moments(p["D"], p["k"], p["p_o"], sizes=sizes, seed=ctx.seed)
    pred = [float(ctx.predict(k=p["k"]))] * p["k"] + [
        float(ctx.predict_also("sigma_tilde", k=p["k"], D=p["D"], p_o=p["p_o"]))]
    return rules.componentwise(pred, np.append(gam, sig),
                               parts={f"monte_carlo (z*SE, z={Z})": Z * np.append(gam_se, sig_se)},
                               sizes={"samples": sizes.samples})


def _steps_regime(*runs):
    bad = sum(r.diverged for r in runs)
    return ("assumption-violated", f"{bad} step(s) diverged (non-finite or exploding loss)") if bad else (None, "")


_EMERGENCE_RULE = "structured: median |cos| > 0.9; uniform bits: median |cos| < 0.3"


@check(result=SHI, quantity="emergence_needs_structure", name="emergence", rule="trend", strategy=st.just({}),
       examples=[{}], method=_TREND + " (SE from the per-neuron spread: few seeds); requires " + _EMERGENCE_RULE)
def emergence(p, ctx):
    """After the two aggressive steps the neurons align with sum_A M_j on structured inputs and not on uniform bits."""
    sizes = ctx.sizes(EmergenceSizes)
    runs = {s: two_aggressive_steps(s, sizes=sizes, seed=ctx.seed, device=ctx.device) for s in (True, False)}
    med = {s: np.array([np.median(r.cos[2]) for r in runs[s]]) for s in (True, False)}
    frac = [float(np.mean(r.cos[2] > 0.99)) for r in runs[True]]
    # per-neuron spread of |cos| as the SE scale (seeds are few): the median's SE ~ 1.25 sd/sqrt(2m)
    sd = [np.std(r.cos[2]) * 1.25 / math.sqrt(len(r.cos[2])) for s in (True, False) for r in runs[s]]
    se = math.sqrt(sum(x ** 2 for x in sd)) / sizes.seeds
    claim = ctx.predict()
    ok = bool(med[True].min() > 0.9 and med[False].max() < 0.3)
    return rules.trend(claim, med[True].mean() - med[False].mean(), se,
                       requires={_EMERGENCE_RULE: ok} if claim > 0 else None,
                       diagnostics={"median_cos_structured": med[True].tolist(),
                                    "median_cos_uniform": med[False].tolist(), "fraction_above_0.99_structured": frac},
                       sizes={"seeds": sizes.seeds, "D": sizes.D, "k": sizes.k, "m": sizes.m, "n": sizes.n}
                       ).outside_regime(*_steps_regime(*runs[True], *runs[False]))


@check(result=SHI, quantity="beats_fixed_features", name="beats_fixed_features", rule="trend", strategy=st.just({}),
       examples=[{}], method=_TREND + " (binomial SE of the test accuracies)")
def beats_fixed_features(p, ctx):
    """A probe on the features after the two steps beats one on the initial (random) features of the same width."""
    sizes = ctx.sizes(EmergenceSizes)
    learned, rand, runs = probe_after_two_steps(sizes=sizes, seed=ctx.seed, device=ctx.device)
    n = sizes.probe_test
    se = math.sqrt(learned.mean() * (1 - learned.mean()) / n + rand.mean() * (1 - rand.mean()) / n) / math.sqrt(
        sizes.seeds)
    return rules.trend(ctx.predict(), (learned - rand).mean(), se,
                       diagnostics={"acc_after_two_steps": learned.tolist(), "acc_random_features": rand.tolist()},
                       sizes={"seeds": sizes.seeds, "test": n, "width": 2 * sizes.m}
                       ).outside_regime(*_steps_regime(*runs))


# ------------------------------------------------------------------------------------------- Shi et al. 2023
@dataclass(frozen=True)
class GradientSizes(Sizes):
    samples: int = scaled(4_000_000, min=1_000_000)  # mixture samples (y, x) of the first gradient


@experiment(cpu_only="a NumPy Monte Carlo mean in two dimensions: a GPU gains nothing")
def first_gradient_mc(mu_norm: float, c_frac: float, b: float, *, sizes: GradientSizes = GradientSizes(), seed: int):
    """Sampled G = E[y x 1{w.x + b > 0}] = A mu + B w for x = y mu + N(0, I), y = +-1, <w, mu> = c_frac |mu|^2 (mu and
    w span the first two coordinates; the rest cancel). Returns (A, B, cos(G, mu)) and their standard errors."""
    g = np.random.default_rng(seed)
    d, n = 2, sizes.samples
    mu = np.zeros(d)
    mu[0] = mu_norm
    c = c_frac * mu_norm
    w = np.zeros(d)
    w[0] = c / mu_norm
    w[1] = math.sqrt(max(1 - w[0] ** 2, 0))
    y = g.choice([-1.0, 1.0], n)
    x = y[:, None] * mu + g.standard_normal((n, d))
    v = y[:, None] * x * ((x @ w + b) > 0)[:, None]
    Bs = v[:, 1] / w[1]  # G = A mu + B w: solve from the components along e0 and e1
    As = (v[:, 0] - Bs * w[0]) / mu_norm
    A_, B_ = As.mean(), Bs.mean()
    se = np.array([As.std(ddof=1), Bs.std(ddof=1)]) / math.sqrt(n)

    def cosf(A, B):
        G = A * mu + B * w
        return G @ mu / (np.linalg.norm(G) * mu_norm)
    # the cosine's SE by the delta method is dominated by B's: bound it by |d cos/d B| SE_B + |d cos/d A| SE_A
    eps = 1e-6
    dA = abs(cosf(A_ + eps, B_) - cosf(A_ - eps, B_)) / (2 * eps)
    dB = abs(cosf(A_, B_ + eps) - cosf(A_, B_ - eps)) / (2 * eps)
    return np.array([A_, B_, cosf(A_, B_)]), np.append(se, dA * se[0] + dB * se[1])


@check(result=SHI23, quantity="mu_coef", name="gradient_feature", rule="componentwise",
       also=["w_coef", "feature_cosine"],
       strategy=st.fixed_dictionaries({"mu_norm": _log(0.3, 3), "c_frac": st.floats(-0.9, 0.9), "b": st.floats(-1, 1)}),
       examples=[{"mu_norm": 1.5, "c_frac": 0.6, "b": 1.0}],
       method=f"Monte Carlo, z*SE per component (z = {Z}; the cosine's SE by the delta method) + 1e-12 float")
def gradient_feature(p, ctx):
    """The expected first gradient E[y x 1{w.x+b>0}] of a ReLU neuron on a Gaussian mixture, sampled, against its mu and
    w coefficients and its cosine with mu."""
    sizes = ctx.sizes(GradientSizes)
    meas, se = first_gradient_mc(p["mu_norm"], p["c_frac"], p["b"], sizes=sizes, seed=ctx.seed)
    kw = dict(mu_norm=p["mu_norm"], c=p["c_frac"] * p["mu_norm"], b=p["b"])
    pred = [float(ctx.predict(**kw)), float(ctx.predict_also("w_coef", **kw)),
            float(ctx.predict_also("feature_cosine", **kw))]
    return rules.componentwise(pred, meas, parts={f"monte_carlo (z*SE, z={Z})": Z * se, "float": 1e-12},
                               sizes={"samples": sizes.samples, "d": 2}, diagnostics={"se": se.tolist()})
