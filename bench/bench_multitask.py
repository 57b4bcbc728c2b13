"""Benchmark: batched multitask training (tasks x seeds in one ensemble) against a loop over seeds.

Trains the Collins et al. multitask two-layer ReLU network (dossier protocol, T tasks per member) for E seeds as one
ensemble through the shared `fit` loop, then as E separate fits, and prints the wall-clock ratio measured in this
run. Both do the same work per member (same initial weights, tasks and sizes; fresh samples per step).

    python bench/bench_multitask.py [--seeds 8] [--tasks 10] [--rounds 20] [--device auto]
"""

from __future__ import annotations

import argparse
import time

import torch

from theorycheck import numerics as nm


def _setup(E, T, d, r, m, seed, device):
    g = torch.Generator().manual_seed(seed)
    M = torch.linalg.qr(torch.randn(E, d, r, generator=g, dtype=torch.float64))[0].float()
    V = torch.randn(E, T, r, generator=g)
    V = V / V.norm(dim=-1, keepdim=True)
    W = torch.randn(E, m, d, generator=g) / d ** 0.5
    return M.to(device), V.to(device), W


def run(E, T, rounds, device, d=50, r=3, m=200, n=200):
    M, V, W0 = _setup(E, T, d, r, m, 0, device)
    cfg = nm.TrainConfig.preset("gd", steps=rounds, batch=n, lr=1000.0, device=device)
    norm = [lambda step, mdl, loss: nm.normalize_rows(mdl.W.data)]

    def batched():
        model = nm.MultitaskReLU(E, m, d, 0.02)
        model.W.data = W0.clone()
        nm.normalize_rows(model.W.data)
        return nm.fit(model, nm.SignTasks(M, V, n, n), cfg, seed=1, callbacks=norm)

    def looped():
        out = []
        for e in range(E):
            model = nm.MultitaskReLU(1, m, d, 0.02)
            model.W.data = W0[e:e + 1].clone()
            nm.normalize_rows(model.W.data)
            out.append(nm.fit(model, nm.SignTasks(M[e:e + 1], V[e:e + 1], n, n), cfg, seed=1, callbacks=norm))
        return out

    batched()  # warm-up
    t0 = time.perf_counter()
    batched()
    tb = time.perf_counter() - t0
    t0 = time.perf_counter()
    looped()
    tl = time.perf_counter() - t0
    return tb, tl


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--tasks", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--device", default="auto")
    a = ap.parse_args()
    device = str(nm.resolve_device(a.device))
    tb, tl = run(a.seeds, a.tasks, a.rounds, device)
    print(f"multitask ReLU (Collins protocol), {a.seeds} seeds x {a.tasks} tasks, {a.rounds} rounds, device {device}")
    print(f"  one ensemble: {tb:.2f} s   loop over seeds: {tl:.2f} s   speed-up (loop / ensemble): {tl / tb:.2f}x")


if __name__ == "__main__":
    main()
