#!/usr/bin/python3
"""PyTorch's time for the same LSTM step as `tg-bench lstm` (run by hand; needs python3-torch).

    /usr/bin/python3 tools/bench/lstm_torch.py [threads] [runs]

LSTM(64 -> 256), B=32, T=64, batch_first: forward only (no_grad), then forward + backward with a random
output gradient (input and parameters require grad), each the median of `runs` after 3 warm-ups.
"""
import statistics
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
torch.set_num_threads(threads)
torch.manual_seed(0)

B, T, I, H = 32, 64, 64, 256
lstm = torch.nn.LSTM(I, H, batch_first=True)
x = torch.randn(B, T, I, requires_grad=True)
grad_output = torch.randn(B, T, H)
forward_flops = 2.0 * B * T * 4 * H * (I + H)
total_flops = 3.0 * forward_flops  # backward: twice the forward's matmuls


def forward():
    with torch.no_grad():
        lstm(x)


def step():
    lstm.zero_grad(set_to_none=True)
    x.grad = None
    output, _ = lstm(x)
    output.backward(grad_output)


def median_seconds(f):
    for _ in range(3):
        f()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


forward_s, step_s = median_seconds(forward), median_seconds(step)
print(f"torch {torch.__version__}: LSTM({I} -> {H}), B={B}, T={T}, batch_first, threads={threads}, "
      f"median of {runs} runs")
print(f"  forward only          {forward_s * 1e3:7.2f} ms        {forward_flops / forward_s / 1e9:6.1f} GFLOP/s")
print(f"  forward + backward    {step_s * 1e3:7.2f} ms/step   {total_flops / step_s / 1e9:6.1f} GFLOP/s  "
      f"({total_flops / 1e9:.2f} GFLOP per step)")
