"""Benchmarks of the asymptotic family (issue 3), measured in one run.

(a) e_icl with ridge (the bracketed self-consistent solver) on 10^6 parameter points, vectorised: points per
    second, and the ratio to a per-point scalar loop (scipy brentq, as in the dossier's reference code).
(b) one double-descent sweep, 8 tau values x 10 seeds, at d = 40 on the CPU (and d = 100 with --device cuda):
    wall time and peak memory of the ridge fits of Gamma*.

    python bench/bench_icl_asymptotics.py [--device cpu|cuda] [--d 40] [--points 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch
from scipy.optimize import brentq

from theorycheck import numerics as nm
from theorycheck import theory

# the vectorised resolvent M_kappa(x) the solver uses, reached through its public quantity
M_num = theory.get("lu2025.icl_asymptotics").quantity("M_kappa").numeric


def bench_points(n: int) -> None:
    r = theory.get("lu2025.icl_asymptotics")
    rng = np.random.default_rng(0)
    args = dict(alpha=rng.uniform(0.5, 10, n), kappa=rng.uniform(0.2, 5, n), tau=rng.uniform(0.2, 5, n),
                rho=rng.uniform(0, 1, n), lam=10 ** rng.uniform(-4, 0, n))
    t0 = time.perf_counter()
    e = r.evaluate("e_icl", **args)
    vec = time.perf_counter() - t0
    assert np.all(np.isfinite(e))
    m = 2000  # scalar reference: one brentq per point on the same equation
    t0 = time.perf_counter()
    for i in range(m):
        a, k, t, rho, lam = (args[x][i] for x in ("alpha", "kappa", "tau", "rho", "lam"))
        q = (1 + rho) / a
        brentq(lambda eps: 1 - t + t * lam / eps - eps * float(M_num(k, q + eps)), lam, 2 * (1 + q) / t + 2 * lam + 1,
               xtol=1e-15)
    scalar = (time.perf_counter() - t0) / m
    print(f"(a) e_icl with ridge, {n:,} points: {vec:.2f} s = {n / vec:,.0f} points/s; scalar brentq loop "
          f"(root only) {1 / scalar:,.0f} points/s; ratio {scalar * n / vec:.1f}x")


def bench_sweep(d: int, device: str) -> None:
    taus = (0.25, 0.5, 0.75, 1.25, 1.5, 2.0, 3.0, 5.0)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    peak = 0
    for tau in taus:
        f = nm.fit_gamma(nm.lu_sizes(d, 2.0, 1.0, tau), 0.1, 1e-6, seeds=10, seed=0, device=device)
        peak = max(peak, f.peak_bytes)
    wall = time.perf_counter() - t0
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    print(f"(b) double-descent sweep d={d} (p={d * (d + 1)}), 8 tau x 10 seeds on {device}: {wall:.1f} s "
          f"({wall / 80:.2f} s per fit); peak {'CUDA' if device == 'cuda' else 'buffer'} memory {peak / 2**20:.0f} MiB; "
          f"process max RSS grew by {rss:.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--d", type=int, default=None)
    ap.add_argument("--points", type=int, default=1_000_000)
    a = ap.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    bench_points(a.points)
    bench_sweep(a.d or (100 if a.device == "cuda" else 40), a.device)


if __name__ == "__main__":
    main()
