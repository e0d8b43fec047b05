// Small helpers the syscall lab's experiment files share: reading earlier results and counters,
// and an RAII guard for the files the experiments create (their fds are core::Fd).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/experiment.h"
#include "core/measure.h"
#include "core/syscall_count.h"
#include "core/result.h"

namespace illusion::labs::syscalls {

inline constexpr const char* kLabId = "syscalls";

// Values of the "category" param, which the report's syscall budget reads.
inline constexpr const char* kCategoryCall = "call";
inline constexpr const char* kCategorySyscall = "syscall";
inline constexpr const char* kCategoryLoop = "loop";
inline constexpr const char* kCategoryAmortisation = "amortisation";

// Per-op value of a counter, or nullopt when it was not counted.
std::optional<double> counter_per_op(const core::Result& r, const std::string& name);

// p50 of an earlier ok result of this run, or nullopt.
std::optional<double> earlier_p50(const core::RunContext& ctx, const std::string& id);

// "; counted 1.00 syscalls/op" when the raw_syscalls counter ran, else "".
std::string counted_syscalls_note(const core::Result& r, const char* per = "op");

// " (84x a function call)" when syscalls.function_call ran earlier in this run, else "".
std::string vs_function_call(const core::RunContext& ctx, double p50_ns);

// core::measure, then a separate untimed pass of `count_ops` ops for the syscall count.
template <class Op>
core::Result measure_and_count(const core::RunContext& ctx, core::Result r, Op op,
                               std::uint64_t count_ops = 2000) {
  r = core::measure(ctx, std::move(r), op);
  core::count_syscalls(r, count_ops, op);
  return r;
}

// Unlinks a file we created on every exit path (exceptions included): the lab leaves nothing
// behind in the run's temporary directory.
class FileRemover {
 public:
  explicit FileRemover(std::string path) : path_(std::move(path)) {}
  FileRemover(const FileRemover&) = delete;
  FileRemover& operator=(const FileRemover&) = delete;
  ~FileRemover();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Creates (O_EXCL) a small file named `name` in `dir` and returns its path; throws on error.
std::string create_small_file(const std::string& dir, const std::string& name);

}  // namespace illusion::labs::syscalls
