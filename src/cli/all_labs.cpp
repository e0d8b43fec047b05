#include "cli/all_labs.h"

#include "mmap_vs_read/lab.h"
#include "processes/lab.h"
#include "scheduling/lab.h"
#include "syscalls/lab.h"
#include "vm/lab.h"

namespace illusion::cli {

std::vector<core::Lab> all_labs() {
  return {labs::processes::lab(), labs::syscalls::lab(), labs::vm::lab(),
          labs::mmap_vs_read::lab(), labs::scheduling::lab()};
}

}  // namespace illusion::cli
