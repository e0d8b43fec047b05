#include "core/test_hooks.h"

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace illusion::core {

void test_stop_point(const char* point) {
  static bool stopped = false;
  const char* wanted = std::getenv("ILLUSION_TEST_STOP_AT");
  if (stopped || wanted == nullptr || std::strcmp(wanted, point) != 0) return;
  stopped = true;
  std::raise(SIGSTOP);
}

}  // namespace illusion::core
