#include "core/spinners.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>

#include <fmt/format.h>

#include "core/barrier.h"

namespace illusion::core {
namespace {

// Tells the CPU this is a spin-wait loop (x86 PAUSE): it saves power and, on an SMT sibling,
// issue slots, without ever leaving the CPU.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

Spinners::Spinners(const std::vector<int>& cpus) : problems_(cpus.size()) {
  threads_.reserve(cpus.size());  // no reallocation may destroy a running std::thread
  try {
    for (std::size_t i = 0; i < cpus.size(); ++i)
      threads_.emplace_back([this, i, cpu = cpus[i]] { spin(i, cpu); });
  } catch (...) {
    stop_all();
    throw;
  }
  // Each spinner pins itself before it counts as ready: after this, all sit on their CPUs.
  while (ready_.load(std::memory_order_acquire) < threads_.size()) cpu_relax();
}

Spinners::~Spinners() {
  stop_all();
}

void Spinners::stop_all() noexcept {
  stop_.store(true, std::memory_order_release);
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

std::vector<std::string> Spinners::placement_problems() const {
  std::vector<std::string> out;
  for (const std::string& p : problems_)
    if (!p.empty()) out.push_back(p);
  return out;
}

void Spinners::touch_pages(const char* data, std::size_t bytes, std::size_t page_bytes) {
  data_ = data;
  bytes_ = bytes;
  page_bytes_ = page_bytes;
  done_.store(0, std::memory_order_relaxed);
  round_.fetch_add(1, std::memory_order_release);
  while (done_.load(std::memory_order_acquire) < threads_.size()) cpu_relax();
}

void Spinners::spin(std::size_t index, int cpu) {
  problems_[index] = pin_this_thread(cpu);
  ready_.fetch_add(1, std::memory_order_release);
  std::uint64_t seen = 0;
  std::uint64_t sink = 0;
  while (!stop_.load(std::memory_order_acquire)) {
    const std::uint64_t round = round_.load(std::memory_order_acquire);
    if (round == seen) {
      cpu_relax();
      continue;
    }
    seen = round;
    const volatile char* p = data_;
    for (std::size_t off = 0; off < bytes_; off += page_bytes_)
      sink += static_cast<unsigned char>(p[off]);
    do_not_optimize(sink);
    done_.fetch_add(1, std::memory_order_release);
  }
}

}  // namespace illusion::core
