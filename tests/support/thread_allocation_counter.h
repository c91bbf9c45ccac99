// Counts the heap allocations of the threads that opt in (set `counting_this_thread`), for the
// checks that a data path does not allocate per packet (tests/unit/relay_alloc and
// bench/circuit_throughput). Counted at the C allocator, so it also sees what a replaced operator
// new alone misses: Asio's recycling allocator and aligned operator new use aligned_alloc, and
// ngtcp2 and GnuTLS call malloc directly.
//
// Include it in exactly one translation unit of an executable of its own: it defines the malloc
// family there (forwarding to glibc's __libc_* entry points), or under AddressSanitizer, which owns
// malloc, installs ASan's allocation hook instead.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace privstack::test::allocations {

inline thread_local bool counting_this_thread = false;
inline std::atomic<std::uint64_t> count{0};

inline void record() {
  if (counting_this_thread) count.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace privstack::test::allocations

#if defined(__SANITIZE_ADDRESS__)
// Declared here: GCC ships the function in libasan but not its header
// (<sanitizer/allocator_interface.h> comes with clang).
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*,
                                                                             std::size_t),
                                                         void (*free_hook)(const volatile void*));

namespace privstack::test::allocations {
inline void on_malloc(const volatile void*, std::size_t) {
  record();
}
inline void on_free(const volatile void*) {}
inline const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}  // namespace privstack::test::allocations
#else
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t size) {
  privstack::test::allocations::record();
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  privstack::test::allocations::record();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  privstack::test::allocations::record();
  return __libc_realloc(p, size);
}
void* memalign(std::size_t align, std::size_t size) {
  privstack::test::allocations::record();
  return __libc_memalign(align, size);
}
void* aligned_alloc(std::size_t align, std::size_t size) {
  privstack::test::allocations::record();
  return __libc_memalign(align, size);
}
int posix_memalign(void** out, std::size_t align, std::size_t size) {
  privstack::test::allocations::record();
  void* p = __libc_memalign(align, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) {
  __libc_free(p);
}
}
#endif
