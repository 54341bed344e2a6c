/* Preloaded into a benchmark process to count heap allocations (malloc,
 * calloc, realloc, memalign family): the process reads the count through
 * malloc_count_calls(). Forwards to glibc's own implementation. */
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static unsigned long long calls;

unsigned long long malloc_count_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }

void *malloc(size_t n) {
  __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
  return __libc_malloc(n);
}

void *calloc(size_t a, size_t b) {
  __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
  return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n) {
  __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
  return __libc_realloc(p, n);
}

void *memalign(size_t align, size_t n) {
  __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
  return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n) {
  __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
  void *p = __libc_memalign(align, n);
  if (!p) return 12; /* ENOMEM */
  *out = p;
  return 0;
}

void *aligned_alloc(size_t align, size_t n) {
  __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
  return __libc_memalign(align, n);
}
