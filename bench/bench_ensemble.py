"""Ensemble training loop vs a Python loop over single models (LSA, d = 5, N = 20).

Prints, for E = 1, 16, 256: models*steps per second of `numerics.fit` on one E-member ensemble and
of a Python loop calling `fit` on E single models for the same steps, and their ratio; then the
achieved FLOP/s of one ensemble step (forward + backward FLOPs counted by torch's FlopCounterMode,
divided by the whole step time, sampling included) as a fraction of a large torch.matmul measured in
the same run. Target on a 2-core CPU: ensemble(256) >= 20x the Python loop.

    python bench/bench_ensemble.py [--steps 30] [--batch 64] [--device auto]
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from theorycheck import numerics as nm


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def rate_ensemble(E, d, N, cfg, device):
    task = nm.ICLRegression(torch.eye(d), N)
    model = nm.LinearSelfAttention(E, d, seed=0, device=device)
    nm.fit(model, task, nm.TrainConfig(**{**cfg.__dict__, "steps": 3}), seed=0)  # warm-up
    _sync(device)
    t = time.perf_counter()
    nm.fit(nm.LinearSelfAttention(E, d, seed=1, device=device), task, cfg, seed=1)
    _sync(device)
    return E * cfg.steps / (time.perf_counter() - t)


def rate_loop(E, d, N, cfg, device):
    task = nm.ICLRegression(torch.eye(d), N)
    nm.fit(nm.LinearSelfAttention(1, d, seed=0, device=device), task, nm.TrainConfig(**{**cfg.__dict__, "steps": 3}),
           seed=0)
    _sync(device)
    t = time.perf_counter()
    for e in range(E):
        nm.fit(nm.LinearSelfAttention(1, d, seed=e, device=device), task, cfg, seed=e)
    _sync(device)
    return E * cfg.steps / (time.perf_counter() - t)


def step_flops(E, d, N, batch, device):
    task = nm.ICLRegression(torch.eye(d), N)
    model = nm.LinearSelfAttention(E, d, seed=0, device=device)
    g = torch.Generator(device=device).manual_seed(0)
    p = task.sample(E, batch, g, device=device)
    with FlopCounterMode(display=False) as fc:
        task.loss(model(p), p).sum().backward()
    return fc.get_total_flops()


def matmul_flops_per_s(device, n=2048, reps=5):
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b
    _sync(device)
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    _sync(device)
    return 2 * n ** 3 * reps / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    device = nm.resolve_device(args.device)
    torch.set_num_threads(max(1, min(os.cpu_count() or 1, 16)))
    d, N = 5, 20
    cfg = nm.TrainConfig(steps=args.steps, batch=args.batch, lr=1e-2, device=str(device), log_every=10 ** 9)
    print(f"device {device}, threads {torch.get_num_threads()}, d={d}, N={N}, batch {args.batch} prompts/member, "
          f"{args.steps} steps")
    print(f"{'E':>5} {'ensemble models*steps/s':>24} {'python loop models*steps/s':>27} {'ratio':>7}")
    for E in (1, 16, 256):
        r_ens = rate_ensemble(E, d, N, cfg, device)
        r_loop = rate_loop(E, d, N, cfg, device)
        print(f"{E:>5} {r_ens:>24.1f} {r_loop:>27.1f} {r_ens / r_loop:>7.1f}")
    E = 256
    flops = step_flops(E, d, N, args.batch, device)
    step_time = E / rate_ensemble(E, d, N, cfg, device)
    achieved = flops / step_time
    peak = matmul_flops_per_s(device)
    print(f"ensemble step (E={E}): {flops / 1e6:.1f} MFLOP fwd+bwd, {achieved / 1e9:.2f} GFLOP/s achieved; "
          f"large matmul {peak / 1e9:.1f} GFLOP/s; fraction {achieved / peak:.3f}")


if __name__ == "__main__":
    main()
