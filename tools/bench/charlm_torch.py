#!/usr/bin/python3
"""The tg-charlm model and training run in PyTorch, for comparison (run by hand; needs python3-torch).

    /usr/bin/python3 tools/bench/charlm_torch.py ../shared/data/tinyshakespeare/input.txt [--threads 1]
    /usr/bin/python3 tools/bench/charlm_torch.py input.txt --check model.safetensors

Same as `tg-charlm train --text input.txt` with its defaults: vocabulary <unk> + the file's characters
sorted by code point; the last 10% of the text held out; Embedding(V, 64, padding_idx=0) -> LSTM(64, 256,
batch_first) -> Linear(256, V); Adam lr 2e-3, gradient norm clipped to 5, 1500 steps of 32 random windows
of 64 characters; held-out loss over consecutive windows of 64 (each from a zero state), batches of 32.
Prints steps/s (training steps only) and the held-out loss in nats and bits per character.

--check MODEL loads a model file written by tg-charlm (safetensors, PyTorch state_dict names) with
load_state_dict(strict=True) and prints its held-out loss as PyTorch computes it, instead of training.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import safetensors_np  # noqa: E402  (tools/safetensors_np.py: no safetensors package on Debian)


class CharLM(torch.nn.Module):
    def __init__(self, vocab_size, emb, hidden, layers):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, emb, padding_idx=0)
        self.lstm = torch.nn.LSTM(emb, hidden, layers, batch_first=True)
        self.fc = torch.nn.Linear(hidden, vocab_size)

    def forward(self, tokens):  # [B, T] -> [B, T, V]
        output, _ = self.lstm(self.embedding(tokens))
        return self.fc(output)


def loss_of(model, inputs, targets, reduction="mean"):
    logits = model(inputs)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                                             reduction=reduction)


def held_out_loss(model, valid, seq, batch):
    """Mean nats/char over consecutive windows (as tg's sequential_windows)."""
    n_windows = (len(valid) - 1) // seq
    starts = torch.arange(n_windows) * seq
    total, count = 0.0, 0
    with torch.no_grad():
        for first in range(0, n_windows, batch):
            s = starts[first:first + batch]
            idx = s[:, None] + torch.arange(seq + 1)[None, :]
            windows = valid[idx]
            total += loss_of(model, windows[:, :-1], windows[:, 1:], "sum").item()
            count += windows[:, 1:].numel()
    return total / count


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text")
    parser.add_argument("--emb", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--seq", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--clip", type=float, default=5.0)
    parser.add_argument("--valid-frac", type=float, default=0.1)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--check", metavar="MODEL", help="evaluate a tg-charlm model file instead of training")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    with open(args.text, encoding="utf-8") as f:
        text = f.read()
    vocab = ["<unk>"] + sorted(set(text))
    ids = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([ids[c] for c in text], dtype=torch.long)
    n_valid = round(args.valid_frac * len(data))
    train, valid = data[:len(data) - n_valid], data[len(data) - n_valid:]
    print(f"{len(train)} training and {len(valid)} held-out characters, {len(vocab) - 1} distinct; "
          f"{args.threads} thread(s); torch {torch.__version__}")

    if args.check:
        tensors, metadata = safetensors_np.load_file(args.check)
        config = json.loads(metadata["config"])
        if json.loads(metadata["vocab"]) != vocab:
            sys.exit(f"{args.check}: its vocabulary differs from the text's")
        model = CharLM(config["vocab_size"], config["emb"], config["hidden"], config["layers"])
        model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()}, strict=True)
        loss = held_out_loss(model, valid, args.seq, args.batch)
        print(f"{args.check} in PyTorch: held-out loss {loss:.4f} nats/char = {loss / math.log(2):.4f} bits/char")
        return

    model = CharLM(len(vocab), args.emb, args.hidden, args.layers)
    adam = torch.optim.Adam(model.parameters(), lr=args.lr)
    step_seconds = 0.0
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        t0 = time.perf_counter()
        starts = torch.randint(0, len(train) - args.seq, (args.batch,))
        windows = train[starts[:, None] + torch.arange(args.seq + 1)[None, :]]
        adam.zero_grad()
        loss = loss_of(model, windows[:, :-1], windows[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        adam.step()
        step_seconds += time.perf_counter() - t0
        if step % args.eval_every == 0 or step == args.steps:
            valid_loss = held_out_loss(model, valid, args.seq, args.batch)
            print(f"step {step}: train loss {loss.item():.4f}, held-out loss {valid_loss:.4f} nats/char = "
                  f"{valid_loss / math.log(2):.4f} bits/char", flush=True)
    wall = time.perf_counter() - start
    print(f"PyTorch: held-out loss {valid_loss:.4f} nats/char = {valid_loss / math.log(2):.4f} bits/char; "
          f"{wall:.1f} s, {args.steps / step_seconds:.2f} steps/s, {args.threads} thread(s)")


if __name__ == "__main__":
    main()
