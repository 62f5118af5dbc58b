#include "nn/padding.hpp"

#include <algorithm>
#include <cstring>

#include "core/tape.hpp"

namespace tg::nn {

// "[T, 5, 3]": the shape every sequence must have, given sequence 0.
static std::string expected_shape(const Shape& first) {
  std::string out = "[T";
  for (int d = 1; d < first.size(); ++d) out += fmt::format(", {}", first[d]);
  return out + "]";
}

static void check_sequences(const std::vector<Tensor>& seqs) {
  if (seqs.empty()) fail("pad_sequence: got an empty list of sequences, expected at least one");
  for (size_t b = 0; b < seqs.size(); ++b) {
    check_defined("pad_sequence", seqs[b]);
    if (seqs[b].dim() == 0) fail("pad_sequence: sequence {} is a 0-dim tensor, expected shape [T, ...]", b);
  }
  const Tensor& first = seqs[0];
  for (size_t b = 1; b < seqs.size(); ++b) {
    const Tensor& s = seqs[b];
    if (s.dtype() != first.dtype())
      fail("pad_sequence: sequence {} is {} but sequence 0 is {}", b, dtype_name(s.dtype()), dtype_name(first.dtype()));
    bool same_trailing = s.dim() == first.dim();
    for (int d = 1; same_trailing && d < s.dim(); ++d) same_trailing = s.size(d) == first.size(d);
    if (!same_trailing)
      fail("pad_sequence: sequence {} has shape {}, expected {} as sequence 0 of shape {}", b, s.shape(),
           expected_shape(first.shape()), first.shape());
  }
}

// Where step t of sequence b starts in the padded output, in elements (row = elements per step).
static int64_t padded_offset(int64_t b, int64_t t, int64_t batch, int64_t steps, int64_t row, bool batch_first) {
  return (batch_first ? b * steps + t : t * batch + b) * row;
}

template <typename T>
static void fill_padded(const std::vector<Tensor>& seqs, Tensor& out, int64_t steps, int64_t row, bool batch_first,
                        double padding_value) {
  T* po = out.data<T>();
  std::fill_n(po, out.numel(), T(padding_value));
  const int64_t batch = int64_t(seqs.size());
  for (int64_t b = 0; b < batch; ++b) {
    const T* ps = seqs[size_t(b)].data<T>();
    for (int64_t t = 0; t < seqs[size_t(b)].size(0); ++t)
      std::memcpy(po + padded_offset(b, t, batch, steps, row, batch_first), ps + t * row, size_t(row) * sizeof(T));
  }
}

// y[b, t, :] = seqs[b][t, :] for t < T_b, padding_value after      seqs[b]: [T_b, *]  y: [B, T_max, *]
// dseqs[b][t, :] += dy[b, t, :]                                    (or [T_max, B, *] when !batch_first)
Tensor pad_sequence(const std::vector<Tensor>& seqs, bool batch_first, double padding_value) {
  check_sequences(seqs);
  const Tensor& first = seqs[0];
  const int64_t batch = int64_t(seqs.size());
  int64_t steps = 0;
  for (const Tensor& s : seqs) steps = std::max(steps, s.size(0));
  Shape out_shape = first.shape();
  out_shape[0] = batch_first ? batch : steps;
  out_shape.insert(1, batch_first ? steps : batch);
  const int64_t row = first.numel() / std::max<int64_t>(first.size(0), 1);
  Tensor y = empty(out_shape, first.dtype());
  if (first.dtype() == DType::f32) fill_padded<float>(seqs, y, steps, row, batch_first, padding_value);
  else fill_padded<int64_t>(seqs, y, steps, row, batch_first, padding_value);

  record("pad_sequence", y, seqs, [batch, steps, row, batch_first](Node& n) {
    const float* dy = n.grad_out();
    for (int64_t b = 0; b < batch; ++b) {
      float* ds = n.grad_in(int(b));
      if (!ds) continue;
      for (int64_t t = 0; t < n.inputs[size_t(b)].shape()[0]; ++t) {
        const float* src = dy + padded_offset(b, t, batch, steps, row, batch_first);
        for (int64_t e = 0; e < row; ++e) ds[t * row + e] += src[e];
      }
    }
  });
  return y;
}

Tensor lengths_to_mask(const Tensor& lengths, int64_t max_len) {
  check_defined("lengths_to_mask", lengths);
  check_dtype("lengths_to_mask", lengths, DType::i64);
  if (lengths.dim() != 1) fail("lengths_to_mask: lengths must be 1-D [B], got shape {}", lengths.shape());
  if (max_len < 0) fail("lengths_to_mask: max_len must be >= 0, got {}", max_len);
  const int64_t batch = lengths.size(0);
  const int64_t* len = lengths.i64();
  for (int64_t b = 0; b < batch; ++b)
    if (len[b] < 0 || len[b] > max_len)
      fail("lengths_to_mask: length {} at position {} is outside [0, max_len={}]", len[b], b, max_len);
  Tensor mask = zeros({batch, max_len});
  for (int64_t b = 0; b < batch; ++b) std::fill_n(mask.f32() + b * max_len, len[b], 1.0f);
  return mask;
}

}  // namespace tg::nn
