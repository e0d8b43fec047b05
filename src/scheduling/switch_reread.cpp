#include "scheduling/switch_reread.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/format.h"
#include "core/resources.h"
#include "core/sample_each.h"
#include "scheduling/switch_pingpong.h"

namespace illusion::labs::scheduling {
namespace {

constexpr std::size_t kLineBytes = 64;
constexpr int kWarmRounds = 10;

struct alignas(kLineBytes) Line {
  std::uint32_t next;
  char pad[kLineBytes - sizeof(std::uint32_t)];
};
static_assert(sizeof(Line) == kLineBytes);

// The measured thread's working set, linked into one random cycle through every line.
class Chain {
 public:
  explicit Chain(std::size_t bytes) : lines_(std::max<std::size_t>(bytes / kLineBytes, 2)) {
    std::vector<std::uint32_t> order(lines_.size());
    std::iota(order.begin(), order.end(), 0u);
    // Sattolo's algorithm: a uniformly random permutation with a single cycle, so the walk
    // from any line visits all of them. A fixed seed keeps runs comparable.
    std::mt19937 rng(20250607);
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      std::uniform_int_distribution<std::size_t> pick(0, i - 1);
      std::swap(order[i], order[pick(rng)]);
    }
    for (std::size_t i = 0; i < order.size(); ++i) lines_[i].next = order[i];
  }

  // One load per line, each address taken from the previous load.
  std::uint32_t walk() const {
    std::uint32_t at = 0;
    for (std::size_t i = 0; i < lines_.size(); ++i) at = lines_[at].next;
    core::do_not_optimize(at);
    return at;
  }

 private:
  std::vector<Line> lines_;
};

// The partner's buffer: one read-modify-write per line, so its lines are also dirty and their
// eviction later costs a write-back, as a real partner's would.
class Polluter {
 public:
  explicit Polluter(std::size_t bytes) : bytes_(bytes), data_(new std::uint8_t[bytes]()) {}
  void touch() {
    for (std::size_t i = 0; i < bytes_; i += kLineBytes)
      data_[i] = static_cast<std::uint8_t>(data_[i] + 1);
    core::clobber_memory();
  }

 private:
  std::size_t bytes_;
  std::unique_ptr<std::uint8_t[]> data_;
};

enum class Condition { no_switch, after_switch, after_idle_switch };

// "1024K" -> bytes; 0 when unreadable.
std::size_t parse_cache_size(const std::string& text) {
  std::size_t value = 0, used = 0;
  try {
    value = std::stoul(text, &used);
  } catch (const std::exception&) {
    return 0;
  }
  const char unit = used < text.size() ? text[used] : ' ';
  if (unit == 'K') return value << 10;
  if (unit == 'M') return value << 20;
  return value;
}

}  // namespace

std::size_t polluter_bytes_for(int cpu, std::string& l2_description) {
  constexpr std::size_t kMin = 1u << 20, kMax = 16u << 20;
  for (int index = 0; index < 8; ++index) {
    const std::string dir = fmt::format("/sys/devices/system/cpu/cpu{}/cache/index{}/", cpu, index);
    int level = 0;
    std::string type, size;
    std::ifstream(dir + "level") >> level;
    std::ifstream(dir + "type") >> type;
    std::ifstream(dir + "size") >> size;
    if (level != 2 || type == "Instruction") continue;
    const std::size_t l2 = parse_cache_size(size);
    if (l2 == 0) break;
    l2_description = fmt::format("L2 of CPU {}: {} (sysfs)", cpu, core::format_size(l2));
    return std::clamp(2 * l2, kMin, kMax);
  }
  l2_description = "";
  return kMin;
}

IndirectRun run_indirect(const core::Clock& clock, const IndirectConfig& config) {
  IndirectRun out;
  Chain chain(config.set_bytes);
  Polluter polluter(config.polluter_bytes);
  // Read by the partner after each take() of the token, written by this thread before the
  // give(): the futex hand-off orders them.
  std::atomic<bool> pollute{false};
  StartedPingPong started = start_futex_thread(config.cpu, [&] {
    if (pollute.load(std::memory_order_relaxed)) polluter.touch();
  });
  if (!started.link) {
    out.refusal = started.refusal;
    return out;
  }
  PingPong& link = *started.link;

  // One round of a condition: warm the set, (switch,) time the re-read.
  auto round = [&](Condition c) {
    chain.walk();
    if (c != Condition::no_switch) {
      pollute.store(c == Condition::after_switch, std::memory_order_relaxed);
      link.round_trip();
    }
    core::clobber_memory();
    const double t0 = clock.now_ns();
    chain.walk();
    core::clobber_memory();
    return clock.now_ns() - t0;
  };

  for (int i = 0; i < kWarmRounds; ++i) {
    round(Condition::no_switch);
    round(Condition::after_switch);
    round(Condition::after_idle_switch);
  }
  // A round of the three conditions is one sample of core/sample_each.h's stop rule (the
  // budget, then the floor of rounds); the loop keeps the no-switch value, the lists here all
  // three.
  core::SampleLoop loop(clock,
                        {.budget_s = config.budget_ns / 1e9, .min_samples = config.min_rounds});
  while (loop.more()) {
    out.no_switch.push_back(round(Condition::no_switch));
    out.after_switch.push_back(round(Condition::after_switch));
    out.after_idle_switch.push_back(round(Condition::after_idle_switch));
    loop.add(out.no_switch.back(), clock.now_ns());
  }
  return out;
}

}  // namespace illusion::labs::scheduling
