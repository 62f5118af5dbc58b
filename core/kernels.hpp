#pragma once
// Loop helpers shared by the op files (not part of the public API).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include <omp.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "core/shape.hpp"

namespace tg::detail {

// Loops over at least this many elements run in parallel with OpenMP; smaller ones would lose more
// to thread start-up than they gain. The one threshold of every kernel in the project. (It was 2^15:
// on this shared 2-core machine each fork-join waits for a thread the other core's load may have
// descheduled, and tg-classify's batches of ~64,000 floats ran 13x slower on 2 threads than on 1. At
// 2^18, W2's dense Adam over 1M elements ran on both threads and its step took 1.15x its 1-thread time
// on the AMD EPYC VM: in the step, that Adam took 160 us on 1 thread or 2, though alone 2 threads do the
// same loop 1.5x faster. At 2^20 W2 on 2 threads takes 0.82-0.92x what it did; W3, W4, W6 and W6s on 2
// threads stay within their noise, 0.95-1.07x. Same-run A/B, 4 rounds.)
constexpr int64_t kParallelMin = 1 << 20;

// Is a loop over `work` elements worth the threads? At least kParallelMin, and more than one thread.
inline bool worth_threads(int64_t work) { return work >= kParallelMin && omp_get_max_threads() > 1; }

// f(i) for i in [0, n): on every thread when worth_threads(work), else a plain loop. `work` counts the
// elements the whole loop touches (n when each i is one element). Branch before OpenMP, never
// `#pragma omp parallel for if (...)`: a region with a false `if` still costs 1-8 us here, more than a
// whole small op (it was half of a small LSTM's training step). Capture scalars by value ([=]) where
// the body allows: through a reference the compiler must assume each store may change them, and the
// loop stops vectorising (dense Adam ran 20x slower that way).
template <typename F>
void parallel_for(int64_t n, int64_t work, F f) {
  if (worth_threads(work)) {
#pragma omp parallel for
    for (int64_t i = 0; i < n; ++i) f(i);
  } else {
    for (int64_t i = 0; i < n; ++i) f(i);
  }
}
template <typename F>
void parallel_for(int64_t n, F f) {
  parallel_for(n, n, f);
}

// Asks the cache for row r of a float32 [V, D] table ahead of its use, every 64-byte line it spans: a
// batch's rows are scattered over the table, so the hardware prefetcher cannot guess them. for_write:
// the line is fetched to be written (an optimizer's p, m, v), saving the second request a store makes.
// Measured, 1 thread: Embedding's forward fetching the row eight positions ahead took W1 from 1.335 to
// 0.696 ms (an earlier machine); LazyAdam fetching p, m and v four rows ahead took W6s from 7.3 to
// 6.2-6.5 ms (the AMD EPYC VM of the README's Benchmarks).
inline void prefetch_row(const float* table, int64_t r, int64_t D, bool for_write = false) {
  // In integers, not pointers: an empty row (D = 0) of a null table forms no pointer out of range.
  const uintptr_t begin = reinterpret_cast<uintptr_t>(table) + uintptr_t(r * D) * sizeof(float);
  const uintptr_t end = begin + uintptr_t(D) * sizeof(float);
  for (uintptr_t line = begin / 64 * 64; line < end; line += 64) {
    if (for_write) __builtin_prefetch(reinterpret_cast<const void*>(line), 1);
    else __builtin_prefetch(reinterpret_cast<const void*>(line));
  }
}

// dst[0, n) = src[0, n), dst's whole 64-byte lines written with non-temporal ("streaming") stores, the
// partial lines at either end with plain ones. A plain store first reads its line into the cache (to
// write part of it), so copying into memory that is not cached reads the destination as well as the
// source: a third of the traffic. A streaming store writes whole lines straight to memory and keeps
// the cache for other data. For outputs larger than the cache, then; a small output is better left in
// it for the next op to read. A thread's streaming stores are visible to other threads once it has
// called streaming_fence() (and then synchronised with them, as at the end of an OpenMP loop).
inline void copy_streaming(float* dst, const float* src, int64_t n) {
#if defined(__SSE2__)
  constexpr int64_t kLine = 64 / sizeof(float);  // floats in a line
  int64_t head = int64_t((64 - reinterpret_cast<uintptr_t>(dst) % 64) % 64 / sizeof(float));
  head = std::min(head, n);  // dst is float-aligned, so a line starts `head` floats in
  std::memcpy(dst, src, size_t(head) * sizeof(float));
  int64_t e = head;
  for (; e + kLine <= n; e += kLine) {
#if defined(__AVX512F__)
    _mm512_stream_ps(dst + e, _mm512_loadu_ps(src + e));
#else
    for (int64_t q = 0; q < kLine; q += 4) _mm_stream_ps(dst + e + q, _mm_loadu_ps(src + e + q));
#endif
  }
  std::memcpy(dst + e, src + e, size_t(n - e) * sizeof(float));
#else
  std::memcpy(dst, src, size_t(n) * sizeof(float));
#endif
}

inline void streaming_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

// Strides of an operand of shape `in` read as if broadcast to `out` (0 along broadcast dims),
// right-aligned to out's dims as in NumPy.
inline std::array<int64_t, Shape::kMaxDims> broadcast_strides(const Shape& in, const Shape& out) {
  std::array<int64_t, Shape::kMaxDims> st{};
  auto own = contiguous_strides(in);
  int shift = out.size() - in.size();
  for (int d = 0; d < in.size(); ++d) st[d + shift] = in[d] == 1 ? 0 : own[d];
  return st;
}

// Calls f(out_index, a_index, b_index, c_index) for every element of `out`, where a, b, c are read
// broadcast to out. (c is ignored by two-operand ops: pass any shape.) Sequential, in row-major order,
// so backward loops may accumulate (+=) into broadcast inputs safely.
template <typename F>
void broadcast_for_each(const Shape& out, const Shape& a, const Shape& b, const Shape& c, F f) {
  const int nd = out.size();
  if (out.numel() == 0) return;
  auto sa = broadcast_strides(a, out), sb = broadcast_strides(b, out), sc = broadcast_strides(c, out);
  if (nd == 0) {
    f(int64_t(0), int64_t(0), int64_t(0), int64_t(0));
    return;
  }
  std::array<int64_t, Shape::kMaxDims> counter{};
  const int64_t inner = out[nd - 1];
  int64_t o = 0, ia = 0, ib = 0, ic = 0;
  while (true) {
    for (int64_t j = 0; j < inner; ++j) f(o + j, ia + j * sa[nd - 1], ib + j * sb[nd - 1], ic + j * sc[nd - 1]);
    o += inner;
    // Advance the multi-index over all dims but the last (an odometer).
    int d = nd - 2;
    for (; d >= 0; --d) {
      ia += sa[d];
      ib += sb[d];
      ic += sc[d];
      if (++counter[d] < out[d]) break;
      ia -= sa[d] * out[d];
      ib -= sb[d] * out[d];
      ic -= sc[d] * out[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

// Splits a shape around `dim` into (outer, size, inner) so that element [o, k, i] sits at
// (o * size + k) * inner + i: the view every reduction and softmax over one dim works on.
struct DimSplit {
  int64_t outer = 1, size = 1, inner = 1;
};
inline DimSplit split_at(const Shape& s, int dim) {
  DimSplit r;
  for (int d = 0; d < dim; ++d) r.outer *= s[d];
  r.size = s[dim];
  for (int d = dim + 1; d < s.size(); ++d) r.inner *= s[d];
  return r;
}

}  // namespace tg::detail
