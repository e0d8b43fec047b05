// Two tasks handing a token back and forth, each hand-off a block in the kernel and a wake-up:
// the machinery behind the context-switch rows. The caller's thread is one side (its placement
// is the caller's business, through an AffinityGuard); the partner (a thread, or a forked
// process) is created here, pins itself to the CPU it is given, and is joined or reaped when
// the PingPong is destroyed, on every path.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/fd.h"
#include "scheduling/pinned_cpu_check.h"

namespace illusion::labs::scheduling {

// The caller's side of a running ping-pong.
class PingPong {
 public:
  virtual ~PingPong() = default;
  // Hands the token to the partner and blocks until it comes back. Throws std::runtime_error
  // when the partner is gone (its end of the link closed), so a broken run cannot hang.
  virtual void round_trip() = 0;
  // A round trip on which the partner also checks that it still runs on the CPU it pinned
  // itself to, and answers with the token: for counting passes, never for timed ones (the
  // check is one more syscall on the partner's side).
  virtual CpuCheck round_trip_checking_cpu() = 0;
  // The CPU the partner reported, right after pinning itself.
  int partner_cpu() const { return partner_cpu_; }

 protected:
  int partner_cpu_ = -1;
};

// A PingPong, or why it could not be started (the partner could not be pinned).
struct StartedPingPong {
  std::unique_ptr<PingPong> link;
  std::string refusal;
};

// 1 byte over two pipes (lmbench lat_ctx, perf bench sched pipe): the partner reads one, writes
// one back. A thread of this process, or a forked child (the child runs async-signal-safe calls
// only, fork(2) in a threaded process, and _exits on every path).
StartedPingPong start_pipe_thread(int partner_cpu);
StartedPingPong start_pipe_process(int partner_cpu);

// A 32-bit futex word each way (futex(2): FUTEX_WAIT/FUTEX_WAKE, FUTEX_PRIVATE_FLAG): the
// cheapest hand-off the kernel mediates. `on_token`, when set, runs in the partner each time
// the token arrives, before it is handed back (the indirect-cost row's polluter).
StartedPingPong start_futex_thread(int partner_cpu, std::function<void()> on_token = {});

// One 1-byte write and one 1-byte read on a pipe, in the calling thread: a hand-off's pipe
// work without the switch (what lmbench subtracts). Owns its pipe.
class PipeEcho {
 public:
  PipeEcho();
  void write_then_read();

 private:
  core::Pipe pipe_;
};

// The futex counterpart: FUTEX_WAKE with no waiter plus a FUTEX_WAIT whose word no longer
// holds the expected value (returns EAGAIN at once): both syscalls of a hand-off, no switch.
void futex_wake_and_wait_no_switch();

}  // namespace illusion::labs::scheduling
