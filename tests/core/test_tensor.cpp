// Tensor creation, access, random generation and printing.
#include <doctest/doctest.h>

#include <omp.h>

#include <thread>
#include <vector>

#include "core/tapegrad.hpp"

using namespace tg;

TEST_CASE("creation functions give the requested shape, dtype and values") {
  Tensor z = zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.numel() == 6);
  CHECK(z.dtype() == DType::f32);
  CHECK(z.at({1, 2}) == 0.0);
  CHECK(ones({4}).sum().item() == 4.0);
  CHECK(full({2, 2}, 2.5).at({1, 0}) == 2.5);
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(t.at({0, 2}) == 3.0);
  CHECK(t.at({1, 0}) == 4.0);
  Tensor a = arange(5);
  CHECK(a.dtype() == DType::i64);
  CHECK(a.to_indices() == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(arange(0.0, 1.0, 0.25).numel() == 4);
  CHECK(scalar(3.0).dim() == 0);
  CHECK(scalar(3.0).item() == 3.0);
}

TEST_CASE("creation and access reject wrong sizes, dtypes and indices") {
  CHECK_THROWS_WITH_AS(tensor({1, 2, 3}, {2, 2}), "tensor: 3 values given for shape [2, 2], which holds 4", Error);
  Tensor t = zeros({2, 3});
  CHECK_THROWS_WITH_AS(t.at({2, 0}), "at: index 2 at dim 0 is out of range for a tensor of shape [2, 3]", Error);
  CHECK_THROWS_WITH_AS(t.item(), "item: the tensor has 6 elements (shape [2, 3]), expected 1", Error);
  CHECK_THROWS_WITH_AS(t.i64(), "data: tensor is float32, asked for int64", Error);
  CHECK_THROWS_AS(arange(3).requires_grad_(), Error);
  CHECK_THROWS_AS(Shape({1, 2, 3, 4, 5, 6, 7, 8, 9}), Error);
}

TEST_CASE("manual_seed makes random tensors reproducible") {
  manual_seed(7);
  auto a = randn({100}).to_vector();
  manual_seed(7);
  auto b = randn({100}).to_vector();
  CHECK(a == b);
  manual_seed(8);
  CHECK(randn({100}).to_vector() != a);
}

TEST_CASE("random distributions have the right range and moments") {
  manual_seed(1);
  Tensor u = uniform({20000}, -2.0, 3.0);
  auto v = u.to_vector();
  CHECK(*std::min_element(v.begin(), v.end()) >= -2.0f);
  CHECK(*std::max_element(v.begin(), v.end()) < 3.0f);
  CHECK(u.mean().item() == doctest::Approx(0.5).epsilon(0.05));
  Tensor n = randn({20000});
  double m = n.mean().item();
  double var = pow(n - m, 2).mean().item();
  CHECK(m == doctest::Approx(0.0).epsilon(0.03).scale(1));
  CHECK(var == doctest::Approx(1.0).epsilon(0.05));
  Tensor r = randint(5, {1000});
  auto idx = r.to_indices();
  CHECK(*std::min_element(idx.begin(), idx.end()) == 0);
  CHECK(*std::max_element(idx.begin(), idx.end()) == 4);
  auto perm = randperm(10);
  std::sort(perm.begin(), perm.end());
  CHECK(perm == arange(10).to_indices());
}

TEST_CASE("generator state can be saved and restored") {
  Generator g(3);
  g.next_u64();
  auto state = g.state();
  uint64_t next = g.next_u64();
  g.set_state(state);
  CHECK(g.next_u64() == next);
}

TEST_CASE("printing shows values, shape and grad flag like PyTorch") {
  Tensor t = tensor({0.1f, -1.2f, 2.0f, 3.0f}, {2, 2});
  CHECK(fmt::format("{}", t) == "tensor([[ 0.1000, -1.2000],\n        [ 2.0000,  3.0000]], shape=[2, 2])");
  t.requires_grad_();
  CHECK(fmt::format("{}", t).find("requires_grad") != std::string::npos);
  CHECK(fmt::format("{}", indices({1, 2})) == "tensor([1, 2], shape=[2], dtype=int64)");
  CHECK(fmt::format("{}", scalar(1.5)) == "tensor(1.5000, shape=[])");
  CHECK(fmt::format("{}", Shape{3, 4}) == "[3, 4]");
}

TEST_CASE("printing a large tensor abbreviates each long dim with ...") {
  std::string s = fmt::format("{}", arange(0.0, 2000.0, 1.0).reshape({2, 1000}));
  CHECK(s.find("...") != std::string::npos);
  CHECK(s.find("999.0000") != std::string::npos);
  CHECK(s.find("500.0000") == std::string::npos);
  CHECK(s.size() < 200);
}

TEST_CASE("reshape shares storage and infers one -1 dim") {
  Tensor t = arange(0.0, 6.0, 1.0);
  Tensor v = t.reshape({2, -1});
  CHECK(v.shape() == Shape{2, 3});
  v.f32()[0] = 42;
  CHECK(t.f32()[0] == 42);
  CHECK_THROWS_WITH_AS(t.reshape({4, -1}), "reshape: cannot view shape [6] (6 elements) as [4, -1]", Error);
  CHECK(t.unsqueeze(0).shape() == Shape{1, 6});
  CHECK(t.unsqueeze(-1).shape() == Shape{6, 1});
  CHECK(t.unsqueeze(0).squeeze(0).shape() == Shape{6});
  CHECK_THROWS_AS(t.squeeze(0), Error);
}

TEST_CASE("set_num_threads sets the thread count and rejects zero") {
  int before = num_threads();
  set_num_threads(1);
  CHECK(num_threads() == 1);
  set_num_threads(before);
  CHECK_THROWS_AS(set_num_threads(0), Error);
}

TEST_CASE("set_flush_denormal(true) reads and writes denormals as zero, on every OpenMP thread") {
  volatile float denormal = 1e-39f, half = 0.5f;  // volatile: computed at run time, not folded
  REQUIRE(denormal * half > 0.0f);  // the default: gradual underflow
  if (!set_flush_denormal(true)) return;
  CHECK(denormal * half == 0.0f);
  int threads = 0, threads_flushing = 0;
#pragma omp parallel reduction(+ : threads, threads_flushing)
  {
    threads += 1;
    threads_flushing += denormal * half == 0.0f;
  }
  CHECK(threads == omp_get_max_threads());
  CHECK(threads_flushing == threads);
  set_flush_denormal(false);
  CHECK(denormal * half > 0.0f);
}

// Tensors come from a per-thread pool (core/pool.hpp). A tensor made on one thread and freed on
// another, and threads that end with blocks in their pool, must keep every tensor's values intact.
TEST_CASE("tensors made on one thread can be freed on another, and pooled blocks are reused safely") {
  std::vector<tg::Tensor> made_elsewhere;
  std::thread maker([&] {
    for (int i = 0; i < 1000; ++i) made_elsewhere.push_back(tg::full({4}, i));
    for (int i = 0; i < 1000; ++i) tg::full({4}, -1);  // made and freed here: this thread's pool fills
  });
  maker.join();  // its pool is released now; the tensors it handed over live on
  auto count_intact = [](const std::vector<tg::Tensor>& ts) {
    int intact = 0;  // ts[i] should hold four copies of i
    for (size_t i = 0; i < ts.size(); ++i) intact += ts[i].to_vector() == std::vector<float>(4, float(i));
    return intact;
  };
  CHECK(count_intact(made_elsewhere) == 1000);
  made_elsewhere.clear();  // 1000 blocks freed on this thread

  std::vector<tg::Tensor> reused;
  for (int i = 0; i < 2000; ++i) reused.push_back(tg::full({4}, i));
  CHECK(count_intact(reused) == 2000);
}
