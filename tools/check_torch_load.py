#!/usr/bin/python3
"""Check that a tg-classify model loads into PyTorch and computes the same logits.

    /usr/bin/python3 tools/check_torch_load.py --tool build/tools/classify/tg-classify --model m.safetensors

Reads the model file with tools/safetensors_np.py (no safetensors package needed), builds the PyTorch
module below from the "config" metadata, loads the tensors with load_state_dict(strict=True), runs a
few sentences tokenised with the "vocab" metadata, and compares the logits with those of
`tg-classify predict --logits`. Exit status 0 when every logit agrees within --tol (default 1e-5).

A development-time check only: the C++ build and tests never run it.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402

SENTENCES = [
    "a gripping , funny and moving film .",
    "the plot is dull and the acting is worse .",
    "it 's not bad , but i would n't watch it again .",
    "where is the tallest building in the world ?",
    "how many people live in tokyo ?",
    "great",
]


class TextClassifier(nn.Module):
    """The PyTorch twin of tapegrad's models/classifier.hpp (same sub-module names, same maths)."""

    def __init__(self, vocab_size, num_classes, dim, encoder, hidden, layers, padding_idx, dropout, **_):
        super().__init__()
        self.encoder = encoder
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=padding_idx)
        if encoder == "lstm":
            self.lstm = nn.LSTM(dim, hidden, num_layers=layers, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(dim if encoder == "bag" else hidden, 1 if num_classes == 2 else num_classes)

    def forward(self, tokens, lengths):  # tokens [B, T] (padded with 0), lengths [B]
        x = self.embedding(tokens)  # [B, T, D]
        if self.encoder == "bag":  # mean over the valid steps
            mask = (torch.arange(tokens.shape[1])[None, :] < lengths[:, None]).to(x.dtype)  # [B, T]
            sentence = (x * mask[:, :, None]).sum(1) / lengths.clamp(min=1)[:, None].to(x.dtype)
        else:  # the last layer's final hidden state over the valid steps
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            _, (h_n, _) = self.lstm(packed)
            sentence = h_n[-1]
        return self.fc(self.dropout(sentence))


def tokenize_basic(text):
    """tapegrad's tokenize_basic for ASCII text: lowercase, punctuation split off, except an apostrophe
    or hyphen between letters/digits and '.' or ',' between digits."""
    text = text.lower()
    tokens, word = [], ""
    for i, c in enumerate(text):
        prev_ok = i > 0 and text[i - 1].isalnum()
        next_ok = i + 1 < len(text) and text[i + 1].isalnum()
        inner = (c in "'-" and prev_ok and next_ok) or (
            c in ".," and i > 0 and text[i - 1].isdigit() and i + 1 < len(text) and text[i + 1].isdigit())
        if c.isspace():
            tokens, word = tokens + ([word] if word else []), ""
        elif re.match(r"[!-/:-@\[-`{-~]", c) and not inner:
            tokens, word = tokens + ([word] if word else []) + [c], ""
        else:
            word += c
    return tokens + ([word] if word else [])


def text_tokens(text, config):
    words = tokenize_basic(text) if config["tokenizer"] == "basic" else text.split()
    if config["max_len"] > 0:
        words = words[: config["max_len"]]
    tokens = list(words)
    for n in range(2, config["ngrams"] + 1):
        tokens += [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
    return tokens


def torch_logits(model, vocab, config, sentences):
    ids = {word: i for i, word in enumerate(vocab)}
    rows = [[ids.get(t, 1) for t in text_tokens(s, config)] for s in sentences]  # 1 = <unk>
    longest = max(1, max(len(r) for r in rows))
    tokens = torch.tensor([r + [0] * (longest - len(r)) for r in rows], dtype=torch.long)
    lengths = torch.tensor([len(r) for r in rows], dtype=torch.long)
    with torch.no_grad():
        return model(tokens, lengths).numpy()


def tool_logits(tool, model_path, sentences):
    command = [tool, "predict", "--model", model_path, "--logits"]
    for s in sentences:
        command += ["--text", s]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return np.array([[float(v) for v in line.split()] for line in out.splitlines()], dtype=np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tool", required=True, help="the tg-classify executable")
    parser.add_argument("--model", required=True, help="a model written by tg-classify train")
    parser.add_argument("--tol", type=float, default=1e-5, help="largest allowed |difference| of a logit")
    args = parser.parse_args()

    tensors, metadata = safetensors_np.load_file(args.model)
    config = json.loads(metadata["config"])
    vocab = json.loads(metadata["vocab"])
    model = TextClassifier(**config)
    state = {name: torch.from_numpy(np.array(array)) for name, array in tensors.items()}
    # A `tg-classify quantize --dtype int8` file: the table is int8 with one float32 scale per row.
    # (An f16 file needs nothing: load_state_dict copies float16 values into the float32 parameters.)
    for name in [n for n in state if n.endswith(".weight_scale")]:
        table = name[: -len("_scale")]
        state[table] = state[table].float() * state.pop(name)[:, None]
    model.load_state_dict(state, strict=True)  # raises on any missing, unexpected or misshaped tensor
    model.eval()

    want = torch_logits(model, vocab, config, SENTENCES)
    got = tool_logits(args.tool, args.model, SENTENCES)
    diff = np.abs(got - want).max()
    print(f"{args.model}: {config['encoder']} encoder, {config['num_classes']} classes, "
          f"{len(tensors)} tensors loaded with strict=True")
    for sentence, ours, theirs in zip(SENTENCES, got, want):
        print(f"  {sentence[:40]:40s}  tapegrad {np.array2string(ours, precision=6)}  "
              f"torch {np.array2string(theirs, precision=6)}")
    print(f"max |logit difference| = {diff:.3g} (tolerance {args.tol:g}): {'OK' if diff <= args.tol else 'FAIL'}")
    return 0 if diff <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())
