"""Benchmark: AdaGrad++ on a batched ensemble (per-member step sizes) against a loop over seeds.

Runs the parameter-free optimiser of numerics/_optim_pp.py with `ensemble=True` on E independent members of the
non-smooth stochastic problem of the check tao2025.adagrad_pp/rate (||x||_1 with Gaussian gradient noise, p coordinates)
through the shared `fit`, then E separate single-member fits, and prints the wall-clock ratio measured in this run.
The per-member eta_t makes the two exactly equivalent (tests/test_misc.py); the ensemble saves per-step overhead.

    python bench/bench_parameter_free.py [--seeds 16] [--p 10] [--steps 3000] [--device auto]
"""

from __future__ import annotations

import argparse
import time

import torch

from theorycheck import numerics as nm


def run(E, p, steps, device):
    cfg = nm.TrainConfig.preset("convex64", steps=steps, optimizer="adagrad_pp", optimizer_options=(("eps", 1e-3),),
                                log_every=steps, device=device)

    def net(members, seed):
        return nm.SharpNoisyL1(seed).bind(nm.Point(members, p, torch.ones(members, p, dtype=torch.float64)))

    t0 = time.perf_counter()
    nm.fit(net(E, 0), nm.SharpNoisyL1(), cfg, seed=0)
    t1 = time.perf_counter()
    for e in range(E):
        nm.fit(net(1, e), nm.SharpNoisyL1(), cfg, seed=e)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--p", type=int, default=10)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--device", default="auto")
    a = ap.parse_args()
    device = str(nm.resolve_device(a.device))
    torch.set_num_threads(2)
    batched, looped = run(a.seeds, a.p, a.steps, device)
    print(f"AdaGrad++ ensemble: {a.seeds} members x {a.steps} steps, p = {a.p}, device {device}")
    print(f"  one ensemble      {batched:7.2f} s")
    print(f"  loop over seeds   {looped:7.2f} s")
    print(f"  ratio (loop / ensemble) = {looped / batched:.2f}x")


if __name__ == "__main__":
    main()
