//===- ThreadPool.cpp - The Sparq runtime's thread pool -------------------===//
//
// A fixed pool of workers that spin briefly on a generation counter (kernel
// calls of a model come back to back, and a wake-up through a condition
// variable costs tens of microseconds, a large part of a 200 us GEMV) and then
// sleep. The calling thread always runs index 0 itself.
//
//===----------------------------------------------------------------------===//

#include "sparq-c/Runtime.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define SPARQ_PAUSE() _mm_pause()
#else
#define SPARQ_PAUSE() std::this_thread::yield()
#endif

namespace {

class ThreadPool {
public:
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
      generation.fetch_add(1, std::memory_order_release);
    }
    cv.notify_all();
    for (std::thread &t : workers)
      t.join();
  }

  int32_t numThreads() {
    int32_t n = requested.load(std::memory_order_relaxed);
    if (n > 0)
      return n;
    const char *env = std::getenv("SPARQ_NUM_THREADS");
    n = env ? std::atoi(env) : 0;
    if (n <= 0)
      n = int32_t(std::max(1u, std::thread::hardware_concurrency()));
    n = std::min(n, 256);
    requested.store(n, std::memory_order_relaxed);
    return n;
  }

  void setNumThreads(int32_t n) {
    requested.store(std::min(std::max(n, 1), 256), std::memory_order_relaxed);
  }

  void run(void (*fn)(void *, int32_t, int32_t), void *ctx, int32_t count) {
    if (count <= 1) {
      if (count == 1)
        fn(ctx, 0, 1);
      return;
    }
    std::unique_lock<std::mutex> busy(runMutex, std::try_to_lock);
    if (!busy.owns_lock()) { // Another application thread is using the pool.
      for (int32_t i = 0; i < count; ++i)
        fn(ctx, i, count);
      return;
    }
    ensureWorkers(count - 1);
    taskFn = fn;
    taskCtx = ctx;
    taskCount = count;
    // Every worker acknowledges every generation (inactive ones too), so none
    // can read the task fields of the next call while still on this one.
    pending.store(int32_t(workers.size()), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu);
      generation.fetch_add(1, std::memory_order_release);
    }
    cv.notify_all();
    fn(ctx, 0, count);
    while (pending.load(std::memory_order_acquire) != 0)
      SPARQ_PAUSE();
  }

private:
  void ensureWorkers(int32_t n) {
    while (int32_t(workers.size()) < n) {
      int32_t id = int32_t(workers.size()) + 1;
      // The worker must see the coming generation as new even if it starts
      // after run() published it.
      uint64_t seen = generation.load(std::memory_order_acquire);
      workers.emplace_back([this, id, seen] { workerLoop(id, seen); });
    }
  }

  void workerLoop(int32_t id, uint64_t seen) {
    for (;;) {
      for (int spins = 0; spins < (1 << 16); ++spins) {
        if (generation.load(std::memory_order_acquire) != seen)
          break;
        SPARQ_PAUSE();
      }
      if (generation.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] {
          return generation.load(std::memory_order_acquire) != seen;
        });
      }
      seen = generation.load(std::memory_order_acquire);
      if (stopping)
        return;
      if (id < taskCount)
        taskFn(taskCtx, id, taskCount);
      pending.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  std::atomic<int32_t> requested{0};
  std::vector<std::thread> workers;
  std::mutex runMutex;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<uint64_t> generation{0};
  std::atomic<int32_t> pending{0};
  void (*taskFn)(void *, int32_t, int32_t) = nullptr;
  void *taskCtx = nullptr;
  int32_t taskCount = 0;
  bool stopping = false;
};

ThreadPool &pool() {
  static ThreadPool p;
  return p;
}

} // namespace

extern "C" void sparq_rt_set_num_threads(int32_t n) { pool().setNumThreads(n); }
extern "C" int32_t sparq_rt_get_num_threads(void) { return pool().numThreads(); }
extern "C" void sparq_rt_parallel(void (*fn)(void *, int32_t, int32_t),
                                  void *ctx, int32_t count) {
  pool().run(fn, ctx, count);
}
