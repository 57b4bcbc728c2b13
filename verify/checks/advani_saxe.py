"""Advani, Saxe & Sompolinsky (2020): learning curves of a linear student trained by gradient descent.

Identities between the Marchenko-Pastur closed forms (limits, the Bayes-optimal ridge, the optimal stopping
time), then simulations: the exact gradient flow (eigendecomposition) of N = 600 students over seeds and
full-batch gradient descent through the shared `fit` loop, with Monte Carlo tolerances z*SE over seeds plus an
O(1/N) finite-size term (coefficient 2, measured: N = 100 vs 400 runs differ from theory by <= 2.7 % and 0.7 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from ... import numerics as nm
from ... import theory
from .. import rules
from .._check import check
from .._experiment import Sizes, experiment, scaled

AS = "advani2020.gd_learning_curves"
Z = rules.Z
INF = math.inf

TIMES = (0.3, 1.0, 3.0, 10.0)  # times of the flow curves (t = oo is added for the plateaus)
PEAK_ALPHAS = (0.5, 0.85, 1.0, 1.2, 2.0)  # the overtraining sweep: its argmax must be one of 0.85, 1.0, 1.2
T_GRID = tuple(np.logspace(-1, 2.5, 60).tolist())  # the t grid min_t E_g(t) is taken over (theory and students)
T_OPT_PROBE = 0.01  # t_opt is compared with t_opt * (1 +- 1 %): the relative error of t_opt it resolves


@dataclass(frozen=True)
class StudentSizes(Sizes):
    N: int = 600  # parameters per student: Monte Carlo SE ~1 % of E_g with 24 seeds; O(1/N) finite-size correction
    seeds: int = scaled(24, min=8)  # students per flow curve (and per early-stopped flow)
    plateau_seeds: int = scaled(48, min=48)  # E_t(oo) = sigma_eps2 chi2_{P-N}/P: relative sd sqrt(2/(P-N)) per seed
    gd_seeds: int = scaled(24, min=20)  # students trained by gradient descent through `fit`
    peak_seeds: int = scaled(24, min=16)  # students per alpha of the overtraining sweep
    designs: int = scaled(16, min=8)  # designs X whose spectra give the exactly averaged errors (SE ~0.1 %)
    # full-batch gradient descent at a constant step in float64; steps and lr are set from the curvature
    gd: nm.TrainConfig = nm.TrainConfig.preset("gd64", log_every=10 ** 9)


# ------------------------------------------------------------------------------------------------ experiments
@dataclass
class FlowRun:
    alpha: float  # realised P/N
    N: int
    times: tuple
    E_g: np.ndarray  # (seeds, T) generalisation error, including the noise floor sigma_eps2
    E_t: np.ndarray  # (seeds, T) training error


@experiment
def flow_run(alpha: float, snr: float, sigma_w0_2: float, times, *, N: int, seeds: int, seed: int,
             device: str = "cpu") -> FlowRun:
    """Exact gradient flow of `seeds` students (P = round(alpha N) examples, spherical teacher and init) at `times`."""
    P = max(1, round(alpha * N))
    s2e = 1.0 / snr
    data = nm.teacher_data(seeds, N, P, sigma_w2=1.0, sigma_eps2=s2e, sigma_w0_2=sigma_w0_2, seed=seed, device=device)
    g, t = nm.gradient_flow_errors(data, times)
    return FlowRun(P / N, N, tuple(times), g.cpu().numpy() + s2e, t.cpu().numpy())


@dataclass
class DesignRun:
    alpha: float  # realised P/N
    E_g: np.ndarray  # (designs, T) flow error averaged exactly over teacher, noise and init, with sigma_eps2 added
    E_t: np.ndarray  # (designs, T) training error averaged the same way
    bayes: np.ndarray  # (designs,) the posterior-mean (Bayes-optimal) error, with sigma_eps2 added


@experiment
def design_run(alpha: float, snr: float, sigma_w0_2: float, times, *, N: int, designs: int, seed: int,
               device: str = "cpu") -> DesignRun:
    """Per design X (P = round(alpha N) examples), the gradient-flow errors at `times` and the Bayes-optimal error,
    averaged exactly over the teacher, the noise and the initialisation (numerics.expected_flow_errors)."""
    P = max(1, round(alpha * N))
    s2e = 1.0 / snr
    lam = nm.design_spectrum(designs, N, P, seed=seed, device=device)
    g, t = nm.expected_flow_errors(lam, N, P, times, sigma_w2=1.0, sigma_eps2=s2e, sigma_w0_2=sigma_w0_2)
    b = nm.bayes_error(lam, N, sigma_w2=1.0, sigma_eps2=s2e)
    return DesignRun(P / N, g.cpu().numpy() + s2e, t.cpu().numpy(), b.cpu().numpy() + s2e)


@dataclass
class GDRun:
    P: int
    eta: float  # the constant step: t = eta * steps
    marks: list  # the steps at which E_g was recorded
    E_g: dict  # step -> (seeds,) generalisation error including sigma_eps2
    fit: dict  # fit diagnostics
    diverged: int  # students whose loss became non-finite or exploded


@experiment
def gd_run(alpha: float, snr: float, sigma_w0_2: float, *, N: int, seeds: int, train: nm.TrainConfig, seed: int,
           device: str = "cpu") -> GDRun:
    """Full-batch gradient descent (constant step eta = 0.5/(1 + sqrt(alpha))^2) through `fit`, E_g recorded at
    t = 1 and 3."""
    P = round(alpha * N)
    eta = 0.5 / (1 + math.sqrt(P / N)) ** 2
    s2e = 1 / snr
    data = nm.teacher_data(seeds, N, P, sigma_w2=1.0, sigma_eps2=s2e, sigma_w0_2=sigma_w0_2, seed=seed, device=device)
    marks = sorted({max(1, round(T / eta)) for T in (1.0, 3.0)})
    rec = {}

    def record(step, model, loss):
        if step + 1 in marks:
            rec[step + 1] = (((model.w.detach() - data.w_bar) ** 2).sum(-1) / N + s2e).cpu().numpy()

    cfg = train.replace(steps=marks[-1], lr=eta, device=device)
    fr = nm.fit(nm.LinearStudent(data.w0), nm.LeastSquaresTask(data), cfg, seed=seed, callbacks=[record])
    return GDRun(P, eta, marks, rec, fr.diagnostics(), int(fr.diverged.sum()))


def mean_se(x, axis=0):
    x = np.asarray(x, float)
    return x.mean(axis), x.std(axis, ddof=1) / math.sqrt(x.shape[axis])


# ------------------------------------------------------------------------------------------------ strategies
def _log(lo, hi):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


_AS_PARAMS = st.fixed_dictionaries({"alpha": st.one_of(_log(0.1, 0.8), _log(1.25, 8)), "snr": _log(0.3, 50),
                                    "sigma_w0_2": st.floats(0, 2)})
_SIM_PARAMS = st.fixed_dictionaries({"alpha": st.one_of(st.floats(0.3, 0.7), st.floats(1.4, 4.0)),
                                     "snr": _log(0.5, 20), "sigma_w0_2": st.floats(0, 1)})
_PLATEAU_PARAMS = st.fixed_dictionaries({"alpha": st.one_of(st.floats(0.2, 0.6), st.floats(1.6, 5.0)),
                                         "snr": _log(0.5, 20), "sigma_w0_2": st.floats(0, 1)})
_EARLY_PARAMS = st.fixed_dictionaries({"alpha": st.one_of(st.floats(0.3, 0.75), st.floats(1.3, 4.0)),
                                       "snr": _log(0.5, 20)})


# ------------------------------------------------------------------------------------------------ identities
def _trunc(p_near, p_far) -> float:
    """Truncation tolerance of a limit: 3 |f(P) - f(10 P)| (max over components) plus float round-off."""
    return 3 * float(np.max(np.abs(np.asarray(p_far, float) - np.asarray(p_near, float)))) + 1e-12


@check(result=AS, quantity="E_g_inf", name="plateau_limit", rule="componentwise", strategy=_AS_PARAMS,
       examples=[{"alpha": 0.5, "snr": 5.0, "sigma_w0_2": 0.0}, {"alpha": 2.0, "snr": 5.0, "sigma_w0_2": 1.0}],
       also=["E_t_inf", "E_g", "E_t"], cost="cheap",
       method="limit evaluated at t = 1e8; tolerance 3|f(1e8) - f(1e7)| (truncation, componentwise max) + 1e-12 + "
              "1e-9 of the largest measured value (quadrature)")
def plateau_limit(p, ctx):
    """E_g(t), E_t(t) tend to the t = oo closed forms E_g_inf, E_t_inf."""
    kw = dict(alpha=p["alpha"], snr=p["snr"], sigma_w0_2=p["sigma_w0_2"])
    pred = [float(ctx.predict(**kw)), float(ctx.predict_also("E_t_inf", alpha=p["alpha"], snr=p["snr"]))]
    near = [float(ctx.predict_also(q, t=1e8, **kw)) for q in ("E_g", "E_t")]
    far = [float(ctx.predict_also(q, t=1e7, **kw)) for q in ("E_g", "E_t")]
    return rules.componentwise(pred, near, parts={"truncation (3|f(P) - f(P/10)|)": _trunc(near, far),
                                                  "quadrature (1e-9 of max |measured|)": 1e-9 * max(map(abs, near))})


@check(result=AS, quantity="E_bayes", name="bayes_is_optimal_ridge", rule="value", strategy=_AS_PARAMS,
       examples=[{"alpha": 1.0, "snr": 5.0, "sigma_w0_2": 0.0}], cost="cheap",
       method="closed form against scipy quad (epsabs 1e-13); tolerance 1e-8 relative to the measured side "
              "(quadrature)")
def bayes_is_optimal_ridge(p, ctx):
    """E_bayes equals the ridge error at gamma* = sigma_eps2/sigma_w2 = 1/SNR (scipy quad, independent of the
    Gauss-Legendre rule) and is the minimum over gamma of the ridge error (probed at gamma* (1 +- 2 %))."""
    from scipy.integrate import quad

    a, snr = p["alpha"], p["snr"]
    s2e = 1 / snr
    lo, hi = (1 - math.sqrt(a)) ** 2, (1 + math.sqrt(a)) ** 2

    def ridge(g):
        rho = lambda l: math.sqrt(max(0.0, (hi - l) * (l - lo))) / (2 * math.pi * l)
        bias = quad(lambda l: rho(l) * g * g / (l + g) ** 2, lo, hi, epsabs=1e-13, limit=200)[0]
        var = quad(lambda l: rho(l) * l / (l + g) ** 2, lo, hi, epsabs=1e-13, limit=200)[0]
        return bias + max(0.0, 1 - a) + s2e * var + s2e  # sigma_w2 = 1; the null space keeps its full error

    pred = float(ctx.predict(alpha=a, snr=snr))
    at = ridge(s2e)
    best = min(at, ridge(s2e * 0.98), ridge(s2e * 1.02))
    return rules.value([pred, pred], [at, best], parts={"quadrature (1e-8 relative)": rules.float_part([at, best], 1e-8)},
                       diagnostics={"note": "second entry: min over gamma*(1 +- 2%)"})


@check(result=AS, quantity="t_opt", name="t_opt_is_minimiser", rule="bound", strategy=_AS_PARAMS,
       examples=[{"alpha": 0.7, "snr": 2.0, "sigma_w0_2": 0.0}, {"alpha": 3.0, "snr": 20.0, "sigma_w0_2": 0.0}],
       cost="cheap", method="first-order optimality: E_g(t_opt) <= min E_g(t_opt (1 +- 1 %)) within float round-off "
                            "(1e-10 of E_g(t_opt)); resolves a 1 % error of t_opt (the probe)")
def t_opt_is_minimiser(p, ctx):
    """E_g(t_opt) <= E_g(t_opt (1 +- 1 %)): t_opt is the minimiser of the learning curve (no overtraining, t_opt = oo:
    inconclusive)."""
    kw = dict(alpha=p["alpha"], snr=p["snr"], sigma_w0_2=p["sigma_w0_2"])
    t = float(ctx.predict(**kw))
    if not math.isfinite(t):
        return rules.inconclusive("no overtraining: E_g decreases for all t")
    e = [float(theory.get(AS).evaluate("E_g", t=t * f, **kw)) for f in (1.0, 1 - T_OPT_PROBE, 1 + T_OPT_PROBE)]
    # The bound is on E_g, but what is judged is t_opt: a comparison that probes t_opt (1 +- 1 %) resolves 1 % of it.
    return rules.bound(min(e[1:]), e[0], parts={"float (1e-10 of E_g(t_opt))": rules.float_part(e[0], 1e-10)},
                       sizes={"t_opt": t}, diagnostics={"E_g(t_opt*(1, .99, 1.01))": e}, resolution=T_OPT_PROBE)


# ------------------------------------------------------------------------------------------------ simulations
def _finite_n(measured, N):
    """O(1/N) correction of Marchenko-Pastur linear statistics of a real Wishart matrix, coefficient 2 (N = 100 vs 400
    runs differ from theory by <= 2.7 % and 0.7 %, both within their Monte Carlo SE), relative to the measurement."""
    return 2.0 / N * np.abs(np.asarray(measured, float))


_AS_METHOD = ("exact gradient flow (eigendecomposition) of N = 600 students over seeds (spherical teacher and init); "
              f"per component |sim - theory| <= z*SE (z = {Z}) + 2/N of the measured value (finite N)")


@check(result=AS, quantity="E_g", name="flow_curves", rule="componentwise", strategy=_SIM_PARAMS,
       examples=[{"alpha": 0.5, "snr": 5.0, "sigma_w0_2": 0.0}, {"alpha": 2.0, "snr": 5.0, "sigma_w0_2": 0.0}],
       method=_AS_METHOD)
def flow_curves(p, ctx):
    """E_g(t) of students (sampled teacher, noise and design) trained by exact gradient flow equals the
    Marchenko-Pastur integral (t = 0.3, 1, 3, 10). (Their training error is too noisy at alpha < 1 to resolve 5 %:
    E_t is checked on design-averaged errors, training_curves.)"""
    sz = ctx.sizes(StudentSizes)
    run = flow_run(p["alpha"], p["snr"], p["sigma_w0_2"], TIMES + (INF,), N=sz.N, seeds=sz.seeds, seed=ctx.seed,
                   device=ctx.device)
    pred = ctx.predict(alpha=run.alpha, snr=p["snr"], sigma_w0_2=p["sigma_w0_2"], t=np.array(TIMES))
    meas, se = mean_se(run.E_g[:, :-1])
    return rules.componentwise(pred, meas, parts={"monte_carlo (z*SE)": Z * se, "finite_N (2/N)": _finite_n(meas, sz.N)},
                               sizes={"N": sz.N, "P": round(run.alpha * sz.N), "seeds": sz.seeds, "times": list(TIMES)},
                               diagnostics={"se": se.tolist()})


_DESIGN_METHOD = ("errors of the exact gradient flow averaged exactly over teacher, noise and init given each design X "
                  f"(N = 600; only the design is sampled, SE ~0.1 %); per component z*SE (z = {Z}) + 2/N of the "
                  "measured value (finite N)")


@check(result=AS, quantity="E_t", name="training_curves", rule="componentwise", strategy=_SIM_PARAMS,
       examples=[{"alpha": 0.5, "snr": 5.0, "sigma_w0_2": 0.0}, {"alpha": 2.0, "snr": 5.0, "sigma_w0_2": 0.5}],
       also=["E_g"], method=_DESIGN_METHOD)
def training_curves(p, ctx):
    """E_t(t) and E_g(t) of gradient flow, averaged over teacher, noise and initialisation given sampled designs,
    equal the Marchenko-Pastur integrals (t = 0.3, 1, 3, 10)."""
    sz = ctx.sizes(StudentSizes)
    run = design_run(p["alpha"], p["snr"], p["sigma_w0_2"], TIMES, N=sz.N, designs=sz.designs, seed=ctx.seed,
                     device=ctx.device)
    kw = dict(alpha=run.alpha, snr=p["snr"], sigma_w0_2=p["sigma_w0_2"], t=np.array(TIMES))
    pred = np.concatenate([ctx.predict(**kw), ctx.predict_also("E_g", **kw)])
    mt, st_ = mean_se(run.E_t)
    mg, sg = mean_se(run.E_g)
    meas, se = np.concatenate([mt, mg]), np.concatenate([st_, sg])
    return rules.componentwise(pred, meas, parts={"monte_carlo (z*SE)": Z * se, "finite_N (2/N)": _finite_n(meas, sz.N)},
                               sizes={"N": sz.N, "designs": sz.designs, "times": list(TIMES)},
                               diagnostics={"se": se.tolist(), "order": "E_t at times, then E_g at times"})


@check(result=AS, quantity="E_g_inf", name="plateaus", rule="componentwise", strategy=_PLATEAU_PARAMS,
       examples=[{"alpha": 0.5, "snr": 5.0, "sigma_w0_2": 1.0}, {"alpha": 2.0, "snr": 5.0, "sigma_w0_2": 0.0}],
       also=["E_t_inf"], method=_AS_METHOD + " + 1e-12")
def plateaus(p, ctx):
    """The t -> oo errors of trained students equal the closed forms E_g_inf, E_t_inf (|alpha - 1| >= 0.4: near
    alpha = 1 the smallest eigenvalue is O(1/N^2) and the finite-N plateau is heavy-tailed)."""
    sz = ctx.sizes(StudentSizes)
    run = flow_run(p["alpha"], p["snr"], p["sigma_w0_2"], TIMES + (INF,), N=sz.N, seeds=sz.plateau_seeds,
                   seed=ctx.seed, device=ctx.device)
    pred = np.array([float(ctx.predict(alpha=run.alpha, snr=p["snr"], sigma_w0_2=p["sigma_w0_2"])),
                     float(ctx.predict_also("E_t_inf", alpha=run.alpha, snr=p["snr"]))])
    mg, sg = mean_se(run.E_g[:, -1])
    mt, stt = mean_se(run.E_t[:, -1])
    meas, se = np.array([mg, mt]), np.array([sg, stt])
    return rules.componentwise(pred, meas, parts={"monte_carlo (z*SE)": Z * se, "finite_N (2/N)": _finite_n(meas, sz.N),
                                                  "float": 1e-12},
                               sizes={"N": sz.N, "seeds": sz.plateau_seeds}, diagnostics={"se": se.tolist()})


@check(result=AS, quantity="E_g", name="gd_steps", rule="componentwise", strategy=_SIM_PARAMS,
       examples=[{"alpha": 2.0, "snr": 5.0, "sigma_w0_2": 0.5}],
       method=f"N = 600, eta = 0.5/(1+sqrt(alpha))^2, full-batch GD through `fit` (gd64 preset); z*SE (z = {Z}) + 2/N "
              "of the measured value; a diverged student -> assumption-violated")
def gd_steps(p, ctx):
    """Full-batch gradient descent through the shared `fit` loop (SGD at a constant step) follows the discrete-time
    curve (1 - eta l)^s at t = 1 and 3."""
    sz = ctx.sizes(StudentSizes)
    run = gd_run(p["alpha"], p["snr"], p["sigma_w0_2"], N=sz.N, seeds=sz.gd_seeds, train=sz.gd, seed=ctx.seed,
                 device=ctx.device)
    pred = np.array([float(ctx.predict(alpha=run.P / sz.N, snr=p["snr"], sigma_w0_2=p["sigma_w0_2"], t=s * run.eta,
                                       eta=run.eta)) for s in run.marks])
    meas, se = (np.array(v) for v in zip(*(mean_se(run.E_g[s]) for s in run.marks)))
    c = rules.componentwise(pred, meas, parts={"monte_carlo (z*SE)": Z * se, "finite_N (2/N)": _finite_n(meas, sz.N)},
                            sizes={"N": sz.N, "P": run.P, "seeds": sz.gd_seeds, "steps": run.marks, "eta": run.eta},
                            diagnostics={"se": se.tolist(), "fit": run.fit})
    return c.outside_regime("assumption-violated" if run.diverged else None, f"{run.diverged} student(s) diverged")


@check(result=AS, quantity="E_g_inf", name="overtraining_peak", rule="componentwise",
       strategy=st.fixed_dictionaries({"snr": _log(1.0, 20)}), examples=[{"snr": 5.0}],
       method=_AS_METHOD + "; the theory statistic uses the same 60-point t grid; the argmax over alpha in "
              "{0.5, 0.85, 1, 1.2, 2} must be 0.85, 1 or 1.2 (else fail)")
def overtraining_peak(p, ctx):
    """Overtraining E_g(oo) - min_t E_g(t) is largest at alpha = 1 (the argmax over alpha in {0.5..2} lies in
    [0.85, 1.2]), and at the ends of the grid it equals E_g_inf - min_t E_g(t) of the theory (same t grid)."""
    sz = ctx.sizes(StudentSizes)
    snr = p["snr"]
    over, over_se = [], []
    for a in PEAK_ALPHAS:
        run = flow_run(a, snr, 0.0, T_GRID + (INF,), N=sz.N, seeds=sz.peak_seeds, seed=ctx.seed, device=ctx.device)
        m, s = mean_se(run.E_g[:, -1] - run.E_g[:, :-1].min(1))
        over.append(float(m)), over_se.append(float(s))
    arg = PEAK_ALPHAS[int(np.argmax(over))]
    ends = [0, len(PEAK_ALPHAS) - 1]
    res = theory.get(AS)
    pred = []
    for i in ends:  # the same statistic on the theory curve: E_g_inf - min over the same t grid (no grid bias)
        a = PEAK_ALPHAS[i]
        curve = res.evaluate("E_g", alpha=a, snr=snr, t=np.array(T_GRID))
        pred.append(float(ctx.predict(alpha=a, snr=snr)) - float(np.min(curve)))
    meas, se = np.array([over[i] for i in ends]), np.array([over_se[i] for i in ends])
    e_inf = [float(res.evaluate("E_g_inf", alpha=PEAK_ALPHAS[i], snr=snr)) for i in ends]  # resolution scale only
    return rules.componentwise(pred, meas, parts={"monte_carlo (z*SE)": Z * se,
                                                  "finite_N (2/N)": _finite_n(meas, sz.N)},
                               scale=e_inf, sizes={"N": sz.N, "seeds": sz.peak_seeds, "alphas": list(PEAK_ALPHAS)},
                               diagnostics={"overtraining": over, "se": over_se, "argmax_alpha": arg},
                               requires={f"the overtraining peak lies in [0.85, 1.2] (argmax at alpha={arg})":
                                         arg in (0.85, 1.0, 1.2)})


@check(result=AS, quantity="E_bayes", name="bayes_error", rule="value", strategy=_EARLY_PARAMS,
       examples=[{"alpha": 0.7, "snr": 2.0}, {"alpha": 3.0, "snr": 20.0}],
       method="the posterior-mean (ridge at lam* = sigma_eps2 / sigma_w2) error averaged exactly over teacher and "
              f"noise given sampled designs (N = 600); z*SE (z = {Z}) + 2/N of the measured value (finite N)")
def bayes_error(p, ctx):
    """The Bayes-optimal error of a linear student on sampled designs equals E_bayes."""
    sz = ctx.sizes(StudentSizes)
    run = design_run(p["alpha"], p["snr"], 0.0, (1.0,), N=sz.N, designs=sz.designs, seed=ctx.seed, device=ctx.device)
    m, s = mean_se(run.bayes)
    return rules.value(ctx.predict(alpha=run.alpha, snr=p["snr"]), float(m),
                       parts={"monte_carlo (z*SE)": Z * float(s), "finite_N (2/N)": float(_finite_n(m, sz.N))},
                       sizes={"N": sz.N, "designs": sz.designs})


@check(result=AS, quantity="E_g", name="early_stopping", rule="value", strategy=_EARLY_PARAMS,
       examples=[{"alpha": 0.7, "snr": 2.0}, {"alpha": 3.0, "snr": 20.0}], method=_AS_METHOD)
def early_stopping(p, ctx):
    """Students trained by gradient flow and stopped at the optimal time t_opt reach the learning curve's minimum
    E_g(t_opt), a few percent above the Bayes-optimal error (the excess, theory's and measured, is in the
    diagnostics)."""
    sz = ctx.sizes(StudentSizes)
    res = theory.get(AS)
    t = float(res.evaluate("t_opt", alpha=p["alpha"], snr=p["snr"]))  # set-up: where to stop
    run = flow_run(p["alpha"], p["snr"], 0.0, (t,), N=sz.N, seeds=sz.seeds, seed=ctx.seed, device=ctx.device)
    m, s = mean_se(run.E_g[:, 0])
    bayes = float(res.evaluate("E_bayes", alpha=run.alpha, snr=p["snr"]))
    predicted = float(ctx.predict(alpha=run.alpha, snr=p["snr"], t=t))
    return rules.value(predicted, float(m),
                       parts={"monte_carlo (z*SE)": Z * float(s), "finite_N (2/N)": float(_finite_n(m, sz.N))},
                       sizes={"N": sz.N, "seeds": sz.seeds, "t_opt": t},
                       diagnostics={"theory_excess_over_bayes": float(res.evaluate("E_g", alpha=run.alpha,
                                                                                    snr=p["snr"], t=t)) / bayes - 1,
                                    "measured_excess_over_bayes": float(m) / bayes - 1})
