// io_uring(7): requests go into a shared submission ring and one io_uring_enter(2) submits
// them all (and here also waits for all completions), so N reads cost one mode switch. With
// the file in the page cache the reads complete inline, inside that same enter: the figure is
// the syscall saving, not asynchrony.
#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "syscalls/file_pass.h"
#include "syscalls/rows.h"

namespace illusion::labs::syscalls {
namespace {

constexpr std::size_t kBlock = 4096;

// kernel.io_uring_disabled (6.6+): 0 allowed, 1 only for kernel.io_uring_group members and
// CAP_SYS_ADMIN, 2 refused for everyone. Empty when the file does not exist.
std::string io_uring_disabled_sysctl() {
  std::ifstream in("/proc/sys/kernel/io_uring_disabled");
  std::string v;
  in >> v;
  return v;
}

class Ring {
 public:
  explicit Ring(unsigned entries) { rc_ = io_uring_queue_init(entries, &ring_, 0); }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    if (rc_ == 0) io_uring_queue_exit(&ring_);
  }
  int error() const { return rc_ < 0 ? -rc_ : 0; }  // liburing returns -errno
  io_uring* get() { return &ring_; }

 private:
  io_uring ring_{};
  int rc_ = -EINVAL;
};

core::Result skipped_amortisation(core::Result r, std::string reason) {
  r.add_param("category", kCategoryAmortisation);
  return core::skipped(std::move(r), std::move(reason));
}

core::Result run_uring_batch(core::RunContext& ctx, core::Result r, unsigned sqes_per_submit) {
  const std::string disabled = io_uring_disabled_sysctl();
  if (disabled == "2")
    return skipped_amortisation(
        std::move(r), "io_uring is disabled on this machine (kernel.io_uring_disabled=2)");
  Ring ring(sqes_per_submit);
  if (const int err = ring.error()) {
    std::string why = fmt::format("io_uring_queue_init failed: {}", std::strerror(err));
    if (err == ENOSYS) why += " (kernel built without io_uring)";
    if (err == EPERM && disabled == "1")
      why += " (kernel.io_uring_disabled=1 and this user is not in kernel.io_uring_group)";
    return skipped_amortisation(std::move(r), why);
  }

  AmortisationFile file(ctx.temp_dir, amortisation_file_bytes(ctx.profile));
  AlignedBuffer buf(static_cast<std::size_t>(sqes_per_submit) * kBlock);
  io_uring* ring_ptr = ring.get();

  PassPlan plan;
  plan.op = fmt::format(
      "one pass: 4 KiB reads, {} SQEs per io_uring_submit_and_wait, all "
      "completions reaped before the next batch",
      sqes_per_submit);
  plan.block_bytes = kBlock;
  plan.read_range = [&](std::uint64_t begin, std::uint64_t end) {
    PassOutcome o;
    std::uint64_t off = begin;
    while (off < end) {
      const auto batch =
          static_cast<unsigned>(std::min<std::uint64_t>(sqes_per_submit, (end - off) / kBlock));
      for (unsigned i = 0; i < batch; ++i) {
        // The ring holds sqes_per_submit entries and is drained each round: never full here.
        io_uring_sqe* sqe = io_uring_get_sqe(ring_ptr);
        if (!sqe) throw std::runtime_error("io_uring submission queue unexpectedly full");
        io_uring_prep_read(sqe, file.fd(), buf.data() + i * kBlock, kBlock, off + i * kBlock);
        io_uring_sqe_set_data64(sqe, i);
      }
      int rc = io_uring_submit_and_wait(ring_ptr, batch);
      ++o.calls;
      if (rc < 0 && rc != -EINTR)
        throw std::system_error(-rc, std::generic_category(), "io_uring_submit_and_wait");
      for (unsigned reaped = 0; reaped < batch; ++reaped) {
        io_uring_cqe* cqe = nullptr;
        // Normally every completion is already posted; if not, waiting is one more enter.
        if (io_uring_peek_cqe(ring_ptr, &cqe) != 0 || !cqe) {
          ++o.calls;
          rc = io_uring_wait_cqe(ring_ptr, &cqe);
          if (rc < 0) throw std::system_error(-rc, std::generic_category(), "io_uring_wait_cqe");
        }
        const std::uint64_t slot = io_uring_cqe_get_data64(cqe);
        if (cqe->res != static_cast<int>(kBlock) || slot >= batch)
          throw std::runtime_error(
              fmt::format("io_uring read of {} returned {} (slot {}): expected {} bytes",
                          file.path(), cqe->res, slot, kBlock));
        o.checksum += checksum_pages(buf.bytes() + slot * kBlock, kBlock);
        io_uring_cqe_seen(ring_ptr, cqe);
      }
      off += static_cast<std::uint64_t>(batch) * kBlock;
    }
    return o;
  };

  r = measure_passes(ctx, std::move(r), file, plan);
  r.add_param("sqes_per_submit", static_cast<double>(sqes_per_submit));
  return r;
}

core::ExperimentBody uring(unsigned n) {
  return
      [n](core::RunContext& ctx, core::Result r) { return run_uring_batch(ctx, std::move(r), n); };
}

}  // namespace

std::vector<core::Experiment> uring_rows() {
  // Each row writes the amortisation file in the run's directory.
  const auto file = [](const core::RunContext& ctx) {
    return core::one_file(amortisation_file_bytes(ctx.profile));
  };
  return {
      core::with_disk(experiment("uring_batch_1", "io_uring, 1 per enter",
                                 "4 KiB reads through io_uring, one per io_uring_enter: the "
                                 "ring's overhead with no batching.",
                                 "ns/KiB", kFile, uring(1)),
                      file),
      core::with_disk(experiment("uring_batch_8", "io_uring, 8 per enter",
                                 "4 KiB reads through io_uring, 8 per io_uring_enter.", "ns/KiB",
                                 kFile, uring(8)),
                      file),
      core::with_disk(experiment("uring_batch_64", "io_uring, 64 per enter",
                                 "4 KiB reads through io_uring, 64 per io_uring_enter: many "
                                 "requests per mode switch.",
                                 "ns/KiB", kFile, uring(64)),
                      file),
  };
}

}  // namespace illusion::labs::syscalls
