// Elementwise ops. Binary ops broadcast as NumPy does; each backward sums the gradient back to its
// input's shape (a broadcast input receives the sum over the dims it was stretched along).
#include <cmath>

#include "core/fast_math.hpp"
#include "core/kernels.hpp"
#include "core/ops.hpp"
#include "core/tape.hpp"

namespace tg {

using detail::broadcast_for_each;

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  Shape out;
  int nd = std::max(a.size(), b.size());
  for (int d = 0; d < nd; ++d) {
    int da = d - (nd - a.size()), db = d - (nd - b.size());
    int64_t sa = da >= 0 ? a[da] : 1, sb = db >= 0 ? b[db] : 1;
    if (sa != sb && sa != 1 && sb != 1) fail("{}: shapes {} and {} cannot be broadcast (dim {}: {} vs {})", op, a, b, d, sa, sb);
    out.push_back(sa == 1 ? sb : sa);
  }
  return out;
}

// out[i] = f(a[i'], b[i'']) over the broadcast shape; same-shape inputs take a flat (parallel) loop.
template <typename F>
static Tensor binary_forward(const char* op, const Tensor& a, const Tensor& b, F f) {
  check_dtype(op, a, DType::f32);
  check_dtype(op, b, DType::f32);
  Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(op, a.shape(), b.shape());
  Tensor y = empty(shape);
  const float *pa = a.f32(), *pb = b.f32();
  float* py = y.f32();
  if (a.shape() == b.shape()) {
    detail::parallel_for(y.numel(), [&](int64_t i) { py[i] = f(pa[i], pb[i]); });
  } else {
    broadcast_for_each(shape, a.shape(), b.shape(), Shape{}, [&](int64_t o, int64_t ia, int64_t ib, int64_t) {
      py[o] = f(pa[ia], pb[ib]);
    });
  }
  return y;
}

// For every output element: da[ia] += ga(dy, a, b) and db[ib] += gb(dy, a, b), skipping an input
// that needs no gradient.
template <typename GA, typename GB>
static void binary_backward(Node& n, GA ga, GB gb) {
  const Tensor &a = n.input(0), &b = n.input(1);
  const float *pa = a.f32(), *pb = b.f32(), *dy = n.grad_out();
  const Shape& shape = n.output.shape();
  if (a.shape() == b.shape()) {  // every element of da and db is written once: no zero-fill needed
    if (GradTarget da = n.grad_in_all(0))
      da.write([&](auto store) { detail::parallel_for(shape.numel(), [&](int64_t i) { store(da.data[i], ga(dy[i], pa[i], pb[i])); }); });
    if (GradTarget db = n.grad_in_all(1))
      db.write([&](auto store) { detail::parallel_for(shape.numel(), [&](int64_t i) { store(db.data[i], gb(dy[i], pa[i], pb[i])); }); });
    return;
  }
  float *da = n.grad_in(0), *db = n.grad_in(1);  // a broadcast input sums several terms: zero-filled, added to
  broadcast_for_each(shape, a.shape(), b.shape(), Shape{}, [&](int64_t o, int64_t ia, int64_t ib, int64_t) {
    if (da) da[ia] += ga(dy[o], pa[ia], pb[ib]);
    if (db) db[ib] += gb(dy[o], pa[ia], pb[ib]);
  });
}

// y = a + b        da += dy        db += dy
Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("add", a, b, [](float x, float z) { return x + z; });
  record("add", y, {a, b}, [](Node& n) {
    binary_backward(n, [](float dy, float, float) { return dy; }, [](float dy, float, float) { return dy; });
  });
  return y;
}

// y = a - b        da += dy        db -= dy
Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("sub", a, b, [](float x, float z) { return x - z; });
  record("sub", y, {a, b}, [](Node& n) {
    binary_backward(n, [](float dy, float, float) { return dy; }, [](float dy, float, float) { return -dy; });
  });
  return y;
}

// y = a * b        da += dy * b    db += dy * a
Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("mul", a, b, [](float x, float z) { return x * z; });
  record("mul", y, {a, b}, [](Node& n) {
    binary_backward(n, [](float dy, float, float vb) { return dy * vb; }, [](float dy, float va, float) { return dy * va; });
  });
  return y;
}

// y = a / b        da += dy / b    db -= dy * a / b^2
Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("div", a, b, [](float x, float z) { return x / z; });
  record("div", y, {a, b}, [](Node& n) {
    binary_backward(n, [](float dy, float, float vb) { return dy / vb; },
                    [](float dy, float va, float vb) { return -dy * va / (vb * vb); });
  });
  return y;
}

// y = f(x) elementwise; backward: dx += dy * dfdx(x, y). The derivative may use the input x or the
// output y, whichever is cheaper (sigmoid: y(1-y); exp: y).
template <typename F, typename D>
static Tensor unary(const char* op, const Tensor& x, F f, D dfdx) {
  check_dtype(op, x, DType::f32);
  Tensor y = empty(x.shape());
  const float* px = x.f32();
  float* py = y.f32();
  detail::parallel_for(x.numel(), [&](int64_t i) { py[i] = f(px[i]); });
  record(op, y, {x}, [dfdx](Node& n) {
    const float *px = n.input(0).f32(), *py = n.out().f32(), *dy = n.grad_out();
    GradTarget dx = n.grad_in_all(0);
    dx.write([&](auto store) {
      detail::parallel_for(n.output.numel(), [&](int64_t i) { store(dx.data[i], dy[i] * dfdx(px[i], py[i])); });
    });
  });
  return y;
}

// y = -x                 dx += -dy
Tensor neg(const Tensor& x) {
  return unary("neg", x, [](float v) { return -v; }, [](float, float) { return -1.0f; });
}
// y = a + s              dx += dy
Tensor add(const Tensor& a, double s) {
  auto sf = float(s);
  return unary("add_scalar", a, [sf](float v) { return v + sf; }, [](float, float) { return 1.0f; });
}
// y = a * s              dx += dy * s
Tensor mul(const Tensor& a, double s) {
  auto sf = float(s);
  return unary("mul_scalar", a, [sf](float v) { return v * sf; }, [sf](float, float) { return sf; });
}
// y = s - a              dx += -dy
Tensor rsub(double s, const Tensor& a) {
  auto sf = float(s);
  return unary("rsub_scalar", a, [sf](float v) { return sf - v; }, [](float, float) { return -1.0f; });
}
// y = s / a              dx += -dy * s / a^2 = -dy * y / a
Tensor rdiv(double s, const Tensor& a) {
  auto sf = float(s);
  return unary("rdiv_scalar", a, [sf](float v) { return sf / v; }, [](float v, float y) { return -y / v; });
}
// y = e^x                dx += dy * y
Tensor exp(const Tensor& x) {
  return unary("exp", x, [](float v) { return std::exp(v); }, [](float, float y) { return y; });
}
// y = ln x               dx += dy / x
Tensor log(const Tensor& x) {
  return unary("log", x, [](float v) { return std::log(v); }, [](float v, float) { return 1.0f / v; });
}
// y = sqrt x             dx += dy / (2 y)
Tensor sqrt(const Tensor& x) {
  return unary("sqrt", x, [](float v) { return std::sqrt(v); }, [](float, float y) { return 0.5f / y; });
}
// y = x^p                dx += dy * p * x^(p-1)
Tensor pow(const Tensor& x, double exponent) {
  auto p = float(exponent);
  return unary("pow", x, [p](float v) { return std::pow(v, p); },
               [p](float v, float) { return p == 0.0f ? 0.0f : p * std::pow(v, p - 1.0f); });
}
// y = tanh x             dx += dy * (1 - y^2)        (tanh and sigmoid: core/fast_math.hpp's, vectorised)
Tensor tanh(const Tensor& x) {
  return unary("tanh", x, [](float v) { return detail::tanh(v); }, [](float, float y) { return 1.0f - y * y; });
}
// y = 1 / (1 + e^-x)     dx += dy * y * (1 - y)
Tensor sigmoid(const Tensor& x) {
  return unary("sigmoid", x, [](float v) { return detail::sigmoid(v); },
               [](float, float y) { return y * (1.0f - y); });
}
// y = max(x, 0)          dx += dy * [x > 0]
Tensor relu(const Tensor& x) {
  return unary("relu", x, [](float v) { return v > 0.0f ? v : 0.0f; }, [](float v, float) { return v > 0.0f ? 1.0f : 0.0f; });
}
// y = min(max(x, lo), hi)   dx += dy * [lo <= x <= hi]  (PyTorch passes the gradient at the bounds)
Tensor clamp(const Tensor& x, double min, double max) {
  if (min > max) fail("clamp: min {} is greater than max {}", min, max);
  auto lo = float(min), hi = float(max);
  return unary("clamp", x, [lo, hi](float v) { return std::min(std::max(v, lo), hi); },
               [lo, hi](float v, float) { return v >= lo && v <= hi ? 1.0f : 0.0f; });
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double s) { return add(a, s); }
Tensor operator+(double s, const Tensor& a) { return add(a, s); }
Tensor operator-(const Tensor& a, double s) { return add(a, -s); }
Tensor operator-(double s, const Tensor& a) { return rsub(s, a); }
Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
Tensor operator/(const Tensor& a, double s) { return mul(a, 1.0 / s); }
Tensor operator/(double s, const Tensor& a) { return rdiv(s, a); }

}  // namespace tg
