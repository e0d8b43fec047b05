// What the munmap rows need to make TLB shootdowns happen and to count them: threads of this
// process that sit on other CPUs inside this mm (so their TLBs may hold a mapping's entries and
// munmap must interrupt them), pinning of single threads, and the kernel's count of shootdown
// IPIs received.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/affinity.h"

namespace illusion::labs::mmap_vs_read {

using core::allowed_cpus;
using core::pin_this_thread;

// The sum over CPUs of the "TLB:" line of /proc/interrupts (x86: TLB shootdown IPIs received),
// or nullopt when the line is missing (another architecture, or no such counter).
std::optional<std::uint64_t> tlb_shootdowns_total();

// One thread per CPU in `cpus`, each pinned to its CPU and busy-waiting on an atomic (never
// sleeping, so its CPU stays in this mm). touch_pages() makes every spinner read one byte of
// every page of a range, filling its TLB with the range's translations, and returns when all
// have. Stopped and joined on destruction, whatever happened.
class Spinners {
 public:
  explicit Spinners(const std::vector<int>& cpus);
  Spinners(const Spinners&) = delete;
  Spinners& operator=(const Spinners&) = delete;
  ~Spinners();

  void touch_pages(const char* data, std::size_t bytes, std::size_t page_bytes);
  std::size_t count() const { return threads_.size(); }
  // Spinners that could not be pinned or did not land on their CPU, in words.
  std::vector<std::string> placement_problems() const;

 private:
  void spin(std::size_t index, int cpu);
  void stop_all() noexcept;

  std::vector<std::thread> threads_;
  std::vector<std::string> problems_;  // one per spinner, "" when placed; written before `ready_`
  std::atomic<std::size_t> ready_{0};
  std::atomic<std::uint64_t> round_{0};
  std::atomic<std::size_t> done_{0};
  std::atomic<bool> stop_{false};
  // The range of the current round, published by the release increment of round_.
  const char* data_ = nullptr;
  std::size_t bytes_ = 0, page_bytes_ = 4096;
};

}  // namespace illusion::labs::mmap_vs_read
