#include "scheduling/switch_pingpong.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/resources.h"

namespace illusion::labs::scheduling {
namespace {

// Pins the calling thread (sched_setaffinity with pid 0 means the caller only) and returns the
// CPU it now runs on, or -errno. Raw syscalls only: a forked child of a threaded process may
// call nothing that is not async-signal-safe (fork(2)), so no pin_this_thread (it allocates).
// The kernel moves the task before sched_setaffinity returns when its CPU left the mask.
int pin_self_raw(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) return -errno;
  return cpu_now_raw();
}

// What travels on a link, one byte on a pipe or the value of a futex word (never 0, which a
// futex word holds while empty): a plain token, one that asks the partner to check its CPU, and
// the partner's three answers to that.
enum Token : unsigned char { kPlain = 1, kCheck, kStayed, kMoved, kCheckFailed };

// The partner's reply to `token` while pinned to `cpu`. Async-signal-safe.
unsigned char reply_to(unsigned token, int cpu) {
  if (token != kCheck) return static_cast<unsigned char>(token);
  switch (check_cpu(cpu)) {
    case CpuCheck::stayed:
      return kStayed;
    case CpuCheck::moved:
      return kMoved;
    case CpuCheck::failed:
      break;
  }
  return kCheckFailed;
}

CpuCheck answer_of(unsigned reply) {
  if (reply == kStayed) return CpuCheck::stayed;
  if (reply == kMoved) return CpuCheck::moved;
  // kCheckFailed, or a partner that did not understand the question.
  return CpuCheck::failed;
}

// "" when the partner's report says it runs on `cpu`, else why not.
std::string pin_refusal(int reported, int cpu) {
  if (reported < 0)
    return fmt::format("the partner could not pin itself to CPU {}: {}", cpu,
                       std::strerror(-reported));
  if (reported != cpu)
    return fmt::format("the partner asked for CPU {} but runs on CPU {}", cpu, reported);
  return "";
}

// Writes or reads exactly `n` bytes, retrying EINTR; false on EOF or error. Async-signal-safe.
bool write_all(int fd, const void* buf, std::size_t n) {
  const char* p = static_cast<const char*>(buf);
  while (n > 0) {
    const ssize_t got = write(fd, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool read_all(int fd, void* buf, std::size_t n) {
  char* p = static_cast<char*>(buf);
  while (n > 0) {
    const ssize_t got = read(fd, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

// The partner's whole life on a pipe link: pin, report where it runs, then echo every byte
// until the caller closes its end (EOF). Async-signal-safe, so a forked child can run it.
void pipe_partner(int cpu, int in_fd, int out_fd) {
  const int reported = pin_self_raw(cpu);
  if (!write_all(out_fd, &reported, sizeof reported) || reported != cpu) return;
  unsigned char token = 0;
  while (read_all(in_fd, &token, 1)) {
    const unsigned char reply = reply_to(token, cpu);
    if (!write_all(out_fd, &reply, 1)) return;
  }
}

// Two pipes: caller -> partner and partner -> caller. The caller holds the write end of the
// first and the read end of the second; the partner the other two.
class PipeLink : public PingPong {
 public:
  PipeLink()
      : to_partner_(core::make_pipe("pipe2 (caller -> partner)")),
        to_caller_(core::make_pipe("pipe2 (partner -> caller)")) {}
  ~PipeLink() override { close_fds(); }

  void round_trip() override { pass(kPlain); }
  CpuCheck round_trip_checking_cpu() override { return answer_of(pass(kCheck)); }

  // Reads the partner's report; "" when it runs on `cpu`.
  std::string await_ready(int cpu) {
    int reported = -1;
    if (!read_all(to_caller_.read.get(), &reported, sizeof reported))
      return "the partner ended before reporting its CPU";
    partner_cpu_ = reported;
    return pin_refusal(reported, cpu);
  }

 protected:
  // The partner sees EOF and ends: the first step of every teardown.
  void hang_up() { to_partner_.write.reset(); }
  void close_partner_ends() {
    to_partner_.read.reset();
    to_caller_.write.reset();
  }
  void close_caller_ends() {
    to_partner_.write.reset();
    to_caller_.read.reset();
  }
  int partner_in() const { return to_partner_.read.get(); }
  int partner_out() const { return to_caller_.write.get(); }

 private:
  // Sends `token`, returns the partner's reply.
  unsigned char pass(unsigned char token) {
    if (!write_all(to_partner_.write.get(), &token, 1) ||
        !read_all(to_caller_.read.get(), &token, 1))
      throw std::runtime_error("the ping-pong partner is gone (its end of the pipe closed)");
    return token;
  }
  void close_fds() {
    close_caller_ends();
    close_partner_ends();
  }
  core::Pipe to_partner_, to_caller_;
};

class PipeThread final : public PipeLink {
 public:
  explicit PipeThread(int cpu)
      : partner_([this, cpu] { pipe_partner(cpu, partner_in(), partner_out()); }) {}
  ~PipeThread() override {
    hang_up();
    partner_.join();
  }

 private:
  std::thread partner_;
};

class PipeProcess final : public PipeLink {
 public:
  explicit PipeProcess(int cpu) {
    const pid_t parent = getpid();
    const pid_t pid = ::fork();
    if (pid < 0) core::throw_errno("fork (ping-pong partner)");
    if (pid == 0) {
      core::reset_signals_in_child(parent);
      // Without this the child would hold the write end it reads from and never see EOF.
      close_caller_ends();
      pipe_partner(cpu, partner_in(), partner_out());
      _exit(0);
    }
    core::register_child(pid);
    pid_ = pid;
    // Once the child is gone its ends close, and the caller's read sees EOF instead of hanging.
    close_partner_ends();
  }
  ~PipeProcess() override {
    hang_up();
    int status = 0;
    core::retry_eintr([&] { return waitpid(pid_, &status, 0); });
    core::unregister_child(pid_);
  }

 private:
  pid_t pid_ = -1;
};

template <class Link>
StartedPingPong start_pipe(int cpu) {
  auto link = std::make_unique<Link>(cpu);
  std::string refusal = link->await_ready(cpu);
  if (!refusal.empty()) return {nullptr, std::move(refusal)};  // the link's teardown runs here
  return {std::move(link), ""};
}

// futex(2) with FUTEX_PRIVATE_FLAG: the word is only seen by this process, so the kernel keys
// it by address in this mm and skips the shared-mapping lookup.
long futex(std::uint32_t* word, int op, std::uint32_t value) {
  return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, value, nullptr, nullptr, 0);
}

// Hands the token over: the word goes 0 -> token, then the waiter (if any) is woken.
void give(std::uint32_t& word, std::uint32_t token = kPlain) {
  std::atomic_ref<std::uint32_t>(word).store(token, std::memory_order_release);
  futex(&word, FUTEX_WAKE, 1);
}

// Blocks until a token is here, then takes it (token -> 0) and returns it. FUTEX_WAIT sleeps
// only while the word still reads 0, so a give() that lands between the load and the wait is
// not lost.
std::uint32_t take(std::uint32_t& word) {
  std::atomic_ref<std::uint32_t> w(word);
  std::uint32_t token = 0;
  while ((token = w.load(std::memory_order_acquire)) == 0) futex(&word, FUTEX_WAIT, 0);
  w.store(0, std::memory_order_relaxed);
  return token;
}

class FutexLink final : public PingPong {
 public:
  FutexLink(int cpu, std::function<void()> on_token)
      : on_token_(std::move(on_token)), partner_([this, cpu] { partner(cpu); }) {}
  ~FutexLink() override {
    stop_.store(true, std::memory_order_relaxed);
    give(to_partner_);  // release orders the stop flag before the token
    partner_.join();
  }

  void round_trip() override {
    give(to_partner_);
    take(to_caller_);
  }
  CpuCheck round_trip_checking_cpu() override {
    give(to_partner_, kCheck);
    return answer_of(take(to_caller_));
  }

  std::string await_ready(int cpu) {
    take(to_caller_);
    partner_cpu_ = reported_;
    return pin_refusal(reported_, cpu);
  }

 private:
  void partner(int cpu) {
    reported_ = pin_self_raw(cpu);
    give(to_caller_);
    for (;;) {
      const std::uint32_t token = take(to_partner_);
      if (stop_.load(std::memory_order_relaxed)) return;
      if (on_token_) on_token_();
      give(to_caller_, reply_to(token, cpu));
    }
  }

  // One cache line each, so the two words do not bounce together between CPUs.
  alignas(64) std::uint32_t to_partner_ = 0;
  alignas(64) std::uint32_t to_caller_ = 0;
  std::atomic<bool> stop_{false};
  int reported_ = -1;  // written before the partner's first give(), read after the take()
  std::function<void()> on_token_;
  std::thread partner_;  // last: started once everything it reads exists
};

}  // namespace

StartedPingPong start_pipe_thread(int partner_cpu) {
  return start_pipe<PipeThread>(partner_cpu);
}

StartedPingPong start_pipe_process(int partner_cpu) {
  return start_pipe<PipeProcess>(partner_cpu);
}

StartedPingPong start_futex_thread(int partner_cpu, std::function<void()> on_token) {
  auto link = std::make_unique<FutexLink>(partner_cpu, std::move(on_token));
  std::string refusal = link->await_ready(partner_cpu);
  if (!refusal.empty()) return {nullptr, std::move(refusal)};
  return {std::move(link), ""};
}

PipeEcho::PipeEcho() : pipe_(core::make_pipe("pipe2 (baseline)")) {}

void PipeEcho::write_then_read() {
  char token = 'b';
  if (!write_all(pipe_.write.get(), &token, 1) || !read_all(pipe_.read.get(), &token, 1))
    throw std::runtime_error("the baseline pipe failed");
}

void futex_wake_and_wait_no_switch() {
  // The word holds 1 and the wait expects 0: FUTEX_WAIT returns EAGAIN without sleeping.
  alignas(64) static std::uint32_t word = 1;
  futex(&word, FUTEX_WAKE, 1);
  futex(&word, FUTEX_WAIT, 0);
}

}  // namespace illusion::labs::scheduling
