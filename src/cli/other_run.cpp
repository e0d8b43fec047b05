#include "cli/other_run.h"

#include <iostream>
#include <string>

#include <fmt/format.h>

namespace illusion::cli {

void meet_other_run(core::RunLock& lock, bool wait, bool offer_wait) {
  if (!lock.busy()) return;
  const std::string pid = lock.holder().empty() ? "pid unknown" : lock.holder();
  if (wait) {
    // The holder may measure for minutes: say why nothing else happens meanwhile.
    std::cerr << fmt::format("illusion: waiting for the other illusion run ({}) to finish\n", pid);
    lock.wait();
    return;
  }
  std::cerr << fmt::format(
      "illusion: warning: another illusion run ({}) is measuring on this machine: the two runs "
      "disturb each other's figures{}\n",
      pid, offer_wait ? "; --wait-for-other-run to wait for it" : "");
  lock.measure_alongside();
}

}  // namespace illusion::cli
