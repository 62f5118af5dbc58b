// pad_sequence and lengths_to_mask: layouts, padding values, the gradient of pad_sequence, errors.
#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/padding.hpp"

using namespace tg;
using nn::lengths_to_mask;
using nn::pad_sequence;

TEST_CASE("pad_sequence stacks id sequences batch-first or time-first") {
  std::vector<Tensor> seqs = {indices({5, 3, 9}), indices({7}), indices({1, 2})};
  Tensor batch_first = pad_sequence(seqs, /*batch_first=*/true, 0);
  CHECK(batch_first.dtype() == DType::i64);
  CHECK(batch_first.shape() == Shape{3, 3});
  CHECK(batch_first.to_indices() == std::vector<int64_t>{5, 3, 9, 7, 0, 0, 1, 2, 0});
  Tensor time_first = pad_sequence(seqs, /*batch_first=*/false, -1);
  CHECK(time_first.shape() == Shape{3, 3});
  CHECK(time_first.to_indices() == std::vector<int64_t>{5, 7, 1, 3, -1, 2, 9, -1, -1});
}

TEST_CASE("pad_sequence pads vector sequences [T_i, D] with the padding value") {
  Tensor a = tensor({1, 2, 3, 4}, {2, 2}), b = tensor({5, 6}, {1, 2});
  Tensor y = pad_sequence({a, b}, /*batch_first=*/true, 0.5);
  CHECK(y.shape() == Shape{2, 2, 2});
  CHECK(y.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6, 0.5, 0.5});
  Tensor t = pad_sequence({a, b}, /*batch_first=*/false, 0.5);
  CHECK(t.shape() == Shape{2, 2, 2});
  CHECK(t.to_vector() == std::vector<float>{1, 2, 5, 6, 3, 4, 0.5, 0.5});
  CHECK_FALSE(y.requires_grad());
}

TEST_CASE("pad_sequence passes gradcheck: each sequence gets back its own steps") {
  manual_seed(41);
  for (bool batch_first : {true, false}) {
    CAPTURE(batch_first);
    GradcheckResult r = gradcheck([&](auto& v) { return pad_sequence(v, batch_first, 0.0); },
                                  {uniform({3, 2}, -1, 1).requires_grad_(), uniform({1, 2}, -1, 1).requires_grad_(),
                                   uniform({2, 2}, -1, 1).requires_grad_()});
    INFO(r.report);
    CHECK(r.ok);
  }
  Tensor a = ones({2, 2}).requires_grad_(), frozen = ones({3, 2});
  pad_sequence({a, frozen}, true, 0.0).backward(arange(0, 12, 1, DType::f32).reshape({2, 3, 2}));
  CHECK(a.grad().to_vector() == std::vector<float>{0, 1, 2, 3});
}

TEST_CASE("pad_sequence names the sequence that does not fit") {
  CHECK_THROWS_WITH_AS(pad_sequence({}), "pad_sequence: got an empty list of sequences, expected at least one", Error);
  CHECK_THROWS_WITH_AS(pad_sequence({zeros({2, 5}), zeros({3, 5}), zeros({4, 3})}),
                       "pad_sequence: sequence 2 has shape [4, 3], expected [T, 5] as sequence 0 of shape [2, 5]", Error);
  CHECK_THROWS_WITH_AS(pad_sequence({zeros({2, 5}), zeros({2})}),
                       "pad_sequence: sequence 1 has shape [2], expected [T, 5] as sequence 0 of shape [2, 5]", Error);
  CHECK_THROWS_WITH_AS(pad_sequence({indices({1}), tensor({1})}), "pad_sequence: sequence 1 is float32 but sequence 0 is int64",
                       Error);
  CHECK_THROWS_WITH_AS(pad_sequence({indices({1}), indices({2}, {})}),
                       "pad_sequence: sequence 1 is a 0-dim tensor, expected shape [T, ...]", Error);
}

TEST_CASE("lengths_to_mask marks the first lengths[b] steps of each row") {
  Tensor mask = lengths_to_mask(indices({3, 1, 0, 4}), 4);
  CHECK(mask.dtype() == DType::f32);
  CHECK(mask.shape() == Shape{4, 4});
  CHECK(mask.to_vector() == std::vector<float>{1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1});
  CHECK(lengths_to_mask(indices({}, {0}), 3).shape() == Shape{0, 3});
}

TEST_CASE("lengths_to_mask rejects lengths outside [0, max_len] and non-index input") {
  CHECK_THROWS_WITH_AS(lengths_to_mask(indices({2, 7, 1}), 5),
                       "lengths_to_mask: length 7 at position 1 is outside [0, max_len=5]", Error);
  CHECK_THROWS_WITH_AS(lengths_to_mask(indices({-1}), 5), "lengths_to_mask: length -1 at position 0 is outside [0, max_len=5]",
                       Error);
  CHECK_THROWS_WITH_AS(lengths_to_mask(tensor({2, 3}), 5), "lengths_to_mask: expected a int64 tensor, got float32 (shape [2])",
                       Error);
  CHECK_THROWS_WITH_AS(lengths_to_mask(indices({1, 2}, {1, 2}), 5), "lengths_to_mask: lengths must be 1-D [B], got shape [1, 2]",
                       Error);
}
