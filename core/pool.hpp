#pragma once
// A per-thread free list for the small objects every op allocates: a TensorImpl and its Storage,
// each with its shared_ptr control block, made with std::allocate_shared(PoolAllocator<T>{}).
//
// Why not plain malloc: a chain of 10,000 recorded ops frees 20,000 such blocks at once when the
// graph dies. That overflows glibc's per-thread cache (7 blocks per size) and sends every later
// malloc/free through the slow path, about 100 ns each, which was half of the tape's cost per op.
// Here a freed block goes onto a list and the next allocation of that size takes it back.
//
// A block may be freed on another thread than the one that made it: it joins that thread's list.
// Each list keeps at most kMaxFree blocks and returns them all to the system when its thread ends.
// Under AddressSanitizer the pool is bypassed, so use-after-free of a tensor is still caught.
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace tg::detail {

template <size_t Bytes>
class FreeList {
 public:
  static constexpr size_t kMaxFree = size_t(1) << 15;

  static void* allocate() {
    if (!gone && list.head) {
      Block* b = list.head;
      list.head = b->next;
      --list.count;
      return b;
    }
    return ::operator new(Bytes);
  }
  static void deallocate(void* p) {
    if (gone || list.count >= kMaxFree) {
      ::operator delete(p);
      return;
    }
    if (!list.head) releaser.armed = true;  // the list holds blocks from now on: free them when the thread ends
    list.head = new (p) Block{list.head};
    ++list.count;
  }

 private:
  struct Block {
    Block* next;
  };
  struct List {
    Block* head = nullptr;
    size_t count = 0;
  };
  // The list is trivially destructible and constant-initialised, so reaching it is one %fs-relative
  // load; a thread_local with a destructor is reached through a call that checks its guard on every
  // access (that call was 4% of a tiny training step). The destructor lives in `releaser`, touched only
  // when the list goes from empty to non-empty.
  struct Releaser {
    bool armed = false;
    ~Releaser() {
      while (list.head) ::operator delete(std::exchange(list.head, list.head->next));
      list.count = 0;
      gone = true;  // tensors freed later on this thread (static ones at exit) bypass the list
    }
  };
  static inline thread_local constinit List list;
  static inline thread_local constinit bool gone = false;  // trivially destructible: valid until the thread ends
  static inline thread_local Releaser releaser;
};

template <typename T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <typename U>
  PoolAllocator(const PoolAllocator<U>&) {}

  // Sizes rounded up to 16 bytes, so types of similar size share a list.
  static constexpr size_t kBlock = (sizeof(T) + 15) / 16 * 16;
#if defined(__SANITIZE_ADDRESS__)
  static constexpr bool kPooled = false;
#else
  static constexpr bool kPooled = alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__;
#endif

  T* allocate(size_t n) {
    if (kPooled && n == 1) return static_cast<T*>(FreeList<kBlock>::allocate());
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) {
    if (kPooled && n == 1) return FreeList<kBlock>::deallocate(p);
    std::allocator<T>().deallocate(p, n);
  }
  friend bool operator==(const PoolAllocator&, const PoolAllocator&) { return true; }
};

}  // namespace tg::detail
