#!/usr/bin/python3
"""PyTorch's per-op cost for the same chain as `tg-bench tape` (run by hand; needs python3-torch)."""
import statistics
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
OPS, RUNS = 10000, 20
x = torch.ones(8, requires_grad=True)
c = torch.full((8,), 0.5)


def chain():
    y = x
    for _ in range(OPS):
        y = y + c
    y.sum().backward()
    x.grad = None


for _ in range(3):
    chain()
times = []
for _ in range(RUNS):
    start = time.perf_counter()
    chain()
    times.append(time.perf_counter() - start)
print(f"torch {torch.__version__}: {OPS} chained adds on [8], threads={threads}, median of {RUNS} runs")
print(f"  forward + backward    {statistics.median(times) / OPS * 1e9:7.1f} ns/op")
