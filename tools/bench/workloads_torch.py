#!/usr/bin/python3
"""`tg-bench workloads` in PyTorch (Debian's python3-torch): the same workloads, the same output.

    /usr/bin/python3 tools/bench/workloads_torch.py THREADS [--only W3,W5] [--json]
    /usr/bin/python3 tools/bench/workloads_torch.py THREADS --check DIR

THREADS sets torch's intra-op threads and OpenBLAS's (torch.set_num_threads does not reach OpenBLAS,
which reads OPENBLAS_NUM_THREADS when it loads: this script re-runs itself with it set).
Each workload is one fixed random batch; a timed unit is one training step (W5: 100 of them; W1: one
lookup); 3 warm-ups, then about 1.5 s of runs (at least 5, at most 500); median and min.
optimizer.zero_grad(set_to_none=True), as tapegrad drops gradients.

--check DIR reads DIR/<name>.safetensors written by `tg-bench workloads --dump DIR` (initial parameters,
the batch, tapegrad's first five losses), runs five steps from the same start and compares the losses.
"""
import argparse
import json
import os
import statistics
import sys
import time

# OpenBLAS reads its thread count once, when the library loads (with torch): set it first.
if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1].isdigit() and \
        os.environ.get("OPENBLAS_NUM_THREADS") != sys.argv[1]:
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = sys.argv[1]
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import safetensors_np  # noqa: E402  (tools/safetensors_np.py: no safetensors package on Debian)

# name: (what, vocab, dim, hidden, classes, batch, time, head, sparse, frozen, bce, steps)
SPECS = {
    "W2": ("Embedding(10000,100)+mean+Linear(100,5), 32x20, CE, dense Adam", 10000, 100, 0, 5, 32, 20, "bag",
           False, False, False, 1),
    "W2s": ("W2 with sparse gradients + SparseAdam", 10000, 100, 0, 5, 32, 20, "bag", True, False, False, 1),
    "W3": ("Embedding(65,64)+LSTM(64,256)+Linear(256,65), 32x64, CE every step, Adam", 65, 64, 256, 65, 32, 64,
           "lstm_every", False, False, False, 1),
    "W3s": ("Embedding(30,10)+LSTM(10,20)+Linear(20,30), 49x10, CE last step, Adam", 30, 10, 20, 30, 49, 10,
            "lstm_last", False, False, False, 1),
    "W4": ("frozen Embedding(10000,300)+LSTM(300,128)+Linear(128,5), 32x20, CE on h_n, Adam", 10000, 300, 128, 5,
           32, 20, "lstm_h_n", False, True, False, 1),
    "W5": ("Embedding(6,10)+mean+Linear(10,1), 3x2 words, BCE, Adam, 100 epochs", 6, 10, 0, 1, 3, 2, "bag",
           False, False, True, 100),
    "W6": ("Embedding(100000,300)+mean+Linear(300,2), 256x50, CE, dense Adam", 100000, 300, 0, 2, 256, 50, "bag",
           False, False, False, 1),
    "W6s": ("W6 with sparse gradients + SparseAdam", 100000, 300, 0, 2, 256, 50, "bag", True, False, False, 1),
}
NAMES = ["W1"] + list(SPECS)


class Model(torch.nn.Module):
    def __init__(self, vocab, dim, hidden, classes, head, sparse, frozen):
        super().__init__()
        self.head = head
        self.embedding = torch.nn.Embedding(vocab, dim, sparse=sparse)
        if frozen:
            self.embedding.weight.requires_grad_(False)
        if hidden:
            self.lstm = torch.nn.LSTM(dim, hidden, batch_first=True)
        self.fc = torch.nn.Linear(hidden or dim, classes)

    def forward(self, ids):
        x = self.embedding(ids)  # [B, T, D]
        if self.head == "bag":
            return self.fc(x.mean(1))
        output, (h_n, _) = self.lstm(x)
        if self.head == "lstm_every":
            return self.fc(output).reshape(-1, self.fc.out_features)
        if self.head == "lstm_last":
            return self.fc(output[:, -1, :])
        return self.fc(h_n[0])


class Training:
    def __init__(self, name):
        what, vocab, dim, hidden, classes, batch, steps_t, head, sparse, frozen, bce, steps = SPECS[name]
        self.steps, self.bce = steps, bce
        self.model = Model(vocab, dim, hidden, classes, head, sparse, frozen)
        if bce:
            self.ids = torch.tensor([[1, 2], [3, 4], [5, 1]])
            self.targets = torch.tensor([[1.0], [0.0], [1.0]])
        else:
            self.ids = torch.randint(0, vocab, (batch, steps_t))
            self.targets = torch.randint(0, classes, (batch * steps_t if head == "lstm_every" else batch,))
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        if sparse:
            dense = [p for p in trainable if p is not self.model.embedding.weight]
            self.optimizers = [torch.optim.SparseAdam([self.model.embedding.weight], lr=1e-3),
                               torch.optim.Adam(dense, lr=1e-3)]
        else:
            self.optimizers = [torch.optim.Adam(trainable, lr=1e-3)]

    def step(self):
        for opt in self.optimizers:
            opt.zero_grad(set_to_none=True)
        logits = self.model(self.ids)
        if self.bce:
            loss = torch.nn.functional.binary_cross_entropy(torch.sigmoid(logits), self.targets)
        else:
            loss = torch.nn.functional.cross_entropy(logits, self.targets)
        loss.backward()
        for opt in self.optimizers:
            opt.step()
        return loss.item()

    def unit(self):
        for _ in range(self.steps):
            self.step()


def time_runs(unit):
    first = 0.0
    for _ in range(3):
        start = time.perf_counter()
        unit()
        first = time.perf_counter() - start
    runs = min(max(int(1.5 / max(first, 1e-6)), 5), 500)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        unit()
        times.append(time.perf_counter() - start)
    return times


def lookup():
    embedding = torch.nn.Embedding(100000, 300)
    ids = torch.randint(0, 100000, (10000,))

    def unit():
        with torch.no_grad():
            embedding(ids)
    return time_runs(unit)


def report(name, what, unit, times, threads, as_json):
    median, best = statistics.median(times), min(times)
    if as_json:
        print(json.dumps({"side": "pytorch", "workload": name, "threads": threads, "unit": unit, "runs": len(times),
                          "median_ms": median * 1e3, "min_ms": best * 1e3}), flush=True)
    else:
        print(f"{name:4} {median * 1e3:9.3f} ms {best * 1e3:9.3f} ms  per {unit:9} {len(times):4} runs  {what}",
              flush=True)


def check(directory, names):
    worst = 0.0
    for name in names:
        if name == "W1":
            continue
        tensors, metadata = safetensors_np.load_file(os.path.join(directory, f"{name}.safetensors"))
        training = Training(name)
        tensors = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()}
        training.ids, training.targets = tensors.pop("ids"), tensors.pop("targets")
        with torch.no_grad():
            for key, value in training.model.state_dict().items():
                value.copy_(tensors[key])
        theirs = json.loads(metadata["losses"])
        ours = [training.step() for _ in theirs]
        diff = max(abs(a - b) / max(abs(b), 1e-6) for a, b in zip(ours, theirs))
        worst = max(worst, diff)
        print(f"{name:4} tapegrad {' '.join(f'{v:.6f}' for v in theirs)}\n"
              f"{'':4} pytorch  {' '.join(f'{v:.6f}' for v in ours)}   max relative difference {diff:.1e}")
    print(f"largest relative difference of the first losses: {worst:.1e} ({'ok' if worst < 1e-4 else 'TOO LARGE'})")
    return 0 if worst < 1e-4 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("threads", type=int)
    parser.add_argument("--only", default="", help="comma-separated workload names, e.g. W3,W5")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    parser.add_argument("--check", metavar="DIR", help="replay tg-bench workloads --dump DIR and compare losses")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or NAMES
    for n in names:
        if n not in NAMES:
            sys.exit(f"error: unknown workload '{n}' in --only (expected {', '.join(NAMES)})")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.check:
        return check(args.check, names)
    if not args.json:
        print(f"pytorch {torch.__version__} workloads, threads={args.threads}, "
              f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; median and min of the timed runs")
    for name in names:
        if name == "W1":
            report(name, "Embedding(100000,300), 10000 random ids, forward, no grad", "lookup", lookup(),
                   args.threads, args.json)
            continue
        training = Training(name)
        unit = "step" if training.steps == 1 else f"{training.steps} steps"
        report(name, SPECS[name][0], unit, time_runs(training.unit), args.threads, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
