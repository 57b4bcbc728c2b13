"""Lu et al. (2025) linear-attention ICL: the asymptotic errors and the finite-d error against simulations.

Experiments (shared with the figures): Gamma* ridge-fitted at finite d on realised sizes (numerics' reduced
model, float64), scored with the exact finite-d error formula (lu2025.finite_d_error: no test-set noise);
sampled task sets for the resolvent; token-level Monte Carlo of the finite-d error of a fixed Gamma.

Tiers (STYLE.md): the resolvent and the finite-d formula resolve ~0.2-2 % (z*SE); the asymptotic curves are
compared through an extrapolation in 1/d of sim - theory(realised alpha, kappa, tau), fitted as a + b/d + c/d^2,
whose intercept resolves ~20 % at CPU sizes (its identities, lu_asymptotics_identities, resolve 5 %).
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

LU, FD = "lu2025.icl_asymptotics", "lu2025.finite_d_error"
Z = rules.Z
INF = math.inf

PAPER_LU = {"alpha": 2.0, "kappa": 1.0, "tau": 2.0, "rho": 0.1}  # the dossier's main simulated setting
LU_LAM_RIDGELESS = 1e-6  # "ridgeless" runs use this ridge, and the theory is evaluated at the same lam

# Resolution of the extrapolated curves: the intercept's SE is ~1-3 % of e (seed sd ~ 2/d^1.3 per seed, amplified
# ~5x by extrapolating to 1/d = 0), so z*SE resolves 5-15 %; with the 3 % extrapolation systematic they declare 20 %.
LU_RESOLUTION = 0.2
# Calibration (helper run, 5x these seeds, d = 8..40): quadratic fits over d <= 40 land up to +2.7 % above theory
# (3-5 SE) for e_icl at kappa = 1, tau > 1, where corrections beyond 1/d^2 persist; the dossier's d = 30..100 fit is
# within 0.3 %. A 3 % extrapolation systematic (of the measured value) is part of the tolerance.
LU_SYSTEMATIC = 0.03
LU_TARGET_REASON = ("measured: at d = 12..32 over the quick profile's seeds the extrapolated intercept's SE is 1-3 % "
                    "of e (seed sd ~ 2/d^1.3, amplified ~5x by extrapolating to 1/d = 0), so z*SE resolves 5-15 %, "
                    "plus the 3 % extrapolation systematic (quadratic fits over d <= 40 land up to +2.7 % above theory "
                    "at kappa = 1, tau > 1): 20 %. The identities of lu_asymptotics_identities resolve 5 % for the same "
                    "quantities; d up to 64 (thorough, GPU) tightens this one.")


# ------------------------------------------------------------------------------------------------ sizes
@dataclass(frozen=True)
class LuExtrapolation(Sizes):
    # (d, seeds) of the 1/d extrapolation: seed sd falls like d^-1.3 and cost grows like tau d^6, so small d get many
    # seeds (calibrated: a quadratic fit in 1/d over d = 8..32 recovers the d -> oo theory within its SE). The seeds
    # do not shrink in `ci`: the extrapolated intercept needs them to resolve its target.
    per_d: tuple = ((12, 1600), (16, 800), (20, 320), (24, 128), (32, 36))
    # thorough: d = 16..64 with 4x these seeds (d >= 48 is GPU territory, ~1 min per seed on the CPU)
    by_profile = {"thorough": {"per_d": ((16, 640), (24, 256), (32, 128), (48, 48), (64, 24))}}


@dataclass(frozen=True)
class ResolventSizes(Sizes):
    ds: tuple = (64, 128, 256)  # dimensions of the a + b/d fit of the sampled resolvent trace
    seeds: int = scaled(6, min=6)  # task sets per d (never fewer than quick's: the intercept needs them)


@dataclass(frozen=True)
class TokenSizes(Sizes):
    contexts: int = scaled(200_000, min=20_000)  # explicit token-level contexts per error: SE ~0.5 % of e


@dataclass(frozen=True)
class PeakSizes(Sizes):
    seeds: int = scaled(24, min=24)  # fits per n: the median over seeds locates the peak (never fewer than 24)
    grid: tuple = (0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25)  # n / d(d+1): the grid the argmax is taken over
    lam: float = 1e-9  # near-ridgeless: the peak at n = d(d+1) stays sharp


# ------------------------------------------------------------------------------------------------ experiments
@dataclass
class LuRun:
    sizes: nm.LuSizes  # the realised integer sizes (and ratios)
    e_icl: np.ndarray  # (seeds,) exact finite-d error on fresh tasks
    e_idg: np.ndarray  # (seeds,) on the realised task set (= e_icl for kappa = oo: every test task is fresh)
    seconds: float  # fitting time


def _score(fit: nm.GammaFit, rho: float, idg: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    G = fit.Gamma.numpy()
    fd = theory.get(FD)  # the exact finite-d error of the fitted object: the measurement, not a prediction
    icl = np.asarray(fd.evaluate("e_icl", Gamma=G, ell=fit.sizes.ell, rho=rho), float)
    if not idg:
        return icl, None
    if fit.tasks is None:
        return icl, icl
    return icl, np.array([float(fd.evaluate("e_idg", Gamma=G[i], ell=fit.sizes.ell, rho=rho,
                                            tasks=fit.tasks[i].numpy())) for i in range(len(G))])


@experiment
def lu_run(d: int, alpha: float, kappa: float, tau: float, rho: float, lam: float, *, seeds: int, seed: int,
           device: str = "cpu") -> LuRun:
    """Gamma* ridge-fitted for `seeds` task and data sets at l = round(alpha d), k = round(kappa d), n = round(tau d^2),
    scored with the exact finite-d errors."""
    sizes = nm.lu_sizes(d, alpha, kappa, tau)
    f = nm.fit_gamma(sizes, rho, lam, seeds=seeds, seed=seed, device=device)
    icl, idg = _score(f, rho)
    return LuRun(sizes, icl, idg, f.seconds)


@experiment
def peak_errors(d: int, alpha: float, kappa: float, rho: float, n: int, *, seeds: int, lam: float, seed: int,
                device: str = "cpu") -> np.ndarray:
    """e_icl (per seed) of the near-ridgeless fit with n contexts, l = max(2, round(alpha d)), k = round(kappa d)."""
    sizes = nm.LuSizes(d=d, ell=max(2, round(alpha * d)), k=max(1, round(kappa * d)), n=n)
    return _score(nm.fit_gamma(sizes, rho, lam, seeds=seeds, seed=seed, device=device), rho, idg=False)[0]


@experiment(cpu_only="NumPy SVDs of small task matrices: a GPU gains nothing")
def resolvent_traces(kappa: float, x: float, *, ds: tuple, seeds: int, seed: int) -> dict:
    """(1/d) tr (R_k + x I)^-1 of k = round(kappa d) tasks of norm sqrt(d), per d: mean and SE over task sets."""
    out = {"d": [], "k": [], "mean": [], "se": []}
    for d in ds:
        k = max(1, round(kappa * d))
        gen = torch.Generator().manual_seed(seed * 7919 + d)
        W = nm.sample_tasks(seeds, k, d, gen).numpy()
        ev = np.linalg.svd(W / math.sqrt(k), compute_uv=False) ** 2  # (S, min(k, d)) eigenvalues of R_k
        full = np.concatenate([ev, np.zeros((seeds, max(0, d - k)))], axis=1)
        m, s = mean_se((1.0 / (full + x)).mean(1))
        for key, v in (("d", d), ("k", k), ("mean", float(m)), ("se", float(s))):
            out[key].append(v)
    return out


@dataclass
class TokenLevel:
    Gamma: np.ndarray  # (d, d+1) the fixed reduced attention matrix
    tasks: np.ndarray  # (k, d) the task set of the IDG error
    mean: dict  # {"e_icl": .., "e_idg": ..} Monte Carlo means
    se: dict  # their standard errors


@experiment
def token_level_errors(d: int, ell: int, rho: float, k: int, *, contexts: int, seed: int,
                       device: str = "cpu") -> TokenLevel:
    """A random Gamma and task set, and token-level Monte Carlo of its errors (x ~ N(0, I/d), explicit contexts):
    fresh tasks (ICL) and tasks drawn from the set (IDG)."""
    dev = nm.resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(seed)
    f64 = dict(device=dev, dtype=torch.float64)
    G = 0.4 * torch.randn(d, d + 1, generator=gen, **f64) / math.sqrt(d)
    G[:, :d] += torch.eye(d, **f64) * 0.5
    tasks = nm.sample_tasks(1, k, d, gen, device=dev)[0]
    mean, se = {}, {}
    for which in ("e_icl", "e_idg"):
        acc = []
        for c0 in range(0, contexts, 50_000):
            m = min(50_000, contexts - c0)
            if which == "e_icl":
                w = nm.sample_tasks(1, m, d, gen, device=dev)[0]
            else:
                w = tasks[torch.randint(0, k, (m,), generator=gen, device=dev)]
            Xc = torch.randn(m, ell + 1, d, generator=gen, **f64) / math.sqrt(d)
            y = (Xc * w[:, None, :]).sum(-1) + math.sqrt(rho) * torch.randn(m, ell + 1, generator=gen, **f64)
            u = (d / ell) * (Xc[:, :ell] * y[:, :ell, None]).sum(1)
            s = (y[:, :ell] ** 2).sum(1) / ell
            yhat = (Xc[:, ell] * (u @ G[:, :d].T + s[:, None] * G[:, d])).sum(-1)
            acc.append((y[:, ell] - yhat) ** 2)
        mean[which], se[which] = (float(v) for v in mean_se(torch.cat(acc).cpu().numpy()))
    return TokenLevel(G.cpu().numpy(), tasks.cpu().numpy(), mean, se)


def mean_se(x, axis=0):
    x = np.asarray(x, float)
    return x.mean(axis), x.std(axis, ddof=1) / math.sqrt(x.shape[axis])


def fit_in_inverse_d(ds, y, se, order: int = 2):
    """Weighted least squares y(d) = a + b/d (+ c/d^2): intercept, its standard error, reduced chi^2, coefficients."""
    x = 1.0 / np.asarray(ds, float)
    A = np.stack([x ** k for k in range(order + 1)], axis=1)
    w = 1.0 / np.maximum(np.asarray(se, float), 1e-12)
    coef, *_ = np.linalg.lstsq(A * w[:, None], np.asarray(y, float) * w, rcond=None)
    cov = np.linalg.inv((A * w[:, None]).T @ (A * w[:, None]))
    resid = (A @ coef - y) * w
    dof = max(1, len(ds) - order - 1)
    return float(coef[0]), float(math.sqrt(cov[0, 0])), float((resid ** 2).sum() / dof), coef.tolist()


# ------------------------------------------------------------------------------------------------ checks
def _predict(ctx, q, **kw) -> float:
    """The check's own quantity through ctx.predict, the others it declared through ctx.predict_also."""
    return float(ctx.predict(**kw) if q == ctx.check.quantity else ctx.predict_also(q, **kw))


def _lu_curve(p, ctx, quantities=("e_icl", "e_idg")) -> rules.Comparison:
    """sim(d) - theory(realised alpha, kappa, tau; lam) fitted as a + b/d + c/d^2 over d; each quantity's intercept
    a compared with 0 (measured = prediction at the nominal ratios + a)."""
    lam = p.get("lam", LU_LAM_RIDGELESS)
    rho = p["rho"]
    rows = {q: ([], [], []) for q in quantities}
    used = {}
    for d, seeds in ctx.sizes(LuExtrapolation).per_d:
        run = lu_run(d, p["alpha"], p["kappa"], p["tau"], rho, lam, seeds=seeds, seed=ctx.seed, device=ctx.device)
        s = run.sizes
        used[d] = {"seeds": seeds, "ell": s.ell, "k": s.k, "n": s.n, "seconds": round(run.seconds, 2)}
        for q in quantities:
            sim = {"e_icl": run.e_icl, "e_idg": run.e_idg}.get(q, run.e_icl - run.e_idg)
            th = _predict(ctx, q, alpha=s.alpha, kappa=s.kappa, tau=s.tau, rho=rho, lam=lam)
            m, se = mean_se(sim)
            rows[q][0].append(d), rows[q][1].append(m - th), rows[q][2].append(se)
    pred, meas, stat, syst, diag = [], [], [], [], {}
    for q in quantities:
        ds, gaps, ses = rows[q]
        a, se_a, chi2, coef = fit_in_inverse_d(ds, gaps, ses, order=2)
        predicted = _predict(ctx, q, alpha=p["alpha"], kappa=p["kappa"], tau=p["tau"], rho=rho, lam=lam)
        infl = math.sqrt(max(1.0, chi2))  # Birge ratio: model misfit widens the intercept's error, never narrows it
        pred.append(predicted), meas.append(predicted + a)
        stat.append(Z * se_a * infl), syst.append(LU_SYSTEMATIC * abs(predicted + a))
        diag[q] = {"gap_by_d": dict(zip(ds, np.round(gaps, 5).tolist())), "se_by_d": dict(zip(ds, np.round(ses, 5).tolist())),
                   "intercept": a, "se_intercept": se_a, "chi2_red": chi2, "fit_coef (a, b, c)": coef}
    return rules.componentwise(pred, meas, parts={"extrapolation (z*SE(a)*sqrt(max(1, chi2_red)))": stat,
                                                  "extrapolation systematic (3 % of |measured|)": syst},
                               sizes={"per_d": used, "lam": lam}, diagnostics={**diag, "order": list(quantities)})


def _log(lo, hi):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


def _ridgeless_params(profile):
    # Near the threshold (0.7 < tau < 3) the 1/d expansion converges slowly: a quadratic fit over d = 8..40 is
    # biased by +2.3 % (z = 4.6) at tau = 2 in calibration while the dossier's d = 30..100 fit is within 0.3 %.
    # There the CPU profiles' sizes cannot resolve 5 %; the thorough profile (d up to 64) covers it.
    tau = st.one_of(st.floats(0.3, 0.7), st.floats(1.5 if profile.name == "thorough" else 3.0, 6.0))
    return st.fixed_dictionaries({"alpha": st.floats(1.0, 4.0), "kappa": st.one_of(st.floats(0.5, 3.0), st.just(INF)),
                                  "tau": tau, "rho": st.floats(0.0, 0.5)})


_RIDGE_PARAMS = st.fixed_dictionaries({"alpha": st.floats(1.0, 10.0),
                                       "kappa": st.one_of(st.floats(0.5, 3.0), st.just(INF)),
                                       "tau": st.floats(0.3, 3.0), "rho": st.floats(0.0, 0.5), "lam": _log(0.05, 2.0)})

LU_METHOD = ("ridge fit of Gamma* (float64) at d = 12..32 (thorough: 16..64) over seeds, scored with the exact finite-d "
             "error; sim - theory(realised ratios) fitted as a + b/d + c/d^2; |a| <= z*SE(a)*sqrt(max(1, chi2_red)) "
             f"(z = {Z}) + 3 % of the measured value (extrapolation systematic from d <= 40, calibrated)")


@check(result=LU, quantity="M_kappa", name="resolvent", rule="value",
       strategy=st.fixed_dictionaries({"kappa": _log(0.2, 5.0), "x": _log(0.01, 3.0)}),
       examples=[{"kappa": 0.5, "x": 0.05}, {"kappa": 3.0, "x": 0.55}],
       method=f"d = 64, 128, 256, 6 task sets each; gap to theory at the realised kappa = round(kappa d)/d fitted as "
              f"a + b/d; |a| <= z*SE(a)*sqrt(max(1, chi2_red)) (z = {Z}) + 1e-9 relative to the measured value")
def resolvent(p, ctx):
    """M_kappa(x) equals the limit of (1/d) tr (R_k + x I)^-1 for sampled task sets (k = kappa d tasks of norm
    sqrt(d), R_k = W^T W / k), extrapolated to d -> oo."""
    sz = ctx.sizes(ResolventSizes)
    tr = resolvent_traces(p["kappa"], p["x"], ds=sz.ds, seeds=sz.seeds, seed=ctx.seed)
    # the realised kappa differs from the nominal by the rounding of k: the gap to theory at each realised kappa
    th = [float(ctx.predict(kappa=k / d, x=p["x"])) for d, k in zip(tr["d"], tr["k"])]
    gaps = np.array(tr["mean"]) - np.array(th)
    a, se_a, chi2, _ = fit_in_inverse_d(tr["d"], gaps, tr["se"], order=1)
    pred = float(ctx.predict(kappa=p["kappa"], x=p["x"]))
    return rules.value(pred, pred + a, parts={"extrapolation (z*SE(a)*sqrt(max(1, chi2_red)))":
                                              Z * se_a * math.sqrt(max(1.0, chi2)),
                                              "float (1e-9 relative)": rules.float_part(pred + a, 1e-9)},
                       sizes={"d": list(tr["d"]), "seeds": sz.seeds},
                       diagnostics={"gap_by_d": gaps.tolist(), "se_by_d": tr["se"], "chi2_red": chi2})


@check(result=FD, quantity="e_icl", name="monte_carlo", rule="componentwise",
       strategy=st.fixed_dictionaries({"d": st.integers(2, 10), "ell": st.integers(2, 30), "rho": st.floats(0, 1),
                                       "k": st.integers(1, 12)}),
       examples=[{"d": 12, "ell": 24, "rho": 0.1, "k": 6}], also=["e_idg"],
       method=f"2e5 explicit token-level contexts per error; each |MC - formula| <= z*SE (z = {Z})")
def monte_carlo(p, ctx):
    """The exact finite-d error of a fixed random Gamma equals token-level Monte Carlo on fresh tasks (e_icl) and on
    a task set (e_idg)."""
    d, ell, rho, k = p["d"], p["ell"], p["rho"], p["k"]
    n = ctx.sizes(TokenSizes).contexts
    mc = token_level_errors(d, ell, rho, k, contexts=n, seed=ctx.seed, device=ctx.device)
    pred = [float(ctx.predict(Gamma=mc.Gamma, ell=ell, rho=rho)),
            float(ctx.predict_also("e_idg", Gamma=mc.Gamma, ell=ell, rho=rho, tasks=mc.tasks))]
    meas = [mc.mean["e_icl"], mc.mean["e_idg"]]
    se = np.array([mc.se["e_icl"], mc.se["e_idg"]])
    return rules.componentwise(pred, meas, parts={"monte_carlo (z*SE)": Z * se},
                               sizes={"contexts": n, "d": d, "ell": ell, "k": k},
                               diagnostics={"se": se.tolist(), "order": ["e_icl", "e_idg"]})


@check(result=FD, quantity="n_peak", name="peak_location", rule="value",
       strategy=st.fixed_dictionaries({"d": st.integers(8, 16), "alpha": st.floats(1.0, 3.0),
                                       "kappa": st.floats(0.5, 2.0), "rho": st.floats(0.0, 0.3)}),
       examples=[{"d": 16, "alpha": 2.0, "kappa": 1.0, "rho": 0.1}],
       method="argmax over an n grid (0.8..1.25 d(d+1)) of the median over 24 seeds of the exact e_icl of the "
              "near-ridgeless fit (lam = 1e-9); tolerance half the grid spacing at the peak")
def peak_location(p, ctx):
    """The finite-d double-descent peak sits at n = d(d+1) (tau_c = 1 + 1/d): the argmax over n of the median test
    error."""
    d = p["d"]
    sz = ctx.sizes(PeakSizes)
    grid = sorted({round(d * (d + 1) * f) for f in sz.grid})
    med = [float(np.median(peak_errors(d, p["alpha"], p["kappa"], p["rho"], n, seeds=sz.seeds, lam=sz.lam,
                                       seed=ctx.seed, device=ctx.device))) for n in grid]
    arg = grid[int(np.argmax(med))]
    half = 0.5 * float(min(np.diff(grid)))
    return rules.value(float(ctx.predict(d=d)), float(arg), parts={"grid spacing / 2": half},
                       sizes={"n_grid": grid, "seeds": sz.seeds, "lam": sz.lam}, diagnostics={"median_e_icl": med})


_HEAVY = dict(cost="heavy", resolution_target=LU_RESOLUTION, target_reason=LU_TARGET_REASON, method=LU_METHOD)


@check(result=LU, quantity="e_icl", name="ridgeless_curve", rule="componentwise", strategy=_ridgeless_params,
       examples=[{**PAPER_LU, "tau": 4.0}, {**PAPER_LU, "tau": 0.5}], also=["e_idg"], **_HEAVY)
def ridgeless_curve(p, ctx):
    """The double-descent curve away from tau = 1 (lam = 1e-6): e_icl and e_idg of the fitted Gamma*, extrapolated
    to d -> oo, equal the asymptotic errors."""
    return _lu_curve(p, ctx)


@check(result=LU, quantity="e_icl", name="ridge_curve", rule="componentwise", strategy=_RIDGE_PARAMS,
       examples=[{"alpha": 10.0, "kappa": INF, "tau": 1.0, "rho": 0.01, "lam": 0.1},
                 {"alpha": 2.0, "kappa": 1.0, "tau": 2.0, "rho": 0.1, "lam": 0.1}], also=["e_idg"], **_HEAVY)
def ridge_curve(p, ctx):
    """Ridge curves (lam > 0, any tau including 1): e_icl (VERBATIM-CODE) and the e_idg CONJECTURE tau*(-c_e),
    extrapolated to d -> oo, equal the asymptotic errors."""
    return _lu_curve(p, ctx)


@check(result=LU, quantity="g_task", name="task_diversity", rule="componentwise",
       strategy=st.fixed_dictionaries({"alpha": st.just(10.0), "kappa": st.floats(0.2, 0.8), "tau": st.just(4.0),
                                       "rho": st.just(0.01)}),
       examples=[{"alpha": 10.0, "kappa": 0.5, "tau": 4.0, "rho": 0.01}], **_HEAVY)
def task_diversity(p, ctx):
    """The task-generalisation gap g_task = e_icl - e_idg below the kappa = 1 transition (alpha = 10, tau = 4), where
    it is large (memorisation); above it g_task is small and its relative error unresolvable at these sizes."""
    return _lu_curve(p, ctx, ("g_task",))
