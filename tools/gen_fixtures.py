"""Generate the PyTorch reference fixtures under tests/fixtures/ (development-time only).

Run from the repository root:   /usr/bin/python3 tools/gen_fixtures.py

Each case family becomes one safetensors file, tests/fixtures/<family>.safetensors. A tensor is stored
as "<case>.<name>" (e.g. "padding.grad.weight"); the file's "__metadata__" entry "config" is a JSON
string {case: options}. For each case we save the inputs, the weights (PyTorch state_dict names), the
outputs, a random upstream gradient "grad_output" and the gradients "grad.<name>" that
out.backward(grad_output) leaves in each input and weight. tests/fixtures/README.md lists every tensor.
"""
import json
import math
import zlib
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from safetensors_np import save_file

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


class FixtureFile:
    """The cases of one family, written to <family>.safetensors."""

    def __init__(self, family):
        self.family = family
        self.tensors = {}
        self.configs = {}

    def begin(self, case):
        """Seed torch from the case name, so cases do not depend on each other."""
        torch.manual_seed(zlib.crc32(f"{self.family}.{case}".encode()))

    def add(self, case, config, tensors):
        assert case not in self.configs, f"case {case} added twice"
        self.configs[case] = config
        for name, tensor in tensors.items():
            tensor = torch.as_tensor(tensor).detach()
            assert tensor.dtype in (torch.float32, torch.int64), f"{case}.{name} is {tensor.dtype}"
            self.tensors[f"{case}.{name}"] = tensor.contiguous().numpy()

    def write(self):
        path = OUT_DIR / f"{self.family}.safetensors"
        save_file(self.tensors, path, {"config": json.dumps(self.configs, sort_keys=True)})
        return path


def backward_grads(upstreams, leaves):
    """Backpropagate [(output, upstream gradient), ...] in one pass.
    Returns {"grad.<name>": gradient} for each leaf in {name: tensor} (zeros if none reached it)."""
    outputs, grads = zip(*upstreams)
    torch.autograd.backward(list(outputs), list(grads))
    return {f"grad.{name}": leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
            for name, leaf in leaves.items()}


def add_op_case(fx, case, config, fn, make_inputs):
    """One forward fn(*inputs) and one backward with a random grad_output."""
    fx.begin(case)
    inputs = make_inputs()
    leaves = {name: t.requires_grad_() for name, t in inputs.items() if t.is_floating_point()}
    output = fn(*inputs.values())
    grad_output = torch.randn_like(output)
    grads = backward_grads([(output, grad_output)], leaves)
    fx.add(case, config, {**inputs, "output": output, "grad_output": grad_output, **grads})


# ---------------------------------------------------------------- core ops
def randn(*shape):
    return torch.randn(*shape)


def positive(*shape):  # values in [0.5, 1.5): safe for log, sqrt, pow and as a divisor
    return torch.rand(*shape) + 0.5


def core_ops():
    fx = FixtureFile("core_ops")
    unary = [
        ("softmax_dim0", {"op": "softmax", "dim": 0}, lambda x: torch.softmax(x, 0), (3, 4)),
        ("softmax_dim_last", {"op": "softmax", "dim": -1}, lambda x: torch.softmax(x, -1), (3, 4)),
        ("log_softmax_dim0", {"op": "log_softmax", "dim": 0}, lambda x: torch.log_softmax(x, 0), (3, 4)),
        ("log_softmax_dim_last", {"op": "log_softmax", "dim": -1},
         lambda x: torch.log_softmax(x, -1), (3, 4)),
        ("sum_all", {"op": "sum"}, torch.sum, (2, 3, 4)),
        ("sum_dim1", {"op": "sum", "dim": 1, "keepdim": False}, lambda x: x.sum(1), (2, 3, 4)),
        ("sum_dim1_keepdim", {"op": "sum", "dim": 1, "keepdim": True},
         lambda x: x.sum(1, keepdim=True), (2, 3, 4)),
        ("mean_all", {"op": "mean"}, torch.mean, (2, 3, 4)),
        ("mean_dim_last", {"op": "mean", "dim": -1, "keepdim": False}, lambda x: x.mean(-1), (2, 3, 4)),
        ("mean_dim0_keepdim", {"op": "mean", "dim": 0, "keepdim": True},
         lambda x: x.mean(0, keepdim=True), (2, 3, 4)),
        ("tanh", {"op": "tanh"}, torch.tanh, (2, 3)),
        ("sigmoid", {"op": "sigmoid"}, torch.sigmoid, (2, 3)),
        ("exp", {"op": "exp"}, torch.exp, (2, 3)),
        ("relu", {"op": "relu"}, torch.relu, (2, 3)),
        ("pow_3", {"op": "pow", "exponent": 3.0}, lambda x: torch.pow(x, 3.0), (2, 3)),
    ]
    for case, config, fn, shape in unary:
        add_op_case(fx, case, config, fn, lambda: {"input": randn(*shape)})

    positive_unary = [
        ("log", {"op": "log"}, torch.log),
        ("pow_half", {"op": "pow", "exponent": 0.5}, lambda x: torch.pow(x, 0.5)),
    ]
    for case, config, fn in positive_unary:
        add_op_case(fx, case, config, fn, lambda: {"input": positive(2, 3)})

    # clamp: the input holds both bounds exactly; PyTorch passes the gradient there (min <= x <= max).
    add_op_case(fx, "clamp", {"op": "clamp", "min": -0.5, "max": 0.5},
                lambda x: torch.clamp(x, -0.5, 0.5),
                lambda: {"input": torch.tensor([[-0.5, 0.5, -1.25], [0.25, 2.0, -0.125]])})

    binary = [("add", torch.add, randn), ("mul", torch.mul, randn), ("div", torch.div, positive)]
    broadcasts = [("row", (2, 3), (3,)), ("outer", (2, 1), (1, 3))]
    for op, fn, make_b in binary:
        for kind, a_shape, b_shape in broadcasts:
            add_op_case(fx, f"{op}_{kind}", {"op": op, "a_shape": a_shape, "b_shape": b_shape}, fn,
                        lambda: {"a": randn(*a_shape), "b": make_b(*b_shape)})

    add_op_case(fx, "matmul_2d", {"op": "matmul"}, torch.matmul,
                lambda: {"a": randn(2, 3), "b": randn(3, 4)})
    add_op_case(fx, "matmul_3d", {"op": "matmul"}, torch.matmul,
                lambda: {"a": randn(2, 3, 4), "b": randn(4, 5)})

    # embedding lookup: rows of weight [5, 3] picked by an i64 [2, 3] index (row 1 repeats).
    add_op_case(fx, "index_select", {"op": "index_select"},
                lambda weight, indices: weight[indices],
                lambda: {"weight": randn(5, 3), "indices": torch.tensor([[1, 4, 1], [0, 1, 3]])})

    for case, dim, keepdim in [("max_dim1", 1, False), ("max_dim0_keepdim", 0, True)]:
        fx.begin(case)
        x = randn(3, 4).requires_grad_()
        values, indices = torch.max(x, dim, keepdim=keepdim)
        grad_output = torch.randn_like(values)
        grads = backward_grads([(values, grad_output)], {"input": x})
        fx.add(case, {"op": "max", "dim": dim, "keepdim": keepdim},
               {"input": x, "output": values, "indices": indices, "grad_output": grad_output, **grads})
    return fx


# ---------------------------------------------------------------- embedding
def embedding():
    fx = FixtureFile("embedding")
    V, D = 10, 4
    cases = [
        ("plain", {}, [[1, 4, 7], [2, 4, 9]]),
        ("padding", {"padding_idx": 0}, [[0, 3, 5], [3, 0, 0]]),
        ("max_norm", {"max_norm": 1.0, "norm_type": 2.0}, [[1, 5, 7], [5, 2, 1]]),
        ("scale_grad_by_freq", {"scale_grad_by_freq": True}, [[1, 1, 2], [1, 3, 3]]),
    ]
    for case, options, indices in cases:
        fx.begin(case)
        emb = torch.nn.Embedding(V, D, **options)
        if case == "max_norm":
            with torch.no_grad():  # one looked-up row already inside the ball: renorm leaves it alone
                emb.weight[5] *= 0.5 / emb.weight[5].norm()
        indices = torch.tensor(indices)
        weight_before = emb.weight.detach().clone()
        output = emb(indices)
        grad_output = torch.randn_like(output)
        grads = backward_grads([(output, grad_output)], {"weight": emb.weight})
        tensors = {"indices": indices, "weight": weight_before, "output": output,
                   "grad_output": grad_output, **grads}
        if case == "max_norm":
            tensors["weight_after"] = emb.weight  # renormalised in place by the forward
        fx.add(case, {"num_embeddings": V, "embedding_dim": D, **options}, tensors)
    return fx


# ---------------------------------------------------------------- embedding_bag
def embedding_bag():
    fx = FixtureFile("embedding_bag")
    V, D = 10, 4
    cases = [  # (case, options, input, offsets or None for a 2-D input)
        ("sum_2d", {"mode": "sum"}, [[1, 4, 1], [2, 0, 9]], None),
        ("mean_padding_2d", {"mode": "mean", "padding_idx": 0}, [[0, 3, 5, 3], [0, 0, 0, 0], [7, 0, 2, 2]], None),
        ("mean_offsets", {"mode": "mean"}, [1, 4, 4, 7, 2, 9, 3], [0, 3, 3, 6]),
        ("max_offsets", {"mode": "max", "padding_idx": 0}, [5, 2, 8, 0, 6, 0], [0, 2, 5]),
        ("sum_last_offset", {"mode": "sum", "include_last_offset": True}, [3, 3, 1, 8, 6], [0, 2, 5]),
        ("sparse_mean", {"mode": "mean", "padding_idx": 0, "sparse": True}, [[4, 0, 4], [6, 1, 0]], None),
    ]
    for case, options, input, offsets in cases:
        fx.begin(case)
        bag = torch.nn.EmbeddingBag(V, D, **options)
        input = torch.tensor(input)
        tensors = {"input": input, "weight": bag.weight.detach().clone()}
        if offsets is not None:
            offsets = torch.tensor(offsets)
            tensors["offsets"] = offsets
        output = bag(input, offsets)
        grad_output = torch.randn_like(output)
        output.backward(grad_output)
        grad = bag.weight.grad.to_dense() if options.get("sparse") else bag.weight.grad
        tensors.update({"output": output, "grad_output": grad_output, "grad.weight": grad})
        fx.add(case, {"num_embeddings": V, "embedding_dim": D, **options}, tensors)
    return fx


# ---------------------------------------------------------------- linear
def linear():
    fx = FixtureFile("linear")
    IN, OUT = 4, 5
    for case, bias, input_shape in [("bias", True, (3, IN)), ("no_bias", False, (3, IN)),
                                    ("input_3d", True, (2, 3, IN))]:
        fx.begin(case)
        layer = torch.nn.Linear(IN, OUT, bias=bias)
        x = torch.randn(*input_shape, requires_grad=True)
        output = layer(x)
        grad_output = torch.randn_like(output)
        leaves = {"input": x, **dict(layer.named_parameters())}
        grads = backward_grads([(output, grad_output)], leaves)
        fx.add(case, {"in_features": IN, "out_features": OUT, "bias": bias},
               {**leaves, "output": output, "grad_output": grad_output, **grads})
    return fx


# ---------------------------------------------------------------- lstm
def lstm_case(fx, case, num_layers=1, bidirectional=False, initial_state=False, lengths=None):
    I, H, B, T = 3, 4, 3, 5
    fx.begin(case)
    lstm = torch.nn.LSTM(I, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=True)
    x = torch.randn(B, T, I, requires_grad=True)  # padded steps hold random values too
    leaves = {"input": x, **dict(lstm.named_parameters())}
    state = None
    if initial_state:
        state_shape = (num_layers * (2 if bidirectional else 1), B, H)
        state = (torch.randn(state_shape, requires_grad=True), torch.randn(state_shape, requires_grad=True))
        leaves.update(h0=state[0], c0=state[1])

    if lengths is None:
        output, (h_n, c_n) = lstm(x, state)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        packed_output, (h_n, c_n) = lstm(packed, state)
        output, _ = pad_packed_sequence(packed_output, batch_first=True, total_length=T)

    upstream = {"grad_output": torch.randn_like(output), "grad_h_n": torch.randn_like(h_n),
                "grad_c_n": torch.randn_like(c_n)}
    grads = backward_grads([(output, upstream["grad_output"]), (h_n, upstream["grad_h_n"]),
                            (c_n, upstream["grad_c_n"])], leaves)
    tensors = {**leaves, "output": output, "h_n": h_n, "c_n": c_n, **upstream, **grads}
    if lengths is not None:
        tensors["lengths"] = torch.tensor(lengths)
    config = {"input_size": I, "hidden_size": H, "num_layers": num_layers, "bidirectional": bidirectional,
              "batch_first": True, "initial_state": initial_state, "lengths": lengths}
    fx.add(case, config, tensors)


def lstm():
    fx = FixtureFile("lstm")
    lstm_case(fx, "one_layer")
    lstm_case(fx, "two_layers", num_layers=2)
    lstm_case(fx, "bidirectional", bidirectional=True)
    lstm_case(fx, "initial_state", initial_state=True)
    lstm_case(fx, "lengths", lengths=[5, 2, 3])
    lstm_case(fx, "bidirectional_lengths", bidirectional=True, lengths=[2, 5, 1])
    return fx


# ---------------------------------------------------------------- pooling
def valid_mask(lengths, T):  # [B, T, 1], True on steps t < length
    return (torch.arange(T)[None, :] < lengths[:, None]).unsqueeze(-1)


def masked_sum(x, lengths):  # x: [B, T, D] -> [B, D]
    return (x * valid_mask(lengths, x.shape[1])).sum(1)


def masked_mean(x, lengths):  # sum of valid steps / max(count, 1); a length-0 row gives 0
    return masked_sum(x, lengths) / lengths.clamp(min=1).unsqueeze(-1).to(x.dtype)


def masked_max(x, lengths):  # max over valid steps only (every length >= 1)
    return x.masked_fill(~valid_mask(lengths, x.shape[1]), -math.inf).max(1).values


def pooling():
    fx = FixtureFile("pooling")
    B, T, D = 4, 5, 3
    for case, fn, lengths in [("mean", masked_mean, [5, 2, 0, 3]), ("sum", masked_sum, [5, 2, 0, 3]),
                              ("max", masked_max, [5, 2, 1, 3])]:
        add_op_case(fx, case, {"pool": case, "dim": 1, "lengths": lengths}, fn,
                    lambda: {"input": torch.randn(B, T, D), "lengths": torch.tensor(lengths)})
    return fx


# ---------------------------------------------------------------- losses
def add_loss_case(fx, case, config, loss_fn, make_input, target, **extra):
    """make_input() draws the input, which gets gradients; target and extra tensors (e.g. pos_weight) are
    fixed. A scalar loss is backpropagated from 1.0, a per-element one from a random grad_output."""
    fx.begin(case)
    x = make_input().requires_grad_()
    loss = loss_fn(x, target, **extra, **config)
    scalar = loss.dim() == 0
    grad_output = torch.tensor(1.0) if scalar else torch.randn_like(loss)
    grads = backward_grads([(loss, grad_output)], {"input": x})
    fx.add(case, {"loss": loss_fn.__name__, **config},
           {"input": x, "target": target, **extra, "output": loss, "grad_output": grad_output, **grads})


def logits_with_extremes():  # [3, 4], includes +-30 (torch gives inf or nan for +-inf: left out)
    x = torch.randn(3, 4)
    x[0, 0], x[1, 0], x[0, 1], x[2, 3] = 30.0, 30.0, -30.0, -30.0  # each against both target values
    return x


def losses():
    fx = FixtureFile("losses")
    bce = F.binary_cross_entropy
    targets = torch.tensor([[1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 1.0]])
    add_loss_case(fx, "bce", {"reduction": "mean"}, bce, lambda: torch.sigmoid(torch.randn(3, 4)), targets)
    # exact 0 and 1: matching targets give 0 loss; mismatching ones hit the log clamp at -100.
    add_loss_case(fx, "bce_edges", {"reduction": "mean"}, bce,
                  lambda: torch.tensor([0.0, 1.0, 0.0, 1.0, 0.25, 0.75]),
                  torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 0.0]))
    bce_logits = F.binary_cross_entropy_with_logits
    add_loss_case(fx, "bce_with_logits", {"reduction": "mean"}, bce_logits, logits_with_extremes, targets)
    add_loss_case(fx, "bce_with_logits_pos_weight", {"reduction": "mean"}, bce_logits, logits_with_extremes,
                  targets, pos_weight=torch.tensor([2.0, 0.5, 1.0, 3.0]))

    N, C = 6, 5
    ce = F.cross_entropy
    target = torch.tensor([2, 0, 4, 1, 0, 3])
    ignored_all = torch.zeros(N, dtype=torch.int64)
    ce_cases = [
        ("cross_entropy_mean", {"reduction": "mean"}, target),
        ("cross_entropy_sum", {"reduction": "sum"}, target),
        ("cross_entropy_none", {"reduction": "none"}, target),
        ("cross_entropy_ignore_index", {"reduction": "mean", "ignore_index": 0}, target),
        ("cross_entropy_all_ignored_mean", {"reduction": "mean", "ignore_index": 0}, ignored_all),
        ("cross_entropy_all_ignored_sum", {"reduction": "sum", "ignore_index": 0}, ignored_all),
        ("cross_entropy_label_smoothing", {"reduction": "mean", "label_smoothing": 0.1}, target),
        ("cross_entropy_label_smoothing_ignore_index",
         {"reduction": "mean", "label_smoothing": 0.1, "ignore_index": 0}, target),
    ]
    for case, config, case_target in ce_cases:
        add_loss_case(fx, case, config, ce, lambda: torch.randn(N, C), case_target)
    add_loss_case(fx, "nll_loss", {"reduction": "mean"}, F.nll_loss,
                  lambda: torch.log_softmax(torch.randn(N, C), 1), target)
    return fx


# ---------------------------------------------------------------- optim
HYPERPARAMETERS = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "betas", "eps", "amsgrad")


def add_optimizer_case(fx, case, make_optimizer, touched_rows=None):
    """Three steps from p0 with fixed gradients grad1..3 (set by hand before each step).
    touched_rows: for SparseAdam, the rows each step's sparse gradient holds (the rest are zero)."""
    fx.begin(case)
    shape = (6, 3) if touched_rows else (4, 3)
    p0 = torch.randn(shape)
    param = torch.nn.Parameter(p0.clone())
    optimizer = make_optimizer([param])
    tensors = {"p0": p0}
    for step in (1, 2, 3):
        grad = torch.randn(shape)
        if touched_rows:
            rows = torch.tensor(touched_rows[step - 1])
            grad[[r for r in range(shape[0]) if r not in touched_rows[step - 1]]] = 0.0
            param.grad = torch.sparse_coo_tensor(rows[None, :], grad[rows], shape)
            tensors[f"rows{step}"] = rows
        else:
            param.grad = grad.clone()
        optimizer.step()
        tensors[f"grad{step}"] = grad
        tensors[f"after{step}"] = param.detach().clone()
    config = {"optimizer": type(optimizer).__name__,
              **{k: v for k, v in optimizer.defaults.items() if k in HYPERPARAMETERS}}
    fx.add(case, config, tensors)


def add_clip_case(fx, case, max_norm):
    fx.begin(case)
    grads = {"grad_a": torch.randn(4, 3), "grad_b": torch.randn(3)}
    params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads.values()]
    for param, grad in zip(params, grads.values()):
        param.grad = grad.clone()
    total_norm = torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm, norm_type=2.0)
    fx.add(case, {"max_norm": max_norm, "norm_type": 2.0},
           {**grads, "total_norm": total_norm, "clipped_a": params[0].grad, "clipped_b": params[1].grad})


def cosine_with_warmup(warmup, total, min_factor=0.0):
    """LambdaLR factor at scheduler step s (0-based): linear warmup s / warmup for s < warmup,
    then min + (1 - min) * 0.5 * (1 + cos(pi * (s - warmup) / (total - warmup)))."""
    def factor(step):
        if step < warmup:
            return step / warmup
        progress = (step - warmup) / (total - warmup)
        return min_factor + (1.0 - min_factor) * 0.5 * (1.0 + math.cos(math.pi * progress))
    return factor


def add_schedule_case(fx, case, config, make_scheduler, steps, base_lr=0.1):
    """lrs[k] is the learning rate the optimizer uses for its step k (k = 0 .. steps-1)."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=base_lr)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    fx.add(case, {"base_lr": base_lr, "steps": steps, **config}, {"lrs": torch.tensor(lrs)})


def optim():
    fx = FixtureFile("optim")
    SGD, Adam, AdamW = torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW
    add_optimizer_case(fx, "sgd", lambda p: SGD(p, lr=0.1))
    add_optimizer_case(fx, "sgd_momentum", lambda p: SGD(p, lr=0.1, momentum=0.9))
    add_optimizer_case(fx, "sgd_nesterov_weight_decay",
                       lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))
    add_optimizer_case(fx, "sgd_dampening", lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1))
    add_optimizer_case(fx, "adam", lambda p: Adam(p, lr=0.01))
    add_optimizer_case(fx, "adam_weight_decay", lambda p: Adam(p, lr=0.01, weight_decay=0.1))
    add_optimizer_case(fx, "adam_amsgrad", lambda p: Adam(p, lr=0.01, amsgrad=True))
    add_optimizer_case(fx, "adamw", lambda p: AdamW(p, lr=0.01, weight_decay=0.1))
    add_optimizer_case(fx, "sparse_adam", lambda p: torch.optim.SparseAdam(p, lr=0.01),
                       touched_rows=[[0, 2, 5], [2, 3], [0, 2, 4]])

    add_clip_case(fx, "clip_grad_norm", max_norm=1.0)
    add_clip_case(fx, "clip_grad_norm_noop", max_norm=10.0)

    lr_scheduler = torch.optim.lr_scheduler
    add_schedule_case(fx, "step_lr", {"scheduler": "StepLR", "step_size": 2, "gamma": 0.5},
                      lambda opt: lr_scheduler.StepLR(opt, step_size=2, gamma=0.5), steps=6)
    add_schedule_case(fx, "exponential_lr", {"scheduler": "ExponentialLR", "gamma": 0.9},
                      lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.9), steps=6)
    add_schedule_case(fx, "cosine_warmup",
                      {"scheduler": "LambdaLR cosine with linear warmup", "warmup": 2, "total": 8, "min": 0.0},
                      lambda opt: lr_scheduler.LambdaLR(opt, cosine_with_warmup(warmup=2, total=8)), steps=8)
    return fx


def main():
    torch.set_num_threads(1)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    total_bytes = 0
    for family in (core_ops, embedding, embedding_bag, linear, lstm, pooling, losses, optim):
        path = family().write()
        size = path.stat().st_size
        total_bytes += size
        print(f"{path}: {size} bytes")
    print(f"total: {total_bytes} bytes")
    assert total_bytes < 300_000, "fixtures should stay small"


if __name__ == "__main__":
    main()
