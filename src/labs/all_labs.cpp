#include "labs/all_labs.h"

#include "mmap_vs_read/lab.h"
#include "processes/lab.h"
#include "scheduling/lab.h"
#include "syscalls/lab.h"
#include "vm/lab.h"

namespace illusion::labs {

std::vector<core::Lab> all_labs() {
  return {processes::lab(), syscalls::lab(), vm::lab(), mmap_vs_read::lab(), scheduling::lab()};
}

}  // namespace illusion::labs
