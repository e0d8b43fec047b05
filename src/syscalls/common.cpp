#include "syscalls/common.h"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/fd.h"
#include "core/format.h"

namespace illusion::labs::syscalls {

std::optional<double> counter_per_op(const core::Result& r, const std::string& name) {
  const core::CounterValue* c = r.counter(name);
  if (!c) return std::nullopt;
  return c->per_op;
}

std::optional<double> earlier_p50(const core::RunContext& ctx, const std::string& id) {
  if (!ctx.earlier) return std::nullopt;
  const core::Result* r = core::find_result(*ctx.earlier, id);
  if (!r || !r->stats || r->stats->n == 0) return std::nullopt;
  return r->stats->p50;
}

std::string counted_syscalls_note(const core::Result& r, const char* per) {
  const auto n = counter_per_op(r, "syscalls");
  if (!n) return "";
  return fmt::format("; counted {:.2f} syscalls/{}", *n, per);
}

std::string vs_function_call(const core::RunContext& ctx, double p50_ns) {
  const auto call = earlier_p50(ctx, "syscalls.function_call");
  if (!call || *call <= 0) return "";
  // Whole and rounded, with thousands separators, as the cost ladder's "x a call" column.
  return fmt::format(" ({}x a function call)", core::format_whole(std::round(p50_ns / *call)));
}

FileRemover::~FileRemover() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

std::string create_small_file(const std::string& dir, const std::string& name) {
  if (dir.empty()) throw std::runtime_error("the run has no temporary directory for " + name);
  const std::string path = dir + "/" + name;
  const int fd = core::retry_eintr(
      [&] { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); });
  if (fd < 0) core::throw_errno("cannot create " + path);
  const core::Fd guard(fd);
  static const char kText[] = "illusion syscall lab probe file\n";
  if (core::retry_eintr([&] { return ::write(fd, kText, sizeof kText - 1); }) !=
      static_cast<ssize_t>(sizeof kText - 1)) {
    ::unlink(path.c_str());
    core::throw_errno("cannot write " + path);
  }
  return path;
}

}  // namespace illusion::labs::syscalls
