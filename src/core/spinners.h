// Threads of this process that sit on other CPUs inside this mm, so their TLBs may hold a
// mapping's entries and munmap must flush them there too: what the munmap rows and the
// environment's TLB-flush probe need to make remote TLB flushes happen.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/affinity.h"

namespace illusion::core {

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

}  // namespace illusion::core
