"""Parameter-free step sizes: AdaGrad++ and Adam++ (Tao, Yuan, Zhou, Cao, Gu 2025).

Experiments (float64 iterates of at most 20 coordinates, on the CPU: a GPU gains nothing, and f* comes from SciPy's
L-BFGS-B): l2-regularised logistic regression (n = 200, p = 20) for the step-size rule and the insensitivity to the
initial step size, and a sharp non-smooth stochastic problem (||x||_1 with N(0, I) gradient noise, p = 10) for the
O(T^-1/2) rate of the averaged iterate.
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

TAO = "tao2025.adagrad_pp"
Z = rules.Z
_CPU = "float64 iterates of at most 20 coordinates (f* by SciPy's L-BFGS-B): a GPU gains nothing"
_OPTIMISERS = st.sampled_from(["adagrad_pp", "adam_pp"])


@dataclass(frozen=True)
class LogisticSizes(Sizes):
    n: int = 200  # samples, rows a_i ~ N(0, I/p), labels sign(<a_i, x*> + 0.5 noise)
    p: int = 20  # dimension
    reg: float = 0.01  # l2 regularisation: strongly convex, f* by L-BFGS-B to gtol 1e-12


@experiment(cpu_only=_CPU)
def logistic_problem(sizes: LogisticSizes = LogisticSizes(), *, seed: int):
    """(1/n) sum log(1 + exp(-y <a, x>)) + (reg/2)||x||^2 drawn from `seed`, and its minimum f* (L-BFGS-B)."""
    from scipy.optimize import minimize

    n, p = sizes.n, sizes.p
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, p)) / math.sqrt(p)
    y = np.sign(A @ rng.standard_normal(p) + 0.5 * rng.standard_normal(n))
    prob = nm.LogisticProblem(torch.tensor(A), torch.tensor(y), sizes.reg)

    def f(x):
        t = torch.tensor(x, requires_grad=True)
        v = prob.value(t.unsqueeze(0))[0]
        v.backward()
        return float(v.detach()), t.grad.numpy()

    best = minimize(f, np.zeros(p), jac=True, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12,
                                                                             "maxiter": 10000})
    return prob, float(best.fun)


@dataclass
class OptimiserRun:
    final: torch.Tensor  # (E,) objective at the last iterate
    eta: np.ndarray  # (steps, E) eta_t of a parameter-free optimiser (empty for the others)
    dist: np.ndarray  # (steps, E) max_{i<=t} ||x_i - x_0||
    averaged: dict  # {T: (E,) objective of the averaged iterate after T steps}
    curve: np.ndarray  # (steps, E) objective after every step (when asked for)
    fit: dict
    diverged: int  # members whose objective became non-finite or exceeded 1e12 x its initial value


def _optimise(problem, opt, p, steps, options, members, seed, *, device, lr=1.0, avg_at=(), stochastic=False,
              init=None, curve=False) -> OptimiserRun:
    """Run an optimiser on a problem from x_0 (0 unless `init`)."""
    model = nm.Point(members, p, init)
    net = problem.bind(model) if stochastic else model
    avg, running, values = {}, torch.zeros(members, p, dtype=torch.float64, device=device), []

    def cb(step, m, loss):
        running.add_(model.x.detach())
        if step + 1 in avg_at:
            avg[step + 1] = problem.value(running / (step + 1)).cpu()
        if curve:
            values.append(problem.value(model.x.detach()).cpu())

    pp = opt in ("adagrad_pp", "adam_pp")
    cfg = nm.TrainConfig.preset("convex64", steps=steps, lr=lr, optimizer=opt, log_every=max(1, steps // 20),
                                optimizer_options=tuple(options.items()) + ((("record", True),) if pp else ()),
                                device=device)
    res = nm.fit(net, problem, cfg, seed=seed, callbacks=[cb])
    trace = res.extras["optimizer"].history if pp else []
    eta = torch.stack([t[0] for t in trace]).cpu().numpy() if pp else np.zeros((0, members))
    dist = torch.stack([t[1] for t in trace]).cpu().numpy() if pp else np.zeros((0, members))
    with torch.no_grad():
        final = problem.value(model.x.detach()).cpu()
    vals = torch.stack(values).numpy() if curve else np.zeros((0, members))
    return OptimiserRun(final, eta, dist, avg, vals, res.diagnostics(), int(res.diverged.sum()))


def _regime(*runs) -> tuple[str | None, str]:
    bad = sum(r.diverged for r in runs)
    return ("assumption-violated", f"{bad} run(s) diverged (objective non-finite or > 1e12 x initial)") if bad \
        else (None, "")


# ------------------------------------------------------------------------------------------ the step-size rule
@dataclass(frozen=True)
class TraceSizes(Sizes):
    steps: int = 200  # full-batch iterations on the logistic problem
    members: int = 2  # ensemble members (identical deterministic runs: the rule is checked on each)


@experiment(cpu_only=_CPU)
def step_trace(opt: str, eps: float, *, sizes: TraceSizes = TraceSizes(), seed: int,
               device: str = "cpu") -> OptimiserRun:
    """AdaGrad++ or Adam++ on the logistic problem of `seed`, with eta_t and the distance recorded at every step."""
    prob, _ = logistic_problem(seed=seed)
    return _optimise(prob, opt, LogisticSizes.p, sizes.steps, {"eps": eps}, sizes.members, seed, device=device)


@check(result=TAO, quantity="step_size", name="step_size", rule="value", method="float: 1e-12 relative to |eta|",
       strategy=st.fixed_dictionaries({"optimizer": _OPTIMISERS, "eps": st.floats(math.log(1e-10), 0.0).map(math.exp)}),
       examples=[{"optimizer": "adagrad_pp", "eps": 1e-6}, {"optimizer": "adam_pp", "eps": 1e-6}])
def step_size(p, ctx):
    """The optimisers' eta_t equals max(eps, max_i ||x_i - x_0||/sqrt(p)) at every step (logistic regression)."""
    sizes = ctx.sizes(TraceSizes)
    run = step_trace(p["optimizer"], p["eps"], sizes=sizes, seed=ctx.seed, device=ctx.device)
    pred = np.asarray(ctx.predict(eps=p["eps"], dist=run.dist, p=LogisticSizes.p), dtype=float)
    return rules.value(pred.ravel(), run.eta.ravel(), parts={"float (1e-12 of |eta|)": rules.float_part(run.eta, 1e-12)},
                       sizes={"steps": sizes.steps, "p": LogisticSizes.p},
                       diagnostics={"eta_final": run.eta[-1].tolist()}).outside_regime(*_regime(run))


# ------------------------------------------------------------------------------------------ sensitivity to eps
EPS_GRID = (1e-8, 1e-4, 1e-1)  # initial step sizes of AdaGrad++, learning rates of AdaGrad


@dataclass(frozen=True)
class EpsSizes(Sizes):
    problems: int = scaled(4, min=3)  # logistic problems (seeds seed + 100 k): the SE is over them
    steps: int = 300  # full-batch iterations per run


@experiment(cpu_only=_CPU)
def eps_spread(*, sizes: EpsSizes = EpsSizes(), seed: int, device: str = "cpu"):
    """Per problem and optimiser (AdaGrad++ over eps, AdaGrad over lr, both on EPS_GRID): the final suboptimalities
    and their spread max - min. Returns (spread {opt: [per problem]}, finals {opt: [[per eps]]}, runs)."""
    spread = {"adagrad_pp": [], "adagrad": []}
    finals, runs = {}, []
    for k in range(sizes.problems):
        prob, fstar = logistic_problem(seed=seed + 100 * k)
        for opt in spread:
            gaps = []
            for eps in EPS_GRID:
                opts, lr = ({"eps": eps}, 1.0) if opt == "adagrad_pp" else ({}, eps)
                run = _optimise(prob, opt, LogisticSizes.p, sizes.steps, opts, 1, seed, lr=lr, device=device)
                runs.append(run)
                gaps.append(float(run.final[0]) - fstar)
            spread[opt].append(max(gaps) - min(gaps))
            finals.setdefault(opt, []).append(gaps)
    return spread, finals, runs


@check(result=TAO, quantity="eps_sensitivity", name="eps_sensitivity", rule="trend",
       method=f"trend rule: sign * effect >= z*SE (z = {Z}), SE over problem instances",
       strategy=st.just({}), examples=[{}])
def eps_sensitivity(p, ctx):
    """Over initial step sizes 1e-8, 1e-4, 0.1 the final suboptimality of AdaGrad++ varies less than that of AdaGrad
    run with that step size (l2-regularised logistic regression, 300 steps)."""
    sizes = ctx.sizes(EpsSizes)
    spread, finals, runs = eps_spread(sizes=sizes, seed=ctx.seed, device=ctx.device)
    diff = np.array(spread["adagrad_pp"]) - np.array(spread["adagrad"])
    se = diff.std(ddof=1) / math.sqrt(sizes.problems)
    return rules.trend(ctx.predict(), diff.mean(), max(se, 1e-12),  # SE floored at 1e-12 (float), as before
                       diagnostics={"suboptimality[problem][eps]": finals, "eps_grid": list(EPS_GRID)},
                       sizes={"problems": sizes.problems, "n": LogisticSizes.n, "p": LogisticSizes.p,
                              "steps": sizes.steps}).outside_regime(*_regime(*runs))


# ------------------------------------------------------------------------------------------ the rate
RATE_T = (625, 1250, 2500, 5000, 10000)


@dataclass(frozen=True)
class RateSizes(Sizes):
    by_profile = {"ci": {"Ts": RATE_T[:-1]}}  # ci: up to T = 5000 (half the steps)
    seeds: int = scaled(8, min=4)  # independent noise streams (ensemble members): the SE of the slope is over them
    Ts: tuple = RATE_T  # horizons at which the averaged iterate is evaluated; the slope is fitted over log T
    p: int = 10  # coordinates of ||x||_1, from x_0 = (1, ..., 1)
    eps: float = 1e-3  # initial step size


@experiment(cpu_only=_CPU)
def sharp_rate(opt: str, *, sizes: RateSizes = RateSizes(), seed: int, device: str = "cpu") -> OptimiserRun:
    """The optimiser on ||x||_1 with N(0, I) gradient noise (noise stream seed + 12345), averaged iterate's objective
    at every T in sizes.Ts."""
    init = torch.ones(sizes.seeds, sizes.p, dtype=torch.float64)
    return _optimise(nm.SharpNoisyL1(seed + 12345), opt, sizes.p, sizes.Ts[-1], {"eps": sizes.eps}, sizes.seeds, seed,
                     avg_at=sizes.Ts, stochastic=True, init=init, device=device)


@check(result=TAO, quantity="rate_exponent", name="rate", rule="bound", strategy=st.fixed_dictionaries(
           {"optimizer": _OPTIMISERS}), examples=[{"optimizer": "adagrad_pp"}],
       method=f"one-sided: slope <= -1/2 + z*SE (z = {Z}, SE over seeds); the bound is not tight here (slope ~ -1), so "
              "the check resolves only a claimed exponent below -1.25",
       resolution_target=0.75,
       target_reason="the measured slope is ~ -1 (the O(T^-1/2) bound is not tight on this problem), so a one-sided "
                     "bound of -1/2 is only contradicted by a claimed exponent below ~ -1 - z*SE: a factor 1 + 2*0.75 "
                     "on the exponent (-1.25) fails, a factor 1.05 cannot")
def rate(p, ctx):
    """The averaged iterate's suboptimality on a non-smooth stochastic convex problem (||x||_1, N(0, I) gradient
    noise, p = 10) falls at least as fast as T^-1/2: fitted log-log slope over T = 625..10000."""
    sizes = ctx.sizes(RateSizes)
    run = sharp_rate(p["optimizer"], sizes=sizes, seed=ctx.seed, device=ctx.device)
    Ts = sizes.Ts
    logs = np.log(np.stack([run.averaged[t].numpy() for t in Ts]))  # (T, seeds)
    slopes = np.polyfit(np.log(np.array(Ts, float)), logs, 1)[0]
    m, se = float(slopes.mean()), float(slopes.std(ddof=1) / math.sqrt(sizes.seeds))
    return rules.bound(float(ctx.predict()), m, parts={f"z*SE (z={Z})": Z * se}, side="upper",
                       sizes={"T": list(Ts), "p": sizes.p, "seeds": sizes.seeds},
                       diagnostics={"slopes": slopes.tolist(), "last_iterate_value": run.final.tolist()}
                       ).outside_regime(*_regime(run))


# ------------------------------------------------------------------------------------------ for the figure
@experiment(cpu_only=_CPU)
def suboptimality_curve(opt: str, rate: float, *, steps: int, seed: int, device: str = "cpu") -> np.ndarray:
    """f(x_t) - f* after every step on the logistic problem of `seed`: `rate` is eps for AdaGrad++/Adam++ and the
    learning rate for AdaGrad/Adam."""
    prob, fstar = logistic_problem(seed=seed)
    opts, lr = ({"eps": rate}, 1.0) if opt.endswith("_pp") else ({}, rate)
    run = _optimise(prob, opt, LogisticSizes.p, steps, opts, 1, seed, lr=lr, curve=True, device=device)
    return run.curve[:, 0] - fstar
